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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf/confparse.h"
#include "conf/duration.h"
#include "conf/scenario.h"
#include "conf/scenario_internal.h"

const struct scn_optdef scn_optdefs[OPT_NUM] = {
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

static int
scn_optid(const char *name)
{
	return confparse_lookup(name, scn_optdefs, OPT_NUM,
	    sizeof(scn_optdefs[0]));
}

int
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
	for (k = 0; k < SC_STEP_KIND_COUNT; k++)
		confparse_list_add(buf, len, &o,
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
	for (i = 0; i < OPT_NUM; i++) {
		if (scn_optdefs[i].kinds == K_TOP ||
		    (scn_optdefs[i].kinds & K(kind)) == 0)
			continue;
		confparse_list_add(buf, len, &o,
		    kind == SC_STEP_REPEAT && i == OPT_LABEL ? "step, label" :
		    scn_optdefs[i].name);
	}
	return buf;
}

/* The kind of a step section, or -1 with the error for its title. */
int
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
struct scn_frame *
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

void
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

/* A text option: checked, and kept as libconfuse's string in result. */
static int
scn_text_value(struct scn_parse *p, int line, int id, int kind,
    const char *value, void *result)
{
	const char	*name = scn_optdefs[id].name, *why;
	struct scn_frame *f = &p->frames[p->nframes - 1];
	char		 q[SCN_QUOTE];
	int		 status, verdict, w;

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
	default:
		return scn_error(p, line, "%s: internal error", name);
	}
	*(const char **)result = value;
	return 0;
}

/*
 * A number, duration, yes/no or word, converted into result (a long,
 * double or int by the option's type).
 */
static int
scn_number_value(struct scn_parse *p, int line, int id, const char *value,
    void *result)
{
	const char	*name = scn_optdefs[id].name;
	char		 q[SCN_QUOTE];
	double		 d;
	long		 n;
	int		 w;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
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
}

/*
 * Checks one value as the lexer reads it, and converts it into result
 * (a long, double, int or const char * by the option's type).
 */
static int
scn_value(struct scn_parse *p, cfg_t *cfg, int id, int kind,
    const char *value, void *result)
{
	if (scn_optdefs[id].type == CFGT_STR)
		return scn_text_value(p, cfg->line, id, kind, value, result);
	return scn_number_value(p, cfg->line, id, value, result);
}

/*
 * The parse callback of every option: the option must apply to the step
 * kind and be set once, and its value must be good.
 */
static int
scn_opt_cb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct scn_parse *p = confparse_owner();
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

static struct sc_scenario *
scn_load_text(const char *name, const char *text, int loop, char *err,
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
	p->loop = loop;
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
scenario_load_string(const char *name, const char *text, char *err,
    size_t errlen)
{
	return scn_load_text(name, text, 0, err, errlen);
}

struct sc_scenario *
scenario_load_flow_string(const char *name, const char *text, char *err,
    size_t errlen)
{
	return scn_load_text(name, text, 1, err, errlen);
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
