/*
 * client_sip.c - a client's SIP steps: register, reregister, unregister
 * and options (engine.h lists the files of the engine).
 *
 * Owns: the client's REGISTER binding and OPTIONS transaction, sending
 * their requests (again after a challenge), and what their responses
 * mean for the step, the first-probe timings and the flow being up.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg.h>

#include "clock.h"
#include "engine.h"
#include "flow.h"
#include "reg.h"

int
sc_client_send(struct client *c, char *wire, size_t len, char *redacted)
{
	int rc;

	sc_client_trace(c, "-->", redacted != NULL ? redacted : "");
	rc = c->flow != NULL ? sc_flow_send(c->flow, wire, len) : -1;
	explicit_bzero(wire, len);
	free(wire);
	free(redacted);
	if (rc == -1) {
		sc_client_step_end(c, SC_SIP_CONNECTION_CLOSED, 0,
		    "cannot send on the connection");
		return -1;
	}
	if (c->res != NULL)
		c->res->requests_sent++;
	return 0;
}

static struct reg *
client_new_reg(struct client *c)
{
	struct reg_params	 rp;
	char			 ip[64];
	unsigned		 port;

	if (c->flow == NULL || sc_flow_local(c->flow, ip, sizeof(ip), &port) ==
	    -1)
		return NULL;
	memset(&rp, 0, sizeof(rp));
	rp.domain = c->e->o.domain;
	rp.user = c->user[0] != '\0' ? c->user : NULL;
	rp.password = c->e->o.password;
	rp.local_ip = ip;
	rp.local_port = port;
	rp.user_agent = "sipcanary/" PACKAGE_VERSION;
	/* A client that reconnects keeps one binding, as a phone does. */
	rp.contact_token = c->e->o.loop ? c->token : NULL;
	rp.ws = c->e->o.ws.on;
	return sc_reg_new(&rp);
}

/* Sends the current SIP step's request (again, after a challenge). */
static void
client_sip_send(struct client *c)
{
	const struct sc_step	*s = c->step;
	char			*wire, *red, err[256];
	size_t			 len;
	unsigned		 exp;

	if (s->kind == SC_STEP_OPTIONS)
		wire = sc_reg_build_options(c->opt, &len, &red, err,
		    sizeof(err));
	else if (s->kind == SC_STEP_UNREGISTER && s->all)
		wire = sc_reg_build_remove_all(c->reg, &len, &red, err,
		    sizeof(err));
	else {
		exp = s->kind == SC_STEP_UNREGISTER ? 0 :
		    s->expires > 0 ? s->expires : ENGINE_EXPIRES;
		/* After a 423 the binding asks for its raised expiry. */
		if (s->kind != SC_STEP_UNREGISTER &&
		    sc_reg_expires(c->reg) > exp)
			exp = sc_reg_expires(c->reg);
		wire = sc_reg_build(c->reg, exp, &len, &red, err, sizeof(err));
	}
	if (wire == NULL) {
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0, err);
		return;
	}
	(void)sc_client_send(c, wire, len, red);
}

void
sc_client_sip_begin(struct client *c)
{
	const struct sc_step *s = c->step;

	if (c->flow == NULL || !c->up) {
		sc_client_step_end(c, SC_FLOW_DEAD, 0,
		    "no connection: connect first");
		return;
	}
	if (s->kind == SC_STEP_OPTIONS) {
		sc_reg_free(c->opt);
		c->opt = client_new_reg(c);
	} else if (s->kind == SC_STEP_REGISTER || c->reg == NULL) {
		sc_reg_free(c->reg);
		c->reg = client_new_reg(c);
	}
	if ((s->kind == SC_STEP_OPTIONS ? c->opt : c->reg) == NULL) {
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0,
		    "cannot start the transaction");
		return;
	}
	c->t_req = sc_clock_now();
	/* Timer F bounds a non-INVITE transaction whatever `within` says. */
	sc_client_arm(c, fmin(sc_client_within(c, s), ENGINE_TIMER_F));
	client_sip_send(c);
}

