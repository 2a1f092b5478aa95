/*
 * histogram.c - the mergeable latency histogram of drills (scheme
 * "log10x20") and its JSON form.
 *
 * Owns: the bucket table, O(1) recording, merging, percentiles, and
 * the <LATENCY> JSON object of the drill report:
 *
 *   {"count": N, "p50": s, "p90": s, "p99": s, "max": s,
 *    "min": s, "sum": s,
 *    "histogram": {"scheme": "log10x20",
 *                  "buckets": [[upper_bound_seconds, count], ...]}}
 *
 * Percentiles and max are null when count is 0.  Only non-empty
 * buckets are listed, in increasing order.  The bucket above 1000 s has
 * no finite bound (JSON has no infinity) and is written [null, count].
 * "min" and "sum" are additions to the version 1 contract: readers
 * must not require them, and histogram_from_json() estimates them from
 * the buckets when absent.
 *
 * Why a fixed table of bounds rather than pow() at run time: the
 * bounds are the scheme, they appear in every report, and two machines
 * (or Python and C) computing 10^(k/20) can differ in the last bit.
 * The table holds the correctly rounded doubles of 10^((k - 120)/20),
 * k = 0..180; readers match bounds within a relative 1e-9.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drill/histogram.h"

#define HIST_PER_DECADE		20
#define HIST_NBOUNDS		181		/* 1e-6 .. 1e3 */
#define HIST_NBUCKETS		(HIST_NBOUNDS + 1)	/* + overflow */
#define HIST_ONE_SECOND		120	/* bound[120] == 1.0 */
#define HIST_BOUND_TOLERANCE	1e-9

struct histogram {
	uint64_t	counts[HIST_NBUCKETS];
	uint64_t	count;
	double		min;
	double		max;
	double		sum;
};

