/*
 * sink.c - the delivery side of alerting: a sink puts the body its
 * receiver understands (sink_format.c) in its outbox (outbox.c: durable
 * before any send) and sends the outbox, in order, retrying until a 2xx
 * (httpc.c).
 *
 * Retries.  A failure that says the receiver is unwell (no connection,
 * a timeout, 5xx, 408, 429) holds the whole sink: every entry would
 * fail the same way, so the sink backs off (retry_min doubling to
 * retry_max, +-20% jitter, or the receiver's Retry-After) and then
 * carries on in order.  Any other status (4xx) may be about this one
 * entry, or a misconfigured receiver: the entry is retried with its own
 * backoff and logged each time, and the entries of other alerts pass it.
 * Entries of the same alert (dedup_key) never overtake each other, so a
 * resolve never arrives before its trigger.  One request is in flight
 * per sink.
 *
 * Duplicates.  A crash between a 2xx and its ack record sends an entry
 * again after the restart.  Receivers make that harmless: PagerDuty
 * deduplicates by dedup_key, Alertmanager by the label set, and
 * webhooks get the dedup key and a unique notification id in the body
 * and an Idempotency-Key header.
 *
 * Secrets.  PagerDuty's routing key is not in the stored body: it is
 * spliced in at send time, so state_dir never holds it (and a rotated
 * key applies to what is pending).  Tokens go in a header built at send
 * time.  Logs name a sink by name and scheme://host:port, never by its
 * URL path, which for chat webhooks is itself a secret; a receiver's
 * answer is logged cut short, without control characters, and with any
 * copy of the secret blanked.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "sipcanary.h"
#include "conf/conf.h"
#include "alert/httpc.h"
#include "common/log.h"
#include "common/timer.h"
#include "alert/outbox.h"
#include "conf/secret.h"
#include "alert/sink.h"
#include "alert/sink_format.h"

#define SINK_AM_PATH		"/api/v2/alerts"
#define SINK_PD_PATH		"/v2/enqueue"
#define SINK_REFRESH_SLACK	0.9	/* a refresh is due after 90% of
					   resend_interval: callers' timers
					   jitter */
#define SINK_JITTER		0.2
#define SINK_LOG_BODY		200	/* bytes of a receiver's answer */

/* When each firing alert was last queued (Alertmanager refreshes). */
struct sink_last {
	char		 key[65];
	double		 at;
};

struct sink {
	char		*name;
	int		 type;
	int		 format;
	int		 enabled;
	struct url	 url;		/* the path of the endpoint joined */
	char		*secret;	/* routing key or token, or NULL */
	struct sink_conf conf;		/* for sink_payload() and match:
					   name, type, format, match,
					   resend_interval; no secret */
	struct sink_match *match;	/* conf.match */
	size_t		 nmatch;	/* allocated */
	double		 timeout;
	double		 retry_min;
	double		 retry_max;

	struct event_base *base;
	struct httpc	*http;
	struct outbox	*ob;
	struct event	*timer;
	struct httpc_req *req;		/* in flight, or NULL */
	struct outbox_entry *cur;	/* its entry */
	unsigned	 failures;	/* receiver-level, in a row */
	double		 hold_until;	/* monotonic: no request before */

	struct sink_last *last;
	size_t		 nlast;
	size_t		 caplast;

	uint64_t	 results[SINK_RESULT_NUM];	/* but dropped: the
							   outbox counts */
	time_t		 last_delivery;
};

static sink_log_fn	 sink_logfn;
static void		*sink_logarg;

static const char *const sink_results[SINK_RESULT_NUM] = {
	[SINK_SENT] = "sent",
	[SINK_FAILED] = "failed",
	[SINK_DROPPED] = "dropped",
};

static void	sink_pump(struct sink *);

#define S(x)	((x) != NULL ? (x) : "")

const char *
sink_result_str(enum sink_result r)
{
	return (unsigned)r < SINK_RESULT_NUM ? sink_results[r] : "?";
}

const char *
notify_kind_str(enum notify_kind k)
{
	switch (k) {
	case NOTIFY_TRIGGER:
		return "trigger";
	case NOTIFY_RESOLVE:
		return "resolve";
	case NOTIFY_REFRESH:
		return "refresh";
	}
	return "?";
}

static sink_delivered_fn sink_deliveredfn;
static void		*sink_deliveredarg;

void
sink_set_delivered(sink_delivered_fn fn, void *arg)
{
	sink_deliveredfn = fn;
	sink_deliveredarg = arg;
}

