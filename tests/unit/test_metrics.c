/*
 * test_metrics.c - the Prometheus registry: the exact exposition text of
 * small registries (HELP/TYPE, escaping, constant labels, sorted series,
 * cumulative histogram buckets, the self-metric), number formatting,
 * removal by label, the series limit, and the refusals (bad names,
 * decreasing counters, wrong types).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "web/metrics.h"
#include "unit.h"

#define L(...)	((const char *const []){ __VA_ARGS__ })

/* The exposition as a NUL-terminated string, to be freed. */
static char *
render(struct metrics *m)
{
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(metrics_write(m, b), 0);
	return unit_evbuffer_take(b);
}

static void
assert_render(struct metrics *m, const char *want)
{
	char	*got = render(m);

	if (strcmp(got, want) != 0)
		print_error("got:\n%s\nwant:\n%s\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

static void
test_format_double(void **state)
{
	static const struct {
		double		 v;
		const char	*s;
	} cases[] = {
		{ 0, "0" }, { -0.0, "0" }, { 1, "1" }, { -3, "-3" },
		{ 1735689600, "1735689600" }, { 1e6, "1000000" },
		{ 0.25, "0.25" }, { 0.1, "0.1" }, { 1e-5, "1e-05" },
		{ 2.5, "2.5" }, { 1.0 / 3, "0.3333333333333333" },
		{ 0.1 + 0.2, "0.30000000000000004" }, { 1e20, "1e+20" },
		{ 123456.789, "123456.789" },
	};
	char	buf[32];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(metrics_format_double(cases[i].v, buf,
		    sizeof(buf)), cases[i].s);
		assert_true(strtod(buf, NULL) == cases[i].v);
	}
	assert_string_equal(metrics_format_double(INFINITY, buf,
	    sizeof(buf)), "+Inf");
	assert_string_equal(metrics_format_double(-INFINITY, buf,
	    sizeof(buf)), "-Inf");
	assert_string_equal(metrics_format_double(NAN, buf, sizeof(buf)),
	    "NaN");
	/* Odd doubles still round-trip. */
	assert_true(strtod(metrics_format_double(5e-324, buf, sizeof(buf)),
	    NULL) == 5e-324);
	assert_true(strtod(metrics_format_double(1.7976931348623157e308, buf,
	    sizeof(buf)), NULL) == 1.7976931348623157e308);
}

/* The shortest %g that reads back, tried from 1 digit up. */
static void
shortest(double v, char *buf, size_t bufsz)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, bufsz, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/*
 * metrics_format_double() starts at 15 digits: the same strings as the
 * search from 1 digit, over 100,000 doubles of every magnitude (their
 * bits drawn from a fixed-seed generator), subnormals included.
 */
static void
test_format_double_shortest(void **state)
{
	char		got[32], want[32];
	uint64_t	x = 0x9e3779b97f4a7c15ULL, bits;
	double		v;
	int		i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Every fourth a short decimal, as latencies often are. */
		bits = x;
		memcpy(&v, &bits, sizeof(v));
		if (i % 4 == 0)
			v = (double)(x % 100000) / 1000.0;
		if (isnan(v) || isinf(v) || v == 0 || (v == trunc(v) &&
		    fabs(v) < 1e15))
			continue;
		shortest(v, want, sizeof(want));
		metrics_format_double(v, got, sizeof(got));
		if (strcmp(got, want) != 0)
			print_error("%a: got %s, want %s\n", v, got, want);
		assert_string_equal(got, want);
	}
	metrics_format_double(5e-324, got, sizeof(got));
	assert_string_equal(got, "5e-324");
}

