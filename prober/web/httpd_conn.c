/*
 * httpd_conn.c - the HTTP endpoint's connections: how many it holds, from
 * whom, for how long, and what it does when descriptors run out.
 *
 * Owns: the caps (in total and per source address), the deadline of each
 * request head, the pause of accept() when it fails and the log line that
 * says so, and their counters.  httpd.c owns the rest of the endpoint and
 * hands each new connection here.
 *
 * Why this way: libevent 2.1's evhttp accepts by itself and has no hook
 * per connection (evhttp_set_newreqcb() came in 2.2).  Its bufferevent
 * callback runs at each accept, before the connection exists, so a new
 * connection is only noted there, and looked at once the accept burst is
 * over (an event made active).  By then evhttp has given the bufferevent
 * its descriptor and its callbacks, whose argument is the
 * evhttp_connection (so in every libevent since 2.0); the connection
 * gives its peer address and a close callback.  One over a cap is freed
 * there and then, before it has read a byte: a 503 would cost a write
 * that a flood must not get.
 *
 * The listener stops within a burst once it has accepted one more than
 * max_conns leaves room for, so the endpoint never holds more than
 * max_conns + 1 descriptors besides its listening socket: the daemon
 * sizes max_conns by that (daemon/fdbudget.c).
 *
 * When accept() fails (EMFILE, ENFILE: descriptors ran out anyway),
 * libevent would log and retry at once, forever, since the connection
 * stays in the backlog: a busy loop writing millions of lines.  Instead
 * the listener pauses (100 ms, doubling to 2 s while failures go on),
 * the connections still waiting for a request head are closed, and so
 * are those of the burst that failed, because the probes need
 * descriptors more than a half-sent request does; one line a minute
 * says so.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/timer.h"
#include "conf/defaults.h"
#include "web/httpd.h"
#include "web/httpd_conn.h"

#define HCONN_PAUSE_MIN		0.1	/* s, after a failed accept() */
#define HCONN_PAUSE_MAX		2.0	/* s, while failures go on */
#define HCONN_LOG_EVERY		60	/* s between lines about them */
#define HCONN_SOURCE_MAX	64	/* a numeric address, with scope */

struct hconn {
	TAILQ_ENTRY(hconn)	 entry;
	struct hconns		*hc;
	struct bufferevent	*bev;		/* pending: our reference */
	struct evhttp_connection *evcon;	/* admitted */
	struct event		*deadline;	/* of its request head */
	char			 source[HCONN_SOURCE_MAX];
};

TAILQ_HEAD(hconn_list, hconn);

struct hconns {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct event		*admit_ev;	/* after an accept burst */
	struct event		*resume_ev;	/* after a pause */
	struct hconn_list	 pending;	/* accepted, not looked at */
	struct hconn_list	 open;		/* admitted */
	size_t			 npending;
	struct httpd_limits	 lim;
	struct httpd_stats	 st;
	double			 pause;		/* the last one, s */
	struct timespec		 failed;	/* the last failed accept() */
	struct timespec		 logged;	/* the last line about it */
	int			 has_logged;
	unsigned		 unlogged;	/* failures since that line */
	int			 paused;
	int			 starved;	/* accept() ran out in this
						   burst: refuse its catch */
	void			(*log)(void *, const char *);
	void			*logarg;
	struct hconns		*next;		/* in hconns_all */
};

/*
 * Every set, to find one from its listener: the listener's callback
 * argument is evhttp's, and its error callback gets that same argument.
 */
static struct hconns	*hconns_all;

static const char *const hconn_reasons[HTTPD_REFUSED_NUM] = {
	[HTTPD_REFUSED_TOTAL_CAP] = "total_cap",
	[HTTPD_REFUSED_SOURCE_CAP] = "source_cap",
	[HTTPD_REFUSED_EMFILE] = "emfile",
};

const char *
httpd_refusal_str(int r)
{
	return r >= 0 && r < HTTPD_REFUSED_NUM ? hconn_reasons[r] : "?";
}

static double
hconn_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* --- one connection -------------------------------------------------- */

static void
hconn_free(struct hconn *c)
{
	if (c == NULL)
		return;
	if (c->deadline != NULL)
		event_free(c->deadline);
	free(c);
}

/* evhttp is closing it, whoever asked. */
static void
hconn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct hconn	*c = arg;

	(void)evcon;
	TAILQ_REMOVE(&c->hc->open, c, entry);
	c->hc->st.connections--;
	hconn_free(c);
}

static void
hconn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct hconn	*c = arg;

	(void)fd;
	(void)what;
	c->hc->st.header_timeouts++;
	evhttp_connection_free(c->evcon);	/* hconn_closed() frees c */
}

