/*
 * report_html.c - the drill report as one self-contained HTML page, for
 * the people in the incident channel.
 *
 * Owns: reading the report into the rendering state (internal.h) and
 * the page: summary paragraph for on-call, key figures, verdict
 * breakdown per step, settings.  Its three inline SVG charts are drawn
 * by report_charts.c.
 *
 * Why so plain: the page is attached to tickets and opened years later,
 * offline, from mail.  No scripts, fonts, images or links to fetch; CSS
 * and SVG are inline.  Every string from the report is escaped, since a
 * scenario file or a shard report can come from anyone.
 *
 * Stable hooks for tests and for people who scrape the page: ids
 * "verdict", "description", "summary", "figures", "verdicts" (the
 * table, one tr.step per step), "chart-latency", "chart-timeline",
 * "chart-reconnect", "settings".
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/html.h"
#include "drill/histogram.h"
#include "drill/internal.h"
#include "drill/report_html.h"
#include "drill/report_merge.h"
#include "sipcanary.h"

json_int_t
rh_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A number member, or -1 when it is missing or null. */
static double
rh_num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : -1;
}

const char *
rh_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/*
 * Like html_escape_file(), with a line-break opportunity after each '_',
 * so that long verdict codes in column heads wrap instead of widening the
 * table.
 */
static void
rh_esc_wbr(FILE *out, const char *s)
{
	char	 buf[64];
	size_t	 n;

	while (*s != '\0') {
		n = strcspn(s, "_");
		if (s[n] == '_')
			n++;
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		html_escape_file(out, buf);
		s += n;
		if (buf[n - 1] == '_' && *s != '\0')
			fputs("<wbr>", out);
	}
}

/* A duration for people: "87 µs", "4.21 ms", "612 ms", "2.00 s". */
const char *
rh_dur(double s, char *buf, size_t len)
{
	if (s < 0 || isnan(s))
		snprintf(buf, len, "\xe2\x80\x93");	/* en dash: none */
	else if (s < 10e-6)
		snprintf(buf, len, "%.1f \xc2\xb5s", s * 1e6);
	else if (s < 1e-3)
		snprintf(buf, len, "%.0f \xc2\xb5s", s * 1e6);
	else if (s < 10e-3)
		snprintf(buf, len, "%.2f ms", s * 1e3);
	else if (s < 100e-3)
		snprintf(buf, len, "%.1f ms", s * 1e3);
	else if (s < 1)
		snprintf(buf, len, "%.0f ms", s * 1e3);
	else if (s < 100)
		snprintf(buf, len, "%.2f s", s);
	else
		snprintf(buf, len, "%.0f s", s);
	return buf;
}

/*
 * A ratio as a percentage that never rounds a failure away: 99.996%
 * is not "100%" and 0.004% is not "0%".
 */
static const char *
rh_pct(double r, char *buf, size_t len)
{
	double p = r * 100;

	if (r < 0 || isnan(r))
		snprintf(buf, len, "\xe2\x80\x93");
	else if (p == 100 || p == 0)
		snprintf(buf, len, "%.0f%%", p);
	else if (p >= 99.95)
		snprintf(buf, len, p >= 99.995 ? ">99.99%%" : "%.2f%%", p);
	else if (p < 0.05)
		snprintf(buf, len, p < 0.005 ? "<0.01%%" : "%.2f%%", p);
	else
		snprintf(buf, len, "%.1f%%", p);
	return buf;
}

/* A wall-clock span: "12 s", "4 min 05 s", "2 h 03 min". */
static const char *
rh_span(long long s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, "%lld s", s);
	else if (s < 7200)
		snprintf(buf, len, "%lld min %02lld s", s / 60, s % 60);
	else
		snprintf(buf, len, "%lld h %02lld min", s / 3600,
		    (s % 3600) / 60);
	return buf;
}

static const char *
rh_verdict_text(const char *code)
{
	int v = sc_verdict_parse(code);

	return v > 0 ? sc_verdict_describe((enum sc_verdict)v) : NULL;
}

