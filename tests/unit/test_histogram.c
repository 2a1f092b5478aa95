/*
 * test_histogram.c - the drill latency histogram (scheme log10x20):
 * values on bucket edges land in the right bucket, percentiles stay
 * within the documented error of the exact ones, merging equals
 * recording everything in one, the JSON form round-trips, and bad JSON
 * is rejected with a reason.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "drill/histogram.h"

/* 10^(1/20), the ratio of neighbouring bounds: the error bound. */
#define STEP	1.1220184543019636

/* A small deterministic generator: the tests must not be flaky. */
static uint64_t rng_state;

static double
rng_unit(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Log-uniform in [lo, hi]: every decade gets its share. */
static double
rng_logu(double lo, double hi)
{
	return lo * pow(hi / lo, rng_unit());
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The exact nearest-rank quantile of sorted v[0..n-1]. */
static double
exact_quantile(const double *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

static void
test_bucket_edges(void **state)
{
	size_t i, n = histogram_nbuckets();
	double b;

	(void)state;
	assert_int_equal(n, 182);
	assert_true(histogram_bucket_upper(0) == 1e-6);
	assert_true(histogram_bucket_upper(120) == 1.0);
	assert_true(histogram_bucket_upper(180) == 1000.0);
	assert_true(isinf(histogram_bucket_upper(181)));
	assert_true(histogram_bucket_lower(0) == 0);
	/* exact decades are exact in the table */
	assert_true(histogram_bucket_upper(60) == 1e-3);
	assert_true(histogram_bucket_upper(140) == 10.0);

	/* every bound is inclusive: on it -> that bucket, above -> next */
	for (i = 0; i + 1 < n; i++) {
		b = histogram_bucket_upper(i);
		assert_int_equal(histogram_bucket_index(b), i);
		assert_int_equal(histogram_bucket_index(nextafter(b, INFINITY)),
		    i + 1);
		if (i > 0) {
			assert_int_equal(histogram_bucket_index(
			    nextafter(b, 0)), i);
			assert_true(histogram_bucket_lower(i) ==
			    histogram_bucket_upper(i - 1));
			/* the neighbour ratio is 10^(1/20) */
			assert_true(fabs(b / histogram_bucket_upper(i - 1) -
			    STEP) < 1e-12);
		}
	}
	/* below the first bound, zero, and above the last */
	assert_int_equal(histogram_bucket_index(0), 0);
	assert_int_equal(histogram_bucket_index(1e-9), 0);
	assert_int_equal(histogram_bucket_index(0.5e-6), 0);
	assert_int_equal(histogram_bucket_index(1000.0), 180);
	assert_int_equal(histogram_bucket_index(1000.001), 181);
	assert_int_equal(histogram_bucket_index(1e300), 181);
	/* values between bounds */
	/* 1.5 ms is in (1.41, 1.58] ms, 250 ms in (224, 251] ms */
	assert_int_equal(histogram_bucket_index(0.0015), 64);
	assert_int_equal(histogram_bucket_index(0.250), 108);
}

static void
test_record_invalid(void **state)
{
	struct histogram *h;

	(void)state;
	assert_non_null(h = histogram_new());
	assert_int_equal(histogram_record(h, NAN), -1);
	assert_int_equal(histogram_record(h, -0.001), -1);
	assert_int_equal(histogram_record(h, INFINITY), -1);
	assert_int_equal(histogram_count(h), 0);
	assert_true(histogram_percentile(h, 0.5) == -1);
	assert_true(histogram_max(h) == -1);
	assert_true(histogram_min(h) == -1);

	assert_int_equal(histogram_record(h, 0), 0);
	/* 5000 s: the overflow bucket */
	assert_int_equal(histogram_record(h, 5000), 0);
	assert_int_equal(histogram_count(h), 2);
	assert_int_equal(histogram_bucket_count(h, 0), 1);
	assert_int_equal(histogram_bucket_count(h, 181), 1);
	assert_true(histogram_min(h) == 0);
	assert_true(histogram_max(h) == 5000);
	/* the overflow bucket has no bound: its percentile is the max */
	assert_true(histogram_percentile(h, 1.0) == 5000);
	assert_true(histogram_percentile(h, 0.5) == 1e-6 ||
	    histogram_percentile(h, 0.5) == 0);
	histogram_free(h);
	histogram_free(NULL);
}

/* Percentiles vs exact ones: never low, at most 12.2% high. */
static void
check_percentiles(const double *vals, size_t n)
{
	static const double qs[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95,
	    0.99, 0.999, 1.0 };
	struct histogram	*h;
	double			*sorted, est, ex;
	size_t			 i;

	assert_non_null(h = histogram_new());
	assert_non_null(sorted = malloc(n * sizeof(*sorted)));
	for (i = 0; i < n; i++) {
		assert_int_equal(histogram_record(h, vals[i]), 0);
		sorted[i] = vals[i];
	}
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	assert_true(histogram_max(h) == sorted[n - 1]);
	assert_true(histogram_min(h) == sorted[0]);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		est = histogram_percentile(h, qs[i]);
		ex = exact_quantile(sorted, n, qs[i]);
		if (!(est >= ex && est < ex * STEP * (1 + 1e-12)))
			fail_msg("q=%g: estimate %.9g, exact %.9g", qs[i],
			    est, ex);
	}
	assert_true(histogram_percentile(h, 1.0) == sorted[n - 1]);
	free(sorted);
	histogram_free(h);
}

static void
test_percentiles_known(void **state)
{
	double	*v;
	size_t	 i, n = 20000;

	(void)state;
	/* 1, 2, ..., 1000 ms: exact answers are known by hand */
	assert_non_null(v = malloc(n * sizeof(*v)));
	for (i = 0; i < 1000; i++)
		v[i] = (double)(i + 1) / 1000;
	check_percentiles(v, 1000);
	{
		struct histogram *h = histogram_new();

		for (i = 0; i < 1000; i++)
			histogram_record(h, v[i]);
		/* p50 is 500 ms: bucket (446.7, 501.2] ms */
		assert_true(fabs(histogram_percentile(h, 0.5) -
		    0.5011872336272722) < 1e-15);
		/* p99 = 990 ms: bucket (891, 1000] ms, clamped to max 1 s */
		assert_true(histogram_percentile(h, 0.99) == 1.0);
		/* 0.99 * 100 is a hair above 99 in doubles: rank 99, not 100 */
		histogram_reset(h);
		for (i = 1; i < 100; i++)
			histogram_record(h, (double)i * 1e-3);
		histogram_record(h, 10.0);
		assert_true(histogram_percentile(h, 0.99) <= 0.1);
		assert_true(histogram_percentile(h, 1.0) == 10.0);
		histogram_free(h);
	}

	/* log-uniform over the whole range, and a realistic latency mix */
	rng_state = 42;
	for (i = 0; i < n; i++)
		v[i] = rng_logu(1e-6, 1000);
	check_percentiles(v, n);
	for (i = 0; i < n; i++)
		v[i] = i % 10 == 0 ? rng_logu(0.5, 3) : rng_logu(0.004, 0.02);
	check_percentiles(v, n);
	/* a single value */
	v[0] = 0.0123;
	check_percentiles(v, 1);
	free(v);
}

/* a and b have the same count, buckets, minimum and maximum. */
static void
assert_same_counts(const struct histogram *a, const struct histogram *b)
{
	size_t	 i;

	assert_int_equal(histogram_count(a), histogram_count(b));
	for (i = 0; i < histogram_nbuckets(); i++)
		assert_int_equal(histogram_bucket_count(a, i),
		    histogram_bucket_count(b, i));
	assert_true(histogram_min(a) == histogram_min(b));
	assert_true(histogram_max(a) == histogram_max(b));
}

static void
test_merge(void **state)
{
	struct histogram	*a, *b, *all, *empty;
	double			 x;
	size_t			 i;

	(void)state;
	a = histogram_new();
	b = histogram_new();
	all = histogram_new();
	empty = histogram_new();
	assert_true(a && b && all && empty);
	rng_state = 7;
	for (i = 0; i < 5000; i++) {
		x = rng_logu(1e-5, 30);
		histogram_record(i % 3 ? a : b, x);
		histogram_record(all, x);
	}
	histogram_record(b, 2000);	/* overflow on one side only */
	histogram_record(all, 2000);
	histogram_merge(a, empty);
	histogram_merge(a, b);
	assert_same_counts(a, all);
	assert_true(fabs(histogram_sum(a) - histogram_sum(all)) <
	    1e-9 * histogram_sum(all));
	assert_true(histogram_percentile(a, 0.5) ==
	    histogram_percentile(all, 0.5));
	assert_true(histogram_percentile(a, 0.99) ==
	    histogram_percentile(all, 0.99));
	/* into an empty one */
	histogram_merge(empty, all);
	assert_true(histogram_min(empty) == histogram_min(all));
	assert_int_equal(histogram_count(empty), histogram_count(all));
	histogram_free(a);
	histogram_free(b);
	histogram_free(all);
	histogram_free(empty);
}

static void
test_json_roundtrip(void **state)
{
	struct histogram	*h, *back;
	json_t			*j, *j2;
	char			*s, err[160];
	size_t			 i;

	(void)state;
	h = histogram_new();
	rng_state = 99;
	for (i = 0; i < 3000; i++)
		histogram_record(h, rng_logu(1e-7, 5000));
	histogram_record(h, 0);
	assert_non_null(j = histogram_to_json(h));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "histogram"), "scheme")), "log10x20");
	assert_int_equal(json_integer_value(json_object_get(j, "count")),
	    3001);
	assert_true(json_real_value(json_object_get(j, "p99")) ==
	    histogram_percentile(h, 0.99));
	/* through text, as a report file goes */
	assert_non_null(s = json_dumps(j, 0));
	assert_non_null(j2 = json_loads(s, 0, NULL));
	back = histogram_from_json(j2, err, sizeof(err));
	if (back == NULL)
		fail_msg("%s", err);
	assert_same_counts(back, h);
	assert_true(histogram_sum(back) == histogram_sum(h));
	assert_true(histogram_percentile(back, 0.9) ==
	    histogram_percentile(h, 0.9));
	free(s);
	json_decref(j);
	json_decref(j2);
	histogram_free(back);

	/* empty: null percentiles, and it reads back */
	histogram_reset(h);
	assert_non_null(j = histogram_to_json(h));
	assert_true(json_is_null(json_object_get(j, "p50")));
	assert_true(json_is_null(json_object_get(j, "max")));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j,
	    "histogram"), "buckets")), 0);
	assert_non_null(back = histogram_from_json(j, err, sizeof(err)));
	assert_int_equal(histogram_count(back), 0);
	histogram_free(back);
	json_decref(j);
	histogram_free(h);

	/* bounds written short by another tool, min and sum absent */
	j = json_loads("{\"count\": 3, \"max\": 0.0009,"
	    "\"histogram\": {\"scheme\": \"log10x20\", \"buckets\": "
	    "[[0.0001, 1], [0.001, 2]]}}", 0, NULL);
	assert_non_null(j);
	back = histogram_from_json(j, err, sizeof(err));
	if (back == NULL)
		fail_msg("%s", err);
	assert_int_equal(histogram_bucket_count(back, 40), 1);
	assert_int_equal(histogram_bucket_count(back, 60), 2);
	assert_true(histogram_min(back) > 0.0000891 &&
	    histogram_min(back) < 0.0001);
	assert_true(histogram_sum(back) > 0);
	histogram_free(back);
	json_decref(j);
}

