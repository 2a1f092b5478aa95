/*
 * scenario.c - scenario files (sipcanary-scenario(5)) into the struct
 * sc_scenario that the scenario engine runs.  A scenario that loads is
 * one that can run: every value, and every rule the engine relies on
 * (a connection before a register, an expect that can hold, ...), is
 * checked here, and every error reads "FILE:LINE: what was expected".
 *
 * The syntax is libconfuse's, and four properties of libconfuse 3.3
 * shape this file:
 *
 *  - Sections with the same title are merged: a second "step register"
 *    replaces the first.  So each step is converted to a struct sc_step
 *    as soon as its closing brace is read (the validate callback of the
 *    "step" option) and removed from the tree at once.  No two titles
 *    ever meet, and steps stay in file order, repeated kinds included.
 *  - libconfuse keeps no line per option, and a section's line has moved
 *    to its closing brace by the time the section ends.  So every option
 *    has a parse callback, which runs while the lexer is on the value's
 *    line: it checks the value there and records the line for the later
 *    checks.  A hidden sub-section SCN_AT, which libconfuse creates when
 *    a step opens, keeps the line of the step's opening brace.
 *  - A section cannot contain itself, so the step options are laid out
 *    once per nesting level, SCENARIO_MAX_DEPTH levels deep.
 *  - Its lexer counts too many lines after every comment, and it takes
 *    the end of the file for a closing brace.  So scn_strip() blanks the
 *    comments out and checks the braces before libconfuse sees the text.
 *
 * libconfuse's own messages (syntax errors, unknown options) arrive at
 * the error function and are reworded in the same style.  The callbacks
 * carry no user pointer, so the parse in progress is a file-static;
 * libconfuse's lexer is itself global, so parsing was never reentrant.
 */
#include "config.h"

#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <confuse.h>

#include "duration.h"
#include "scenario.h"

#define SCN_AT		"__at"	/* the hidden section holding a step's line */
#define SCN_QUOTE	80	/* room for a value echoed in a message */
#define SCN_LABEL_MAX	64
#define SCN_TEXT_MAX	1000	/* description */
#define SCN_BACKOFF_BASE 30	/* RFC 5626 section 4.5 base-time */
#define SCN_BACKOFF_MAX	1800	/* RFC 5626 section 4.5 max-time */
#define SCN_USER_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789-_.!~*'()&=+$,;?/"

#define K(k)		(1u << (k))
#define K_SIP		(K(SC_STEP_REGISTER) | K(SC_STEP_REREGISTER) | \
			    K(SC_STEP_UNREGISTER) | K(SC_STEP_OPTIONS))
#define K_CONN		(K(SC_STEP_CONNECT) | K(SC_STEP_RECONNECT))
#define K_KA		(K(SC_STEP_KEEPALIVE) | K(SC_STEP_HOLD))
#define K_ALL		(K(SC_STEP_KIND_COUNT) - 1)
#define K_TOP		0u

enum scn_optid {
	OPT_DESCRIPTION = 0,
	OPT_CLIENTS,
	OPT_RAMP,
	OPT_DURATION,
	OPT_USER,
	OPT_USERS,
	OPT_USER_FIRST,
	OPT_PASSWORD_FILE,
	OPT_EXPECT,
	OPT_WITHIN,
	OPT_RESUME,
	OPT_EXPIRES,
	OPT_EVERY,
	OPT_FOR,
	OPT_HOW,
	OPT_BACKOFF,
	OPT_BASE,
	OPT_MAX,
	OPT_COUNT,
	OPT_LABEL,
	OPT_NUM
};

/*
 * Every option: its libconfuse type and the step kinds it applies to.
 * The order of the step options is the order of "X takes ..." in
 * messages and of sipcanary-scenario(5).
 */
static const struct scn_optdef {
	const char	*name;
	cfg_type_t	 type;
	unsigned	 kinds;
} scn_optdefs[OPT_NUM] = {
	[OPT_DESCRIPTION] = { "description", CFGT_STR, K_TOP },
	[OPT_CLIENTS] = { "clients", CFGT_INT, K_TOP },
	[OPT_RAMP] = { "ramp", CFGT_FLOAT, K_TOP },
	[OPT_DURATION] = { "duration", CFGT_FLOAT, K_TOP },
	[OPT_USER] = { "user", CFGT_STR, K_TOP },
	[OPT_USERS] = { "users", CFGT_STR, K_TOP },
	[OPT_USER_FIRST] = { "user_first", CFGT_INT, K_TOP },
	[OPT_PASSWORD_FILE] = { "password_file", CFGT_STR, K_TOP },
	[OPT_EXPECT] = { "expect", CFGT_STR, K_CONN | K_SIP | K_KA },
	[OPT_WITHIN] = { "within", CFGT_FLOAT,
	    K_CONN | K_SIP | K(SC_STEP_KEEPALIVE) },
	[OPT_RESUME] = { "resume", CFGT_BOOL, K_CONN },
	[OPT_EXPIRES] = { "expires", CFGT_INT,
	    K(SC_STEP_REGISTER) | K(SC_STEP_REREGISTER) },
	[OPT_EVERY] = { "every", CFGT_FLOAT, K_KA },
	[OPT_FOR] = { "for", CFGT_FLOAT, K_KA | K(SC_STEP_WAIT) },
	[OPT_HOW] = { "how", CFGT_INT, K(SC_STEP_BREAK) },
	[OPT_BACKOFF] = { "backoff", CFGT_INT, K(SC_STEP_RECONNECT) },
	[OPT_BASE] = { "base", CFGT_FLOAT, K(SC_STEP_RECONNECT) },
	[OPT_MAX] = { "max", CFGT_FLOAT, K(SC_STEP_RECONNECT) },
	[OPT_COUNT] = { "count", CFGT_INT, K(SC_STEP_REPEAT) },
	[OPT_LABEL] = { "label", CFGT_STR, K_ALL },
};

static const char *const scn_hows[] = {
	[SC_BREAK_RST] = "rst",
	[SC_BREAK_CLOSE_NOTIFY] = "close_notify",
	[SC_BREAK_SILENT_DROP] = "silent_drop",
};

static const char *const scn_backoffs[] = {
	[SC_BACKOFF_IMMEDIATE] = "immediate",
	[SC_BACKOFF_FIXED] = "fixed",
	[SC_BACKOFF_RFC5626] = "rfc5626",
};

/*
 * One open section (the top level, or a step) that has had an option or
 * a nested step: where each option was set, and the steps inside it.
 * Sections open and close in stack order, so the frames are a stack.
 */
struct scn_frame {
	cfg_t		*cfg;
	int		 line[OPT_NUM];	/* 0: not set */
	struct sc_step	*steps;
	size_t		 nsteps;
	size_t		 capsteps;
};

