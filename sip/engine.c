/*
 * engine.c - the scenario engine: simulated clients, each a small state
 * machine that walks its scenario's steps on the shared event loop.
 *
 * A client owns at most one live flow (plus one silently dropped flow
 * kept open, as a dead NAT binding would), one REGISTER binding and one
 * OPTIONS transaction.  Each step arms the client's timer with its
 * deadline; every step ends in client_step_end(), which reports the step,
 * checks its expectation and schedules the next step through the same
 * timer, so that no step ever runs inside another's callback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "cert.h"
#include "clock.h"
#include "flow.h"
#include "reg.h"
#include "sipcanary.h"
#include "util.h"

#define ENGINE_MAXMSG		65536
#define ENGINE_TIMER_F		32.0	/* 64 * T1, RFC 3261 §17.1.2.2 */
#define ENGINE_MAX_DEPTH	8	/* nested repeat blocks */
#define ENGINE_RAMP_TICK	0.005	/* seconds between ramp steps */
#define ENGINE_EXPIRES		300
#define ENGINE_PING_EVERY	1.0	/* keepalive default */
#define ENGINE_HOLD_EVERY	30.0	/* hold: RFC 5626 suggests 95-120s */
#define ENGINE_HOLD_FOR		30.0

struct frame {
	const struct sc_step	*steps;
	size_t			 n;
	size_t			 pc;
	unsigned		 left;		/* repeat rounds left */
};

struct client {
	struct sc_engine	*e;
	unsigned		 idx;
	char			 user[128];
	char			 token[20];	/* names its binding */
	size_t			 fe;		/* frontend index */
	struct flow		*flow;
	struct flow		*zombie;	/* silently dropped */
	int			 up;		/* flow verified and usable */
	SSL_SESSION		*session;	/* for resume = yes */
	struct reg		*reg;
	struct reg		*opt;
	struct frame		 stack[ENGINE_MAX_DEPTH];
	int			 depth;
	const struct sc_step	*step;
	double			 t_step;
	double			 t_within;	/* start of the step's deadline */
	double			 t_phase;	/* start of TCP or TLS phase */
	int			 tls_phase;	/* connect: TCP done */
	double			 deadline;	/* of the client (duration) */
	double			 step_until;	/* hold/keepalive/wait end */
	struct event		*timer;
	struct event		*tick;
	double			 ping_sent;	/* 0: none outstanding */
	unsigned		 pings, pongs;
	double			 t_broken;	/* 0: not broken */
	int			 deliberate;	/* t_broken came from a break */
	int			 registered;	/* the flow holds a binding */
	unsigned		 consecutive;	/* failures in a row (loop) */
	int			 last_step;	/* shutdown: finish after this */
	/* maintain: the next things due on the tick */
	double			 ping_due;
	double			 pong_due;	/* 0: no ping outstanding */
	double			 refresh_due;
	double			 refresh_deadline; /* 0: no refresh in flight */
	double			 ka_every;
	unsigned		 attempts;	/* reconnect attempts */
	enum sc_verdict		 retry_verdict;
	char			 retry_error[256];
	double			 t_req;		/* first request of a SIP step */
	int			 first_connect_done;
	int			 first_register_done;
	int			 running;
	int			 failed;
	int			 done;
	int			 next_pending;	/* timer is scheduling next step */
	int			 capped;	/* timer cut short by the deadline */
	struct sc_result	 res;
};

struct sc_engine {
	struct event_base	*base;
	struct sc_engine_opts	 o;
	struct sc_engine_cbs	 cbs;
	void			*arg;
	struct client		*clients;
	unsigned		 nclients;
	double			 ramp;
	double			 duration;
	unsigned		 started, active, finished, ok, failed;
	struct event		*ramp_ev;
	struct event		*done_ev;
	struct event		*stop_ev;	/* the run's duration */
	double			 t_start;
	int			 stopping;
	int			 done_sent;
};

/* The unregister a client sends when the engine shuts down. */
static const struct sc_step engine_unregister_step = {
	.kind = SC_STEP_UNREGISTER,
	.label = "shutdown",
	.expect_verdict = -1,
	.within = 2.0,
};

static void	client_next(struct client *);
static void	client_step_end(struct client *, enum sc_verdict, int,
		    const char *);
static void	client_finish(struct client *);
static void	client_connect_now(struct client *);
static void	engine_check_done(struct sc_engine *);
static void	engine_duration_cb(evutil_socket_t, short, void *);
static void	client_maintain_response(struct client *, msg_t *);
static void	client_restart(struct client *);

/* --- small helpers ------------------------------------------------------ */

static double
engine_jitter(double lo, double hi)
{
	unsigned int r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)rand();
	return lo + (hi - lo) * ((double)r / (double)UINT32_MAX);
}

