/*
 * engine.c - the scenario engine: M simulated clients run a scenario on
 * the shared event loop (engine.h lists the files of the engine).
 *
 * Owns the engine's life: clients started on a ramp, the run's duration,
 * stop (end every client now) and shutdown (unregister first), and each
 * client's end: its final verdict and result, reported once, and the
 * engine's "every client finished".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "clock.h"
#include "engine.h"
#include "flow.h"
#include "reg.h"
#include "revocation.h"
#include "util.h"

/*
 * Slack when deciding a client is due: the timer armed for its instant
 * may fire a few microseconds early (rounding to a timeval), and a client
 * left for a second wake-up costs more than one started 0.1 ms early.
 */
#define ENGINE_RAMP_SLACK	1e-4

/* The unregister a client sends when the engine shuts down. */
static const struct sc_step engine_unregister_step = {
	.kind = SC_STEP_UNREGISTER,
	.label = "shutdown",
	.expect_verdict = -1,
	.within = 2.0,
};

static void
engine_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sc_engine *e = arg;

	(void)fd; (void)what;
	if (e->cbs.on_done != NULL)
		e->cbs.on_done(e->arg);
}

static void
engine_check_done(struct sc_engine *e)
{
	if (e->done_sent || e->finished < e->started ||
	    (e->started < e->nclients && !e->stopping))
		return;
	e->done_sent = 1;
	event_del(e->ramp_ev);
	if (e->stop_ev != NULL)
		event_del(e->stop_ev);
	event_active(e->done_ev, EV_TIMEOUT, 0);
}

/* The verdict of a client's result, from its steps and certificates. */
static void
engine_final_verdict(const struct client *c, struct sc_result *r)
{
	if (!c->failed) {
		r->verdict = SC_OK;
		/* A probe that worked still carries a certificate warning. */
		if (r->cert.verdict != SC_OK &&
		    sc_revocation_goes_on(r->cert.verdict)) {
			r->verdict = r->cert.verdict;
			snprintf(r->error, sizeof(r->error), "%s",
			    r->cert.error);
		}
	}
	if (r->verdict != SC_CERT_EXPIRING)
		r->severity = sc_verdict_severity(r->verdict);
}

void
sc_client_finish(struct client *c)
{
	struct sc_engine *e = c->e;

	if (c->done)
		return;
	c->done = 1;
	event_del(c->timer);
	sc_client_stop_ticks(c);
	sc_client_drop_flow(c);
	sc_flow_free(c->zombie);
	c->zombie = NULL;
	sc_reg_free(c->reg);
	c->reg = NULL;
	sc_reg_free(c->opt);
	c->opt = NULL;
	if (c->res != NULL)
		engine_final_verdict(c, c->res);
	e->active--;
	e->finished++;
	if (c->failed)
		e->failed++;
	else
		e->ok++;
	if (e->cbs.on_client != NULL)
		e->cbs.on_client(c->idx + e->o.first_client, !c->failed,
		    c->res, e->arg);
	if (c->res != NULL)
		sc_result_clear(c->res);
	if (c->session != NULL) {
		SSL_SESSION_free(c->session);
		c->session = NULL;
	}
	engine_check_done(e);
}

static void
engine_start_client(struct sc_engine *e)
{
	struct client		*c = &e->clients[e->started];
	const struct sc_scenario *sc = e->o.scenario;
	unsigned		 n = e->started + e->o.first_client;

	c->e = e;
	c->idx = e->started++;
	if (e->cbs.on_start != NULL)
		e->cbs.on_start(c->idx + e->o.first_client, e->arg);
	sc_util_token(c->token, sizeof(c->token), 16);
	e->active++;
	if (e->results != NULL) {
		c->res = &e->results[c->idx];
		sc_result_init(c->res);
	}
	c->fe = c->idx % e->o.nfrontends;
	if (e->o.user_name != NULL) {
		if (e->o.user_name(sc, n, c->user, sizeof(c->user)) == -1)
			c->user[0] = '\0';
	} else if (sc->user != NULL)
		snprintf(c->user, sizeof(c->user), "%s", sc->user);
	if (e->duration > 0)
		c->deadline = e->t_start + e->duration;
	sc_client_rewind(c);
	c->running = 1;
	evtimer_assign(c->timer, e->base, sc_client_timer, c);
	sc_client_next(c);
}

