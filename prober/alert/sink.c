/*
 * sink.c - the delivery side of alerting: a sink turns an alert into the
 * HTTP body its receiver understands (Alertmanager API v2, PagerDuty
 * Events API v2, a JSON or Slack webhook), puts it in its outbox
 * (outbox.c: durable before any send) and sends the outbox, in order,
 * retrying until a 2xx (httpc.c).
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
#include <jansson.h>
#include <openssl/evp.h>

#include "conf/conf.h"
#include "alert/httpc.h"
#include "common/log.h"
#include "alert/outbox.h"
#include "conf/secret.h"
#include "alert/sink.h"

#define SINK_AM_PATH		"/api/v2/alerts"
#define SINK_PD_PATH		"/v2/enqueue"
#define SINK_PD_SUMMARY_MAX	1024	/* bytes; PagerDuty's limit */
#define SINK_AM_KEEP		4	/* endsAt = now + 4 x resend_interval */
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

static double
sink_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
alert_dedup_key(const char *vantage, const char *alertname,
    const char *target, const char *frontend, char out[65])
{
	const char	*f[4] = { S(vantage), S(alertname), S(target),
			    S(frontend) };
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	EVP_MD_CTX	*ctx;

	out[0] = '\0';
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		for (i = 0; i < 4; i++)
			EVP_DigestUpdate(ctx, f[i], strlen(f[i]) + 1);
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* -------------------------------------------------------------------- */
/* matching */

static const char *
sink_label(const struct alert *a, const char *label)
{
	if (strcmp(label, "alertname") == 0)
		return S(a->alertname);
	if (strcmp(label, "severity") == 0)
		return S(a->severity);
	if (strcmp(label, "target") == 0)
		return S(a->target);
	if (strcmp(label, "frontend") == 0)
		return S(a->frontend);
	if (strcmp(label, "vantage") == 0)
		return S(a->vantage);
	if (strcmp(label, "owner") == 0)
		return S(a->owner);
	return NULL;
}

int
sink_match(const struct sink_conf *c, const struct alert *a)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < c->nmatch; i++)
		if ((v = sink_label(a, c->match[i].label)) == NULL ||
		    strcmp(v, c->match[i].value) != 0)
			return 0;
	return 1;
}

/* -------------------------------------------------------------------- */
/* payloads */

