/*
 * client_conn.c - a client's connect and reconnect steps (engine.h lists
 * the files of the engine).
 *
 * Owns: opening a flow to the client's frontend (source address, TLS
 * resumption), the flow's callbacks (TCP up, TLS up with its certificate
 * checks, messages, pongs, errors), and the reconnect backoff (fixed, or
 * RFC 5626 §4.5 with jitter).
 */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "cert.h"
#include "clock.h"
#include "engine.h"
#include "flow.h"
#include "reg.h"
#include "tlsctx.h"
#include "revocation.h"
#include "util.h"

#define ENGINE_MAXMSG		65536

static double
engine_jitter(double lo, double hi)
{
	unsigned int r = 0;

	if (sc_util_random((unsigned char *)&r, sizeof(r)) == -1)
		r = (unsigned int)rand();
	return lo + (hi - lo) * ((double)r / (double)UINT32_MAX);
}

/*
 * The revocation check may take half of what is left of the step's
 * deadline, so that a slow responder ends in a verdict of its own
 * (cert_revocation_unknown) and the step still has time for the rest.
 */
static double
client_revocation_timeout(const struct client *c)
{
	double left = c->t_within + sc_client_within(c, c->step) -
	    sc_clock_now();

	return left > 0.02 ? left / 2 : 0.01;
}

