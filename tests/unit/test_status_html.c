/*
 * test_status_html.c - the daemon's status page: every target state,
 * the detector banner only when it fires, the insecure notice,
 * frontend verdicts, relative times, certificate lifetimes, flows, the
 * 60-cell strip (padding, trimming, bad values), escaping of hostile
 * names, and nothing fetched from anywhere.
 *
 * STATUS_HTML_OUT=FILE also writes the full view's page to FILE, for a
 * look in a browser.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "web/status_html.h"
#include "unit.h"

#define NOW	((time_t)1767225600)	/* 2026-01-01 00:00:00 UTC */
#define HOSTILE	"<script>alert(1)</script>\"x' &"

static unsigned char	hist_long[75];
static unsigned char	hist_mixed[60];
static const unsigned char hist_short[] = { 1, 1, 3, 2, 7 };

static const struct status_frontend fe_prod[] = {
	{ "192.0.2.10:5061", "cert_expired",
	  "certificate has expired <b>&amp;</b>", NOW - 7200, -3.2, 1, 1,
	  hist_mixed, sizeof(hist_mixed), NULL },
	{ "[2001:db8::10]:5061", "ok", NULL, NOW - 125, 44.9, 1, 2,
	  hist_long, sizeof(hist_long), "crl good, ocsp good" },
};
static const struct status_frontend fe_stage[] = {
	{ "198.51.100.7:5061", "cert_expiring", "expires in 5 days",
	  NOW - 20, 0.5, 0, 2, hist_short, sizeof(hist_short), NULL },
};
static const struct status_frontend fe_hostile[] = {
	{ HOSTILE, NULL, HOSTILE, 0, NAN, 0, 0, NULL, 0, HOSTILE },
};

static const struct status_target targets[] = {
	{ "voice-prod", "sips:voice.example.com", "voice-sre", "critical",
	  1, 0, fe_prod, 2 },
	{ "voice stage", "sips:stage.example.com", NULL, "warning", 0, 1,
	  fe_stage, 1 },
	{ HOSTILE, "sips:" HOSTILE, HOSTILE, "bogus-state", 0, 0,
	  fe_hostile, 1 },
	{ "empty", "sips:empty.example.com", "nobody", "ok", 0, 0, NULL, 0 },
};

static const struct status_view view = {
	"lab-1", "0.1.0", NOW, NOW - 3 * 86400 - 7200, targets, 4,
	"<ul><li>SipcanaryNewConnectionOutage voice-prod</li></ul>", NULL, 0, 0, NULL, 0,
};

static void
hist_init(void)
{
	size_t	i;

	/* Oldest 15 are failures, trimmed away; the last 60 are ok. */
	for (i = 0; i < sizeof(hist_long); i++)
		hist_long[i] = i < 15 ? 3 : 1;
	for (i = 0; i < sizeof(hist_mixed); i++)
		hist_mixed[i] = i < 40 ? 1 : i < 45 ? 2 : 3;
}

static char *
render(const struct status_view *v)
{
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	status_html_write(b, v);
	return unit_evbuffer_take(b);
}

static void
assert_has(const char *page, const char *needle)
{
	if (strstr(page, needle) == NULL)
		print_error("missing: %s\n", needle);
	assert_non_null(strstr(page, needle));
}

static void
test_structure(void **state)
{
	char	*p;

	(void)state;
	p = render(&view);
	assert_int_equal(strncmp(p, "<!DOCTYPE html>\n", 16), 0);
	assert_has(p, "<meta http-equiv=\"refresh\" content=\"15\">");
	assert_has(p, "<meta name=\"viewport\"");
	assert_has(p, "<title>1 critical \xc2\xb7 1 warning \xc2\xb7 "
	    "sipcanary lab-1</title>");
	assert_has(p, "version 0.1.0");
	assert_has(p, "up 3 d 2 h");
	assert_has(p, "2026-01-01 00:00:00 UTC");
	assert_int_equal(unit_count(p, "<section class=\"target "), 4);
	assert_int_equal(unit_count(p, "</section>"), 5);	/* + alerts */
	assert_int_equal(unit_count(p, "<tr class=\"frontend\""), 4);
	assert_int_equal(unit_count(p, "<svg class=\"strip\""), 4);
	assert_int_equal(unit_count(p, "<table"), unit_count(p, "</table>"));
	assert_has(p, "<section class=\"target s-critical\" "
	    "id=\"target-voice-prod\" data-target=\"voice-prod\" "
	    "data-state=\"critical\">");
	/* Whitespace is not allowed in ids. */
	assert_has(p, "id=\"target-voice_stage\" data-target=\"voice stage\"");
	assert_has(p, "<section class=\"target s-ok\" id=\"target-empty\"");
	assert_has(p, "No frontends located.");
	assert_has(p, "owner <span class=\"owner\">voice-sre</span>");
	/* Where each revocation answer came from, with the error. */
	assert_has(p, "<span class=\"revocation\">revocation: crl good, "
	    "ocsp good</span>");
	assert_int_equal(unit_count(p, "<span class=\"revocation\">"), 2);
	/* The summary lists what needs attention, with links. */
	assert_has(p, "<strong>4 targets</strong>: <span class=\"count "
	    "c-critical\">1 critical</span>, <span class=\"count c-warning\">1 "
	    "warning</span>, <span class=\"count c-unknown\">1 unknown</span>, "
	    "<span class=\"count c-ok\">1 ok</span>");
	assert_has(p, "<a href=\"#target-voice-prod\">voice-prod</a> "
	    "\xe2\x80\x94 new connections fail");
	assert_null(strstr(p, "<a href=\"#target-empty\""));
	/* The alert block is the caller's, verbatim. */
	assert_has(p, "<section class=\"alerts\" id=\"alerts\"><h2>Firing "
	    "alerts</h2>\n<ul><li>SipcanaryNewConnectionOutage voice-prod"
	    "</li></ul>");
	free(p);
}

