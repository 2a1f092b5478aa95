/*
 * deliver.c - alert delivery: the sinks (alert/sink.h), rebuilt on a
 * reload but for the unchanged ones, and the notifications the alert
 * state machine (alert/alert.h) triggers, queued to every sink; firing
 * alerts are re-sent for Alertmanager, which forgets those not re-sent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/internal.h"

/* The owner and runbook of a target by name, for notifications. */
static const struct dtarget *
daemon_target(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ntargets; i++)
		if (strcmp(d->targets[i]->conf.name, name) == 0)
			return d->targets[i];
	for (i = 0; i < d->nretired; i++)
		if (strcmp(d->retired[i]->conf.name, name) == 0)
			return d->retired[i];
	return NULL;
}

/*
 * The notification of a, as the sinks take it.  A profile's alert is
 * labelled with the configured target (in base) and the profile, as its
 * series on /metrics are.
 */
static void
daemon_alert_fill(struct daemon *d, const struct alert_state *a,
    enum notify_kind kind, struct alert *al, char *base, size_t baselen)
{
	const struct dtarget	*t = daemon_target(d, a->target);

	memset(al, 0, sizeof(*al));
	al->alertname = a->alertname;
	al->severity = a->severity;
	al->target = a->target;
	if (t != NULL && (al->target_label = dprofile_target(t, base,
	    baselen)) != NULL)
		al->profile = t->conf.pf->name;
	al->frontend = a->frontend;
	al->vantage = d->conf->vantage;
	al->owner = t != NULL ? t->conf.owner : NULL;
	al->summary = a->summary;
	al->description = a->description;
	al->verdict = a->verdict;
	al->fingerprint = a->fingerprint;
	al->not_after = a->not_after;
	al->runbook_url = t != NULL ? t->conf.runbook_url : NULL;
	al->starts_at = a->starts_at;
	al->ends_at = kind == NOTIFY_RESOLVE ? a->resolved_at : 0;
	al->firing = kind != NOTIFY_RESOLVE;
}

/* Queues a notification for sink k (durably, before sending). */
static void
daemon_send_one(struct daemon *d, struct sink *k, const struct alert_state *a,
    enum notify_kind kind)
{
	struct alert	al;
	char		base[256];

	daemon_alert_fill(d, a, kind, &al, base, sizeof(base));
	if (sink_notify(k, &al, kind) != 0 && kind != NOTIFY_REFRESH)
		alerts_queued(d->alerts, a, sink_name(k),
		    notify_kind_str(kind));
}

/* Queues a notification for every sink. */
static void
daemon_send(struct daemon *d, const struct alert_state *a,
    enum notify_kind kind)
{
	size_t	i;

	for (i = 0; i < d->nsinks; i++)
		daemon_send_one(d, d->sinks[i], a, kind);
}

/* A sink delivered a notification: /alerts says so. */
static void
daemon_delivered(void *arg, const char *sink, const char *kind,
    const char *alertname, const char *target, const char *frontend,
    time_t at)
{
	struct daemon *d = arg;

	alerts_delivered(d->alerts, alertname, target, frontend, sink, kind,
	    at);
}

/* The end of a round of alert evaluations: decide the pages. */
static void
daemon_settle(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd; (void)what;
	alerts_settle(d->alerts);
}

/* Called by every evaluation: settle once the loop is free again. */
static void
daemon_wake_settle(void *arg)
{
	struct daemon *d = arg;

	if (!event_pending(d->ev_settle, EV_TIMEOUT, NULL))
		event_active(d->ev_settle, EV_TIMEOUT, 1);
}

/*
 * Alerts whose last notification to a sink was neither delivered nor is
 * waiting in its outbox any more (a damaged record set aside, an outbox
 * wiped) are queued again: at worst a duplicate, never a lost page.
 */
static void
daemon_reconcile_one(const struct alert_state *a, enum alert_event ev,
    void *arg)
{
	struct daemon	*d = arg;
	size_t		 i, j;

	(void)ev;
	for (i = 0; i < a->ndeliveries; i++) {
		const struct alert_delivery *dl = &a->deliveries[i];

		/* Only what is still true: a trigger while it fires. */
		if (dl->delivered_at != 0 ||
		    (strcmp(dl->kind, "trigger") == 0) != (a->firing != 0))
			continue;
		for (j = 0; j < d->nsinks; j++)
			if (strcmp(sink_name(d->sinks[j]), dl->sink) == 0)
				break;
		if (j == d->nsinks || sink_pending(d->sinks[j], dl->kind,
		    a->alertname, a->target, a->frontend) ||
		    (strcmp(dl->kind, "trigger") == 0 &&
		    sink_pending(d->sinks[j], "refresh", a->alertname,
		    a->target, a->frontend)))
			continue;
		log_event(LOG_WARN, a->target, a->frontend, a->verdict,
		    "alert %s: its %s to sink %s was neither delivered nor "
		    "is it in the outbox any more: queued again",
		    a->alertname, dl->kind, dl->sink);
		daemon_send_one(d, d->sinks[j], a,
		    strcmp(dl->kind, "resolve") == 0 ? NOTIFY_RESOLVE :
		    NOTIFY_TRIGGER);
	}
}