static void
hconn_wait_head(struct hconn *c)
{
	timer_arm(c->deadline, c->hc->lim.header_timeout);
}

/* The reply is out: the next request head on the connection has its time. */
static void
hconn_replied(struct evhttp_request *req, void *arg)
{
	(void)req;
	hconn_wait_head(arg);
}

void
hconns_request(struct hconns *hc, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct hconn			*c;

	if (hc == NULL || (evcon = evhttp_request_get_connection(req)) == NULL)
		return;
	TAILQ_FOREACH(c, &hc->open, entry)
		if (c->evcon == evcon) {
			(void)evtimer_del(c->deadline);
			evhttp_request_set_on_complete_cb(req, hconn_replied,
			    c);
			return;
		}
}

/* --- admission ------------------------------------------------------- */

static unsigned
hconn_from(const struct hconns *hc, const char *source)
{
	const struct hconn	*c;
	unsigned		 n = 0;

	TAILQ_FOREACH(c, &hc->open, entry)
		if (strcmp(c->source, source) == 0)
			n++;
	return n;
}

/* A pending connection: admitted, or refused and freed. */
static void
hconn_admit(struct hconns *hc, struct hconn *c)
{
	void		(*readcb)(struct bufferevent *, void *) = NULL;
	void		*arg = NULL;
	char		*peer = NULL;
	ev_uint16_t	 port;
	int		 r = -1;

	bufferevent_getcb(c->bev, &readcb, NULL, NULL, &arg);
	bufferevent_decref(c->bev);
	c->bev = NULL;
	/* No callbacks: evhttp gave up on it already (out of memory). */
	if (readcb == NULL || (c->evcon = arg) == NULL) {
		hconn_free(c);
		return;
	}
	evhttp_connection_get_peer(c->evcon, &peer, &port);
	snprintf(c->source, sizeof(c->source), "%s", peer != NULL ? peer : "");
	if (hc->starved)
		r = HTTPD_REFUSED_EMFILE;
	else if (hc->st.connections >= hc->lim.max_conns)
		r = HTTPD_REFUSED_TOTAL_CAP;
	else if (hconn_from(hc, c->source) >= hc->lim.max_per_source)
		r = HTTPD_REFUSED_SOURCE_CAP;
	else if ((c->deadline = evtimer_new(hc->base, hconn_deadline, c)) ==
	    NULL)
		r = HTTPD_REFUSED_TOTAL_CAP;	/* out of memory: as full */
	if (r != -1) {
		hc->st.refused[r]++;
		evhttp_connection_free(c->evcon);
		hconn_free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&hc->open, c, entry);
	hc->st.connections++;
	evhttp_connection_set_closecb(c->evcon, hconn_closed, c);
	hconn_wait_head(c);
}

/* The accept burst is over: each new connection in, or out. */
static void
hconn_admit_all(evutil_socket_t fd, short what, void *arg)
{
	struct hconns	*hc = arg;
	struct hconn	*c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&hc->pending)) != NULL) {
		TAILQ_REMOVE(&hc->pending, c, entry);
		hc->npending--;
		hconn_admit(hc, c);
	}
	hc->starved = 0;
	if (!hc->paused)
		(void)evconnlistener_enable(hc->lev);
}

void
hconns_accepted(struct hconns *hc, struct bufferevent *bev)
{
	struct hconn	*c;

	if (hc == NULL)
		return;
	/* Without memory to note it, it goes unwatched: idle time still
	   ends it. */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->hc = hc;
	c->bev = bev;
	bufferevent_incref(bev);	/* until looked at */
	TAILQ_INSERT_TAIL(&hc->pending, c, entry);
	hc->npending++;
	if (hc->st.connections + hc->npending > hc->lim.max_conns)
		(void)evconnlistener_disable(hc->lev);
	event_active(hc->admit_ev, EV_TIMEOUT, 0);
}

/* --- accept() failures ----------------------------------------------- */

static void
hconn_resume(evutil_socket_t fd, short what, void *arg)
{
	struct hconns	*hc = arg;

	(void)fd;
	(void)what;
	hc->paused = 0;
	(void)evconnlistener_enable(hc->lev);
}

/* Closes the connections still waiting for a request head: how many. */
static unsigned
hconn_shed(struct hconns *hc)
{
	struct hconn	*c, *next;
	unsigned	 n = 0;

	for (c = TAILQ_FIRST(&hc->open); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!evtimer_pending(c->deadline, NULL))
			continue;	/* a request in hand */
		hc->st.refused[HTTPD_REFUSED_EMFILE]++;
		n++;
		evhttp_connection_free(c->evcon);	/* frees c */
	}
	return n;
}

