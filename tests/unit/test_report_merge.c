/*
 * test_report_merge.c - merging drill shard reports: exact summed
 * counts, verdicts, histograms, keep-alive kinds and a timeline aligned
 * on wall-clock time; the verdict recomputed; reports of another scenario, other
 * steps or the same shard twice rejected with a message naming the
 * input; and the HTML page escapes what it is given.
 *
 * Fixtures: tests/fixtures/drill-report-{a,b}.json (shards 0/2 and 1/2
 * of one reconnect-storm drill; b started one second after a).  Found
 * through $SC_FIXTURES, else SC_FIXTURES_DIR (-D by the build, since
 * tests/run starts tests from any directory), else
 * $srcdir/tests/fixtures (automake's harness sets srcdir), else next to
 * this source file.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include <jansson.h>

#include "drill/histogram.h"
#include "drill/report_html.h"
#include "drill/report_merge.h"
#include "unit.h"

static json_t *
fixture(const char *name)
{
	const char	*dir;
	char		 path[1024], here[512], *slash;
	json_error_t	 jerr;
	json_t		*j;

	dir = getenv("SC_FIXTURES");
#ifdef SC_FIXTURES_DIR
	if (dir == NULL)
		dir = SC_FIXTURES_DIR;
#endif
	if (dir != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else if ((dir = getenv("srcdir")) != NULL)
		snprintf(path, sizeof(path), "%s/tests/fixtures/%s", dir, name);
	else {
		snprintf(here, sizeof(here), "%s", __FILE__);
		if ((slash = strrchr(here, '/')) != NULL)
			*slash = '\0';
		else
			snprintf(here, sizeof(here), ".");
		snprintf(path, sizeof(path), "%s/../fixtures/%s", here, name);
	}
	if ((j = json_load_file(path, 0, &jerr)) == NULL)
		fprintf(stderr, "%s (set SC_FIXTURES to the fixtures "
		    "directory)\n", jerr.text);
	return j;
}

struct fx {
	json_t	*a;
	json_t	*b;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fx->a = fixture("drill-report-a.json");
	fx->b = fixture("drill-report-b.json");
	*state = fx;
	return fx->a != NULL && fx->b != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	if (fx != NULL) {
		json_decref(fx->a);
		json_decref(fx->b);
		free(fx);
	}
	return 0;
}

static json_int_t
ival(const json_t *o, const char *path)
{
	char	 buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save))
		o = json_object_get(o, p);
	if (!json_is_integer(o))
		fail_msg("%s is not an integer", path);
	return json_integer_value(o);
}

static const json_t *
step(const json_t *r, size_t i)
{
	return json_array_get(json_object_get(r, "steps"), i);
}

static void
test_fixtures_valid(void **state)
{
	struct fx	*fx = *state;
	char		 err[256];

	if (report_check(fx->a, NULL, err, sizeof(err)) == -1)
		fail_msg("a: %s", err);
	if (report_check(fx->b, fx->a, err, sizeof(err)) == -1)
		fail_msg("b: %s", err);
}

static void
test_merge_counts(void **state)
{
	struct fx		*fx = *state;
	json_t			*in[2] = { fx->a, fx->b }, *m;
	const json_t		*ms, *as, *bs, *v;
	struct histogram	*ha, *hb, *hm;
	const char		*name;
	char			 err[256];
	size_t			 i, k;

	m = report_merge(in, 2, err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);

	/* the summary, by hand from the fixtures */
	assert_int_equal(ival(m, "sipcanary_report"), 1);
	assert_int_equal(ival(m, "summary.clients"), 80);
	assert_int_equal(ival(m, "summary.clients_ok"), 75);
	assert_int_equal(ival(m, "summary.clients_failed"), 5);
	assert_int_equal(ival(m, "summary.expectations"), 547);
	assert_int_equal(ival(m, "summary.expectations_failed"), 5);
	assert_true(fabs(json_real_value(json_object_get(json_object_get(m,
	    "summary"), "failure_ratio")) - 5.0 / 547) < 1e-15);
	assert_true(json_is_true(json_object_get(json_object_get(m,
	    "summary"), "passed")));
	assert_true(json_is_false(json_object_get(json_object_get(m,
	    "summary"), "interrupted")));
	assert_int_equal(ival(m, "environment.shards"), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    m, "environment"), "started")), "2026-11-28T12:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    m, "environment"), "ended")), "2026-11-28T12:00:08Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    m, "environment"), "host")),
	    "drill-1.example.test, drill-2.example.test");
	assert_true(json_is_null(json_object_get(json_object_get(
	    json_object_get(m, "settings"), "shard"), "index")));
	assert_int_equal(ival(m, "settings.shard.count"), 2);

	/* steps: every count is the sum of the shards' */
	assert_int_equal(json_array_size(json_object_get(m, "steps")), 7);
	for (i = 0; i < 7; i++) {
		ms = step(m, i);
		as = step(fx->a, i);
		bs = step(fx->b, i);
		assert_int_equal(ival(ms, "index"), i);
		assert_string_equal(json_string_value(json_object_get(ms,
		    "kind")), json_string_value(json_object_get(as, "kind")));
		assert_int_equal(ival(ms, "attempts"), ival(as, "attempts") +
		    ival(bs, "attempts"));
		assert_int_equal(ival(ms, "ok"), ival(as, "ok") + ival(bs,
		    "ok"));
		assert_int_equal(ival(ms, "failed"), ival(as, "failed") +
		    ival(bs, "failed"));
		json_object_foreach((json_t *)json_object_get(ms, "verdicts"),
		    name, v) {
			assert_int_equal(json_integer_value(v),
			    json_integer_value(json_object_get(json_object_get(
			    as, "verdicts"), name)) + json_integer_value(
			    json_object_get(json_object_get(bs, "verdicts"),
			    name)));
		}
		assert_int_equal(ival(ms, "latency.count"),
		    ival(as, "latency.count") + ival(bs, "latency.count"));

		/* the merged histogram is the sum of both, bucket by bucket */
		ha = histogram_from_json(json_object_get(as, "latency"), err,
		    sizeof(err));
		hb = histogram_from_json(json_object_get(bs, "latency"), err,
		    sizeof(err));
		hm = histogram_from_json(json_object_get(ms, "latency"), err,
		    sizeof(err));
		assert_true(ha && hb && hm);
		for (k = 0; k < histogram_nbuckets(); k++)
			assert_int_equal(histogram_bucket_count(hm, k),
			    histogram_bucket_count(ha, k) +
			    histogram_bucket_count(hb, k));
		histogram_merge(ha, hb);
		assert_true(json_real_value(json_object_get(json_object_get(ms,
		    "latency"), "p99")) == histogram_percentile(ha, 0.99));
		histogram_free(ha);
		histogram_free(hb);
		histogram_free(hm);
	}
	/* the known failures */
	assert_int_equal(ival(step(m, 0), "verdicts.tcp_refused"), 1);
	assert_int_equal(ival(step(m, 4), "verdicts.tls_handshake_failed"), 3);
	assert_int_equal(ival(step(m, 4), "verdicts.ok"), 76);
	assert_int_equal(ival(step(m, 5), "verdicts.sip_timeout"), 1);
	assert_int_equal(ival(step(m, 0), "attempts"), 80);
	assert_true(fabs(json_real_value(json_object_get(step(m, 4),
	    "success_ratio")) - 76.0 / 79) < 1e-12);
	/* percentiles recomputed: p99 of step 5 is the 2 s sip_timeout */
	assert_true(json_real_value(json_object_get(json_object_get(step(m,
	    5), "latency"), "p99")) == 2.000917);
	assert_int_equal(ival(m, "reconnect.count"), 75);
	assert_int_equal(ival(m, "reconnect.latency.count"), 75);
	assert_true(json_real_value(json_object_get(json_object_get(
	    json_object_get(m, "reconnect"), "latency"), "max")) == 0.652833);
	assert_int_equal(ival(m, "keepalive.count"), 156 + 160);
	assert_int_equal(ival(m, "keepalive.latency.count"), 316);

	/* the merged report is a report: it checks and merges again */
	if (report_check(m, NULL, err, sizeof(err)) == -1)
		fail_msg("merged: %s", err);
	{
		json_t *again = report_merge(&m, 1, err, sizeof(err));

		assert_non_null(again);
		assert_true(json_equal(json_object_get(again, "summary"),
		    json_object_get(m, "summary")));
		assert_true(json_equal(json_object_get(again, "steps"),
		    json_object_get(m, "steps")));
		assert_true(json_equal(json_object_get(again, "timeline"),
		    json_object_get(m, "timeline")));
		json_decref(again);
	}
	json_decref(m);
}