static void
sink_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Sets key to s in o if s is not empty. */
static int
sink_set_nonempty(json_t *o, const char *key, const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

/* s cut to at most max bytes, at a UTF-8 character boundary. */
static json_t *
sink_string_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return json_string(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return json_stringn(s, n);
}

static json_t *
sink_am_body(const struct sink_conf *c, const struct alert *a,
    enum notify_kind kind, time_t now)
{
	json_t		*labels, *ann, *al;
	char		 starts[32], ends[32];
	time_t		 end;

	if (kind == NOTIFY_RESOLVE)
		end = a->ends_at != 0 ? a->ends_at : now;
	else
		end = now + (time_t)(SINK_AM_KEEP * c->resend_interval);
	sink_rfc3339(a->starts_at != 0 ? a->starts_at : now, starts,
	    sizeof(starts));
	sink_rfc3339(end, ends, sizeof(ends));
	if ((labels = json_object()) == NULL)
		return NULL;
	/* Alertmanager drops empty labels: so do we, to match its view. */
	if (sink_set_nonempty(labels, "alertname", a->alertname) == -1 ||
	    sink_set_nonempty(labels, "severity", a->severity) == -1 ||
	    sink_set_nonempty(labels, "target", a->target) == -1 ||
	    sink_set_nonempty(labels, "frontend", a->frontend) == -1 ||
	    sink_set_nonempty(labels, "vantage", a->vantage) == -1 ||
	    sink_set_nonempty(labels, "owner", a->owner) == -1 ||
	    (ann = json_object()) == NULL) {
		json_decref(labels);
		return NULL;
	}
	if (sink_set_nonempty(ann, "summary", a->summary) == -1 ||
	    sink_set_nonempty(ann, "description", a->description) == -1 ||
	    sink_set_nonempty(ann, "verdict", a->verdict) == -1 ||
	    sink_set_nonempty(ann, "fingerprint_sha256", a->fingerprint) ==
	    -1 ||
	    sink_set_nonempty(ann, "not_after", a->not_after) == -1 ||
	    sink_set_nonempty(ann, "runbook_url", a->runbook_url) == -1) {
		json_decref(labels);
		json_decref(ann);
		return NULL;
	}
	al = json_pack("{s:o, s:o, s:s, s:s}", "labels", labels,
	    "annotations", ann, "startsAt", starts, "endsAt", ends);
	return al != NULL ? json_pack("[o]", al) : NULL;
}

static const char *
sink_pd_severity(const char *sev)
{
	static const char *const ok[] = {
		"critical", "error", "warning", "info"
	};
	size_t	 i;

	for (i = 0; sev != NULL && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(sev, ok[i]) == 0)
			return ok[i];
	return "error";
}

/* Without routing_key: that is spliced in when sending. */
static json_t *
sink_pd_body(const struct alert *a, enum notify_kind kind,
    const char *dedup_key)
{
	json_t		*det, *payload, *o;
	char		 summary[SINK_PD_SUMMARY_MAX + 256], ts[32];
	const char	*component;

	if (kind == NOTIFY_RESOLVE)
		return json_pack("{s:s, s:s}", "event_action", "resolve",
		    "dedup_key", dedup_key);
	if (a->summary != NULL && *a->summary != '\0')
		snprintf(summary, sizeof(summary), "%s", a->summary);
	else
		snprintf(summary, sizeof(summary), "%s %s %s", S(a->alertname),
		    S(a->target), S(a->frontend));
	component = a->frontend != NULL && *a->frontend != '\0' ?
	    a->frontend : S(a->target);
	sink_rfc3339(a->starts_at != 0 ? a->starts_at : time(NULL), ts,
	    sizeof(ts));
	if ((det = json_object()) == NULL)
		return NULL;
	if (sink_set_nonempty(det, "alertname", a->alertname) == -1 ||
	    sink_set_nonempty(det, "target", a->target) == -1 ||
	    sink_set_nonempty(det, "frontend", a->frontend) == -1 ||
	    sink_set_nonempty(det, "vantage", a->vantage) == -1 ||
	    sink_set_nonempty(det, "owner", a->owner) == -1 ||
	    sink_set_nonempty(det, "description", a->description) == -1 ||
	    sink_set_nonempty(det, "verdict", a->verdict) == -1 ||
	    sink_set_nonempty(det, "fingerprint_sha256", a->fingerprint) ==
	    -1 ||
	    sink_set_nonempty(det, "not_after", a->not_after) == -1 ||
	    sink_set_nonempty(det, "runbook_url", a->runbook_url) == -1) {
		json_decref(det);
		return NULL;
	}
	payload = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
	    "summary", sink_string_cut(summary, SINK_PD_SUMMARY_MAX),
	    "source", a->vantage != NULL && *a->vantage != '\0' ?
	    a->vantage : "sipcanary",
	    "severity", sink_pd_severity(a->severity),
	    "timestamp", ts,
	    "component", component,
	    "group", S(a->target),
	    "class", S(a->alertname),
	    "custom_details", det);
	if (payload == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:o}", "event_action", "trigger",
	    "dedup_key", dedup_key, "payload", payload);
	if (o != NULL && a->runbook_url != NULL && *a->runbook_url != '\0' &&
	    json_object_set_new(o, "links", json_pack("[{s:s, s:s}]", "href",
	    a->runbook_url, "text", "runbook")) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
sink_webhook_json(const struct alert *a, enum notify_kind kind,
    const char *id, const char *dedup_key, time_t now)
{
	char	 starts[32], ends[32];
	json_t	*al;

	sink_rfc3339(a->starts_at != 0 ? a->starts_at : now, starts,
	    sizeof(starts));
	sink_rfc3339(a->ends_at != 0 ? a->ends_at : now, ends, sizeof(ends));
	al = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:o, s:b}",
	    "alertname", S(a->alertname), "severity", S(a->severity),
	    "target", S(a->target), "frontend", S(a->frontend),
	    "vantage", S(a->vantage), "owner", S(a->owner),
	    "summary", S(a->summary), "description", S(a->description),
	    "verdict", S(a->verdict), "fingerprint_sha256", S(a->fingerprint),
	    "not_after", S(a->not_after), "runbook_url", S(a->runbook_url),
	    "starts_at", starts,
	    "ends_at", kind == NOTIFY_RESOLVE ? json_string(ends) :
	    json_null(),
	    "firing", kind != NOTIFY_RESOLVE);
	if (al == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:o}", "id", S(id),
	    "kind", notify_kind_str(kind), "dedup_key", dedup_key,
	    "alert", al);
}

/* Slack mrkdwn: &, < and > are its markup. */
static void
sink_slack_escape(char *out, size_t len, const char *s)
{
	size_t		 o = 0;
	const char	*r;

	for (; s != NULL && *s != '\0' && o + 6 < len; s++) {
		r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : NULL;
		if (r != NULL) {
			memcpy(out + o, r, strlen(r));
			o += strlen(r);
		} else
			out[o++] = *s;
	}
	out[o] = '\0';
}

