/*
 * alert.c - the alert state machine and its persistence (see alert.h).
 *
 * State is written to a temporary file, fsync'd and renamed over the old
 * one, so that a crash leaves either the old or the new state, never a
 * torn one.  Notifications are handed to the caller, which queues them
 * in the durable outbox of each sink before anything is sent.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "alert/alert.h"
#include "common/fdwrite.h"
#include "common/log.h"

struct alerts {
	char			*path;
	alert_notify_fn		 notify;
	void			*arg;
	struct alert_state	**v;
	size_t			 n;
	char			 damaged[768];	/* set aside at load: why */
	const struct alert_inhibit *rules;
	size_t			 nrules;
	void			(*wake)(void *);
	void			*wake_arg;
};

static void
alert_state_free(struct alert_state *a)
{
	if (a == NULL)
		return;
	free(a->alertname);
	free(a->target);
	free(a->frontend);
	free(a);
}

static struct alert_state *
alerts_find(struct alerts *al, const char *name, const char *target,
    const char *frontend, int create)
{
	struct alert_state	*a, **v;
	size_t			 i;

	if (frontend == NULL)
		frontend = "";
	for (i = 0; i < al->n; i++) {
		a = al->v[i];
		if (strcmp(a->alertname, name) == 0 &&
		    strcmp(a->target, target) == 0 &&
		    strcmp(a->frontend, frontend) == 0)
			return a;
	}
	if (!create)
		return NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->alertname = strdup(name)) == NULL ||
	    (a->target = strdup(target)) == NULL ||
	    (a->frontend = strdup(frontend)) == NULL ||
	    (v = realloc(al->v, (al->n + 1) * sizeof(*v))) == NULL) {
		alert_state_free(a);
		return NULL;
	}
	al->v = v;
	al->v[al->n++] = a;
	return a;
}

static json_t *
alert_deliveries_json(const struct alert_state *a)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; arr != NULL && i < a->ndeliveries; i++) {
		const struct alert_delivery *d = &a->deliveries[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}",
		    "sink", d->sink, "kind", d->kind,
		    "queued_at", (json_int_t)d->queued_at,
		    "delivered_at", (json_int_t)d->delivered_at));
	}
	return arr;
}

static json_t *
alert_state_json(const struct alert_state *a)
{
	char	text[1024];

	alert_delivery_text(a, text, sizeof(text));
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:i, s:I, "
	    "s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:s}",
	    "alertname", a->alertname,
	    "target", a->target,
	    "frontend", a->frontend,
	    "severity", a->severity,
	    "firing", a->firing,
	    "flapping", a->flapping,
	    "paged", a->paged,
	    "bad", (int)a->bad,
	    "good", (int)a->good,
	    "starts_at", (json_int_t)a->starts_at,
	    "resolved_at", (json_int_t)a->resolved_at,
	    "summary", a->summary,
	    "description", a->description,
	    "verdict", a->verdict,
	    "fingerprint", a->fingerprint,
	    "not_after", a->not_after,
	    "inhibited_by", a->inhibited_by[0] != '\0' ? a->inhibited_by :
	    NULL,
	    "deliveries", alert_deliveries_json(a),
	    "delivery", text);
}

json_t *
alerts_json(struct alerts *al)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; i < al->n; i++)
		json_array_append_new(arr, alert_state_json(al->v[i]));
	return arr;
}

/*
 * Writes the state beside the file, fsyncs it, renames it over the file
 * and fsyncs the directory: a crash leaves the old state or the new one.
 * On failure the old file stays, the temporary one goes, and the log says
 * why: the state in memory is kept and written at the next change.
 */
static int
alerts_save(struct alerts *al)
{
	char	 tmp[4096];
	char	*s = NULL;
	json_t	*doc;
	int	 fd = -1, rc = -1, saved;

	if (al->path == NULL)
		return 0;
	doc = json_pack("{s:i, s:o}", "version", 1, "alerts", alerts_json(al));
	if (doc == NULL || (s = json_dumps(doc, JSON_COMPACT)) == NULL) {
		json_decref(doc);
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot save alert state "
		    "to %s: out of memory", al->path);
		return -1;
	}
	json_decref(doc);
	snprintf(tmp, sizeof(tmp), "%s.tmp", al->path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 ||
	    fd_write_all(fd, s, strlen(s), 1000, NULL) == -1 ||
	    fsync(fd) == -1)
		goto done;
	if (close(fd) == -1) {
		fd = -1;
		goto done;
	}
	fd = -1;
	if (rename(tmp, al->path) == -1 || fd_fsync_parent(al->path) == -1)
		goto done;
	rc = 0;