/* b started one second after a: its second 0 is the merged second 1. */
static void
test_merge_timeline(void **state)
{
	static const json_int_t want[][5] = {
		/* second, started, ok, failed, active */
		{ 0, 20, 38, 1, 19 },
		{ 1, 40, 80, 0, 59 },
		{ 2, 20, 105, 0, 70 },
		{ 3, 0, 169, 2, 39 },
		{ 4, 0, 125, 1, 9 },
		{ 5, 0, 25, 0, 1 },
		{ 6, 0, 0, 0, 1 },
		{ 7, 0, 0, 1, 0 },
	};
	struct fx	*fx = *state;
	json_t		*in[2] = { fx->a, fx->b }, *m;
	const json_t	*tl, *e;
	json_int_t	 ok_in = 0, ok_out = 0;
	char		 err[256];
	size_t		 i, r;

	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	tl = json_object_get(m, "timeline");
	assert_int_equal(json_array_size(tl), 8);
	json_array_foreach(tl, i, e) {
		assert_int_equal(ival(e, "second"), want[i][0]);
		assert_int_equal(ival(e, "started"), want[i][1]);
		assert_int_equal(ival(e, "ok"), want[i][2]);
		assert_int_equal(ival(e, "failed"), want[i][3]);
		assert_int_equal(ival(e, "active"), want[i][4]);
		ok_out += ival(e, "ok") + ival(e, "failed");
	}
	/* every completed step is in the timeline once */
	for (r = 0; r < 2; r++)
		json_array_foreach(json_object_get(in[r], "timeline"), i, e)
			ok_in += ival(e, "ok") + ival(e, "failed");
	assert_int_equal(ok_in, ok_out);
	for (i = 0; i < 7; i++)
		ok_in -= ival(step(m, i), "attempts");
	assert_int_equal(ok_in, 0);
	json_decref(m);
}

