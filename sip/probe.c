/*
 * probe.c - one fresh probe of one frontend: TCP connect, TLS handshake,
 * certificate checks, REGISTER -> 401 -> REGISTER with digest -> 200, and
 * optionally an unregister, all on the caller's event loop.
 *
 * A single deadline timer bounds the whole probe; which verdict it gives
 * depends on the phase it fires in.  Completion is delivered through a
 * deferred event so that the caller's callback never runs inside one of
 * ours and may free the probe.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "cert.h"
#include "clock.h"
#include "flow.h"
#include "reg.h"
#include "sipcanary.h"
#include "tlsctx.h"
#include "util.h"

#define PROBE_TIMER_F	32.0		/* 64 * T1, RFC 3261 §17.1.2.2 */
#define PROBE_MAXMSG	65536

enum probe_phase {
	PH_TCP,
	PH_TLS,
	PH_SIP,
	PH_UNREGISTER,
	PH_DONE
};

struct sc_probe {
	struct event_base	*base;
	struct sc_probe_opts	 o;
	char			*password;
	sc_probe_cb		 cb;
	void			*arg;
	SSL_CTX			*ctx;
	int			 own_ctx;
	struct flow		*flow;
	struct reg		*reg;
	struct event		*timer;
	struct event		*finish;
	enum probe_phase	 phase;
	double			 t_start, t_tcp, t_tls, t_req;
	double			 deadline;
	enum sc_severity	 cert_severity;
	struct sc_result	 res;
};

/* Negotiated group and the server's signature algorithm. */
static void
probe_tls_details(SSL *ssl, struct sc_result *r)
{
	int		 nid = 0, hash = 0;
	const char	*name;

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

static void	probe_fail(struct sc_probe *, enum sc_verdict, const char *);

void *
sc_tls_ctx_new(const char *ca_file, int tls_min, int tls_max, char *err,
    size_t errlen)
{
	return tlsctx_new(ca_file, tls_min, tls_max, err, errlen);
}

void
sc_tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}

int
sc_tls_parse_version(const char *s)
{
	return tlsctx_parse_version(s);
}

static void
probe_trace(struct sc_probe *p, const char *dir, const char *text)
{
	if (p->o.trace == NULL)
		return;
	fprintf(p->o.trace, "%s %s %.3fs\n%s\n", dir, p->res.address,
	    clock_now() - p->t_start, text);
	fflush(p->o.trace);
}

static void
probe_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sc_probe *p = arg;

	(void)fd; (void)what;
	p->cb(&p->res, p->arg);
}

static void
probe_done(struct sc_probe *p)
{
	if (p->phase == PH_DONE)
		return;
	p->phase = PH_DONE;
	/* A probe that worked still carries a certificate warning. */
	if (p->res.verdict == SC_OK &&
	    p->res.cert.verdict == SC_CERT_EXPIRING) {
		p->res.verdict = SC_CERT_EXPIRING;
		snprintf(p->res.error, sizeof(p->res.error), "%s",
		    p->res.cert.error);
	}
	p->res.severity = p->res.verdict == SC_CERT_EXPIRING ?
	    p->cert_severity : sc_verdict_severity(p->res.verdict);
	flow_free(p->flow);
	p->flow = NULL;
	event_del(p->timer);
	event_active(p->finish, EV_TIMEOUT, 0);
}

static void
probe_fail(struct sc_probe *p, enum sc_verdict v, const char *why)
{
	if (p->phase == PH_DONE)
		return;
	if (p->phase == PH_UNREGISTER) {
		/* The probe already succeeded; note the unregister trouble. */
		snprintf(p->res.error, sizeof(p->res.error),
		    "unregister: %s", why);
		probe_done(p);
		return;
	}
	p->res.verdict = v;
	if (why != p->res.error)
		snprintf(p->res.error, sizeof(p->res.error), "%s", why);
	probe_done(p);
}

/* Arms the timer for the sooner of the deadline and Timer F. */
static void
probe_arm(struct sc_probe *p, double limit)
{
	double		left = p->deadline - clock_now();
	struct timeval	tv;

	if (limit > 0 && limit < left)
		left = limit;
	tv = clock_tv(left);
	event_add(p->timer, &tv);
}

static void
probe_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sc_probe	*p = arg;
	char		 why[160];
	double		 waited = clock_now() - p->t_start;

	(void)fd; (void)what;
	switch (p->phase) {
	case PH_TCP:
		snprintf(why, sizeof(why), "no TCP connection after %.1f s",
		    waited);
		probe_fail(p, SC_TCP_TIMEOUT, why);
		break;
	case PH_TLS:
		snprintf(why, sizeof(why), "TLS handshake not complete after "
		    "%.1f s", clock_now() - p->t_tcp);
		probe_fail(p, SC_TLS_TIMEOUT, why);
		break;
	case PH_SIP:
	case PH_UNREGISTER:
		snprintf(why, sizeof(why), "no final response to REGISTER "
		    "after %.1f s%s", clock_now() - p->t_req,
		    reg_unmatched(p->reg) ? " (unmatched responses ignored)" :
		    "");
		probe_fail(p, SC_SIP_TIMEOUT, why);
		break;
	case PH_DONE:
		break;
	}
}