void
sink_set_log(sink_log_fn fn, void *arg)
{
	sink_logfn = fn;
	sink_logarg = arg;
}

static void __attribute__((format(printf, 6, 7)))
sink_log(const struct sink *s, int level, const char *target,
    const char *frontend, const char *verdict, const char *fmt, ...)
{
	char	 msg[1024];
	size_t	 o;
	va_list	 ap;

	if (sink_logfn == NULL)
		return;
	o = (size_t)snprintf(msg, sizeof(msg), "sink %s: ",
	    s != NULL ? s->name : "?");
	if (o >= sizeof(msg))
		o = sizeof(msg) - 1;
	va_start(ap, fmt);
	vsnprintf(msg + o, sizeof(msg) - o, fmt, ap);
	va_end(ap);
	sink_logfn(sink_logarg, level, target, frontend, verdict, msg);
}

static void
sink_outbox_log(void *arg, int level, const char *msg)
{
	sink_log(arg, level, NULL, NULL, NULL, "%s", msg);
}


/* -------------------------------------------------------------------- */
/* sending */

static void
sink_timercb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sink_pump(arg);
}

/* retry_min doubling per failure up to retry_max, +-20%. */
static double
sink_backoff(const struct sink *s, unsigned n)
{
	double	 d = s->retry_min;
	double	 r;

	while (n-- > 1 && d < s->retry_max)
		d *= 2;
	if (d > s->retry_max)
		d = s->retry_max;
	r = (double)arc4random_uniform(1000001) / 1e6;
	return d * (1 - SINK_JITTER + 2 * SINK_JITTER * r);
}

/* A receiver's answer, fit for a log line. */
static void
sink_clean_body(const struct sink *s, const char *body, char *out,
    size_t len)
{
	const char	*p;
	size_t		 i, n;

	snprintf(out, len, "%.*s", SINK_LOG_BODY, body);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	if (s->secret != NULL && (n = strlen(s->secret)) > 0)
		while ((p = strstr(out, s->secret)) != NULL)
			memset((char *)p, '*', n);
}

static void
sink_done(const struct httpc_result *res, void *arg)
{
	struct sink	*s = arg;
	struct outbox_entry *e = s->cur;
	char		 why[SINK_LOG_BODY + 128], body[SINK_LOG_BODY + 1];
	double		 now = sc_clock_now(), delay;
	int		 whole;

	s->req = NULL;
	s->cur = NULL;
	e->inflight = 0;
	if (res->status >= 200 && res->status < 300) {
		s->results[SINK_SENT]++;
		s->failures = 0;
		sink_log(s, LOG_INFO, e->target, e->frontend, e->verdict,
		    "delivered %s of %s (notification %llu, HTTP %d, attempt "
		    "%u, %.0f ms)", e->kind, e->alertname,
		    (unsigned long long)e->id, res->status, e->attempts,
		    res->elapsed * 1000);
		s->last_delivery = time(NULL);
		if (sink_deliveredfn != NULL)
			sink_deliveredfn(sink_deliveredarg, s->name, e->kind,
			    e->alertname, e->target, e->frontend,
			    s->last_delivery);
		outbox_ack(s->ob, e);
		sink_pump(s);
		return;
	}
	s->results[SINK_FAILED]++;
	/* The receiver is unwell, not this entry: hold the whole sink. */
	whole = res->status == 0 || res->status >= 500 ||
	    res->status == 408 || res->status == 429;
	sink_clean_body(s, res->body, body, sizeof(body));
	if (res->status == 0)
		snprintf(why, sizeof(why), "%s", res->error);
	else
		snprintf(why, sizeof(why), "HTTP %d%s%s%s", res->status,
		    whole ? "" : " (the receiver refuses it: check the sink "
		    "and the receiver's config)", *body != '\0' ? ": " : "",
		    body);
	if (whole) {
		s->failures++;
		delay = sink_backoff(s, s->failures);
		if (res->retry_after >= 0)
			delay = res->retry_after < s->retry_min ?
			    s->retry_min : res->retry_after > s->retry_max ?
			    s->retry_max : res->retry_after;
		s->hold_until = now + delay;
	} else
		delay = sink_backoff(s, e->attempts);
	e->next_try = now + delay;
	sink_log(s, LOG_WARN, e->target, e->frontend, e->verdict,
	    "%s of %s to %s failed (notification %llu, attempt %u): %s; "
	    "retrying in %.1fs", e->kind, e->alertname, s->url.origin,
	    (unsigned long long)e->id, e->attempts, why, delay);
	sink_pump(s);
}