static void
test_detector(void **state)
{
	char	*p, *prod, *stage;

	(void)state;
	p = render(&view);
	assert_int_equal(unit_count(p, "class=\"outage\""), 1);
	assert_has(p, "<div class=\"outage\" role=\"alert\" "
	    "id=\"outage-voice-prod\"><strong>New connections fail while "
	    "existing flows are up.</strong>");
	assert_int_equal(unit_count(p, "new_connection_outage: not firing"), 3);
	/* The banner is inside its own target's section. */
	prod = strstr(p, "data-target=\"voice-prod\"");
	stage = strstr(p, "data-target=\"voice stage\"");
	assert_true(prod < strstr(p, "id=\"outage-voice-prod\""));
	assert_true(strstr(p, "id=\"outage-voice-prod\"") < stage);
	/* The insecure notice only for the insecure target. */
	assert_int_equal(unit_count(p, "<p class=\"insecure\">"), 1);
	assert_true(strstr(p, "<p class=\"insecure\">") > stage);
	assert_has(p, "insecure_skip_verify = yes");
	free(p);
}

static void
test_frontends(void **state)
{
	char	*p;

	(void)state;
	p = render(&view);
	assert_has(p, "<tr class=\"frontend\" data-frontend=\"192.0.2.10:5061\""
	    " data-verdict=\"cert_expired\">");
	assert_has(p, "<span class=\"verdict v-fail\">cert_expired</span>");
	assert_has(p, "<span class=\"verdict v-ok\">ok</span>");
	assert_has(p, "<span class=\"verdict v-warn\">cert_expiring</span>");
	assert_has(p, "<span class=\"verdict v-none\">not probed yet</span>");
	assert_has(p, "certificate has expired &lt;b&gt;&amp;amp;&lt;/b&gt;");
	/* Relative times, with the instant in the markup. */
	assert_has(p, "<time datetime=\"2025-12-31T22:00:00Z\" "
	    "title=\"2025-12-31T22:00:00Z\">2 h ago</time>");
	assert_has(p, ">2 min ago</time>");
	assert_has(p, ">20 s ago</time>");
	assert_has(p, "<span class=\"never\">never</span>");
	/* Certificate lifetimes. */
	assert_has(p, "class=\"days d-expired\">expired 3 days ago</td>");
	assert_has(p, "class=\"days\">44 days</td>");
	assert_has(p, "class=\"days d-soon\">12 h left</td>");
	assert_has(p, "class=\"days d-unknown\">unknown</td>");
	/* Flows. */
	assert_has(p, "class=\"flows f-up\">1/1 up</td>");
	assert_has(p, "class=\"flows f-partial\">1/2 up</td>");
	assert_has(p, "class=\"flows f-down\">0/2 up</td>");
	assert_has(p, "class=\"flows f-none\">none</td>");
	free(p);
}

static void
test_strip(void **state)
{
	char	 want[128], *p;
	size_t	 i;

	(void)state;
	p = render(&view);
	/* Mixed: 40 ok, 5 warning, 15 failed, as runs. */
	for (i = 0; i < 60; i++)
		want[i] = (char)('0' + hist_mixed[i]);
	want[60] = '\0';
	assert_has(p, want);
	assert_has(p, "<title>last 60 probes, oldest first: 40 ok, "
	    "5 warning, 15 failed, 0 no result</title>");
	assert_has(p, "<rect class=\"c1\" x=\"0\" width=\"279\" "
	    "height=\"16\"/><rect class=\"c2\" x=\"280\" width=\"34\" "
	    "height=\"16\"/><rect class=\"c3\" x=\"315\" width=\"104\" "
	    "height=\"16\"/><path class=\"gaps\" d=\"M0 8H419\"/></svg>");
	/* Longer than 60: the newest 60, all ok. */
	memset(want, '1', 60);
	snprintf(want + 60, sizeof(want) - 60, "\"");
	assert_has(p, want);
	assert_has(p, "60 ok, 0 warning, 0 failed, 0 no result");
	/* Short: padded on the left, newest last; 7 is no result. */
	memset(want, '0', 55);
	snprintf(want + 55, sizeof(want) - 55, "11320\"");
	assert_has(p, want);
	assert_has(p, "2 ok, 1 warning, 1 failed, 56 no result");
	/* None at all: one low grey bar, and the gaps. */
	memset(want, '0', 60);
	snprintf(want + 60, sizeof(want) - 60, "\"");
	assert_has(p, want);
	assert_has(p, "<rect class=\"c0\" x=\"0\" y=\"6\" width=\"419\" "
	    "height=\"4\"/><path class=\"gaps\"");
	assert_int_equal(unit_count(p, "<path class=\"gaps\""), 4);
	/* The legend shows the same cells, with words. */
	assert_has(p, "<div class=\"legend\">Last 60 probes, oldest left:");
	assert_has(p, "<rect class=\"c3\" y=\"0\" width=\"10\" "
	    "height=\"16\"/></svg>failed");
	free(p);
}