struct scn_parse {
	const char	*file;		/* as named in messages */
	int		 lastline;	/* the file's, for errors at its end */
	char		*err;
	size_t		 errlen;
	int		 failed;
	struct scn_frame frames[SCENARIO_MAX_DEPTH + 1];
	int		 nframes;
	cfg_opt_t	 root_opts[OPT_NUM + 2];
	cfg_opt_t	 step_opts[SCENARIO_MAX_DEPTH][OPT_NUM + 3];
	cfg_opt_t	 at_opts[1];
};

/* The parse in progress, for the libconfuse callbacks. */
static struct scn_parse *scn_cur;

static void	scn_step_clear(struct sc_step *);

/* Records the first error only: the later ones are usually its echoes. */
static int __attribute__((format(printf, 3, 4)))
scn_error(struct scn_parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n, i;
	int	 len;

	if (p->failed || p->err == NULL || p->errlen == 0) {
		p->failed = 1;
		return -1;
	}
	p->failed = 1;
	if (p->lastline > 0 && line > p->lastline)
		line = p->lastline;
	len = line > 0 ? snprintf(p->err, p->errlen, "%s:%d: ", p->file,
	    line) : snprintf(p->err, p->errlen, "%s: ", p->file);
	n = len < 0 ? 0 : (size_t)len;
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	/* The file name and libconfuse's messages are not quoted by us. */
	for (i = 0; p->err[i] != '\0'; i++)
		if ((unsigned char)p->err[i] < 0x20 ||
		    (unsigned char)p->err[i] == 0x7f)
			p->err[i] = '?';
	return -1;
}

/*
 * Copies a value from the file into buf for a message, with control
 * characters and quotes escaped (an error message must not be a way to
 * send escape sequences to a terminal) and long values shortened.
 */