/* Sets settings.max_failure_ratio of the report r. */
static void
set_ratio(json_t *r, double ratio)
{
	json_object_set_new(json_object_get(r, "settings"),
	    "max_failure_ratio", json_real(ratio));
}

/* summary.key of the report r is true, or false, as want says. */
static void
assert_summary(const json_t *r, const char *key, int want)
{
	const json_t	*v = json_object_get(json_object_get(r, "summary"),
			    key);

	if (want)
		assert_true(json_is_true(v));
	else
		assert_true(json_is_false(v));
}

static void
test_merge_verdict_recomputed(void **state)
{
	struct fx	*fx = *state;
	json_t		*a = json_deep_copy(fx->a);
	json_t		*b = json_deep_copy(fx->b);
	json_t		*in[2] = { a, b }, *m;
	char		 err[256];

	/* 5/547 = 0.91% fails a 0.5% threshold, though each shard says ok */
	set_ratio(a, 0.005);
	set_ratio(b, 0.005);
	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	assert_summary(m, "passed", 0);
	json_decref(m);

	/* thresholds differ: the strictest holds */
	set_ratio(a, 0.5);
	json_object_set_new(json_object_get(b, "summary"), "interrupted",
	    json_true());
	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	assert_true(json_real_value(json_object_get(json_object_get(m,
	    "settings"), "max_failure_ratio")) == 0.005);
	assert_summary(m, "passed", 0);
	assert_summary(m, "interrupted", 1);
	json_decref(m);

	/* within the threshold but interrupted: not passed (as a shard) */
	set_ratio(b, 0.5);
	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	assert_summary(m, "passed", 0);
	json_decref(m);
	json_decref(a);
	json_decref(b);
}

