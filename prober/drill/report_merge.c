/*
 * report_merge.c - checking drill JSON reports (version 1) and merging
 * the reports of the shards of one drill.
 *
 * Owns: what "a readable drill report" means on input, the shard merge
 * (`sipcanary report merge`), and UTC time parsing for reports.
 *
 * A merge adds up what the shards counted and recomputes everything
 * derived: success ratios, percentiles (from the merged histograms, not
 * by averaging percentiles, which would be wrong), the failure ratio and
 * the verdict.  Timelines are aligned on wall-clock time, because shards
 * started by a Kubernetes Job or parallel ssh do not start in the same
 * second.  The merged document is itself a version 1 report, so it can
 * be merged again or rendered with `sipcanary report html`.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "drill/histogram.h"
#include "drill/report_merge.h"

/*
 * A bound on the merged timeline: shards of one drill start within
 * minutes of each other.  Beyond this the inputs are not one drill, and
 * a dense per-second array would be absurdly large.
 */
#define RM_TIMELINE_MAX		(7 * 24 * 3600)
/* Shards of one drill start together; a day apart, they are not one. */
#define RM_START_SPREAD_MAX	(24 * 3600)

/*
 * Top-level {"count": N, "latency": <LATENCY>} sections: reconnects
 * (break to registered again) and keep-alive round trips.  Optional;
 * merged like the steps' latencies.
 */
static const char *rm_sections[] = { "reconnect", "keepalive" };
#define RM_NSECTIONS	(sizeof(rm_sections) / sizeof(rm_sections[0]))

struct rm_second {
	json_int_t	started;
	json_int_t	ok;
	json_int_t	failed;
	json_int_t	active;
};

int
report_time_parse(const char *iso, time_t *out)
{
	struct tm	 tm;
	int		 n = 0;
	const char	*p;

	memset(&tm, 0, sizeof(tm));
	if (iso == NULL || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &n) != 6 || n != 19)
		return -1;
	p = iso + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

