/*
 * sink_format.c - what a sink sends: the HTTP body each receiver
 * understands, built from an alert (Alertmanager API v2, PagerDuty
 * Events API v2, a JSON webhook, a Slack webhook), which alerts a sink
 * takes (its match), and the dedup key naming an alert identity.
 *
 * A body is built once, when the notification is queued, and stored in
 * the outbox as built; only PagerDuty's routing key is added at send
 * time (sink_wire()), so that state_dir never holds it.  Every string of
 * the alert is made valid UTF-8 first: JSON takes nothing else.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "conf/conf.h"
#include "common/timefmt.h"
#include "common/utf8.h"
#include "conf/secret.h"
#include "alert/sink.h"
#include "alert/sink_format.h"

#define SINK_PD_SUMMARY_MAX	1024	/* bytes; PagerDuty's limit */
#define SINK_AM_KEEP		4	/* endsAt = now + 4 x resend_interval */

#define S(x)	((x) != NULL ? (x) : "")

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

/*
 * The strings of an alert by their names in the bodies; the first
 * SINK_NLABELS are also the labels a sink's match may name.
 */
static const struct {
	const char	*name;
	size_t		 off;
} sink_fields[] = {
	{ "alertname",		offsetof(struct alert, alertname) },
	{ "severity",		offsetof(struct alert, severity) },
	{ "target",		offsetof(struct alert, target_label) },
	{ "frontend",		offsetof(struct alert, frontend) },
	{ "vantage",		offsetof(struct alert, vantage) },
	{ "owner",		offsetof(struct alert, owner) },
	{ "profile",		offsetof(struct alert, profile) },
	{ "summary",		offsetof(struct alert, summary) },
	{ "description",	offsetof(struct alert, description) },
	{ "verdict",		offsetof(struct alert, verdict) },
	{ "fingerprint_sha256",	offsetof(struct alert, fingerprint) },
	{ "not_after",		offsetof(struct alert, not_after) },
	{ "runbook_url",	offsetof(struct alert, runbook_url) },
};
#define SINK_NLABELS	7
#define SINK_NFIELDS	(sizeof(sink_fields) / sizeof(sink_fields[0]))

/*
 * The field of a called name, looked for among the first n of
 * sink_fields: "" when a has none, NULL when no such field.
 */
static const char *
sink_field(const struct alert *a, const char *name, size_t n)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (strcmp(sink_fields[i].name, name) == 0) {
			memcpy(&v, (const char *)a + sink_fields[i].off,
			    sizeof(v));
			/* Only a profile's alerts label another target. */
			if (v == NULL && sink_fields[i].off ==
			    offsetof(struct alert, target_label))
				v = a->target;
			return S(v);
		}
	return NULL;
}

int
sink_match(const struct sink_conf *c, const struct alert *a)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < c->nmatch; i++) {
		v = sink_field(a, c->match[i].label, SINK_NLABELS);
		if (v == NULL || strcmp(v, c->match[i].value) != 0)
			return 0;
	}
	return 1;
}

/* -------------------------------------------------------------------- */
/* payloads */

/* Sets key to s in o if s is not empty. */
static int
sink_set_nonempty(json_t *o, const char *key, const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return json_object_set_new(o, key, json_string(s));
}

/*
 * A JSON object of the fields of a that names lists (NULL-terminated),
 * in that order, the empty ones left out.  NULL when out of memory.
 */
static json_t *
sink_object(const struct alert *a, const char *const names[])
{
	json_t		*o;
	size_t		 i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; names[i] != NULL; i++)
		if (sink_set_nonempty(o, names[i], sink_field(a, names[i],
		    SINK_NFIELDS)) == -1) {
			json_decref(o);
			return NULL;
		}
	return o;
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

/* What of an alert each body carries where, in the body's order. */
static const char *const sink_am_labels[] = {
	"alertname", "severity", "target", "profile", "frontend", "vantage",
	"owner", NULL
};
static const char *const sink_am_annotations[] = {
	"summary", "description", "verdict", "fingerprint_sha256",
	"not_after", "runbook_url", NULL
};
static const char *const sink_pd_details[] = {
	"alertname", "target", "profile", "frontend", "vantage", "owner",
	"description", "verdict", "fingerprint_sha256", "not_after", "runbook_url", NULL
};

static json_t *
sink_am_body(const struct sink_conf *c, const struct alert *a,
    enum notify_kind kind, time_t now)
{
	json_t		*labels, *ann, *al;
	char		 starts[TIMEFMT_RFC3339_LEN], ends[TIMEFMT_RFC3339_LEN];
	time_t		 end;

	if (kind == NOTIFY_RESOLVE)
		end = a->ends_at != 0 ? a->ends_at : now;
	else
		end = now + (time_t)(SINK_AM_KEEP * c->resend_interval);
	timefmt_rfc3339(a->starts_at != 0 ? a->starts_at : now, starts,
	    sizeof(starts));
	timefmt_rfc3339(end, ends, sizeof(ends));
	/* Alertmanager drops empty labels: so do we, to match its view. */
	if ((labels = sink_object(a, sink_am_labels)) == NULL)
		return NULL;
	if ((ann = sink_object(a, sink_am_annotations)) == NULL) {
		json_decref(labels);
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
	char		 summary[SINK_PD_SUMMARY_MAX + 256];
	char		 ts[TIMEFMT_RFC3339_LEN];
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
	timefmt_rfc3339(a->starts_at != 0 ? a->starts_at : time(NULL), ts,
	    sizeof(ts));
	if ((det = sink_object(a, sink_pd_details)) == NULL)
		return NULL;
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
	char	 starts[TIMEFMT_RFC3339_LEN], ends[TIMEFMT_RFC3339_LEN];
	json_t	*al;

	timefmt_rfc3339(a->starts_at != 0 ? a->starts_at : now, starts,
	    sizeof(starts));
	timefmt_rfc3339(a->ends_at != 0 ? a->ends_at : now, ends,
	    sizeof(ends));
	al = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:s, s:o, s:b}",
	    "alertname", S(a->alertname), "severity", S(a->severity),
	    "target", sink_field(a, "target", SINK_NLABELS),
	    "profile", S(a->profile), "frontend", S(a->frontend),
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

/*
 * s, or a malloc'ed copy with every byte that is not UTF-8 made '?': a
 * summary may quote what a server sent (a certificate's subject), and
 * JSON takes UTF-8 only.  *fr is what to free.
 */
static const char *
sink_utf8(const char *s, char **fr)
{
	char		*c;
	size_t		 n, i;

	*fr = NULL;
	if (s == NULL)
		return NULL;
	if (utf8_valid(s) || (c = strdup(s)) == NULL)
		return s;
	for (i = 0; c[i] != '\0'; i += n)
		if ((n = utf8_len((unsigned char *)c + i)) == 0) {
			c[i] = '?';
			n = 1;
		}
	*fr = c;
	return c;
}

static char	*sink_build1(const struct sink_conf *, const struct alert *,
		    enum notify_kind, const char *, time_t, const char *);

char *
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

char *
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