static void
client_trace(struct client *c, const char *dir, const char *text)
{
	FILE *fp = c->e->o.trace;

	if (fp == NULL)
		return;
	fprintf(fp, "%s %s client %u %.3fs\n%s\n", dir, c->res.address,
	    c->idx + c->e->o.first_client, sc_clock_now() - c->e->t_start, text);
	fflush(fp);
}

/*
 * Adds a timer `after` seconds from now.  libevent counts from the time
 * it cached when the loop woke up, which can be well before now in a busy
 * callback: a timed step would end early.  Refresh the cache first.
 */
static void
client_timer_add(struct client *c, struct event *ev, double after)
{
	struct timeval tv = sc_clock_tv(after);

	event_base_update_cache_time(c->e->base);
	evtimer_add(ev, &tv);
}

/* Arms the client's timer for `after` seconds, capped by its deadline. */
static void
client_arm(struct client *c, double after)
{
	double		left = c->deadline - sc_clock_now();

	/* Remember the cut: the timer then ends the step, not its course. */
	c->capped = c->deadline > 0 && after > left;
	if (c->capped)
		after = left;
	client_timer_add(c, c->timer, after);
}

static void
client_stop_ticks(struct client *c)
{
	event_del(c->tick);
	c->ping_sent = 0;
	c->pong_due = 0;
	c->refresh_deadline = 0;
}

/* The binding is gone with the flow; say so once. */
static void
client_flow_down(struct client *c, enum sc_verdict why)
{
	if (!c->registered)
		return;
	c->registered = 0;
	if (c->e->cbs.on_flow != NULL)
		c->e->cbs.on_flow(c->idx + c->e->o.first_client, 0, why,
		    c->e->arg);
}

static void
client_drop_flow(struct client *c)
{
	sc_flow_free(c->flow);
	c->flow = NULL;
	c->up = 0;
}

/* Marks the flow broken or lost now, unless it already was. */
static void
client_broken(struct client *c, int deliberate, enum sc_verdict why)
{
	if (c->t_broken <= 0) {
		c->t_broken = sc_clock_now();
		c->deliberate = deliberate;
	}
	client_flow_down(c, why);
}

static double
client_within(const struct client *c, const struct sc_step *s)
{
	double w = s->within > 0 ? s->within : c->e->o.timeout;

	return w > 0 ? w : 10;
}

/* --- SIP steps ---------------------------------------------------------- */

static int
client_send(struct client *c, char *wire, size_t len, char *redacted)
{
	int rc;

	client_trace(c, "-->", redacted != NULL ? redacted : "");
	rc = c->flow != NULL ? sc_flow_send(c->flow, wire, len) : -1;
	explicit_bzero(wire, len);
	free(wire);
	free(redacted);
	if (rc == -1) {
		client_step_end(c, SC_SIP_CONNECTION_CLOSED, 0,
		    "cannot send on the connection");
		return -1;
	}
	c->res.requests_sent++;
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
		wire = sc_reg_build_options(c->opt, &len, &red, err, sizeof(err));
	else if (s->kind == SC_STEP_UNREGISTER && s->all)
		wire = sc_reg_build_remove_all(c->reg, &len, &red, err,
		    sizeof(err));
	else {
		exp = s->kind == SC_STEP_UNREGISTER ? 0 :
		    s->expires > 0 ? s->expires : ENGINE_EXPIRES;
		/* After a 423 the binding asks for its raised expiry. */
		if (s->kind != SC_STEP_UNREGISTER && sc_reg_expires(c->reg) > exp)
			exp = sc_reg_expires(c->reg);
		wire = sc_reg_build(c->reg, exp, &len, &red, err, sizeof(err));
	}
	if (wire == NULL) {
		client_step_end(c, SC_INTERNAL_ERROR, 0, err);
		return;
	}
	(void)client_send(c, wire, len, red);
}