static void
rm_time_iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A required non-negative integer member. */
static int
rm_count(const json_t *o, const char *key, json_int_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* The name of o's first member that is no non-negative integer, or NULL. */
static const char *
rm_bad_count(const json_t *o)
{
	const json_t	*v;
	const char	*name;

	json_object_foreach((json_t *)o, name, v)
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return name;
	return NULL;
}

/* An integer member of a checked report (0 when absent). */
static json_int_t
rm_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
rm_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Checks a <LATENCY> object by parsing it. */
static int
rm_check_latency(const json_t *lat, const char *what, char *err,
    size_t errlen)
{
	struct histogram	*h;
	char			 herr[160];

	if ((h = histogram_from_json(lat, herr, sizeof(herr))) == NULL) {
		snprintf(err, errlen, "%s: %s", what, herr);
		return -1;
	}
	histogram_free(h);
	return 0;
}

static int
rm_check_step(const json_t *st, size_t i, char *err, size_t errlen)
{
	const json_t	*verdicts, *statuses, *v;
	const char	*name;
	json_int_t	 n;
	char		 what[64];

	if (!json_is_object(st)) {
		snprintf(err, errlen, "step %zu is not an object", i);
		return -1;
	}
	if (rm_count(st, "index", &n) == -1 || (size_t)n != i) {
		snprintf(err, errlen, "step %zu: \"index\" is not %zu", i, i);
		return -1;
	}
	if (rm_str(st, "kind") == NULL || rm_str(st, "label") == NULL) {
		snprintf(err, errlen, "step %zu: \"kind\" or \"label\" is "
		    "missing", i);
		return -1;
	}
	if (rm_count(st, "attempts", &n) == -1 ||
	    rm_count(st, "ok", &n) == -1 || rm_count(st, "failed", &n) == -1) {
		snprintf(err, errlen, "step %zu: \"attempts\", \"ok\" and "
		    "\"failed\" must be non-negative integers", i);
		return -1;
	}
	if (!json_is_object(verdicts = json_object_get(st, "verdicts"))) {
		snprintf(err, errlen, "step %zu: \"verdicts\" is not an "
		    "object", i);
		return -1;
	}
	if ((name = rm_bad_count(verdicts)) != NULL) {
		snprintf(err, errlen, "step %zu: verdict \"%s\" is not "
		    "a non-negative integer", i, name);
		return -1;
	}
	/* "statuses" (final SIP status: count) is newer: optional. */
	if ((statuses = json_object_get(st, "statuses")) != NULL) {
		if (!json_is_object(statuses)) {
			snprintf(err, errlen, "step %zu: \"statuses\" is not "
			    "an object", i);
			return -1;
		}
		json_object_foreach((json_t *)statuses, name, v) {
			char *end;
			long code = strtol(name, &end, 10);

			if (*end != '\0' || code < 100 || code > 699 ||
			    !json_is_integer(v) || json_integer_value(v) < 0) {
				snprintf(err, errlen, "step %zu: status "
				    "\"%.16s\" is not a SIP status with a "
				    "non-negative count", i, name);
				return -1;
			}
		}
	}
	if (json_object_get(st, "expect") != NULL &&
	    rm_str(st, "expect") == NULL) {
		snprintf(err, errlen, "step %zu: \"expect\" is not a string",
		    i);
		return -1;
	}
	snprintf(what, sizeof(what), "step %zu latency", i);
	return rm_check_latency(json_object_get(st, "latency"), what, err,
	    errlen);
}

static int
rm_check_timeline(const json_t *tl, char *err, size_t errlen)
{
	const json_t	*e;
	json_int_t	 n;
	size_t		 i;

	if (tl == NULL || json_is_null(tl))
		return 0;
	if (!json_is_array(tl)) {
		snprintf(err, errlen, "\"timeline\" is not an array");
		return -1;
	}
	json_array_foreach(tl, i, e) {
		if (!json_is_object(e) || rm_count(e, "second", &n) == -1 ||
		    n > RM_TIMELINE_MAX || rm_count(e, "started", &n) == -1 ||
		    rm_count(e, "ok", &n) == -1 ||
		    rm_count(e, "failed", &n) == -1 ||
		    rm_count(e, "active", &n) == -1) {
			snprintf(err, errlen, "timeline entry %zu: \"second\", "
			    "\"started\", \"ok\", \"failed\" and \"active\" "
			    "must be non-negative integers", i);
			return -1;
		}
	}
	return 0;
}

/*
 * The top of a report: the version, the scenario's name, the settings,
 * the times and the summary counts.
 */
static int
rm_check_head(const json_t *r, char *err, size_t errlen)
{
	const json_t	*v, *o;
	json_int_t	 n;
	time_t		 t;

	if (!json_is_object(r)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	if ((v = json_object_get(r, "sipcanary_report")) == NULL) {
		snprintf(err, errlen, "not a sipcanary drill report (no "
		    "\"sipcanary_report\" key)");
		return -1;
	}
	if (!json_is_integer(v) ||
	    json_integer_value(v) != REPORT_DRILL_VERSION) {
		snprintf(err, errlen, "drill report version %lld is not "
		    "supported (this sipcanary reads version %d)",
		    json_is_integer(v) ? (long long)json_integer_value(v) :
		    -1LL,
		    REPORT_DRILL_VERSION);
		return -1;
	}
	if (rm_str(json_object_get(r, "scenario"), "name") == NULL) {
		snprintf(err, errlen, "no scenario name");
		return -1;
	}
	o = json_object_get(r, "settings");
	v = json_object_get(o, "max_failure_ratio");
	if (!json_is_number(v) || !(json_number_value(v) >= 0)) {
		snprintf(err, errlen, "settings.max_failure_ratio is missing "
		    "or negative");
		return -1;
	}
	o = json_object_get(r, "environment");
	if (report_time_parse(rm_str(o, "started"), &t) == -1 ||
	    report_time_parse(rm_str(o, "ended"), &t) == -1) {
		snprintf(err, errlen, "environment.started or .ended is not a "
		    "UTC time like 2026-11-28T12:00:00Z");
		return -1;
	}
	o = json_object_get(r, "summary");
	if (!json_is_object(o) || rm_count(o, "clients", &n) == -1 ||
	    rm_count(o, "clients_ok", &n) == -1 ||
	    rm_count(o, "clients_failed", &n) == -1 ||
	    rm_count(o, "expectations", &n) == -1 ||
	    rm_count(o, "expectations_failed", &n) == -1) {
		snprintf(err, errlen, "summary counts are missing or not "
		    "non-negative integers");
		return -1;
	}
	return 0;
}

/*
 * The optional top-level sections: {"count": N, "latency": ...}, and for
 * keep-alives "kinds" ({"ws_crlf": N, ...}; newer, optional).
 */
static int
rm_check_sections(const json_t *r, char *err, size_t errlen)
{
	const json_t	*o, *kinds;
	char		 what[64];
	json_int_t	 n;
	size_t		 i;

	for (i = 0; i < RM_NSECTIONS; i++) {
		o = json_object_get(r, rm_sections[i]);
		if (o == NULL || json_is_null(o))
			continue;
		if (rm_count(o, "count", &n) == -1) {
			snprintf(err, errlen, "%s.count is not a non-negative "
			    "integer", rm_sections[i]);
			return -1;
		}
		snprintf(what, sizeof(what), "%s latency", rm_sections[i]);
		if (rm_check_latency(json_object_get(o, "latency"), what, err,
		    errlen) == -1)
			return -1;
		kinds = json_object_get(o, "kinds");
		if (kinds != NULL && (!json_is_object(kinds) ||
		    rm_bad_count(kinds) != NULL)) {
			snprintf(err, errlen, "%s.kinds is not an object of "
			    "non-negative integers", rm_sections[i]);
			return -1;
		}
	}
	return 0;
}

/* Whether r and ref (both checked) are of one drill: scenario and steps. */
static int
rm_check_same(const json_t *r, const json_t *ref, char *err, size_t errlen)
{
	const json_t	*steps, *rsteps, *st, *rst;
	const char	*name, *rname;
	size_t		 i;

	name = rm_str(json_object_get(r, "scenario"), "name");
	rname = rm_str(json_object_get(ref, "scenario"), "name");
	if (rname == NULL || strcmp(name, rname) != 0) {
		snprintf(err, errlen, "scenario is \"%s\", the first report's "
		    "is \"%s\"", name, rname ? rname : "");
		return -1;
	}
	steps = json_object_get(r, "steps");
	rsteps = json_object_get(ref, "steps");
	if (json_array_size(steps) != json_array_size(rsteps)) {
		snprintf(err, errlen, "%zu steps, the first report has %zu",
		    json_array_size(steps), json_array_size(rsteps));
		return -1;
	}
	json_array_foreach(steps, i, st) {
		rst = json_array_get(rsteps, i);
		if (strcmp(rm_str(st, "kind"), rm_str(rst, "kind")) != 0 ||
		    strcmp(rm_str(st, "label"), rm_str(rst, "label")) != 0) {
			snprintf(err, errlen, "step %zu is %s \"%s\", the "
			    "first report's step %zu is %s \"%s\"", i,
			    rm_str(st, "kind"), rm_str(st, "label"), i,
			    rm_str(rst, "kind"), rm_str(rst, "label"));
			return -1;
		}
	}
	return 0;
}

int
report_check(const json_t *r, const json_t *ref, char *err, size_t errlen)
{
	const json_t	*steps, *st;
	size_t		 i;

	if (rm_check_head(r, err, errlen) == -1)
		return -1;
	if (!json_is_array(steps = json_object_get(r, "steps"))) {
		snprintf(err, errlen, "\"steps\" is not an array");
		return -1;
	}
	json_array_foreach(steps, i, st)
		if (rm_check_step(st, i, err, errlen) == -1)
			return -1;
	if (rm_check_timeline(json_object_get(r, "timeline"), err,
	    errlen) == -1 || rm_check_sections(r, err, errlen) == -1)
		return -1;
	if (ref == NULL)
		return 0;
	return rm_check_same(r, ref, err, errlen);
}

/* Sets o[key] = v (stolen); remembers a failure in *bad. */
static void
rm_set(json_t *o, const char *key, json_t *v, int *bad)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		*bad = 1;
}

/* o when every rm_set() on it worked, else NULL (o released). */
static json_t *
rm_built(json_t *o, int bad)
{
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
rm_ratio(json_int_t num, json_int_t den)
{
	return den > 0 ? json_real((double)num / (double)den) : json_null();
}

/*
 * Merges the <LATENCY> objects of step `step`, or of the top-level
 * section if section is not NULL, of every report (missing ones count
 * as empty) into a new <LATENCY>.
 */
static json_t *
rm_merge_latency(json_t **reports, size_t n, const char *section,
    size_t step, char *err, size_t errlen)
{
	struct histogram	*sum = NULL, *h;
	const json_t		*lat;
	json_t			*out = NULL;
	char			 herr[160];
	size_t			 i;

	if ((sum = histogram_new()) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (section != NULL)
			lat = json_object_get(json_object_get(reports[i],
			    section), "latency");
		else
			lat = json_object_get(json_array_get(json_object_get(
			    reports[i], "steps"), step), "latency");
		if (lat == NULL)
			continue;
		if ((h = histogram_from_json(lat, herr, sizeof(herr)))
		    == NULL) {
			snprintf(err, errlen, "report %zu of %zu: %s", i + 1, n,
			    herr);
			goto fail;
		}
		histogram_merge(sum, h);
		histogram_free(h);
	}
	if ((out = histogram_to_json(sum)) == NULL)
		snprintf(err, errlen, "out of memory");
 fail:
	histogram_free(sum);
	return out;
}

/*
 * Adds the counts of the object counts ("name": N) into sum, leaving out
 * zero counts when skip_zero.  sum may be NULL (out of memory): *bad.
 */
static void
rm_add_counts(json_t *sum, const json_t *counts, int skip_zero, int *bad)
{
	const json_t	*cnt;
	const char	*name;
	json_int_t	 a;

	json_object_foreach((json_t *)counts, name, cnt) {
		if (skip_zero && json_integer_value(cnt) == 0)
			continue;
		a = json_integer_value(json_object_get(sum, name)) +
		    json_integer_value(cnt);
		rm_set(sum, name, json_integer(a), bad);
	}
}

/* Step idx of every report, added up.  NULL with err. */
static json_t *
rm_merge_step(json_t **reports, size_t n, size_t idx, char *err,
    size_t errlen)
{
	const json_t	*st, *first;
	json_t		*out, *verdicts, *statuses, *lat;
	json_int_t	 attempts = 0, ok = 0, failed = 0;
	size_t		 i;
	int		 bad = 0;

	first = json_array_get(json_object_get(reports[0], "steps"), idx);
	out = json_object();
	verdicts = json_object();
	statuses = json_object();
	for (i = 0; i < n; i++) {
		st = json_array_get(json_object_get(reports[i], "steps"), idx);
		attempts += rm_int(st, "attempts");
		ok += rm_int(st, "ok");
		failed += rm_int(st, "failed");
		rm_add_counts(verdicts, json_object_get(st, "verdicts"), 1, &bad);
		rm_add_counts(statuses, json_object_get(st, "statuses"), 0, &bad);
	}
	rm_set(out, "index", json_integer((json_int_t)idx), &bad);
	rm_set(out, "kind", json_incref(json_object_get(first, "kind")), &bad);
	rm_set(out, "label", json_incref(json_object_get(first, "label")),
	    &bad);
	if (json_object_get(first, "line") != NULL)
		rm_set(out, "line", json_incref(json_object_get(first, "line")),
		    &bad);
	if (json_object_get(first, "expect") != NULL)
		rm_set(out, "expect", json_incref(json_object_get(first,
		    "expect")), &bad);
	rm_set(out, "attempts", json_integer(attempts), &bad);
	rm_set(out, "ok", json_integer(ok), &bad);
	rm_set(out, "failed", json_integer(failed), &bad);
	rm_set(out, "success_ratio", rm_ratio(ok, attempts), &bad);
	rm_set(out, "verdicts", verdicts, &bad);
	rm_set(out, "statuses", statuses, &bad);
	if (bad)
		goto nomem;
	if ((lat = rm_merge_latency(reports, n, NULL, idx, err, errlen))
	    == NULL)
		goto fail;
	rm_set(out, "latency", lat, &bad);
	if (!bad)
		return out;
 nomem:
	snprintf(err, errlen, "out of memory");
 fail:
	json_decref(out);
	return NULL;
}

/* The timelines, aligned on environment.started + second. */
static json_t *
rm_merge_timeline(json_t **reports, size_t n, time_t base, char *err,
    size_t errlen)
{
	struct rm_second	*sec = NULL;
	const json_t		*e;
	json_t			*out = NULL, *o;
	json_int_t		 s;
	time_t			 t = 0;
	size_t			 i, j, len = 0, at;
	int			 bad = 0;

	/* first pass: the length */
	for (i = 0; i < n; i++) {
		report_time_parse(rm_str(json_object_get(reports[i],
		    "environment"), "started"), &t);
		json_array_foreach(json_object_get(reports[i], "timeline"),
		    j, e) {
			s = rm_int(e, "second");
			if ((json_int_t)(t - base) + s >= RM_TIMELINE_MAX) {
				snprintf(err, errlen, "report %zu of %zu: its "
				    "timeline ends %lld s after the first "
				    "start: not a shard of the same drill?",
				    i + 1, n,
				    (long long)((t - base) + s));
				return NULL;
			}
			if ((size_t)((t - base) + s) + 1 > len)
				len = (size_t)((t - base) + s) + 1;
		}
	}
	if ((out = json_array()) == NULL)
		goto fail;
	if (len == 0)
		return out;
	if ((sec = calloc(len, sizeof(*sec))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		report_time_parse(rm_str(json_object_get(reports[i],
		    "environment"), "started"), &t);
		json_array_foreach(json_object_get(reports[i], "timeline"),
		    j, e) {
			s = rm_int(e, "second");
			at = (size_t)((t - base) + s);
			sec[at].started += rm_int(e, "started");
			sec[at].ok += rm_int(e, "ok");
			sec[at].failed += rm_int(e, "failed");
			sec[at].active += rm_int(e, "active");
		}
	}
	for (at = 0; at < len; at++) {
		o = json_pack("{sIsIsIsIsI}", "second", (json_int_t)at,
		    "started", sec[at].started, "ok", sec[at].ok,
		    "failed", sec[at].failed, "active", sec[at].active);
		if (o == NULL || json_array_append_new(out, o) == -1)
			bad = 1;
	}
	if (bad)
		goto fail;
	free(sec);
	return out;
 fail:
	snprintf(err, errlen, "out of memory");
	free(sec);
	json_decref(out);
	return NULL;
}

/* Adds s to the array of distinct strings a. */
static int
rm_distinct_add(json_t *a, const char *s)
{
	const json_t	*v;
	size_t		 i;

	if (s == NULL || *s == '\0')
		return 0;
	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return 0;
	return json_array_append_new(a, json_string(s));
}

/* The strings of a, joined with ", "; null if a is empty. */
static json_t *
rm_join(const json_t *a)
{
	const json_t	*v;
	json_t		*out;
	char		*buf;
	size_t		 i, len = 1, off = 0;

	if (json_array_size(a) == 0)
		return json_null();
	json_array_foreach(a, i, v)
		len += json_string_length(v) + 2;
	if ((buf = malloc(len)) == NULL)
		return NULL;
	json_array_foreach(a, i, v)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? ", " : "", json_string_value(v));
	out = json_string(buf);
	free(buf);
	return out;
}

/* Refuses inputs that are not reports, or one shard given twice. */
static int
rm_check_all(json_t **reports, size_t n, char *err, size_t errlen)
{
	const json_t	*shard, *other;
	char		 cerr[256];
	size_t		 i, j;

	for (i = 0; i < n; i++) {
		if (report_check(reports[i], i ? reports[0] : NULL, cerr,
		    sizeof(cerr)) == -1) {
			snprintf(err, errlen, "report %zu of %zu: %s", i + 1, n,
			    cerr);
			return -1;
		}
		/* merging one shard twice would double its counts */
		shard = json_object_get(json_object_get(reports[i], "settings"),
		    "shard");
		for (j = 0; j < i && json_is_integer(json_object_get(shard,
		    "index")); j++) {
			other = json_object_get(json_object_get(reports[j],
			    "settings"), "shard");
			if (json_object_get(shard, "count") != NULL &&
			    json_integer_value(json_object_get(shard, "count"))
			    > 1 && json_equal((json_t *)shard,
			    (json_t *)other)) {
				snprintf(err, errlen, "report %zu of %zu: "
				    "shard %lld/%lld again (report %zu is "
				    "too): the same shard given twice?",
				    i + 1, n, (long long)
				    json_integer_value(json_object_get(shard,
				    "index")), (long long)json_integer_value(
				    json_object_get(shard, "count")), j + 1);
				return -1;
			}
		}
	}
	return 0;
}

/* What a merge adds up over the reports. */
struct rm_totals {
	json_int_t	 clients;
	json_int_t	 clients_ok;
	json_int_t	 clients_failed;
	json_int_t	 expectations;
	json_int_t	 expectations_failed;
	json_int_t	 shards;	/* an earlier merge counts its own */
	json_int_t	 shard_count;	/* the largest settings.shard.count */
	double		 max_ratio;	/* the strictest one */
	time_t		 started;	/* the earliest start */
	time_t		 last_start;
	time_t		 ended;		/* the latest end */
	size_t		 first;		/* the report that started first */
	size_t		 last;		/* and the one that started last */
	int		 interrupted;
	json_t		*shardlist;	/* the shard indexes merged */
	json_t		*versions;	/* distinct sipcanary versions */
	json_t		*hosts;		/* distinct hosts */
};

static void
rm_totals_clear(struct rm_totals *tt)
{
	json_decref(tt->shardlist);
	json_decref(tt->versions);
	json_decref(tt->hosts);
}

/* Adds report i, r, to tt; -1 when out of memory. */
static int
rm_totals_add(struct rm_totals *tt, const json_t *r, size_t i)
{
	const json_t	*o, *shard;
	double		 ratio;
	json_int_t	 c;
	time_t		 t = 0;

	o = json_object_get(r, "summary");
	tt->clients += rm_int(o, "clients");
	tt->clients_ok += rm_int(o, "clients_ok");
	tt->clients_failed += rm_int(o, "clients_failed");
	tt->expectations += rm_int(o, "expectations");
	tt->expectations_failed += rm_int(o, "expectations_failed");
	tt->interrupted |= json_is_true(json_object_get(o, "interrupted"));

	/* different thresholds: the strictest one holds */
	ratio = json_number_value(json_object_get(json_object_get(r,
	    "settings"), "max_failure_ratio"));
	if (i == 0 || ratio < tt->max_ratio)
		tt->max_ratio = ratio;

	o = json_object_get(r, "environment");
	report_time_parse(rm_str(o, "started"), &t);
	if (i == 0 || t < tt->started) {
		tt->started = t;
		tt->first = i;
	}
	if (i == 0 || t > tt->last_start) {
		tt->last_start = t;
		tt->last = i;
	}
	report_time_parse(rm_str(o, "ended"), &t);
	if (i == 0 || t > tt->ended)
		tt->ended = t;
	/* a report without "shards" is one shard */
	tt->shards += rm_int(o, "shards") > 0 ? rm_int(o, "shards") : 1;
	if (rm_distinct_add(tt->versions, rm_str(o, "version")) == -1 ||
	    rm_distinct_add(tt->hosts, rm_str(o, "host")) == -1)
		return -1;

	shard = json_object_get(json_object_get(r, "settings"), "shard");
	/* which shards are in: plain ones, or an earlier merge's */
	if (json_is_integer(json_object_get(shard, "index")))
		json_array_append(tt->shardlist, json_object_get(shard,
		    "index"));
	else if (json_is_array(json_object_get(shard, "merged")))
		json_array_extend(tt->shardlist, json_object_get(shard,
		    "merged"));
	c = json_integer_value(json_object_get(shard, "count"));
	if (c > tt->shard_count)
		tt->shard_count = c;
	return 0;
}

/* Adds up the (checked) reports into tt; -1 with err. */
static int
rm_totals_sum(struct rm_totals *tt, json_t **reports, size_t n, char *err,
    size_t errlen)
{
	size_t i;

	memset(tt, 0, sizeof(*tt));
	if ((tt->shardlist = json_array()) == NULL ||
	    (tt->versions = json_array()) == NULL ||
	    (tt->hosts = json_array()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (rm_totals_add(tt, reports[i], i) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	if (tt->last_start - tt->started > RM_START_SPREAD_MAX) {
		snprintf(err, errlen, "report %zu of %zu: started %lld s after "
		    "report %zu: not a shard of the same drill?", tt->last + 1,
		    n, (long long)(tt->last_start - tt->started),
		    tt->first + 1);
		return -1;
	}
	return 0;
}

/* The drill's settings are the first shard's, but for the shard. */
static json_t *
rm_settings(const json_t *first, const struct rm_totals *tt, size_t n)
{
	json_t	*settings;
	int	 bad = 0;

	if ((settings = json_deep_copy(json_object_get(first, "settings")))
	    == NULL)
		return NULL;
	rm_set(settings, "max_failure_ratio", json_real(tt->max_ratio), &bad);
	rm_set(settings, "shard", json_pack("{snsIsO}", "index",
	    "count", tt->shard_count > 0 ? tt->shard_count : (json_int_t)n,
	    "merged", tt->shardlist), &bad);
	return rm_built(settings, bad);
}

static json_t *
rm_environment(const struct rm_totals *tt)
{
	json_t	*env;
	char	 tbuf[32];
	int	 bad = 0;

	if ((env = json_object()) == NULL)
		return NULL;
	rm_set(env, "version", rm_join(tt->versions), &bad);
	rm_set(env, "host", rm_join(tt->hosts), &bad);
	rm_time_iso(tt->started, tbuf, sizeof(tbuf));
	rm_set(env, "started", json_string(tbuf), &bad);
	rm_time_iso(tt->ended, tbuf, sizeof(tbuf));
	rm_set(env, "ended", json_string(tbuf), &bad);
	rm_set(env, "shards", json_integer(tt->shards), &bad);
	return rm_built(env, bad);
}

static json_t *
rm_summary(const struct rm_totals *tt)
{
	json_t	*sum;
	double	 ratio;
	int	 bad = 0;

	ratio = tt->expectations > 0 ? (double)tt->expectations_failed /
	    (double)tt->expectations : 0;
	if ((sum = json_object()) == NULL)
		return NULL;
	rm_set(sum, "clients", json_integer(tt->clients), &bad);
	rm_set(sum, "clients_ok", json_integer(tt->clients_ok), &bad);
	rm_set(sum, "clients_failed", json_integer(tt->clients_failed), &bad);
	rm_set(sum, "expectations", json_integer(tt->expectations), &bad);
	rm_set(sum, "expectations_failed",
	    json_integer(tt->expectations_failed), &bad);
	rm_set(sum, "failure_ratio", json_real(ratio), &bad);
	/* like the engine: an interrupted drill did not pass */
	rm_set(sum, "passed", json_boolean(ratio <= tt->max_ratio &&
	    !tt->interrupted), &bad);
	rm_set(sum, "interrupted", json_boolean(tt->interrupted), &bad);
	return rm_built(sum, bad);
}

/* The steps, merged index by index; NULL with err. */
static json_t *
rm_merge_steps(json_t **reports, size_t n, char *err, size_t errlen)
{
	json_t	*steps, *v;
	size_t	 i, nsteps;

	if ((steps = json_array()) == NULL)
		goto nomem;
	nsteps = json_array_size(json_object_get(reports[0], "steps"));
	for (i = 0; i < nsteps; i++) {
		if ((v = rm_merge_step(reports, n, i, err, errlen)) == NULL)
			goto fail;
		if (json_array_append_new(steps, v) == -1)
			goto nomem;
	}
	return steps;
 nomem:
	snprintf(err, errlen, "out of memory");
 fail:
	json_decref(steps);
	return NULL;
}

/* The top-level sections that any report has, merged into out. */
static int
rm_merge_sections(json_t *out, json_t **reports, size_t n, int *bad,
    char *err, size_t errlen)
{
	const json_t	*o;
	json_t		*v, *sec, *kinds;
	json_int_t	 count;
	size_t		 i, j;
	int		 have;

	for (j = 0; j < RM_NSECTIONS; j++) {
		kinds = NULL;
		for (i = 0, have = 0, count = 0; i < n; i++) {
			o = json_object_get(reports[i], rm_sections[j]);
			if (json_is_object(o)) {
				have = 1;
				count += rm_int(o, "count");
			}
			if (json_is_object(json_object_get(o, "kinds"))) {
				if (kinds == NULL)
					kinds = json_object();
				rm_add_counts(kinds, json_object_get(o,
				    "kinds"), 0, bad);
			}
		}
		if (!have)
			continue;
		if ((v = rm_merge_latency(reports, n, rm_sections[j], 0, err,
		    errlen)) == NULL) {
			json_decref(kinds);
			return -1;
		}
		sec = json_pack("{sIso}", "count", count, "latency", v);
		if (sec != NULL && kinds != NULL)
			rm_set(sec, "kinds", kinds, bad);
		else
			json_decref(kinds);
		rm_set(out, rm_sections[j], sec, bad);
	}
	return 0;
}

json_t *
report_merge(json_t **reports, size_t n, char *err, size_t errlen)
{
	struct rm_totals	 tt;
	json_t			*out = NULL, *v;
	int			 bad = 0;

	if (n == 0) {
		snprintf(err, errlen, "no reports to merge");
		return NULL;
	}
	if (rm_check_all(reports, n, err, errlen) == -1)
		return NULL;
	if (rm_totals_sum(&tt, reports, n, err, errlen) == -1)
		goto fail;
	if ((out = json_object()) == NULL)
		goto nomem;
	rm_set(out, "sipcanary_report", json_integer(REPORT_DRILL_VERSION),
	    &bad);
	rm_set(out, "scenario", json_deep_copy(json_object_get(reports[0],
	    "scenario")), &bad);
	rm_set(out, "settings", rm_settings(reports[0], &tt, n), &bad);
	rm_set(out, "environment", rm_environment(&tt), &bad);
	rm_set(out, "summary", rm_summary(&tt), &bad);
	if (bad)
		goto nomem;
	if ((v = rm_merge_steps(reports, n, err, errlen)) == NULL)
		goto fail;
	rm_set(out, "steps", v, &bad);
	if ((v = rm_merge_timeline(reports, n, tt.started, err, errlen))
	    == NULL)
		goto fail;
	rm_set(out, "timeline", v, &bad);
	if (rm_merge_sections(out, reports, n, &bad, err, errlen) == -1)
		goto fail;
	if (bad)
		goto nomem;
	rm_totals_clear(&tt);
	return out;
 nomem:
	snprintf(err, errlen, "out of memory");
 fail:
	rm_totals_clear(&tt);
	json_decref(out);
	return NULL;
}