static void
expect_rejected(const char *text, const char *why)
{
	struct histogram	*h;
	json_t			*j;
	char			 err[160] = "";

	assert_non_null(j = json_loads(text, 0, NULL));
	h = histogram_from_json(j, err, sizeof(err));
	if (h != NULL)
		fail_msg("accepted: %s", text);
	if (strstr(err, why) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
	json_decref(j);
}

#define HJ(count, max, buckets) \
	"{\"count\": " #count ", \"max\": " #max ", \"histogram\": " \
	"{\"scheme\": \"log10x20\", \"buckets\": " buckets "}}"

static void
test_json_rejected(void **state)
{
	(void)state;
	expect_rejected("[1, 2]", "not an object");
	expect_rejected("{\"count\": 1, \"max\": 1, \"histogram\": "
	    "{\"scheme\": \"hdr\", \"buckets\": [[1, 1]]}}", "unknown "
	    "histogram scheme \"hdr\"");
	expect_rejected("{\"count\": 1, \"max\": 1, \"histogram\": "
	    "{\"buckets\": [[1, 1]]}}", "scheme");
	expect_rejected("{\"count\": 1}", "no \"histogram\"");
	expect_rejected(HJ(-1, 1, "[[1, -1]]"), "count");
	expect_rejected(HJ(1, 1, "[[1, -1]]"), "not a non-negative integer");
	expect_rejected(HJ(1, 1, "[[1, 1.5]]"), "not a non-negative integer");
	expect_rejected(HJ(2, 1, "[[1, 1], [0.1, 1]]"), "not strictly "
	    "increasing");
	expect_rejected(HJ(2, 1, "[[1, 1], [1, 1]]"), "not strictly "
	    "increasing");
	expect_rejected(HJ(2, 2000, "[[null, 1], [1, 1]]"), "not strictly "
	    "increasing");
	expect_rejected(HJ(1, 0.3, "[[0.3, 1]]"), "not one of the log10x20 "
	    "bounds");
	expect_rejected(HJ(1, 1, "[[\"1\", 1]]"), "not one of");
	expect_rejected(HJ(1, 1, "[[1]]"), "[upper_bound, count]");
	expect_rejected(HJ(1, 1, "[[1, 1, 1]]"), "[upper_bound, count]");
	expect_rejected(HJ(3, 1, "[[1, 1]]"), "add up to 1");
	expect_rejected(HJ(1, 5, "[[1, 1]]"), "\"max\"");
	expect_rejected(HJ(1, null, "[[1, 1]]"), "\"max\"");
	expect_rejected("{\"count\": 1, \"max\": 1, \"min\": 0.001, "
	    "\"histogram\": {\"scheme\": \"log10x20\", \"buckets\": "
	    "[[1, 1]]}}", "\"min\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_record_invalid),
		cmocka_unit_test(test_percentiles_known),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
