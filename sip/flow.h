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
 * Callbacks run from the event loop.  They may call flow_free() on the
 * flow; the flow notices and stops touching itself.
 */
struct flow_cbs {
	void	(*on_tcp)(void *arg);		/* TCP connected */
	void	(*on_tls)(void *arg);		/* handshake complete */
	void	(*on_msg)(msg_t *, void *arg);	/* the message is the callee's */
	void	(*on_pong)(void *arg);		/* CRLF keep-alive answer */
	/* The flow is dead: v classifies why, in the phase it died in. */
	void	(*on_error)(enum sc_verdict v, const char *why, void *arg);
};

struct flow	*flow_new(struct event_base *, SSL_CTX *, const char *sni,
		    size_t maxmsg, const struct flow_cbs *, void *arg);

/* Starts connecting; 0, or -1 with the failure already in *v and why. */
int		 flow_connect(struct flow *, const struct sockaddr *, socklen_t,
		    enum sc_verdict *v, char *why, size_t whylen);

int		 flow_send(struct flow *, const char *, size_t);
SSL		*flow_ssl(struct flow *);

/* Local address for Via and Contact: "ip" and port. */
int		 flow_local(struct flow *, char *ip, size_t iplen,
		    unsigned *port);

void		 flow_free(struct flow *);

#endif /* SC_FLOW_H */