static void
client_on_tcp(void *arg)
{
	struct client *c = arg;
	double now = sc_clock_now();

	if (!c->first_connect_done && c->res != NULL)
		c->res->t.tcp_connect = now - c->t_phase;
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

/* The wait of client_cert_wait() is over, and nothing was refused. */
static void
client_cert_waited(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd; (void)what;
	c->cert_wait = 0;
	sc_client_drop_flow(c);
	sc_client_step_end(c, SC_OK, 0, NULL);
}

/*
 * A TLS-only connect (certs) sends nothing after the handshake, but a
 * TLS 1.3 server refuses a client certificate only after it, with an
 * alert on the first read.  So when the server asked for a certificate,
 * wait for its first bytes, at most ENGINE_CLIENT_CERT_WAIT and within
 * the step: an alert ends the step through the flow's own
 * classification (client_on_error), a NewSessionTicket (the server took
 * our Finished) or the end of the wait with ok.  1 when waiting.
 */
static int
client_cert_wait(struct client *c)
{
	SSL			*ssl = sc_flow_ssl(c->flow);
	struct tls_verify	*tv;
	double			 wait = c->t_within +
				    sc_client_within(c, c->step) -
				    sc_clock_now() - 0.05;

	if (ssl == NULL || SSL_version(ssl) < TLS1_3_VERSION ||
	    (tv = sc_tlsctx_verify(ssl)) == NULL || !tv->cert_requested ||
	    tv->ticket || wait <= 0)
		return 0;
	if (wait > ENGINE_CLIENT_CERT_WAIT)
		wait = ENGINE_CLIENT_CERT_WAIT;
	/* The tick is free until the step ends (it stops the tick). */
	event_del(c->tick);
	event_assign(c->tick, c->e->base, -1, 0, client_cert_waited, c);
	tv->on_ticket = c->tick;
	c->cert_wait = 1;
	sc_client_timer_add(c, c->tick, wait);
	return 1;
}

/*
 * The certificate checks are over (revocation included): drop a report
 * drills do not keep, and go on, or stop before any SIP is sent.
 */
static void
client_tls_done(struct client *c, struct sc_certreport *cr, enum sc_verdict v)
{
	struct sc_engine	*e = c->e;
	char			 err[sizeof(cr->error)];

	memcpy(err, cr->error, sizeof(err));
	if (!e->o.keep_certs || c->res == NULL) {
		enum sc_verdict	cv = cr->verdict;

		sc_cert_report_clear(cr);
		cr->verdict = cv;
		memcpy(cr->error, err, sizeof(err));
	}
	if (cr == c->scratch) {
		free(c->scratch);
		c->scratch = NULL;
	}
	/*
	 * RFC 5922 §7: never send SIP over an unverified connection, unless
	 * the operator said insecure_skip_verify, explicitly, per target.
	 */
	if (!sc_revocation_goes_on(v) && !e->o.insecure) {
		sc_client_drop_flow(c);
		sc_client_step_end(c, v, 0, err);
		return;
	}
	/* WSS: the upgrade is the connect's last phase (certs stop here). */
	if (e->o.ws.on && !e->o.tls_only) {
		c->tls_phase = 2;
		c->t_phase = sc_clock_now();
		if (sc_flow_ws_upgrade(c->flow) == -1) {
			sc_client_drop_flow(c);
			sc_client_step_end(c, SC_INTERNAL_ERROR, 0,
			    "cannot start the WebSocket upgrade");
		}
		return;
	}
	if (e->o.tls_only && client_cert_wait(c))
		return;		/* client_cert_waited or client_on_error */
	c->up = 1;
	if (e->o.tls_only)
		sc_client_drop_flow(c);
	sc_client_step_end(c, SC_OK, 0, NULL);
}

/*
 * The revocation check ended: a revoked certificate, a missing Must-
 * Staple staple or an unknown status takes the place of a lesser
 * certificate verdict (revoked stops the client; the others warn).
 */
static void
client_revocation_done(struct client *c, struct sc_certreport *cr,
    struct sc_revcheck *rc)
{
	enum sc_verdict		 v = cr->verdict, rv;
	char			 err[sizeof(cr->error)];

	c->rev = NULL;
	rv = sc_revcheck_verdict(rc, err, sizeof(err));
	free(cr->revocation);
	cr->revocation = sc_revcheck_take(rc);
	sc_revcheck_free(rc);
	/* An expiry within the CRITICAL window outranks a warning. */
	if (rv != SC_OK && !(rv == SC_CERT_REVOCATION_UNKNOWN &&
	    v == SC_CERT_EXPIRING)) {
		v = cr->verdict = rv;
		snprintf(cr->error, sizeof(cr->error), "%s", err);
		if (c->res != NULL && cr == &c->res->cert && c->cert_first)
			c->res->severity = sc_verdict_severity(rv);
	}
	client_tls_done(c, cr, v);
}

static void
client_on_revocation(struct sc_revcheck *rc, void *arg)
{
	struct client *c = arg;

	/* A report not kept is on the heap (client_on_tls). */
	client_revocation_done(c, c->scratch != NULL ? c->scratch :
	    &c->res->cert, rc);
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

	if (first && c->res != NULL) {
		c->res->t.tls_handshake = now - c->t_phase;
		client_tls_details(ssl, c->res);
		sc_tlsprofile_client_cert(ssl, c->res);
	}
	/* Drills keep no chains: 10,000 clients would hold 10,000 copies. */
	memset(&scratch, 0, sizeof(scratch));
	cr = c->res != NULL && (first || e->o.keep_certs) ? &c->res->cert :
	    &scratch;
	c->cert_first = first;
	v = sc_cert_evaluate(ssl, e->o.domain, e->o.warn_days, e->o.crit_days,
	    cr, &sev);
	if (first && v == SC_CERT_EXPIRING && c->res != NULL)
		c->res->severity = sev;
	c->first_connect_done = 1;
	/* Revocation is asked about only for a chain that verified. */
	if (v == SC_OK || v == SC_CERT_EXPIRING) {
		c->rev = sc_revcheck_start(e->base, ssl, e->o.revocation,
		    client_revocation_timeout(c), &cr->ocsp,
		    client_on_revocation, c);
		if (c->rev != NULL && sc_revcheck_done(c->rev)) {
			client_revocation_done(c, cr, c->rev);
			return;
		}
		/* A report not kept waits on the heap, not on this stack. */
		if (c->rev != NULL && cr == &scratch &&
		    (c->scratch = malloc(sizeof(scratch))) != NULL) {
			memcpy(c->scratch, &scratch, sizeof(scratch));
			return;		/* client_on_revocation goes on */
		}
		if (c->rev != NULL && cr != &scratch)
			return;		/* client_on_revocation goes on */
		sc_revcheck_free(c->rev);
		c->rev = NULL;
		snprintf(cr->error, sizeof(cr->error), "out of memory");
		v = cr->verdict = SC_INTERNAL_ERROR;
	}
	client_tls_done(c, cr, v);
}

/* WSS: the 101 came and was checked: the connection is usable. */
static void
client_on_ws(void *arg)
{
	struct client	*c = arg;

	if (c->res != NULL && c->res->t.ws_upgrade < 0)
		c->res->t.ws_upgrade = sc_clock_now() - c->t_phase;
	c->up = 1;
	sc_client_step_end(c, SC_OK, 0, NULL);
}

static void
client_on_msg(msg_t *msg, void *arg)
{
	struct client	*c = arg;
	sip_t		*sip = sip_object(msg);

	if (c->e->o.trace != NULL) {
		size_t	 n;
		char	*s = msg_as_string(msg_home(msg), msg, NULL, 0, &n);

		sc_client_trace(c, "<--", s != NULL ? s : "(unprintable)");
	}
	if (sip->sip_status != NULL)
		sc_client_on_response(c, msg);
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
		    sc_flow_keepalive(c->flow), c->e->arg);
	/* A keepalive step without "for" is one ping and its pong. */
	if (c->step != NULL && c->step->kind == SC_STEP_KEEPALIVE &&
	    c->step->duration <= 0)
		sc_client_step_end(c, SC_OK, 0, NULL);
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

	if ((v == SC_WS_UPGRADE_FAILED || v == SC_WS_CLOSED ||
	    v == SC_WS_PROTOCOL_ERROR) && c->res != NULL)
		c->res->ws_status = sc_flow_ws_status(c->flow);
	sc_client_drop_flow(c);
	if (c->cert_wait) {
		/* The certificates are reported: only a refusal counts. */
		c->cert_wait = 0;
		event_del(c->tick);
		sc_client_step_end(c, v == SC_TLS_CLIENT_CERT_REJECTED ? v :
		    SC_OK, 0, v == SC_TLS_CLIENT_CERT_REJECTED ? why : NULL);
		return;
	}
	if (c->step == NULL || c->done) {
		sc_client_broken(c, 0, v);
		return;
	}
	if (client_connecting(c)) {
		if (c->step->kind == SC_STEP_RECONNECT) {
			double delay = client_backoff(c->step, ++c->attempts);

			/* Retry while the step's deadline allows. */
			if (sc_clock_now() + delay < c->t_within +
			    sc_client_within(c, c->step)) {
				c->retry_verdict = v;
				snprintf(c->retry_error,
				    sizeof(c->retry_error), "%s", why);
				c->tls_phase = 0;
				sc_client_arm(c, delay);
				return;
			}
		}
		sc_client_step_end(c, v, 0, why);
		return;
	}
	sc_client_broken(c, 0, SC_FLOW_DEAD);
	switch (c->step->kind) {
	case SC_STEP_REGISTER:
	case SC_STEP_REREGISTER:
	case SC_STEP_UNREGISTER:
	case SC_STEP_OPTIONS:
		sc_client_step_end(c, v == SC_SIP_MALFORMED ||
		    v == SC_TLS_CLIENT_CERT_REJECTED ? v :
		    v == SC_WS_CLOSED || v == SC_WS_PROTOCOL_ERROR ? v :
		    SC_SIP_CONNECTION_CLOSED, 0, why);
		break;
	default:
		sc_client_step_end(c, SC_FLOW_DEAD, 0, why);
		break;
	}
}

