/*
 * flows.c - the persistent flows: per frontend, one scenario engine runs
 * the target's flows in loop mode (reconnect, register, maintain, break:
 * forever; or reconnect, OPTIONS, maintain with OPTIONS, break for a
 * target without an account).  Its callbacks feed the flow series, the
 * reconnect counts and the detector; a deliberate break waits while
 * fresh probes fail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/scenario.h"
#include "daemon/internal.h"
#include "options-flow.h"
#include "persistent-flow.h"


/*
 * The persistent flow: the shipped scenarios/persistent-flow.scn, built
 * into the program (persistent-flow.h) and run in loop mode.  The file
 * says what a pass does; the target's config fills in what the file
 * leaves unset: each step's deadline (timeout), the registration
 * lifetime (expires), the keep-alive interval (keepalive), how long a
 * pass stays registered (reconnect_every, jittered so that the flows of
 * many targets do not break in step), the clients (flows) and the user.
 */
int
dtarget_flow_scenario(struct dtarget *t, char *err, size_t errlen)
{
	const struct target_conf *c = &t->conf;
	struct sc_scenario	*sc;
	size_t			 i;

	/*
	 * The target's own flow_scenario, or the shipped one: without an
	 * account, OPTIONS keep the flow (options-flow.scn).
	 */
	if (c->flow_scenario_text != NULL)
		sc = scenario_load_flow_string(c->flow_scenario_file,
		    c->flow_scenario_text, err, errlen);
	else if (c->user != NULL)
		sc = scenario_load_flow_string("persistent-flow.scn",
		    persistent_flow_scn, err, errlen);
	else
		sc = scenario_load_flow_string("options-flow.scn",
		    options_flow_scn, err, errlen);
	if (sc == NULL)
		return -1;
	dtarget_fill_steps(c, sc->steps, sc->nsteps);
	for (i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].kind == SC_STEP_MAINTAIN &&
		    sc->steps[i].duration == 0 && c->reconnect_every > 0)
			sc->steps[i].duration = daemon_jitter(
			    c->reconnect_every);
	sc->clients = c->flows;
	free(sc->user);
	free(sc->user_template);
	sc->user = sc->user_template = NULL;
	if (c->user != NULL && (sc->user = strdup(c->user)) == NULL) {
		snprintf(err, errlen, "out of memory");
		scenario_free(sc);
		return -1;
	}
	t->flow_sc = sc;
	return 0;
}

/* The flow_up series of one flow. */
void
dfront_flow_set(struct dfront *f, unsigned flow, int up)
{
	char flowid[16];

	snprintf(flowid, sizeof(flowid), "%u", flow);
	(void)metrics_set(f->t->d->f_flow_up, (const char *const[]){
	    f->t->conf.name, f->address, f->srv, flowid }, up);
}

static void
dfront_on_flow(unsigned client, int up, enum sc_verdict why, void *arg)
{
	struct dfront *f = arg;

	if (client >= f->nflows)
		return;
	f->flow_up[client] = up != 0;
	if (up)
		f->flow_was_up[client] = 1;
	if (!up)
		f->flow_deliberate[client] = why == SC_OK;
	dfront_flow_set(f, client, up);
	if (!up && why != SC_OK && !f->t->d->stopping)
		log_event(LOG_WARN, f->t->conf.name, f->address,
		    sc_verdict_str(why), "flow %u is down", client);
	else if (up)
		log_event(LOG_INFO, f->t->conf.name, f->address, "ok",
		    f->t->conf.user != NULL ? "flow %u is registered" :
		    "flow %u is up (OPTIONS answered)", client);
	dtarget_detect(f->t, 0);
}

static void
dfront_on_reconnect(unsigned client, double seconds, int deliberate,
    void *arg)
{
	struct dfront	*f = arg;
	const char	*const tf[] = { f->t->conf.name, f->address, f->srv };

	(void)client;
	(void)metrics_inc(f->t->d->f_reconnects, (const char *const[]){
	    f->t->conf.name, f->address, f->srv, "success",
	    deliberate ? "deliberate" : "lost" });
	(void)metrics_observe(f->t->d->f_reconnect_dur, tf, seconds);
	dfront_reconnect_outcome(f, 1);
	log_event(LOG_INFO, f->t->conf.name, f->address, "ok",
	    "flow %u registered again %.3f s after a %s", client, seconds,
	    deliberate ? "deliberate break" : "loss");
}