/* A step's name for sentences: its label, and its kind if different. */
static void
rh_step_name(struct rh *rh, const json_t *st)
{
	fputs("<b>", rh->out);
	html_escape_file(rh->out, rh_str(st, "label"));
	fputs("</b>", rh->out);
	if (strcmp(rh_str(st, "label"), rh_str(st, "kind")) != 0) {
		fputs(" (", rh->out);
		html_escape_file(rh->out, rh_str(st, "kind"));
		fputs(")", rh->out);
	}
}

/* --- gathering ----------------------------------------------------------- */

static int
rh_verdict_cmp(const void *a, const void *b)
{
	const struct rh_verdict *va = a, *vb = b;

	int aok = strcmp(va->name, "ok") == 0;
	int bok = strcmp(vb->name, "ok") == 0;

	/* "ok" first, then the most frequent, then by name */
	if (aok != bok)
		return aok ? -1 : 1;
	if (va->count != vb->count)
		return va->count > vb->count ? -1 : 1;
	return strcmp(va->name, vb->name);
}

static int
rh_gather(struct rh *rh, char *err, size_t errlen)
{
	const json_t	*st, *v, *rc;
	const char	*name;
	char		 herr[160];
	size_t		 i, j, cap = 0;
	void		*p;

	rh->steps = json_object_get(rh->r, "steps");
	rh->nsteps = json_array_size(rh->steps);
	/* one more than needed: a scenario of no steps still gets an array */
	if ((rh->lat = calloc(rh->nsteps + 1, sizeof(*rh->lat))) == NULL)
		goto nomem;
	json_array_foreach(rh->steps, i, st) {
		rh->failed += rh_int(st, "failed");
		rh->lat[i] = histogram_from_json(json_object_get(st, "latency"),
		    herr, sizeof(herr));
		if (rh->lat[i] == NULL) {
			snprintf(err, errlen, "step %zu latency: %s", i, herr);
			return -1;
		}
		json_object_foreach((json_t *)json_object_get(st, "verdicts"),
		    name, v) {
			if (json_integer_value(v) == 0)
				continue;
			if (strcmp(name, "ok") != 0)
				rh->failures += json_integer_value(v);
			for (j = 0; j < rh->nverdicts; j++)
				if (strcmp(rh->verdicts[j].name, name) == 0)
					break;
			if (j == rh->nverdicts) {
				if (j == cap) {
					cap = cap ? cap * 2 : 8;
					p = reallocarray(rh->verdicts, cap,
					    sizeof(*rh->verdicts));
					if (p == NULL)
						goto nomem;
					rh->verdicts = p;
				}
				rh->verdicts[j].name = name;
				rh->verdicts[j].count = 0;
				rh->nverdicts++;
			}
			rh->verdicts[j].count += json_integer_value(v);
		}
	}
	if (rh->nverdicts > 1)
		qsort(rh->verdicts, rh->nverdicts, sizeof(*rh->verdicts),
		    rh_verdict_cmp);
	rc = json_object_get(rh->r, "reconnect");
	if (json_is_object(rc) && (rh->recon = histogram_from_json(
	    json_object_get(rc, "latency"), herr, sizeof(herr))) == NULL) {
		snprintf(err, errlen, "reconnect latency: %s", herr);
		return -1;
	}
	rc = json_object_get(rh->r, "keepalive");
	if (json_is_object(rc) && (rh->keepalive = histogram_from_json(
	    json_object_get(rc, "latency"), herr, sizeof(herr))) == NULL) {
		snprintf(err, errlen, "keepalive latency: %s", herr);
		return -1;
	}
	v = json_object_get(rh->r, "environment");
	report_time_parse(rh_str(v, "started"), &rh->started);
	report_time_parse(rh_str(v, "ended"), &rh->ended);
	return 0;
 nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * The worst step: the lowest success ratio among steps that failed
 * (more failures break ties); -1 when nothing failed.
 */
static long
rh_worst_step(struct rh *rh)
{
	const json_t	*st;
	json_int_t	 failed, wfailed = 0;
	double		 ratio, wratio = 2;
	long		 worst = -1;
	size_t		 i;

	json_array_foreach(rh->steps, i, st) {
		failed = rh_int(st, "failed");
		if (failed == 0 || rh_int(st, "attempts") == 0)
			continue;
		ratio = (double)rh_int(st, "ok") / (double)rh_int(st,
		    "attempts");
		if (ratio < wratio || (ratio == wratio && failed > wfailed)) {
			worst = (long)i;
			wratio = ratio;
			wfailed = failed;
		}
	}
	return worst;
}

/* The step with the highest p99, for a drill where nothing failed. */
static long
rh_slowest_step(struct rh *rh)
{
	double	 p, worst = -1;
	long	 slowest = -1;
	size_t	 i;

	for (i = 0; i < rh->nsteps; i++) {
		p = histogram_percentile(rh->lat[i], 0.99);
		if (p > worst) {
			worst = p;
			slowest = (long)i;
		}
	}
	return slowest;
}

/* --- the page ------------------------------------------------------------ */

static void
rh_head(struct rh *rh, int passed)
{
	const json_t *sc = json_object_get(rh->r, "scenario");

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    HTML_CSP "\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n", rh->out);
	fputs("<meta name=\"generator\" content=\"sipcanary ", rh->out);
	html_escape_file(rh->out, PACKAGE_VERSION);
	fputs("\">\n<title>", rh->out);
	fputs(passed ? "PASSED" : "FAILED", rh->out);
	fputs(" \xc2\xb7 ", rh->out);
	html_escape_file(rh->out, rh_str(sc, "name"));
	fputs(" \xc2\xb7 sipcanary drill</title>\n", rh->out);
	fputs("<style>\n"
":root{color-scheme:light;--ok:" RH_OK_COLOR ";--fail:" RH_FAIL_COLOR ";"
"--muted:#5f6368;--line:#d6d9dd}\n"
"body{font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
"\"DejaVu Sans\",sans-serif;color:#1b1e21;background:#fff;margin:0 auto;"
"max-width:1040px;padding:24px}\n"
"h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.8em 0 .5em;"
"border-bottom:1px solid var(--line);padding-bottom:.2em}\n"
".badge{display:inline-block;padding:.1em .55em;border-radius:4px;"
"color:#fff;font-size:.8em;vertical-align:.15em;letter-spacing:.04em}\n"
".badge.pass{background:var(--ok)}.badge.fail{background:var(--fail)}\n"
".badge.warn{background:#b26a00}\n"
".description{color:var(--muted);margin:.2em 0 1em}\n"
"#summary{font-size:1.05em;background:#f6f8fa;border-left:4px solid "
"var(--ok);padding:.8em 1em;margin:1em 0}\n"
"#summary.fail{border-left-color:var(--fail);background:#fdf3f3}\n"
"#figures{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}\n"
".figure{border:1px solid var(--line);border-radius:6px;padding:.5em .8em;"
"flex:1 1 0;min-width:100px}\n"
".figure .v{font-size:1.35em;font-weight:600;display:block}\n"
".figure .k{color:var(--muted);font-size:.85em}\n"
"table{border-collapse:collapse;width:100%;font-size:.9em}\n"
"th,td{padding:.3em .5em;border-bottom:1px solid var(--line);"
"text-align:right;white-space:nowrap}\n"
"th{background:#f6f8fa;font-weight:600}\n"
"th.verdict{white-space:normal;vertical-align:bottom;min-width:4em}\n"
"th.l,td.l{text-align:left;white-space:normal}\n"
"td.bad{color:var(--fail);font-weight:600}\n"
"td.zero{color:#b0b4b8}\n"
"tr.step:hover{background:#f9fafb}\n"
".kind{color:var(--muted);font-size:.85em}\n"
".scroll{overflow-x:auto}\n"
"figure{margin:1em 0}figcaption{color:var(--muted);font-size:.9em}\n"
"svg{width:100%;height:auto;display:block}\n"
"svg text{font:12px system-ui,\"DejaVu Sans\",sans-serif;fill:#3c4043}\n"
"svg .grid{stroke:#e6e8eb;stroke-width:1}\n"
"svg .axis{stroke:#9aa0a6;stroke-width:1}\n"
"svg .empty{font-size:15px;fill:var(--muted)}\n"
"dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1.2em}\n"
"dt{color:var(--muted)}dd{margin:0}\n"
"footer{color:var(--muted);font-size:.85em;margin-top:2em}\n"
"</style>\n</head>\n<body>\n", rh->out);
}

