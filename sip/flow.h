/*
 * flow.h - one SIP-over-TLS connection on the event loop: a timed
 * non-blocking TCP connect, a timed TLS handshake through
 * bufferevent_openssl, and SIP message framing of what arrives.
 * Internal to the sip/ library.
 */
#ifndef SC_FLOW_H
#define SC_FLOW_H

#include <sys/socket.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>

#include "sipcanary.h"

struct event_base;
struct flow;

/*
 * Callbacks run from the event loop.  They may call sc_flow_free() on the
 * flow; the flow notices and stops touching itself.
 */
struct flow_cbs {
	void	(*on_tcp)(void *arg);		/* TCP connected */
	void	(*on_tls)(void *arg);		/* handshake complete */
	void	(*on_msg)(msg_t *, void *arg);	/* the message is the callee's */
	void	(*on_pong)(void *arg);		/* CRLF keep-alive answer */
	/* The flow is dead: v classifies why, in the phase it died in. */
	void	(*on_error)(enum sc_verdict v, const char *why, void *arg);
	/* WSS: the upgrade succeeded (after sc_flow_ws_upgrade). */
	void	(*on_ws)(void *arg);
};

struct flow	*sc_flow_new(struct event_base *, SSL_CTX *, const char *sni,
		    size_t maxmsg, const struct flow_cbs *, void *arg);

/* Starts connecting; 0, or -1 with the failure already in *v and why. */
int		 sc_flow_connect(struct flow *, const struct sockaddr *,
		    socklen_t, enum sc_verdict *v, char *why, size_t whylen);

/*
 * Offer and keep TLS sessions in *slot (see sc_tlsctx_ssl_resume); call
 * before sc_flow_connect().  *slot outlives the flow.
 */
void		 sc_flow_resume(struct flow *, SSL_SESSION **slot);

/* Binds the socket to a local address before connecting (NULL: any). */
void		 sc_flow_source(struct flow *, const struct sockaddr *,
		    socklen_t);

/*
 * SIP over secure WebSocket (RFC 7118, ws.c): call before
 * sc_flow_connect().  After on_tls, sc_flow_ws_upgrade() sends the HTTP
 * upgrade; on_ws follows once the 101 is checked, or on_error with a
 * ws_* verdict.  From then on each sc_flow_send() is one text frame, a
 * CRLFCRLF keep-alive goes as the server answers it (a CRLFCRLF text
 * frame, or a WebSocket ping: see sc_flow_keepalive; on_pong: its
 * answer), and each data message is framed as SIP.  The ws_* failures also leave their
 * HTTP status or close code in sc_flow_ws_status().  -1: out of memory.
 */
int		 sc_flow_ws(struct flow *, const char *host, const char *path,
		    const char *origin);
int		 sc_flow_ws_upgrade(struct flow *);
int		 sc_flow_ws_status(const struct flow *);

int		 sc_flow_send(struct flow *, const char *, size_t);

/*
 * How a CRLFCRLF keep-alive goes: "crlf" (on the TLS stream, RFC 5626),
 * "ws_crlf" (inside a WebSocket text frame: the server answered one with
 * a CRLF), "ws_ping" (a WebSocket ping: it did not), or NULL over WSS
 * before the first answer.  Settled before on_pong reports that answer.
 */
const char	*sc_flow_keepalive(const struct flow *);

/*
 * Ends the connection the way a broken network or peer would: a TCP
 * reset, a TLS close_notify then FIN, or a silent drop where the
 * connection is just no longer used (the descriptor stays open until
 * sc_flow_free, as a dead NAT binding would leave it).  No callback follows.
 */
void		 sc_flow_break(struct flow *, enum sc_break_how);
SSL		*sc_flow_ssl(struct flow *);

/* Local address for Via and Contact: "ip" and port. */
int		 sc_flow_local(struct flow *, char *ip, size_t iplen,
		    unsigned *port);

void		 sc_flow_free(struct flow *);

#endif /* SC_FLOW_H */
