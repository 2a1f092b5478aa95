/*
 * flow.c - a SIP-over-TLS connection.
 *
 * We connect the socket ourselves, so that the TCP phase can be timed and
 * classified on its own, and only then hand the descriptor to
 * bufferevent_openssl in the CONNECTING state; BEV_EVENT_CONNECTED then
 * marks the end of the handshake.  Incoming bytes go through the framer.
 * Callbacks may free the flow: a depth counter defers the real free until
 * the outermost callback returns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "flow.h"
#include "framer.h"
#include "hep.h"
#include "tlsctx.h"
#include "ws.h"

/*
 * Keep-alives over WSS.  RFC 7118 leaves them to the WebSocket (pings);
 * RFC 5626's CRLFCRLF inside a text frame works too where the server
 * answers it with a CRLF (Kamailio's websocket module does), and is what
 * the SIP layer of the server sees, as over TLS.  So the first keep-alive
 * of a connection sends both, the CRLFCRLF frame first: a server that
 * answers the CRLF does so before it answers the ping (frames are handled
 * in order), and the flow keeps to CRLF frames; one whose pong comes
 * first ignored it, and the flow keeps to pings.  The other answer to
 * that first probe is no pong.
 */
enum flow_ka {
	FLOW_KA_UNKNOWN = 0,	/* nothing learnt: the next one probes */
	FLOW_KA_PROBING,	/* both sent, no answer yet */
	FLOW_KA_WS_CRLF,
	FLOW_KA_WS_PING
};

struct flow {
	struct event_base	*base;
	SSL_CTX			*ctx;
	char			*sni;
	struct flow_cbs		 cbs;
	void			*arg;
	struct framer		*framer;
	int			 fd;
	struct event		*connect_ev;
	struct bufferevent	*bev;
	int			 tls_up;
	int			 broken;	/* sc_flow_break() was called */
	SSL_SESSION		**resume;	/* session slot, or NULL */
	struct sockaddr_storage	 source;
	socklen_t		 sourcelen;
	int			 depth;		/* callbacks in progress */
	int			 doomed;	/* freed during a callback */
	struct ws		*ws;		/* WSS, or NULL */
	size_t			 maxmsg;
	int			 ws_status;	/* HTTP status or close code */
	enum flow_ka		 ka;		/* WSS: how keep-alives go */
	int			 ka_stale_pong;	/* WSS: the probe's ping answer
						   is still due: not a pong */
	int			 ka_stale_crlf;	/* ... its CRLF answer */
};

static void	flow_destroy(struct flow *);

struct flow *
sc_flow_new(struct event_base *base, SSL_CTX *ctx, const char *sni,
    size_t maxmsg, const struct flow_cbs *cbs, void *arg)
{
	struct flow *fl;

	if ((fl = calloc(1, sizeof(*fl))) == NULL)
		goto fail;
	fl->fd = -1;
	fl->base = base;
	fl->ctx = ctx;
	fl->cbs = *cbs;
	fl->arg = arg;
	if (sni != NULL && (fl->sni = strdup(sni)) == NULL)
		goto fail;
	fl->maxmsg = maxmsg;
	if ((fl->framer = sc_framer_new(maxmsg)) == NULL)
		goto fail;
	return fl;
fail:
	flow_destroy(fl);
	return NULL;
}

static void
flow_destroy(struct flow *fl)
{
	if (fl == NULL)
		return;
	if (fl->connect_ev != NULL)
		event_free(fl->connect_ev);
	if (fl->bev != NULL)
		bufferevent_free(fl->bev);	/* closes fd, frees SSL */
	else if (fl->fd != -1)
		close(fl->fd);
	sc_framer_free(fl->framer);
	sc_ws_free(fl->ws);
	free(fl->sni);
	free(fl);
}

void
sc_flow_free(struct flow *fl)
{
	if (fl == NULL)
		return;
	if (fl->depth > 0) {
		/* Stop all I/O now; the memory goes when the callback ends. */
		fl->doomed = 1;
		if (fl->bev != NULL)
			bufferevent_disable(fl->bev, EV_READ | EV_WRITE);
		if (fl->connect_ev != NULL)
			event_del(fl->connect_ev);
		return;
	}
	flow_destroy(fl);
}