static const char *
scn_quote(const char *s, char *buf, size_t len)
{
	size_t		 o = 0;
	unsigned char	 c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (o + 8 >= len) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static cfg_opt_t *
scn_opt(cfg_t *cfg, const char *name)
{
	cfg_opt_t	*o;

	for (o = cfg->opts; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static int
scn_optid(const char *name)
{
	int	 i;

	for (i = 0; i < OPT_NUM; i++)
		if (strcmp(scn_optdefs[i].name, name) == 0)
			return i;
	return -1;
}

static int
scn_is_step(cfg_t *cfg)
{
	return cfg->name != NULL && strcmp(cfg->name, "step") == 0;
}

static int
scn_kind(const char *title)
{
	int	 k;

	for (k = 0; title != NULL && k < SC_STEP_KIND_COUNT; k++)
		if (strcmp(sc_step_kind_str((enum sc_step_kind)k), title) == 0)
			return k;
	return -1;
}

/* The line of a step's opening brace. */
static int
scn_at_line(cfg_t *sec)
{
	cfg_opt_t	*o;
	cfg_t		*at;

	if ((o = scn_opt(sec, SCN_AT)) != NULL && cfg_opt_size(o) > 0 &&
	    (at = cfg_opt_getnsec(o, 0)) != NULL)
		return at->line;
	return sec->line;
}

static const char *
scn_kind_list(char *buf, size_t len)
{
	size_t	 o = 0;
	int	 k;

	buf[0] = '\0';
	for (k = 0; k < SC_STEP_KIND_COUNT && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? ", " : "",
		    sc_step_kind_str((enum sc_step_kind)k));
	return buf;
}

/* "expect, within, expires, label": the options a kind takes. */
static const char *
scn_takes(int kind, char *buf, size_t len)
{
	size_t	 o = 0;
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < OPT_NUM && o < len; i++) {
		if (scn_optdefs[i].kinds == K_TOP ||
		    (scn_optdefs[i].kinds & K(kind)) == 0)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
		    kind == SC_STEP_REPEAT && i == OPT_LABEL ? "step, label" :
		    scn_optdefs[i].name);
	}
	return buf;
}

/* The kind of a step section, or -1 with the error for its title. */
static int
scn_step_kind(struct scn_parse *p, cfg_t *sec)
{
	char		 q[SCN_QUOTE], list[160];
	const char	*title = cfg_title(sec);
	int		 k;

	if ((k = scn_kind(title)) != -1)
		return k;
	scn_error(p, scn_at_line(sec), "unknown step kind \"%s\" (expected %s)",
	    scn_quote(title != NULL ? title : "", q, sizeof(q)),
	    scn_kind_list(list, sizeof(list)));
	return -1;
}

/* The frame of cfg: the top of the stack, or a new one pushed for it. */
static struct scn_frame *
scn_frame(struct scn_parse *p, cfg_t *cfg)
{
	struct scn_frame *f = &p->frames[p->nframes - 1];

	if (f->cfg == cfg)
		return f;
	if ((size_t)p->nframes == sizeof(p->frames) / sizeof(p->frames[0])) {
		scn_error(p, cfg->line, "steps nested too deeply");
		return NULL;
	}
	f = &p->frames[p->nframes++];
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	return f;
}

static void
scn_frame_clear(struct scn_frame *f)
{
	size_t	 i;

	for (i = 0; i < f->nsteps; i++)
		scn_step_clear(&f->steps[i]);
	free(f->steps);
	f->steps = NULL;
	f->nsteps = f->capsteps = 0;
}

/*
 * A whole number in *v; a leading '-' gives a negative number and a
 * huge one saturates, so that the range check can say what is wrong.
 * 0, or -1 if s is not one.
 */
static int
scn_whole(const char *s, long *v)
{
	const char	*p = s;
	long		 n = 0;
	int		 neg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
		return -1;
	/* Past 12 digits it is out of every range: saturate. */
	for (; *p != '\0'; p++)
		n = n < 1000000000000L ? n * 10 + (*p - '0') : n;
	*v = neg ? -n : n;
	return 0;
}

/* A duration option; all of them must be more than 0. */
static int
scn_duration(struct scn_parse *p, int line, const char *name,
    const char *value, double *d)
{
	char	 q[SCN_QUOTE];

	scn_quote(value, q, sizeof(q));
	if (value[0] == '-')
		return scn_error(p, line, "%s: must be more than 0, not \"%s\"",
		    name, q);
	if (duration_parse(value, d) == -1)
		return scn_error(p, line, "%s: bad duration \"%s\" (examples: "
		    "30, 30s, 250ms, 10m)", name, q);
	if (*d <= 0)
		return scn_error(p, line, "%s: must be more than 0, not \"%s\" "
		    "(leave it out for the default)", name, q);
	return 0;
}

/* A whole number from min to max. */
static int
scn_range(struct scn_parse *p, int line, const char *name, const char *value,
    long min, long max, const char *toobig, long *v)
{
	char	 q[SCN_QUOTE];

	scn_quote(value, q, sizeof(q));
	if (scn_whole(value, v) == -1)
		return scn_error(p, line, "%s: expected a whole number, not "
		    "\"%s\"", name, q);
	if (*v < min)
		return scn_error(p, line, "%s: must be at least %ld, not "
		    "\"%s\"", name, min, q);
	if (*v > max)
		return scn_error(p, line, "%s: must be at most %ld%s, not "
		    "\"%s\"", name, max, toobig, q);
	return 0;
}

/* Free text: no control characters (it reaches terminals and reports). */
static int
scn_text(struct scn_parse *p, int line, const char *name, const char *value,
    size_t max)
{
	const unsigned char *s;

	if (value[0] == '\0')
		return scn_error(p, line, "%s: must not be empty", name);
	if (strlen(value) > max)
		return scn_error(p, line, "%s: longer than %zu characters",
		    name, max);
	for (s = (const unsigned char *)value; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f)
			return scn_error(p, line, "%s: contains a control "
			    "character", name);
	return 0;
}

/*
 * Checks a user name, or a users template when tmpl is set.  The name
 * goes into SIP URIs and headers, so only the characters RFC 3261 allows
 * unescaped in a user part are accepted.  A template is used with
 * snprintf() by scenario_user(), so its one conversion must be %d or %u
 * with at most a 0 flag and a width: anything else (%s, %n, %*d, ...)
 * would read or write memory it was never given.
 */
static int
scn_user_check(struct scn_parse *p, int line, const char *name,
    const char *value, int tmpl)
{
	char		 q[SCN_QUOTE];
	const char	*pct, *s;
	size_t		 len, width = 0, ok;

	scn_quote(value, q, sizeof(q));
	if (value[0] == '\0')
		return scn_error(p, line, "%s: must not be empty", name);
	pct = strchr(value, '%');
	if (!tmpl && pct != NULL)
		return scn_error(p, line, "%s: \"%s\" contains %%; one user per "
		    "client is set with users = TEMPLATE", name, q);
	if (tmpl && pct == NULL)
		return scn_error(p, line, "%s: \"%s\" has no %%d for the client "
		    "number (as in probe%%04d)", name, q);
	if (tmpl && strchr(pct + 1, '%') != NULL)
		return scn_error(p, line, "%s: \"%s\" must contain exactly one "
		    "%%d (as in probe%%04d)", name, q);
	if (!tmpl) {
		len = strlen(value);
		ok = strspn(value, SCN_USER_CHARS) == len;
	} else {
		s = pct + 1;
		if (*s == '0')
			s++;
		if (*s >= '1' && *s <= '9') {
			width = (size_t)(*s++ - '0');
			if (*s >= '0' && *s <= '9')
				width = width * 10 + (size_t)(*s++ - '0');
		}
		if (*s != 'd' && *s != 'u')
			return scn_error(p, line, "%s: \"%s\": the client number "
			    "must be %%d, %%u or %%0Nd (as in probe%%04d)",
			    name, q);
		s++;
		len = (size_t)(pct - value) + strlen(s) +
		    (width > 10 ? width : 10);
		ok = strspn(value, SCN_USER_CHARS) == (size_t)(pct - value) &&
		    strspn(s, SCN_USER_CHARS) == strlen(s);
	}
	if (!ok)
		return scn_error(p, line, "%s: \"%s\" has a character a SIP user "
		    "name cannot carry (allowed: letters, digits and "
		    "-_.!~*'()&=+$,;?/)", name, q);
	if (len > SCENARIO_USER_MAX)
		return scn_error(p, line, "%s: \"%s\" is longer than %d "
		    "characters", name, q, SCENARIO_USER_MAX);
	return 0;
}

/*
 * expect: a SIP status or a verdict code.  0 with one of them set, or -1
 * if the value is neither.
 */
static int
scn_expect_parse(const char *value, int *status, int *verdict)
{
	long	 n;

	*status = 0;
	*verdict = -1;
	if (value[0] >= '0' && value[0] <= '9') {
		if (scn_whole(value, &n) == -1 || n < 100 || n > 699)
			return -1;
		*status = (int)n;
		return 0;
	}
	if ((*verdict = sc_verdict_parse(value)) == -1)
		return -1;
	return 0;
}

static int
scn_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Why an expect cannot hold for a step kind, or NULL if it can.  The
 * verdicts are told apart by their prefix, so that codes added later
 * fall into their layer without a change here.
 */
static const char *
scn_expect_cannot(int kind, int status, int verdict)
{
	const char	*v;

	if (status != 0) {
		if (K(kind) & K_SIP)
			return status < 200 ? "a 1xx response is never the end "
			    "of a request; expect a final status 200-699" :
			    NULL;
		if (K(kind) & K_CONN)
			return "no SIP is sent by this step; it ends in ok or "
			    "a dns_*, tcp_*, tls_* or cert_* verdict";
		return "no SIP is sent by this step; it ends in ok or "
		    "flow_dead";
	}
	v = sc_verdict_str((enum sc_verdict)verdict);
	if (verdict == SC_OK)
		return NULL;
	if (K(kind) & K_SIP) {
		if (scn_prefix(v, "sip_"))
			return NULL;
		if (scn_prefix(v, "cert_") || scn_prefix(v, "tls_") ||
		    scn_prefix(v, "tcp_") || scn_prefix(v, "dns_"))
			return "this step ends in ok or a sip_* verdict (the "
			    "connection and its certificates are checked by "
			    "connect)";
		return "this step ends in ok or a sip_* verdict";
	}
	if (K(kind) & K_CONN) {
		if (verdict == SC_CERT_INCONSISTENT)
			return "cert_inconsistent compares frontends; one "
			    "connection cannot produce it";
		if (scn_prefix(v, "dns_") || scn_prefix(v, "tcp_") ||
		    scn_prefix(v, "tls_") || scn_prefix(v, "cert_"))
			return NULL;
		return "this step ends in ok or a dns_*, tcp_*, tls_* or "
		    "cert_* verdict";
	}
	if (verdict == SC_FLOW_DEAD)
		return NULL;
	return "this step ends in ok or flow_dead";
}

static int
scn_word(const char *value, const char *const *words, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(value, words[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Checks one value as the lexer reads it, and converts it into result
 * (a long, double, int or const char * by the option's type).
 */
static int
scn_value(struct scn_parse *p, cfg_t *cfg, int id, int kind,
    const char *value, void *result)
{
	const char	*name = scn_optdefs[id].name, *why;
	struct scn_frame *f = &p->frames[p->nframes - 1];
	char		 q[SCN_QUOTE];
	double		 d;
	long		 n;
	int		 line = cfg->line, status, verdict, w;

	scn_quote(value, q, sizeof(q));
	switch (id) {
	case OPT_DESCRIPTION:
		if (scn_text(p, line, name, value, SCN_TEXT_MAX) == -1)
			return -1;
		break;
	case OPT_PASSWORD_FILE:
		if (scn_text(p, line, name, value, PATH_MAX - 1) == -1)
			return -1;
		break;
	case OPT_LABEL:
		if (value[0] == '\0' || strlen(value) > SCN_LABEL_MAX ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") !=
		    strlen(value))
			return scn_error(p, line, "label: \"%s\" must be 1 to %d "
			    "letters, digits or -_.:", q, SCN_LABEL_MAX);
		break;
	case OPT_USER:
	case OPT_USERS:
		w = id == OPT_USER ? OPT_USERS : OPT_USER;
		if (f->line[w] != 0)
			return scn_error(p, line, "%s: cannot be combined with "
			    "%s (line %d): give one user for every client, or "
			    "a template", name, scn_optdefs[w].name,
			    f->line[w]);
		if (scn_user_check(p, line, name, value, id == OPT_USERS) == -1)
			return -1;
		break;
	case OPT_EXPECT:
		if (scn_expect_parse(value, &status, &verdict) == -1)
			return scn_error(p, line, "step \"%s\": expect must be a "
			    "SIP status 100-699 or a verdict code, not \"%s\"",
			    sc_step_kind_str((enum sc_step_kind)kind), q);
		if ((why = scn_expect_cannot(kind, status, verdict)) != NULL)
			return scn_error(p, line, "step \"%s\": expect = %s "
			    "cannot hold: %s",
			    sc_step_kind_str((enum sc_step_kind)kind), q, why);
		break;
	case OPT_CLIENTS:
		if (scn_range(p, line, name, value, 1, SCENARIO_MAX_CLIENTS,
		    " (shard bigger drills with --shard)", &n) == -1)
			return -1;
		*(long *)result = n;
		return 0;
	case OPT_USER_FIRST:
		if (scn_range(p, line, name, value, 0, INT_MAX, "", &n) == -1)
			return -1;
		*(long *)result = n;
		return 0;
	case OPT_COUNT:
		if (scn_range(p, line, name, value, 1, SCENARIO_MAX_CLIENTS,
		    "", &n) == -1)
			return -1;
		*(long *)result = n;
		return 0;
	case OPT_RAMP:
		if (value[0] == '-' || duration_parse_decimal(value, &d) == -1)
			return scn_error(p, line, "ramp: expected new clients "
			    "per second, 0 or more (as in 1000 or 0.5; 0: all "
			    "at once), not \"%s\"", q);
		*(double *)result = d;
		return 0;
	case OPT_EXPIRES:
		if (scn_duration(p, line, name, value, &d) == -1)
			return -1;
		if (d != (double)(long)d)
			return scn_error(p, line, "expires: must be whole "
			    "seconds, not \"%s\"", q);
		*(long *)result = (long)d;
		return 0;
	case OPT_DURATION:
	case OPT_WITHIN:
	case OPT_EVERY:
	case OPT_FOR:
	case OPT_BASE:
	case OPT_MAX:
		if (scn_duration(p, line, name, value, &d) == -1)
			return -1;
		*(double *)result = d;
		return 0;
	case OPT_RESUME:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			*(int *)result = 1;
		else if (strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0)
			*(int *)result = 0;
		else
			return scn_error(p, line, "resume: expected yes or no, "
			    "not \"%s\"", q);
		return 0;
	case OPT_HOW:
		if ((w = scn_word(value, scn_hows, sizeof(scn_hows) /
		    sizeof(scn_hows[0]))) == -1)
			return scn_error(p, line, "how: expected rst, "
			    "close_notify or silent_drop, not \"%s\"", q);
		*(long *)result = w;
		return 0;
	case OPT_BACKOFF:
		if ((w = scn_word(value, scn_backoffs, sizeof(scn_backoffs) /
		    sizeof(scn_backoffs[0]))) == -1)
			return scn_error(p, line, "backoff: expected immediate, "
			    "fixed or rfc5626, not \"%s\"", q);
		*(long *)result = w;
		return 0;
	default:
		return scn_error(p, line, "%s: internal error", name);
	}
	*(const char **)result = value;
	return 0;
}

/*
 * The parse callback of every option: the option must apply to the step
 * kind and be set once, and its value must be good.
 */
static int
scn_opt_cb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct scn_parse *p = scn_cur;
	struct scn_frame *f;
	char		 list[160];
	int		 id, kind = -1;

	if (p == NULL || value == NULL || (id = scn_optid(opt->name)) == -1)
		return -1;
	if (scn_is_step(cfg)) {
		if ((kind = scn_step_kind(p, cfg)) == -1)
			return -1;
		if ((scn_optdefs[id].kinds & K(kind)) == 0)
			return scn_error(p, cfg->line, "step \"%s\": %s does "
			    "not apply to %s (it takes %s)",
			    sc_step_kind_str((enum sc_step_kind)kind),
			    opt->name, sc_step_kind_str((enum sc_step_kind)kind),
			    scn_takes(kind, list, sizeof(list)));
	}
	if ((f = scn_frame(p, cfg)) == NULL)
		return -1;
	if (f->line[id] != 0)
		return scn_error(p, cfg->line, "%s: set twice (first on line "
		    "%d)", opt->name, f->line[id]);
	f->line[id] = cfg->line;
	return scn_value(p, cfg, id, kind, value, result);
}

/* SCN_AT is created by libconfuse only; written in a file, it is unknown. */
static int
scn_at_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	(void)opt;
	if (scn_cur == NULL)
		return -1;
	return scn_error(scn_cur, cfg->line, "unknown option \"%s\"", SCN_AT);
}

static cfg_opt_t *
scn_getopt(cfg_t *sec, const int *lines, int id)
{
	if (lines[id] == 0)
		return NULL;
	return scn_opt(sec, scn_optdefs[id].name);
}

static double
scn_getf(cfg_t *sec, const int *lines, int id, double def)
{
	cfg_opt_t	*o = scn_getopt(sec, lines, id);

	return o != NULL && cfg_opt_size(o) > 0 ? cfg_opt_getnfloat(o, 0) : def;
}

static long
scn_geti(cfg_t *sec, const int *lines, int id, long def)
{
	cfg_opt_t	*o = scn_getopt(sec, lines, id);

	return o != NULL && cfg_opt_size(o) > 0 ? cfg_opt_getnint(o, 0) : def;
}

static const char *
scn_gets(cfg_t *sec, const int *lines, int id)
{
	cfg_opt_t	*o = scn_getopt(sec, lines, id);

	return o != NULL && cfg_opt_size(o) > 0 ? cfg_opt_getnstr(o, 0) : NULL;
}

/*
 * Fills st from a step section that has just closed, taking the nested
 * steps from its frame f (NULL if it had no options and no steps), and
 * checks the rules between its options.
 */
static int
scn_step_build(struct scn_parse *p, cfg_t *sec, int kind, int line,
    struct scn_frame *f, struct sc_step *st)
{
	static const int nolines[OPT_NUM];
	const int	*l = f != NULL ? f->line : nolines;
	const char	*s, *ks = sc_step_kind_str((enum sc_step_kind)kind);
	cfg_opt_t	*o;
	int		 status, verdict;

	memset(st, 0, sizeof(*st));
	st->kind = (enum sc_step_kind)kind;
	st->line = line;
	st->expect_verdict = -1;
	if (f != NULL) {
		st->body = f->steps;
		st->nbody = f->nsteps;
		f->steps = NULL;
		f->nsteps = f->capsteps = 0;
	}
	s = scn_gets(sec, l, OPT_LABEL);
	if ((st->label = strdup(s != NULL ? s : ks)) == NULL)
		return scn_error(p, line, "out of memory");
	if ((s = scn_gets(sec, l, OPT_EXPECT)) != NULL &&
	    scn_expect_parse(s, &status, &verdict) == 0) {
		st->expect_status = status;
		st->expect_verdict = verdict;
	}
	st->within = scn_getf(sec, l, OPT_WITHIN, 0);
	if ((o = scn_getopt(sec, l, OPT_RESUME)) != NULL &&
	    cfg_opt_size(o) > 0)
		st->resume = cfg_opt_getnbool(o, 0) == cfg_true;
	st->expires = (unsigned)scn_geti(sec, l, OPT_EXPIRES, 0);
	st->every = scn_getf(sec, l, OPT_EVERY, 0);
	st->duration = scn_getf(sec, l, OPT_FOR, 0);
	st->how = (enum sc_break_how)scn_geti(sec, l, OPT_HOW, SC_BREAK_RST);
	st->backoff = (enum sc_backoff)scn_geti(sec, l, OPT_BACKOFF,
	    SC_BACKOFF_IMMEDIATE);
	st->backoff_base = scn_getf(sec, l, OPT_BASE, 0);
	st->backoff_max = scn_getf(sec, l, OPT_MAX, 0);
	st->count = (unsigned)scn_geti(sec, l, OPT_COUNT, 0);

	switch (kind) {
	case SC_STEP_KEEPALIVE:
		/*
		 * Without "for" the step is one ping and "within" bounds its
		 * pong; with "for" each pong must come before the next ping,
		 * and a "within" would be ignored.
		 */
		if (l[OPT_FOR] != 0 && l[OPT_WITHIN] != 0)
			return scn_error(p, l[OPT_WITHIN], "step \"keepalive\": "
			    "within only applies without for (one ping); with "
			    "for, each pong must come before the next ping");
		if (l[OPT_FOR] == 0 && l[OPT_EVERY] != 0)
			return scn_error(p, l[OPT_EVERY], "step \"keepalive\": "
			    "every only applies with for (without it, the step "
			    "is one ping)");
		break;
	case SC_STEP_WAIT:
		if (l[OPT_FOR] == 0)
			return scn_error(p, line, "step \"wait\": needs for = "
			    "DURATION, as in step wait { for = 2s }");
		break;
	case SC_STEP_REPEAT:
		if (l[OPT_COUNT] == 0)
			return scn_error(p, line, "step \"repeat\": needs count = "
			    "N, as in step repeat { count = 3 step register "
			    "{ } }");
		if (st->nbody == 0)
			return scn_error(p, line, "step \"repeat\": has no steps "
			    "to repeat");
		break;
	case SC_STEP_RECONNECT:
		if (st->backoff == SC_BACKOFF_IMMEDIATE && l[OPT_BASE] != 0)
			return scn_error(p, l[OPT_BASE], "step \"reconnect\": "
			    "base only applies to backoff = fixed or rfc5626");
		if (st->backoff != SC_BACKOFF_RFC5626 && l[OPT_MAX] != 0)
			return scn_error(p, l[OPT_MAX], "step \"reconnect\": "
			    "max only applies to backoff = rfc5626");
		if (st->backoff == SC_BACKOFF_FIXED && l[OPT_BASE] == 0)
			return scn_error(p, l[OPT_BACKOFF], "step \"reconnect\": "
			    "backoff = fixed needs base = DURATION, the delay "
			    "before reconnecting");
		if (st->backoff != SC_BACKOFF_RFC5626)
			break;
		if (l[OPT_BASE] == 0)
			st->backoff_base = SCN_BACKOFF_BASE;
		if (l[OPT_MAX] == 0)
			st->backoff_max = SCN_BACKOFF_MAX;
		if (st->backoff_base > st->backoff_max)
			return scn_error(p, l[OPT_BASE] ? l[OPT_BASE] : line,
			    "step \"reconnect\": base (%gs) is more than max "
			    "(%gs)", st->backoff_base, st->backoff_max);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The validate callback of "step": a step section has just closed in
 * parent.  It becomes a struct sc_step in the parent's frame and leaves
 * the tree.
 */
static int
scn_step_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct scn_parse *p = scn_cur;
	struct scn_frame *f = NULL, *pf;
	struct sc_step	 st, *v;
	cfg_t		*sec;
	unsigned	 n;
	size_t		 cap;
	int		 kind, pkind, line;

	if (p == NULL)
		return -1;
	if ((n = cfg_opt_size(opt)) == 0 ||
	    (sec = cfg_opt_getnsec(opt, n - 1)) == NULL)
		return scn_error(p, parent->line, "internal error: lost a step");
	line = scn_at_line(sec);
	if ((kind = scn_step_kind(p, sec)) == -1)
		return -1;
	if (scn_is_step(parent)) {
		if ((pkind = scn_step_kind(p, parent)) == -1)
			return -1;
		if (pkind != SC_STEP_REPEAT)
			return scn_error(p, line, "step \"%s\": steps nest only "
			    "inside repeat, not inside %s (line %d)",
			    sc_step_kind_str((enum sc_step_kind)kind),
			    sc_step_kind_str((enum sc_step_kind)pkind),
			    scn_at_line(parent));
	}
	/* Pop the step's own frame; st takes its nested steps. */
	if (p->frames[p->nframes - 1].cfg == sec)
		f = &p->frames[--p->nframes];
	if (scn_step_build(p, sec, kind, line, f, &st) == -1)
		goto fail;
	if ((pf = scn_frame(p, parent)) == NULL)
		goto fail;
	if (pf->nsteps == pf->capsteps) {
		cap = pf->capsteps ? pf->capsteps * 2 : 8;
		if ((v = reallocarray(pf->steps, cap, sizeof(*v))) == NULL) {
			scn_error(p, line, "out of memory");
			goto fail;
		}
		pf->steps = v;
		pf->capsteps = cap;
	}
	pf->steps[pf->nsteps++] = st;
	cfg_opt_rmnsec(opt, n - 1);
	return 0;

fail:
	scn_step_clear(&st);
	if (f != NULL)
		scn_frame_clear(f);
	return -1;
}

/*
 * libconfuse's error function.  Its messages about the file are reworded
 * in the style of ours; the others are passed on as they are.
 */
static void __attribute__((format(printf, 2, 0)))
scn_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	struct scn_parse *p = scn_cur;
	char		 msg[256], q[SCN_QUOTE], list[160];
	const char	*arg;
	va_list		 aq;
	int		 line, kind;

	if (p == NULL || p->failed)
		return;
	line = cfg != NULL ? cfg->line : 0;
	va_copy(aq, ap);
	if (strcmp(fmt, "no such option '%s'") == 0) {
		arg = va_arg(aq, const char *);
		scn_quote(arg != NULL ? arg : "", q, sizeof(q));
		if (cfg == NULL || !scn_is_step(cfg)) {
			if (arg != NULL && strcmp(arg, "name") == 0)
				scn_error(p, line, "unknown option \"name\" (a "
				    "scenario is named after its file)");
			else
				scn_error(p, line, "unknown option \"%s\"", q);
		} else if ((kind = scn_step_kind(p, cfg)) == -1)
			;
		else if (arg != NULL && strcmp(arg, "step") == 0 &&
		    scn_opt(cfg, "step") == NULL)
			scn_error(p, line, "steps nested too deeply (at most "
			    "%d levels)", SCENARIO_MAX_DEPTH);
		else
			scn_error(p, line, "step \"%s\": unknown option \"%s\" "
			    "(%s takes %s)",
			    sc_step_kind_str((enum sc_step_kind)kind), q,
			    sc_step_kind_str((enum sc_step_kind)kind),
			    scn_takes(kind, list, sizeof(list)));
	} else if (strcmp(fmt, "missing title for section '%s'") == 0)
		scn_error(p, line, "step: expected a step kind (%s), as in "
		    "step connect { }", scn_kind_list(list, sizeof(list)));
	else if (strcmp(fmt, "missing opening brace for section '%s'") == 0) {
		arg = va_arg(aq, const char *);
		if (arg != NULL && strcmp(arg, "step") == 0)
			scn_error(p, line, "step: expected \"{\" after the step "
			    "kind, as in step connect { }");
		else
			scn_error(p, line, "unknown option \"%s\"",
			    scn_quote(arg != NULL ? arg : "", q, sizeof(q)));
	} else if (strcmp(fmt, "missing equal sign after option '%s'") == 0) {
		arg = va_arg(aq, const char *);
		scn_error(p, line, "expected \"=\" after %s",
		    scn_quote(arg != NULL ? arg : "", q, sizeof(q)));
	} else if (strcmp(fmt, "unexpected token '%s'") == 0) {
		arg = va_arg(aq, const char *);
		scn_error(p, line, "unexpected \"%s\"",
		    scn_quote(arg != NULL ? arg : "", q, sizeof(q)));
	} else if (strcmp(fmt, "premature end of file") == 0)
		scn_error(p, line, "unexpected end of file");
	else if (strcmp(fmt, "unexpected closing brace") == 0)
		scn_error(p, line, "unexpected \"}\"");
	else {
		vsnprintf(msg, sizeof(msg), fmt, aq);
		scn_error(p, line, "%s", msg);
	}
	va_end(aq);
}

static cfg_opt_t
scn_cfgopt(int id)
{
	const char	*name = scn_optdefs[id].name;

	switch (scn_optdefs[id].type) {
	case CFGT_INT:
		return (cfg_opt_t)CFG_INT_CB(name, 0, CFGF_NODEFAULT,
		    scn_opt_cb);
	case CFGT_FLOAT:
		return (cfg_opt_t)CFG_FLOAT_CB(name, 0, CFGF_NODEFAULT,
		    scn_opt_cb);
	case CFGT_BOOL:
		return (cfg_opt_t)CFG_BOOL_CB(name, cfg_false, CFGF_NODEFAULT,
		    scn_opt_cb);
	default:
		return (cfg_opt_t)CFG_STR_CB(name, NULL, CFGF_NODEFAULT,
		    scn_opt_cb);
	}
}

/*
 * The option tree: the top level, then the step options once per level,
 * the last level without nested steps.  libconfuse copies it at
 * cfg_init(), so it lives only as long as the parse.
 */
static void
scn_opts_init(struct scn_parse *p)
{
	cfg_opt_t	*o;
	int		 lvl, id, i;

	p->at_opts[0] = (cfg_opt_t)CFG_END();
	for (lvl = SCENARIO_MAX_DEPTH - 1; lvl >= 0; lvl--) {
		o = p->step_opts[lvl];
		i = 0;
		for (id = 0; id < OPT_NUM; id++)
			if (scn_optdefs[id].kinds != K_TOP)
				o[i++] = scn_cfgopt(id);
		o[i] = (cfg_opt_t)CFG_SEC(SCN_AT, p->at_opts, CFGF_NONE);
		o[i++].validcb = scn_at_cb;
		if (lvl + 1 < SCENARIO_MAX_DEPTH) {
			o[i] = (cfg_opt_t)CFG_SEC("step", p->step_opts[lvl + 1],
			    CFGF_MULTI | CFGF_TITLE);
			o[i++].validcb = scn_step_end;
		}
		o[i] = (cfg_opt_t)CFG_END();
	}
	o = p->root_opts;
	i = 0;
	for (id = 0; id < OPT_NUM; id++)
		if (scn_optdefs[id].kinds == K_TOP)
			o[i++] = scn_cfgopt(id);
	o[i] = (cfg_opt_t)CFG_SEC("step", p->step_opts[0],
	    CFGF_MULTI | CFGF_TITLE);
	o[i++].validcb = scn_step_end;
	o[i] = (cfg_opt_t)CFG_END();
}

/*
 * What a client's connection is at a point of the scenario, to find the
 * steps that cannot run there.  Each field is the line of the step that
 * made it so, or 0.
 */
struct scn_flow {
	int	 connected;	/* connect or reconnect */
	int	 broken;	/* break */
	int	 registered;	/* register */
	int	 unregistered;	/* unregister */
	int	 again;		/* the repeat running its body a 2nd time */
};

static int
scn_flow_error(struct scn_parse *p, const struct scn_flow *fl, int line,
    const char *kind, const char *what)
{
	if (fl->again)
		return scn_error(p, line, "step \"%s\": %s (when the repeat on "
		    "line %d runs it again)", kind, what, fl->again);
	return scn_error(p, line, "step \"%s\": %s", kind, what);
}

static int
scn_flow(struct scn_parse *p, const struct sc_step *v, size_t n,
    struct scn_flow *fl)
{
	const struct sc_step *st;
	const char	*ks;
	char		 what[160];
	size_t		 i;
	unsigned	 pass;
	int		 again;

	for (i = 0; i < n; i++) {
		st = &v[i];
		ks = sc_step_kind_str(st->kind);
		switch (st->kind) {
		case SC_STEP_CONNECT:
			if (fl->connected) {
				snprintf(what, sizeof(what), "the client is "
				    "already connected (line %d); add a break "
				    "step before it", fl->connected);
				return scn_flow_error(p, fl, st->line, ks, what);
			}
			fl->connected = st->line;
			break;
		case SC_STEP_RECONNECT:
			if (!fl->connected && !fl->broken)
				return scn_flow_error(p, fl, st->line, ks,
				    "nothing to reconnect: no connect step "
				    "before it");
			if (fl->connected) {
				snprintf(what, sizeof(what), "the connection "
				    "(line %d) is still up; add a break step "
				    "before it", fl->connected);
				return scn_flow_error(p, fl, st->line, ks, what);
			}
			fl->connected = st->line;
			break;
		case SC_STEP_BREAK:
			if (!fl->connected && !fl->broken)
				return scn_flow_error(p, fl, st->line, ks,
				    "no connection to break: no connect step "
				    "before it");
			if (!fl->connected) {
				snprintf(what, sizeof(what), "no connection to "
				    "break: it was broken on line %d",
				    fl->broken);
				return scn_flow_error(p, fl, st->line, ks, what);
			}
			fl->connected = 0;
			fl->broken = st->line;
			break;
		case SC_STEP_WAIT:
			break;
		case SC_STEP_REPEAT:
			again = fl->again;
			for (pass = 0; pass < st->count && pass < 2; pass++) {
				/* Two passes show what a third would. */
				if (pass == 1 && !again)
					fl->again = st->line;
				if (scn_flow(p, st->body, st->nbody, fl) == -1)
					return -1;
			}
			fl->again = again;
			break;
		default:
			/* Everything else runs over the connection. */
			if (!fl->connected && !fl->broken)
				return scn_flow_error(p, fl, st->line, ks,
				    "no connection: add a connect step before "
				    "it");
			if (!fl->connected) {
				snprintf(what, sizeof(what), "no connection: it "
				    "was broken on line %d (add a reconnect "
				    "step after the break)", fl->broken);
				return scn_flow_error(p, fl, st->line, ks, what);
			}
			if (st->kind == SC_STEP_REREGISTER &&
			    !fl->registered && fl->unregistered) {
				snprintf(what, sizeof(what), "nothing to "
				    "refresh: the binding was removed on line "
				    "%d", fl->unregistered);
				return scn_flow_error(p, fl, st->line, ks, what);
			}
			if (st->kind == SC_STEP_REREGISTER && !fl->registered)
				return scn_flow_error(p, fl, st->line, ks,
				    "nothing to refresh: no register step "
				    "before it");
			if (st->kind == SC_STEP_REGISTER) {
				fl->registered = st->line;
				fl->unregistered = 0;
			} else if (st->kind == SC_STEP_UNREGISTER) {
				fl->registered = 0;
				fl->unregistered = st->line;
			}
			break;
		}
	}
	return 0;
}

/*
 * Returns a copy of text with its comments blanked out (newlines kept),
 * or NULL with the error.  libconfuse 3.3 counts two lines too many for
 * every # or // comment and one too many for every C comment, so the
 * parser must never see one.  This follows libconfuse's lexer: # starts
 * a comment anywhere outside quotes, // and slash-star only where a word
 * could start.  It also refuses what that lexer would do silently:
 * expand ${VAR} from the environment (a scenario must mean the same on
 * every machine, and must not copy a secret into a SIP header) and drop
 * a stray '*'.
 */
static char *
scn_strip(struct scn_parse *p, const char *text)
{
	char	*out, *s, q;
	int	 open[SCENARIO_MAX_DEPTH * 2];	/* lines of the open braces */
	int	 line = 1, start, word = 0, depth = 0;

	if ((out = strdup(text)) == NULL) {
		scn_error(p, 0, "out of memory");
		return NULL;
	}
	for (s = out; *s != '\0'; s++) {
		switch (*s) {
		case '\n':
			line++;
			word = 0;
			break;
		case '"':
		case '\'':
			q = *s;
			start = line;
			for (s++; *s != q; s++) {
				if (*s == '\0') {
					scn_error(p, start, "unterminated string "
					    "(no closing %c)", q);
					goto fail;
				}
				if (*s == '\\' && s[1] != '\0') {
					if (*++s == '\n')
						line++;
					continue;
				}
				if (*s == '\n')
					line++;
				if (q == '"' && s[0] == '$' && s[1] == '{')
					goto envvar;
			}
			word = 0;
			break;
		case '#':
			while (s[1] != '\0' && s[1] != '\n')
				*s++ = ' ';
			*s = ' ';
			word = 0;
			break;
		case '/':
			if (!word && s[1] == '/') {
				while (s[1] != '\0' && s[1] != '\n')
					*s++ = ' ';
				*s = ' ';
			} else if (!word && s[1] == '*') {
				start = line;
				*s++ = ' ';
				*s = ' ';
				for (s++; !(s[0] == '*' && s[1] == '/'); s++) {
					if (*s == '\0') {
						scn_error(p, start, "unterminated "
						    "comment (no closing */)");
						goto fail;
					}
					if (*s == '\n')
						line++;
					else
						*s = ' ';
				}
				*s++ = ' ';
				*s = ' ';
			} else
				word = 1;
			break;
		case '*':
			scn_error(p, line, "unexpected \"*\"");
			goto fail;
		case '$':
			if (s[1] == '{')
				goto envvar;
			word = 1;
			break;
		case '{':
			if ((size_t)depth < sizeof(open) / sizeof(open[0]))
				open[depth] = line;
			depth++;
			word = 0;
			break;
		case '}':
			if (depth > 0)
				depth--;
			word = 0;
			break;
		case ' ':
		case '\t':
		case '\r':
		case '=':
		case '(':
		case ')':
		case '+':
		case ',':
			word = 0;
			break;
		default:
			word = 1;
			break;
		}
	}
	/* libconfuse 3.3 takes the end of the file for a closing brace. */
	if (depth > 0) {
		if ((size_t)depth > sizeof(open) / sizeof(open[0]))
			depth = sizeof(open) / sizeof(open[0]);
		scn_error(p, open[depth - 1], "this \"{\" is never closed (a "
		    "\"}\" is missing)");
		goto fail;
	}
	return out;

envvar:
	scn_error(p, line, "${...}: environment variables are not expanded in "
	    "scenario files");
fail:
	free(out);
	return NULL;
}

/* The line count of text, for errors about the file as a whole. */
static int
scn_last_line(const char *text)
{
	const char	*s;
	int		 n = 1;

	for (s = text; *s != '\0'; s++)
		if (*s == '\n' && s[1] != '\0')
			n++;
	return n;
}

/* password_file, relative to the directory of the scenario file. */
static char *
scn_path(const char *file, const char *path)
{
	const char	*slash = strrchr(file, '/');
	size_t		 dirlen, len;
	char		*s;

	if (path[0] == '/' || slash == NULL)
		return strdup(path);
	dirlen = (size_t)(slash - file) + 1;
	len = dirlen + strlen(path) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	memcpy(s, file, dirlen);
	memcpy(s + dirlen, path, strlen(path) + 1);
	return s;
}

/* The scenario's name: the file's last component without ".scn". */
static char *
scn_name(const char *file)
{
	const char	*base = strrchr(file, '/');
	size_t		 len;

	base = base != NULL ? base + 1 : file;
	len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".scn") == 0)
		len -= 4;
	return strndup(base, len);
}

/* The scenario from the top level, once the whole file has parsed. */
static struct sc_scenario *
scn_scenario(struct scn_parse *p, cfg_t *cfg, const char *text)
{
	struct scn_frame *f = &p->frames[0];
	struct sc_scenario *sc;
	struct scn_flow	 fl;
	const char	*s;
	const int	*l = f->line;

	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		scn_error(p, 0, "out of memory");
		return NULL;
	}
	sc->steps = f->steps;
	sc->nsteps = f->nsteps;
	f->steps = NULL;
	f->nsteps = f->capsteps = 0;
	if ((sc->name = scn_name(p->file)) == NULL)
		goto oom;
	if ((s = scn_gets(cfg, l, OPT_DESCRIPTION)) != NULL &&
	    (sc->description = strdup(s)) == NULL)
		goto oom;
	sc->clients = (unsigned)scn_geti(cfg, l, OPT_CLIENTS, 1);
	sc->ramp = scn_getf(cfg, l, OPT_RAMP, 0);
	sc->duration = scn_getf(cfg, l, OPT_DURATION, 0);
	if ((s = scn_gets(cfg, l, OPT_USER)) != NULL &&
	    (sc->user = strdup(s)) == NULL)
		goto oom;
	if ((s = scn_gets(cfg, l, OPT_USERS)) != NULL &&
	    (sc->user_template = strdup(s)) == NULL)
		goto oom;
	sc->user_first = (unsigned)scn_geti(cfg, l, OPT_USER_FIRST, 1);
	if ((s = scn_gets(cfg, l, OPT_PASSWORD_FILE)) != NULL &&
	    (sc->password_file = scn_path(p->file, s)) == NULL)
		goto oom;

	if (sc->nsteps == 0) {
		scn_error(p, scn_last_line(text), "no steps: a scenario needs "
		    "at least one, as in step connect { }");
		goto fail;
	}
	if (l[OPT_USER_FIRST] != 0 && l[OPT_USERS] == 0) {
		scn_error(p, l[OPT_USER_FIRST], "user_first: only applies with "
		    "users = TEMPLATE");
		goto fail;
	}
	if (l[OPT_USERS] != 0 &&
	    (unsigned long)sc->user_first + sc->clients - 1 > INT_MAX) {
		scn_error(p, l[OPT_USER_FIRST], "user_first: %u clients from "
		    "%u run past the largest client number, %d",
		    sc->clients, sc->user_first, INT_MAX);
		goto fail;
	}
	memset(&fl, 0, sizeof(fl));
	if (scn_flow(p, sc->steps, sc->nsteps, &fl) == -1)
		goto fail;
	return sc;

oom:
	scn_error(p, 0, "out of memory");
fail:
	scenario_free(sc);
	return NULL;
}

