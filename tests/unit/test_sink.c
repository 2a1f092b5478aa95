/*
 * test_sink.c - alert sinks (prober/sink.c, prober/httpc.c): the exact
 * body of every sink type and kind, the dedup key, match, and delivery
 * against an evhttp receiver on the test's own event_base: retries until
 * a 2xx with the whole sink held on 5xx, per-entry retries on 4xx that
 * let other alerts pass but never reorder one alert's notifications,
 * timeouts, replay after a restart, Alertmanager refresh throttling and
 * superseding, webhook headers, and secrets kept out of the outbox and
 * the log.
 *
 * State directories go under a fresh directory in $TMPDIR or /tmp.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "conf/conf.h"
#include "alert/httpc.h"
#include "common/log.h"
#include "alert/sink.h"
#include "unit.h"

#define NOW		1764003600	/* 2025-11-24T17:00:00Z */
#define STARTS		1764000000	/* 2025-11-24T16:00:00Z */
#define KEY_FE		"38c954c1d946e998b614961ce8f35e86" \
			"8888c9378686df53ade2ce09933eeebf"
#define PD_KEY		"R0UTINGKEY0123456789abcdefABCDEF"
#define TOKEN		"s3cr3t-t0ken"

static char	 statedir[300];

/* What the sinks logged goes to unit_logs. */
static void
logcb(void *arg, int level, const char *target, const char *frontend,
    const char *verdict, const char *msg)
{
	(void)arg;
	(void)level;
	(void)target;
	(void)frontend;
	(void)verdict;
	unit_log_add(msg);
}

/* --------------------------------------------------------------------- */
/* the receiver */

#define RX_MAX	64

struct rx {
	struct event_base *base;
	struct evhttp	*http;
	unsigned	 port;
	int		 script[16];	/* statuses to answer, in turn; then 200;
					   0: do not answer */
	int		 nscript;
	int		 n;		/* requests seen */
	int		 want;		/* for nreq_at_least() */
	const char	*poison;	/* body containing it: 400 */
	char		 path[RX_MAX][128];
	char		 body[RX_MAX][4096];
	char		 idem[RX_MAX][64];
	char		 auth[RX_MAX][64];
	int		 status[RX_MAX];
};

static void
rx_cb(struct evhttp_request *req, void *arg)
{
	struct rx	*rx = arg;
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char	*v;
	size_t		 len;
	int		 i = rx->n, status;

	status = i < rx->nscript ? rx->script[i] : 200;
	len = evbuffer_get_length(in);
	if (i < RX_MAX) {
		snprintf(rx->path[i], sizeof(rx->path[i]), "%s",
		    evhttp_request_get_uri(req));
		if (len >= sizeof(rx->body[i]))
			len = sizeof(rx->body[i]) - 1;
		evbuffer_copyout(in, rx->body[i], len);
		rx->body[i][len] = '\0';
		v = evhttp_find_header(h, "Idempotency-Key");
		snprintf(rx->idem[i], sizeof(rx->idem[i]), "%s", v ? v : "");
		v = evhttp_find_header(h, "Authorization");
		snprintf(rx->auth[i], sizeof(rx->auth[i]), "%s", v ? v : "");
		if (rx->poison != NULL && strstr(rx->body[i], rx->poison))
			status = 400;
		rx->status[i] = status;
	}
	rx->n++;
	if (status == 0)
		return;		/* hang: the client times out */
	if (status == 400)
		evbuffer_add_printf(evhttp_request_get_output_buffer(req),
		    "{\"error\":\"bad event\",\"echo\":\"%s %s\"}\n", PD_KEY,
		    TOKEN);
	evhttp_send_reply(req, status, status < 300 ? "OK" : "No", NULL);
}