/* Brackets a callback; returns 0 if the flow was freed inside it. */
#define FLOW_CALL(fl, call) do {					\
	(fl)->depth++;							\
	call;								\
	(fl)->depth--;							\
} while (0)

static int
flow_alive(struct flow *fl)
{
	if (fl->doomed && fl->depth == 0) {
		flow_destroy(fl);
		return 0;
	}
	return !fl->doomed;
}

static void
flow_fail(struct flow *fl, enum sc_verdict v, const char *why)
{
	if (fl->bev != NULL)
		bufferevent_disable(fl->bev, EV_READ | EV_WRITE);
	FLOW_CALL(fl, fl->cbs.on_error(v, why, fl->arg));
	(void)flow_alive(fl);
}

/* A copy of a received message for the HEP collector, if one is open. */
static void
flow_hep_in(struct flow *fl, msg_t *m)
{
	char	*s;
	size_t	 n;

	if (!sc_hep_enabled())
		return;
	if ((s = msg_as_string(msg_home(m), m, NULL, 0, &n)) != NULL)
		sc_hep_capture(bufferevent_getfd(fl->bev), 0, s, n);
}

/*
 * A keep-alive answer over WSS: a CRLF inside a frame (FLOW_KA_WS_CRLF)
 * or a WebSocket pong (FLOW_KA_WS_PING).  The first answer to a probe
 * settles the kind; the other answer to it is dropped.
 */
static void
flow_ws_answer(struct flow *fl, enum flow_ka how)
{
	int *stale = how == FLOW_KA_WS_CRLF ? &fl->ka_stale_crlf :
	    &fl->ka_stale_pong;

	if (*stale) {
		*stale = 0;
		return;
	}
	if (fl->ka == FLOW_KA_PROBING) {
		fl->ka = how;
		if (how == FLOW_KA_WS_CRLF)
			fl->ka_stale_pong = 1;
		else
			fl->ka_stale_crlf = 1;
	}
	if (fl->cbs.on_pong != NULL)
		FLOW_CALL(fl, fl->cbs.on_pong(fl->arg));
}

/*
 * Frames the bytes of one WebSocket message as SIP: one message, or a
 * CRLF keep-alive (RFC 5626 inside a frame).  0, or -1 if the flow was
 * dropped or failed meanwhile.
 */
static int
flow_ws_msg(const char *p, size_t len, void *arg)
{
	struct flow	*fl = arg;
	size_t		 used;
	msg_t		*m;

	while (len > 0 && !fl->doomed) {
		switch (sc_framer_parse(fl->framer, p, len, &used, &m)) {
		case FRAMER_MSG:
			flow_hep_in(fl, m);
			FLOW_CALL(fl, fl->cbs.on_msg(m, fl->arg));
			break;
		case FRAMER_PONG:
			flow_ws_answer(fl, FLOW_KA_WS_CRLF);
			break;
		case FRAMER_ERROR:
			flow_fail(fl, SC_SIP_MALFORMED,
			    sc_framer_error(fl->framer));
			return -1;
		case FRAMER_MORE:
			break;
		}
		p += used;
		len -= used;
		if (used == 0)
			break;
	}
	return fl->doomed ? -1 : 0;
}

static void
flow_ws_write(const void *buf, size_t len, void *arg)
{
	struct flow *fl = arg;

	(void)bufferevent_write(fl->bev, buf, len);
}

static int
flow_ws_open(void *arg)
{
	struct flow *fl = arg;

	FLOW_CALL(fl, fl->cbs.on_ws(fl->arg));
	return fl->doomed ? -1 : 0;
}

static int
flow_ws_pong(void *arg)
{
	struct flow *fl = arg;

	flow_ws_answer(fl, FLOW_KA_WS_PING);
	return fl->doomed ? -1 : 0;
}

static void
flow_ws_error(enum sc_verdict v, int status, const char *why, void *arg)
{
	struct flow *fl = arg;

	fl->ws_status = status;
	flow_fail(fl, v, why);
}

static const struct ws_cbs flow_ws_cbs = {
	flow_ws_write, flow_ws_open, flow_ws_msg, flow_ws_pong, flow_ws_error
};

/* WSS: every byte goes to the WebSocket layer, which calls back. */
static void
flow_ws_read(struct flow *fl, struct evbuffer *in)
{
	size_t len = evbuffer_get_length(in);

	fl->depth++;
	sc_ws_input(fl->ws, evbuffer_pullup(in, -1), len);
	fl->depth--;
	if (flow_alive(fl))
		evbuffer_drain(in, len);
}

