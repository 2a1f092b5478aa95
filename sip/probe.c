/*
 * probe.c - one fresh probe of one frontend, as `check` and `certs` run
 * it: a built-in scenario (connect; register; unregister, or connect;
 * options without a user) run by the scenario engine with a single
 * client, so that probes and drills share one execution path.  The whole
 * probe is bounded by opts.timeout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "sipcanary.h"
#include "revocation.h"
#include "tlsctx.h"

struct sc_probe {
	struct sc_step		 steps[3];
	struct sc_scenario	 scenario;
	struct sc_frontend	 fe;
	struct sc_statuses	 alive;		/* OPTIONS probe */
	struct sc_engine	*engine;
	SSL_CTX			*own_ctx;
	char			*domain;
	char			*uri;
	char			*user;
	char			*password;
	char			*ws_path, *ws_origin;
	sc_probe_cb		 cb;
	void			(*on_step)(const struct sc_step_event *,
				    void *);
	void			*arg;
	int			 warn_days;	/* client certificate window */
	char			 unregister_error[256];
	struct sc_result	 res;
};

static void
probe_on_step(const struct sc_step_event *ev, void *arg)
{
	struct sc_probe *p = arg;

	if (p->on_step != NULL)
		p->on_step(ev, p->arg);
	/* Failing to clean up after a good probe is not a failed probe. */
	if (ev->step->kind == SC_STEP_UNREGISTER && !ev->held)
		snprintf(p->unregister_error, sizeof(p->unregister_error),
		    "unregister: %s", ev->error != NULL ? ev->error :
		    sc_verdict_str(ev->verdict));
}

/*
 * The probe's own client certificate near its end: the operator's own
 * outage to come, a warning on a probe that is otherwise good.
 */
static void
probe_client_cert(struct sc_probe *p)
{
	struct sc_result *r = &p->res;

	if (r->verdict != SC_OK || !r->has_client_cert ||
	    r->client_cert_days_left > p->warn_days)
		return;
	r->verdict = SC_CLIENT_CERT_EXPIRING;
	r->severity = SC_SEV_WARNING;
	snprintf(r->error, sizeof(r->error), "the client certificate %s "
	    "expires in %.1f days (warn_days %d)", r->client_cert_subject,
	    r->client_cert_days_left, p->warn_days);
}

static void
probe_on_client(unsigned client, int ok, struct sc_result *r, void *arg)
{
	struct sc_probe *p = arg;

	(void)client; (void)ok;
	p->res = *r;
	memset(&r->cert, 0, sizeof(r->cert));	/* ours now */
	if (p->unregister_error[0] != '\0') {
		p->res.verdict = sc_revocation_goes_on(p->res.cert.verdict) ?
		    p->res.cert.verdict : SC_OK;
		if (p->res.verdict == SC_OK)
			p->res.severity = SC_SEV_OK;
		snprintf(p->res.error, sizeof(p->res.error), "%s",
		    p->unregister_error);
	}
	probe_client_cert(p);
}

static void
probe_on_done(void *arg)
{
	struct sc_probe *p = arg;

	p->cb(&p->res, p->arg);
}

static const struct sc_engine_cbs probe_cbs = {
	.on_step = probe_on_step,
	.on_client = probe_on_client,
	.on_done = probe_on_done,
};

static void
probe_step(struct sc_step *s, enum sc_step_kind kind, double within)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->label = (char *)sc_step_kind_str(kind);
	s->expect_verdict = -1;
	s->within = within;
}

/* The probe's own copies of the caller's strings, and its frontend. */
static int
probe_copy_opts(struct sc_probe *p, const struct sc_probe_opts *o)
{
	if ((p->domain = strdup(o->domain)) == NULL ||
	    (o->uri != NULL && (p->uri = strdup(o->uri)) == NULL) ||
	    (o->user != NULL && (p->user = strdup(o->user)) == NULL) ||
	    (o->password != NULL && (p->password = strdup(o->password)) ==
	    NULL) ||
	    (o->ws.path != NULL && (p->ws_path = strdup(o->ws.path)) ==
	    NULL) ||
	    (o->ws.origin != NULL && (p->ws_origin = strdup(o->ws.origin)) ==
	    NULL))
		return -1;
	snprintf(p->fe.host, sizeof(p->fe.host), "%s", o->host);
	p->fe.port = o->port;
	return 0;
}

/*
 * The built-in scenario (connect; register; unregister, or connect;
 * options without a user, or connect alone), or the caller's own with the
 * probe's account and one client.
 */