static const struct flow_cbs client_flow_cbs = {
	.on_tcp = client_on_tcp,
	.on_tls = client_on_tls,
	.on_msg = client_on_msg,
	.on_pong = client_on_pong,
	.on_error = client_on_error,
	.on_ws = client_on_ws,
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

/* "ip:port" of the client's frontend, or "" (traces). */
void
sc_client_address(const struct client *c, char *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;

	buf[0] = '\0';
	if (client_sockaddr(&c->e->o.frontends[c->fe], &ss, &sslen) == 0)
		sc_util_addr_str((struct sockaddr *)&ss, buf, len);
}

void
sc_client_connect_now(struct client *c)
{
	struct sc_engine	*e = c->e;
	const struct sc_frontend *f = &e->o.frontends[c->fe];
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	enum sc_verdict		 v;
	char			 why[256];

	sc_client_drop_flow(c);
	sc_reg_free(c->reg);
	c->reg = NULL;
	sc_reg_free(c->opt);
	c->opt = NULL;
	c->tls_phase = 0;
	c->t_phase = sc_clock_now();
	if (client_sockaddr(f, &ss, &sslen) == -1) {
		snprintf(why, sizeof(why), "not an IP address: %s", f->host);
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0, why);
		return;
	}
	if (c->res != NULL)
		sc_util_addr_str((struct sockaddr *)&ss, c->res->address,
		    sizeof(c->res->address));
	c->flow = sc_flow_new(e->base, e->o.tls_ctx, e->o.domain, ENGINE_MAXMSG,
	    &client_flow_cbs, c);
	if (c->flow == NULL) {
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0, "out of memory");
		return;
	}
	if (c->step->resume)
		sc_flow_resume(c->flow, &c->session);
	if (e->o.ws.on && sc_flow_ws(c->flow, e->o.domain, e->o.ws.path,
	    e->o.ws.origin) == -1) {
		sc_client_step_end(c, SC_INTERNAL_ERROR, 0, "out of memory");
		return;
	}
	if (c->res != NULL)
		c->res->ws = e->o.ws.on;
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
	sc_client_arm(c, c->t_within + sc_client_within(c, c->step) -
	    sc_clock_now());
	if (sc_flow_connect(c->flow, (struct sockaddr *)&ss, sslen, &v, why,
	    sizeof(why)) == -1)
		client_on_error(v, why, c);
}

/*
 * The wait before a reconnect step's first attempt: a fixed delay waits,
 * RFC 5626 §4.5 forms the new flow at once and backs off only after
 * failures (attempt n waits per client_backoff(n)).  In loop mode the
 * failures in a row of the persistent flow count.
 */
double
sc_client_reconnect_delay(const struct client *c, const struct sc_step *s)
{
	if (!c->e->o.loop)
		return s->backoff == SC_BACKOFF_FIXED ?
		    client_backoff(s, 0) : 0;
	if (c->consecutive == 0)
		return 0;
	return client_backoff(s, c->consecutive - 1);
}
