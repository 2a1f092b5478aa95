/*
 * client_alive.c - a client's idle steps (engine.h lists the files of the
 * engine): keepalive and hold send RFC 5626 CRLFCRLF pings on a tick;
 * maintain keeps a registered flow alive with pings and refreshes the
 * registration before it expires.  A flow without an account (its client
 * holds an OPTIONS transaction and no binding) is maintained with an
 * OPTIONS every keep-alive interval instead of refreshes, and with CRLF
 * pings only while the peer answers them (RFC 5626 pongs are optional
 * for a server that is no edge proxy).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <event2/event.h>
#include <sofia-sip/msg.h>

#include "clock.h"
#include "engine.h"
#include "flow.h"
#include "reg.h"

void
sc_client_tick(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	char		 why[128];

	(void)fd; (void)what;
	if (c->ping_sent > 0) {
		snprintf(why, sizeof(why), "no keep-alive pong within %.1f s",
		    sc_clock_now() - c->ping_sent);
		sc_client_drop_flow(c);
		sc_client_broken(c, 0, SC_FLOW_DEAD);
		sc_client_step_end(c, SC_FLOW_DEAD, 0, why);
		return;
	}
	if (c->flow == NULL || sc_flow_send(c->flow, "\r\n\r\n", 4) == -1) {
		sc_client_step_end(c, SC_FLOW_DEAD, 0,
		    "the connection is gone");
		return;
	}
	c->ping_sent = sc_clock_now();
	c->pings++;
}

void
sc_client_keepalive_begin(struct client *c, double every, double duration)
{
	if (c->flow == NULL || !c->up) {
		sc_client_step_end(c, SC_FLOW_DEAD, 0,
		    "no connection: connect first");
		return;
	}
	/* A keepalive without "for" is one ping: within bounds its pong. */
	if (every > 0 && (c->step->kind != SC_STEP_KEEPALIVE ||
	    duration > 0)) {
		event_assign(c->tick, c->e->base, -1, EV_PERSIST,
		    sc_client_tick, c);
		sc_client_timer_add(c, c->tick, every);
	}
	if (c->step->kind == SC_STEP_KEEPALIVE)
		sc_client_tick(-1, 0, c);	/* the first ping goes now */
	if (c->done || c->step == NULL)
		return;
	if (duration > 0) {
		c->step_until = sc_clock_now() + duration;
		sc_client_arm(c, duration);
	} else
		sc_client_arm(c, sc_client_within(c, c->step));
}

/* A flow kept up by OPTIONS alone: no binding, an accountless run. */
static int
client_options_flow(const struct client *c)
{
	return c->reg == NULL && c->opt != NULL &&
	    c->e->o.options_alive != NULL;
}

static double
client_refresh_in(const struct client *c)
{
	double half;

	if (client_options_flow(c))
		return c->ka_every;
	half = (double)sc_reg_granted(c->reg) / 2;

	/* RFC 3261 §10.2.4 lets a client refresh any time before expiry. */
	return half < 5 ? 5 : half;
}

static void
client_maintain_arm(struct client *c)
{
	double		next = c->ping_due, now = sc_clock_now();

	if (c->pong_due > 0 && c->pong_due < next)
		next = c->pong_due;
	if (c->refresh_deadline > 0) {
		if (c->refresh_deadline < next)
			next = c->refresh_deadline;
	} else if (c->refresh_due < next)
		next = c->refresh_due;
	sc_client_timer_add(c, c->tick, next - now);
}

static void
client_maintain_refresh(struct client *c)
{
	const struct sc_step	*s = c->step;
	char			*wire, *red, err[256];
	size_t			 len;
	unsigned		 exp = s->expires > 0 ? s->expires :
				    ENGINE_EXPIRES;

	if (client_options_flow(c))
		wire = sc_reg_build_options(c->opt, &len, &red, err,
		    sizeof(err));
	else {
		if (sc_reg_expires(c->reg) > exp)
			exp = sc_reg_expires(c->reg);
		wire = sc_reg_build(c->reg, exp, &len, &red, err, sizeof(err));
	}
	if (wire == NULL) {
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0, err);
		return;
	}
	if (sc_client_send(c, wire, len, red) == -1)
		return;
	if (c->refresh_deadline <= 0)
		c->refresh_deadline = sc_clock_now() +
		    fmin(sc_client_within(c, s), ENGINE_TIMER_F);
}