static void
sink_send(struct sink *s, struct outbox_entry *e)
{
	char		 idem[OUTBOX_EPOCH_LEN + 48], *auth = NULL, *wire;
	const char	*headers[3];
	size_t		 n = 0, len;
	double		 now = sc_clock_now();

	if ((wire = sink_wire(s->type, s->secret, e->body, e->bodylen,
	    &len)) == NULL)
		goto nomem;
	if (s->type == SINK_WEBHOOK) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %s-%llu",
		    outbox_epoch(s->ob), (unsigned long long)e->id);
		headers[n++] = idem;
		if (s->secret != NULL) {
			if (asprintf(&auth, "Authorization: Bearer %s",
			    s->secret) == -1) {
				auth = NULL;
				secret_free(wire);
				goto nomem;
			}
			headers[n++] = auth;
		}
	}
	headers[n] = NULL;
	e->attempts++;
	e->inflight = 1;
	s->cur = e;
	s->req = httpc_post(s->http, &s->url, headers, wire, len, s->timeout,
	    sink_done, s);
	secret_free(auth);
	/* The wire form may hold the routing key. */
	explicit_bzero(wire, len);
	free(wire);
	if (s->req == NULL) {
		e->inflight = 0;
		s->cur = NULL;
		goto nomem;
	}
	return;

nomem:
	sink_log(s, LOG_ERROR, e->target, e->frontend, e->verdict, "out of "
	    "memory sending notification %llu; retrying",
	    (unsigned long long)e->id);
	s->hold_until = now + s->retry_min;
	timer_arm(s->timer, s->retry_min);
}

/*
 * Sends the first entry that may go: due, and with no older entry of the
 * same alert still pending.  Otherwise, arms the timer for the earliest
 * entry that will be due.
 */
static void
sink_pump(struct sink *s)
{
	struct outbox_entry *e, *x;
	double		 now, first = -1;
	int		 blocked;

	if (s->ob == NULL || s->req != NULL)
		return;
	now = sc_clock_now();
	if (s->hold_until > now) {
		timer_arm(s->timer, s->hold_until - now);
		return;
	}
	for (e = outbox_first(s->ob); e != NULL; e = outbox_next(e)) {
		blocked = 0;
		for (x = outbox_first(s->ob); x != e; x = outbox_next(x))
			if (strcmp(x->dedup_key, e->dedup_key) == 0) {
				blocked = 1;
				break;
			}
		if (blocked)
			continue;
		if (e->next_try <= now) {
			sink_send(s, e);
			return;
		}
		if (first < 0 || e->next_try < first)
			first = e->next_try;
	}
	if (first >= 0)
		timer_arm(s->timer, first - now);
}

/* -------------------------------------------------------------------- */
/* the sink */

static int
sink_join(struct url *u, const char *suffix, char *err, size_t errlen)
{
	size_t	 n = strlen(u->path);

	while (n > 0 && u->path[n - 1] == '/')
		u->path[--n] = '\0';
	if (n + strlen(suffix) >= sizeof(u->path)) {
		snprintf(err, errlen, "url: path too long");
		return -1;
	}
	memcpy(u->path + n, suffix, strlen(suffix) + 1);
	return 0;
}

/*
 * What the sink keeps of c: its settings, its match and its secret, so
 * that c may be freed.  -1 when out of memory (what is copied is s's).
 */
static int
sink_copy_conf(struct sink *s, const struct sink_conf *c)
{
	size_t		 i;

	if ((s->name = strdup(c->name)) == NULL)
		return -1;
	s->type = c->type;
	s->format = c->format;
	s->enabled = c->enabled;
	s->timeout = c->timeout;
	s->retry_min = c->retry_min > 0 ? c->retry_min : 1;
	s->retry_max = c->retry_max >= s->retry_min ? c->retry_max :
	    s->retry_min;
	s->conf.name = s->name;
	s->conf.type = c->type;
	s->conf.format = c->format;
	s->conf.resend_interval = c->resend_interval;
	if (c->nmatch > 0) {
		if ((s->match = calloc(c->nmatch, sizeof(*s->match))) == NULL)
			return -1;
		s->nmatch = c->nmatch;
		s->conf.match = s->match;
		s->conf.nmatch = c->nmatch;
		for (i = 0; i < c->nmatch; i++)
			if ((s->match[i].label = strdup(c->match[i].label)) ==
			    NULL || (s->match[i].value =
			    strdup(c->match[i].value)) == NULL)
				return -1;
	}
	if (c->secret != NULL && (s->secret = strdup(c->secret)) == NULL)
		return -1;
	return 0;
}