static void
flow_readcb(struct bufferevent *bev, void *arg)
{
	struct flow	*fl = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (fl->ws != NULL) {
		flow_ws_read(fl, in);
		return;
	}
	for (;;) {
		size_t		 len = evbuffer_get_length(in), used;
		const char	*p;
		msg_t		*m;
		enum framer_status st;

		if (len == 0)
			return;
		p = (const char *)evbuffer_pullup(in, -1);
		st = sc_framer_parse(fl->framer, p, len, &used, &m);
		evbuffer_drain(in, used);
		switch (st) {
		case FRAMER_MSG:
			flow_hep_in(fl, m);
			FLOW_CALL(fl, fl->cbs.on_msg(m, fl->arg));
			if (!flow_alive(fl))
				return;
			break;
		case FRAMER_PONG:
			if (fl->cbs.on_pong != NULL) {
				FLOW_CALL(fl, fl->cbs.on_pong(fl->arg));
				if (!flow_alive(fl))
					return;
			}
			break;
		case FRAMER_ERROR:
			flow_fail(fl, SC_SIP_MALFORMED,
			    sc_framer_error(fl->framer));
			return;
		case FRAMER_MORE:
			return;
		}
	}
}

/* Classifies a failed handshake from the OpenSSL error queue. */
static enum sc_verdict
flow_tls_error(struct flow *fl, char *why, size_t whylen)
{
	unsigned long	 e, first = 0;
	int		 sockerr = EVUTIL_SOCKET_ERROR();
	enum sc_verdict	 v;

	while ((e = bufferevent_get_openssl_error(fl->bev)) != 0)
		if (first == 0)
			first = e;
	/* A refused client certificate, or no cipher in common. */
	if ((v = sc_tlsprofile_classify(bufferevent_openssl_get_ssl(fl->bev),
	    1, why, whylen)) != SC_OK)
		return v;
	if (first == 0) {
		if (sockerr == ECONNRESET) {
			snprintf(why, whylen,
			    "connection reset during the TLS handshake");
			return SC_TLS_HANDSHAKE_FAILED;
		}
		snprintf(why, whylen, "connection closed during the TLS "
		    "handshake%s%s", sockerr ? ": " : "",
		    sockerr ? strerror(sockerr) : "");
		return SC_TLS_HANDSHAKE_FAILED;
	}
	snprintf(why, whylen, "TLS handshake failed: %s",
	    ERR_reason_error_string(first) ? ERR_reason_error_string(first) :
	    "unknown error");
	if (ERR_GET_LIB(first) == ERR_LIB_SSL) {
		SSL *ssl = bufferevent_openssl_get_ssl(fl->bev);

		/*
		 * A server with nothing in common answers the ClientHello
		 * with a handshake_failure alert (no_shared_cipher is only
		 * ever raised on the server's side).
		 */
		if ((ERR_GET_REASON(first) ==
		    SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
		    ERR_GET_REASON(first) ==
		    SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY) && ssl != NULL &&
		    SSL_get_state(ssl) == TLS_ST_CW_CLNT_HELLO)
			return SC_TLS_PROTOCOL_MISMATCH;
		switch (ERR_GET_REASON(first)) {
		case SSL_R_UNSUPPORTED_PROTOCOL:
		case SSL_R_NO_PROTOCOLS_AVAILABLE:
		case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
		case SSL_R_NO_SHARED_CIPHER:
		case SSL_R_NO_CIPHERS_AVAILABLE:
		case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
			return SC_TLS_PROTOCOL_MISMATCH;
		}
	}
	return SC_TLS_HANDSHAKE_FAILED;
}