/*
 * Starts the clients that are due, then sleeps until the next one is:
 * client k starts at t_start + k / ramp.  The loop wakes once per start,
 * not on a fixed tick, so a slow ramp costs nothing between clients.
 */
static void
engine_ramp(evutil_socket_t fd, short what, void *arg)
{
	struct sc_engine	*e = arg;
	struct timeval		 tv;
	double			 due, now;
	unsigned		 target;

	(void)fd; (void)what;
	if (e->stopping)
		return;
	if (e->ramp <= 0)
		target = e->nclients;
	else {
		due = (sc_clock_now() - e->t_start + ENGINE_RAMP_SLACK) *
		    e->ramp + 1;
		target = due >= e->nclients ? e->nclients : (unsigned)due;
	}
	while (e->started < target && !e->stopping)
		engine_start_client(e);
	if (e->started < e->nclients && !e->stopping && e->ramp > 0) {
		now = sc_clock_now();
		tv = sc_clock_tv(e->t_start + e->started / e->ramp - now);
		/* Starting clients took time: count from now, not the wake-up. */
		event_base_update_cache_time(e->base);
		evtimer_add(e->ramp_ev, &tv);
	}
	engine_check_done(e);
}

static void
engine_stop(struct sc_engine *e, const char *why)
{
	unsigned i;

	if (e == NULL || e->stopping)
		return;
	e->stopping = 1;
	event_del(e->ramp_ev);
	if (e->stop_ev != NULL)
		event_del(e->stop_ev);
	for (i = 0; i < e->started; i++) {
		struct client *c = &e->clients[i];

		if (c->done)
			continue;
		if (c->step != NULL)
			sc_client_step_end(c, SC_INTERNAL_ERROR, 0, why);
		else {
			c->failed = 1;
			if (c->res != NULL) {
				c->res->verdict = SC_INTERNAL_ERROR;
				snprintf(c->res->error, sizeof(c->res->error),
				    "%s", why);
			}
			sc_client_finish(c);
		}
	}
	engine_check_done(e);
}

/*
 * The run's duration is over.  Clients' own deadlines end their steps
 * with the verdict of the phase they were in; this catches whatever is
 * left (clients between steps, or not started yet).
 */
static void
engine_duration_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sc_engine	*e = arg;
	char			 why[96];

	(void)fd; (void)what;
	snprintf(why, sizeof(why), "stopped: the run's duration (%.1f s) is "
	    "over", e->duration);
	engine_stop(e, why);
}

