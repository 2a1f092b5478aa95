/*
 * ws.h - SIP over secure WebSocket (RFC 7118): the HTTP/1.1 upgrade and
 * the WebSocket frames (RFC 6455, through libwslay) of one client
 * connection.  No I/O of its own: the connection feeds it what arrives
 * (sc_ws_input) and writes what it hands over (cbs.write), which keeps
 * it testable and fuzzable alone.  Internal to the sip/ library.
 */
#ifndef SC_WS_H
#define SC_WS_H

#include <stddef.h>

#include "sipcanary.h"

/*
 * Callbacks: those that return int return 0 to go on, or -1 when the
 * connection was dropped meanwhile, after which the ws touches nothing
 * but its own memory and returns at once.
 */
struct ws_cbs {
	void	(*write)(const void *, size_t, void *arg); /* to the peer */
	int	(*on_open)(void *arg);			/* the 101 checked */
	int	(*on_msg)(const char *, size_t, void *arg); /* a data message */
	int	(*on_pong)(void *arg);
	/*
	 * The WebSocket is dead: ws_upgrade_failed (status: the HTTP
	 * status, 0 if none), ws_protocol_error, or ws_closed (status:
	 * the close code).  No callback follows.
	 */
	void	(*on_error)(enum sc_verdict, int status, const char *why,
		    void *arg);
};

struct ws;

/*
 * host: the Host header; path: the request target ("/" if NULL);
 * origin: the Origin header, or NULL for none.  maxmsg bounds a message
 * and the upgrade response head.  NULL when out of memory.
 */
struct ws	*sc_ws_new(const char *host, const char *path, const char *origin,
		    size_t maxmsg, const struct ws_cbs *, void *arg);
void		 sc_ws_free(struct ws *);

/* Writes the upgrade request; 0, or -1 when out of memory. */
int		 sc_ws_start(struct ws *);

/* Takes every byte that arrived; callbacks run from here. */
void		 sc_ws_input(struct ws *, const void *, size_t);

/* One SIP message as one text frame, masked; 0 or -1 (not open). */
int		 sc_ws_send(struct ws *, const void *, size_t);

/* A ping frame; its pong comes to cbs.on_pong.  0 or -1. */
int		 sc_ws_ping(struct ws *);

/* 1 once the upgrade succeeded and until the WebSocket failed. */
int		 sc_ws_open(const struct ws *);

/* The Sec-WebSocket-Accept due for key (29 bytes with the NUL). */
void		 sc_ws_accept_for(const char *key, char out[29]);

/* The Sec-WebSocket-Key this ws sent (tests and fuzzing). */
const char	*sc_ws_key(const struct ws *);

#endif /* SC_WS_H */
