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

/* Queues a notification for every sink (durably, before sending). */
static void
daemon_send(struct daemon *d, const struct alert_state *a,
    enum notify_kind kind)
{
	const struct dtarget	*t = daemon_target(d, a->target);
	struct alert		 al;
	size_t			 i;

	memset(&al, 0, sizeof(al));
	al.alertname = a->alertname;
	al.severity = a->severity;
	al.target = a->target;
	al.frontend = a->frontend;
	al.vantage = d->conf->vantage;
	al.owner = t != NULL ? t->conf.owner : NULL;
	al.summary = a->summary;
	al.description = a->description;
	al.verdict = a->verdict;
	al.fingerprint = a->fingerprint;
	al.not_after = a->not_after;
	al.runbook_url = t != NULL ? t->conf.runbook_url : NULL;
	al.starts_at = a->starts_at;
	al.ends_at = kind == NOTIFY_RESOLVE ? a->resolved_at : 0;
	al.firing = kind != NOTIFY_RESOLVE;
	for (i = 0; i < d->nsinks; i++)
		(void)sink_notify(d->sinks[i], &al, kind);
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
	for (j = 0; j < d->nsinks; j++)
		sink_free(d->sinks[j]);
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