static const double hist_bound[HIST_NBOUNDS] = {
	1e-06, 1.1220184543019635e-06, 1.2589254117941672e-06,
	1.4125375446227544e-06, 1.5848931924611134e-06, 1.778279410038923e-06,
	1.9952623149688796e-06, 2.2387211385683397e-06, 2.51188643150958e-06,
	2.818382931264454e-06, 3.162277660168379e-06, 3.5481338923357546e-06,
	3.9810717055349725e-06, 4.466835921509631e-06, 5.0118723362727224e-06,
	5.623413251903491e-06, 6.309573444801932e-06, 7.079457843841379e-06,
	7.943282347242815e-06, 8.912509381337456e-06, 1e-05,
	1.1220184543019635e-05, 1.2589254117941671e-05, 1.4125375446227543e-05,
	1.5848931924611134e-05, 1.778279410038923e-05, 1.9952623149688796e-05,
	2.2387211385683396e-05, 2.51188643150958e-05, 2.818382931264454e-05,
	3.1622776601683795e-05, 3.548133892335755e-05, 3.981071705534973e-05,
	4.4668359215096314e-05, 5.011872336272723e-05, 5.623413251903491e-05,
	6.309573444801932e-05, 7.079457843841379e-05, 7.943282347242815e-05,
	8.912509381337455e-05, 0.0001, 0.00011220184543019634,
	0.00012589254117941672, 0.00014125375446227543, 0.00015848931924611134,
	0.00017782794100389227, 0.00019952623149688796, 0.00022387211385683397,
	0.000251188643150958, 0.0002818382931264454, 0.00031622776601683794,
	0.0003548133892335755, 0.00039810717055349724, 0.0004466835921509631,
	0.0005011872336272723, 0.0005623413251903491, 0.0006309573444801932,
	0.0007079457843841379, 0.0007943282347242815, 0.0008912509381337455,
	0.001, 0.0011220184543019635, 0.0012589254117941673,
	0.0014125375446227544, 0.0015848931924611134, 0.0017782794100389228,
	0.00199526231496888, 0.0022387211385683395, 0.0025118864315095803,
	0.002818382931264454, 0.0031622776601683794, 0.0035481338923357545,
	0.0039810717055349725, 0.004466835921509631, 0.005011872336272723,
	0.005623413251903491, 0.006309573444801933, 0.0070794578438413795,
	0.007943282347242816, 0.008912509381337455, 0.01,
	0.011220184543019634, 0.012589254117941671, 0.014125375446227544,
	0.015848931924611134, 0.01778279410038923, 0.019952623149688795,
	0.022387211385683396, 0.0251188643150958, 0.02818382931264454,
	0.03162277660168379, 0.035481338923357544, 0.03981071705534973,
	0.044668359215096314, 0.05011872336272723, 0.05623413251903491,
	0.06309573444801933, 0.07079457843841379, 0.07943282347242815,
	0.08912509381337455, 0.1, 0.11220184543019635,
	0.12589254117941673, 0.14125375446227542, 0.15848931924611134,
	0.1778279410038923, 0.19952623149688797, 0.22387211385683395,
	0.251188643150958, 0.28183829312644537, 0.31622776601683794,
	0.35481338923357547, 0.39810717055349726, 0.4466835921509631,
	0.5011872336272722, 0.5623413251903491, 0.6309573444801932,
	0.7079457843841379, 0.7943282347242815, 0.8912509381337456,
	1.0, 1.1220184543019633, 1.2589254117941673,
	1.4125375446227544, 1.5848931924611134, 1.7782794100389228,
	1.9952623149688795, 2.2387211385683394, 2.51188643150958,
	2.8183829312644537, 3.1622776601683795, 3.5481338923357546,
	3.9810717055349727, 4.466835921509631, 5.011872336272723,
	5.623413251903491, 6.3095734448019325, 7.0794578438413795,
	7.943282347242815, 8.912509381337456, 10.0,
	11.220184543019634, 12.589254117941673, 14.125375446227544,
	15.848931924611135, 17.78279410038923, 19.952623149688797,
	22.387211385683397, 25.118864315095802, 28.183829312644537,
	31.622776601683793, 35.48133892335755, 39.81071705534973,
	44.66835921509631, 50.11872336272723, 56.23413251903491,
	63.09573444801932, 70.7945784384138, 79.43282347242815,
	89.12509381337455, 100.0, 112.20184543019634,
	125.89254117941672, 141.25375446227542, 158.48931924611134,
	177.82794100389228, 199.52623149688796, 223.87211385683395,
	251.188643150958, 281.83829312644536, 316.22776601683796,
	354.81338923357544, 398.10717055349727, 446.68359215096314,
	501.1872336272723, 562.341325190349, 630.9573444801932,
	707.9457843841379, 794.3282347242815, 891.2509381337455,
	1000.0,
};

struct histogram *
histogram_new(void)
{
	struct histogram *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	histogram_reset(h);
	return h;
}

void
histogram_free(struct histogram *h)
{
	free(h);
}

void
histogram_reset(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = INFINITY;
	h->max = 0;
}

size_t
histogram_nbuckets(void)
{
	return HIST_NBUCKETS;
}

/* The overflow bucket has no finite upper bound. */
double
histogram_bucket_upper(size_t i)
{
	return i < HIST_NBOUNDS ? hist_bound[i] : INFINITY;
}

double
histogram_bucket_lower(size_t i)
{
	if (i == 0)
		return 0;
	return i <= HIST_NBOUNDS ? hist_bound[i - 1] : INFINITY;
}

/*
 * The bucket of a value: the first whose upper bound is >= seconds.
 * log10() gives the answer up to rounding; the two compares against the
 * table make values exactly on a bound land in that bound's bucket
 * whatever the libm.  Callers have rejected NaN and negatives.
 */
size_t
histogram_bucket_index(double seconds)
{
	double	 x;
	long	 i;

	if (!(seconds > hist_bound[0]))
		return 0;
	if (seconds > hist_bound[HIST_NBOUNDS - 1])
		return HIST_NBOUNDS;
	x = ceil(log10(seconds) * HIST_PER_DECADE) + HIST_ONE_SECOND;
	i = (long)x;
	if (i < 1)
		i = 1;
	if (i > HIST_NBOUNDS - 1)
		i = HIST_NBOUNDS - 1;
	if (seconds > hist_bound[i])
		i++;
	else if (seconds <= hist_bound[i - 1])
		i--;
	return (size_t)i;
}