struct sc_scenario *
scenario_load_string(const char *name, const char *text, char *err,
    size_t errlen)
{
	struct scn_parse *p = NULL;
	struct sc_scenario *sc = NULL;
	cfg_t		*cfg = NULL;
	char		*bare = NULL;
	int		 i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL || text == NULL || scn_cur != NULL) {
		snprintf(err, errlen, "%s: no scenario to load",
		    name != NULL ? name : "scenario");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	p->file = name;
	p->lastline = scn_last_line(text);
	p->err = err;
	p->errlen = errlen;
	scn_opts_init(p);
	scn_cur = p;
	if ((bare = scn_strip(p, text)) == NULL)
		goto done;
	if ((cfg = cfg_init(p->root_opts, CFGF_NONE)) == NULL) {
		scn_error(p, 0, "out of memory");
		goto done;
	}
	cfg_set_error_function(cfg, scn_cfg_error);
	p->frames[0].cfg = cfg;
	p->nframes = 1;
	if (cfg_parse_buf(cfg, bare) != CFG_SUCCESS) {
		/* Every way to fail is reported but running out of memory. */
		scn_error(p, cfg->line, "cannot parse (out of memory?)");
		goto done;
	}
	if (p->nframes != 1) {
		scn_error(p, cfg->line, "internal error: unclosed step");
		goto done;
	}
	sc = scn_scenario(p, cfg, text);

done:
	for (i = 0; i < p->nframes; i++)
		scn_frame_clear(&p->frames[i]);
	if (cfg != NULL)
		cfg_free(cfg);
	free(bare);
	scn_cur = NULL;
	free(p);
	return sc;
}