static int
probe_send_register(struct sc_probe *p, unsigned expires)
{
	char	*wire, *redacted, err[200];
	size_t	 len;

	wire = reg_build(p->reg, expires, &len, &redacted, err, sizeof(err));
	if (wire == NULL) {
		probe_fail(p, SC_INTERNAL_ERROR, err);
		return -1;
	}
	probe_trace(p, "-->", redacted);
	if (flow_send(p->flow, wire, len) == -1) {
		free(wire);
		free(redacted);
		probe_fail(p, SC_SIP_CONNECTION_CLOSED,
		    "cannot send on the connection");
		return -1;
	}
	explicit_bzero(wire, len);
	free(wire);
	free(redacted);
	p->res.requests_sent++;
	probe_arm(p, PROBE_TIMER_F);
	return 0;
}

static void
probe_on_tcp(void *arg)
{
	struct sc_probe *p = arg;

	p->t_tcp = clock_now();
	p->res.t.tcp_connect = p->t_tcp - p->t_start;
	p->phase = PH_TLS;
}

static void
probe_on_tls(void *arg)
{
	struct sc_probe		*p = arg;
	SSL			*ssl = flow_ssl(p->flow);
	struct reg_params	 rp;
	char			 ip[64];
	unsigned		 port;
	enum sc_verdict		 v;

	p->t_tls = clock_now();
	p->res.t.tls_handshake = p->t_tls - p->t_tcp;
	snprintf(p->res.tls_version, sizeof(p->res.tls_version), "%s",
	    SSL_get_version(ssl));
	snprintf(p->res.tls_cipher, sizeof(p->res.tls_cipher), "%s",
	    SSL_get_cipher_name(ssl));
	p->res.tls_resumed = SSL_session_reused(ssl);
	probe_tls_details(ssl, &p->res);

	/*
	 * RFC 5922 §7: never send SIP over an unverified connection.  A chain
	 * that is valid but expires soon is no reason to stop; its warning
	 * stands unless SIP fails.
	 */
	v = cert_evaluate(ssl, p->o.domain, p->o.warn_days, p->o.crit_days,
	    &p->res.cert, &p->cert_severity);
	if (v != SC_OK && v != SC_CERT_EXPIRING) {
		probe_fail(p, v, p->res.cert.error);
		return;
	}
	if (p->o.tls_only) {
		probe_fail(p, v, p->res.cert.error);
		return;
	}
	if (flow_local(p->flow, ip, sizeof(ip), &port) == -1) {
		probe_fail(p, SC_INTERNAL_ERROR, "getsockname failed");
		return;
	}
	memset(&rp, 0, sizeof(rp));
	rp.domain = p->o.domain;
	rp.user = p->o.user;
	rp.password = p->password;
	rp.local_ip = ip;
	rp.local_port = port;
	rp.user_agent = "sipcanary/" PACKAGE_VERSION;
	if ((p->reg = reg_new(&rp)) == NULL) {
		probe_fail(p, SC_INTERNAL_ERROR, "out of memory");
		return;
	}
	p->phase = PH_SIP;
	p->t_req = clock_now();
	(void)probe_send_register(p, p->o.expires);
}

static void
probe_on_msg(msg_t *msg, void *arg)
{
	struct sc_probe	*p = arg;
	sip_t		*sip = sip_object(msg);
	enum sc_verdict	 v = SC_INTERNAL_ERROR;
	char		 why[200];
	double		 now = clock_now();

	if (p->o.trace != NULL) {
		size_t	 n;
		char	*s = msg_as_string(msg_home(msg), msg, NULL, 0, &n);

		probe_trace(p, "<--", s != NULL ? s : "(unprintable)");
	}
	if (sip->sip_request != NULL) {
		/* Requests from the server are not part of a probe. */
		msg_destroy(msg);
		return;
	}
	switch (reg_response(p->reg, msg, &v, why, sizeof(why))) {
	case REG_IGNORE:
		break;
	case REG_PROVISIONAL:
		if (p->phase == PH_SIP && p->res.t.first_response < 0)
			p->res.t.first_response = now - p->t_req;
		break;
	case REG_RESEND:
		if (p->res.t.first_response < 0)
			p->res.t.first_response = now - p->t_req;
		(void)probe_send_register(p, reg_expires(p->reg));
		break;
	case REG_DONE:
		if (p->phase == PH_UNREGISTER) {
			if (v != SC_OK)
				snprintf(p->res.error, sizeof(p->res.error),
				    "unregister: %s", why);
			probe_done(p);
			break;
		}
		if (p->res.t.first_response < 0)
			p->res.t.first_response = now - p->t_req;
		p->res.final_status = reg_final_status(p->reg);
		if (reg_auth_algorithm(p->reg) != NULL)
			snprintf(p->res.auth_algorithm,
			    sizeof(p->res.auth_algorithm), "%s",
			    reg_auth_algorithm(p->reg));
		if (v != SC_OK) {
			probe_fail(p, v, why);
			break;
		}
		p->res.t.registered = now - p->t_req;
		p->res.expires = reg_granted(p->reg);
		p->res.verdict = SC_OK;
		p->res.error[0] = '\0';
		if (p->o.unregister && p->res.expires > 0) {
			p->phase = PH_UNREGISTER;
			(void)probe_send_register(p, 0);
		} else
			probe_done(p);
		break;
	}
	msg_destroy(msg);
}