static void
test_counter_gauge_text(void **state)
{
	struct metrics		*m;
	struct metrics_family	*probes, *up, *info;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_int_equal(metrics_const_label(m, "vantage", "lab-1"), 0);
	assert_non_null(probes = metrics_counter_new(m,
	    "sipcanary_probes_total", "Fresh probes by verdict.\nBy code \\ "
	    "\"quoted\".", L("target", "verdict", NULL)));
	assert_non_null(up = metrics_gauge_new(m, "sipcanary_probe_success",
	    "1 if the last fresh probe was ok.", L("target", NULL)));
	assert_non_null(info = metrics_gauge_new(m, "sipcanary_build_info",
	    "", NULL));

	/* Out of order on purpose: the output is sorted. */
	assert_int_equal(metrics_inc(probes, L("voice", "tls_timeout")), 0);
	assert_int_equal(metrics_inc(probes, L("voice", "ok")), 0);
	assert_int_equal(metrics_add(probes, L("voice", "ok"), 2), 0);
	assert_int_equal(metrics_inc(probes,
	    L("a\\b\"c\nd", "ok")), 0);
	assert_int_equal(metrics_set(up, L("voice"), 1), 0);
	assert_int_equal(metrics_set(up, L("\xe2\x9c\x93 utf8"), 0.5), 0);
	assert_int_equal(metrics_set(info, NULL, 1), 0);

	assert_render(m,
	    "# HELP sipcanary_probes_total Fresh probes by verdict.\\nBy code "
	    "\\\\ \"quoted\".\n"
	    "# TYPE sipcanary_probes_total counter\n"
	    "sipcanary_probes_total{vantage=\"lab-1\","
	    "target=\"a\\\\b\\\"c\\nd\",verdict=\"ok\"} 1\n"
	    "sipcanary_probes_total{vantage=\"lab-1\",target=\"voice\","
	    "verdict=\"ok\"} 3\n"
	    "sipcanary_probes_total{vantage=\"lab-1\",target=\"voice\","
	    "verdict=\"tls_timeout\"} 1\n"
	    "# HELP sipcanary_probe_success 1 if the last fresh probe was ok.\n"
	    "# TYPE sipcanary_probe_success gauge\n"
	    "sipcanary_probe_success{vantage=\"lab-1\",target=\"voice\"} 1\n"
	    "sipcanary_probe_success{vantage=\"lab-1\","
	    "target=\"\xe2\x9c\x93 utf8\"} 0.5\n"
	    "# TYPE sipcanary_build_info gauge\n"
	    "sipcanary_build_info{vantage=\"lab-1\"} 1\n"
	    "# HELP sipcanary_metrics_series_dropped_total Updates refused "
	    "because they would create a series beyond the family's limit.\n"
	    "# TYPE sipcanary_metrics_series_dropped_total counter\n"
	    "sipcanary_metrics_series_dropped_total{vantage=\"lab-1\","
	    "family=\"sipcanary_build_info\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{vantage=\"lab-1\","
	    "family=\"sipcanary_probe_success\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{vantage=\"lab-1\","
	    "family=\"sipcanary_probes_total\"} 0\n");

	/* A new vantage on reload shows on every series. */
	assert_int_equal(metrics_const_label(m, "vantage", "lab-2"), 0);
	assert_int_equal(metrics_remove_matching(m, L("target", "voice",
	    NULL)), 3);
	assert_int_equal(metrics_remove_matching(m, L("target",
	    "\xe2\x9c\x93 utf8", NULL)), 1);
	assert_int_equal(metrics_family_remove(probes, L("a\\b\"c\nd", "ok")),
	    0);
	assert_render(m,
	    "# TYPE sipcanary_build_info gauge\n"
	    "sipcanary_build_info{vantage=\"lab-2\"} 1\n"
	    "# HELP sipcanary_metrics_series_dropped_total Updates refused "
	    "because they would create a series beyond the family's limit.\n"
	    "# TYPE sipcanary_metrics_series_dropped_total counter\n"
	    "sipcanary_metrics_series_dropped_total{vantage=\"lab-2\","
	    "family=\"sipcanary_build_info\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{vantage=\"lab-2\","
	    "family=\"sipcanary_probe_success\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{vantage=\"lab-2\","
	    "family=\"sipcanary_probes_total\"} 0\n");
	metrics_free(m);
}

