/*
 * targets.c - the targets: each holds its own copy of its config, a TLS
 * context shared with the targets of its load, and its frontends, which
 * it locates again when their DNS records expire.  A target changed or
 * removed by a reload retires: its flows unregister before it is freed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/scenario.h"
#include "daemon/internal.h"

#define RELOCATE_MIN		30.0
#define RELOCATE_MAX		3600.0
#define RELOCATE_RETRY		30.0

static void	dtarget_locate(struct dtarget *);

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The target's own copy of its config (conf/ owns what it holds). */
static void
tconf_clear(struct target_conf *c)
{
	target_conf_clear(c);
}

static int
tconf_copy(struct target_conf *dst, const struct target_conf *src)
{
	return target_conf_copy(dst, src);
}

static void
dtarget_relocate_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	dtarget_locate(arg);
}

static void
dtarget_located_apply(struct dtarget *t, enum sc_verdict v, const char *why,
    const struct sc_frontend *fe, size_t n, double seconds)
{
	struct dfront	**nf;
	size_t		 i, j, k;
	double		 ttl = RELOCATE_MAX;
	int		 literal = t->conf.connect != NULL;

	t->dns_verdict = v;
	snprintf(t->dns_error, sizeof(t->dns_error), "%s", why);
	(void)metrics_set(t->d->f_dns_success,
	    (const char *const[]){ t->conf.name }, v == SC_OK);
	if (v != SC_OK) {
		log_event(LOG_WARN, t->conf.name, NULL, sc_verdict_str(v),
		    "cannot locate frontends (keeping %zu): %s", t->nfe, why);
		timer_arm(t->relocate, RELOCATE_RETRY);
		return;
	}
	for (i = 0; i < t->nfe; i++)
		t->fe[i]->seen = 0;
	for (j = 0; j < n; j++) {
		for (i = 0; i < t->nfe; i++)
			if (strcmp(t->fe[i]->fe.host, fe[j].host) == 0 &&
			    t->fe[i]->fe.port == fe[j].port)
				break;
		if (fe[j].ttl > 0 && fe[j].ttl < ttl)
			ttl = fe[j].ttl;
		if (i < t->nfe) {
			t->fe[i]->seen = 1;
			continue;
		}
		if ((nf = realloc(t->fe, (t->nfe + 1) * sizeof(*nf))) == NULL)
			continue;
		t->fe = nf;
		if ((t->fe[t->nfe] = dfront_new(t, &fe[j])) == NULL)
			continue;
		t->fe[t->nfe]->seen = 1;
		log_event(LOG_INFO, t->conf.name, t->fe[t->nfe]->address, "ok",
		    "frontend located (dns %.1f ms)", seconds * 1000);
		dfront_phase(t->fe[t->nfe], "dns", seconds);
		t->nfe++;
	}
	/* Frontends that DNS no longer names go, with their series. */
	for (i = 0, k = 0; i < t->nfe; i++) {
		if (t->fe[i]->seen) {
			t->fe[k++] = t->fe[i];
			continue;
		}
		log_event(LOG_INFO, t->conf.name, t->fe[i]->address, "ok",
		    "frontend no longer located: unregistering its flows and "
		    "stopping");
		dfront_leave(t->fe[i]);
	}
	t->nfe = k;
	(void)metrics_set(t->d->f_frontends,
	    (const char *const[]){ t->conf.name }, (double)t->nfe);
	dtarget_detect(t, 0);
	/* Re-locate when the records expire; a literal never changes. */
	if (!literal) {
		if (ttl < RELOCATE_MIN)
			ttl = RELOCATE_MIN;
		timer_arm(t->relocate, ttl);
	}
}

/*
 * A lookup ended.  Its resolver (a c-ares channel and the frontend table,
 * ~200 kB) goes at once, not at the next lookup: a daemon watches
 * hundreds of targets.
 */
static void
dtarget_located(enum sc_verdict v, const char *why,
    const struct sc_frontend *fe, size_t n, double seconds, void *arg)
{
	struct dtarget		*t = arg;
	struct sc_locate	*l = t->locate;

	dtarget_located_apply(t, v, why, fe, n, seconds);
	if (t->locate == l) {
		t->locate = NULL;
		sc_locate_free(l);
	}
}

static void
dtarget_locate(struct dtarget *t)
{
	struct sc_locate_opts	 lo;
	char			 err[256];

	sc_locate_free(t->locate);
	t->locate = NULL;
	if (t->d->stopping || t->retiring)
		return;
	memset(&lo, 0, sizeof(lo));
	lo.name = t->uri.connect_host != NULL ? t->uri.connect_host :
	    t->uri.domain;
	lo.port = t->uri.connect_host != NULL ? t->uri.connect_port :
	    t->uri.uri_port;
	lo.explicit = t->uri.connect_host != NULL || t->uri.uri_port != 0;
	lo.dns_servers = t->conf.dns_server;
	lo.timeout = t->conf.timeout;
	lo.ws = t->conf.wss || t->uri.ws;
	if ((t->locate = sc_locate_start(t->d->base, &lo, dtarget_located, t,
	    err, sizeof(err))) == NULL) {
		log_event(LOG_ERROR, t->conf.name, NULL, "internal_error",
		    "cannot start DNS: %s", err);
		timer_arm(t->relocate, RELOCATE_RETRY);
	}
}

/*
 * The TLS context of a target of the load in progress (loading: the
 * targets it has so far) with the same CA file and minimum version,
 * shared: a CA bundle costs ~0.8 MB per context.  Only targets this load
 * made (generation d->gen) count: a reload re-reads the CA files.
 */
static void *
dtarget_tls_ctx(struct daemon *d, const struct target_conf *c,
    struct dtarget *const *loading, size_t nloading)
{
	const struct target_conf	*o;
	size_t				 i;