static void
probe_on_error(enum sc_verdict v, const char *why, void *arg)
{
	struct sc_probe *p = arg;

	probe_fail(p, v, why);
}

static const struct flow_cbs probe_flow_cbs = {
	.on_tcp = probe_on_tcp,
	.on_tls = probe_on_tls,
	.on_msg = probe_on_msg,
	.on_pong = NULL,
	.on_error = probe_on_error,
};

static int
probe_sockaddr(const char *host, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static char *
probe_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct sc_probe *
sc_probe_start(struct event_base *base, const struct sc_probe_opts *o,
    sc_probe_cb cb, void *arg)
{
	struct sc_probe		*p;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	enum sc_verdict		 v;
	char			 why[200];

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	sc_result_init(&p->res);
	p->base = base;
	p->cb = cb;
	p->arg = arg;
	p->o = *o;
	p->o.uri = probe_dup(o->uri);
	p->o.domain = probe_dup(o->domain);
	p->o.host = probe_dup(o->host);
	p->o.user = probe_dup(o->user);
	p->o.ca_file = probe_dup(o->ca_file);
	p->password = probe_dup(o->password);
	p->o.password = NULL;
	if (p->o.timeout <= 0)
		p->o.timeout = 10;
	if (p->o.warn_days <= 0)
		p->o.warn_days = 30;
	if (p->o.crit_days <= 0)
		p->o.crit_days = 7;
	if ((o->uri != NULL && p->o.uri == NULL) || p->o.domain == NULL ||
	    p->o.host == NULL || (o->user != NULL && p->o.user == NULL) ||
	    (o->ca_file != NULL && p->o.ca_file == NULL) ||
	    (o->password != NULL && p->password == NULL))
		goto fail;
	if ((p->timer = evtimer_new(base, probe_timeout, p)) == NULL ||
	    (p->finish = event_new(base, -1, 0, probe_finish_cb, p)) == NULL)
		goto fail;

	p->t_start = clock_now();
	p->deadline = p->t_start + p->o.timeout;
	p->phase = PH_TCP;
	probe_arm(p, 0);

	if (probe_sockaddr(p->o.host, p->o.port, &ss, &sslen) == -1) {
		snprintf(why, sizeof(why), "not an IP address: %s", p->o.host);
		probe_fail(p, SC_INTERNAL_ERROR, why);
		return p;
	}
	util_addr_str((struct sockaddr *)&ss, p->res.address,
	    sizeof(p->res.address));
	if (o->tls_ctx != NULL)
		p->ctx = o->tls_ctx;
	else {
		p->ctx = tlsctx_new(p->o.ca_file, p->o.tls_min, p->o.tls_max,
		    why, sizeof(why));
		if (p->ctx == NULL) {
			probe_fail(p, SC_INTERNAL_ERROR, why);
			return p;
		}
		p->own_ctx = 1;
	}
	p->flow = flow_new(base, p->ctx, p->o.domain, PROBE_MAXMSG,
	    &probe_flow_cbs, p);
	if (p->flow == NULL) {
		probe_fail(p, SC_INTERNAL_ERROR, "out of memory");
		return p;
	}
	if (flow_connect(p->flow, (struct sockaddr *)&ss, sslen, &v, why,
	    sizeof(why)) == -1)
		probe_fail(p, v, why);
	return p;
fail:
	sc_probe_free(p);
	return NULL;
}

void
sc_probe_free(struct sc_probe *p)
{
	if (p == NULL)
		return;
	flow_free(p->flow);
	reg_free(p->reg);
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->finish != NULL)
		event_free(p->finish);
	if (p->own_ctx)
		SSL_CTX_free(p->ctx);
	sc_result_clear(&p->res);
	free((char *)p->o.uri);
	free((char *)p->o.domain);
	free((char *)p->o.host);
	free((char *)p->o.user);
	free((char *)p->o.ca_file);
	if (p->password != NULL) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p);
}