/*
 * Records one latency.  Returns 0, or -1 (and records nothing) for NaN,
 * a negative or an infinite value: those are clock or caller bugs, and
 * folding them into a bucket would hide them.  Zero is valid (a coarse
 * clock) and lands in the lowest bucket.
 */
int
histogram_record(struct histogram *h, double seconds)
{
	if (isnan(seconds) || seconds < 0 || isinf(seconds))
		return -1;
	h->counts[histogram_bucket_index(seconds)]++;
	h->count++;
	h->sum += seconds;
	if (seconds < h->min)
		h->min = seconds;
	if (seconds > h->max)
		h->max = seconds;
	return 0;
}

void
histogram_merge(struct histogram *dst, const struct histogram *src)
{
	size_t i;

	if (src->count == 0)
		return;
	for (i = 0; i < HIST_NBUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
histogram_count(const struct histogram *h)
{
	return h->count;
}

/* min, max: -1 when empty, like every "no data" duration here. */
double
histogram_min(const struct histogram *h)
{
	return h->count ? h->min : -1;
}

double
histogram_max(const struct histogram *h)
{
	return h->count ? h->max : -1;
}

double
histogram_sum(const struct histogram *h)
{
	return h->sum;
}

uint64_t
histogram_bucket_count(const struct histogram *h, size_t i)
{
	return i < HIST_NBUCKETS ? h->counts[i] : 0;
}

/*
 * The q-quantile (0 <= q <= 1) by nearest rank: the smallest recorded
 * value with at least ceil(q * count) values at or below it.  Returns
 * the upper bound of the bucket holding that rank, clamped to the
 * observed max, so the answer is never below the true value and at
 * most 12.2% above it (for values from 1 us to 1000 s).  q = 1 gives
 * the exact max.  Returns -1 when the histogram is empty.
 */
double
histogram_percentile(const struct histogram *h, double q)
{
	uint64_t	 rank, seen = 0;
	double		 x, v;
	size_t		 i;

	if (h->count == 0)
		return -1;
	if (isnan(q) || q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	/* q * count can come out a hair above an integer (0.99 * 100). */
	x = q * (double)h->count;
	x = ceil(x - x * 1e-12);
	rank = x < 1 ? 1 : (uint64_t)x;
	if (rank >= h->count)
		return h->max;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			break;
	}
	v = histogram_bucket_upper(i);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

static json_t *
hist_json_seconds(double s)
{
	return s < 0 ? json_null() : json_real(s);
}

json_t *
histogram_to_json(const struct histogram *h)
{
	json_t	*o = NULL, *buckets = NULL, *b;
	size_t	 i;

	if ((o = json_object()) == NULL || (buckets = json_array()) == NULL)
		goto fail;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (h->counts[i] == 0)
			continue;
		b = json_pack("[oI]", i < HIST_NBOUNDS ?
		    json_real(hist_bound[i]) : json_null(),
		    (json_int_t)h->counts[i]);
		if (b == NULL || json_array_append_new(buckets, b) == -1)
			goto fail;
	}
	if (json_object_set_new(o, "count",
	    json_integer((json_int_t)h->count)) == -1 ||
	    json_object_set_new(o, "p50",
	    hist_json_seconds(histogram_percentile(h, 0.50))) == -1 ||
	    json_object_set_new(o, "p90",
	    hist_json_seconds(histogram_percentile(h, 0.90))) == -1 ||
	    json_object_set_new(o, "p99",
	    hist_json_seconds(histogram_percentile(h, 0.99))) == -1 ||
	    json_object_set_new(o, "max",
	    hist_json_seconds(histogram_max(h))) == -1 ||
	    json_object_set_new(o, "min",
	    hist_json_seconds(histogram_min(h))) == -1 ||
	    json_object_set_new(o, "sum", json_real(h->sum)) == -1)
		goto fail;
	if (json_object_set_new(o, "histogram", json_pack("{sssO}",
	    "scheme", HISTOGRAM_SCHEME, "buckets", buckets)) == -1)
		goto fail;
	json_decref(buckets);
	return o;
 fail:
	json_decref(buckets);
	json_decref(o);
	return NULL;
}

/* The table index of a bound read from JSON, or -1. */
static long
hist_bound_lookup(double ub)
{
	size_t i;

	if (!(ub > 0))
		return -1;
	i = histogram_bucket_index(ub);
	if (i < HIST_NBOUNDS &&
	    fabs(ub - hist_bound[i]) <= hist_bound[i] * HIST_BOUND_TOLERANCE)
		return (long)i;
	/* a bound written a hair above the table value */
	if (i > 0 && fabs(ub - hist_bound[i - 1]) <=
	    hist_bound[i - 1] * HIST_BOUND_TOLERANCE)
		return (long)i - 1;
	return -1;
}

/* Is v inside bucket i (with the bound tolerance)? */
static int
hist_in_bucket(double v, size_t i)
{
	double lo = histogram_bucket_lower(i), hi = histogram_bucket_upper(i);

	return v >= lo * (1 - HIST_BOUND_TOLERANCE) &&
	    v <= hi * (1 + HIST_BOUND_TOLERANCE);
}

/* A duration field: a finite number >= 0. */
static int
hist_json_duration(const json_t *v, double *out)
{
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	if (isnan(*out) || isinf(*out) || *out < 0)
		return -1;
	return 0;
}

/*
 * The envelope of a <LATENCY>: its "count" and the histogram's buckets
 * array, of the one scheme this code reads.  -1 with err.
 */
static int
hist_json_envelope(const json_t *j, json_int_t *total,
    const json_t **buckets, char *err, size_t errlen)
{
	const json_t *hj, *scheme, *cnt;

	if (!json_is_object(j)) {
		snprintf(err, errlen, "latency is not an object");
		return -1;
	}
	if (!json_is_integer(cnt = json_object_get(j, "count")) ||
	    (*total = json_integer_value(cnt)) < 0) {
		snprintf(err, errlen, "latency \"count\" is not a "
		    "non-negative integer");
		return -1;
	}
	if (!json_is_object(hj = json_object_get(j, "histogram"))) {
		snprintf(err, errlen, "latency has no \"histogram\" object");
		return -1;
	}
	scheme = json_object_get(hj, "scheme");
	if (!json_is_string(scheme) ||
	    strcmp(json_string_value(scheme), HISTOGRAM_SCHEME) != 0) {
		snprintf(err, errlen, "unknown histogram scheme \"%s\" "
		    "(this sipcanary reads \"%s\")", json_is_string(scheme) ?
		    json_string_value(scheme) : "(missing)", HISTOGRAM_SCHEME);
		return -1;
	}
	if (!json_is_array(*buckets = json_object_get(hj, "buckets"))) {
		snprintf(err, errlen, "histogram has no \"buckets\" array");
		return -1;
	}
	return 0;
}

/*
 * The [upper_bound, count] pairs into h's counts and h->count, with the
 * table index of the first non-empty bucket and of the last one listed
 * (-1 when none).  -1 with err.
 */
static int
hist_json_buckets(struct histogram *h, const json_t *buckets, long *first,
    long *last, char *err, size_t errlen)
{
	const json_t	*b, *ub, *cnt;
	long		 idx;
	size_t		 i;

	*first = *last = -1;
	json_array_foreach(buckets, i, b) {
		if (!json_is_array(b) || json_array_size(b) != 2) {
			snprintf(err, errlen, "bucket %zu is not "
			    "[upper_bound, count]", i);
			return -1;
		}
		ub = json_array_get(b, 0);
		cnt = json_array_get(b, 1);
		if (json_is_null(ub))
			idx = HIST_NBOUNDS;	/* the overflow bucket */
		else if (!json_is_number(ub) ||
		    (idx = hist_bound_lookup(json_number_value(ub))) == -1) {
			snprintf(err, errlen, "bucket %zu: upper bound is not "
			    "one of the %s bounds", i, HISTOGRAM_SCHEME);
			return -1;
		}
		if (idx <= *last) {
			snprintf(err, errlen, "bucket %zu: upper bounds are "
			    "not strictly increasing", i);
			return -1;
		}
		if (!json_is_integer(cnt) || json_integer_value(cnt) < 0) {
			snprintf(err, errlen, "bucket %zu: count is not a "
			    "non-negative integer", i);
			return -1;
		}
		*last = idx;
		if (json_integer_value(cnt) == 0)
			continue;
		if (*first == -1)
			*first = idx;
		h->counts[idx] = (uint64_t)json_integer_value(cnt);
		if (h->count + h->counts[idx] < h->count) {
			snprintf(err, errlen, "bucket counts overflow");
			return -1;
		}
		h->count += h->counts[idx];
	}
	return 0;
}

/*
 * max, min and sum of a histogram that is not empty: max is exact and
 * needed (percentiles are clamped to it); min and sum are optional and
 * estimated from the buckets.  -1 with err.
 */
static int
hist_json_extremes(struct histogram *h, const json_t *j, long first,
    long last, char *err, size_t errlen)
{
	const json_t	*v;
	double		 d;
	size_t		 i;

	if (hist_json_duration(json_object_get(j, "max"), &h->max) == -1 ||
	    !hist_in_bucket(h->max, (size_t)last)) {
		snprintf(err, errlen, "latency \"max\" is missing or not in "
		    "the highest non-empty bucket");
		return -1;
	}
	v = json_object_get(j, "min");
	if (v != NULL && !json_is_null(v)) {
		if (hist_json_duration(v, &h->min) == -1 ||
		    !hist_in_bucket(h->min, (size_t)first) || h->min > h->max) {
			snprintf(err, errlen, "latency \"min\" is not in the "
			    "lowest non-empty bucket");
			return -1;
		}
	} else {
		h->min = histogram_bucket_lower((size_t)first);
		if (h->min > h->max)
			h->min = h->max;
	}
	v = json_object_get(j, "sum");
	if (v != NULL && !json_is_null(v)) {
		if (hist_json_duration(v, &h->sum) == -1) {
			snprintf(err, errlen, "latency \"sum\" is not a "
			    "non-negative number");
			return -1;
		}
		return 0;
	}
	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (h->counts[i] == 0)
			continue;
		d = i < HIST_NBOUNDS ? hist_bound[i] : h->max;
		if (d > h->max)
			d = h->max;
		h->sum += d * (double)h->counts[i];
	}
	return 0;
}

/*
 * Reads a <LATENCY> object back.  The percentiles in it are ignored
 * (they are recomputed from the buckets); the buckets, count and max
 * must agree with each other.  Returns NULL with a message in err on
 * any inconsistency: an unknown scheme, a bound not in the table,
 * bounds not strictly increasing, a negative or non-integer count, a
 * total that is not "count", a max outside the highest bucket.
 */
struct histogram *
histogram_from_json(const json_t *j, char *err, size_t errlen)
{
	struct histogram	*h;
	const json_t		*buckets;
	json_int_t		 total;
	long			 first, last;

	if (hist_json_envelope(j, &total, &buckets, err, errlen) == -1)
		return NULL;
	if ((h = histogram_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (hist_json_buckets(h, buckets, &first, &last, err, errlen) == -1)
		goto fail;
	if (h->count != (uint64_t)total) {
		snprintf(err, errlen, "bucket counts add up to %llu, "
		    "\"count\" says %lld", (unsigned long long)h->count,
		    (long long)total);
		goto fail;
	}
	if (h->count > 0 &&
	    hist_json_extremes(h, j, first, last, err, errlen) == -1)
		goto fail;
	return h;
 fail:
	histogram_free(h);
	return NULL;
}
