/*
 * status_html.h - the daemon's status page (GET /): a view of every
 * target and frontend, rendered as one self-refreshing HTML page.
 *
 * The daemon fills a status_view from its state and calls
 * status_html_write(); this module keeps no state and reads nothing
 * else.  All strings may come from config or DNS and are escaped,
 * except alerts_html, which the caller has rendered (and escaped).
 */
#ifndef SC_STATUS_HTML_H
#define SC_STATUS_HTML_H

#include <stddef.h>
#include <time.h>

struct evbuffer;

/* Probe results in status_frontend.history. */
#define STATUS_HISTORY_NONE	0
#define STATUS_HISTORY_OK	1
#define STATUS_HISTORY_WARNING	2
#define STATUS_HISTORY_FAILED	3
#define STATUS_HISTORY_MAX	60	/* cells in the strip */

/* Seconds of the page's self-refresh. */
#define STATUS_REFRESH		15

/* One frontend (ip:port) of a target. */
struct status_frontend {
	const char		*address;
	const char		*verdict;	/* NULL: not probed yet */
	const char		*error;		/* may be NULL */
	time_t			 last_success;	/* 0 never */
	double			 days_left;	/* NAN unknown */
	int			 flows_up;
	int			 flows_total;
	/* Oldest first: 0 none, 1 ok, 2 warning, 3 failed. */
	const unsigned char	*history;
	size_t			 nhistory;	/* <= 60; more: the last 60 */
	/* Where each certificate's revocation answer came from; NULL. */
	const char		*revocation;
};

struct status_target {
	const char			*name;
	const char			*uri;
	const char			*owner;
	/* "ok" "warning" "critical" "unknown" */
	const char			*state;
	int				 outage;	/* the detector fires */
	int				 insecure;	/* skip_verify is on */
	const struct status_frontend	*frontends;
	size_t				 nfrontends;
};

/* A configured target that is not probed, and why. */
struct status_broken {
	const char	*name;
	const char	*uri;
	const char	*reason;
};
#define STATUS_BROKEN_MAX	64	/* listed on the page; /healthz has all */

struct status_view {
	const char			*vantage;
	const char			*version;
	time_t				 now;
	time_t				 started;
	const struct status_target	*targets;
	size_t				 ntargets;
	/* Optional pre-rendered block for firing alerts, may be NULL. */
	const char			*alerts_html;
	/* Why the last reload was refused, when it was; NULL if it was not. */
	const char			*reload_error;
	time_t				 reload_failed_at;
	int				 no_sinks;	/* alerts go nowhere */
	const struct status_broken	*broken;	/* not probed */
	size_t				 nbroken;
};

/*
 * Appends the page to out (Content-Type: text/html; charset=utf-8).
 *
 * outage is the new_connection_outage detector, insecure the target's
 * insecure_skip_verify.
 *
 * Stable hooks for tests and scrapers: section.target[data-target=NAME]
 * [data-state=STATE] with id "target-NAME"; div.outage#outage-NAME only
 * while the detector fires, p.detector otherwise; p.insecure when TLS
 * verification is off; tr.frontend[data-frontend=ADDR][data-verdict=V];
 * svg.strip[data-history] with one digit (0-3) per result, oldest
 * first; section#alerts; p.reload-failed while the last reload was
 * refused; p.no-sinks while alerts are delivered nowhere;
 * section.broken > li[data-target=NAME] for each target not probed.  In ids, whitespace in NAME becomes '_'.
 * Out of memory, the page is truncated.
 */
void	status_html_write(struct evbuffer *out, const struct status_view *v);

#endif /* SC_STATUS_HTML_H */