/* Wires the alert hierarchy and delivery reports; reconciles. */
int
daemon_alert_wiring(struct daemon *d)
{
	if ((d->ev_settle = event_new(d->base, -1, 0, daemon_settle, d)) ==
	    NULL)
		return -1;
	alerts_set_hierarchy(d->alerts, dalert_hierarchy, dalert_nhierarchy,
	    daemon_wake_settle, d);
	sink_set_delivered(daemon_delivered, d);
	alerts_each(d->alerts, daemon_reconcile_one, d);
	alerts_settle(d->alerts);
	return 0;
}

/* Alertmanager forgets alerts not re-sent: refresh the firing ones. */
static void
daemon_refresh_one(const struct alert_state *a, enum alert_event ev,
    void *arg)
{
	(void)ev;
	daemon_send(arg, a, NOTIFY_REFRESH);
}

/* The refresh timer of firing alerts. */
void
daemon_refresh(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd; (void)what;
	alerts_each_firing(d->alerts, daemon_refresh_one, d);
}

/*
 * Re-sends run at half the smallest Alertmanager resend_interval (15 s
 * at most): each sink then sends when its own interval is due, well
 * before the endsAt it gave Alertmanager passes.
 */
void
daemon_refresh_pace(struct daemon *d, const struct sc_config *conf)
{
	double	every = 15;
	size_t	i;

	for (i = 0; i < conf->nsinks; i++)
		if (conf->sinks[i].type == SINK_ALERTMANAGER &&
		    conf->sinks[i].resend_interval > 0 &&
		    conf->sinks[i].resend_interval / 2 < every)
			every = conf->sinks[i].resend_interval / 2;
	if (every < 0.1)
		every = 0.1;
	event_del(d->ev_refresh);
	timer_arm(d->ev_refresh, every);
}

/* The sinks log through the daemon's log. */
void
daemon_sink_log(void *arg, int level, const char *target,
    const char *frontend, const char *verdict, const char *msg)
{
	(void)arg;
	log_event((enum log_level)level, target, frontend, verdict, "%s", msg);
}

/* Builds the sinks of conf; on reload, keeps the unchanged ones. */
int
daemon_sinks(struct daemon *d, const struct sc_config *conf, int reload)
{
	struct sink	**v;
	char		 err[512];
	size_t		 i, j;

	if ((v = calloc(conf->nsinks + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < conf->nsinks; i++) {
		const struct sink_conf *sc = &conf->sinks[i];

		for (j = 0; reload && j < d->nsinks; j++)
			if (d->sinks[j] != NULL && strcmp(sink_name(d->sinks[j]),
			    sc->name) == 0)
				break;
		if (reload && j < d->nsinks) {
			const struct sink_conf *old = config_sink(d->conf,
			    sc->name);

			if (old != NULL && sink_conf_same(old, sc)) {
				v[i] = d->sinks[j];
				d->sinks[j] = NULL;
				continue;
			}
			/* Its outbox is locked: the old one goes first. */
			sink_free(d->sinks[j]);
			d->sinks[j] = NULL;
		}
		if ((v[i] = sink_new(d->base, sc, conf->state_dir, err,
		    sizeof(err))) == NULL)
			log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
	}
	/* Sinks the config no longer has: their series go with them. */
	for (j = 0; j < d->nsinks; j++) {
		if (d->sinks[j] != NULL)
			(void)metrics_remove_matching(d->m,
			    (const char *const[]){ "sink",
			    sink_name(d->sinks[j]), NULL });
		sink_free(d->sinks[j]);
	}
	free(d->sinks);
	/* Sinks that failed to start leave holes: close them up. */
	for (i = 0, j = 0; i < conf->nsinks; i++)
		if (v[i] != NULL)
			v[j++] = v[i];
	d->sinks = v;
	d->nsinks = j;
	if (d->nsinks == 0)
		log_event(LOG_WARN, NULL, NULL, NULL, "alerts are delivered "
		    "nowhere: no sink is %s (they show on /alerts, the status "
		    "page and /metrics only)", conf->nsinks == 0 ?
		    "configured" : "running");
	return 0;
}

/* The alert state machine's callback: an alert fired or resolved. */
void
daemon_notify(const struct alert_state *a, enum alert_event ev, void *arg)
{
	struct daemon *d = arg;

	log_event(ev == ALERT_TRIGGER ? LOG_WARN : LOG_INFO, a->target,
	    a->frontend, a->verdict, "alert %s %s (%s): %s", a->alertname,
	    ev == ALERT_TRIGGER ? "firing" : "resolved", a->severity,
	    a->summary);
	daemon_send(d, a, ev == ALERT_TRIGGER ? NOTIFY_TRIGGER :
	    NOTIFY_RESOLVE);
}
