/*
 * client.c - a simulated client's step machine (engine.h lists the files
 * of the engine).
 *
 * A client owns at most one live flow (plus one silently dropped flow
 * kept open, as a dead NAT binding would), one REGISTER binding and one
 * OPTIONS transaction.  Each step arms the client's timer with its
 * deadline; every step ends in sc_client_step_end(), which reports the
 * step, checks its expectation and schedules the next step through the
 * same timer, so that no step ever runs inside another's callback.
 *
 * Owns: the step stack (repeat blocks), starting each step, the timer
 * (deadlines, timed steps, "go on"), expectations, and the helpers every
 * step uses (arming timers, the flow going down, tracing).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "engine.h"
#include "util.h"
#include "flow.h"
#include "cert.h"
#include "revocation.h"

void
sc_client_trace(struct client *c, const char *dir, const char *text)
{
	FILE	*fp = c->e->o.trace;
	char	 address[64];

	if (fp == NULL)
		return;
	sc_client_address(c, address, sizeof(address));
	fprintf(fp, "%s %s client %u %.3fs\n%s\n", dir, address,
	    c->idx + c->e->o.first_client, sc_clock_now() - c->e->t_start,
	    text);
	fflush(fp);
}

/*
 * Adds a timer `after` seconds from now.  libevent counts from the time
 * it cached when the loop woke up, which can be well before now in a busy
 * callback: a timed step would end early.  Refresh the cache first.
 */
void
sc_client_timer_add(struct client *c, struct event *ev, double after)
{
	struct timeval tv = sc_clock_tv(after);

	event_base_update_cache_time(c->e->base);
	evtimer_add(ev, &tv);
}

/* Arms the client's timer for `after` seconds, capped by its deadline. */
void
sc_client_arm(struct client *c, double after)
{
	double		left = c->deadline - sc_clock_now();

	/* Remember the cut: the timer then ends the step, not its course. */
	c->capped = c->deadline > 0 && after > left;
	if (c->capped)
		after = left;
	sc_client_timer_add(c, c->timer, after);
}

void
sc_client_stop_ticks(struct client *c)
{
	event_del(c->tick);
	c->ping_sent = 0;
	c->pong_due = 0;
	c->refresh_deadline = 0;
}

/* The binding is gone with the flow; say so once. */
void
sc_client_flow_down(struct client *c, enum sc_verdict why)
{
	if (!c->registered)
		return;
	c->registered = 0;
	if (c->e->cbs.on_flow != NULL)
		c->e->cbs.on_flow(c->idx + c->e->o.first_client, 0, why,
		    c->e->arg);
}

void
sc_client_drop_flow(struct client *c)
{
	sc_revcheck_free(c->rev);	/* its answer is no use any more */
	c->rev = NULL;
	if (c->scratch != NULL) {
		sc_cert_report_clear(c->scratch);
		free(c->scratch);
		c->scratch = NULL;
	}
	sc_flow_free(c->flow);
	c->flow = NULL;
	c->up = 0;
}

/* Marks the flow broken or lost now, unless it already was. */
void
sc_client_broken(struct client *c, int deliberate, enum sc_verdict why)
{
	if (c->t_broken <= 0) {
		c->t_broken = sc_clock_now();
		c->deliberate = deliberate;
	}
	sc_client_flow_down(c, why);
}

double
sc_client_within(const struct client *c, const struct sc_step *s)
{
	double w = s->within > 0 ? s->within : c->e->o.timeout;

	return w > 0 ? w : 10;
}

void
sc_client_begin(struct client *c, const struct sc_step *s)
{
	c->step = s;
	c->t_step = sc_clock_now();
	c->t_within = c->t_step;
	c->step_until = 0;
	c->attempts = 0;
	c->retry_verdict = SC_OK;
	switch (s->kind) {
	case SC_STEP_CONNECT:
		sc_client_connect_now(c);
		break;
	case SC_STEP_RECONNECT:
		if (sc_client_reconnect_delay(c, s) > 0) {
			sc_client_drop_flow(c);
			c->attempts = 0;
			c->tls_phase = 0;
			c->retry_verdict = SC_OK;
			sc_client_arm(c, sc_client_reconnect_delay(c, s));
		} else
			sc_client_connect_now(c);
		break;
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		sc_client_sip_begin(c);
		break;
	case SC_STEP_KEEPALIVE:
		sc_client_keepalive_begin(c, s->every > 0 ? s->every :
		    ENGINE_PING_EVERY, s->duration);
		break;
	case SC_STEP_HOLD:
		sc_client_keepalive_begin(c, s->every > 0 ? s->every :
		    ENGINE_HOLD_EVERY, s->duration > 0 ? s->duration :
		    ENGINE_HOLD_FOR);
		break;
	case SC_STEP_BREAK:
		if (c->flow == NULL) {
			sc_client_step_end(c, SC_FLOW_DEAD, 0,
			    "no connection to break");
			break;
		}
		sc_flow_break(c->flow, s->how);
		if (s->how == SC_BREAK_SILENT_DROP) {
			sc_flow_free(c->zombie);
			c->zombie = c->flow;
			c->flow = NULL;
			c->up = 0;
		} else
			sc_client_drop_flow(c);
		c->t_broken = 0;
		sc_client_broken(c, 1, SC_OK);
		sc_client_step_end(c, SC_OK, 0, NULL);
		break;
	case SC_STEP_MAINTAIN:
		sc_client_maintain_begin(c);
		break;
	case SC_STEP_WAIT:
		c->step_until = sc_clock_now() + s->duration;
		sc_client_arm(c, s->duration);
		break;
	default:
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0, "unknown step");
		break;
	}
}