static json_t *
sink_slack(const struct alert *a, enum notify_kind kind)
{
	char	 text[4096], an[256], tg[256], fe[256], va[256], sm[2048];
	char	 rb[2048 + 64];
	size_t	 o;

	sink_slack_escape(an, sizeof(an), a->alertname);
	sink_slack_escape(tg, sizeof(tg), a->target);
	sink_slack_escape(fe, sizeof(fe), a->frontend);
	sink_slack_escape(va, sizeof(va), a->vantage);
	sink_slack_escape(sm, sizeof(sm), a->summary);
	o = (size_t)snprintf(text, sizeof(text), "%s *%s* [%s] %s: %s%s%s "
	    "(vantage %s)", kind == NOTIFY_RESOLVE ? ":white_check_mark:" :
	    ":rotating_light:", kind == NOTIFY_RESOLVE ? "RESOLVED" :
	    "FIRING", S(a->severity), an, tg, *fe != '\0' ? " " : "", fe, va);
	if (o < sizeof(text) && *sm != '\0')
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\n%s", sm);
	if (o < sizeof(text) && a->runbook_url != NULL &&
	    *a->runbook_url != '\0') {
		sink_slack_escape(rb, sizeof(rb), a->runbook_url);
		snprintf(text + o, sizeof(text) - o, "\nRunbook: <%s|runbook>",
		    rb);
	}
	return json_pack("{s:s}", "text", text);
}

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t
sink_utf8_len(const unsigned char *s)
{
	unsigned	 c = s[0], min, v;
	size_t		 n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

/*
 * s, or a malloc'ed copy with every byte that is not UTF-8 made '?': a
 * summary may quote what a server sent (a certificate's subject), and
 * JSON takes UTF-8 only.  *fr is what to free.
 */
static const char *
sink_utf8(const char *s, char **fr)
{
	const unsigned char *p;
	char		*c;
	size_t		 n, i;

	*fr = NULL;
	if (s == NULL)
		return NULL;
	for (p = (const unsigned char *)s; *p != '\0'; p += n)
		if ((n = sink_utf8_len(p)) == 0)
			break;
	if (*p == '\0' || (c = strdup(s)) == NULL)
		return s;
	for (i = 0; c[i] != '\0'; i += n)
		if ((n = sink_utf8_len((unsigned char *)c + i)) == 0) {
			c[i] = '?';
			n = 1;
		}
	*fr = c;
	return c;
}

static char	*sink_build1(const struct sink_conf *, const struct alert *,
		    enum notify_kind, const char *, time_t, const char *);

/*
 * The body as stored in the outbox: without the routing key.  NULL if
 * kind does not apply to the type, or out of memory.
 */
static char *
sink_build(const struct sink_conf *c, const struct alert *in,
    enum notify_kind kind, const char *id, time_t now, const char *dedup_key)
{
	struct alert	 a = *in;
	const char	**f[] = {
		&a.alertname, &a.severity, &a.target, &a.frontend, &a.vantage,
		&a.owner, &a.summary, &a.description, &a.verdict,
		&a.fingerprint, &a.not_after, &a.runbook_url
	};
	char		*fr[sizeof(f) / sizeof(f[0])], *s;
	size_t		 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		*f[i] = sink_utf8(*f[i], &fr[i]);
	s = sink_build1(c, &a, kind, id, now, dedup_key);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		free(fr[i]);
	return s;
}

static char *
sink_build1(const struct sink_conf *c, const struct alert *a,
    enum notify_kind kind, const char *id, time_t now, const char *dedup_key)
{
	json_t	*o = NULL;
	char	*s;

	switch (c->type) {
	case SINK_ALERTMANAGER:
		o = sink_am_body(c, a, kind, now);
		break;
	case SINK_PAGERDUTY:
		if (kind != NOTIFY_REFRESH)
			o = sink_pd_body(a, kind, dedup_key);
		break;
	case SINK_WEBHOOK:
		if (kind == NOTIFY_REFRESH)
			break;
		o = c->format == SINK_FORMAT_SLACK ? sink_slack(a, kind) :
		    sink_webhook_json(a, kind, id, dedup_key, now);
		break;
	}
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/*
 * The body as sent: for PagerDuty, routing_key first, then the stored
 * object's members.  A malloc'ed copy; NULL when out of memory.
 */
static char *
sink_wire(int type, const char *secret, const char *body, size_t len,
    size_t *outlen)
{
	json_t	*js;
	char	*key, *out;
	size_t	 klen;

	if (type != SINK_PAGERDUTY || secret == NULL || len < 2 ||
	    body[0] != '{') {
		if ((out = malloc(len + 1)) == NULL)
			return NULL;
		memcpy(out, body, len);
		out[len] = '\0';
		*outlen = len;
		return out;
	}
	if ((js = json_string(secret)) == NULL)
		return NULL;
	key = json_dumps(js, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(js);
	if (key == NULL)
		return NULL;
	klen = strlen(key);
	/* {"routing_key":KEY, + the rest after "{" ("}" alone: no comma) */
	if ((out = malloc(len + klen + 32)) == NULL) {
		secret_free(key);
		return NULL;
	}
	*outlen = (size_t)snprintf(out, len + klen + 32, "{\"routing_key\":"
	    "%s%s%.*s", key, body[1] == '}' ? "" : ",", (int)(len - 1),
	    body + 1);
	secret_free(key);
	return out;
}

char *
sink_payload(const struct sink_conf *c, const struct alert *a,
    enum notify_kind kind, const char *id, time_t now, size_t *len)
{
	char	 key[65], *body, *out;
	size_t	 n;

	if (a->dedup_key != NULL)
		snprintf(key, sizeof(key), "%s", a->dedup_key);
	else
		alert_dedup_key(a->vantage, a->alertname, a->target,
		    a->frontend, key);
	if ((body = sink_build(c, a, kind, id, now, key)) == NULL)
		return NULL;
	out = sink_wire(c->type, c->secret, body, strlen(body), &n);
	free(body);
	if (out != NULL && len != NULL)
		*len = n;
	return out;
}

/* -------------------------------------------------------------------- */
/* sending */

static void
sink_arm(struct sink *s, double secs)
{
	struct timeval	 tv;

	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	evtimer_add(s->timer, &tv);
}

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
	double		 now = sink_now(), delay;
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
	double		 now = sink_now();

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
	sink_arm(s, s->retry_min);
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
	now = sink_now();
	if (s->hold_until > now) {
		sink_arm(s, s->hold_until - now);
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
		sink_arm(s, first - now);
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

struct sink *
sink_new(struct event_base *base, const struct sink_conf *c,
    const char *state_dir, char *err, size_t errlen)
{
	struct sink	*s;
	size_t		 i;
	char		 e[512];

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->name = strdup(c->name)) == NULL) {
		snprintf(err, errlen, "sink %s: out of memory", c->name);
		free(s);
		return NULL;
	}
	s->base = base;
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
			goto nomem;
		s->nmatch = c->nmatch;
		s->conf.match = s->match;
		s->conf.nmatch = c->nmatch;
		for (i = 0; i < c->nmatch; i++)
			if ((s->match[i].label = strdup(c->match[i].label)) ==
			    NULL || (s->match[i].value =
			    strdup(c->match[i].value)) == NULL)
				goto nomem;
	}
	if (c->secret != NULL && (s->secret = strdup(c->secret)) == NULL)
		goto nomem;
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
		sink_arm(s, 0);
	}
	return s;

nomem:
	snprintf(err, errlen, "sink %s: out of memory", c->name);
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

int
sink_notify(struct sink *s, const struct alert *a, enum notify_kind kind)
{
	struct outbox_rec rec;
	struct outbox_entry *e;
	struct sink_last *l;
	char		 key[65], id[OUTBOX_EPOCH_LEN + 24], err[512];
	char		*body;
	double		 now = sink_now();
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
	if (kind == NOTIFY_REFRESH) {
		if (s->type != SINK_ALERTMANAGER)
			return 0;
		if ((l = sink_last(s, key)) != NULL && now - l->at <
		    SINK_REFRESH_SLACK * s->conf.resend_interval)
			return 0;
	}
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
	free(body);
	if (rc == -1) {
		sink_log(s, LOG_ERROR, a->target, a->frontend, a->verdict,
		    "%s of %s lost: %s", notify_kind_str(kind),
		    S(a->alertname), err);
		return -1;
	}
	if (rc == 1)
		sink_log(s, LOG_ERROR, a->target, a->frontend, a->verdict,
		    "%s of %s (notification %llu) is not durable, sending it "
		    "from memory: %s", notify_kind_str(kind), S(a->alertname),
		    (unsigned long long)e->id, err);
	else
		sink_log(s, LOG_DEBUG, a->target, a->frontend, a->verdict,
		    "queued %s of %s (notification %llu, %zu pending)",
		    notify_kind_str(kind), S(a->alertname),
		    (unsigned long long)e->id, outbox_depth(s->ob));
	if (kind == NOTIFY_RESOLVE)
		sink_last_remove(s, key);
	else
		sink_last_set(s, key, now);
	/* From the loop: several notifications in a row go out in order. */
	if (s->req == NULL && s->hold_until <= now)
		sink_arm(s, 0);
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