static void
flow_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct flow	*fl = arg;
	char		 why[256];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		fl->tls_up = 1;
		FLOW_CALL(fl, fl->cbs.on_tls(fl->arg));
		(void)flow_alive(fl);
		return;
	}
	if (!fl->tls_up) {
		enum sc_verdict v = flow_tls_error(fl, why, sizeof(why));

		flow_fail(fl, v, why);
		return;
	}
	/* TLS 1.3: a refused client certificate comes on the first read. */
	if (sc_tlsprofile_classify(bufferevent_openssl_get_ssl(bev), 0, why,
	    sizeof(why)) == SC_TLS_CLIENT_CERT_REJECTED) {
		flow_fail(fl, SC_TLS_CLIENT_CERT_REJECTED, why);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		flow_fail(fl, SC_SIP_CONNECTION_CLOSED,
		    "the server closed the connection");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		unsigned long	e = bufferevent_get_openssl_error(bev);
		int		err = EVUTIL_SOCKET_ERROR();

		if (e != 0)
			snprintf(why, sizeof(why), "TLS error: %s",
			    ERR_reason_error_string(e) ?
			    ERR_reason_error_string(e) : "unknown");
		else
			snprintf(why, sizeof(why), "connection %s",
			    err == ECONNRESET ? "reset by the server" :
			    strerror(err));
		flow_fail(fl, SC_SIP_CONNECTION_CLOSED, why);
	}
}

static void
flow_connected(evutil_socket_t fd, short what, void *arg)
{
	struct flow	*fl = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);
	SSL		*ssl;
	char		 why[160];

	(void)what;
	event_free(fl->connect_ev);
	fl->connect_ev = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		snprintf(why, sizeof(why), "TCP connect: %s", strerror(err));
		flow_fail(fl, err == ECONNREFUSED ? SC_TCP_REFUSED :
		    err == ETIMEDOUT ? SC_TCP_TIMEOUT :
		    err == ECONNRESET ? SC_TCP_RESET : SC_TCP_REFUSED, why);
		return;
	}
	FLOW_CALL(fl, fl->cbs.on_tcp(fl->arg));
	if (!flow_alive(fl))
		return;

	if ((ssl = sc_tlsctx_ssl_new(fl->ctx, fl->sni)) == NULL ||
	    (fl->resume != NULL &&
	    sc_tlsctx_ssl_resume(ssl, fl->resume) == -1)) {
		SSL_free(ssl);
		flow_fail(fl, SC_INTERNAL_ERROR, "cannot create an SSL object");
		return;
	}
	fl->bev = bufferevent_openssl_socket_new(fl->base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (fl->bev == NULL) {
		SSL_free(ssl);
		flow_fail(fl, SC_INTERNAL_ERROR, "cannot create a bufferevent");
		return;
	}
	fl->fd = -1;	/* the bufferevent owns it now */
	bufferevent_openssl_set_allow_dirty_shutdown(fl->bev, 1);
	bufferevent_setcb(fl->bev, flow_readcb, NULL, flow_eventcb, fl);
	bufferevent_enable(fl->bev, EV_READ | EV_WRITE);
}

int
sc_flow_connect(struct flow *fl, const struct sockaddr *sa, socklen_t salen,
    enum sc_verdict *v, char *why, size_t whylen)
{
	int one = 1;

	fl->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fl->fd == -1) {
		*v = SC_INTERNAL_ERROR;
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	/* SIP is request/response: Nagle would only add latency. */
	(void)setsockopt(fl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fl->sourcelen > 0 && bind(fl->fd, (struct sockaddr *)&fl->source,
	    fl->sourcelen) == -1) {
		*v = SC_INTERNAL_ERROR;
		snprintf(why, whylen, "bind to the source address: %s",
		    strerror(errno));
		return -1;
	}
	if (connect(fl->fd, sa, salen) == -1 && errno != EINPROGRESS) {
		int err = errno;

		/* Local resource exhaustion is ours, not the server's. */
		*v = (err == EMFILE || err == ENFILE || err == EADDRNOTAVAIL) ?
		    SC_INTERNAL_ERROR : SC_TCP_REFUSED;
		snprintf(why, whylen, "TCP connect: %s", strerror(err));
		return -1;
	}
	fl->connect_ev = event_new(fl->base, fl->fd, EV_WRITE, flow_connected,
	    fl);
	if (fl->connect_ev == NULL || event_add(fl->connect_ev, NULL) == -1) {
		*v = SC_INTERNAL_ERROR;
		snprintf(why, whylen, "cannot watch the socket");
		return -1;
	}
	return 0;
}

void
sc_flow_resume(struct flow *fl, SSL_SESSION **slot)
{
	fl->resume = slot;
}

void
sc_flow_source(struct flow *fl, const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL || len > sizeof(fl->source)) {
		fl->sourcelen = 0;
		return;
	}
	memcpy(&fl->source, sa, len);
	fl->sourcelen = len;
}

