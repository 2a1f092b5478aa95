/*
 * probe_endpoint.c - GET /probe?target=sips:DOMAIN[&module=NAME]
 * [&profile=NAME]: one fresh probe of every frontend of any domain,
 * answered with its metrics in the exposition format.  This is
 * Prometheus's multi-target pattern as blackbox_exporter serves it:
 * Prometheus names the target in the URL (relabelling __address__ into
 * ?target=), and the scrape is the probe.
 *
 * module names a target of the config, whose settings the probe takes:
 * user and password (REGISTER; without a user, OPTIONS and its
 * alive_statuses), ca_file and tls_min, timeout, warn_days, crit_days,
 * dns_server, insecure_skip_verify, revocation, transport, ws_path and
 * origin, and its scenario = FILE, run instead of the built-in fresh
 * probe as on its schedule; each step's result and latency are in the
 * answer by step label (bounded by the config's check of the files).  A
 * target with enabled = no is such a template and nothing else; a target
 * with profiles is named TARGET/PROFILE here as in its metrics.  Without
 * module, the built-in defaults: no account (OPTIONS), the system trust
 * store.
 *
 * profile names a TLS client profile of the config (profile "NAME" { }):
 * its TLS versions, ciphers, groups, SNI, trust store, client certificate
 * and account (if it has one) replace the module's, as they do for a
 * target's profiles in the daemon.  The answer says which module and
 * profile it used (sipcanary_probe_info).
 *
 * Bounds: at most CF_PROBE_CONCURRENCY requests at once (more get 503
 * with Retry-After), CF_PROBE_FRONTENDS frontends each, and every
 * request answers within its budget: the module's timeout, or less when
 * Prometheus says its scrape times out sooner
 * (X-Prometheus-Scrape-Timeout-Seconds, minus CF_PROBE_MARGIN).  A
 * frontend not done by then is not_probed.  Access: with basic
 * authentication configured, /probe requires it like every page; without
 * it, only loopback clients are served (unless http_probe_open = yes), so
 * that no one else can use the prober to probe arbitrary hosts.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "conf/confparse.h"
#include "conf/defaults.h"
#include "conf/scenario.h"
#include "conf/secret.h"
#include "daemon/internal.h"
#include "daemon/probe_endpoint.h"
#include "web/httpd.h"

/* A step of a frontend's probe, by label: its last run. */
struct pstep {
	const char		*label;	/* the scenario's, or a static kind */
	double			 seconds;
	int			 held;
};

/* One frontend of a request: its probe, then what it found. */
struct pfront {
	struct preq		*q;
	struct sc_probe		*probe;
	char			 address[64];
	int			 done;
	enum sc_verdict		 verdict;
	struct sc_timings	 t;
	int			 status;
	int			 has_expiry;
	time_t			 expiry;
	struct pstep		 steps[CONFIG_STEP_LABELS_MAX];
	size_t			 nsteps;
};

struct preq {
	struct daemon		*d;
	struct evhttp_request	*req;		/* NULL once answered */
	struct target		 uri;
	char			*module;	/* its name, or "" */
	char			*profile;	/* its name, or "" */
	char			*user;
	char			*password;
	char			*dns_server;
	char			*ws_path;	/* WSS: the module's, or NULL */
	char			*origin;
	int			 wss;		/* the module's transport = wss */
	int			 revocation;	/* enum sc_revocation_policy */
	struct sc_statuses	 alive;
	struct sc_scenario	*sc;		/* the module's, or NULL */
	void			*tls_ctx;
	double			 timeout;	/* of the module */
	int			 warn_days, crit_days, insecure;
	double			 t0, budget;
	struct sc_locate	*locate;
	enum sc_verdict		 dns_verdict;
	char			 dns_error[256];
	struct pfront		*fe;
	size_t			 nfe, pending, located;
	struct event		*deadline;
};