	if (c->pf != NULL)
		return NULL;	/* a profile's context is its own */
	for (i = 0; i < nloading; i++) {
		if (loading[i] == NULL || loading[i]->gen != d->gen ||
		    loading[i]->tls_ctx == NULL || loading[i]->conf.pf != NULL)
			continue;
		o = &loading[i]->conf;
		if (o->tls_min == c->tls_min &&
		    (o->ca_file == NULL) == (c->ca_file == NULL) &&
		    (c->ca_file == NULL || strcmp(o->ca_file, c->ca_file) == 0))
			return sc_tls_ctx_ref(loading[i]->tls_ctx);
	}
	return NULL;
}

void *
dtarget_tls_ctx_new(const struct target_conf *c, const struct profile_conf *pf,
    char *err, size_t errlen)
{
	struct sc_tls_opts o;

	if (pf == NULL)
		return sc_tls_ctx_new(c != NULL ? c->ca_file : NULL, c != NULL ?
		    c->tls_min : 0, 0, err, errlen);
	profile_tls_opts(pf, c, &o);
	return sc_tls_ctx_new_opts(&o, err, errlen);
}

/*
 * A target of the load in progress, which has made loading[0..nloading)
 * so far; it starts locating its frontends at once.
 */
struct dtarget *
dtarget_new(struct daemon *d, const struct target_conf *c,
    struct dtarget *const *loading, size_t nloading, char *err,
    size_t errlen)
{
	struct dtarget	*t;

	snprintf(err, errlen, "out of memory");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->d = d;
	t->gen = d->gen;
	if (tconf_copy(&t->conf, c) == -1)
		goto fail;
	if (target_parse_uri(&t->uri, c->uri, err, errlen) == -1 ||
	    (c->connect != NULL && target_parse_hostport(c->connect,
	    &t->uri.connect_host, &t->uri.connect_port, err,
	    errlen) == -1)) {
		log_event(LOG_ERROR, c->name, NULL, "internal_error", "%s",
		    err);
		goto fail;
	}
	if ((t->tls_ctx = dtarget_tls_ctx(d, c, loading, nloading)) == NULL &&
	    (t->tls_ctx = dtarget_tls_ctx_new(c, c->pf, err, errlen)) == NULL) {
		log_event(LOG_ERROR, c->name, NULL, "internal_error", "%s",
		    err);
		goto fail;
	}
	snprintf(err, errlen, "out of memory");
	if ((t->relocate = evtimer_new(d->base, dtarget_relocate_cb, t)) ==
	    NULL)
		goto fail;
	if (dtarget_flow_scenario(t, err, errlen) == -1) {
		log_event(LOG_ERROR, c->name, NULL, "internal_error", "the "
		    "persistent flow: %s", err);
		goto fail;
	}
	if (dtarget_fresh_scenario(&t->conf, &t->fresh_sc, err, errlen) ==
	    -1) {
		log_event(LOG_ERROR, c->name, NULL, "internal_error", "the "
		    "fresh probe's scenario: %s", err);
		goto fail;
	}
	t->dns_verdict = SC_OK;
	err[0] = '\0';
	if (c->insecure_skip_verify)
		log_event(LOG_WARN, c->name, NULL, NULL, "insecure_skip_verify "
		    "is on: certificate failures are reported but do not stop "
		    "the probes, and credentials go over unverified "
		    "connections");
	(void)metrics_set(d->f_frontends, (const char *const[]){ c->name }, 0);
	dprofile_info(t);
	log_event(LOG_INFO, c->name, NULL, "ok", "probing %s every %.0f s "
	    "with %u flows per frontend%s", c->uri, c->interval, c->flows,
	    c->user != NULL ? "" : " (no user: OPTIONS)");
	dtarget_locate(t);
	return t;
fail:
	dtarget_free(t);
	return NULL;
}

/*
 * A reload kept the target, flows and all: only its owner may change.
 * Its context forgets the chains it knew: the next probe of each
 * frontend checks its certificates anew.
 */
void
dtarget_keep(struct dtarget *t, const struct target_conf *c)
{
	free(t->conf.owner);
	t->conf.owner = dup_or_null(c->owner);
	sc_tls_ctx_cert_cache_flush(t->tls_ctx);
}

void
dtarget_free(struct dtarget *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfe; i++)
		dfront_free(t->fe[i]);
	free(t->fe);
	for (i = 0; i < t->nleaving; i++)
		dfront_free(t->leaving[i]);
	free(t->leaving);
	sc_locate_free(t->locate);
	if (t->relocate != NULL)
		event_free(t->relocate);
	sc_tls_ctx_free(t->tls_ctx);
	scenario_free(t->flow_sc);
	scenario_free(t->fresh_sc);
	target_clear(&t->uri);
	tconf_clear(&t->conf);
	free(t);
}

/* No more DNS, probes or flows; those in flight unregister first. */
void
dtarget_stop(struct dtarget *t)
{
	size_t i;

	sc_locate_free(t->locate);
	t->locate = NULL;
	event_del(t->relocate);
	for (i = 0; i < t->nfe; i++)
		dfront_stop(t->fe[i]);
}

/* Stops probing; its flows unregister, then daemon_reap frees it. */
void
dtarget_retire(struct dtarget *t)
{
	struct daemon	*d = t->d;
	struct dtarget	**v;

	t->retiring = 1;
	dtarget_stop(t);
	if ((v = realloc(d->retired, (d->nretired + 1) * sizeof(*v))) ==
	    NULL) {
		dtarget_free(t);
		return;
	}
	d->retired = v;
	d->retired[d->nretired++] = t;
}