done:
	if (rc == -1) {
		saved = errno;
		if (fd != -1)
			close(fd);
		(void)unlink(tmp);
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot save alert state "
		    "to %s: %s", al->path, strerror(saved));
	}
	free(s);
	return rc;
}

static void
alerts_copy_str(char *dst, size_t len, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s != NULL ? s : "");
}

/*
 * A damaged state file (truncated, empty, not ours) must not keep the
 * daemon from starting: it is moved aside with the time in its name, for
 * a post-mortem, and the daemon starts with no alert state.  Alerts that
 * still hold fire again: at worst a duplicate page, never a lost one.
 */
static int
alerts_set_aside(struct alerts *al, const char *why, char *err,
    size_t errlen)
{
	char		 aside[PATH_MAX], stamp[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (snprintf(aside, sizeof(aside), "%s.damaged-%s", al->path, stamp) >=
	    (int)sizeof(aside) || rename(al->path, aside) == -1) {
		snprintf(err, errlen, "%s is damaged (%s) and cannot be moved "
		    "aside: %s", al->path, why, strerror(errno));
		return -1;
	}
	snprintf(al->damaged, sizeof(al->damaged), "%.200s was damaged "
	    "(%.200s): moved aside to %.260s; alerts still holding will fire "
	    "again", al->path, why, aside);
	return 0;
}

static void
alerts_load_deliveries(struct alert_state *a, const json_t *arr)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(arr, i, o) {
		struct alert_delivery *d;

		if (a->ndeliveries == ALERT_SINKS_MAX ||
		    !json_is_string(json_object_get(o, "sink")))
			break;
		d = &a->deliveries[a->ndeliveries++];
		alerts_copy_str(d->sink, sizeof(d->sink), o, "sink");
		alerts_copy_str(d->kind, sizeof(d->kind), o, "kind");
		d->queued_at = (time_t)json_integer_value(json_object_get(o,
		    "queued_at"));
		d->delivered_at = (time_t)json_integer_value(
		    json_object_get(o, "delivered_at"));
	}
}