struct sc_scenario *
scenario_load(const char *path, char *err, size_t errlen)
{
	struct sc_scenario *sc = NULL;
	struct stat	 st;
	char		*buf = NULL, *nul;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, line;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto done;
	}
	if (st.st_size > SCENARIO_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    SCENARIO_MAX_FILE);
		goto done;
	}
	/* One byte more than the limit, to notice a file that grew. */
	if ((buf = malloc(SCENARIO_MAX_FILE + 2)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	while (len <= SCENARIO_MAX_FILE) {
		n = read(fd, buf + len, SCENARIO_MAX_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SCENARIO_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    SCENARIO_MAX_FILE);
		goto done;
	}
	buf[len] = '\0';
	/* libconfuse would stop reading at a NUL and accept the rest unread. */
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		*nul = '\0';
		line = scn_last_line(buf) + (nul > buf && nul[-1] == '\n');
		snprintf(err, errlen, "%s:%d: unexpected NUL byte", path, line);
		goto done;
	}
	sc = scenario_load_string(path, buf, err, errlen);

done:
	free(buf);
	close(fd);
	return sc;
}

static void
scn_step_clear(struct sc_step *st)
{
	size_t	 i;

	for (i = 0; i < st->nbody; i++)
		scn_step_clear(&st->body[i]);
	free(st->body);
	free(st->label);
	st->body = NULL;
	st->nbody = 0;
	st->label = NULL;
}