static void
preq_free(struct preq *q)
{
	struct daemon *d = q->d;

	sc_locate_free(q->locate);
	if (q->deadline != NULL)
		event_free(q->deadline);
	free(q->fe);
	target_clear(&q->uri);
	free(q->module);
	free(q->profile);
	free(q->user);
	secret_free(q->password);
	free(q->dns_server);
	free(q->ws_path);
	free(q->origin);
	sc_tls_ctx_free(q->tls_ctx);
	scenario_free(q->sc);
	free(q);
	d->ondemand_live--;
	daemon_check_stopped(d);
}

/* Frees the request once it is answered and no probe is left. */
static void
preq_maybe_free(struct preq *q)
{
	if (q->req == NULL && q->pending == 0 && q->locate == NULL)
		preq_free(q);
}

/* Each step of each frontend's probe, by label. */
static int
preq_step_metrics(const struct preq *q, struct metrics *m)
{
	static const char *const fs[] = { "frontend", "step", NULL };
	struct metrics_family	*ok, *dur;
	const struct pfront	*p;
	size_t			 i, j;

	ok = metrics_gauge_new(m, "sipcanary_probe_step_success", "1 if the "
	    "step's expectation held (its last run), by step label", fs);
	dur = metrics_gauge_new(m, "sipcanary_probe_step_duration_seconds",
	    "Latency of the step (its last run), by step label", fs);
	if (ok == NULL || dur == NULL)
		return -1;
	for (i = 0; i < q->nfe; i++) {
		p = &q->fe[i];
		for (j = 0; j < p->nsteps; j++) {
			(void)metrics_set(ok, (const char *const[]){
			    p->address, p->steps[j].label }, p->steps[j].held);
			(void)metrics_set(dur, (const char *const[]){
			    p->address, p->steps[j].label },
			    p->steps[j].seconds);
		}
	}
	return 0;
}

/* The probe's metrics, as blackbox_exporter's plus sipcanary's. */
static int
preq_metrics(struct preq *q, struct metrics *m)
{
	static const char *const f[] = { "frontend", NULL };
	static const char *const fv[] = { "frontend", "verdict", NULL };
	static const char *const fp[] = { "frontend", "phase", NULL };
	struct metrics_family	*ok, *dur, *fok, *verd, *ph, *exp, *st, *n,
				*dnsv, *info;
	const struct pfront	*p;
	size_t			 i;
	int			 all = q->nfe > 0;
	const char		*phases[] = { "tcp_connect", "tls_handshake",
				    "first_response", "register" };
	double			 v[4];
	size_t			 j;

	ok = metrics_gauge_new(m, "probe_success", "1 if every frontend's "
	    "fresh probe was ok", NULL);
	dur = metrics_gauge_new(m, "probe_duration_seconds", "How long the "
	    "probe took, location included", NULL);
	n = metrics_gauge_new(m, "sipcanary_probe_frontends", "Frontends "
	    "located", NULL);
	info = metrics_gauge_new(m, "sipcanary_probe_info", "The module "
	    "(target template) and TLS client profile the probe used (\"\": "
	    "none)", (const char *const[]){ "module", "profile", NULL });
	dnsv = metrics_gauge_new(m, "sipcanary_probe_dns_verdict", "1 for the "
	    "verdict of the location", (const char *const[]){ "verdict",
	    NULL });
	fok = metrics_gauge_new(m, "sipcanary_probe_frontend_success", "1 if "
	    "the frontend's fresh probe was ok", f);
	verd = metrics_gauge_new(m, "sipcanary_probe_verdict", "1 for the "
	    "verdict of the frontend's probe", fv);
	ph = metrics_gauge_new(m, "sipcanary_probe_phase_duration_seconds",
	    "Phase latency of the frontend's probe", fp);
	exp = metrics_gauge_new(m,
	    "sipcanary_probe_cert_earliest_expiry_timestamp_seconds",
	    "Earliest notAfter in the frontend's chain, kept when "
	    "verification fails", f);
	st = metrics_gauge_new(m, "sipcanary_probe_sip_status", "The final "
	    "SIP status of the frontend's probe (0: none)", f);
	if (ok == NULL || dur == NULL || n == NULL || dnsv == NULL ||
	    fok == NULL || verd == NULL || ph == NULL || exp == NULL ||
	    st == NULL || info == NULL)
		return -1;
	(void)metrics_set(info, (const char *const[]){ q->module, q->profile },
	    1);
	(void)metrics_set(dnsv, (const char *const[]){
	    sc_verdict_str(q->dns_verdict) }, 1);
	(void)metrics_set(n, NULL, (double)q->located);
	for (i = 0; i < q->nfe; i++) {
		p = &q->fe[i];
		all = all && dverdict_up(p->verdict);
		(void)metrics_set(fok, (const char *const[]){ p->address },
		    dverdict_up(p->verdict));
		(void)metrics_set(verd, (const char *const[]){ p->address,
		    sc_verdict_str(p->verdict) }, 1);
		(void)metrics_set(st, (const char *const[]){ p->address },
		    p->status);
		if (p->has_expiry)
			(void)metrics_set(exp, (const char *const[]){
			    p->address }, (double)p->expiry);
		v[0] = p->t.tcp_connect;
		v[1] = p->t.tls_handshake;
		v[2] = p->t.first_response;
		v[3] = p->t.registered;
		for (j = 0; j < 4; j++)
			if (v[j] >= 0)
				(void)metrics_set(ph, (const char *const[]){
				    p->address, phases[j] }, v[j]);
	}
	(void)metrics_set(ok, NULL, all);
	(void)metrics_set(dur, NULL, sc_clock_now() - q->t0);
	return 0;
}