static void
probe_scenario(struct sc_probe *p, const struct sc_probe_opts *o)
{
	size_t n = 0;

	probe_step(&p->steps[n++], SC_STEP_CONNECT, 0);
	if (!o->tls_only && o->user == NULL) {
		/* No account: a trunk or SBC, asked whether it answers. */
		probe_step(&p->steps[n++], SC_STEP_OPTIONS, 0);
		if (o->alive != NULL)
			p->alive = *o->alive;
		else
			sc_statuses_default(&p->alive);
	} else if (!o->tls_only) {
		probe_step(&p->steps[n], SC_STEP_REGISTER, 0);
		p->steps[n++].expires = o->expires;
		if (o->unregister)
			probe_step(&p->steps[n++], SC_STEP_UNREGISTER, 0);
	}
	p->scenario.name = (char *)(o->tls_only ? "tls-fresh" :
	    o->user == NULL ? "options-fresh" : "register-fresh");
	p->scenario.clients = 1;
	p->scenario.user = p->user;
	p->scenario.steps = p->steps;
	p->scenario.nsteps = n;
	if (o->scenario != NULL) {
		/* Its steps, with the probe's account and one client. */
		p->scenario = *o->scenario;
		p->scenario.clients = 1;
		p->scenario.user = p->user;
		p->scenario.user_template = NULL;
	}
}

/* The engine's options: one client on one frontend, bounded by the
 * probe's timeout. */
static void
probe_engine_opts(struct sc_probe *p, const struct sc_probe_opts *o,
    struct sc_engine_opts *eo)
{
	memset(eo, 0, sizeof(*eo));
	eo->scenario = &p->scenario;
	eo->uri = p->uri;
	eo->domain = p->domain;
	eo->frontends = &p->fe;
	eo->nfrontends = 1;
	eo->password = p->password;
	eo->clients = 1;
	eo->ramp = 0;
	eo->duration = o->timeout > 0 ? o->timeout : 10;
	eo->timeout = eo->duration;
	eo->tls_ctx = o->tls_ctx != NULL ? o->tls_ctx : p->own_ctx;
	eo->warn_days = o->warn_days > 0 ? o->warn_days :
	    SC_CERT_WARN_DAYS_DEFAULT;
	eo->crit_days = o->crit_days > 0 ? o->crit_days :
	    SC_CERT_CRIT_DAYS_DEFAULT;
	eo->tls_only = o->tls_only;
	eo->insecure = o->insecure;
	eo->keep_certs = 1;
	if (!o->tls_only && o->user == NULL)
		eo->options_alive = &p->alive;
	eo->revocation = o->revocation;
	eo->trace = o->trace;
	eo->ws.on = o->ws.on;
	eo->ws.path = p->ws_path;
	eo->ws.origin = p->ws_origin;
}

struct sc_probe *
sc_probe_start(struct event_base *base, const struct sc_probe_opts *o,
    sc_probe_cb cb, void *arg)
{
	struct sc_probe		*p;
	struct sc_engine_opts	 eo;
	char			 err[256];

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	sc_result_init(&p->res);
	p->cb = cb;
	p->on_step = o->on_step;
	p->arg = arg;
	if (probe_copy_opts(p, o) == -1)
		goto fail;
	probe_scenario(p, o);
	if (o->tls_ctx == NULL) {
		p->own_ctx = sc_tlsctx_new(o->ca_file, o->tls_min, o->tls_max,
		    err, sizeof(err));
		if (p->own_ctx == NULL) {
			p->res.verdict = SC_INTERNAL_ERROR;
			snprintf(p->res.error, sizeof(p->res.error), "%s", err);
			goto fail;
		}
	}
	probe_engine_opts(p, o, &eo);
	p->warn_days = eo.warn_days;
	if ((p->engine = sc_engine_start(base, &eo, &probe_cbs, p, err,
	    sizeof(err))) == NULL)
		goto fail;
	return p;
fail:
	sc_probe_free(p);
	return NULL;
}

void
sc_probe_shutdown(struct sc_probe *p)
{
	if (p != NULL)
		sc_engine_shutdown(p->engine);
}

void
sc_probe_free(struct sc_probe *p)
{
	if (p == NULL)
		return;
	sc_engine_free(p->engine);
	SSL_CTX_free(p->own_ctx);
	sc_result_clear(&p->res);
	free(p->domain);
	free(p->uri);
	free(p->user);
	free(p->ws_path);
	free(p->ws_origin);
	if (p->password != NULL) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p);
}