static void
expect_merge_error(json_t *a, json_t *b, const char *want1,
    const char *want2)
{
	json_t	*in[2] = { a, b }, *m;
	char	 err[256] = "";

	m = report_merge(in, 2, err, sizeof(err));
	if (m != NULL) {
		json_decref(m);
		fail_msg("merged, expected an error with \"%s\"", want2);
	}
	if (strstr(err, want1) == NULL || strstr(err, want2) == NULL)
		fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, want1,
		    want2);
}

/* The keep-alive kinds (newer, optional) add up; a bad one is refused. */
static void
test_merge_keepalive_kinds(void **state)
{
	struct fx	*fx = *state;
	json_t		*a = json_deep_copy(fx->a);
	json_t		*b = json_deep_copy(fx->b);
	json_t		*in[2] = { a, b }, *m;
	char		 err[256];

	json_object_set_new(json_object_get(a, "keepalive"), "kinds",
	    json_pack("{sisi}", "ws_crlf", 150, "ws_ping", 6));
	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	assert_int_equal(ival(m, "keepalive.kinds.ws_crlf"), 150);
	assert_int_equal(ival(m, "keepalive.kinds.ws_ping"), 6);
	json_decref(m);
	json_object_set_new(json_object_get(b, "keepalive"), "kinds",
	    json_pack("{si}", "ws_crlf", 160));
	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	assert_int_equal(ival(m, "keepalive.kinds.ws_crlf"), 310);
	assert_null(json_object_get(json_object_get(m, "reconnect"), "kinds"));
	json_decref(m);
	json_object_set_new(json_object_get(b, "keepalive"), "kinds",
	    json_pack("{si}", "ws_crlf", -1));
	expect_merge_error(a, b, "keepalive.kinds", "non-negative");
	json_decref(a);
	json_decref(b);
}

static void
test_merge_mismatch(void **state)
{
	struct fx	*fx = *state;
	json_t		*b;

	/* another scenario */
	b = json_deep_copy(fx->b);
	json_object_set_new(json_object_get(b, "scenario"), "name",
	    json_string("register-fresh"));
	expect_merge_error(fx->a, b, "report 2 of 2",
	    "scenario is \"register-fresh\", the first report's is "
	    "\"reconnect-storm\"");
	json_decref(b);

	/* same name, another step at index 3 */
	b = json_deep_copy(fx->b);
	json_object_set_new((json_t *)step(b, 3), "kind", json_string("wait"));
	expect_merge_error(fx->a, b, "report 2 of 2", "step 3 is wait "
	    "\"break (rst)\", the first report's step 3 is break");
	json_decref(b);

	/* another label */
	b = json_deep_copy(fx->b);
	json_object_set_new((json_t *)step(b, 5), "label",
	    json_string("register"));
	expect_merge_error(fx->a, b, "report 2 of 2", "step 5");
	json_decref(b);

	/* fewer steps */
	b = json_deep_copy(fx->b);
	json_array_remove(json_object_get(b, "steps"), 6);
	expect_merge_error(fx->a, b, "report 2 of 2", "6 steps, the first "
	    "report has 7");
	json_decref(b);

	/* the same shard twice would double-count */
	expect_merge_error(fx->a, fx->a, "report 2 of 2", "same shard");

	/* not a report, a newer version, a bad histogram */
	b = json_deep_copy(fx->b);
	json_object_set_new(b, "sipcanary_report", json_integer(2));
	expect_merge_error(fx->a, b, "report 2 of 2", "version 2 is not "
	    "supported");
	json_object_del(b, "sipcanary_report");
	expect_merge_error(fx->a, b, "report 2", "not a sipcanary drill "
	    "report");
	json_decref(b);
	b = json_deep_copy(fx->b);
	json_object_set_new(json_object_get(json_object_get(step(b, 2),
	    "latency"), "histogram"), "scheme", json_string("hdr"));
	expect_merge_error(fx->a, b, "step 2 latency", "unknown histogram "
	    "scheme \"hdr\"");
	json_decref(b);
	b = json_deep_copy(fx->b);
	json_object_set_new(json_object_get(b, "environment"), "started",
	    json_string("yesterday"));
	expect_merge_error(fx->a, b, "report 2", "UTC time");
	/* years apart: not shards of one drill */
	json_object_set_new(json_object_get(b, "environment"), "started",
	    json_string("2020-01-01T00:00:00Z"));
	expect_merge_error(fx->a, b, "report 1 of 2: started", "not a shard "
	    "of the same drill");
	json_decref(b);
}