static void
client_sip_begin(struct client *c)
{
	const struct sc_step *s = c->step;

	if (c->flow == NULL || !c->up) {
		client_step_end(c, SC_FLOW_DEAD, 0,
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
		client_step_end(c, SC_INTERNAL_ERROR, 0,
		    "cannot start the transaction");
		return;
	}
	c->t_req = sc_clock_now();
	/* Timer F bounds a non-INVITE transaction whatever `within` says. */
	client_arm(c, fmin(client_within(c, s), ENGINE_TIMER_F));
	client_sip_send(c);
}

static void
client_on_response(struct client *c, msg_t *msg)
{
	const struct sc_step	*s = c->step;
	struct reg		*r;
	enum sc_verdict		 v = SC_INTERNAL_ERROR;
	char			 why[256];
	double			 now = sc_clock_now();
	int			 first;

	if (s != NULL && s->kind == SC_STEP_MAINTAIN &&
	    c->refresh_deadline > 0) {
		client_maintain_response(c, msg);
		return;
	}
	if (s == NULL || (s->kind != SC_STEP_REGISTER &&
	    s->kind != SC_STEP_REREGISTER && s->kind != SC_STEP_UNREGISTER &&
	    s->kind != SC_STEP_OPTIONS))
		return;		/* late or unsolicited: not part of a step */
	r = s->kind == SC_STEP_OPTIONS ? c->opt : c->reg;
	first = s->kind == SC_STEP_REGISTER && !c->first_register_done;
	switch (sc_reg_response(r, msg, &v, why, sizeof(why))) {
	case REG_IGNORE:
		break;
	case REG_PROVISIONAL:
		if (first && c->res.t.first_response < 0)
			c->res.t.first_response = now - c->t_req;
		break;
	case REG_RESEND:
		if (first && c->res.t.first_response < 0)
			c->res.t.first_response = now - c->t_req;
		client_sip_send(c);
		break;
	case REG_DONE:
		if (first) {
			if (c->res.t.first_response < 0)
				c->res.t.first_response = now - c->t_req;
			c->res.final_status = sc_reg_final_status(r);
			if (sc_reg_auth_algorithm(r) != NULL)
				snprintf(c->res.auth_algorithm,
				    sizeof(c->res.auth_algorithm), "%s",
				    sc_reg_auth_algorithm(r));
			if (v == SC_OK) {
				c->res.t.registered = now - c->t_req;
				c->res.expires = sc_reg_granted(r);
			}
		}
		if (v == SC_OK && s->kind != SC_STEP_OPTIONS &&
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
			client_flow_down(c, SC_OK);
		client_step_end(c, v, sc_reg_final_status(r), why);
		break;
	}
}

/* --- connect and reconnect ---------------------------------------------- */

static void
client_on_tcp(void *arg)
{
	struct client *c = arg;
	double now = sc_clock_now();

	if (!c->first_connect_done)
		c->res.t.tcp_connect = now - c->t_phase;
	c->t_phase = now;
	c->tls_phase = 1;
}

static void
client_tls_details(SSL *ssl, struct sc_result *r)
{
	int		 nid = 0, hash = 0;
	const char	*name;

	snprintf(r->tls_version, sizeof(r->tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(r->tls_cipher, sizeof(r->tls_cipher), "%s",
	    SSL_get_cipher_name(ssl));
	r->tls_resumed = SSL_session_reused(ssl);
	if ((nid = SSL_get_negotiated_group(ssl)) > 0) {
		name = SSL_group_to_name(ssl, nid);
		snprintf(r->tls_group, sizeof(r->tls_group), "%s",
		    name != NULL ? name : OBJ_nid2sn(nid));
	}
	if (SSL_get_peer_signature_type_nid(ssl, &nid) &&
	    SSL_get_peer_signature_nid(ssl, &hash))
		snprintf(r->tls_peer_sigalg, sizeof(r->tls_peer_sigalg),
		    "%s+%s", nid == EVP_PKEY_EC ? "ECDSA" :
		    nid == EVP_PKEY_RSA ? "RSA-PKCS1" :
		    nid == EVP_PKEY_RSA_PSS ? "RSA-PSS" : OBJ_nid2sn(nid),
		    OBJ_nid2sn(hash));
}

static void
client_on_tls(void *arg)
{
	struct client		*c = arg;
	struct sc_engine	*e = c->e;
	SSL			*ssl = sc_flow_ssl(c->flow);
	struct sc_certreport	 scratch, *cr;
	enum sc_severity	 sev;
	enum sc_verdict		 v;
	double			 now = sc_clock_now();
	int			 first = !c->first_connect_done;

	if (first) {
		c->res.t.tls_handshake = now - c->t_phase;
		client_tls_details(ssl, &c->res);
	}
	/* Drills keep no chains: 10,000 clients would hold 10,000 copies. */
	memset(&scratch, 0, sizeof(scratch));
	cr = first || e->o.keep_certs ? &c->res.cert : &scratch;
	v = sc_cert_evaluate(ssl, e->o.domain, e->o.warn_days, e->o.crit_days,
	    cr, &sev);
	if (first && v == SC_CERT_EXPIRING)
		c->res.severity = sev;
	if (!e->o.keep_certs) {
		enum sc_verdict	cv = cr->verdict;
		char		err[sizeof(cr->error)];

		memcpy(err, cr->error, sizeof(err));
		sc_cert_report_clear(cr);
		cr->verdict = cv;
		memcpy(cr->error, err, sizeof(err));
	}
	c->first_connect_done = 1;
	/*
	 * RFC 5922 §7: never send SIP over an unverified connection, unless
	 * the operator said insecure_skip_verify, explicitly, per target.
	 */
	if (v != SC_OK && v != SC_CERT_EXPIRING && !e->o.insecure) {
		client_drop_flow(c);
		client_step_end(c, v, 0, cr->error);
		return;
	}
	c->up = 1;
	if (e->o.tls_only)
		client_drop_flow(c);
	client_step_end(c, SC_OK, 0, NULL);
}

static void
client_on_msg(msg_t *msg, void *arg)
{
	struct client	*c = arg;
	sip_t		*sip = sip_object(msg);

	if (c->e->o.trace != NULL) {
		size_t	 n;
		char	*s = msg_as_string(msg_home(msg), msg, NULL, 0, &n);

		client_trace(c, "<--", s != NULL ? s : "(unprintable)");
	}
	if (sip->sip_status != NULL)
		client_on_response(c, msg);
	msg_destroy(msg);
}

static void
client_on_pong(void *arg)
{
	struct client	*c = arg;
	double		 rtt;

	if (c->ping_sent <= 0)
		return;		/* servers may answer twice; not our ping */
	rtt = sc_clock_now() - c->ping_sent;
	c->ping_sent = 0;
	c->pong_due = 0;
	c->pongs++;
	if (c->e->cbs.on_keepalive != NULL)
		c->e->cbs.on_keepalive(c->idx + c->e->o.first_client, rtt,
		    c->e->arg);
	/* A keepalive step without "for" is one ping and its pong. */
	if (c->step != NULL && c->step->kind == SC_STEP_KEEPALIVE &&
	    c->step->duration <= 0)
		client_step_end(c, SC_OK, 0, NULL);
}

static int
client_connecting(const struct client *c)
{
	return c->step != NULL && (c->step->kind == SC_STEP_CONNECT ||
	    c->step->kind == SC_STEP_RECONNECT) && !c->up;
}

/* Delay before reconnect attempt n (RFC 5626 §4.5 for rfc5626). */
static double
client_backoff(const struct sc_step *s, unsigned n)
{
	double base, max, w;

	switch (s->backoff) {
	case SC_BACKOFF_FIXED:
		return s->backoff_base > 0 ? s->backoff_base : 1;
	case SC_BACKOFF_RFC5626:
		base = s->backoff_base > 0 ? s->backoff_base : 1;
		max = s->backoff_max > 0 ? s->backoff_max : 30;
		w = base * pow(2, n < 30 ? n : 30);
		if (w > max)
			w = max;
		/* The RFC's jitter: a uniform draw in [50%, 100%]. */
		return engine_jitter(w / 2, w);
	default:
		return 0;
	}
}

static void
client_on_error(enum sc_verdict v, const char *why, void *arg)
{
	struct client *c = arg;

	client_drop_flow(c);
	if (c->step == NULL || c->done) {
		client_broken(c, 0, v);
		return;
	}
	if (client_connecting(c)) {
		if (c->step->kind == SC_STEP_RECONNECT) {
			double delay = client_backoff(c->step, ++c->attempts);

			/* Retry while the step's deadline allows. */
			if (sc_clock_now() + delay < c->t_within +
			    client_within(c, c->step)) {
				c->retry_verdict = v;
				snprintf(c->retry_error,
				    sizeof(c->retry_error), "%s", why);
				c->tls_phase = 0;
				client_arm(c, delay);
				return;
			}
		}
		client_step_end(c, v, 0, why);
		return;
	}
	client_broken(c, 0, SC_FLOW_DEAD);
	switch (c->step->kind) {
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		client_step_end(c, v == SC_SIP_MALFORMED ? v :
		    SC_SIP_CONNECTION_CLOSED, 0, why);
		break;
	default:
		client_step_end(c, SC_FLOW_DEAD, 0, why);
		break;
	}
}

static const struct flow_cbs client_flow_cbs = {
	.on_tcp = client_on_tcp,
	.on_tls = client_on_tls,
	.on_msg = client_on_msg,
	.on_pong = client_on_pong,
	.on_error = client_on_error,
};

static int
client_sockaddr(const struct sc_frontend *f, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, f->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)f->port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, f->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)f->port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static void
client_connect_now(struct client *c)
{
	struct sc_engine	*e = c->e;
	const struct sc_frontend *f = &e->o.frontends[c->fe];
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	enum sc_verdict		 v;
	char			 why[256];

	client_drop_flow(c);
	sc_reg_free(c->reg);
	c->reg = NULL;
	sc_reg_free(c->opt);
	c->opt = NULL;
	c->tls_phase = 0;
	c->t_phase = sc_clock_now();
	if (client_sockaddr(f, &ss, &sslen) == -1) {
		snprintf(why, sizeof(why), "not an IP address: %s", f->host);
		client_step_end(c, SC_INTERNAL_ERROR, 0, why);
		return;
	}
	sc_util_addr_str((struct sockaddr *)&ss, c->res.address,
	    sizeof(c->res.address));
	c->flow = sc_flow_new(e->base, e->o.tls_ctx, e->o.domain, ENGINE_MAXMSG,
	    &client_flow_cbs, c);
	if (c->flow == NULL) {
		client_step_end(c, SC_INTERNAL_ERROR, 0, "out of memory");
		return;
	}
	if (c->step->resume)
		sc_flow_resume(c->flow, &c->session);
	if (e->o.nsources > 0) {
		const struct sockaddr_storage *src =
		    &e->o.sources[c->idx % e->o.nsources];

		if (src->ss_family == ss.ss_family)
			sc_flow_source(c->flow, (const struct sockaddr *)src,
			    src->ss_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in));
	}
	/* The deadline covers every attempt of a reconnect. */
	client_arm(c, c->t_within + client_within(c, c->step) - sc_clock_now());
	if (sc_flow_connect(c->flow, (struct sockaddr *)&ss, sslen, &v, why,
	    sizeof(why)) == -1)
		client_on_error(v, why, c);
}

/* --- keep-alives -------------------------------------------------------- */

static void
client_tick(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	char		 why[128];

	(void)fd; (void)what;
	if (c->ping_sent > 0) {
		snprintf(why, sizeof(why), "no keep-alive pong within %.1f s",
		    sc_clock_now() - c->ping_sent);
		client_drop_flow(c);
		client_broken(c, 0, SC_FLOW_DEAD);
		client_step_end(c, SC_FLOW_DEAD, 0, why);
		return;
	}
	if (c->flow == NULL || sc_flow_send(c->flow, "\r\n\r\n", 4) == -1) {
		client_step_end(c, SC_FLOW_DEAD, 0, "the connection is gone");
		return;
	}
	c->ping_sent = sc_clock_now();
	c->pings++;
}

static void
client_keepalive_begin(struct client *c, double every, double duration)
{
	if (c->flow == NULL || !c->up) {
		client_step_end(c, SC_FLOW_DEAD, 0,
		    "no connection: connect first");
		return;
	}
	/* A keepalive without "for" is one ping: within bounds its pong. */
	if (every > 0 && (c->step->kind != SC_STEP_KEEPALIVE ||
	    duration > 0)) {
		event_assign(c->tick, c->e->base, -1, EV_PERSIST, client_tick,
		    c);
		client_timer_add(c, c->tick, every);
	}
	if (c->step->kind == SC_STEP_KEEPALIVE)
		client_tick(-1, 0, c);		/* the first ping goes now */
	if (c->done || c->step == NULL)
		return;
	if (duration > 0) {
		c->step_until = sc_clock_now() + duration;
		client_arm(c, duration);
	} else
		client_arm(c, client_within(c, c->step));
}


/* --- maintain: a registered flow kept alive and refreshed ---------------- */

static double
client_refresh_in(const struct client *c)
{
	double half = (double)sc_reg_granted(c->reg) / 2;

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
	client_timer_add(c, c->tick, next - now);
}

static void
client_maintain_refresh(struct client *c)
{
	const struct sc_step	*s = c->step;
	char			*wire, *red, err[256];
	size_t			 len;
	unsigned		 exp = s->expires > 0 ? s->expires :
				    ENGINE_EXPIRES;

	if (sc_reg_expires(c->reg) > exp)
		exp = sc_reg_expires(c->reg);
	if ((wire = sc_reg_build(c->reg, exp, &len, &red, err, sizeof(err))) ==
	    NULL) {
		client_step_end(c, SC_INTERNAL_ERROR, 0, err);
		return;
	}
	if (client_send(c, wire, len, red) == -1)
		return;
	if (c->refresh_deadline <= 0)
		c->refresh_deadline = sc_clock_now() +
		    fmin(client_within(c, s), ENGINE_TIMER_F);
}

static void
client_maintain_response(struct client *c, msg_t *msg)
{
	enum sc_verdict	v = SC_INTERNAL_ERROR;
	char		why[256];

	switch (sc_reg_response(c->reg, msg, &v, why, sizeof(why))) {
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
	if (v != SC_OK) {
		/* A binding the registrar would not refresh will lapse. */
		client_flow_down(c, v);
		client_step_end(c, v, sc_reg_final_status(c->reg), why);
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
	if (c->pong_due > 0 && now >= c->pong_due - 1e-6) {
		snprintf(why, sizeof(why), "no keep-alive pong within %.1f s",
		    now - c->ping_sent);
		client_drop_flow(c);
		client_broken(c, 0, SC_FLOW_DEAD);
		client_step_end(c, SC_FLOW_DEAD, 0, why);
		return;
	}
	if (c->refresh_deadline > 0 && now >= c->refresh_deadline - 1e-6) {
		snprintf(why, sizeof(why), "no final response to the refresh "
		    "REGISTER after %.1f s", now - c->t_req);
		client_flow_down(c, SC_SIP_TIMEOUT);
		client_step_end(c, SC_SIP_TIMEOUT, 0, why);
		return;
	}
	if (now >= c->ping_due - 1e-6 && c->pong_due <= 0) {
		if (c->flow == NULL || sc_flow_send(c->flow, "\r\n\r\n", 4) == -1) {
			client_broken(c, 0, SC_FLOW_DEAD);
			client_step_end(c, SC_FLOW_DEAD, 0,
			    "the connection is gone");
			return;
		}
		c->ping_sent = now;
		c->pings++;
		c->pong_due = now + client_within(c, c->step);
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

static void
client_maintain_begin(struct client *c)
{
	const struct sc_step	*s = c->step;
	double			 now = sc_clock_now();

	if (c->flow == NULL || !c->up || c->reg == NULL || !c->registered) {
		client_step_end(c, SC_FLOW_DEAD, 0,
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
		client_arm(c, s->duration);
	}
}

/*
 * The wait before a reconnect step's first attempt: a fixed delay waits,
 * RFC 5626 §4.5 forms the new flow at once and backs off only after
 * failures (attempt n waits per client_backoff(n)).  In loop mode the
 * failures in a row of the persistent flow count.
 */
static double
e_loop_delay(const struct client *c, const struct sc_step *s)
{
	if (!c->e->o.loop)
		return s->backoff == SC_BACKOFF_FIXED ?
		    client_backoff(s, 0) : 0;
	if (c->consecutive == 0)
		return 0;
	return client_backoff(s, c->consecutive - 1);
}

/* --- the step machine --------------------------------------------------- */

static void
client_begin(struct client *c, const struct sc_step *s)
{
	c->step = s;
	c->t_step = sc_clock_now();
	c->t_within = c->t_step;
	c->step_until = 0;
	c->attempts = 0;
	c->retry_verdict = SC_OK;
	switch (s->kind) {
	case SC_STEP_CONNECT:
		client_connect_now(c);
		break;
	case SC_STEP_RECONNECT:
		if (e_loop_delay(c, s) > 0) {
			client_drop_flow(c);
			c->attempts = 0;
			c->tls_phase = 0;
			c->retry_verdict = SC_OK;
			client_arm(c, e_loop_delay(c, s));
		} else
			client_connect_now(c);
		break;
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		client_sip_begin(c);
		break;
	case SC_STEP_KEEPALIVE:
		client_keepalive_begin(c, s->every > 0 ? s->every :
		    ENGINE_PING_EVERY, s->duration);
		break;
	case SC_STEP_HOLD:
		client_keepalive_begin(c, s->every > 0 ? s->every :
		    ENGINE_HOLD_EVERY, s->duration > 0 ? s->duration :
		    ENGINE_HOLD_FOR);
		break;
	case SC_STEP_BREAK:
		if (c->flow == NULL) {
			client_step_end(c, SC_FLOW_DEAD, 0,
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
			client_drop_flow(c);
		c->t_broken = 0;
		client_broken(c, 1, SC_OK);
		client_step_end(c, SC_OK, 0, NULL);
		break;
	case SC_STEP_MAINTAIN:
		client_maintain_begin(c);
		break;
	case SC_STEP_WAIT:
		c->step_until = sc_clock_now() + s->duration;
		client_arm(c, s->duration);
		break;
	default:
		client_step_end(c, SC_INTERNAL_ERROR, 0, "unknown step");
		break;
	}
}

/* The timer: a deadline, the end of a timed step, or "go on". */
static void
client_timer(evutil_socket_t fd, short what, void *arg)
{
	struct client		*c = arg;
	const struct sc_step	*s = c->step;
	char			 why[160];
	double			 now = sc_clock_now();

	(void)fd; (void)what;
	if (c->next_pending) {
		c->next_pending = 0;
		client_next(c);
		return;
	}
	if (s == NULL || c->done)
		return;
	if (c->capped &&
	    s->kind != SC_STEP_CONNECT && s->kind != SC_STEP_RECONNECT &&
	    s->kind != SC_STEP_REGISTER && s->kind != SC_STEP_REREGISTER &&
	    s->kind != SC_STEP_UNREGISTER && s->kind != SC_STEP_OPTIONS) {
		client_step_end(c, SC_INTERNAL_ERROR, 0,
		    "stopped: the run's duration is over");
		return;
	}
	switch (s->kind) {
	case SC_STEP_CONNECT:
	case SC_STEP_RECONNECT:
		if (s->kind == SC_STEP_RECONNECT && c->flow == NULL &&
		    now < c->t_within + client_within(c, s) - 1e-6 &&
		    (c->deadline <= 0 || now < c->deadline - 1e-6)) {
			client_connect_now(c);	/* backoff over: try again */
			return;
		}
		if (s->kind == SC_STEP_RECONNECT && c->flow == NULL &&
		    c->attempts == 0 && c->retry_verdict == SC_OK &&
		    (c->deadline <= 0 || now < c->deadline - 1e-6)) {
			/*
			 * The wait before the first attempt is over.  It is
			 * not part of `within`: a persistent flow backing off
			 * for longer than its timeout must still try.
			 */
			c->t_within = now;
			client_connect_now(c);
			return;
		}
		if (c->flow == NULL && c->retry_verdict != SC_OK) {
			client_step_end(c, c->retry_verdict, 0,
			    c->retry_error);
			return;
		}
		snprintf(why, sizeof(why), c->tls_phase ?
		    "TLS handshake not complete after %.1f s" :
		    "no TCP connection after %.1f s", now - c->t_phase);
		client_drop_flow(c);
		client_step_end(c, c->tls_phase ? SC_TLS_TIMEOUT :
		    SC_TCP_TIMEOUT, 0, why);
		break;
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		snprintf(why, sizeof(why), "no final response to %s after "
		    "%.1f s", s->kind == SC_STEP_OPTIONS ? "OPTIONS" :
		    "REGISTER", now - c->t_req);
		client_step_end(c, SC_SIP_TIMEOUT, 0, why);
		break;
	case SC_STEP_MAINTAIN:
		client_step_end(c, SC_OK, 0, NULL);
		break;
	case SC_STEP_KEEPALIVE:
	case SC_STEP_HOLD:
		if (s->kind == SC_STEP_KEEPALIVE && s->duration <= 0) {
			snprintf(why, sizeof(why), "no keep-alive pong within "
			    "%.1f s", now - c->t_step);
			client_drop_flow(c);
			client_step_end(c, SC_FLOW_DEAD, 0, why);
		} else
			client_step_end(c, SC_OK, 0, NULL);
		break;
	default:
		client_step_end(c, SC_OK, 0, NULL);
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

static void
client_step_end(struct client *c, enum sc_verdict v, int status,
    const char *error)
{
	struct sc_engine	*e = c->e;
	const struct sc_step	*s = c->step;
	struct sc_step_event	 ev;
	double			 now = sc_clock_now();

	if (s == NULL || c->done)
		return;
	event_del(c->timer);
	client_stop_ticks(c);
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
		c->res.verdict = v != SC_OK ? v : SC_SIP_4XX;
		if (v == SC_OK && status >= 200 && status < 300)
			c->res.verdict = SC_SIP_4XX;
		snprintf(c->res.error, sizeof(c->res.error), "%s: %s",
		    s->label != NULL ? s->label : sc_step_kind_str(s->kind),
		    ev.error != NULL ? ev.error : sc_verdict_str(v));
		if (v == SC_OK && s->expect_status > 0)
			snprintf(c->res.error, sizeof(c->res.error),
			    "%s: expected %d, got %d", s->label != NULL ?
			    s->label : sc_step_kind_str(s->kind),
			    s->expect_status, status);
	}
	if (s->kind == SC_STEP_REGISTER)
		c->first_register_done = 1;
	if (e->cbs.on_step != NULL)
		e->cbs.on_step(&ev, e->arg);
	if (c->failed || c->last_step) {
		client_finish(c);
		return;
	}
	/* The next step starts from the loop, not from inside this one. */
	c->next_pending = 1;
	event_active(c->timer, EV_TIMEOUT, 0);
}

/* Back to the first step (loop mode), from the event loop. */
static void
client_restart(struct client *c)
{
	const struct sc_scenario *sc = c->e->o.scenario;

	c->stack[0].steps = sc->steps;
	c->stack[0].n = sc->nsteps;
	c->stack[0].pc = 0;
	c->stack[0].left = 1;
	c->depth = 1;
	c->next_pending = 1;
	event_active(c->timer, EV_TIMEOUT, 0);
}

static void
client_next(struct client *c)
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
			    "%.1f s were over when the step came", c->e->duration);
			client_step_end(c, client_late_verdict(s), 0, why);
			return;
		}
		client_begin(c, s);
		return;
	}
	if (c->e->o.loop && !c->e->stopping && !c->done) {
		client_restart(c);
		return;
	}
	client_finish(c);
}

/* --- clients and the engine --------------------------------------------- */

static void
client_finish(struct client *c)
{
	struct sc_engine *e = c->e;

	if (c->done)
		return;
	c->done = 1;
	event_del(c->timer);
	client_stop_ticks(c);
	client_drop_flow(c);
	sc_flow_free(c->zombie);
	c->zombie = NULL;
	sc_reg_free(c->reg);
	c->reg = NULL;
	sc_reg_free(c->opt);
	c->opt = NULL;
	if (!c->failed) {
		c->res.verdict = SC_OK;
		/* A probe that worked still carries a certificate warning. */
		if (c->res.cert.verdict == SC_CERT_EXPIRING) {
			c->res.verdict = SC_CERT_EXPIRING;
			snprintf(c->res.error, sizeof(c->res.error), "%s",
			    c->res.cert.error);
		}
	}
	if (c->res.verdict != SC_CERT_EXPIRING)
		c->res.severity = sc_verdict_severity(c->res.verdict);
	e->active--;
	e->finished++;
	if (c->failed)
		e->failed++;
	else
		e->ok++;
	if (e->cbs.on_client != NULL)
		e->cbs.on_client(c->idx + e->o.first_client, !c->failed,
		    &c->res, e->arg);
	sc_result_clear(&c->res);
	if (c->session != NULL) {
		SSL_SESSION_free(c->session);
		c->session = NULL;
	}
	engine_check_done(e);
}

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
	sc_result_init(&c->res);
	c->fe = c->idx % e->o.nfrontends;
	if (e->o.user_name != NULL) {
		if (e->o.user_name(sc, n, c->user, sizeof(c->user)) == -1)
			c->user[0] = '\0';
	} else if (sc->user != NULL)
		snprintf(c->user, sizeof(c->user), "%s", sc->user);
	if (e->duration > 0)
		c->deadline = e->t_start + e->duration;
	c->stack[0].steps = sc->steps;
	c->stack[0].n = sc->nsteps;
	c->stack[0].pc = 0;
	c->stack[0].left = 1;
	c->depth = 1;
	c->running = 1;
	evtimer_assign(c->timer, e->base, client_timer, c);
	client_next(c);
}

static void
engine_ramp(evutil_socket_t fd, short what, void *arg)
{
	struct sc_engine	*e = arg;
	double			 due;
	unsigned		 target;

	(void)fd; (void)what;
	if (e->stopping)
		return;
	if (e->ramp <= 0)
		target = e->nclients;
	else {
		due = (sc_clock_now() - e->t_start) * e->ramp + 1;
		target = due >= e->nclients ? e->nclients : (unsigned)due;
	}
	while (e->started < target && !e->stopping)
		engine_start_client(e);
	if (e->started >= e->nclients)
		event_del(e->ramp_ev);
	engine_check_done(e);
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
	for (i = 0; i < e->nclients; i++) {
		e->clients[i].timer = evtimer_new(base, client_timer,
		    &e->clients[i]);
		e->clients[i].tick = evtimer_new(base, client_tick,
		    &e->clients[i]);
		if (e->clients[i].timer == NULL || e->clients[i].tick == NULL)
			goto nomem;
	}
	if ((e->ramp_ev = event_new(base, -1, EV_PERSIST, engine_ramp, e)) ==
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
	tv = sc_clock_tv(ENGINE_RAMP_TICK);
	event_add(e->ramp_ev, &tv);
	event_active(e->ramp_ev, EV_TIMEOUT, 0);
	return e;
nomem:
	snprintf(err, errlen, "out of memory for %u clients",
	    o->clients > 0 ? o->clients : o->scenario->clients);
	sc_engine_free(e);
	return NULL;
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
			client_step_end(c, SC_INTERNAL_ERROR, 0, why);
		else {
			c->failed = 1;
			c->res.verdict = SC_INTERNAL_ERROR;
			snprintf(c->res.error, sizeof(c->res.error), "%s", why);
			client_finish(c);
		}
	}
	engine_check_done(e);
}

void
sc_engine_stop(struct sc_engine *e)
{
	engine_stop(e, "stopped: the run was interrupted");
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
			client_stop_ticks(c);
			c->step = NULL;
			c->last_step = 1;
			c->deadline = 0;
			client_begin(c, &engine_unregister_step);
		} else {
			c->step = NULL;
			client_finish(c);
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
		sc_result_clear(&c->res);
	}
	free(e->clients);
	if (e->ramp_ev != NULL)
		event_free(e->ramp_ev);
	if (e->done_ev != NULL)
		event_free(e->done_ev);
	if (e->stop_ev != NULL)
		event_free(e->stop_ev);
	free(e);
}
