/*
 * scenario.c - scenario files (sipcanary-scenario(5)) into the struct
 * sc_scenario that the scenario engine runs.  A scenario that loads is
 * one that can run: every value, and every rule the engine relies on
 * (a connection before a register, an expect that can hold, ...), is
 * checked here, and every error reads "FILE:LINE: what was expected".
 *
 * The syntax is libconfuse's.  What any libconfuse 3.3 file needs (the
 * comments and braces it gets wrong, the line of each option, the
 * messages) is in confparse.c; three more of its properties shape this
 * file:
 *
 *  - Sections with the same title are merged: a second "step register"
 *    replaces the first.  So each step is converted to a struct sc_step
 *    as soon as its closing brace is read (the validate callback of the
 *    "step" option) and removed from the tree at once.  No two titles
 *    ever meet, and steps stay in file order, repeated kinds included.
 *  - A section's line has moved to its closing brace by the time the
 *    section ends.  So every option has a parse callback, which checks
 *    the value while the lexer is on its line and records the line for
 *    the later checks; the hidden section CONFPARSE_AT keeps the line of
 *    a step's opening brace.
 *  - A section cannot contain itself, so the step options are laid out
 *    once per nesting level, SCENARIO_MAX_DEPTH levels deep.
 *
 * Environment variables are not expanded: a scenario must mean the same
 * on every machine, and must not copy a secret into a SIP header.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf/confparse.h"
#include "conf/duration.h"
#include "conf/scenario.h"

#define SCN_QUOTE	CONFPARSE_QUOTE
#define SCN_LABEL_MAX	64
#define SCN_TEXT_MAX	1000	/* description */
#define SCN_BACKOFF_BASE 30	/* RFC 5626 section 4.5 base-time */
#define SCN_BACKOFF_MAX	1800	/* RFC 5626 section 4.5 max-time */

#define K(k)		(1u << (k))
#define K_SIP		(K(SC_STEP_REGISTER) | K(SC_STEP_REREGISTER) | \
			    K(SC_STEP_UNREGISTER) | K(SC_STEP_OPTIONS))
#define K_CONN		(K(SC_STEP_CONNECT) | K(SC_STEP_RECONNECT))
#define K_KA		(K(SC_STEP_KEEPALIVE) | K(SC_STEP_HOLD) | \
			    K(SC_STEP_MAINTAIN))
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
	OPT_ALL,
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
	    K_CONN | K_SIP | K(SC_STEP_KEEPALIVE) | K(SC_STEP_MAINTAIN) },
	[OPT_RESUME] = { "resume", CFGT_BOOL, K_CONN },
	[OPT_EXPIRES] = { "expires", CFGT_INT,
	    K(SC_STEP_REGISTER) | K(SC_STEP_REREGISTER) |
	    K(SC_STEP_MAINTAIN) },
	[OPT_EVERY] = { "every", CFGT_FLOAT, K_KA },
	[OPT_FOR] = { "for", CFGT_FLOAT, K_KA | K(SC_STEP_WAIT) },
	[OPT_HOW] = { "how", CFGT_INT, K(SC_STEP_BREAK) },
	[OPT_BACKOFF] = { "backoff", CFGT_INT, K(SC_STEP_RECONNECT) },
	[OPT_BASE] = { "base", CFGT_FLOAT, K(SC_STEP_RECONNECT) },
	[OPT_MAX] = { "max", CFGT_FLOAT, K(SC_STEP_RECONNECT) },
	[OPT_COUNT] = { "count", CFGT_INT, K(SC_STEP_REPEAT) },
	[OPT_LABEL] = { "label", CFGT_STR, K_ALL },
	[OPT_ALL] = { "all", CFGT_BOOL, K(SC_STEP_UNREGISTER) },
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
	struct confparse cp;
	struct scn_frame frames[SCENARIO_MAX_DEPTH + 1];
	int		 nframes;
	cfg_opt_t	 root_opts[OPT_NUM + 2];
	cfg_opt_t	 step_opts[SCENARIO_MAX_DEPTH][OPT_NUM + 3];
};

static void	scn_step_clear(struct sc_step *);

/* The parse in progress, for the libconfuse callbacks; or NULL. */
static struct scn_parse *
scn_current(void)
{
	struct confparse *cp = confparse_current();

	return cp != NULL ? cp->owner : NULL;
}