static void
rx_start(struct rx *rx, struct event_base *base)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t	 len = sizeof(sin);

	memset(rx, 0, sizeof(*rx));
	rx->base = base;
	assert_non_null(rx->http = evhttp_new(base));
	evhttp_set_gencb(rx->http, rx_cb, rx);
	assert_non_null(bs = evhttp_bind_socket_with_handle(rx->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	rx->port = ntohs(sin.sin_port);
}

/* The requests answered 2xx, in order, as "path body|path body". */
static int
rx_ok(const struct rx *rx, int i)
{
	return rx->status[i] >= 200 && rx->status[i] < 300;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Runs the loop until cond(arg) or secs pass; returns cond(arg). */
static int
run_until(struct event_base *base, int (*cond)(void *), void *arg,
    double secs)
{
	struct event	*t;
	struct timeval	 tv = { 0, 10000 };
	struct timespec	 a, b;

	assert_non_null(t = event_new(base, -1, EV_PERSIST, tick, NULL));
	event_add(t, &tv);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		if (cond(arg))
			break;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if ((double)(b.tv_sec - a.tv_sec) +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e9 > secs)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	return cond(arg);
}

static struct sink *cur_sink;

static int
drained(void *arg)
{
	(void)arg;
	return sink_depth(cur_sink) == 0;
}

static int
nreq_at_least(void *arg)
{
	struct rx	*rx = arg;

	return rx->n >= (rx->want > 0 ? rx->want : rx->nscript + 1);
}

/* --------------------------------------------------------------------- */

static int
setup(void **state)
{
	(void)state;
	sink_set_log(logcb, NULL);
	return unit_tmpdir_state("test_sink", statedir, sizeof(statedir));
}

static int
teardown(void **state)
{
	(void)state;
	return unit_rmtree(unit_tmpdir);
}

/* The alert of the incident, at the frontend level. */
static struct alert
alert_fe(void)
{
	struct alert	 a;

	memset(&a, 0, sizeof(a));
	a.alertname = "SipcanaryCertInvalid";
	a.severity = "critical";
	a.target = "voice-prod";
	a.frontend = "10.0.0.7:5061";
	a.vantage = "lab-1";
	a.owner = "voice-sre";
	a.summary = "new TLS connections to 10.0.0.7:5061 fail: certificate "
	    "expired 2 h ago";
	a.description = "notAfter 2025-11-24T15:00:00Z; existing "
	    "registrations are still up";
	a.verdict = "cert_expired";
	a.fingerprint = "ab:cd";
	a.not_after = "2025-11-24T15:00:00Z";
	a.runbook_url = "https://wiki.example/rb?a=1&b=<2>";
	a.starts_at = STARTS;
	a.firing = 1;
	a.dedup_key = KEY_FE;
	return a;
}

static struct sink_conf
conf_of(int type, const char *name, const char *url)
{
	struct sink_conf c;

	memset(&c, 0, sizeof(c));
	c.name = (char *)name;
	c.type = type;
	c.url = (char *)url;
	c.timeout = 2;
	c.outbox_max = 100;
	c.resend_interval = 60;
	c.retry_min = 0.02;
	c.retry_max = 0.1;
	c.enabled = 1;
	return c;
}

static void
expect_payload(const struct sink_conf *c, const struct alert *a,
    enum notify_kind kind, const char *want)
{
	char	*got;

	got = sink_payload(c, a, kind, "0011223344556677-9", NOW, NULL);
	if (want == NULL) {
		if (got != NULL)
			fail_msg("a %s body for type %d: %s",
			    notify_kind_str(kind), c->type, got);
		return;
	}
	if (got == NULL)
		fail_msg("no %s body for type %d", notify_kind_str(kind),
		    c->type);
	if (strcmp(got, want) != 0)
		fail_msg("\n got: %s\nwant: %s", got, want);
	free(got);
}

static void
test_dedup_key(void **state)
{
	char	 k[65];

	(void)state;
	alert_dedup_key("lab-1", "SipcanaryFrontendDown", "voice-prod",
	    "10.0.0.7:5061", k);
	assert_string_equal(k, KEY_FE);
	alert_dedup_key("lab-1", "SipcanaryTargetDown", "voice-prod", "", k);
	assert_string_equal(k, "e30cf971cad788514ed3d923ab70f5ad"
	    "0b0b9f52e4ad8951d7621125ce0b2bf2");
	alert_dedup_key("lab-1", "SipcanaryTargetDown", "voice-prod", NULL,
	    k);
	assert_string_equal(k, "e30cf971cad788514ed3d923ab70f5ad"
	    "0b0b9f52e4ad8951d7621125ce0b2bf2");
	/* The separators keep identities apart. */
	alert_dedup_key("lab-1", "SipcanaryTargetDown", "voice-pro", "d", k);
	assert_string_not_equal(k, "e30cf971cad788514ed3d923ab70f5ad"
	    "0b0b9f52e4ad8951d7621125ce0b2bf2");
	assert_string_equal(notify_kind_str(NOTIFY_REFRESH), "refresh");
	assert_string_equal(sink_result_str(SINK_DROPPED), "dropped");
}

/* A resolved target-level alert, as Alertmanager gets it. */
#define AM_RESOLVED(ends_at)						\
	"[{\"labels\":{\"alertname\":\"SipcanaryCertInvalid\","		\
	"\"severity\":\"critical\",\"target\":\"voice-prod\","		\
	"\"vantage\":\"lab-1\"},\"annotations\":{\"summary\":\"new TLS " \
	"connections to 10.0.0.7:5061 fail: certificate expired 2 h "	\
	"ago\",\"verdict\":\"cert_expired\"},\"startsAt\":"		\
	"\"2025-11-24T16:00:00Z\",\"endsAt\":\"" ends_at "\"}]"

static void
test_payload_alertmanager(void **state)
{
	struct sink_conf c = conf_of(SINK_ALERTMANAGER, "am",
	    "http://127.0.0.1:9093");
	struct alert	 a = alert_fe();
	const char	*firing;

	(void)state;
	firing =
	    "[{\"labels\":{\"alertname\":\"SipcanaryCertInvalid\","
	    "\"severity\":\"critical\",\"target\":\"voice-prod\","
	    "\"frontend\":\"10.0.0.7:5061\",\"vantage\":\"lab-1\","
	    "\"owner\":\"voice-sre\"},\"annotations\":{\"summary\":\"new TLS "
	    "connections to 10.0.0.7:5061 fail: certificate expired 2 h "
	    "ago\",\"description\":\"notAfter 2025-11-24T15:00:00Z; existing "
	    "registrations are still up\",\"verdict\":\"cert_expired\","
	    "\"fingerprint_sha256\":\"ab:cd\",\"not_after\":"
	    "\"2025-11-24T15:00:00Z\",\"runbook_url\":"
	    "\"https://wiki.example/rb?a=1&b=<2>\"},\"startsAt\":"
	    "\"2025-11-24T16:00:00Z\",\"endsAt\":\"2025-11-24T17:04:00Z\"}]";
	expect_payload(&c, &a, NOTIFY_TRIGGER, firing);
	/* A refresh is the same alert, kept active a while longer. */
	expect_payload(&c, &a, NOTIFY_REFRESH, firing);
	/* Resolved: endsAt is when; a target-level alert has no frontend. */
	a.ends_at = NOW + 3600;
	a.firing = 0;
	a.frontend = "";
	a.owner = NULL;
	a.fingerprint = NULL;
	a.not_after = "";
	a.runbook_url = NULL;
	a.description = NULL;
	expect_payload(&c, &a, NOTIFY_RESOLVE,
	    AM_RESOLVED("2025-11-24T18:00:00Z"));
	a.ends_at = 0;
	expect_payload(&c, &a, NOTIFY_RESOLVE,
	    AM_RESOLVED("2025-11-24T17:00:00Z"));
}

static void
test_payload_pagerduty(void **state)
{
	struct sink_conf c = conf_of(SINK_PAGERDUTY, "pd",
	    "https://events.pagerduty.com");
	struct alert	 a = alert_fe();
	char		 sum[1100], want[4096], *got;
	size_t		 i, len;

	(void)state;
	c.secret = PD_KEY;
	expect_payload(&c, &a, NOTIFY_TRIGGER,
	    "{\"routing_key\":\"" PD_KEY "\",\"event_action\":\"trigger\","
	    "\"dedup_key\":\"" KEY_FE "\",\"payload\":{\"summary\":\"new TLS "
	    "connections to 10.0.0.7:5061 fail: certificate expired 2 h "
	    "ago\",\"source\":\"lab-1\",\"severity\":\"critical\","
	    "\"timestamp\":\"2025-11-24T16:00:00Z\",\"component\":"
	    "\"10.0.0.7:5061\",\"group\":\"voice-prod\",\"class\":"
	    "\"SipcanaryCertInvalid\",\"custom_details\":{\"alertname\":"
	    "\"SipcanaryCertInvalid\",\"target\":\"voice-prod\",\"frontend\":"
	    "\"10.0.0.7:5061\",\"vantage\":\"lab-1\",\"owner\":\"voice-sre\","
	    "\"description\":\"notAfter 2025-11-24T15:00:00Z; existing "
	    "registrations are still up\",\"verdict\":\"cert_expired\","
	    "\"fingerprint_sha256\":\"ab:cd\",\"not_after\":"
	    "\"2025-11-24T15:00:00Z\",\"runbook_url\":"
	    "\"https://wiki.example/rb?a=1&b=<2>\"}},\"links\":[{\"href\":"
	    "\"https://wiki.example/rb?a=1&b=<2>\",\"text\":\"runbook\"}]}");
	/* Resolve: the key, the action and the dedup key, nothing else. */
	expect_payload(&c, &a, NOTIFY_RESOLVE,
	    "{\"routing_key\":\"" PD_KEY "\",\"event_action\":\"resolve\","
	    "\"dedup_key\":\"" KEY_FE "\"}");
	expect_payload(&c, &a, NOTIFY_REFRESH, NULL);

	/*
	 * A target-level warning without runbook: component is the target,
	 * no links; a summary past 1024 bytes is cut on a character.
	 */
	a.frontend = "";
	a.severity = "warning";
	a.runbook_url = NULL;
	a.owner = a.description = a.fingerprint = a.not_after = NULL;
	a.dedup_key = NULL;
	for (i = 0; i < 1023; i++)
		sum[i] = 'x';
	memcpy(sum + 1023, "\xc3\xa9tail", 7);	/* an e-acute at 1023 */
	a.summary = sum;
	snprintf(want, sizeof(want), "{\"routing_key\":\"" PD_KEY "\","
	    "\"event_action\":\"trigger\",\"dedup_key\":"
	    "\"4f9ad0ee1b1f4bb7c9a1b6e7d1c8a2e0\",\"payload\":{\"summary\":"
	    "\"%.1023s\",\"source\":\"lab-1\",\"severity\":\"warning\","
	    "\"timestamp\":\"2025-11-24T16:00:00Z\",\"component\":"
	    "\"voice-prod\",\"group\":\"voice-prod\",\"class\":"
	    "\"SipcanaryCertInvalid\",\"custom_details\":{\"alertname\":"
	    "\"SipcanaryCertInvalid\",\"target\":\"voice-prod\",\"vantage\":"
	    "\"lab-1\",\"verdict\":\"cert_expired\"}}}", sum);
	got = sink_payload(&c, &a, NOTIFY_TRIGGER, NULL, NOW, &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(got));
	/* The dedup key computed from the identity. */
	{
		char	 k[65], *p;

		alert_dedup_key("lab-1", "SipcanaryCertInvalid",
		    "voice-prod", "", k);
		p = strstr(want, "4f9ad0ee1b1f4bb7c9a1b6e7d1c8a2e0");
		assert_non_null(p);
		memmove(p + 64, p + 32, strlen(p + 32) + 1);
		memcpy(p, k, 64);
	}
	if (strcmp(got, want) != 0)
		fail_msg("\n got: %s\nwant: %s", got, want);
	free(got);

	/* Unknown severities become "error"; no vantage: "sipcanary". */
	a.severity = "page";
	a.vantage = NULL;
	a.summary = NULL;
	got = sink_payload(&c, &a, NOTIFY_TRIGGER, NULL, NOW, NULL);
	assert_non_null(strstr(got, "\"summary\":\"SipcanaryCertInvalid "
	    "voice-prod \",\"source\":\"sipcanary\",\"severity\":\"error\""));
	free(got);
}

/* The webhook JSON of the incident's alert; ends: ends_at and firing. */
#define WEBHOOK_FE(kind, owner, ends)					\
	"{\"id\":\"0011223344556677-9\",\"kind\":\"" kind "\","		\
	"\"dedup_key\":\"" KEY_FE "\",\"alert\":{\"alertname\":" \
	"\"SipcanaryCertInvalid\",\"severity\":\"critical\",\"target\":" \
	"\"voice-prod\",\"profile\":\"\",\"frontend\":"		\
	"\"10.0.0.7:5061\",\"vantage\":"					\
	"\"lab-1\",\"owner\":\"" owner "\",\"summary\":\"new TLS " \
	"connections to 10.0.0.7:5061 fail: certificate expired 2 h "	\
	"ago\",\"description\":\"notAfter 2025-11-24T15:00:00Z; existing " \
	"registrations are still up\",\"verdict\":\"cert_expired\"," \
	"\"fingerprint_sha256\":\"ab:cd\",\"not_after\":" \
	"\"2025-11-24T15:00:00Z\",\"runbook_url\":" \
	"\"https://wiki.example/rb?a=1&b=<2>\",\"starts_at\":"		\
	"\"2025-11-24T16:00:00Z\",\"ends_at\":" ends "}}"

static void
test_payload_webhook(void **state)
{
	struct sink_conf c = conf_of(SINK_WEBHOOK, "chat",
	    "https://hooks.example/x");
	struct alert	 a = alert_fe();
	char		*got;

	(void)state;
	c.secret = TOKEN;
	expect_payload(&c, &a, NOTIFY_TRIGGER, WEBHOOK_FE("trigger",
	    "voice-sre", "null,\"firing\":true"));
	expect_payload(&c, &a, NOTIFY_REFRESH, NULL);
	a.ends_at = NOW;
	a.owner = NULL;
	expect_payload(&c, &a, NOTIFY_RESOLVE, WEBHOOK_FE("resolve", "",
	    "\"2025-11-24T17:00:00Z\",\"firing\":false"));

	c.format = SINK_FORMAT_SLACK;
	a = alert_fe();
	a.target = "voice<prod>&co";
	expect_payload(&c, &a, NOTIFY_TRIGGER,
	    "{\"text\":\":rotating_light: *FIRING* [critical] "
	    "SipcanaryCertInvalid: voice&lt;prod&gt;&amp;co 10.0.0.7:5061 "
	    "(vantage lab-1)\\nnew TLS connections to 10.0.0.7:5061 fail: "
	    "certificate expired 2 h ago\\nRunbook: "
	    "<https://wiki.example/rb?a=1&amp;b=&lt;2&gt;|runbook>\"}");
	a.frontend = "";
	a.runbook_url = NULL;
	a.summary = NULL;
	expect_payload(&c, &a, NOTIFY_RESOLVE,
	    "{\"text\":\":white_check_mark: *RESOLVED* [critical] "
	    "SipcanaryCertInvalid: voice&lt;prod&gt;&amp;co (vantage "
	    "lab-1)\"}");
	expect_payload(&c, &a, NOTIFY_REFRESH, NULL);

	/* Bytes that are not UTF-8 (a server's certificate subject). */
	c.format = SINK_FORMAT_JSON;
	a = alert_fe();
	a.summary = "CN=caf\xe9 \xc3\xa9 \xed\xa0\x80.";
	got = sink_payload(&c, &a, NOTIFY_TRIGGER, "x", NOW, NULL);
	assert_non_null(got);
	assert_non_null(strstr(got, "\"summary\":\"CN=caf? \xc3\xa9 ???.\""));
	free(got);
}

static void
test_match(void **state)
{
	struct sink_conf c = conf_of(SINK_WEBHOOK, "w", "http://a");
	struct sink_match m[2] = {
		{ "severity", "critical" }, { "frontend", "" }
	};
	struct alert	 a = alert_fe();

	(void)state;
	assert_true(sink_match(&c, &a));	/* no match: everything */
	c.match = m;
	c.nmatch = 1;
	assert_true(sink_match(&c, &a));
	a.severity = "warning";
	assert_false(sink_match(&c, &a));
	a.severity = "critical";
	c.nmatch = 2;
	assert_false(sink_match(&c, &a));	/* a frontend-level alert */
	a.frontend = NULL;
	assert_true(sink_match(&c, &a));
	m[1].label = "team";
	assert_false(sink_match(&c, &a));
}

/*
 * A profile's alert: labelled with the configured target and the profile
 * in every body, matched by either, identified by its own name.
 */
static void
test_profile_labels(void **state)
{
	struct sink_conf am = conf_of(SINK_ALERTMANAGER, "am", "http://a");
	struct sink_conf wh = conf_of(SINK_WEBHOOK, "w", "http://a");
	struct sink_match m[2] = {
		{ "target", "voice-prod" }, { "profile", "desk-2019" }
	};
	struct alert	 a = alert_fe();
	json_t		*j;
	char		*got;

	(void)state;
	a.target = "voice-prod/desk-2019";
	a.target_label = "voice-prod";
	a.profile = "desk-2019";
	assert_non_null(got = sink_payload(&am, &a, NOTIFY_TRIGGER, "1", NOW,
	    NULL));
	assert_non_null(j = json_loads(got, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(j, 0), "labels"), "target")), "voice-prod");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(j, 0), "labels"), "profile")), "desk-2019");
	json_decref(j);
	free(got);
	assert_non_null(got = sink_payload(&wh, &a, NOTIFY_TRIGGER, "1", NOW,
	    NULL));
	assert_non_null(j = json_loads(got, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "alert"), "target")), "voice-prod");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "alert"), "profile")), "desk-2019");
	json_decref(j);
	free(got);
	wh.match = m;
	wh.nmatch = 2;
	assert_true(sink_match(&wh, &a));
	a.profile = "modern";
	assert_false(sink_match(&wh, &a));
	/* Without a profile: no profile label, the target as it is. */
	a.target_label = a.profile = NULL;
	assert_non_null(got = sink_payload(&am, &a, NOTIFY_TRIGGER, "1", NOW,
	    NULL));
	assert_null(strstr(got, "profile"));
	assert_non_null(strstr(got, "\"target\":\"voice-prod/desk-2019\""));
	free(got);
}