static void
preq_answer(struct preq *q)
{
	struct metrics	*m = metrics_new(0);
	struct evbuffer	*b = evbuffer_new();
	size_t		 i;

	if (q->req == NULL)
		return;
	for (i = 0; i < q->nfe; i++)
		if (!q->fe[i].done)
			q->fe[i].verdict = SC_NOT_PROBED;
	if (m == NULL || b == NULL || preq_metrics(q, m) == -1 ||
	    preq_step_metrics(q, m) == -1 || metrics_write(m, b) == -1)
		httpd_send_text(q->req, 500, "out of memory\n");
	else
		httpd_send(q->req, 200, METRICS_CONTENT_TYPE, b);
	metrics_free(m);
	evbuffer_free(b);
	q->req = NULL;
	if (q->deadline != NULL)
		event_del(q->deadline);
}

static void
preq_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct preq *q = arg;

	(void)fd; (void)what;
	preq_answer(q);
	preq_maybe_free(q);
}

static void
preq_probe_done(struct sc_result *r, void *arg)
{
	struct pfront	*p = arg;
	struct preq	*q = p->q;

	p->done = 1;
	p->verdict = r->verdict;
	p->t = r->t;
	p->status = r->final_status;
	if (r->cert.has_expiry) {
		p->has_expiry = 1;
		p->expiry = r->cert.expiry.not_after;
	}
	log_event(dverdict_up(r->verdict) ? LOG_INFO : LOG_WARN, "/probe",
	    p->address, sc_verdict_str(r->verdict), "probe on demand of %s: "
	    "%s", q->uri.uri, r->error[0] != '\0' ? r->error : "ok");
	sc_probe_free(p->probe);	/* called from a deferred event */
	p->probe = NULL;
	q->pending--;
	if (q->pending == 0)
		preq_answer(q);
	preq_maybe_free(q);
}

/* A step of a frontend's probe ended: kept by its label, the last run. */
static void
preq_probe_step(const struct sc_step_event *ev, void *arg)
{
	struct pfront	*p = arg;
	const char	*label = ev->step->label != NULL ? ev->step->label :
			    sc_step_kind_str(ev->step->kind);
	size_t		 i;

	for (i = 0; i < p->nsteps; i++)
		if (strcmp(p->steps[i].label, label) == 0)
			break;
	if (i == CONFIG_STEP_LABELS_MAX)
		return;		/* the config's check bounds the labels */
	if (i == p->nsteps)
		p->nsteps++;
	p->steps[i].label = label;
	p->steps[i].seconds = ev->seconds;
	p->steps[i].held = ev->held;
}