/*
 * The verdict of an OPTIONS answered with status, for a client without
 * an account: a status the caller counts as alive is ok whatever its
 * class (a trunk answering 404 to an unknown user is up).
 */
enum sc_verdict
sc_client_options_verdict(const struct client *c, int status,
    enum sc_verdict v)
{
	const struct sc_statuses *alive = c->e->o.options_alive;

	if (alive == NULL)
		return v;
	if (sc_statuses_has(alive, status))
		return SC_OK;
	return v == SC_OK ? SC_SIP_4XX : v;
}

/* The first response of the client's first SIP step, timed once. */
static void
client_first_response(struct client *c, int first, double now)
{
	if (first && c->res != NULL && c->res->t.first_response < 0)
		c->res->t.first_response = now - c->t_req;
}

void
sc_client_on_response(struct client *c, msg_t *msg)
{
	const struct sc_step	*s = c->step;
	struct reg		*r;
	enum sc_verdict		 v = SC_INTERNAL_ERROR;
	char			 why[256];
	double			 now = sc_clock_now();
	int			 first;

	if (s != NULL && s->kind == SC_STEP_MAINTAIN &&
	    c->refresh_deadline > 0) {
		sc_client_maintain_response(c, msg);
		return;
	}
	if (s == NULL || (s->kind != SC_STEP_REGISTER &&
	    s->kind != SC_STEP_REREGISTER && s->kind != SC_STEP_UNREGISTER &&
	    s->kind != SC_STEP_OPTIONS))
		return;		/* late or unsolicited: not part of a step */
	r = s->kind == SC_STEP_OPTIONS ? c->opt : c->reg;
	/* Without an account, the first OPTIONS is the first response. */
	first = !c->first_register_done && (s->kind == SC_STEP_REGISTER ||
	    (s->kind == SC_STEP_OPTIONS && c->e->o.options_alive != NULL));
	switch (sc_reg_response(r, msg, &v, why, sizeof(why))) {
	case REG_IGNORE:
		break;
	case REG_PROVISIONAL:
		client_first_response(c, first, now);
		break;
	case REG_RESEND:
		client_first_response(c, first, now);
		client_sip_send(c);
		break;
	case REG_DONE:
		if (s->kind == SC_STEP_OPTIONS)
			v = sc_client_options_verdict(c,
			    sc_reg_final_status(r), v);
		if (first && c->res != NULL) {
			client_first_response(c, first, now);
			c->res->final_status = sc_reg_final_status(r);
			if (sc_reg_auth_algorithm(r) != NULL)
				snprintf(c->res->auth_algorithm,
				    sizeof(c->res->auth_algorithm), "%s",
				    sc_reg_auth_algorithm(r));
			if (v == SC_OK && s->kind == SC_STEP_REGISTER) {
				c->res->t.registered = now - c->t_req;
				c->res->expires = sc_reg_granted(r);
			}
		}
		if (v == SC_OK && (s->kind != SC_STEP_OPTIONS ||
		    c->e->o.options_alive != NULL) &&
		    s->kind != SC_STEP_UNREGISTER) {
			if (c->t_broken > 0 && c->e->cbs.on_reconnect != NULL)
				c->e->cbs.on_reconnect(c->idx +
				    c->e->o.first_client, now - c->t_broken,
				    c->deliberate, c->e->arg);
			c->t_broken = 0;
			c->consecutive = 0;
			if (!c->registered) {
				c->registered = 1;
				if (c->e->cbs.on_flow != NULL)
					c->e->cbs.on_flow(c->idx +
					    c->e->o.first_client, 1, SC_OK,
					    c->e->arg);
			}
		}
		if (v == SC_OK && s->kind == SC_STEP_UNREGISTER)
			sc_client_flow_down(c, SC_OK);
		sc_client_step_end(c, v, sc_reg_final_status(r), why);
		break;
	}
}