struct sink *
sink_new(struct event_base *base, const struct sink_conf *c,
    const char *state_dir, char *err, size_t errlen)
{
	struct sink	*s;
	char		 e[512];

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    sink_copy_conf(s, c) == -1) {
		snprintf(err, errlen, "sink %s: out of memory", c->name);
		goto fail;
	}
	s->base = base;
	if (!s->enabled)
		return s;

	if (url_parse(c->url != NULL ? c->url : "", &s->url, e,
	    sizeof(e)) == -1) {
		snprintf(err, errlen, "sink %s: url: %s", s->name, e);
		goto fail;
	}
	if ((s->type == SINK_ALERTMANAGER &&
	    sink_join(&s->url, SINK_AM_PATH, e, sizeof(e)) == -1) ||
	    (s->type == SINK_PAGERDUTY &&
	    sink_join(&s->url, SINK_PD_PATH, e, sizeof(e)) == -1)) {
		snprintf(err, errlen, "sink %s: %s", s->name, e);
		goto fail;
	}
	if ((s->http = httpc_new(base, c->ca_file, e, sizeof(e))) == NULL ||
	    (s->timer = evtimer_new(base, sink_timercb, s)) == NULL) {
		snprintf(err, errlen, "sink %s: %s", s->name, s->http == NULL ?
		    e : "out of memory");
		goto fail;
	}
	if ((s->ob = outbox_open(state_dir, s->name, c->outbox_max,
	    sink_outbox_log, s, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "sink %s: %s", s->name, e);
		goto fail;
	}
	if (outbox_depth(s->ob) > 0) {
		sink_log(s, LOG_INFO, NULL, NULL, NULL, "%zu notifications "
		    "pending from before, sending them to %s",
		    outbox_depth(s->ob), s->url.origin);
		timer_arm(s->timer, 0);
	}
	return s;

fail:
	sink_free(s);
	return NULL;
}

void
sink_free(struct sink *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	/* The entry in flight stays pending in the file. */
	httpc_cancel(s->req);
	httpc_free(s->http);
	if (s->timer != NULL)
		event_free(s->timer);
	outbox_free(s->ob);
	for (i = 0; i < s->nmatch; i++) {
		free(s->match[i].label);
		free(s->match[i].value);
	}
	free(s->match);
	free(s->last);
	secret_free(s->secret);
	free(s->name);
	free(s);
}

/* The refresh bookkeeping of key: its slot, or NULL. */
static struct sink_last *
sink_last(struct sink *s, const char *key)
{
	size_t	 i;

	for (i = 0; i < s->nlast; i++)
		if (strcmp(s->last[i].key, key) == 0)
			return &s->last[i];
	return NULL;
}

static void
sink_last_set(struct sink *s, const char *key, double at)
{
	struct sink_last *l, *v;
	size_t		 cap;

	if ((l = sink_last(s, key)) == NULL) {
		if (s->nlast == s->caplast) {
			cap = s->caplast ? s->caplast * 2 : 16;
			if ((v = reallocarray(s->last, cap,
			    sizeof(*v))) == NULL)
				return;	/* then it refreshes early */
			s->last = v;
			s->caplast = cap;
		}
		l = &s->last[s->nlast++];
		snprintf(l->key, sizeof(l->key), "%s", key);
	}
	l->at = at;
}

static void
sink_last_remove(struct sink *s, const char *key)
{
	struct sink_last *l;

	if ((l = sink_last(s, key)) != NULL)
		*l = s->last[--s->nlast];
}

/*
 * Whether a notification of kind and key is for s now: a refresh only
 * for Alertmanager, and once resend_interval (less the slack) has passed
 * since the alert was last queued.
 */
static int
sink_due(struct sink *s, enum notify_kind kind, const char *key, double now)
{
	struct sink_last *l;

	if (kind != NOTIFY_REFRESH)
		return 1;
	if (s->type != SINK_ALERTMANAGER)
		return 0;
	if ((l = sink_last(s, key)) != NULL && now - l->at <
	    SINK_REFRESH_SLACK * s->conf.resend_interval)
		return 0;
	return 1;
}

/*
 * Appends body, the notification of kind for a, to the outbox and logs
 * how that went.  As outbox_append(): 0 queued, 1 kept in memory only,
 * -1 lost.
 */