struct sc_engine *
sc_engine_start(struct event_base *base, const struct sc_engine_opts *o,
    const struct sc_engine_cbs *cbs, void *arg, char *err, size_t errlen)
{
	struct sc_engine	*e;
	struct timeval		 tv;
	unsigned		 i;

	if (o->scenario == NULL || o->nfrontends == 0 || o->tls_ctx == NULL ||
	    o->domain == NULL) {
		snprintf(err, errlen, "engine: no scenario, frontend, TLS "
		    "context or domain");
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto nomem;
	e->base = base;
	e->o = *o;
	e->cbs = *cbs;
	e->arg = arg;
	e->nclients = o->clients > 0 ? o->clients : o->scenario->clients;
	if (e->nclients == 0)
		e->nclients = 1;
	e->ramp = o->ramp >= 0 ? o->ramp : o->scenario->ramp;
	e->duration = o->duration > 0 ? o->duration : o->scenario->duration;
	if ((e->clients = calloc(e->nclients, sizeof(*e->clients))) == NULL)
		goto nomem;
	/* Results only for whoever takes them: drills and flows do not. */
	if (cbs->on_client != NULL && !o->no_results &&
	    (e->results = calloc(e->nclients, sizeof(*e->results))) == NULL)
		goto nomem;
	for (i = 0; i < e->nclients; i++) {
		e->clients[i].timer = evtimer_new(base, sc_client_timer,
		    &e->clients[i]);
		e->clients[i].tick = evtimer_new(base, sc_client_tick,
		    &e->clients[i]);
		if (e->clients[i].timer == NULL || e->clients[i].tick == NULL)
			goto nomem;
	}
	if ((e->ramp_ev = evtimer_new(base, engine_ramp, e)) ==
	    NULL || (e->done_ev = event_new(base, -1, 0, engine_done_cb, e))
	    == NULL)
		goto nomem;
	e->t_start = sc_clock_now();
	if (e->duration > 0) {
		/*
		 * Well after the clients' own deadlines, which give the verdict
		 * of the phase they cut (a busy loop may run both late).
		 */
		if ((e->stop_ev = evtimer_new(base, engine_duration_cb, e)) ==
		    NULL)
			goto nomem;
		tv = sc_clock_tv(e->duration + 1.0);
		evtimer_add(e->stop_ev, &tv);
	}
	event_active(e->ramp_ev, EV_TIMEOUT, 0);
	return e;
nomem:
	snprintf(err, errlen, "out of memory for %u clients",
	    o->clients > 0 ? o->clients : o->scenario->clients);
	sc_engine_free(e);
	return NULL;
}

void
sc_engine_stop(struct sc_engine *e)
{
	engine_stop(e, "stopped: the run was interrupted");
}

void
sc_engine_shutdown(struct sc_engine *e)
{
	unsigned i;

	if (e == NULL || e->stopping)
		return;
	e->stopping = 1;
	event_del(e->ramp_ev);
	for (i = 0; i < e->started; i++) {
		struct client *c = &e->clients[i];

		if (c->done)
			continue;
		if (c->up && c->reg != NULL && (c->registered ||
		    (c->step != NULL && (c->step->kind == SC_STEP_REGISTER ||
		    c->step->kind == SC_STEP_REREGISTER)))) {
			/*
			 * Abandon the current step quietly, then unregister:
			 * also when a REGISTER is in flight, which the server
			 * may be granting right now.
			 */
			event_del(c->timer);
			sc_client_stop_ticks(c);
			c->step = NULL;
			c->last_step = 1;
			c->deadline = 0;
			sc_client_begin(c, &engine_unregister_step);
		} else {
			c->step = NULL;
			sc_client_finish(c);
		}
	}
	engine_check_done(e);
}

void
sc_engine_counts(const struct sc_engine *e, struct sc_engine_counts *n)
{
	n->started = e->started;
	n->active = e->active;
	n->finished = e->finished;
	n->ok = e->ok;
	n->failed = e->failed;
}

void
sc_engine_free(struct sc_engine *e)
{
	unsigned i;

	if (e == NULL)
		return;
	for (i = 0; e->clients != NULL && i < e->nclients; i++) {
		struct client *c = &e->clients[i];

		sc_flow_free(c->flow);
		sc_flow_free(c->zombie);
		sc_reg_free(c->reg);
		sc_reg_free(c->opt);
		if (c->session != NULL)
			SSL_SESSION_free(c->session);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->tick != NULL)
			event_free(c->tick);
		if (c->res != NULL)
			sc_result_clear(c->res);
	}
	free(e->clients);
	free(e->results);
	if (e->ramp_ev != NULL)
		event_free(e->ramp_ev);
	if (e->done_ev != NULL)
		event_free(e->done_ev);
	if (e->stop_ev != NULL)
		event_free(e->stop_ev);
	free(e);
}
