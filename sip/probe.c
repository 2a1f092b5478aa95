/*
 * probe.c - one fresh probe of one frontend, as `check` and `certs` run
 * it: a built-in scenario (connect; register; unregister) run by the
 * scenario engine with a single client, so that probes and drills share
 * one execution path.  The whole probe is bounded by opts.timeout.
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
	struct sc_engine	*engine;
	SSL_CTX			*own_ctx;
	char			*domain;
	char			*uri;
	char			*user;
	char			*password;
	sc_probe_cb		 cb;
	void			*arg;
	char			 unregister_error[256];
	struct sc_result	 res;
};

static void
probe_on_step(const struct sc_step_event *ev, void *arg)
{
	struct sc_probe *p = arg;

	/* Failing to clean up after a good probe is not a failed probe. */
	if (ev->step->kind == SC_STEP_UNREGISTER && !ev->held)
		snprintf(p->unregister_error, sizeof(p->unregister_error),
		    "unregister: %s", ev->error != NULL ? ev->error :
		    sc_verdict_str(ev->verdict));
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

struct sc_probe *
sc_probe_start(struct event_base *base, const struct sc_probe_opts *o,
    sc_probe_cb cb, void *arg)
{
	struct sc_probe		*p;
	struct sc_engine_opts	 eo;
	char			 err[256];
	size_t			 n = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	sc_result_init(&p->res);
	p->cb = cb;
	p->arg = arg;
	if ((p->domain = strdup(o->domain)) == NULL ||
	    (o->uri != NULL && (p->uri = strdup(o->uri)) == NULL) ||
	    (o->user != NULL && (p->user = strdup(o->user)) == NULL) ||
	    (o->password != NULL && (p->password = strdup(o->password)) ==
	    NULL))
		goto fail;
	snprintf(p->fe.host, sizeof(p->fe.host), "%s", o->host);
	p->fe.port = o->port;

	probe_step(&p->steps[n++], SC_STEP_CONNECT, 0);
	if (!o->tls_only) {
		probe_step(&p->steps[n], SC_STEP_REGISTER, 0);
		p->steps[n++].expires = o->expires;
		if (o->unregister)
			probe_step(&p->steps[n++], SC_STEP_UNREGISTER, 0);
	}
	p->scenario.name = (char *)(o->tls_only ? "tls-fresh" :
	    "register-fresh");
	p->scenario.clients = 1;
	p->scenario.user = p->user;
	p->scenario.steps = p->steps;
	p->scenario.nsteps = n;

	if (o->tls_ctx == NULL) {
		p->own_ctx = sc_tlsctx_new(o->ca_file, o->tls_min, o->tls_max,
		    err, sizeof(err));
		if (p->own_ctx == NULL) {
			p->res.verdict = SC_INTERNAL_ERROR;
			snprintf(p->res.error, sizeof(p->res.error), "%s", err);
			goto fail;
		}
	}
	memset(&eo, 0, sizeof(eo));
	eo.scenario = &p->scenario;
	eo.uri = p->uri;
	eo.domain = p->domain;
	eo.frontends = &p->fe;
	eo.nfrontends = 1;
	eo.password = p->password;
	eo.clients = 1;
	eo.ramp = 0;
	eo.duration = o->timeout > 0 ? o->timeout : 10;
	eo.timeout = eo.duration;
	eo.tls_ctx = o->tls_ctx != NULL ? o->tls_ctx : p->own_ctx;
	eo.warn_days = o->warn_days > 0 ? o->warn_days :
	    SC_CERT_WARN_DAYS_DEFAULT;
	eo.crit_days = o->crit_days > 0 ? o->crit_days :
	    SC_CERT_CRIT_DAYS_DEFAULT;
	eo.tls_only = o->tls_only;
	eo.insecure = o->insecure;
	eo.keep_certs = 1;
	eo.revocation = o->revocation;
	eo.trace = o->trace;
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
	if (p->password != NULL) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p);
}