static void
dfront_on_step(const struct sc_step_event *ev, void *arg)
{
	struct dfront	*f = arg;

	if (!f->t->d->stopping)
		dfront_step_metrics(f, "flow", ev);
	if (ev->held || f->t->d->stopping || ev->client >= f->nflows)
		return;
	/*
	 * A flow that never registered is not reconnecting, so no reconnect
	 * is counted; its failed attempts (backing off) are still logged.
	 */
	if (!f->flow_was_up[ev->client]) {
		if (ev->step->kind == SC_STEP_RECONNECT ||
		    ev->step->kind == SC_STEP_REGISTER ||
		    ev->step->kind == SC_STEP_OPTIONS)
			log_event(LOG_WARN, f->t->conf.name, f->address,
			    sc_verdict_str(ev->verdict), "flow %u: not up "
			    "yet: %s failed: %s", ev->client,
			    sc_step_kind_str(ev->step->kind),
			    ev->error != NULL ? ev->error : "");
		return;
	}
	if (ev->step->kind == SC_STEP_RECONNECT ||
	    ev->step->kind == SC_STEP_REGISTER ||
	    (ev->step->kind == SC_STEP_OPTIONS && f->t->conf.user == NULL)) {
		(void)metrics_inc(f->t->d->f_reconnects, (const char *const[]){
		    f->t->conf.name, f->address, f->srv, "failure",
		    f->flow_deliberate[ev->client] ? "deliberate" : "lost" });
		dfront_reconnect_outcome(f, 0);
		log_event(LOG_WARN, f->t->conf.name, f->address,
		    sc_verdict_str(ev->verdict), "flow %u: %s failed: %s",
		    ev->client, sc_step_kind_str(ev->step->kind),
		    ev->error != NULL ? ev->error : "");
	}
}

/* What a flow's keep-alive kind (sc_engine_cbs.on_keepalive) means. */
static const char *
dfront_keepalive_says(const char *kind)
{
	if (strcmp(kind, "ws_crlf") == 0)
		return "RFC 5626 CRLFCRLF inside WebSocket frames (the "
		    "server answers them)";
	if (strcmp(kind, "ws_ping") == 0)
		return "WebSocket pings (the server does not answer a "
		    "CRLFCRLF inside a frame)";
	return "RFC 5626 CRLFCRLF";
}

static void
dfront_on_keepalive(unsigned client, double rtt, const char *kind,
    void *arg)
{
	struct dfront	*f = arg;
	const char	*const tf[] = { f->t->conf.name, f->address, f->srv };

	(void)metrics_observe(f->t->d->f_rtt, tf, rtt);
	/* Said once per flow, and again if a new connection differs. */
	if (client >= f->nflows || kind == NULL ||
	    (f->flow_keepalive[client] != NULL &&
	    strcmp(f->flow_keepalive[client], kind) == 0))
		return;
	f->flow_keepalive[client] = kind;
	log_event(LOG_INFO, f->t->conf.name, f->address, "ok",
	    "flow %u keep-alives: %s", client, dfront_keepalive_says(kind));
}

static void
dfront_on_flows_done(void *arg)
{
	struct dfront	*f = arg;
	struct dtarget	*t = f->t;
	struct daemon	*d = t->d;

	f->flows_live = 0;
	t->live_engines--;
	if (f->leaving)
		dtarget_reap_fronts(t);	/* may free f */
	daemon_check_stopped(d);
}

static const struct sc_engine_cbs dfront_flow_cbs = {
	.on_step = dfront_on_step,
	.on_reconnect = dfront_on_reconnect,
	.on_flow = dfront_on_flow,
	.on_keepalive = dfront_on_keepalive,
	.on_done = dfront_on_flows_done,
};

/* While new connections fail, keep the flows that still work. */
static int
dfront_defer_break(unsigned client, void *arg)
{
	struct dfront *f = arg;

	(void)client;
	if (f->probed && !dverdict_up(f->verdict)) {
		log_event(LOG_INFO, f->t->conf.name, f->address,
		    sc_verdict_str(f->verdict), "deliberate flow break "
		    "postponed while fresh probes fail");
		return 1;
	}
	return 0;
}

static void
dfront_flows_start(struct dfront *f)
{
	struct dtarget		*t = f->t;
	struct sc_engine_opts	 eo;
	char			 err[256];

	if (t->conf.flows == 0)
		return;
	memset(&eo, 0, sizeof(eo));
	eo.scenario = t->flow_sc;
	eo.uri = t->uri.uri;
	eo.domain = t->uri.domain;
	eo.frontends = &f->fe;
	eo.nfrontends = 1;
	eo.password = t->conf.password;
	eo.clients = t->conf.flows;
	eo.ramp = 0;
	eo.timeout = t->conf.timeout;
	eo.tls_ctx = t->tls_ctx;
	eo.warn_days = t->conf.warn_days;
	eo.crit_days = t->conf.crit_days;
	eo.loop = 1;
	eo.insecure = t->conf.insecure_skip_verify;
	eo.ws.on = t->conf.wss || t->uri.ws;
	eo.ws.path = t->conf.ws_path;
	eo.ws.origin = t->conf.origin;
	eo.revocation = t->conf.revocation;
	eo.defer_break = dfront_defer_break;
	eo.defer_arg = f;
	if (t->conf.user == NULL)
		eo.options_alive = &t->conf.alive_statuses;
	f->flows = sc_engine_start(t->d->base, &eo, &dfront_flow_cbs, f, err,
	    sizeof(err));
	if (f->flows == NULL) {
		log_event(LOG_ERROR, t->conf.name, f->address, "internal_error",
		    "cannot start flows: %s", err);
		return;
	}
	f->flows_live = 1;
	t->live_engines++;
}

/* The frontend's flows are due to start. */
void
dfront_flows_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dfront *f = arg;

	(void)fd; (void)what;
	if (!f->t->d->stopping && !f->t->retiring)
		dfront_flows_start(f);
}