static int
alerts_load(struct alerts *al, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*doc, *arr, *o;
	struct stat	 st;
	size_t		 i;
	int		 fd;

	/*
	 * Never through a link: the state directory belongs to the
	 * service user, who could point alerts.json anywhere.
	 */
	if ((fd = open(al->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;	/* first start */
		snprintf(err, errlen, "cannot open %s: %s%s", al->path,
		    strerror(errno), errno == ELOOP ? " (a symbolic link: "
		    "remove it)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", al->path);
		close(fd);
		return -1;
	}
	doc = json_loadfd(fd, 0, &je);
	close(fd);
	if (doc == NULL || !json_is_array(json_object_get(doc, "alerts"))) {
		char why[300];

		if (doc == NULL)
			snprintf(why, sizeof(why), "line %d: %s", je.line,
			    je.text);
		else
			snprintf(why, sizeof(why), "no \"alerts\" array");
		json_decref(doc);
		return alerts_set_aside(al, why, err, errlen);
	}
	arr = json_object_get(doc, "alerts");
	json_array_foreach(arr, i, o) {
		const char		*name, *target, *fe;
		struct alert_state	*a;

		name = json_string_value(json_object_get(o, "alertname"));
		target = json_string_value(json_object_get(o, "target"));
		fe = json_string_value(json_object_get(o, "frontend"));
		if (name == NULL || target == NULL ||
		    (a = alerts_find(al, name, target, fe, 1)) == NULL)
			continue;
		alerts_copy_str(a->severity, sizeof(a->severity), o,
		    "severity");
		a->firing = json_is_true(json_object_get(o, "firing"));
		a->flapping = json_is_true(json_object_get(o, "flapping"));
		a->paged = json_is_true(json_object_get(o, "paged"));
		a->starts_at = (time_t)json_integer_value(json_object_get(o,
		    "starts_at"));
		a->resolved_at = (time_t)json_integer_value(json_object_get(o,
		    "resolved_at"));
		/* A restart begins counting afresh; the state stays. */
		a->bad = a->firing ? 1 : 0;
		a->good = 0;
		alerts_copy_str(a->summary, sizeof(a->summary), o, "summary");
		alerts_copy_str(a->description, sizeof(a->description), o,
		    "description");
		alerts_copy_str(a->verdict, sizeof(a->verdict), o, "verdict");
		alerts_copy_str(a->fingerprint, sizeof(a->fingerprint), o,
		    "fingerprint");
		alerts_copy_str(a->not_after, sizeof(a->not_after), o,
		    "not_after");
		alerts_copy_str(a->inhibited_by, sizeof(a->inhibited_by), o,
		    "inhibited_by");
		alerts_load_deliveries(a, json_object_get(o, "deliveries"));
	}
	json_decref(doc);
	return 0;
}

struct alerts *
alerts_open(const char *path, alert_notify_fn notify, void *arg, char *err,
    size_t errlen)
{
	struct alerts *al;

	if ((al = calloc(1, sizeof(*al))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	al->notify = notify;
	al->arg = arg;
	if (path != NULL && (al->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (al->path != NULL && alerts_load(al, err, errlen) == -1)
		goto fail;
	return al;
fail:
	alerts_free(al);
	return NULL;
}

const char *
alerts_damaged(const struct alerts *al)
{
	return al->damaged[0] != '\0' ? al->damaged : NULL;
}

void
alerts_free(struct alerts *al)
{
	size_t i;

	if (al == NULL)
		return;
	for (i = 0; i < al->n; i++)
		alert_state_free(al->v[i]);
	free(al->v);
	free(al->path);
	free(al);
}

static void
alert_details(struct alert_state *a, const struct alert_eval *ev)
{
	snprintf(a->summary, sizeof(a->summary), "%s",
	    ev->summary != NULL ? ev->summary : "");
	snprintf(a->description, sizeof(a->description), "%s",
	    ev->description != NULL ? ev->description : "");
	snprintf(a->verdict, sizeof(a->verdict), "%s",
	    ev->verdict != NULL ? ev->verdict : "");
	snprintf(a->fingerprint, sizeof(a->fingerprint), "%s",
	    ev->fingerprint != NULL ? ev->fingerprint : "");
	snprintf(a->not_after, sizeof(a->not_after), "%s",
	    ev->not_after != NULL ? ev->not_after : "");
}

/* A bad result for a: fires, escalates or stops flapping.  1 if changed. */
static int
alerts_bad(struct alert_state *a, const struct alert_eval *ev, time_t now)
{
	unsigned		 for_n = ev->for_n > 0 ? ev->for_n : 1;
	int			 changed = 0;

	a->good = 0;
	a->bad++;
	if (a->firing && ev->severity != NULL &&
	    strcmp(a->severity, ev->severity) != 0) {
		/* warning -> critical: page again at the new level. */
		snprintf(a->severity, sizeof(a->severity), "%s",
		    ev->severity);
		alert_details(a, ev);
		a->pending = !a->flapping;
		changed = 1;
	} else if (a->firing)
		alert_details(a, ev);
	/*
	 * Flapping, then down for a whole window: no longer a flap but an
	 * outage, and it pages.
	 */
	if (a->firing && a->flapping && !a->paged &&
	    difftime(now, a->starts_at) >= ev->flap_window) {
		a->flapping = 0;
		a->pending = 1;
		changed = 1;
	}
	if (!a->firing && a->bad >= for_n) {
		a->firing = 1;
		a->starts_at = now;
		snprintf(a->severity, sizeof(a->severity), "%s",
		    ev->severity != NULL ? ev->severity : "critical");
		alert_details(a, ev);
		/* Fired again soon after resolving: do not page. */
		a->flapping = a->resolved_at != 0 &&
		    difftime(now, a->resolved_at) < ev->flap_window;
		if (a->flapping)
			log_event(LOG_WARN, a->target, a->frontend, a->verdict,
			    "%s fires again within the flap window: "
			    "flapping, not paged again", a->alertname);
		else
			a->pending = 1;
		changed = 1;
	}
	return changed;
}

/* A good result for a: resolves, or ends a flap.  1 if changed. */
static int
alerts_good(struct alerts *al, struct alert_state *a,
    const struct alert_eval *ev, time_t now)
{
	unsigned		 res_n = ev->resolve_after > 0 ?
				    ev->resolve_after : 1;

	a->bad = 0;
	a->good++;
	if (a->firing && a->good >= res_n) {
		a->firing = 0;
		a->pending = 0;
		a->inhibited_by[0] = '\0';
		a->resolved_at = now;
		if (a->paged && !a->flapping)
			al->notify(a, ALERT_RESOLVE, al->arg);
		if (!a->flapping)
			a->paged = 0;
		return 1;
	}
	if (!a->firing && a->flapping && a->resolved_at != 0 &&
	    difftime(now, a->resolved_at) >= ev->flap_window) {
		/* Quiet for a whole window: a page was resolved. */
		if (a->paged)
			al->notify(a, ALERT_RESOLVE, al->arg);
		a->flapping = 0;
		a->paged = 0;
		return 1;
	}
	return 0;
}

void
alerts_eval(struct alerts *al, const struct alert_eval *ev)
{
	struct alert_state	*a;
	time_t			 now = time(NULL);
	int			 changed;

	a = alerts_find(al, ev->alertname, ev->target, ev->frontend, ev->bad);
	if (a == NULL)
		return;		/* never bad: nothing to track */
	if (ev->bad)
		changed = alerts_bad(a, ev, now);
	else
		changed = alerts_good(al, a, ev, now);
	if (changed)
		(void)alerts_save(al);
	/* Even unchanged: a source that turned good frees what it held. */
	if (al->wake != NULL)
		al->wake(al->wake_arg);
	else
		alerts_settle(al);
}

void
alerts_set_hierarchy(struct alerts *al, const struct alert_inhibit *rules,
    size_t nrules, void (*wake)(void *), void *wake_arg)
{
	al->rules = rules;
	al->nrules = nrules;
	al->wake = wake;
	al->wake_arg = wake_arg;
}

/*
 * The alert that explains a: firing (*held 0), or bad and on its way to
 * firing (*held 1), or NULL.  Firing sources come first, by rule order.
 */
static const struct alert_state *
alerts_inhibitor(const struct alerts *al, const struct alert_state *a,
    int *held)
{
	size_t	pass, r, i;

	for (pass = 0; pass < 2; pass++)
		for (r = 0; r < al->nrules; r++) {
			const struct alert_inhibit *ru = &al->rules[r];

			if (strcmp(ru->inhibited, a->alertname) != 0)
				continue;
			for (i = 0; i < al->n; i++) {
				const struct alert_state *b = al->v[i];

				if (b == a || strcmp(b->alertname,
				    ru->source) != 0 ||
				    strcmp(b->target, a->target) != 0 ||
				    (ru->same_frontend &&
				    strcmp(b->frontend, a->frontend) != 0))
					continue;
				if (pass == 0 ? b->firing :
				    !b->firing && b->bad > 0) {
					*held = pass;
					return b;
				}
			}
		}
	return NULL;
}

/* One firing alert's page decision (alerts_settle()).  1 if changed. */
static int
alerts_settle_one(struct alerts *al, struct alert_state *a)
{
	const struct alert_state	*src;
	int				 held = 0, changed;

	if ((src = alerts_inhibitor(al, a, &held)) != NULL) {
		if (held)
			return 0;	/* stays pending: decided later */
		if (a->paged || strcmp(a->inhibited_by, src->alertname) == 0) {
			/* Paged before its explanation fired: it stays. */
			changed = a->pending;
			a->pending = 0;
			return changed;
		}
		snprintf(a->inhibited_by, sizeof(a->inhibited_by), "%s",
		    src->alertname);
		a->pending = 0;
		log_event(LOG_INFO, a->target, a->frontend, a->verdict,
		    "alert %s firing (%s), inhibited by %s: not paged",
		    a->alertname, a->severity, src->alertname);
		return 1;
	}
	if (!a->pending && (a->inhibited_by[0] == '\0' || a->paged ||
	    a->flapping))
		return 0;
	/* Nothing explains it (any more): it pages. */
	a->pending = 0;
	a->inhibited_by[0] = '\0';
	a->paged = 1;
	al->notify(a, ALERT_TRIGGER, al->arg);
	return 1;
}

void
alerts_settle(struct alerts *al)
{
	size_t	i;
	int	changed = 0;

	for (i = 0; i < al->n; i++)
		if (al->v[i]->firing)
			changed |= alerts_settle_one(al, al->v[i]);
	if (changed)
		(void)alerts_save(al);
}

static struct alert_delivery *
alert_delivery_find(struct alert_state *a, const char *sink, int create)
{
	size_t	i;

	for (i = 0; i < a->ndeliveries; i++)
		if (strcmp(a->deliveries[i].sink, sink) == 0)
			return &a->deliveries[i];
	if (!create || a->ndeliveries == ALERT_SINKS_MAX)
		return NULL;
	return &a->deliveries[a->ndeliveries++];
}

void
alerts_queued(struct alerts *al, const struct alert_state *ca,
    const char *sink, const char *kind)
{
	struct alert_state	*a;
	struct alert_delivery	*d;

	a = alerts_find(al, ca->alertname, ca->target, ca->frontend, 0);
	if (a == NULL || (d = alert_delivery_find(a, sink, 1)) == NULL)
		return;
	snprintf(d->sink, sizeof(d->sink), "%s", sink);
	snprintf(d->kind, sizeof(d->kind), "%s", kind);
	d->queued_at = time(NULL);
	d->delivered_at = 0;
	/* Saved with the state change that queued it. */
}

void
alerts_delivered(struct alerts *al, const char *alertname,
    const char *target, const char *frontend, const char *sink,
    const char *kind, time_t at)
{
	struct alert_state	*a;
	struct alert_delivery	*d;

	a = alerts_find(al, alertname, target, frontend, 0);
	if (a == NULL || (d = alert_delivery_find(a, sink, 0)) == NULL ||
	    d->delivered_at != 0)
		return;
	/* A refresh that took the place of a pending trigger delivers it. */
	if (strcmp(d->kind, kind) != 0 && !(strcmp(d->kind, "trigger") == 0 &&
	    strcmp(kind, "refresh") == 0))
		return;
	d->delivered_at = at;
	(void)alerts_save(al);
}

void
alert_delivery_text(const struct alert_state *a, char *buf, size_t len)
{
	char		 t[32];
	size_t		 i, off = 0;
	struct tm	 tm;

	buf[0] = '\0';
	if (a->inhibited_by[0] != '\0' && !a->paged) {
		snprintf(buf, len, "not paged: inhibited by %s",
		    a->inhibited_by);
		return;
	}
	if (a->firing && a->pending) {
		snprintf(buf, len, "not paged yet: waiting for the alerts "
		    "that would explain it");
		return;
	}
	if (a->ndeliveries == 0) {
		snprintf(buf, len, "not delivered: %s", a->flapping ?
		    "flapping, not paged" : "never queued to a sink");
		return;
	}
	for (i = 0; i < a->ndeliveries && off < len; i++) {
		const struct alert_delivery *d = &a->deliveries[i];
		time_t when = d->delivered_at != 0 ? d->delivered_at :
		    d->queued_at;
		int n;

		gmtime_r(&when, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		n = snprintf(buf + off, len - off, "%s%s %s to %s %s %s%s",
		    i > 0 ? "; " : "", d->kind, d->delivered_at != 0 ?
		    "delivered" : "not delivered", d->sink,
		    d->delivered_at != 0 ? "at" : "(queued at", t,
		    d->delivered_at != 0 ? "" : ")");
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

void
alerts_forget(struct alerts *al, const char *target, const char *frontend)
{
	size_t i, k;

	for (i = 0, k = 0; i < al->n; i++) {
		struct alert_state *a = al->v[i];

		if (strcmp(a->target, target) == 0 && (frontend == NULL ||
		    strcmp(a->frontend, frontend) == 0)) {
			if (a->firing && a->paged)
				al->notify(a, ALERT_RESOLVE, al->arg);
			alert_state_free(a);
			continue;
		}
		al->v[k++] = a;
	}
	if (k != al->n) {
		al->n = k;
		(void)alerts_save(al);
	}
}

void
alerts_each_firing(struct alerts *al, alert_notify_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (al->v[i]->firing && al->v[i]->paged)
			fn(al->v[i], ALERT_TRIGGER, arg);
}

void
alerts_each(struct alerts *al, alert_notify_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		fn(al->v[i], al->v[i]->firing ? ALERT_TRIGGER : ALERT_RESOLVE,
		    arg);
}

void
alerts_each_active(struct alerts *al, alert_notify_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (al->v[i]->firing)
			fn(al->v[i], ALERT_TRIGGER, arg);
}

void
alerts_count(struct alerts *al, void (*fn)(const char *, const char *,
    unsigned, void *), void *arg)
{
	size_t		 i, j;
	unsigned	 n;

	for (i = 0; i < al->n; i++) {
		const struct alert_state *a = al->v[i];
		int seen = 0;

		if (!a->firing)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = al->v[j]->firing &&
			    strcmp(al->v[j]->alertname, a->alertname) == 0 &&
			    strcmp(al->v[j]->severity, a->severity) == 0;
		if (seen)
			continue;
		for (n = 0, j = i; j < al->n; j++)
			n += al->v[j]->firing &&
			    strcmp(al->v[j]->alertname, a->alertname) == 0 &&
			    strcmp(al->v[j]->severity, a->severity) == 0;
		fn(a->alertname, a->severity, n, arg);
	}
}