/* --------------------------------------------------------------------- */
/* delivery */

struct fixture {
	struct event_base *base;
	struct rx	 rx;
	struct sink	*sink;
	char		 url[128];
};

static void
fx_start(struct fixture *fx, struct sink_conf *c, const char *path)
{
	char	 err[512];

	assert_non_null(fx->base = event_base_new());
	rx_start(&fx->rx, fx->base);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%u%s",
	    fx->rx.port, path);
	c->url = fx->url;
	if ((fx->sink = sink_new(fx->base, c, statedir, err,
	    sizeof(err))) == NULL)
		fail_msg("sink_new: %s", err);
	cur_sink = fx->sink;
}

static void
fx_stop(struct fixture *fx)
{
	sink_free(fx->sink);
	evhttp_free(fx->rx.http);
	event_base_free(fx->base);
}

/* Another sink of c, called name, on fx's loop: the one drained() sees. */
static struct sink *
fx_other(struct fixture *fx, struct sink_conf *c, const char *name)
{
	struct sink	*s;
	char		 err[512];

	c->name = (char *)name;
	if ((s = sink_new(fx->base, c, statedir, err, sizeof(err))) == NULL)
		fail_msg("sink_new: %s", err);
	cur_sink = s;
	return s;
}

/* 500, 503, then 200: delivered once, after three attempts. */
static void
test_retry_until_2xx(void **state)
{
	struct sink_conf c = conf_of(SINK_ALERTMANAGER, "am", NULL);
	struct fixture	 fx;
	struct alert	 a = alert_fe();

	(void)state;
	fx_start(&fx, &c, "/prefix/");
	fx.rx.script[0] = 500;
	fx.rx.script[1] = 503;
	fx.rx.nscript = 2;
	assert_string_equal(sink_name(fx.sink), "am");
	assert_int_equal(sink_type(fx.sink), SINK_ALERTMANAGER);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_TRIGGER), 1);
	assert_int_equal(sink_depth(fx.sink), 1);
	assert_true(run_until(fx.base, drained, NULL, 5));
	assert_int_equal(fx.rx.n, 3);
	assert_string_equal(fx.rx.path[2], "/prefix/api/v2/alerts");
	assert_string_equal(fx.rx.body[0], fx.rx.body[2]);
	assert_non_null(strstr(fx.rx.body[2], "\"alertname\":"
	    "\"SipcanaryCertInvalid\""));
	assert_int_equal(sink_notifications(fx.sink, SINK_SENT), 1);
	assert_int_equal(sink_notifications(fx.sink, SINK_FAILED), 2);
	assert_int_equal(sink_notifications(fx.sink, SINK_DROPPED), 0);
	assert_int_equal(unit_logged("HTTP 500"), 1);
	assert_int_equal(unit_logged("HTTP 503"), 1);
	assert_int_equal(unit_logged("delivered trigger of SipcanaryCertInvalid "
	    "(notification 1, HTTP 200, attempt 3"), 1);
	/* Nothing more is sent. */
	run_until(fx.base, nreq_at_least, &fx.rx, 0.3);
	assert_int_equal(fx.rx.n, 3);
	fx_stop(&fx);
}