/*
 * "statuses" and "expect" came after the fixtures: optional, summed per
 * code when present (a code only one shard saw too), and checked.
 */
static void
test_merge_statuses(void **state)
{
	struct fx	*fx = *state;
	json_t		*a, *b, *in[2], *m;
	char		 err[256] = "";

	a = json_deep_copy(fx->a);
	b = json_deep_copy(fx->b);
	json_object_set_new((json_t *)step(a, 1), "statuses",
	    json_pack("{s:i, s:i}", "200", 40, "503", 2));
	json_object_set_new((json_t *)step(b, 1), "statuses",
	    json_pack("{s:i, s:i}", "200", 38, "403", 1));
	json_object_set_new((json_t *)step(a, 1), "expect",
	    json_string("200"));
	json_object_set_new((json_t *)step(b, 1), "expect",
	    json_string("200"));
	in[0] = a;
	in[1] = b;
	if ((m = report_merge(in, 2, err, sizeof(err))) == NULL)
		fail_msg("merge: %s", err);
	assert_int_equal(ival(step(m, 1), "statuses.200"), 78);
	assert_int_equal(ival(step(m, 1), "statuses.503"), 2);
	assert_int_equal(ival(step(m, 1), "statuses.403"), 1);
	assert_string_equal(json_string_value(json_object_get(step(m, 1),
	    "expect")), "200");
	/* a step whose shards have none: an empty object */
	assert_int_equal(json_object_size(json_object_get(step(m, 0),
	    "statuses")), 0);
	json_decref(m);

	json_object_set_new((json_t *)step(b, 1), "statuses",
	    json_pack("{s:i}", "99", 1));
	expect_merge_error(a, b, "report 2 of 2", "status \"99\" is not a "
	    "SIP status");
	json_object_set_new((json_t *)step(b, 1), "statuses",
	    json_pack("{s:i}", "200", -1));
	expect_merge_error(a, b, "report 2 of 2", "status \"200\"");
	json_object_set_new((json_t *)step(b, 1), "statuses",
	    json_string("200"));
	expect_merge_error(a, b, "report 2 of 2", "\"statuses\" is not an "
	    "object");
	json_object_del((json_t *)step(b, 1), "statuses");
	json_object_set_new((json_t *)step(b, 1), "expect", json_integer(1));
	expect_merge_error(a, b, "report 2 of 2", "\"expect\" is not a "
	    "string");
	json_decref(a);
	json_decref(b);
}

static void
test_time_parse(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(report_time_parse("2026-11-28T12:00:00Z", &t), 0);
	assert_int_equal((long long)t, 1795867200LL);
	assert_int_equal(report_time_parse("2026-11-28T12:00:01.250Z", &t),
	    0);
	assert_int_equal((long long)t, 1795867201LL);
	assert_int_equal(report_time_parse("2026-11-28T12:00:00+00:00", &t),
	    0);
	assert_int_equal(report_time_parse("2026-11-28 12:00:00", &t), -1);
	assert_int_equal(report_time_parse("2026-11-28T12:00:00+01:00", &t),
	    -1);
	assert_int_equal(report_time_parse("2026-13-28T12:00:00Z", &t), -1);
	assert_int_equal(report_time_parse(NULL, &t), -1);
}

static char *
render(json_t *r)
{
	char	*buf = NULL, err[256];
	size_t	 len = 0;
	FILE	*fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	if (report_html_write(fp, r, err, sizeof(err)) == -1)
		fail_msg("report_html_write: %s", err);
	fclose(fp);
	return buf;
}

/* Each of the NULL-terminated strs is in hay, or none is, as in says. */
static void
expect_strs(const char *hay, const char *const *strs, int in)
{
	for (; *strs != NULL; strs++)
		if ((strstr(hay, *strs) != NULL) != in)
			fail_msg("\"%s\" %s", *strs, in ? "missing" : "found");
}