void
sc_flow_break(struct flow *fl, enum sc_break_how how)
{
	struct linger	 lg = { 1, 0 };
	SSL		*ssl;
	int		 fd;

	if (fl->connect_ev != NULL)
		event_del(fl->connect_ev);
	fl->broken = 1;
	if (fl->bev == NULL) {
		if (fl->fd != -1 && how == SC_BREAK_RST)
			(void)setsockopt(fl->fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		return;
	}
	bufferevent_disable(fl->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(fl->bev, NULL, NULL, NULL, NULL);
	fd = bufferevent_getfd(fl->bev);
	switch (how) {
	case SC_BREAK_RST:
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case SC_BREAK_CLOSE_NOTIFY:
		/* The alert goes straight to the socket BIO; then FIN. */
		if ((ssl = bufferevent_openssl_get_ssl(fl->bev)) != NULL)
			(void)SSL_shutdown(ssl);
		(void)shutdown(fd, SHUT_WR);
		break;
	case SC_BREAK_SILENT_DROP:
		break;
	}
}

int
sc_flow_ws(struct flow *fl, const char *host, const char *path,
    const char *origin)
{
	sc_ws_free(fl->ws);
	fl->ws = sc_ws_new(host, path, origin, fl->maxmsg,
	    &flow_ws_cbs, fl);
	return fl->ws == NULL ? -1 : 0;
}

int
sc_flow_ws_upgrade(struct flow *fl)
{
	if (fl->ws == NULL || fl->bev == NULL || !fl->tls_up || fl->doomed)
		return -1;
	return sc_ws_start(fl->ws);
}

int
sc_flow_ws_status(const struct flow *fl)
{
	return fl->ws_status;
}

/* A CRLFCRLF keep-alive over WSS, as the server answers it (flow_ka). */
static int
flow_ws_keepalive(struct flow *fl)
{
	switch (fl->ka) {
	case FLOW_KA_WS_CRLF:
		return sc_ws_send(fl->ws, "\r\n\r\n", 4);
	case FLOW_KA_WS_PING:
		return sc_ws_ping(fl->ws);
	default:
		fl->ka = FLOW_KA_PROBING;
		fl->ka_stale_pong = fl->ka_stale_crlf = 0;
		if (sc_ws_send(fl->ws, "\r\n\r\n", 4) == -1)
			return -1;
		return sc_ws_ping(fl->ws);
	}
}

const char *
sc_flow_keepalive(const struct flow *fl)
{
	if (fl->ws == NULL)
		return "crlf";
	switch (fl->ka) {
	case FLOW_KA_WS_CRLF:
		return "ws_crlf";
	case FLOW_KA_WS_PING:
		return "ws_ping";
	default:
		return NULL;
	}
}

int
sc_flow_send(struct flow *fl, const char *buf, size_t len)
{
	if (fl->bev == NULL || !fl->tls_up || fl->doomed || fl->broken)
		return -1;
	if (fl->ws != NULL) {
		if (len == 4 && memcmp(buf, "\r\n\r\n", 4) == 0)
			return flow_ws_keepalive(fl);
		if (sc_ws_send(fl->ws, buf, len) == -1)
			return -1;
		if (sc_hep_enabled())
			sc_hep_capture(bufferevent_getfd(fl->bev), 1, buf, len);
		return 0;
	}
	/* Keep-alives (CRLFCRLF) are no SIP message: no HEP copy. */
	if (len > 4 && sc_hep_enabled())
		sc_hep_capture(bufferevent_getfd(fl->bev), 1, buf, len);
	return bufferevent_write(fl->bev, buf, len);
}

SSL *
sc_flow_ssl(struct flow *fl)
{
	return fl->bev != NULL ? bufferevent_openssl_get_ssl(fl->bev) : NULL;
}

int
sc_flow_local(struct flow *fl, char *ip, size_t iplen, unsigned *port)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	int			fd;

	fd = fl->bev != NULL ? bufferevent_getfd(fl->bev) : fl->fd;
	if (fd == -1 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (inet_ntop(AF_INET6, &s6->sin6_addr, ip, iplen) == NULL)
			return -1;
		*port = ntohs(s6->sin6_port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		if (inet_ntop(AF_INET, &s4->sin_addr, ip, iplen) == NULL)
			return -1;
		*port = ntohs(s4->sin_port);
	}
	return 0;
}