/*
 * The receiver fails a while: every notification arrives once it is
 * back, in the order they were queued.
 */
static void
test_order_after_outage(void **state)
{
	struct sink_conf c = conf_of(SINK_WEBHOOK, "hook", NULL);
	struct fixture	 fx;
	struct alert	 a = alert_fe(), b = alert_fe();
	int		 i, j;

	(void)state;
	fx_start(&fx, &c, "/hook");
	for (i = 0; i < 6; i++)
		fx.rx.script[i] = 502;
	fx.rx.nscript = 6;
	b.alertname = "SipcanaryFrontendDown";
	b.frontend = "10.0.0.8:5061";
	b.dedup_key = NULL;
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_TRIGGER), 1);
	assert_int_equal(sink_notify(fx.sink, &b, NOTIFY_TRIGGER), 1);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_RESOLVE), 1);
	assert_int_equal(sink_notify(fx.sink, &b, NOTIFY_RESOLVE), 1);
	assert_int_equal(sink_depth(fx.sink), 4);
	assert_true(run_until(fx.base, drained, NULL, 10));
	/* While it failed, only the head was tried: the sink was held. */
	for (i = 0; i < 6; i++)
		assert_non_null(strstr(fx.rx.body[i], "-1\",\"kind\":"
		    "\"trigger\""));
	for (i = 6, j = 1; i < fx.rx.n; i++, j++) {
		char	 want[64];

		assert_true(rx_ok(&fx.rx, i));
		snprintf(want, sizeof(want), "-%d\",\"kind\"", j);
		assert_non_null(strstr(fx.rx.body[i], want));
		/* Idempotency-Key is the notification id. */
		assert_non_null(strstr(fx.rx.body[i], fx.rx.idem[i]));
		assert_int_equal(strlen(fx.rx.idem[i]), 16 + 1 + 1);
		assert_string_equal(fx.rx.auth[i], "");
	}
	assert_int_equal(fx.rx.n, 10);
	assert_int_equal(sink_notifications(fx.sink, SINK_SENT), 4);
	fx_stop(&fx);
}

