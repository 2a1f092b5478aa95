/*
 * scenario_steps.c - the steps of a scenario file (sipcanary-scenario(5))
 * as they close: each step section becomes a struct sc_step at its
 * closing brace and leaves libconfuse's tree (sections with the same
 * title would merge otherwise), with the rules between its options
 * checked.  Once the file is read, the scenario is built and the flow
 * of its steps checked: a connection before a register, a break before
 * a reconnect, and so on, repeats run twice to show what a third pass
 * would meet.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf/confparse.h"
#include "conf/defaults.h"
#include "conf/scenario.h"
#include "conf/scenario_internal.h"

/*
 * expect: a SIP status or a verdict code.  0 with one of them set, or -1
 * if the value is neither.
 */
int
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
const char *
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
 * The rules between the options of a step of kind, set on the lines l
 * (0: not set), once st holds their values; the defaults that depend on
 * other options.
 */
static int
scn_step_rules(struct scn_parse *p, int kind, int line, const int *l,
    struct sc_step *st)
{
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
			st->backoff_base = CF_SCN_BACKOFF_BASE;
		if (l[OPT_MAX] == 0)
			st->backoff_max = CF_SCN_BACKOFF_MAX;
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

	return scn_step_rules(p, kind, line, l, st);
}

/*
 * The validate callback of "step": a step section has just closed in
 * parent.  It becomes a struct sc_step in the parent's frame and leaves
 * the tree.
 */
int
scn_step_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct scn_parse *p = confparse_owner();
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
 * What a client's connection is at a point of the scenario, to find the
 * steps that cannot run there.  Each field is the line of the step that
 * made it so, or 0.
 */
struct scn_flow {
	int	 connected;	/* connect or reconnect */
	int	 broken;	/* break */
	int	 registered;	/* register */
	int	 unregistered;	/* unregister */
	int	 options;	/* options without a register: an
				   accountless flow maintain keeps up */
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

/* connect, reconnect and break: the connection goes up or down. */
static int
scn_flow_conn(struct scn_parse *p, const struct sc_step *st,
    struct scn_flow *fl)
{
	const char	*ks = sc_step_kind_str(st->kind);
	char		 what[160];

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
		fl->options = 0;
		fl->broken = st->line;
		break;
	default:
		break;
	}
	return 0;
}

/* Any other step but wait and repeat: it runs over the connection. */
static int
scn_flow_over(struct scn_parse *p, const struct sc_step *st,
    struct scn_flow *fl)
{
	const char	*ks = sc_step_kind_str(st->kind);
	char		 what[160];

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
	if (st->kind == SC_STEP_MAINTAIN && !fl->registered && !fl->options)
		return scn_flow_error(p, fl, st->line, ks,
		    "nothing to keep registered: no register "
		    "step (or options step, without an account) before it");
	if (st->kind == SC_STEP_OPTIONS && !fl->registered)
		fl->options = st->line;
	if (st->kind == SC_STEP_REGISTER) {
		fl->registered = st->line;
		fl->unregistered = 0;
	} else if (st->kind == SC_STEP_UNREGISTER) {
		fl->registered = 0;
		fl->unregistered = st->line;
	}
	return 0;
}

static int
scn_flow(struct scn_parse *p, const struct sc_step *v, size_t n,
    struct scn_flow *fl)
{
	const struct sc_step *st;
	size_t		 i;
	unsigned	 pass;
	int		 again;

	for (i = 0; i < n; i++) {
		st = &v[i];
		switch (st->kind) {
		case SC_STEP_CONNECT:
		case SC_STEP_RECONNECT:
		case SC_STEP_BREAK:
			if (scn_flow_conn(p, st, fl) == -1)
				return -1;
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
			if (scn_flow_over(p, st, fl) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

/*
 * A persistent flow runs its steps again and again: each pass starts
 * where the one before ended, which must be a break so that no pass
 * inherits a connection (or a registration) it did not make.
 */
static int
scn_flow_loop(struct scn_parse *p, const struct sc_scenario *sc,
    struct scn_flow *fl)
{
	const struct sc_step *last = &sc->steps[sc->nsteps - 1];

	if (last->kind != SC_STEP_BREAK)
		return scn_error(p, last->line, "step \"%s\": a persistent "
		    "flow must end with a break step, as each pass starts "
		    "again from the first step", sc_step_kind_str(last->kind));
	fl->broken = last->line;
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
struct sc_scenario *
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
	sc->clients = (unsigned)scn_geti(cfg, l, OPT_CLIENTS,
	    CF_SCN_CLIENTS);
	sc->ramp = scn_getf(cfg, l, OPT_RAMP, 0);
	sc->duration = scn_getf(cfg, l, OPT_DURATION, 0);
	if ((s = scn_gets(cfg, l, OPT_USER)) != NULL &&
	    (sc->user = strdup(s)) == NULL)
		goto oom;
	if ((s = scn_gets(cfg, l, OPT_USERS)) != NULL &&
	    (sc->user_template = strdup(s)) == NULL)
		goto oom;
	sc->user_first = (unsigned)scn_geti(cfg, l, OPT_USER_FIRST,
	    CF_SCN_USER_FIRST);
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
	if (p->loop && scn_flow_loop(p, sc, &fl) == -1)
		goto fail;
	if (scn_flow(p, sc->steps, sc->nsteps, &fl) == -1)
		goto fail;
	return sc;

oom:
	scn_error(p, 0, "out of memory");
fail:
	scenario_free(sc);
	return NULL;
}

void
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