void
scenario_free(struct sc_scenario *sc)
{
	size_t	 i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nsteps; i++)
		scn_step_clear(&sc->steps[i]);
	free(sc->steps);
	free(sc->name);
	free(sc->description);
	free(sc->user);
	free(sc->user_template);
	free(sc->password_file);
	free(sc);
}

int
scenario_user(const struct sc_scenario *sc, unsigned index, char *buf,
    size_t len)
{
	const char	*t, *pct, *s;
	unsigned long	 num;
	int		 width = 0, zero = 0, n;

	if (sc == NULL || buf == NULL || len == 0)
		return -1;
	if (sc->user_template == NULL) {
		if (sc->user == NULL)
			return -1;
		n = snprintf(buf, len, "%s", sc->user);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	t = sc->user_template;
	num = (unsigned long)sc->user_first + index;
	if ((pct = strchr(t, '%')) == NULL || num > INT_MAX)
		return -1;
	/* The template was checked at load: %[0][width](d|u) and no other %. */
	s = pct + 1;
	if (*s == '0') {
		zero = 1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		width = width * 10 + (*s++ - '0');
	if ((*s != 'd' && *s != 'u') || strchr(s, '%') != NULL)
		return -1;
	if (zero)
		n = snprintf(buf, len, "%.*s%0*lu%s", (int)(pct - t), t, width,
		    num, s + 1);
	else
		n = snprintf(buf, len, "%.*s%*lu%s", (int)(pct - t), t, width,
		    num, s + 1);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