static void
hconn_log(struct hconns *hc, int e, unsigned shed)
{
	char	msg[512];

	hc->unlogged++;
	if (hc->log == NULL || (hc->has_logged &&
	    hconn_since(&hc->logged) < HCONN_LOG_EVERY))
		return;
	snprintf(msg, sizeof(msg), "http: accept: %s: new connections paused "
	    "for %.1f s, %u waiting for a request head closed (%u failures "
	    "since the last such line, one a minute at most); %s",
	    strerror(e), hc->pause, shed, hc->unlogged, e == EMFILE ||
	    e == ENFILE ? "out of file descriptors: raise LimitNOFILE= (ulimit "
	    "-n) or lower http_max_connections" : "the endpoint tries again");
	hc->log(hc->logarg, msg);
	clock_gettime(CLOCK_MONOTONIC, &hc->logged);
	hc->has_logged = 1;
	hc->unlogged = 0;
}

static void
hconn_accept_error(struct evconnlistener *lev, void *arg)
{
	struct hconns	*hc;
	unsigned	 shed = 0;
	int		 e = EVUTIL_SOCKET_ERROR();

	(void)arg;	/* evhttp's */
	for (hc = hconns_all; hc != NULL && hc->lev != lev; hc = hc->next)
		;
	if (hc == NULL)
		return;
	hc->pause = hc->pause > 0 && hconn_since(&hc->failed) <
	    HCONN_PAUSE_MAX + 1 ? fmin(hc->pause * 2, HCONN_PAUSE_MAX) :
	    HCONN_PAUSE_MIN;
	clock_gettime(CLOCK_MONOTONIC, &hc->failed);
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		hc->st.refused[HTTPD_REFUSED_EMFILE]++;
		shed = hconn_shed(hc);
		hc->starved = hc->npending > 0;
	}
	hc->paused = 1;
	(void)evconnlistener_disable(hc->lev);
	timer_arm(hc->resume_ev, hc->pause);
	hconn_log(hc, e, shed);
}

/* --- the set --------------------------------------------------------- */

struct hconns *
hconns_new(struct event_base *base, struct evconnlistener *lev)
{
	struct hconns	*hc;

	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return NULL;
	hc->base = base;
	hc->lev = lev;
	TAILQ_INIT(&hc->pending);
	TAILQ_INIT(&hc->open);
	hc->lim.max_conns = CF_HTTP_MAX_CONNECTIONS;
	hc->lim.max_per_source = CF_HTTP_MAX_PER_SOURCE;
	hc->lim.header_timeout = CF_HTTP_HEADER_TIMEOUT;
	if ((hc->admit_ev = event_new(base, -1, 0, hconn_admit_all, hc)) ==
	    NULL || (hc->resume_ev = evtimer_new(base, hconn_resume, hc)) ==
	    NULL) {
		hconns_free(hc);
		return NULL;
	}
	evconnlistener_set_error_cb(lev, hconn_accept_error);
	hc->next = hconns_all;
	hconns_all = hc;
	return hc;
}

void
hconns_free(struct hconns *hc)
{
	struct hconns	**p;
	struct hconn	*c;

	if (hc == NULL)
		return;
	for (p = &hconns_all; *p != NULL; p = &(*p)->next)
		if (*p == hc) {
			*p = hc->next;
			break;
		}
	while ((c = TAILQ_FIRST(&hc->pending)) != NULL) {
		TAILQ_REMOVE(&hc->pending, c, entry);
		bufferevent_decref(c->bev);
		hconn_free(c);
	}
	while ((c = TAILQ_FIRST(&hc->open)) != NULL) {
		TAILQ_REMOVE(&hc->open, c, entry);
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		hconn_free(c);
	}
	if (hc->lev != NULL)
		evconnlistener_set_error_cb(hc->lev, NULL);
	if (hc->admit_ev != NULL)
		event_free(hc->admit_ev);
	if (hc->resume_ev != NULL)
		event_free(hc->resume_ev);
	free(hc);
}

int
hconns_set_limits(struct hconns *hc, const struct httpd_limits *lim)
{
	if (lim->max_conns < 1 || lim->max_per_source < 1 ||
	    !(lim->header_timeout >= 0.001)) {
		errno = EINVAL;
		return -1;
	}
	hc->lim = *lim;
	return 0;
}

void
hconns_get_limits(const struct hconns *hc, struct httpd_limits *lim)
{
	*lim = hc->lim;
}

void
hconns_get_stats(const struct hconns *hc, struct httpd_stats *st)
{
	*st = hc->st;
}

void
hconns_set_log(struct hconns *hc, void (*fn)(void *, const char *),
    void *arg)
{
	hc->log = fn;
	hc->logarg = arg;
}