/*
 * A step that its client's deadline leaves no time to start: the steps
 * before it took the time (a slow server, or a loop running late), so a
 * network step gets its layer's timeout verdict, as if it had started
 * and run out.  Other steps only say the run ended.
 */
static enum sc_verdict
client_late_verdict(const struct sc_step *s)
{
	switch (s->kind) {
	case SC_STEP_CONNECT:
	case SC_STEP_RECONNECT:
		return SC_TCP_TIMEOUT;
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		return SC_SIP_TIMEOUT;
	default:
		return SC_INTERNAL_ERROR;
	}
}

/*
 * A connect or reconnect step's timer: the wait before an attempt is
 * over, or the step's deadline passed.
 */
static void
client_connect_timer(struct client *c, const struct sc_step *s, double now)
{
	char	why[160];
	int	in_run = c->deadline <= 0 || now < c->deadline - 1e-6;

	if (s->kind == SC_STEP_RECONNECT && c->flow == NULL &&
	    now < c->t_within + sc_client_within(c, s) - 1e-6 && in_run) {
		/* The backoff is over: try again. */
		sc_client_connect_now(c);
		return;
	}
	if (s->kind == SC_STEP_RECONNECT && c->flow == NULL &&
	    c->attempts == 0 && c->retry_verdict == SC_OK && in_run) {
		/*
		 * The wait before the first attempt is over.  It is not part
		 * of `within`: a persistent flow backing off for longer than
		 * its timeout must still try.
		 */
		c->t_within = now;
		sc_client_connect_now(c);
		return;
	}
	if (c->flow == NULL && c->retry_verdict != SC_OK) {
		sc_client_step_end(c, c->retry_verdict, 0, c->retry_error);
		return;
	}
	snprintf(why, sizeof(why), c->tls_phase == 2 ?
	    "no answer to the WebSocket upgrade after %.1f s" : c->tls_phase ?
	    "TLS handshake not complete after %.1f s" :
	    "no TCP connection after %.1f s", now - c->t_phase);
	sc_client_drop_flow(c);
	sc_client_step_end(c, c->tls_phase == 2 ? SC_WS_UPGRADE_FAILED :
	    c->tls_phase ? SC_TLS_TIMEOUT : SC_TCP_TIMEOUT, 0, why);
}

/* A SIP step's deadline (or Timer F): no final response came. */
static void
client_sip_timeout(struct client *c, const struct sc_step *s, double now)
{
	char	why[160];

	snprintf(why, sizeof(why), "no final response to %s after %.1f s",
	    s->kind == SC_STEP_OPTIONS ? "OPTIONS" : "REGISTER",
	    now - c->t_req);
	sc_client_step_end(c, SC_SIP_TIMEOUT, 0, why);
}

/*
 * A keepalive or hold step's timer: a keepalive without "for" waited for
 * its one pong in vain; otherwise the step's time is over.
 */
static void
client_alive_timer(struct client *c, const struct sc_step *s, double now)
{
	char	why[160];

	if (s->kind == SC_STEP_KEEPALIVE && s->duration <= 0) {
		snprintf(why, sizeof(why), "no keep-alive pong within %.1f s",
		    now - c->t_step);
		sc_client_drop_flow(c);
		sc_client_step_end(c, SC_FLOW_DEAD, 0, why);
	} else
		sc_client_step_end(c, SC_OK, 0, NULL);
}

/* The timer: a deadline, the end of a timed step, or "go on". */
void
sc_client_timer(evutil_socket_t fd, short what, void *arg)
{
	struct client		*c = arg;
	const struct sc_step	*s = c->step;
	double			 now = sc_clock_now();

	(void)fd; (void)what;
	if (c->next_pending) {
		c->next_pending = 0;
		sc_client_next(c);
		return;
	}
	if (s == NULL || c->done)
		return;
	/* Cut by the run's end: network steps time out as their layer. */
	if (c->capped && client_late_verdict(s) == SC_INTERNAL_ERROR) {
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0,
		    "stopped: the run's duration is over");
		return;
	}
	switch (s->kind) {
	case SC_STEP_CONNECT:
	case SC_STEP_RECONNECT:
		client_connect_timer(c, s, now);
		break;
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		client_sip_timeout(c, s, now);
		break;
	case SC_STEP_KEEPALIVE:
	case SC_STEP_HOLD:
		client_alive_timer(c, s, now);
		break;
	default:
		sc_client_step_end(c, SC_OK, 0, NULL);
		break;
	}
}