static int
sink_queue(struct sink *s, const struct alert *a, enum notify_kind kind,
    const char *key, const char *body, time_t wall)
{
	struct outbox_rec rec;
	struct outbox_entry *e;
	char		 err[512];
	int		 rc;

	memset(&rec, 0, sizeof(rec));
	rec.kind = notify_kind_str(kind);
	rec.dedup_key = key;
	rec.alertname = a->alertname;
	rec.target = a->target;
	rec.frontend = a->frontend;
	rec.vantage = a->vantage;
	rec.verdict = a->verdict;
	rec.body = body;
	rec.bodylen = strlen(body);
	rec.created = wall;
	/* A newer refresh makes the pending ones of the alert pointless. */
	rc = outbox_append(s->ob, &rec, kind == NOTIFY_REFRESH, &e, err,
	    sizeof(err));
	if (rc == -1)
		sink_log(s, LOG_ERROR, a->target, a->frontend, a->verdict,
		    "%s of %s lost: %s", notify_kind_str(kind),
		    S(a->alertname), err);
	else if (rc == 1)
		sink_log(s, LOG_ERROR, a->target, a->frontend, a->verdict,
		    "%s of %s (notification %llu) is not durable, sending it "
		    "from memory: %s", notify_kind_str(kind), S(a->alertname),
		    (unsigned long long)e->id, err);
	else
		sink_log(s, LOG_DEBUG, a->target, a->frontend, a->verdict,
		    "queued %s of %s (notification %llu, %zu pending)",
		    notify_kind_str(kind), S(a->alertname),
		    (unsigned long long)e->id, outbox_depth(s->ob));
	return rc;
}

int
sink_notify(struct sink *s, const struct alert *a, enum notify_kind kind)
{
	char		 key[65], id[OUTBOX_EPOCH_LEN + 24];
	char		*body;
	double		 now = sc_clock_now();
	time_t		 wall = time(NULL);
	int		 rc;

	if (s == NULL || a == NULL || !s->enabled || s->ob == NULL ||
	    !sink_match(&s->conf, a))
		return 0;
	if (a->dedup_key != NULL && *a->dedup_key != '\0')
		snprintf(key, sizeof(key), "%s", a->dedup_key);
	else
		alert_dedup_key(a->vantage, a->alertname, a->target,
		    a->frontend, key);
	if (!sink_due(s, kind, key, now))
		return 0;
	snprintf(id, sizeof(id), "%s-%llu", outbox_epoch(s->ob),
	    (unsigned long long)outbox_next_id(s->ob));
	if ((body = sink_build(&s->conf, a, kind, id, wall, key)) == NULL) {
		if (s->type == SINK_ALERTMANAGER || kind != NOTIFY_REFRESH) {
			sink_log(s, LOG_ERROR, a->target, a->frontend,
			    a->verdict, "out of memory: %s of %s lost",
			    notify_kind_str(kind), S(a->alertname));
			return -1;
		}
		return 0;
	}
	rc = sink_queue(s, a, kind, key, body, wall);
	free(body);
	if (rc == -1)
		return -1;
	if (kind == NOTIFY_RESOLVE)
		sink_last_remove(s, key);
	else
		sink_last_set(s, key, now);
	/* From the loop: several notifications in a row go out in order. */
	if (s->req == NULL && s->hold_until <= now)
		timer_arm(s->timer, 0);
	return rc == 0 ? 1 : -1;
}

const char *
sink_name(const struct sink *s)
{
	return s->name;
}

int
sink_type(const struct sink *s)
{
	return s->type;
}

uint64_t
sink_notifications(const struct sink *s, enum sink_result r)
{
	if (s == NULL || (unsigned)r >= SINK_RESULT_NUM)
		return 0;
	if (r == SINK_DROPPED)
		return sink_dropped(s);
	return s->results[r];
}

time_t
sink_last_delivery(const struct sink *s)
{
	return s != NULL ? s->last_delivery : 0;
}

int
sink_pending(const struct sink *s, const char *kind, const char *alertname,
    const char *target, const char *frontend)
{
	struct outbox_entry *e;

	if (s == NULL || s->ob == NULL)
		return 0;
	for (e = outbox_first(s->ob); e != NULL; e = outbox_next(e))
		if (strcmp(e->kind, kind) == 0 &&
		    strcmp(e->alertname, alertname) == 0 &&
		    strcmp(e->target, target) == 0 &&
		    strcmp(e->frontend, frontend) == 0)
			return 1;
	return 0;
}

size_t
sink_depth(const struct sink *s)
{
	return s != NULL ? outbox_depth(s->ob) : 0;
}

uint64_t
sink_dropped(const struct sink *s)
{
	return s != NULL ? outbox_dropped(s->ob) : 0;
}