/* Starts the probes of the frontends located; the budget left bounds them. */
static void
preq_probe_all(struct preq *q, const struct sc_frontend *fe, size_t n)
{
	struct sc_probe_opts	 o;
	struct pfront		*p;
	double			 left = q->budget - (sc_clock_now() - q->t0);
	size_t			 i;

	q->located = n;
	if (n > CF_PROBE_FRONTENDS)
		n = CF_PROBE_FRONTENDS;
	if (n == 0 || left <= 0.05 ||
	    (q->fe = calloc(n, sizeof(*q->fe))) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	o.uri = q->uri.uri;
	o.domain = q->uri.domain;
	o.user = q->user;
	o.password = q->password;
	o.timeout = left;
	o.expires = CF_EXPIRES;
	o.unregister = 1;
	o.warn_days = q->warn_days;
	o.crit_days = q->crit_days;
	o.tls_ctx = q->tls_ctx;
	o.insecure = q->insecure;
	o.alive = &q->alive;
	o.scenario = q->sc;		/* NULL: the built-in one */
	o.revocation = (enum sc_revocation_policy)q->revocation;
	o.ws.on = q->wss || q->uri.ws;
	o.ws.path = q->ws_path;
	o.ws.origin = q->origin;
	o.on_step = preq_probe_step;
	for (i = 0; i < n; i++) {
		p = &q->fe[q->nfe++];
		p->q = q;
		p->verdict = SC_NOT_PROBED;
		snprintf(p->address, sizeof(p->address), fe[i].family == 6 ?
		    "[%s]:%u" : "%s:%u", fe[i].host, fe[i].port);
		o.host = fe[i].host;
		o.port = fe[i].port;
		/* The pending count first: the callback may come at once. */
		q->pending++;
		if ((p->probe = sc_probe_start(q->d->base, &o, preq_probe_done,
		    p)) == NULL) {
			q->pending--;
			p->done = 1;
			p->verdict = SC_INTERNAL_ERROR;
		}
	}
}

static void
preq_located(enum sc_verdict v, const char *why, const struct sc_frontend *fe,
    size_t n, double seconds, void *arg)
{
	struct preq *q = arg;

	(void)seconds;
	q->dns_verdict = v;
	snprintf(q->dns_error, sizeof(q->dns_error), "%s", why != NULL ? why :
	    "");
	if (v == SC_OK)
		preq_probe_all(q, fe, n);
	sc_locate_free(q->locate);	/* cb may free the lookup */
	q->locate = NULL;
	if (q->pending == 0)
		preq_answer(q);
	preq_maybe_free(q);
}

/* *dst = a copy of src (NULL stays NULL): 0, or -1. */
static int
preq_dup(char **dst, const char *src)
{
	return src != NULL && (*dst = strdup(src)) == NULL ? -1 : 0;
}

/* A running target's context, shared: its trust store is loaded already. */
static void *
preq_running_ctx(struct daemon *d, const char *name)
{
	size_t	i;

	for (i = 0; i < d->ntargets; i++)
		if (strcmp(d->targets[i]->conf.name, name) == 0 &&
		    d->targets[i]->tls_ctx != NULL)
			return sc_tls_ctx_ref(d->targets[i]->tls_ctx);
	return NULL;
}

/*
 * The probe's settings, copied (a reload may free the config meanwhile):
 * module c's (NULL: the built-in defaults) as profile pf (NULL: c's own,
 * when c is a target's profile): pf's TLS options over c's trust store
 * and version, and pf's account when it has one, as config_expand_profiles
 * makes a target's profiles.
 */
static int
preq_settings(struct preq *q, const struct target_conf *c,
    const struct profile_conf *pf, char *err, size_t errlen)
{
	int	 own = pf == NULL || (c != NULL && c->pf != NULL &&
		    strcmp(c->pf->name, pf->name) == 0);
	const struct profile_conf *acct;

	if (own && c != NULL)
		pf = c->pf;
	acct = pf != NULL && pf->user != NULL ? pf : NULL;
	if (preq_dup(&q->module, c != NULL ? c->name : "") == -1 ||
	    preq_dup(&q->profile, pf != NULL ? pf->name : "") == -1 ||
	    preq_dup(&q->user, acct != NULL ? acct->user : c != NULL ?
	    c->user : NULL) == -1 ||
	    preq_dup(&q->password, acct != NULL ? acct->password : c != NULL ?
	    c->password : NULL) == -1 ||
	    preq_dup(&q->dns_server, c != NULL ? c->dns_server : NULL) == -1 ||
	    preq_dup(&q->ws_path, c != NULL ? c->ws_path : NULL) == -1 ||
	    preq_dup(&q->origin, c != NULL ? c->origin : NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sc_statuses_default(&q->alive);
	q->timeout = CF_TIMEOUT;
	q->warn_days = CF_WARN_DAYS;
	q->crit_days = CF_CRIT_DAYS;
	if (c != NULL) {
		q->alive = c->alive_statuses;
		q->timeout = c->timeout;
		q->warn_days = c->warn_days;
		q->crit_days = c->crit_days;
		q->insecure = c->insecure_skip_verify;
		q->revocation = c->revocation;
		q->wss = c->wss;
	}
	if (c != NULL && dtarget_fresh_scenario(c, &q->sc, err, errlen) == -1)
		return -1;
	if (own && c != NULL &&
	    (q->tls_ctx = preq_running_ctx(q->d, c->name)) != NULL)
		return 0;
	q->tls_ctx = dtarget_tls_ctx_new(c, pf, err, errlen);
	return q->tls_ctx == NULL ? -1 : 0;
}

/* The seconds this request may take: the module's, or the scrape's. */
static double
preq_budget(struct evhttp_request *req, double timeout)
{
	const char	*h = evhttp_find_header(
			    evhttp_request_get_input_headers(req),
			    "X-Prometheus-Scrape-Timeout-Seconds");
	char		*end;
	double		 s, b = timeout;

	if (h != NULL) {
		s = strtod(h, &end);
		if (end != h && *end == '\0' && isfinite(s) && s > 0 &&
		    s - CF_PROBE_MARGIN < b)
			b = s - CF_PROBE_MARGIN;
	}
	return b < CF_PROBE_MIN_BUDGET ? CF_PROBE_MIN_BUDGET : b;
}

/* 404 for a module or profile the config does not have, naming those it has. */
static void
probe_ep_unknown(struct evhttp_request *req, const char *what,
    const char *name, const char *names, const char *how)
{
	char	 q[CONFPARSE_QUOTE], text[1400];

	confparse_quote_ascii(name, q, sizeof(q));
	if (names[0] == '\0')
		snprintf(text, sizeof(text), "no %s \"%s\": the config has "
		    "none (%s)\n", what, q, how);
	else
		snprintf(text, sizeof(text), "no %s \"%s\": the config's are "
		    "%s (%s)\n", what, q, names, how);
	httpd_send_text(req, 404, text);
}

/*
 * The module and the profile the query names (each optional): 0, or -1
 * after answering 404.
 */
static int
probe_ep_lookup(struct daemon *d, struct evhttp_request *req,
    struct evkeyvalq *qs, const struct target_conf **mod,
    const struct profile_conf **pf)
{
	const struct sc_config *c = d->conf;
	const char	*module = evhttp_find_header(qs, "module");
	const char	*profile = evhttp_find_header(qs, "profile");
	char		 names[1024];
	size_t		 i, o = 0;

	names[0] = '\0';
	if (module != NULL && (*mod = config_target(c, module)) == NULL) {
		for (i = 0; i < c->ntargets; i++)
			confparse_list_add(names, sizeof(names), &o,
			    c->targets[i].name);
		probe_ep_unknown(req, "module", module, names, "a module is "
		    "a target of the config, TARGET/PROFILE for a target with "
		    "profiles");
		return -1;
	}
	if (profile != NULL && (*pf = config_profile(c, profile)) == NULL) {
		for (i = 0; i < c->nprofiles; i++)
			confparse_list_add(names, sizeof(names), &o,
			    c->profiles[i].name);
		probe_ep_unknown(req, "profile", profile, names, "a profile is "
		    "a profile \"NAME\" { ... } section of the config");
		return -1;
	}
	return 0;
}

/*
 * Checks the request: 0 with the module's config and the profile (NULL
 * when the query names none), or -1 after answering it (403, 400, 404,
 * 503).
 */
static int
probe_ep_check(struct daemon *d, struct evhttp_request *req,
    struct evkeyvalq *qs, const struct target_conf **mod,
    const struct profile_conf **pf)
{
	*mod = NULL;
	*pf = NULL;
	if (probe_endpoint_access(d, req) == -1)
		return -1;
	if (evhttp_find_header(qs, "target") == NULL) {
		httpd_send_text(req, 400, "expected /probe?target=sips:DOMAIN"
		    "[&module=NAME][&profile=NAME] (module: a target of the "
		    "config, as a template; profile: a TLS client profile of "
		    "the config)\n");
		return -1;
	}
	if (probe_ep_lookup(d, req, qs, mod, pf) == -1)
		return -1;
	if (d->stopping || d->ondemand_live >= CF_PROBE_CONCURRENCY) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
		httpd_send_text(req, 503, "too many probes on demand at once, "
		    "try again\n");
		return -1;
	}
	return 0;
}

/* Starts the request's location; -1 with err. */
static int
preq_start(struct preq *q, struct evkeyvalq *qs, char *err, size_t errlen)
{
	struct sc_locate_opts	 lo;
	struct timeval		 tv;

	if (target_parse_uri(&q->uri, evhttp_find_header(qs, "target"), err,
	    errlen) == -1)
		return -1;
	q->budget = preq_budget(q->req, q->timeout);
	if ((q->deadline = evtimer_new(q->d->base, preq_deadline, q)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A margin past the budget: the probes end by themselves first. */
	tv.tv_sec = (time_t)(q->budget + 0.2);
	tv.tv_usec = (suseconds_t)(fmod(q->budget + 0.2, 1) * 1e6);
	evtimer_add(q->deadline, &tv);
	memset(&lo, 0, sizeof(lo));
	lo.name = q->uri.domain;
	lo.port = q->uri.uri_port;
	lo.explicit = q->uri.uri_port != 0;
	lo.dns_servers = q->dns_server;
	lo.timeout = q->budget / 2;
	lo.ws = q->wss || q->uri.ws;
	q->dns_verdict = SC_OK;
	if ((q->locate = sc_locate_start(q->d->base, &lo, preq_located, q,
	    err, errlen)) == NULL)
		return -1;
	return 0;
}

static void
probe_ep_handler(struct evhttp_request *req, void *arg)
{
	struct daemon		*d = arg;
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*query = u != NULL ? evhttp_uri_get_query(u) :
				    NULL;
	const struct target_conf *mod;
	const struct profile_conf *pf;
	struct evkeyvalq	 qs;
	struct preq		*q;
	char			 err[256], text[300];

	TAILQ_INIT(&qs);
	if (query != NULL && evhttp_parse_query_str(query, &qs) == -1) {
		httpd_send_text(req, 400, "a malformed query string\n");
		return;
	}
	if (probe_ep_check(d, req, &qs, &mod, &pf) == -1) {
		evhttp_clear_headers(&qs);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		evhttp_clear_headers(&qs);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	q->d = d;
	q->req = req;
	q->t0 = sc_clock_now();
	d->ondemand_live++;
	if (preq_settings(q, mod, pf, err, sizeof(err)) == -1 ||
	    preq_start(q, &qs, err, sizeof(err)) == -1) {
		snprintf(text, sizeof(text), "%s\n", err);
		httpd_send_text(req, 400, text);
		q->req = NULL;
		sc_locate_free(q->locate);
		q->locate = NULL;
		preq_free(q);
	}
	evhttp_clear_headers(&qs);
}

int
probe_endpoint_access(struct daemon *d, struct evhttp_request *req)
{
	if (httpd_auth_configured(d->http) || httpd_request_loopback(req) ||
	    d->conf->http_probe_open)
		return 0;
	httpd_send_text(req, 403, "probes on demand answer only loopback "
	    "clients unless http_auth_file (or http_probe_open) is set\n");
	return -1;
}

int
probe_endpoint_routes(struct daemon *d)
{
	return httpd_route(d->http, "/probe", probe_ep_handler, d);
}