/* Did the step's expectation hold? */
static int
client_held(const struct sc_step *s, enum sc_verdict v, int status)
{
	if (s->expect_verdict >= 0)
		return (int)v == s->expect_verdict;
	if (s->expect_status > 0)
		return status == s->expect_status;
	return v == SC_OK;
}

/* The step stack holds the scenario alone, at its first step. */
void
sc_client_rewind(struct client *c)
{
	const struct sc_scenario *sc = c->e->o.scenario;

	c->stack[0].steps = sc->steps;
	c->stack[0].n = sc->nsteps;
	c->stack[0].pc = 0;
	c->stack[0].left = 1;
	c->depth = 1;
}

/* Back to the first step (loop mode), from the event loop. */
static void
client_restart(struct client *c)
{
	sc_client_rewind(c);
	c->next_pending = 1;
	event_active(c->timer, EV_TIMEOUT, 0);
}

/* The client's result takes the verdict of its first failed step. */
static void
client_first_failure(struct sc_result *r, const struct sc_step *s,
    enum sc_verdict v, int status, const char *error)
{
	const char *label = s->label != NULL ? s->label :
	    sc_step_kind_str(s->kind);

	r->verdict = v != SC_OK ? v : SC_SIP_4XX;
	if (v == SC_OK && status >= 200 && status < 300)
		r->verdict = SC_SIP_4XX;
	snprintf(r->error, sizeof(r->error), "%s: %s", label,
	    error != NULL ? error : sc_verdict_str(v));
	if (v == SC_OK && s->expect_status > 0)
		snprintf(r->error, sizeof(r->error), "%s: expected %d, got %d",
		    label, s->expect_status, status);
	sc_util_utf8_cut(r->error);
}

void
sc_client_step_end(struct client *c, enum sc_verdict v, int status,
    const char *error)
{
	struct sc_engine	*e = c->e;
	const struct sc_step	*s = c->step;
	struct sc_step_event	 ev;
	double			 now = sc_clock_now();

	if (s == NULL || c->done)
		return;
	event_del(c->timer);
	sc_client_stop_ticks(c);
	c->step = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.client = c->idx + e->o.first_client;
	ev.step = s;
	ev.verdict = v;
	ev.status = status;
	ev.seconds = now - c->t_step;
	ev.at = now;
	ev.held = client_held(s, v, status);
	ev.error = error != NULL && error[0] != '\0' ? error : NULL;
	if (!ev.held && e->o.loop && !e->stopping && !c->last_step) {
		/* A persistent flow starts over; its reconnect backs off. */
		c->consecutive++;
		if (e->cbs.on_step != NULL)
			e->cbs.on_step(&ev, e->arg);
		client_restart(c);
		return;
	}
	if (!ev.held && !c->failed) {
		c->failed = 1;
		if (c->res != NULL)
			client_first_failure(c->res, s, v, status, ev.error);
	}
	if (s->kind == SC_STEP_REGISTER || (s->kind == SC_STEP_OPTIONS &&
	    e->o.options_alive != NULL))
		c->first_register_done = 1;
	if (e->cbs.on_step != NULL)
		e->cbs.on_step(&ev, e->arg);
	if (c->failed || c->last_step) {
		sc_client_finish(c);
		return;
	}
	/* The next step starts from the loop, not from inside this one. */
	c->next_pending = 1;
	event_active(c->timer, EV_TIMEOUT, 0);
}

void
sc_client_next(struct client *c)
{
	struct frame		*f;
	const struct sc_step	*s;

	while (c->depth > 0 && !c->done) {
		f = &c->stack[c->depth - 1];
		if (f->pc >= f->n) {
			if (f->left > 1) {
				f->left--;
				f->pc = 0;
				continue;
			}
			c->depth--;
			continue;
		}
		s = &f->steps[f->pc++];
		if (s->kind == SC_STEP_REPEAT) {
			if (s->count > 0 && s->nbody > 0 &&
			    c->depth < ENGINE_MAX_DEPTH) {
				f = &c->stack[c->depth++];
				f->steps = s->body;
				f->n = s->nbody;
				f->pc = 0;
				f->left = s->count;
			}
			continue;
		}
		if (s->kind == SC_STEP_BREAK && f->pc >= 2 && c->registered &&
		    c->e->o.defer_break != NULL &&
		    c->e->o.defer_break(c->idx + c->e->o.first_client,
		    c->e->o.defer_arg)) {
			f->pc -= 2;	/* the step before the break, again */
			continue;
		}
		if (c->deadline > 0 && sc_clock_now() >= c->deadline) {
			char why[128];

			c->step = s;
			c->t_step = sc_clock_now();
			snprintf(why, sizeof(why), "not started: the run's "
			    "%.1f s were over when the step came",
			    c->e->duration);
			sc_client_step_end(c, client_late_verdict(s), 0, why);
			return;
		}
		sc_client_begin(c, s);
		return;
	}
	if (c->e->o.loop && !c->e->stopping && !c->done) {
		client_restart(c);
		return;
	}
	sc_client_finish(c);
}
