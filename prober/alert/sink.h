/*
 * sink.h - delivering alert notifications: Alertmanager (API v2),
 * PagerDuty (Events API v2) and webhooks (JSON or Slack), each through
 * its own durable outbox, with retries until the receiver takes them.
 */
#ifndef SC_SINK_H
#define SC_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"

struct event_base;
struct sink;

/*
 * One alert, as the alert engine sees it.  Any string may be NULL (sent
 * as absent or "").
 */
struct alert {
	const char	*alertname;
	const char	*severity;	/* "critical" | "warning" */
	const char	*target;	/* its identity: "voice/desk-2019" */
	const char	*target_label;	/* the configured target, as the
					   labels of /metrics say: "voice";
					   NULL: target */
	const char	*profile;	/* TLS client profile, or NULL */
	const char	*frontend;	/* "" for target-level */
	const char	*vantage;
	const char	*owner;
	const char	*summary;
	const char	*description;
	const char	*verdict;
	const char	*fingerprint;
	const char	*not_after;
	const char	*runbook_url;
	time_t		 starts_at;
	time_t		 ends_at;	/* 0 while firing */
	int		 firing;
	const char	*dedup_key;	/* stable per alert identity:
					   alert_dedup_key(); NULL: computed
					   from the identity */
};

enum notify_kind {
	NOTIFY_TRIGGER,
	NOTIFY_RESOLVE,
	NOTIFY_REFRESH		/* Alertmanager re-send while firing */
};

/* sipcanary_alert_notifications_total{sink,result} */
enum sink_result {
	SINK_SENT = 0,		/* delivered: a 2xx */
	SINK_FAILED,		/* an attempt that failed (retried) */
	SINK_DROPPED,		/* dropped to keep outbox_max */
	SINK_RESULT_NUM
};

/* "sent", "failed", "dropped": the result label values. */
const char	*sink_result_str(enum sink_result);

/* "trigger", "resolve", "refresh". */
const char	*notify_kind_str(enum notify_kind);

/*
 * The dedup key of an alert identity: the lower-case hex of SHA-256 over
 * vantage, alertname, target and frontend, each followed by a NUL byte
 * (so that no two identities give the same input).  NULL counts as "".
 */
void		 alert_dedup_key(const char *vantage, const char *alertname,
		    const char *target, const char *frontend, char out[65]);

/*
 * Where sinks log: sends, failures and what their outboxes tolerated.
 * level is an enum log_level (log.h); target, frontend and verdict are
 * those of the alert concerned (NULL for lines about the sink itself).
 * No message holds a secret or a URL path (chat webhook URLs carry their
 * token there): a sink is named by its name and its scheme://host:port.
 * Set it before sink_new(): replaying an outbox may log.  Without it,
 * nothing is logged.
 */
typedef void	(*sink_log_fn)(void *arg, int level, const char *target,
		    const char *frontend, const char *verdict,
		    const char *msg);
void		 sink_set_log(sink_log_fn, void *arg);

/*
 * Told of every notification a sink delivered (a 2xx from the receiver):
 * kind is "trigger", "resolve" or "refresh"; at is when.
 */
typedef void	(*sink_delivered_fn)(void *arg, const char *sink,
		    const char *kind, const char *alertname,
		    const char *target, const char *frontend, time_t at);
void		 sink_set_delivered(sink_delivered_fn, void *arg);

/*
 * A sink on base, as conf says (copied: conf may be freed afterwards),
 * with its outbox in state_dir.  Notifications pending from before a
 * restart are sent again, in order, from the event loop.  A disabled sink
 * is made, but takes nothing and opens no outbox.  NULL with "sink
 * NAME: why" in err.
 */
struct sink	*sink_new(struct event_base *, const struct sink_conf *,
		    const char *state_dir, char *err, size_t errlen);

/*
 * Queues a notification of a for this sink and starts sending it: if a
 * matches the sink's match, and kind applies to the sink (a refresh only
 * to Alertmanager, and only when resend_interval has passed since the
 * alert was last queued: call it for every firing alert as often as you
 * like).  The notification is durable (fsync'd) when this returns.
 *
 * 1: queued; 0: not for this sink; -1: it could not be written to the
 * outbox (logged): it is sent all the same, but a crash before that
 * loses it; or out of memory (logged).
 */
int		 sink_notify(struct sink *, const struct alert *,
		    enum notify_kind);

/*
 * Stops the sink: a request in flight is abandoned (its notification
 * stays pending in the outbox, for the next sink_new()), the outbox is
 * closed.  NULL is fine.
 */
void		 sink_free(struct sink *);

const char	*sink_name(const struct sink *);
int		 sink_type(const struct sink *);	/* enum sink_type */

/* Counters since sink_new(), by result. */
uint64_t	 sink_notifications(const struct sink *, enum sink_result);

/* When it last delivered a notification; 0: never since sink_new(). */
time_t		 sink_last_delivery(const struct sink *);

/*
 * 1 if a notification of kind for the alert (alertname, target,
 * frontend) waits in the sink's outbox.
 */
int		 sink_pending(const struct sink *, const char *kind,
		    const char *alertname, const char *target,
		    const char *frontend);

/* Pending notifications (sipcanary_alert_outbox_depth{sink}). */
size_t		 sink_depth(const struct sink *);

/*
 * Notifications dropped since sink_new() because the outbox was full,
 * including at replay (sipcanary_alert_notifications_dropped_total).
 */
uint64_t	 sink_dropped(const struct sink *);

/* 1 if every label=value of conf's match holds for a. */
int		 sink_match(const struct sink_conf *, const struct alert *);

/*
 * The HTTP body conf's sink sends for a and kind, as built at time now,
 * with notification id "id" (webhooks carry it): a malloc'ed string
 * (length in *len when len is not NULL), or NULL when the kind does not
 * apply to the sink type or out of memory.  For PagerDuty it holds the
 * routing key (conf->secret); the outbox never does (sink.c).
 */
char		*sink_payload(const struct sink_conf *, const struct alert *,
		    enum notify_kind, const char *id, time_t now, size_t *len);

#endif /* SC_SINK_H */