static void
test_histogram_text(void **state)
{
	static const double	 bounds[] = { 0.005, 0.1, 1, 2.5, INFINITY };
	struct metrics		*m;
	struct metrics_family	*h;
	struct metrics_series	*s;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(h = metrics_histogram_new(m,
	    "sipcanary_phase_duration_seconds", "Phase durations.",
	    L("target", "phase", NULL), bounds, 5));
	assert_non_null(s = metrics_series_get(h, L("voice", "tls_handshake")));
	assert_int_equal(metrics_series_observe(s, 0.001), 0);
	assert_int_equal(metrics_series_observe(s, 0.005), 0);	/* le */
	assert_int_equal(metrics_series_observe(s, 0.05), 0);
	assert_int_equal(metrics_series_observe(s, 2), 0);
	assert_int_equal(metrics_series_observe(s, 30), 0);	/* +Inf */
	assert_int_equal(metrics_observe(h, L("voice", "dns"), 0.5), 0);
	assert_true(metrics_series_value(s) == 5);
	/* Histograms take observations only. */
	assert_int_equal(metrics_series_set(s, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metrics_series_inc(s), -1);
	assert_int_equal(metrics_series_observe(s, NAN), -1);

	assert_render(m,
	    "# HELP sipcanary_phase_duration_seconds Phase durations.\n"
	    "# TYPE sipcanary_phase_duration_seconds histogram\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"dns\",le=\"0.005\"} 0\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"dns\",le=\"0.1\"} 0\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"dns\",le=\"1\"} 1\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"dns\",le=\"2.5\"} 1\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"dns\",le=\"+Inf\"} 1\n"
	    "sipcanary_phase_duration_seconds_sum{target=\"voice\","
	    "phase=\"dns\"} 0.5\n"
	    "sipcanary_phase_duration_seconds_count{target=\"voice\","
	    "phase=\"dns\"} 1\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"tls_handshake\",le=\"0.005\"} 2\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"tls_handshake\",le=\"0.1\"} 3\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"tls_handshake\",le=\"1\"} 3\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"tls_handshake\",le=\"2.5\"} 4\n"
	    "sipcanary_phase_duration_seconds_bucket{target=\"voice\","
	    "phase=\"tls_handshake\",le=\"+Inf\"} 5\n"
	    "sipcanary_phase_duration_seconds_sum{target=\"voice\","
	    "phase=\"tls_handshake\"} 32.056\n"
	    "sipcanary_phase_duration_seconds_count{target=\"voice\","
	    "phase=\"tls_handshake\"} 5\n"
	    "# HELP sipcanary_metrics_series_dropped_total Updates refused "
	    "because they would create a series beyond the family's limit.\n"
	    "# TYPE sipcanary_metrics_series_dropped_total counter\n"
	    "sipcanary_metrics_series_dropped_total{"
	    "family=\"sipcanary_phase_duration_seconds\"} 0\n");
	metrics_free(m);
}

static void
test_counter_rules(void **state)
{
	struct metrics		*m;
	struct metrics_family	*c, *g;
	struct metrics_series	*s;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(c = metrics_counter_new(m, "c_total", "c", NULL));
	assert_non_null(g = metrics_gauge_new(m, "g", "g", NULL));
	assert_non_null(s = metrics_series_get(c, NULL));
	assert_int_equal(metrics_series_add(s, 2.5), 0);
	assert_int_equal(metrics_series_add(s, -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metrics_series_add(s, NAN), -1);
	assert_int_equal(metrics_series_set(s, 2), -1);	/* decrease */
	assert_int_equal(metrics_series_set(s, 7), 0);	/* mirror */
	assert_int_equal(metrics_series_observe(s, 1), -1);
	assert_true(metrics_series_value(s) == 7);

	/* Gauges go both ways, and may be NaN (unknown). */
	assert_int_equal(metrics_add(g, NULL, -4), 0);
	assert_int_equal(metrics_inc(g, NULL), 0);
	assert_true(metrics_series_value(metrics_series_get(g, NULL)) == -3);
	assert_int_equal(metrics_set(g, NULL, NAN), 0);
	metrics_free(m);
}

static void
test_refusals(void **state)
{
	static const double	 bad1[] = { 1, 1 };
	static const double	 bad2[] = { 2, 1 };
	static const double	 bad3[] = { 0.1, NAN };
	static const double	 ok[] = { 1 };
	struct metrics		*m;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_int_equal(metrics_const_label(m, "vantage", "x"), 0);
	assert_int_equal(metrics_const_label(m, "9bad", "x"), -1);
	assert_int_equal(metrics_const_label(m, "__name", "x"), -1);
	assert_int_equal(metrics_const_label(m, "family", "x"), -1);

	assert_null(metrics_gauge_new(m, "", "h", NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(metrics_gauge_new(m, "0abc", "h", NULL));
	assert_null(metrics_gauge_new(m, "a-b", "h", NULL));
	assert_null(metrics_gauge_new(m, "ok", "h", L("a:b", NULL)));
	assert_null(metrics_gauge_new(m, "ok", "h", L("__x", NULL)));
	assert_null(metrics_gauge_new(m, "ok", "h", L("a", "a", NULL)));
	assert_null(metrics_gauge_new(m, "ok", "h", L("vantage", NULL)));
	assert_null(metrics_histogram_new(m, "h", "h", L("le", NULL), ok, 1));
	assert_null(metrics_histogram_new(m, "h", "h", NULL, bad1, 2));
	assert_null(metrics_histogram_new(m, "h", "h", NULL, bad2, 2));
	assert_null(metrics_histogram_new(m, "h", "h", NULL, bad3, 2));
	assert_null(metrics_family_new(m, METRICS_GAUGE, "g", "h", NULL, ok,
	    1));

	/* Names, and the series names of histograms, are unique. */
	assert_non_null(metrics_gauge_new(m, "ns:ok", "h", NULL));
	assert_null(metrics_counter_new(m, "ns:ok", "h", NULL));
	assert_int_equal(errno, EEXIST);
	assert_non_null(metrics_histogram_new(m, "lat", "h", NULL, ok, 1));
	assert_null(metrics_gauge_new(m, "lat_count", "h", NULL));
	assert_int_equal(errno, EEXIST);
	assert_non_null(metrics_gauge_new(m, "rtt_sum", "h", NULL));
	assert_null(metrics_histogram_new(m, "rtt", "h", NULL, ok, 1));
	assert_int_equal(errno, EEXIST);
	assert_null(metrics_gauge_new(m, METRICS_DROPPED_NAME, "h", NULL));

	/* A new constant label after the first family could clash. */
	assert_int_equal(metrics_const_label(m, "region", "eu"), -1);
	assert_int_equal(metrics_const_label(m, "vantage", "y"), 0);
	metrics_free(m);
}

static void
test_missing_values(void **state)
{
	struct metrics		*m;
	struct metrics_family	*g;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(g = metrics_gauge_new(m, "g", "h", L("a", "b", NULL)));
	assert_null(metrics_series_get(g, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(metrics_series_get(g, L("x", NULL)));
	assert_int_equal(errno, EINVAL);
	assert_null(metrics_series_find(g, L("x", "y")));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(metrics_family_remove(g, L("x", "y")), -1);
	metrics_free(m);
}

static void
test_utf8(void **state)
{
	struct metrics		*m;
	struct metrics_family	*g;
	struct metrics_series	*a, *b;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(g = metrics_gauge_new(m, "g", "h", L("t", NULL)));
	/* A lone continuation byte and an overlong '/' render alike. */
	assert_non_null(a = metrics_series_get(g, L("x\x80y")));
	assert_non_null(b = metrics_series_get(g, L("x\xefy")));
	assert_ptr_equal(a, b);
	assert_non_null(b = metrics_series_get(g, L("x\xef\xbf\xbdy")));
	assert_ptr_equal(a, b);
	assert_non_null(b = metrics_series_get(g, L("\xc0\xaf")));
	assert_ptr_not_equal(a, b);
	assert_int_equal(metrics_family_nseries(g), 2);
	assert_render(m,
	    "# HELP g h\n# TYPE g gauge\n"
	    "g{t=\"x\xef\xbf\xbdy\"} 0\n"
	    "g{t=\"\xef\xbf\xbd\xef\xbf\xbd\"} 0\n"
	    "# HELP sipcanary_metrics_series_dropped_total Updates refused "
	    "because they would create a series beyond the family's limit.\n"
	    "# TYPE sipcanary_metrics_series_dropped_total counter\n"
	    "sipcanary_metrics_series_dropped_total{family=\"g\"} 0\n");
	metrics_free(m);
}

static void
test_removal(void **state)
{
	struct metrics		*m;
	struct metrics_family	*up, *flow, *fes;
	struct metrics_series	*s;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(up = metrics_gauge_new(m, "up", "h",
	    L("target", "frontend", NULL)));
	assert_non_null(flow = metrics_gauge_new(m, "flow_up", "h",
	    L("target", "frontend", "flow", NULL)));
	assert_non_null(fes = metrics_gauge_new(m, "frontends", "h",
	    L("target", NULL)));
	/* Two targets share a frontend address. */
	assert_int_equal(metrics_set(up, L("a", "10.0.0.1:5061"), 1), 0);
	assert_int_equal(metrics_set(up, L("a", "10.0.0.2:5061"), 1), 0);
	assert_int_equal(metrics_set(up, L("b", "10.0.0.1:5061"), 1), 0);
	assert_int_equal(metrics_set(flow, L("a", "10.0.0.1:5061", "0"), 1), 0);
	assert_int_equal(metrics_set(flow, L("a", "10.0.0.1:5061", "1"), 1), 0);
	assert_int_equal(metrics_set(flow, L("b", "10.0.0.1:5061", "0"), 1), 0);
	assert_int_equal(metrics_set(fes, L("a"), 2), 0);
	assert_int_equal(metrics_set(fes, L("b"), 1), 0);

	/* Frontend 10.0.0.1 of a disappears: b's and the per-target stay. */
	assert_int_equal(metrics_remove_matching(m, L("target", "a",
	    "frontend", "10.0.0.1:5061", NULL)), 3);
	assert_int_equal(metrics_family_nseries(up), 2);
	assert_int_equal(metrics_family_nseries(flow), 1);
	assert_int_equal(metrics_family_nseries(fes), 2);
	assert_non_null(metrics_series_find(up, L("b", "10.0.0.1:5061")));
	assert_null(metrics_series_find(up, L("a", "10.0.0.1:5061")));

	/* One flow less, in one family only. */
	assert_int_equal(metrics_family_remove_matching(flow, L("flow", "0",
	    NULL)), 1);
	/* A label the family lacks, or garbage, removes nothing. */
	assert_int_equal(metrics_family_remove_matching(fes, L("flow", "0",
	    NULL)), 0);
	assert_int_equal(metrics_remove_matching(m, L("target", NULL)), 0);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metrics_remove_matching(m, NULL), 0);
	/* A series handle. */
	assert_non_null(s = metrics_series_find(fes, L("b")));
	metrics_series_remove(s);
	metrics_series_remove(NULL);

	/* Target a disappears. */
	assert_int_equal(metrics_remove_matching(m, L("target", "a", NULL)), 2);
	assert_render(m,
	    "# HELP up h\n# TYPE up gauge\n"
	    "up{target=\"b\",frontend=\"10.0.0.1:5061\"} 1\n"
	    "# HELP sipcanary_metrics_series_dropped_total Updates refused "
	    "because they would create a series beyond the family's limit.\n"
	    "# TYPE sipcanary_metrics_series_dropped_total counter\n"
	    "sipcanary_metrics_series_dropped_total{family=\"flow_up\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{family=\"frontends\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{family=\"up\"} 0\n");
	/* Removed series come back at 0. */
	assert_non_null(s = metrics_series_get(up, L("a", "10.0.0.1:5061")));
	assert_true(metrics_series_value(s) == 0);
	metrics_free(m);
}

/*
 * Aliases: a profile's target "voice/old" is written target="voice",
 * profile="old"; found and removed by the inside name; a family with a
 * profile label of its own, and values without an alias, as they are.
 */
static void
test_alias(void **state)
{
	struct metrics		*m;
	struct metrics_family	*up, *own;
	char			*got;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(up = metrics_gauge_new(m, "up", "h",
	    L("target", "frontend", NULL)));
	assert_non_null(own = metrics_gauge_new(m, "own", "h",
	    L("target", "profile", NULL)));
	assert_int_equal(metrics_label_alias(m, "target", "voice/old",
	    "voice", "profile", "stale"), 0);
	/* Registered again: replaced, not added. */
	assert_int_equal(metrics_label_alias(m, "target", "voice/old",
	    "voice", "profile", "old"), 0);
	assert_int_equal(metrics_label_alias(m, "target", "x", "y", "target",
	    "z"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metrics_set(up, L("voice/old", "10.0.0.1:5061"), 0),
	    0);
	assert_int_equal(metrics_set(up, L("a/b", "10.0.0.1:5061"), 1), 0);
	assert_int_equal(metrics_set(own, L("voice/old", "p"), 1), 0);
	assert_render(m,
	    "# HELP up h\n# TYPE up gauge\n"
	    "up{target=\"a/b\",frontend=\"10.0.0.1:5061\"} 1\n"
	    "up{target=\"voice\",profile=\"old\",frontend=\"10.0.0.1:5061\"} 0\n"
	    "# HELP own h\n# TYPE own gauge\n"
	    "own{target=\"voice/old\",profile=\"p\"} 1\n"
	    "# HELP sipcanary_metrics_series_dropped_total Updates refused "
	    "because they would create a series beyond the family's limit.\n"
	    "# TYPE sipcanary_metrics_series_dropped_total counter\n"
	    "sipcanary_metrics_series_dropped_total{family=\"own\"} 0\n"
	    "sipcanary_metrics_series_dropped_total{family=\"up\"} 0\n");
	assert_int_equal(metrics_remove_matching(m, L("target", "voice/old",
	    NULL)), 2);
	metrics_label_unalias(m, "target", "voice/old");
	metrics_label_unalias(m, "target", "never");
	metrics_label_unalias(NULL, "target", "never");
	assert_int_equal(metrics_set(up, L("voice/old", "10.0.0.1:5061"), 1),
	    0);
	got = render(m);
	assert_non_null(strstr(got, "up{target=\"voice/old\","));
	free(got);
	metrics_free(m);
}

static int	 full_calls;
static char	 full_family[32];
static size_t	 full_limit;

static void
on_full(const char *family, size_t limit, void *arg)
{
	full_calls++;
	snprintf(full_family, sizeof(full_family), "%s", family);
	full_limit = limit;
	assert_ptr_equal(arg, &full_calls);
}

static void
test_limit(void **state)
{
	struct metrics		*m;
	struct metrics_family	*g, *other;
	char			*out;

	(void)state;
	full_calls = 0;
	assert_non_null(m = metrics_new(3));
	metrics_on_full(m, on_full, &full_calls);
	assert_non_null(g = metrics_gauge_new(m, "g", "h", L("t", NULL)));
	assert_non_null(other = metrics_gauge_new(m, "o", "h", L("t", NULL)));
	assert_int_equal(metrics_set(g, L("1"), 1), 0);
	assert_int_equal(metrics_set(g, L("2"), 1), 0);
	assert_int_equal(metrics_set(g, L("3"), 1), 0);
	assert_int_equal(metrics_set(g, L("4"), 1), -1);
	assert_int_equal(errno, ENOSPC);
	assert_null(metrics_series_get(g, L("5")));
	/* Said once per family, however often it is refused. */
	assert_int_equal(metrics_set(g, L("5"), 1), -1);
	assert_int_equal(full_calls, 1);
	assert_string_equal(full_family, "g");
	assert_int_equal(full_limit, 3);
	/* Existing series still update; other families are not limited. */
	assert_int_equal(metrics_set(g, L("3"), 2), 0);
	assert_int_equal(metrics_set(other, L("4"), 1), 0);
	out = render(m);
	assert_non_null(strstr(out,
	    "sipcanary_metrics_series_dropped_total{family=\"g\"} 3\n"));
	assert_non_null(strstr(out,
	    "sipcanary_metrics_series_dropped_total{family=\"o\"} 0\n"));
	assert_null(strstr(out, "g{t=\"4\"}"));
	free(out);
	/* Room again after a removal. */
	assert_int_equal(metrics_family_remove(g, L("1")), 0);
	assert_int_equal(metrics_set(g, L("4"), 1), 0);
	/* More families than the limit: the self-metric is not limited. */
	assert_non_null(metrics_gauge_new(m, "x1", "h", NULL));
	assert_non_null(metrics_gauge_new(m, "x2", "h", NULL));
	assert_non_null(metrics_gauge_new(m, "x3", "h", NULL));
	metrics_free(m);
}

/* Many series: the hash grows, removal keeps the rest findable, sorted. */
static void
test_many(void **state)
{
	struct metrics		*m;
	struct metrics_family	*g;
	struct metrics_series	*s;
	char			 t[16], f[16], *out, *p, *prev;
	const char		*v[2] = { t, f };
	int			 i;

	(void)state;
	assert_non_null(m = metrics_new(0));
	assert_non_null(g = metrics_gauge_new(m, "g", "h",
	    L("target", "frontend", NULL)));
	for (i = 0; i < 5000; i++) {
		snprintf(t, sizeof(t), "t%d", (i * 7919) % 5000);
		snprintf(f, sizeof(f), "f%d", i % 3);
		assert_int_equal(metrics_set(g, v, i), 0);
	}
	assert_int_equal(metrics_family_nseries(g), 5000);
	for (i = 0; i < 5000; i += 2) {
		snprintf(t, sizeof(t), "t%d", (i * 7919) % 5000);
		snprintf(f, sizeof(f), "f%d", i % 3);
		assert_int_equal(metrics_family_remove(g, v), 0);
	}
	for (i = 1; i < 5000; i += 2) {
		snprintf(t, sizeof(t), "t%d", (i * 7919) % 5000);
		snprintf(f, sizeof(f), "f%d", i % 3);
		assert_non_null(s = metrics_series_find(g, v));
		assert_true(metrics_series_value(s) == i);
	}
	assert_int_equal(metrics_family_nseries(g), 2500);
	out = render(m);
	/* Lines of g come in strictly increasing order. */
	prev = NULL;
	for (p = strtok(out, "\n"); p != NULL; p = strtok(NULL, "\n")) {
		if (strncmp(p, "g{", 2) != 0)
			continue;
		if (prev != NULL)
			assert_true(strcmp(prev, p) < 0);
		prev = p;
	}
	free(out);
	metrics_free(m);
}

static void
test_free_null(void **state)
{
	(void)state;
	metrics_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_double),
		cmocka_unit_test(test_format_double_shortest),
		cmocka_unit_test(test_counter_gauge_text),
		cmocka_unit_test(test_histogram_text),
		cmocka_unit_test(test_counter_rules),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_removal),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