/* Both notifications of SipcanaryFrontendDown delivered. */
static int
b_delivered(void *arg)
{
	struct rx	*rx = arg;
	int		 i, n = 0;

	for (i = 0; i < rx->n && i < RX_MAX; i++)
		if (strstr(rx->body[i], "SipcanaryFrontendDown") &&
		    rx_ok(rx, i))
			n++;
	return n == 2;
}

/*
 * A 4xx for one alert: it is retried on its own, its later
 * notifications wait behind it, and other alerts pass.
 */
static void
test_4xx_holds_one_alert(void **state)
{
	struct sink_conf c = conf_of(SINK_WEBHOOK, "hook", NULL);
	struct fixture	 fx;
	struct alert	 a = alert_fe(), b = alert_fe();
	int		 i, sent_b = 0, resolve_a = -1;

	(void)state;
	c.secret = TOKEN;
	fx_start(&fx, &c, "/");
	fx.rx.poison = "poison";
	a.summary = "poison";
	b.alertname = "SipcanaryFrontendDown";
	b.frontend = "10.0.0.8:5061";		/* not a's identity */
	b.dedup_key = NULL;
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_TRIGGER), 1);
	a.summary = "fixed";
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_RESOLVE), 1);
	assert_int_equal(sink_notify(fx.sink, &b, NOTIFY_TRIGGER), 1);
	assert_int_equal(sink_notify(fx.sink, &b, NOTIFY_RESOLVE), 1);
	assert_true(run_until(fx.base, b_delivered, &fx.rx, 5));
	/* And the poisoned one is tried again and again. */
	fx.rx.want = 6;
	assert_true(run_until(fx.base, nreq_at_least, &fx.rx, 5));
	for (i = 0; i < fx.rx.n && i < RX_MAX; i++) {
		if (strstr(fx.rx.body[i], "SipcanaryFrontendDown") &&
		    rx_ok(&fx.rx, i))
			sent_b++;
		if (strstr(fx.rx.body[i], "\"kind\":\"resolve\"") &&
		    strstr(fx.rx.body[i], "SipcanaryCertInvalid"))
			resolve_a = i;
		assert_string_equal(fx.rx.auth[i], "Bearer " TOKEN);
	}
	assert_int_equal(sent_b, 2);
	assert_int_equal(resolve_a, -1);	/* never before its trigger */
	assert_int_equal(sink_depth(fx.sink), 2);
	assert_true(unit_logged("HTTP 400 (the receiver refuses it") >= 1);
	/* The receiver's echo of the secrets is blanked in the log. */
	for (i = 0; i < unit_nlogs; i++)
		assert_null(strstr(unit_logs[i], TOKEN));
	assert_true(unit_logged("************") >= 1);
	/* Fixed: the trigger, then the resolve. */
	fx.rx.poison = NULL;
	assert_true(run_until(fx.base, drained, NULL, 5));
	assert_non_null(strstr(fx.rx.body[fx.rx.n - 2], "\"kind\":\"trigger\""));
	assert_non_null(strstr(fx.rx.body[fx.rx.n - 1], "\"kind\":\"resolve\""));
	fx_stop(&fx);
}