static void
rh_header(struct rh *rh, int passed, int interrupted)
{
	const json_t	*sc = json_object_get(rh->r, "scenario");
	const json_t	*set = json_object_get(rh->r, "settings");

	fprintf(rh->out, "<header>\n<h1><span id=\"verdict\" class=\"badge "
	    "%s\">%s</span> ", passed ? "pass" : "fail",
	    passed ? "PASSED" : "FAILED");
	if (interrupted)
		fputs("<span class=\"badge warn\">INTERRUPTED</span> ",
		    rh->out);
	fputs("Drill <q>", rh->out);
	html_escape_file(rh->out, rh_str(sc, "name"));
	fputs("</q>", rh->out);
	if (*rh_str(set, "target") != '\0') {
		fputs(" against ", rh->out);
		html_escape_file(rh->out, rh_str(set, "target"));
	}
	fputs("</h1>\n<p id=\"description\" class=\"description\">", rh->out);
	html_escape_file(rh->out, rh_str(sc, "description"));
	fputs("</p>\n</header>\n", rh->out);
}

/* The first sentences: which drill ran, where, when, how it ended. */
static void
rh_summary_run(struct rh *rh, int passed, int interrupted)
{
	const json_t	*sum = json_object_get(rh->r, "summary");
	const json_t	*set = json_object_get(rh->r, "settings");
	json_int_t	 shards = rh_int(json_object_get(rh->r, "environment"),
			    "shards");
	FILE		*out = rh->out;
	struct tm	 tm;
	char		 b1[32], b2[32], b3[32], day[16];

	fputs("The drill <q>", out);
	html_escape_file(out, rh_str(json_object_get(rh->r, "scenario"),
	    "name"));
	fprintf(out, "</q> ran %lld client%s", (long long)rh_int(sum,
	    "clients"), rh_int(sum, "clients") == 1 ? "" : "s");
	if (*rh_str(set, "target") != '\0') {
		fputs(" against ", out);
		html_escape_file(out, rh_str(set, "target"));
	}
	if (shards > 1)
		fprintf(out, " from %lld shards", (long long)shards);
	gmtime_r(&rh->started, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strftime(b1, sizeof(b1), "%H:%M:%S", &tm);
	gmtime_r(&rh->ended, &tm);
	strftime(b2, sizeof(b2), "%H:%M:%S", &tm);
	fprintf(out, " on %s from %s to %s UTC (%s)", day, b1, b2,
	    rh_span((long long)(rh->ended - rh->started), b3, sizeof(b3)));
	fprintf(out, ". %lld client%s completed the scenario and %lld "
	    "failed; %lld of %lld expectations failed (%s, ",
	    (long long)rh_int(sum, "clients_ok"),
	    rh_int(sum, "clients_ok") == 1 ? "" : "s",
	    (long long)rh_int(sum, "clients_failed"),
	    (long long)rh_int(sum, "expectations_failed"),
	    (long long)rh_int(sum, "expectations"),
	    rh_pct(rh_num(sum, "failure_ratio"), b1, sizeof(b1)));
	fprintf(out, "%s the allowed %s).", passed ? "within" : "above",
	    rh_pct(rh_num(set, "max_failure_ratio"), b2, sizeof(b2)));
	if (interrupted)
		fputs(" <b>The drill was interrupted before it finished</b>: "
		    "the numbers cover only what ran.", out);
}

/*
 * The most common verdict other than ok.  Sorted: the first non-ok code
 * is the most common.  A step may expect a non-ok verdict (a drill of an
 * expired certificate); when the non-ok verdicts are not exactly the
 * failures, do not call them that.
 */
static void
rh_summary_verdict(struct rh *rh)
{
	FILE		*out = rh->out;
	const char	*text;
	size_t		 i;

	for (i = 0; i < rh->nverdicts; i++)
		if (strcmp(rh->verdicts[i].name, "ok") != 0)
			break;
	if (i == rh->nverdicts)
		return;
	fprintf(out, " The most common %s was <code>",
	    rh->failures == rh->failed ? "failure" : "verdict other than ok");
	html_escape_file(out, rh->verdicts[i].name);
	fputs("</code>", out);
	if ((text = rh_verdict_text(rh->verdicts[i].name)) != NULL) {
		fputs(" (", out);
		html_escape_file(out, text);
		fputs(")", out);
	}
	fprintf(out, ", %lld of %lld%s.", (long long)rh->verdicts[i].count,
	    (long long)rh->failures,
	    rh->failures == rh->failed ? " failures" : "");
}

/* The worst step and the most common failure, or the slowest step. */
static void
rh_summary_steps(struct rh *rh)
{
	FILE		*out = rh->out;
	const json_t	*st;
	char		 b1[32], b2[32];
	long		 w;

	if ((w = rh_worst_step(rh)) != -1) {
		st = json_array_get(rh->steps, (size_t)w);
		fprintf(out, " The worst step was step %ld, ", w);
		rh_step_name(rh, st);
		fprintf(out, ": %lld of %lld attempts failed (%s success, "
		    "p99 %s).", (long long)rh_int(st, "failed"),
		    (long long)rh_int(st, "attempts"),
		    rh_pct(rh_num(st, "success_ratio"), b1, sizeof(b1)),
		    rh_dur(histogram_percentile(rh->lat[w], 0.99), b2,
		    sizeof(b2)));
		rh_summary_verdict(rh);
	} else if ((w = rh_slowest_step(rh)) != -1) {
		fputs(" No step failed; the slowest by p99 was ", out);
		rh_step_name(rh, json_array_get(rh->steps, (size_t)w));
		fprintf(out, " (p99 %s).", rh_dur(histogram_percentile(
		    rh->lat[w], 0.99), b1, sizeof(b1)));
	}
}

/* The paragraph for on-call: what happened, where, how bad, how slow. */
static void
rh_summary(struct rh *rh, int passed, int interrupted)
{
	FILE	*out = rh->out;
	char	 b1[32], b2[32], b3[32];

	fprintf(out, "<p id=\"summary\" class=\"%s\"><b>%s.</b> ",
	    passed ? "pass" : "fail", passed ? "Passed" : "Failed");
	rh_summary_run(rh, passed, interrupted);
	rh_summary_steps(rh);
	if (rh->recon != NULL && histogram_count(rh->recon) > 0)
		fprintf(out, " %llu reconnect%s (break to registered again): "
		    "p50 %s, p99 %s, slowest %s.",
		    (unsigned long long)histogram_count(rh->recon),
		    histogram_count(rh->recon) == 1 ? "" : "s",
		    rh_dur(histogram_percentile(rh->recon, 0.5), b1,
		    sizeof(b1)),
		    rh_dur(histogram_percentile(rh->recon, 0.99), b2,
		    sizeof(b2)),
		    rh_dur(histogram_max(rh->recon), b3, sizeof(b3)));
	else if (rh->recon != NULL)
		fputs(" No client reconnected.", out);
	fputs("</p>\n", out);
}

static void
rh_figure(FILE *out, const char *key, const char *value, const char *cls)
{
	fprintf(out, "<div class=\"figure\"><span class=\"v%s%s\">",
	    cls ? " " : "", cls ? cls : "");
	html_escape_file(out, value);
	fputs("</span><span class=\"k\">", out);
	html_escape_file(out, key);
	fputs("</span></div>\n", out);
}

static void
rh_figures(struct rh *rh)
{
	const json_t	*sum = json_object_get(rh->r, "summary");
	char		 v[64], b1[32], b2[32];
	long		 w;

	fputs("<section id=\"figures\">\n", rh->out);
	snprintf(v, sizeof(v), "%lld", (long long)rh_int(sum, "clients"));
	rh_figure(rh->out, "clients", v, NULL);
	snprintf(v, sizeof(v), "%lld", (long long)rh_int(sum,
	    "clients_failed"));
	rh_figure(rh->out, "clients failed", v,
	    rh_int(sum, "clients_failed") ? "bad" : NULL);
	snprintf(v, sizeof(v), "%s", rh_pct(rh_num(sum, "failure_ratio"),
	    b1, sizeof(b1)));
	snprintf(b2, sizeof(b2), "failure ratio (max %s)", rh_pct(rh_num(
	    json_object_get(rh->r, "settings"), "max_failure_ratio"), b1,
	    sizeof(b1)));
	rh_figure(rh->out, b2, v, NULL);
	if ((w = rh_worst_step(rh)) != -1) {
		snprintf(b2, sizeof(b2), "success, worst step (%ld)", w);
		rh_figure(rh->out, b2, rh_pct(rh_num(json_array_get(rh->steps,
		    (size_t)w), "success_ratio"), b1, sizeof(b1)), "bad");
	}
	if (rh->recon != NULL)
		rh_figure(rh->out, "reconnect p99", rh_dur(histogram_percentile(
		    rh->recon, 0.99), b1, sizeof(b1)), NULL);
	if (rh->keepalive != NULL && histogram_count(rh->keepalive) > 0)
		rh_figure(rh->out, "keep-alive RTT p99", rh_dur(
		    histogram_percentile(rh->keepalive, 0.99), b1, sizeof(b1)),
		    NULL);
	rh_figure(rh->out, "duration", rh_span((long long)(rh->ended -
	    rh->started), b1, sizeof(b1)), NULL);
	fputs("</section>\n", rh->out);
}

/* "200 ×490, 403 ×10": the final SIP statuses a step got. */
static void
rh_statuses(FILE *out, const json_t *statuses)
{
	const char	*code;
	const json_t	*n;
	int		 first = 1;

	json_object_foreach((json_t *)statuses, code, n) {
		if (!json_is_integer(n))
			continue;
		fputs(first ? "" : ", ", out);
		html_escape_file(out, code);
		fprintf(out, "&nbsp;&times;%lld",
		    (long long)json_integer_value(n));
		first = 0;
	}
}

/* The table's head: the fixed columns, then one per verdict code. */
static void
rh_table_head(struct rh *rh)
{
	FILE		*out = rh->out;
	const char	*text;
	size_t		 i;

	fputs("<h2>Verdicts by step</h2>\n<div class=\"scroll\">\n"
	    "<table id=\"verdicts\">\n<thead><tr><th>#</th>"
	    "<th class=\"l\">step</th><th>line</th><th>expect</th>"
	    "<th>attempts</th>"
	    "<th>success</th><th>p50</th><th>p90</th><th>p99</th>"
	    "<th>max</th>", out);
	for (i = 0; i < rh->nverdicts; i++) {
		fputs("<th class=\"verdict\"", out);
		if ((text = rh_verdict_text(rh->verdicts[i].name)) != NULL) {
			fputs(" title=\"", out);
			html_escape_file(out, text);
			fputs("\"", out);
		}
		fputs(">", out);
		rh_esc_wbr(out, rh->verdicts[i].name);
		fputs("</th>", out);
	}
	fputs("<th class=\"l\" title=\"final SIP responses\">SIP "
	    "status</th></tr></thead>\n<tbody>\n", out);
}

/* Step i's row. */
static void
rh_table_row(struct rh *rh, size_t i, const json_t *st)
{
	FILE		*out = rh->out;
	const json_t	*vs = json_object_get(st, "verdicts");
	char		 b[32];
	json_int_t	 n;
	size_t		 j;

	fprintf(out, "<tr class=\"step\" id=\"step-%zu\" data-kind=\"", i);
	html_escape_file(out, rh_str(st, "kind"));
	fprintf(out, "\"><td>%zu</td><td class=\"l\">", i);
	html_escape_file(out, rh_str(st, "label"));
	if (strcmp(rh_str(st, "label"), rh_str(st, "kind")) != 0) {
		fputs(" <span class=\"kind\">", out);
		html_escape_file(out, rh_str(st, "kind"));
		fputs("</span>", out);
	}
	fputs("</td><td>", out);
	if (json_is_integer(json_object_get(st, "line")))
		fprintf(out, "%lld", (long long)rh_int(st, "line"));
	fputs("</td><td class=\"expect\">", out);
	html_escape_file(out, rh_str(st, "expect"));
	fprintf(out, "</td><td>%lld</td>", (long long)rh_int(st, "attempts"));
	fprintf(out, "<td%s>%s</td>", rh_int(st, "failed") ? " class=\"bad\"" :
	    "", rh_pct(rh_num(st, "success_ratio"), b, sizeof(b)));
	fprintf(out, "<td>%s</td>", rh_dur(histogram_percentile(rh->lat[i],
	    0.5), b, sizeof(b)));
	fprintf(out, "<td>%s</td>", rh_dur(histogram_percentile(rh->lat[i],
	    0.9), b, sizeof(b)));
	fprintf(out, "<td>%s</td>", rh_dur(histogram_percentile(rh->lat[i],
	    0.99), b, sizeof(b)));
	fprintf(out, "<td>%s</td>", rh_dur(histogram_max(rh->lat[i]), b,
	    sizeof(b)));
	for (j = 0; j < rh->nverdicts; j++) {
		n = rh_int(vs, rh->verdicts[j].name);
		fprintf(out, "<td class=\"%s\" data-verdict=\"", n == 0 ?
		    "zero" : strcmp(rh->verdicts[j].name, "ok") == 0 ? "ok" :
		    "bad");
		html_escape_file(out, rh->verdicts[j].name);
		fprintf(out, "\">%lld</td>", (long long)n);
	}
	fputs("<td class=\"l statuses\">", out);
	rh_statuses(out, json_object_get(st, "statuses"));
	fputs("</td></tr>\n", out);
}

/* The verdict breakdown: one row per step, one column per verdict code. */
static void
rh_table(struct rh *rh)
{
	const json_t	*st;
	size_t		 i;

	rh_table_head(rh);
	json_array_foreach(rh->steps, i, st)
		rh_table_row(rh, i, st);
	fputs("</tbody>\n</table>\n</div>\n", rh->out);
}

static void
rh_dl(FILE *out, const char *key, const char *value)
{
	fputs("<dt>", out);
	html_escape_file(out, key);
	fputs("</dt><dd>", out);
	html_escape_file(out, value);
	fputs("</dd>\n", out);
}

static void
rh_settings(struct rh *rh)
{
	const json_t	*sc = json_object_get(rh->r, "scenario");
	const json_t	*set = json_object_get(rh->r, "settings");
	const json_t	*env = json_object_get(rh->r, "environment");
	const json_t	*shard = json_object_get(set, "shard"), *v;
	char		 b[64], p[32];

	fputs("<h2>Settings</h2>\n<dl id=\"settings\">\n", rh->out);
	rh_dl(rh->out, "scenario file", rh_str(sc, "file"));
	rh_dl(rh->out, "target", rh_str(set, "target"));
	rh_dl(rh->out, "connect", json_is_string(json_object_get(set,
	    "connect")) ? rh_str(set, "connect") : "frontends located per "
	    "RFC 3263");
	snprintf(b, sizeof(b), "%lld", (long long)rh_int(set, "clients"));
	rh_dl(rh->out, "clients", b);
	snprintf(b, sizeof(b), "%g per second", rh_num(set, "ramp"));
	rh_dl(rh->out, "ramp", rh_num(set, "ramp") >= 0 ? b : "");
	if (rh_num(set, "duration_seconds") >= 0)
		snprintf(b, sizeof(b), "%g s", rh_num(set, "duration_seconds"));
	else
		snprintf(b, sizeof(b), "until every client is done");
	rh_dl(rh->out, "duration", b);
	rh_dl(rh->out, "max failure ratio", rh_pct(rh_num(set,
	    "max_failure_ratio"), p, sizeof(p)));
	if (json_is_integer(json_object_get(shard, "index")))
		snprintf(b, sizeof(b), "%lld of %lld (0-based)",
		    (long long)rh_int(shard, "index"),
		    (long long)rh_int(shard, "count"));
	else if (json_array_size(v = json_object_get(shard, "merged")) == 0 &&
	    json_is_array(v))
		snprintf(b, sizeof(b), "merged from %lld reports",
		    (long long)rh_int(env, "shards"));
	else if (json_is_array(v))
		snprintf(b, sizeof(b), "merged: %zu of %lld%s",
		    json_array_size(v), (long long)rh_int(shard, "count"),
		    json_array_size(v) < (size_t)rh_int(shard, "count") ?
		    " (some shards missing)" : "");
	else
		snprintf(b, sizeof(b), "not sharded");
	rh_dl(rh->out, "shard", b);
	rh_dl(rh->out, "started", rh_str(env, "started"));
	rh_dl(rh->out, "ended", rh_str(env, "ended"));
	rh_dl(rh->out, "host", rh_str(env, "host"));
	rh_dl(rh->out, "sipcanary", rh_str(env, "version"));
	fputs("</dl>\n", rh->out);
}

int
report_html_write(FILE *out, json_t *report, char *err, size_t errlen)
{
	struct rh	 rh;
	const json_t	*sum;
	size_t		 i;
	int		 passed, interrupted, rc = -1;

	memset(&rh, 0, sizeof(rh));
	rh.out = out;
	rh.r = report;
	if (report_check(report, NULL, err, errlen) == -1)
		return -1;
	if (rh_gather(&rh, err, errlen) == -1)
		goto done;
	sum = json_object_get(report, "summary");
	passed = json_is_true(json_object_get(sum, "passed"));
	interrupted = json_is_true(json_object_get(sum, "interrupted"));

	rh_head(&rh, passed);
	rh_header(&rh, passed, interrupted);
	rh_summary(&rh, passed, interrupted);
	rh_figures(&rh);
	rh_table(&rh);
	rh_chart_latency(&rh);
	rh_chart_timeline(&rh);
	rh_chart_reconnect(&rh);
	rh_settings(&rh);
	fputs("<footer>Written by sipcanary ", out);
	html_escape_file(out, PACKAGE_VERSION);
	fputs(" from a drill report (version 1).  Percentiles come from "
	    "log buckets and read at most 12.2% high.</footer>\n"
	    "</body>\n</html>\n", out);
	if (fflush(out) == EOF || ferror(out)) {
		snprintf(err, errlen, "write error");
		goto done;
	}
	rc = 0;
 done:
	for (i = 0; i < rh.nsteps && rh.lat != NULL; i++)
		histogram_free(rh.lat[i]);
	free(rh.lat);
	histogram_free(rh.recon);
	histogram_free(rh.keepalive);
	free(rh.verdicts);
	return rc;
}
