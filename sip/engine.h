/*
 * engine.h - what the scenario engine's files share, internal to sip/:
 * the engine, its simulated clients, and the client functions one file
 * calls in another.
 *
 *   engine.c        the engine: clients started on a ramp, the run's
 *                   duration, stop and shutdown, each client's result
 *   client.c        a client's step machine: begin, timer, step end, next
 *   client_conn.c   connect and reconnect: flow callbacks, backoff, the
 *                   TLS details and certificate checks of a new flow
 *   client_sip.c    the SIP steps: REGISTER, re-register, unregister,
 *                   OPTIONS, and their responses
 *   client_alive.c  keepalive and hold (pings), maintain (pings and
 *                   registration refreshes)
 */
#ifndef SC_ENGINE_H
#define SC_ENGINE_H

#include <event2/event.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>

#include "sipcanary.h"

#define ENGINE_TIMER_F		32.0	/* 64 * T1, RFC 3261 §17.1.2.2 */
#define ENGINE_MAX_DEPTH	8	/* nested repeat blocks */
#define ENGINE_EXPIRES		300
#define ENGINE_PING_EVERY	1.0	/* keepalive default */
#define ENGINE_HOLD_EVERY	30.0	/* hold: RFC 5626 suggests 95-120s */
#define ENGINE_HOLD_FOR		30.0
#define ENGINE_CLIENT_CERT_WAIT	1.0	/* s a TLS-only connect waits for a
					   TLS 1.3 server to refuse the
					   client certificate */

struct flow;
struct reg;

/* One level of the step stack: the scenario, or a repeat block. */
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
	int			 crlf_off;	/* the peer answers no CRLF
						   ping: OPTIONS alone */
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
	struct sc_result	*res;		/* NULL: the engine keeps none */
	struct sc_revcheck	*rev;		/* revocation under way */
	struct sc_certreport	*scratch;	/* a report not kept, while
						   revocation is under way */
	int			 cert_first;	/* the first connect's */
	int			 cert_wait;	/* TLS only: waiting on the tick
						   for a TLS 1.3 refusal of the
						   client certificate */
};

struct sc_engine {
	struct event_base	*base;
	struct sc_engine_opts	 o;
	struct sc_engine_cbs	 cbs;
	void			*arg;
	struct client		*clients;
	struct sc_result	*results;	/* one per client, or NULL */
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

/* client.c: helpers every step uses */
void	 sc_client_trace(struct client *, const char *dir, const char *text);
void	 sc_client_timer_add(struct client *, struct event *, double after);
void	 sc_client_arm(struct client *, double after);
void	 sc_client_stop_ticks(struct client *);
void	 sc_client_flow_down(struct client *, enum sc_verdict why);
void	 sc_client_drop_flow(struct client *);
void	 sc_client_broken(struct client *, int deliberate,
	    enum sc_verdict why);
double	 sc_client_within(const struct client *, const struct sc_step *);

/* client.c: the step machine */
void	 sc_client_begin(struct client *, const struct sc_step *);
void	 sc_client_timer(evutil_socket_t, short, void *);
void	 sc_client_step_end(struct client *, enum sc_verdict, int status,
	    const char *error);
void	 sc_client_next(struct client *);
void	 sc_client_rewind(struct client *);

/* client_conn.c */
void	 sc_client_connect_now(struct client *);
void	 sc_client_address(const struct client *, char *buf, size_t len);
double	 sc_client_reconnect_delay(const struct client *,
	    const struct sc_step *);

/* client_sip.c */
void	 sc_client_sip_begin(struct client *);
int	 sc_client_send(struct client *, char *wire, size_t len,
	    char *redacted);
void	 sc_client_on_response(struct client *, msg_t *);
enum sc_verdict sc_client_options_verdict(const struct client *, int status,
	    enum sc_verdict);

/* client_alive.c */
void	 sc_client_tick(evutil_socket_t, short, void *);
void	 sc_client_keepalive_begin(struct client *, double every,
	    double duration);
void	 sc_client_maintain_begin(struct client *);
void	 sc_client_maintain_response(struct client *, msg_t *);

/* engine.c */
void	 sc_client_finish(struct client *);

#endif /* SC_ENGINE_H */