/* A receiver that never answers: the total timeout, then a retry. */
static void
test_timeout(void **state)
{
	struct sink_conf c = conf_of(SINK_ALERTMANAGER, "am", NULL);
	struct fixture	 fx;
	struct alert	 a = alert_fe();

	(void)state;
	c.timeout = 0.2;
	fx_start(&fx, &c, "");
	fx.rx.script[0] = 0;
	fx.rx.nscript = 1;
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_TRIGGER), 1);
	assert_true(run_until(fx.base, drained, NULL, 5));
	assert_int_equal(fx.rx.n, 2);
	assert_int_equal(unit_logged("timed out after 0.2s waiting for the "
	    "response"), 1);
	fx_stop(&fx);
}

/* Pending at exit, sent by the next sink on the same state_dir. */
static void
test_restart_replay(void **state)
{
	struct sink_conf c = conf_of(SINK_PAGERDUTY, "pd", NULL);
	struct fixture	 fx;
	struct alert	 a = alert_fe();
	char		 err[512], path[400], *text;
	long		 n;

	(void)state;
	c.secret = PD_KEY;
	fx_start(&fx, &c, "");
	for (n = 0; n < 16; n++)
		fx.rx.script[n] = 503;
	fx.rx.nscript = 16;
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_TRIGGER), 1);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 0);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_RESOLVE), 1);
	run_until(fx.base, nreq_at_least, &fx.rx, 0.2);
	assert_true(fx.rx.n >= 1);
	assert_int_equal(sink_depth(fx.sink), 2);
	/* The routing key went on the wire, never into the outbox. */
	assert_non_null(strstr(fx.rx.body[0], "{\"routing_key\":\"" PD_KEY
	    "\",\"event_action\":\"trigger\""));
	assert_string_equal(fx.rx.path[0], "/v2/enqueue");
	snprintf(path, sizeof(path), "%s/outbox-pd.log", statedir);
	text = unit_slurp(path);
	assert_null(strstr(text, PD_KEY));
	assert_non_null(strstr(text, "\\\"event_action\\\":\\\"resolve\\\""));
	free(text);
	sink_free(fx.sink);

	/* The next daemon: the receiver is well again. */
	fx.rx.nscript = 0;
	fx.rx.n = 0;
	assert_non_null(fx.sink = sink_new(fx.base, &c, statedir, err,
	    sizeof(err)));
	cur_sink = fx.sink;
	assert_int_equal(sink_depth(fx.sink), 2);
	assert_int_equal(unit_logged("2 notifications pending from before"), 1);
	assert_true(run_until(fx.base, drained, NULL, 5));
	assert_int_equal(fx.rx.n, 2);
	assert_non_null(strstr(fx.rx.body[0], "\"event_action\":\"trigger\""));
	assert_string_equal(fx.rx.body[1], "{\"routing_key\":\"" PD_KEY
	    "\",\"event_action\":\"resolve\",\"dedup_key\":\"" KEY_FE "\"}");
	for (n = 0; n < unit_nlogs; n++)
		assert_null(strstr(unit_logs[n], PD_KEY));
	fx_stop(&fx);

	/* Two sinks on one outbox file: refused. */
	assert_non_null(fx.base = event_base_new());
	c.url = "http://127.0.0.1:9";
	assert_non_null(fx.sink = sink_new(fx.base, &c, statedir, err,
	    sizeof(err)));
	assert_null(sink_new(fx.base, &c, statedir, err, sizeof(err)));
	assert_non_null(strstr(err, "sink pd: "));
	assert_non_null(strstr(err, "is in use by another process"));
	sink_free(fx.sink);
	event_base_free(fx.base);
}