static void
test_html_escaped(void **state)
{
	static const char *const escaped[] = {
		"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
		"&#39;q&#39;",
		"storm&lt;b&gt;",
		"reg&lt;img src=x onerror=alert(1)&gt;",
		/* the hooks the browser test relies on */
		"<p id=\"summary\"", "id=\"chart-latency\"",
		"id=\"chart-timeline\"", "id=\"chart-reconnect\"",
		"</html>\n",
		NULL
	};
	static const char *const unescaped[] = {
		"<script", "<img", "storm<b>",
		/* self-contained: nothing to fetch */
		"src=\"http", "href=\"http", "@import",
		NULL
	};
	struct fx	*fx = *state;
	json_t		*a = json_deep_copy(fx->a);
	char		*html, err[256];
	FILE		*fp;

	json_object_set_new(json_object_get(a, "scenario"), "description",
	    json_string("<script>alert(\"x\")</script> & 'q'"));
	json_object_set_new(json_object_get(a, "scenario"), "name",
	    json_string("storm<b>"));
	json_object_set_new((json_t *)step(a, 1), "label",
	    json_string("reg<img src=x onerror=alert(1)>"));
	html = render(a);
	expect_strs(html, escaped, 1);
	expect_strs(html, unescaped, 0);
	assert_int_equal(unit_count(html, "<tr class=\"step\""), 7);
	free(html);

	/* a report that is not one is refused, and nothing is written */
	json_object_del(a, "steps");
	html = NULL;
	{
		size_t len = 0;

		assert_non_null(fp = open_memstream(&html, &len));
		assert_int_equal(report_html_write(fp, a, err, sizeof(err)),
		    -1);
		fclose(fp);
		assert_int_equal(len, 0);
		assert_non_null(strstr(err, "steps"));
	}
	free(html);
	json_decref(a);
}

/* The summary names the worst step and the dominant failure verdict. */
static void
test_html_summary(void **state)
{
	static const char *const summary[] = {
		"Passed.", "80 clients", "2 shards",
		"worst step was step 4, <b>reconnect</b>",
		"3 of 79 attempts failed",
		"The most common failure was <code>tls_handshake_failed</code>",
		"3 of 5 failures", "75 reconnects",
		NULL
	};
	struct fx	*fx = *state;
	json_t		*in[2] = { fx->a, fx->b }, *m, *r;
	char		*html, *p, *end, err[256];

	assert_non_null(m = report_merge(in, 2, err, sizeof(err)));
	html = render(m);
	assert_non_null(p = strstr(html, "<p id=\"summary\""));
	assert_non_null(end = strstr(p, "</p>"));
	*end = '\0';
	expect_strs(p, summary, 1);
	assert_non_null(strstr(end + 1, "keep-alive RTT p99"));
	free(html);
	json_decref(m);

	/*
	 * The tcp_refused of step 0 was expected (held): non-ok verdicts
	 * are then not all failures, and the summary must not say so.
	 */
	r = json_deep_copy(fx->a);
	json_object_set_new((json_t *)step(r, 0), "ok", json_integer(40));
	json_object_set_new((json_t *)step(r, 0), "failed", json_integer(0));
	html = render(r);
	assert_non_null(strstr(html, "most common verdict other than ok"));
	assert_null(strstr(html, "most common failure"));
	free(html);
	json_decref(r);

	/* a scenario without reconnects, interrupted by Ctrl-C */
	r = json_deep_copy(fx->a);
	json_object_del(r, "reconnect");
	json_object_set_new(json_object_get(r, "summary"), "interrupted",
	    json_true());
	html = render(r);
	assert_non_null(strstr(html, "interrupted"));
	assert_non_null(strstr(html, "measures no reconnects"));
	free(html);
	json_decref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_valid),
		cmocka_unit_test(test_merge_counts),
		cmocka_unit_test(test_merge_timeline),
		cmocka_unit_test(test_merge_verdict_recomputed),
		cmocka_unit_test(test_merge_mismatch),
		cmocka_unit_test(test_merge_keepalive_kinds),
		cmocka_unit_test(test_merge_statuses),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_html_escaped),
		cmocka_unit_test(test_html_summary),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