/* confparse_error() for this parse: the first error only, with its line. */
static int __attribute__((format(printf, 3, 4)))
scn_error(struct scn_parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	confparse_verror(&p->cp, line, fmt, ap);
	va_end(ap);
	return -1;
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
	scn_error(p, confparse_at_line(sec), "unknown step kind \"%s\" "
	    "(expected %s)",
	    confparse_quote(title != NULL ? title : "", q, sizeof(q)),
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
 * Checks a user name, or a users template when tmpl is set.  The name
 * goes into SIP URIs and headers, so only the characters RFC 3261 allows
 * unescaped in a user part are accepted (confparse_sip_user() for a
 * name; a template is checked around its number).  A template is used with
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
	size_t		 len, width = 0;

	confparse_quote(value, q, sizeof(q));
	if (value[0] == '\0')
		return scn_error(p, line, "%s: must not be empty", name);
	pct = strchr(value, '%');
	if (!tmpl && pct != NULL)
		return scn_error(p, line, "%s: \"%s\" contains %%; one user per "
		    "client is set with users = TEMPLATE", name, q);
	if (!tmpl)
		return confparse_sip_user(&p->cp, line, name, value,
		    SCENARIO_USER_MAX);
	if (tmpl && pct == NULL)
		return scn_error(p, line, "%s: \"%s\" has no %%d for the client "
		    "number (as in probe%%04d)", name, q);
	if (tmpl && strchr(pct + 1, '%') != NULL)
		return scn_error(p, line, "%s: \"%s\" must contain exactly one "
		    "%%d (as in probe%%04d)", name, q);
	s = pct + 1;
	if (*s == '0')
		s++;
	if (*s >= '1' && *s <= '9') {
		width = (size_t)(*s++ - '0');
		if (*s >= '0' && *s <= '9')
			width = width * 10 + (size_t)(*s++ - '0');
	}
	if (*s != 'd' && *s != 'u')
		return scn_error(p, line, "%s: \"%s\": the client number must "
		    "be %%d, %%u or %%0Nd (as in probe%%04d)", name, q);
	s++;
	len = (size_t)(pct - value) + strlen(s) + (width > 10 ? width : 10);
	if (strspn(value, CONFPARSE_USER_CHARS) != (size_t)(pct - value) ||
	    strspn(s, CONFPARSE_USER_CHARS) != strlen(s))
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
		if (confparse_whole(value, &n) == -1 || n < 100 || n > 699)
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
	/* maintain refreshes the binding: its REGISTERs can fail too. */
	if (kind == SC_STEP_MAINTAIN && scn_prefix(v, "sip_"))
		return NULL;
	return kind == SC_STEP_MAINTAIN ? "this step ends in ok, flow_dead "
	    "or a sip_* verdict (of a refresh)" :
	    "this step ends in ok or flow_dead";
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

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case OPT_DESCRIPTION:
		if (confparse_text(&p->cp, line, name, value,
		    SCN_TEXT_MAX) == -1)
			return -1;
		break;
	case OPT_PASSWORD_FILE:
		if (confparse_text(&p->cp, line, name, value,
		    PATH_MAX - 1) == -1)
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
		if (confparse_range(&p->cp, line, name, value, 1,
		    SCENARIO_MAX_CLIENTS, " (shard bigger drills with --shard)",
		    &n) == -1)
			return -1;
		*(long *)result = n;
		return 0;
	case OPT_USER_FIRST:
		if (confparse_range(&p->cp, line, name, value, 0, INT_MAX, "",
		    &n) == -1)
			return -1;
		*(long *)result = n;
		return 0;
	case OPT_COUNT:
		if (confparse_range(&p->cp, line, name, value, 1,
		    SCENARIO_MAX_CLIENTS, "", &n) == -1)
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
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
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
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		*(double *)result = d;
		return 0;
	case OPT_RESUME:
	case OPT_ALL:
		if (confparse_bool(&p->cp, line, name, value, &w) == -1)
			return -1;
		*(int *)result = w;
		return 0;
	case OPT_HOW:
		if ((w = confparse_word(value, scn_hows,
		    sizeof(scn_hows) / sizeof(scn_hows[0]))) == -1)
			return scn_error(p, line, "how: expected rst, "
			    "close_notify or silent_drop, not \"%s\"", q);
		*(long *)result = w;
		return 0;
	case OPT_BACKOFF:
		if ((w = confparse_word(value, scn_backoffs,
		    sizeof(scn_backoffs) / sizeof(scn_backoffs[0]))) == -1)
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
	struct scn_parse *p = scn_current();
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
	if (confparse_set_once(&p->cp, &f->line[id], cfg->line,
	    opt->name) == -1)
		return -1;
	return scn_value(p, cfg, id, kind, value, result);
}

static cfg_opt_t *
scn_getopt(cfg_t *sec, const int *lines, int id)
{
	if (lines[id] == 0)
		return NULL;
	return confparse_opt(sec, scn_optdefs[id].name);
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
	if ((o = scn_getopt(sec, l, OPT_ALL)) != NULL && cfg_opt_size(o) > 0)
		st->all = cfg_opt_getnbool(o, 0) == cfg_true;
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
	struct scn_parse *p = scn_current();
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
	line = confparse_at_line(sec);
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
			    confparse_at_line(parent));
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
 * Words libconfuse's messages about options and sections for scenarios
 * (confparse.c words the others): within a step, an unknown option is
 * told with the options that step takes.
 */
static int
scn_reword(struct confparse *cp, cfg_t *cfg, int line, enum confparse_msg msg,
    const char *arg)
{
	struct scn_parse *p = cp->owner;
	char		 q[SCN_QUOTE], list[160];
	int		 kind;

	switch (msg) {
	case CONFPARSE_UNKNOWN:
		confparse_quote(arg, q, sizeof(q));
		if (cfg == NULL || !scn_is_step(cfg)) {
			if (strcmp(arg, "name") == 0)
				scn_error(p, line, "unknown option \"name\" (a "
				    "scenario is named after its file)");
			else
				scn_error(p, line, "unknown option \"%s\"", q);
		} else if ((kind = scn_step_kind(p, cfg)) == -1)
			;
		else if (strcmp(arg, "step") == 0 &&
		    confparse_opt(cfg, "step") == NULL)
			scn_error(p, line, "steps nested too deeply (at most "
			    "%d levels)", SCENARIO_MAX_DEPTH);
		else
			scn_error(p, line, "step \"%s\": unknown option \"%s\" "
			    "(%s takes %s)",
			    sc_step_kind_str((enum sc_step_kind)kind), q,
			    sc_step_kind_str((enum sc_step_kind)kind),
			    scn_takes(kind, list, sizeof(list)));
		return 1;
	case CONFPARSE_NO_TITLE:
		scn_error(p, line, "step: expected a step kind (%s), as in "
		    "step connect { }", scn_kind_list(list, sizeof(list)));
		return 1;
	case CONFPARSE_NO_BRACE:
		if (strcmp(arg, "step") != 0)
			return 0;
		scn_error(p, line, "step: expected \"{\" after the step kind, "
		    "as in step connect { }");
		return 1;
	}
	return 0;
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

	for (lvl = SCENARIO_MAX_DEPTH - 1; lvl >= 0; lvl--) {
		o = p->step_opts[lvl];
		i = 0;
		for (id = 0; id < OPT_NUM; id++)
			if (scn_optdefs[id].kinds != K_TOP)
				o[i++] = scn_cfgopt(id);
		o[i++] = confparse_at_opt();
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
			if (st->kind == SC_STEP_MAINTAIN && !fl->registered)
				return scn_flow_error(p, fl, st->line, ks,
				    "nothing to keep registered: no register "
				    "step before it");
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
	if ((sc->name = scn_name(p->cp.file)) == NULL)
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
	    (sc->password_file = confparse_path(p->cp.file, s)) == NULL)
		goto oom;

	if (sc->nsteps == 0) {
		scn_error(p, confparse_last_line(text), "no steps: a scenario needs "
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
	int		 i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL || text == NULL || confparse_current() != NULL) {
		snprintf(err, errlen, "%s: no scenario to load",
		    name != NULL ? name : "scenario");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	if (confparse_begin(&p->cp, name, text, err, errlen) == -1) {
		snprintf(err, errlen, "%s: no scenario to load", name);
		free(p);
		return NULL;
	}
	p->cp.envmsg = "${...}: environment variables are not expanded in "
	    "scenario files";
	p->cp.reword = scn_reword;
	p->cp.owner = p;
	scn_opts_init(p);
	if ((cfg = confparse_init(&p->cp, p->root_opts)) == NULL)
		goto done;
	p->frames[0].cfg = cfg;
	p->nframes = 1;
	if (confparse_parse(&p->cp, cfg, text) == -1)
		goto done;
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
	confparse_end(&p->cp);
	free(p);
	return sc;
}

struct sc_scenario *
scenario_load(const char *path, char *err, size_t errlen)
{
	struct sc_scenario *sc;
	char		*buf;

	if ((buf = confparse_read_file(path, SCENARIO_MAX_FILE, err,
	    errlen)) == NULL)
		return NULL;
	sc = scenario_load_string(path, buf, err, errlen);
	free(buf);
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
	/*
	 * A width pads with zeros even without the 0 flag: printf would pad
	 * with spaces, and a SIP user part cannot hold a space.
	 */
	(void)zero;
	n = snprintf(buf, len, "%.*s%0*lu%s", (int)(pct - t), t, width, num,
	    s + 1);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