static void
test_escaping(void **state)
{
	char	*p, *q;

	(void)state;
	p = render(&view);
	/* No script, and nothing fetched or linked off the page. */
	for (q = p; *q != '\0'; q++)
		assert_int_not_equal(strncasecmp(q, "<script", 7), 0);
	assert_null(strstr(p, "http://"));
	assert_null(strstr(p, "https://"));
	assert_null(strstr(p, "src="));
	assert_null(strstr(p, "url("));
	assert_null(strstr(p, "@import"));
	assert_null(strstr(p, "<link"));
	assert_has(p, "data-target=\"&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;x&#39; &amp;\" data-state=\"bogus-state\"");
	assert_has(p, "id=\"target-&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;x&#39;_&amp;\"");
	assert_has(p, "<span class=\"badge b-unknown\">bogus-state</span>"
	    "&lt;script&gt;");
	assert_has(p, "data-frontend=\"&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;x&#39; &amp;\" data-verdict=\"\">");
	assert_has(p, "sips:&lt;script&gt;");
	assert_has(p, "<span class=\"owner\">&lt;script&gt;");
	/* Raw markup characters appear only in our own tags. */
	assert_null(strstr(p, "alert(1)</script>"));
	assert_null(strstr(p, "\"x'"));
	free(p);
}

/* A refused reload shows, escaped, until a reload succeeds. */
static void
test_reload_failed(void **state)
{
	struct status_view	 v = view;
	char			*p;

	(void)state;
	p = render(&v);
	assert_null(strstr(p, "class=\"reload-failed\""));
	free(p);
	v.reload_error = "sc.conf:3: unknown key \"<b>\"";
	v.reload_failed_at = NOW - 60;
	p = render(&v);
	assert_has(p, "<p class=\"reload-failed\"><strong>The last reload "
	    "was refused</strong> (");
	assert_has(p, "sc.conf:3: unknown key &quot;&lt;b&gt;&quot;. The "
	    "configuration loaded before it is still in force.</p>");
	free(p);
}

static void
test_empty(void **state)
{
	struct status_view	 v;
	char			*p;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.now = NOW;
	p = render(&v);
	assert_has(p, "<title>sipcanary</title>");
	assert_has(p, "<strong>0 targets</strong><div class=\"legend\">");
	assert_has(p, "No targets configured.");
	assert_null(strstr(p, "id=\"alerts\""));
	assert_null(strstr(p, "up "));
	assert_has(p, "</html>\n");
	free(p);
}

/* Clock skew and odd values must not print garbage. */
static void
test_odd_values(void **state)
{
	struct status_frontend	 f[1];
	struct status_target	 t[1];
	struct status_view	 v;
	char			*p;

	(void)state;
	memset(f, 0, sizeof(f));
	memset(t, 0, sizeof(t));
	memset(&v, 0, sizeof(v));
	f[0].address = "a";
	f[0].verdict = "ok";
	f[0].last_success = NOW + 30;
	f[0].days_left = 1.0;
	f[0].flows_up = -1;
	f[0].flows_total = 1;
	t[0].name = "t";
	t[0].frontends = f;
	t[0].nfrontends = 1;
	v.now = NOW;
	v.started = NOW + 5;
	v.targets = t;
	v.ntargets = 1;
	p = render(&v);
	assert_has(p, "in the future (clock skew)");
	assert_has(p, "class=\"days\">1 day</td>");
	assert_has(p, "class=\"flows f-down\">0/1 up</td>");
	assert_has(p, "up 0 s");
	assert_has(p, "data-state=\"\">");
	assert_has(p, "<span class=\"badge b-unknown\">unknown</span>t</h2>");
	free(p);
	f[0].days_left = -0.5;
	p = render(&v);
	assert_has(p, "class=\"days d-expired\">expired today</td>");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_detector),
		cmocka_unit_test(test_frontends),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_reload_failed),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_odd_values),
	};
	const char	*path;
	char		*p;
	FILE		*f;

	hist_init();
	if ((path = getenv("STATUS_HTML_OUT")) != NULL) {
		struct evbuffer	*b = evbuffer_new();

		if (b == NULL || (f = fopen(path, "w")) == NULL)
			return 1;
		status_html_write(b, &view);
		p = (char *)evbuffer_pullup(b, -1);
		fwrite(p, 1, evbuffer_get_length(b), f);
		fclose(f);
		evbuffer_free(b);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