/* Alertmanager refreshes: throttled, and superseding each other. */
static void
test_refresh(void **state)
{
	struct sink_conf c = conf_of(SINK_ALERTMANAGER, "am", NULL);
	struct sink_match m = { "target", "voice-prod" };
	struct fixture	 fx;
	struct alert	 a = alert_fe(), other = alert_fe();

	(void)state;
	c.resend_interval = 0.2;
	c.match = &m;
	c.nmatch = 1;
	fx_start(&fx, &c, "");
	other.target = "voice-dr";
	assert_int_equal(sink_notify(fx.sink, &other, NOTIFY_TRIGGER), 0);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_TRIGGER), 1);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 0);
	assert_true(run_until(fx.base, drained, NULL, 5));
	usleep(200000);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 1);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 0);
	assert_true(run_until(fx.base, drained, NULL, 5));
	assert_int_equal(fx.rx.n, 2);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_RESOLVE), 1);
	/* After a resolve, a refresh (of a new firing) is due at once. */
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 1);
	assert_true(run_until(fx.base, drained, NULL, 5));
	assert_int_equal(fx.rx.n, 4);

	/* Receiver down: pending refreshes of one alert collapse. */
	fx.rx.script[4] = 500;
	fx.rx.script[5] = 500;
	fx.rx.script[6] = 500;
	fx.rx.nscript = 7;
	usleep(200000);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 1);
	run_until(fx.base, nreq_at_least, &fx.rx, 0.05);
	usleep(200000);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 1);
	usleep(200000);
	assert_int_equal(sink_notify(fx.sink, &a, NOTIFY_REFRESH), 1);
	assert_true(sink_depth(fx.sink) <= 2);
	assert_true(run_until(fx.base, drained, NULL, 5));
	fx_stop(&fx);
}