void
sc_client_maintain_response(struct client *c, msg_t *msg)
{
	enum sc_verdict	v = SC_INTERNAL_ERROR;
	char		why[256];
	struct reg	*r = client_options_flow(c) ? c->opt : c->reg;

	switch (sc_reg_response(r, msg, &v, why, sizeof(why))) {
	case REG_IGNORE:
	case REG_PROVISIONAL:
		return;
	case REG_RESEND:
		client_maintain_refresh(c);
		return;
	case REG_DONE:
		break;
	}
	c->refresh_deadline = 0;
	if (r == c->opt)
		v = sc_client_options_verdict(c, sc_reg_final_status(r), v);
	if (v != SC_OK) {
		/* A binding the registrar would not refresh will lapse. */
		sc_client_flow_down(c, v);
		sc_client_step_end(c, v, sc_reg_final_status(r), why);
		return;
	}
	c->refresh_due = sc_clock_now() + client_refresh_in(c);
	event_del(c->tick);
	client_maintain_arm(c);
}

static void
client_maintain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	double		 now = sc_clock_now();
	char		 why[160];

	(void)fd; (void)what;
	if (c->step == NULL || c->step->kind != SC_STEP_MAINTAIN)
		return;
	if (c->pong_due > 0 && now >= c->pong_due - 1e-6 && c->pongs == 0 &&
	    client_options_flow(c)) {
		/* A peer that never answered CRLF: OPTIONS alone keep it. */
		c->crlf_off = 1;
		c->pong_due = 0;
		c->ping_sent = 0;
	}
	if (c->pong_due > 0 && now >= c->pong_due - 1e-6) {
		snprintf(why, sizeof(why), "no keep-alive pong within %.1f s",
		    now - c->ping_sent);
		sc_client_drop_flow(c);
		sc_client_broken(c, 0, SC_FLOW_DEAD);
		sc_client_step_end(c, SC_FLOW_DEAD, 0, why);
		return;
	}
	if (c->refresh_deadline > 0 && now >= c->refresh_deadline - 1e-6) {
		snprintf(why, sizeof(why), "no final response to the refresh "
		    "REGISTER after %.1f s", now - c->t_req);
		sc_client_flow_down(c, SC_SIP_TIMEOUT);
		sc_client_step_end(c, SC_SIP_TIMEOUT, 0, why);
		return;
	}
	if (now >= c->ping_due - 1e-6 && c->pong_due <= 0 && !c->crlf_off) {
		if (c->flow == NULL ||
		    sc_flow_send(c->flow, "\r\n\r\n", 4) == -1) {
			sc_client_broken(c, 0, SC_FLOW_DEAD);
			sc_client_step_end(c, SC_FLOW_DEAD, 0,
			    "the connection is gone");
			return;
		}
		c->ping_sent = now;
		c->pings++;
		c->pong_due = now + sc_client_within(c, c->step);
		c->ping_due = now + c->ka_every;
	} else if (now >= c->ping_due - 1e-6)
		c->ping_due = now + c->ka_every;
	if (c->refresh_deadline <= 0 && now >= c->refresh_due - 1e-6) {
		c->t_req = now;
		client_maintain_refresh(c);
		if (c->step == NULL || c->done)
			return;
	}
	client_maintain_arm(c);
}

void
sc_client_maintain_begin(struct client *c)
{
	const struct sc_step	*s = c->step;
	double			 now = sc_clock_now();

	if (c->flow == NULL || !c->up || !c->registered ||
	    (c->reg == NULL && !client_options_flow(c))) {
		sc_client_step_end(c, SC_FLOW_DEAD, 0,
		    "not registered: register first");
		return;
	}
	c->ka_every = s->every > 0 ? s->every : ENGINE_HOLD_EVERY;
	c->ping_due = now + c->ka_every;
	c->pong_due = 0;
	c->refresh_due = now + client_refresh_in(c);
	c->refresh_deadline = 0;
	event_assign(c->tick, c->e->base, -1, 0, client_maintain_tick, c);
	client_maintain_arm(c);
	if (s->duration > 0) {
		c->step_until = now + s->duration;
		sc_client_arm(c, s->duration);
	}
}