/* Disabled sinks take nothing; the error paths of sink_new(). */
static void
test_disabled_and_errors(void **state)
{
	struct sink_conf c = conf_of(SINK_ALERTMANAGER, "am", "http://a:1");
	struct event_base *base;
	struct sink	*s;
	struct alert	 a = alert_fe();
	char		 err[512];

	(void)state;
	assert_non_null(base = event_base_new());
	c.enabled = 0;
	assert_non_null(s = sink_new(base, &c, statedir, err, sizeof(err)));
	assert_int_equal(sink_notify(s, &a, NOTIFY_TRIGGER), 0);
	assert_int_equal(sink_depth(s), 0);
	assert_int_equal(sink_dropped(s), 0);
	sink_free(s);
	c.enabled = 1;
	c.url = "ftp://a";
	assert_null(sink_new(base, &c, statedir, err, sizeof(err)));
	assert_string_equal(err, "sink am: url: expected an http:// or "
	    "https:// URL");
	c.url = "https://127.0.0.1:1";
	c.ca_file = "/nonexistent/ca.pem";
	assert_null(sink_new(base, &c, statedir, err, sizeof(err)));
	assert_string_equal(err, "sink am: cannot load CA certificates from "
	    "/nonexistent/ca.pem");
	c.ca_file = NULL;
	assert_null(sink_new(base, &c, "/dev/null/x", err, sizeof(err)));
	assert_non_null(strstr(err, "sink am: cannot make /dev/null/x"));
	sink_free(NULL);
	assert_int_equal(sink_notify(NULL, &a, NOTIFY_TRIGGER), 0);
	event_base_free(base);
}

/* Transport errors: refused, TLS to a plain server, and a DNS name. */
static void
test_transport(void **state)
{
	struct sink_conf c = conf_of(SINK_ALERTMANAGER, "am", NULL);
	struct fixture	 fx;
	struct alert	 a = alert_fe();
	char		 url[128];
	struct sink	*s;
	int		 fd;
	struct sockaddr_in sin;
	socklen_t	 len = sizeof(sin);

	(void)state;
	fx_start(&fx, &c, "");
	/* A port nothing listens on: bind one, never listen. */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/secret-path",
	    ntohs(sin.sin_port));
	c.url = url;
	s = fx_other(&fx, &c, "refused");
	assert_int_equal(sink_notify(s, &a, NOTIFY_TRIGGER), 1);
	run_until(fx.base, drained, NULL, 0.3);
	assert_true(unit_logged("connect: Connection refused") >= 1);
	assert_int_equal(unit_logged("secret-path"), 0);
	assert_true(unit_logged("http://127.0.0.1:") >= 1);
	sink_free(s);
	close(fd);

	/* https to a plain HTTP server: a TLS error, no request. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", fx.rx.port);
	s = fx_other(&fx, &c, "tls");
	unit_log_clear();
	assert_int_equal(sink_notify(s, &a, NOTIFY_TRIGGER), 1);
	run_until(fx.base, drained, NULL, 0.3);
	assert_true(unit_logged("TLS: ") >= 1);
	assert_int_equal(fx.rx.n, 0);
	sink_free(s);

	/* A name: resolved by evdns (from /etc/hosts), not getaddrinfo. */
	snprintf(url, sizeof(url), "http://localhost:%u/", fx.rx.port);
	s = fx_other(&fx, &c, "byname");
	assert_int_equal(sink_notify(s, &a, NOTIFY_TRIGGER), 1);
	if (!run_until(fx.base, drained, NULL, 5))
		fail_msg("not delivered by name: %s", unit_nlogs ?
		    unit_logs[unit_nlogs - 1] : "(no log)");
	sink_free(s);
	cur_sink = fx.sink;
	fx_stop(&fx);
}

/* The URL parser of the sinks. */
static void
test_url(void **state)
{
	struct url	 u;
	char		 err[256];

	(void)state;
	assert_int_equal(url_parse("HTTPS://Hooks.Example/a/b?c=d", &u,
	    err, sizeof(err)), 0);
	assert_true(u.tls);
	assert_false(u.literal);
	assert_string_equal(u.host, "Hooks.Example");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/a/b?c=d");
	assert_string_equal(u.origin, "https://Hooks.Example:443");
	assert_int_equal(url_parse("http://[::1]:9093", &u, err,
	    sizeof(err)), 0);
	assert_true(u.literal);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.path, "/");
	assert_string_equal(u.origin, "http://[::1]:9093");
	assert_true(url_loopback(&u));
	assert_int_equal(url_parse("http://10.1.2.3?x", &u, err,
	    sizeof(err)), 0);
	assert_string_equal(u.path, "/?x");
	assert_int_equal(u.port, 80);
	assert_false(url_loopback(&u));
	assert_int_equal(url_parse("http://127.9.9.9:1", &u, err,
	    sizeof(err)), 0);
	assert_true(url_loopback(&u));
	assert_int_equal(url_parse("http://localhost", &u, err,
	    sizeof(err)), 0);
	assert_true(url_loopback(&u));
	assert_int_equal(url_parse("http://a:65536/", &u, err,
	    sizeof(err)), -1);
	assert_int_equal(url_parse("http://a:/", &u, err,
	    sizeof(err)), -1);
	assert_int_equal(url_parse("http:///x", &u, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "no host");
	assert_int_equal(url_parse("http://-a/", &u, err,
	    sizeof(err)), -1);
	assert_int_equal(url_parse("http://[zz]/", &u, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "bad IPv6 address");
	assert_int_equal(url_parse("http://a/\xc3\xa9", &u, err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_key),
		cmocka_unit_test(test_payload_alertmanager),
		cmocka_unit_test(test_payload_pagerduty),
		cmocka_unit_test(test_payload_webhook),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_profile_labels),
		cmocka_unit_test(test_url),
		cmocka_unit_test_setup_teardown(test_retry_until_2xx, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_order_after_outage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_4xx_holds_one_alert, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_transport, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
