/*
 * report_charts.c - the three inline SVG charts of the drill report page:
 * latency distribution per step (CDF on a log time axis), completed
 * steps per second (ok/failed stacked, active clients as a line), and
 * the distribution of reconnect times.
 *
 * Plain SVG: no script draws them, so the page reads the same offline
 * years later.  Every string from the report is escaped.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/html.h"
#include "drill/histogram.h"
#include "drill/internal.h"

/* Chart geometry (SVG user units; the page scales them). */
#define RH_W		960
#define RH_H		320
#define RH_LEFT		64
#define RH_RIGHT	24
#define RH_TOP		36
#define RH_BOTTOM	44
#define RH_LEGEND	200	/* the latency chart's legend column */
#define RH_AXIS2	64	/* the timeline's right-hand axis */
#define RH_MAXBARS	240	/* timeline bars before binning */
#define RH_LABEL_MAX	28	/* characters of a label in a chart */

/* Okabe-Ito, readable with the common colour blindnesses. */
static const char *rh_palette[] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
	"#6b6b6b", "#000000",
};
#define RH_NPALETTE	(sizeof(rh_palette) / sizeof(rh_palette[0]))

/* The plot area of a chart, inside its margins. */
struct rh_area {
	double	x0;	/* left */
	double	y0;	/* top */
	double	w;
	double	h;
	double	y1;	/* bottom */
};

/* The timeline added up in bins of whole seconds. */
struct rh_bins {
	json_int_t	*ok;
	json_int_t	*failed;
	json_int_t	*active;	/* at the end of the bin */
	size_t		 nsec;		/* seconds in the timeline */
	size_t		 bin;		/* seconds per bin */
	size_t		 nbins;
	double		 ymax;		/* steps in the fullest bin */
	double		 amax;		/* the most clients active */
};

/* The plot area of a chart with right units of margin on the right. */
static void
rh_area(struct rh_area *a, int right)
{
	a->x0 = RH_LEFT;
	a->y0 = RH_TOP;
	a->w = RH_W - RH_LEFT - right;
	a->h = RH_H - RH_TOP - RH_BOTTOM;
	a->y1 = a->y0 + a->h;
}

/*
 * Like html_escape_file(), but at most max characters (UTF-8 code
 * points), with an ellipsis when cut: chart labels must not run into each
 * other.
 */
static void
rh_esc_short(FILE *out, const char *s, size_t max)
{
	char	 buf[4 * RH_LABEL_MAX + 8];
	size_t	 i = 0, chars = 0;

	if (max > RH_LABEL_MAX)
		max = RH_LABEL_MAX;
	while (s[i] != '\0' && chars < max) {
		i++;
		while ((s[i] & 0xc0) == 0x80)	/* continuation bytes */
			i++;
		chars++;
	}
	if (s[i] == '\0') {
		html_escape_file(out, s);
		return;
	}
	memcpy(buf, s, i);
	buf[i] = '\0';
	html_escape_file(out, buf);
	fputs("\xe2\x80\xa6", out);	/* U+2026 */
}

/* A round duration for an axis: "200 ms", "5 s". */
static const char *
rh_dur_tick(double s, char *buf, size_t len)
{
	if (s < 1e-3)
		snprintf(buf, len, "%.3g \xc2\xb5s", s * 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else
		snprintf(buf, len, "%.3g s", s);
	return buf;
}

/* A 1-2-5 step giving at most maxticks ticks up to maxv. */
static double
rh_nice_step(double maxv, int maxticks)
{
	static const double m[] = { 1, 2, 5, 10 };
	double	 raw, mag;
	size_t	 i;

	if (maxv <= 0)
		return 1;
	raw = maxv / maxticks;
	mag = pow(10, floor(log10(raw)));
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i] * mag >= raw)
			return m[i] * mag;
	return 10 * mag;
}

/* The log10 x range [*lo, *hi] (whole decades) covering [min, max]. */
static void
rh_decades(double min, double max, int *lo, int *hi)
{
	if (!(min > 1e-6))
		min = 1e-6;
	if (!(max > min))
		max = min;
	*lo = (int)floor(log10(min) + 1e-9);
	*hi = (int)ceil(log10(max) - 1e-9);
	if (*hi <= *lo)
		*hi = *lo + 1;
}

static double
rh_logx(double v, int lo, int hi, double x0, double w)
{
	double l;

	if (!(v > 0))
		return x0;
	l = (log10(v) - lo) / (hi - lo);
	if (l < 0)
		l = 0;
	if (l > 1)
		l = 1;
	return x0 + l * w;
}

static const char *
rh_decade_label(int d)
{
	static const char *labels[] = {
		"1 \xc2\xb5s", "10 \xc2\xb5s", "100 \xc2\xb5s", "1 ms",
		"10 ms", "100 ms", "1 s", "10 s", "100 s", "1000 s",
		"10\xe2\x81\xb4 s", "10\xe2\x81\xb5 s", "10\xe2\x81\xb6 s",
	};

	if (d < -6 || d > 6)
		return "";
	return labels[d + 6];
}

/* A log time axis with decade grid lines and 2x/5x minor ticks. */
static void
rh_log_axis(FILE *out, int lo, int hi, const struct rh_area *a)
{
	double	 x;
	char	 buf[32];
	int	 d, m;

	for (d = lo; d <= hi; d++) {
		x = rh_logx(pow(10, d), lo, hi, a->x0, a->w);
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n", x, a->y0, x, a->y1);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%s</text>\n", x, a->y1 + 18,
		    rh_decade_label(d));
		for (m = 2; m <= 5 && d < hi; m += 3) {
			x = rh_logx(m * pow(10, d), lo, hi, a->x0, a->w);
			fprintf(out, "<line class=\"axis\" x1=\"%.1f\" "
			    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, a->y1,
			    x, a->y1 + 4);
			/* a short axis has room for 2x and 5x labels */
			if (hi - lo <= 2)
				fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" "
				    "text-anchor=\"middle\" font-size=\"11\">"
				    "%s</text>\n", x, a->y1 + 18,
				    rh_dur_tick(m * pow(10, d), buf,
				    sizeof(buf)));
		}
	}
	fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", a->x0, a->y1, a->x0 + a->w, a->y1);
}

/* Horizontal grid lines labelled with their value, up to ymax. */
static void
rh_y_grid(FILE *out, const struct rh_area *a, double ymax, double step)
{
	double v, y;

	for (v = 0; v <= ymax + step / 2; v += step) {
		y = a->y1 - a->h * v / ymax;
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%g</text>\n", a->x0, y, a->x0 + a->w,
		    y, a->x0 - 6, y + 4, v);
	}
}

static void
rh_svg_open(FILE *out, const char *id, const char *title, int h)
{
	fprintf(out, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
	    id, RH_W, h, title);
}

static void
rh_svg_empty(FILE *out, int h, const char *msg)
{
	fprintf(out, "<rect x=\"0.5\" y=\"0.5\" width=\"%d\" height=\"%d\" "
	    "fill=\"#fafbfc\" stroke=\"#d6d9dd\"/>\n<text class=\"empty\" "
	    "x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
	    RH_W - 1, h - 1, RH_W / 2, h / 2, msg);
}

/* A chart with nothing to draw: the message, and the figure closed. */
static void
rh_chart_empty(FILE *out, const char *msg)
{
	rh_svg_empty(out, RH_H, msg);
	fputs("</svg>\n</figure>\n", out);
}

/* --- (a) latency by step ----------------------------------------------- */

/* The range of the step latencies measured; -1 when none was. */
static int
rh_latency_range(const struct rh *rh, double *min, double *max)
{
	size_t i;

	*min = INFINITY;
	*max = 0;
	for (i = 0; i < rh->nsteps; i++) {
		if (histogram_count(rh->lat[i]) == 0)
			continue;
		if (histogram_min(rh->lat[i]) < *min)
			*min = histogram_min(rh->lat[i]);
		if (histogram_max(rh->lat[i]) > *max)
			*max = histogram_max(rh->lat[i]);
	}
	return *max == 0 && isinf(*min) ? -1 : 0;
}

/* Shares of attempts up, the p50/p90/p99 levels, log time across. */
static void
rh_latency_axes(FILE *out, const struct rh_area *a, int lo, int hi)
{
	static const double levels[] = { 0.5, 0.9, 0.99 };
	double	 y;
	size_t	 k;

	for (k = 0; k <= 4; k++) {
		y = a->y1 - a->h * (double)k / 4;
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%zu%%</text>\n", a->x0, y,
		    a->x0 + a->w, y, a->x0 - 6, y + 4, k * 25);
	}
	for (k = 0; k < sizeof(levels) / sizeof(levels[0]); k++) {
		y = a->y1 - a->h * levels[k];
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#9aa0a6\" stroke-dasharray=\"4 3\"/>"
		    "\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">p%g"
		    "</text>\n", a->x0, y, a->x0 + a->w, y, a->x0 + a->w + 4,
		    y + 4, levels[k] * 100);
	}
	rh_log_axis(out, lo, hi, a);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time "
	    "to complete the step (log scale)</text>\n", a->x0 + a->w / 2,
	    RH_H - 4);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\">share of attempts done "
	    "within that time</text>\n", a->x0, RH_TOP - 14);
}

/* Past the palette, lines repeat its colours dashed. */
static const char *
rh_dash(size_t shown)
{
	return shown >= RH_NPALETTE ? " stroke-dasharray=\"6 3\"" : "";
}

/*
 * Step i's line, the shown-th drawn.  Within a bucket the line is
 * straight (log-linear interpolation); across empty buckets it is flat.
 */
static void
rh_latency_series(struct rh *rh, const struct rh_area *a, size_t i,
    size_t shown, int lo, int hi)
{
	FILE			*out = rh->out;
	const struct histogram	*lat = rh->lat[i];
	double			 lower, upper, cum, prev;
	uint64_t		 n = histogram_count(lat), seen = 0;
	size_t			 b;
	char			 b1[32];

	fprintf(out, "<g class=\"series\" data-step=\"%zu\"><title>step %zu, ",
	    i, i);
	html_escape_file(out, rh_str(json_array_get(rh->steps, i), "label"));
	fprintf(out, ": p50 %s", rh_dur(histogram_percentile(lat, 0.5), b1,
	    sizeof(b1)));
	fprintf(out, ", p99 %s", rh_dur(histogram_percentile(lat, 0.99), b1,
	    sizeof(b1)));
	fprintf(out, ", max %s (%llu)</title>\n", rh_dur(histogram_max(lat),
	    b1, sizeof(b1)), (unsigned long long)n);
	fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\""
	    "%s points=\"", rh_palette[shown % RH_NPALETTE], rh_dash(shown));
	for (b = 0; b < histogram_nbuckets(); b++) {
		if (histogram_bucket_count(lat, b) == 0)
			continue;
		lower = histogram_bucket_lower(b);
		upper = histogram_bucket_upper(b);
		if (lower < histogram_min(lat))
			lower = histogram_min(lat);
		if (upper > histogram_max(lat))
			upper = histogram_max(lat);
		prev = (double)seen / (double)n;
		seen += histogram_bucket_count(lat, b);
		cum = (double)seen / (double)n;
		fprintf(out, "%s%.1f,%.1f %.1f,%.1f", prev > 0 ? " " : "",
		    rh_logx(lower, lo, hi, a->x0, a->w), a->y1 - a->h * prev,
		    rh_logx(upper, lo, hi, a->x0, a->w), a->y1 - a->h * cum);
	}
	fprintf(out, " %.1f,%.1f\"/>\n", a->x0 + a->w, a->y0);
	/* the p99 point, where on-call looks first */
	fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n"
	    "</g>\n", rh_logx(histogram_percentile(lat, 0.99), lo, hi, a->x0,
	    a->w), a->y1 - a->h * 0.99, rh_palette[shown % RH_NPALETTE]);
}

/* Step i's entry in the legend column, while there is room. */
static void
rh_latency_legend(struct rh *rh, size_t i, size_t shown)
{
	double lvl = RH_TOP + 8 + 20.0 * (double)shown, x;

	if (lvl >= RH_H - 10)
		return;
	x = RH_W - RH_RIGHT - RH_LEGEND + 40;
	fprintf(rh->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>\n<text "
	    "x=\"%.1f\" y=\"%.1f\">%zu ", x, lvl, x + 18, lvl,
	    rh_palette[shown % RH_NPALETTE], rh_dash(shown), x + 24, lvl + 4,
	    i);
	rh_esc_short(rh->out, rh_str(json_array_get(rh->steps, i), "label"),
	    RH_LABEL_MAX - 4);
	fputs("</text>\n", rh->out);
}

/*
 * (a) Latency per step as cumulative distributions on a log time axis:
 * one line per step, so steps compare at a glance, and p50/p90/p99 are
 * where a line crosses the dashed levels.
 */
void
rh_chart_latency(struct rh *rh)
{
	struct rh_area	 a;
	double		 min, max;
	size_t		 i, shown = 0;
	int		 lo, hi;

	fputs("<h2>Latency by step</h2>\n<figure>\n", rh->out);
	rh_svg_open(rh->out, "chart-latency", "Latency distribution per step",
	    RH_H);
	if (rh_latency_range(rh, &min, &max) == -1) {
		rh_chart_empty(rh->out, "No step latency was measured.");
		return;
	}
	rh_area(&a, RH_RIGHT + RH_LEGEND);
	rh_decades(min, max, &lo, &hi);
	rh_latency_axes(rh->out, &a, lo, hi);
	for (i = 0; i < rh->nsteps; i++) {
		if (histogram_count(rh->lat[i]) == 0)
			continue;
		rh_latency_series(rh, &a, i, shown, lo, hi);
		rh_latency_legend(rh, i, shown);
		shown++;
	}
	fputs("</svg>\n<figcaption>Each line is one step: the share of its "
	    "attempts (ok or failed) that completed within the time on the "
	    "x axis.  A dot marks the step's p99.  Buckets are 1/20 "
	    "decade wide, so read times to within 12%.</figcaption>\n"
	    "</figure>\n", rh->out);
}

/* --- (b) over time ------------------------------------------------------ */

static void
rh_tick_label(long long s, long long total, char *buf, size_t len)
{
	if (total < 120)
		snprintf(buf, len, "%lld s", s);
	else if (total < 7200)
		snprintf(buf, len, "%lld:%02lld", s / 60, s % 60);
	else
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600,
		    (s / 60) % 60, s % 60);
}

/* How many seconds the timeline covers. */
static size_t
rh_timeline_seconds(const json_t *tl)
{
	const json_t	*e;
	size_t		 i, nsec = 0;

	json_array_foreach(tl, i, e)
		if ((size_t)rh_int(e, "second") + 1 > nsec)
			nsec = (size_t)rh_int(e, "second") + 1;
	return nsec;
}

/*
 * Adds the timeline up in bins of bs->bin seconds, at most RH_MAXBARS of
 * them; -1 when out of memory.
 */
static int
rh_bins_fill(struct rh_bins *bs, const json_t *tl)
{
	const json_t	*e;
	json_int_t	 s;
	size_t		 i;

	bs->bin = (bs->nsec + RH_MAXBARS - 1) / RH_MAXBARS;
	bs->nbins = (bs->nsec + bs->bin - 1) / bs->bin;
	bs->ok = calloc(bs->nbins, sizeof(*bs->ok));
	bs->failed = calloc(bs->nbins, sizeof(*bs->failed));
	bs->active = calloc(bs->nbins, sizeof(*bs->active));
	if (bs->ok == NULL || bs->failed == NULL || bs->active == NULL)
		return -1;
	json_array_foreach(tl, i, e) {
		s = rh_int(e, "second");
		bs->ok[s / bs->bin] += rh_int(e, "ok");
		bs->failed[s / bs->bin] += rh_int(e, "failed");
		/* at the end of the bin: the last second of it wins */
		bs->active[s / bs->bin] = rh_int(e, "active");
	}
	for (i = 0; i < bs->nbins; i++) {
		if ((double)(bs->ok[i] + bs->failed[i]) > bs->ymax)
			bs->ymax = (double)(bs->ok[i] + bs->failed[i]);
		if ((double)bs->active[i] > bs->amax)
			bs->amax = (double)bs->active[i];
	}
	return 0;
}

/* The left-hand axis, steps per bin; returns its top value. */
static double
rh_timeline_yaxis(FILE *out, const struct rh_area *a,
    const struct rh_bins *bs)
{
	double	 step = rh_nice_step(bs->ymax, 5), ymax;
	char	 b[32];

	ymax = bs->ymax > 0 ? ceil(bs->ymax / step) * step : 1;
	rh_y_grid(out, a, ymax, step);
	if (bs->bin == 1)
		snprintf(b, sizeof(b), "second");
	else
		snprintf(b, sizeof(b), "%zu s", bs->bin);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\">steps completed per %s</text>"
	    "\n", a->x0 - 40, RH_TOP - 14, b);
	return ymax;
}

/* Bin i's bar: ok below, failed stacked above. */
static void
rh_timeline_bar(FILE *out, const struct rh_area *a, const struct rh_bins *bs,
    size_t i, double ymax)
{
	double	 bw = a->w / (double)bs->nbins, x = a->x0 + bw * (double)i;
	double	 hf = a->h * (double)bs->failed[i] / ymax;
	double	 hok = a->h * (double)bs->ok[i] / ymax;
	char	 b[32];

	fputs("<g class=\"bin\"><title>", out);
	rh_tick_label((long long)(i * bs->bin), (long long)bs->nsec, b,
	    sizeof(b));
	html_escape_file(out, b);
	fprintf(out, ": %lld ok, %lld failed, %lld active</title>",
	    (long long)bs->ok[i], (long long)bs->failed[i],
	    (long long)bs->active[i]);
	if (bs->ok[i] > 0)
		fprintf(out, "<rect class=\"ok\" x=\"%.2f\" y=\"%.2f\" "
		    "width=\"%.2f\" height=\"%.2f\" fill=\"" RH_OK_COLOR
		    "\"/>", x + bw * 0.1, a->y1 - hok, bw * 0.8, hok);
	/*
	 * A few failures among many successes would be a hairline: give
	 * them 3 units at least and, where there is room, their number
	 * above the bar.
	 */
	if (bs->failed[i] > 0) {
		fprintf(out, "<rect class=\"failed\" x=\"%.2f\" y=\"%.2f\" "
		    "width=\"%.2f\" height=\"%.2f\" fill=\"" RH_FAIL_COLOR
		    "\"/>", x + bw * 0.1, a->y1 - hok - (hf < 3 ? 3 : hf),
		    bw * 0.8, hf < 3 ? 3 : hf);
		if (bw >= 14)
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"middle\" font-size=\"11\" "
			    "style=\"fill:" RH_FAIL_COLOR "\">%lld</text>",
			    x + bw / 2, a->y1 - a->h * (double)(bs->ok[i] +
			    bs->failed[i]) / ymax - (hf < 3 ? 3 : 0) - 4,
			    (long long)bs->failed[i]);
	}
	fputs("</g>\n", out);
}

/* Active clients: a step line on the right-hand axis. */
static void
rh_timeline_active(FILE *out, const struct rh_area *a,
    const struct rh_bins *bs)
{
	double	 bw = a->w / (double)bs->nbins, amax, step, v, x;
	size_t	 i;

	if (!(bs->amax > 0))
		return;
	step = rh_nice_step(bs->amax, 5);
	amax = ceil(bs->amax / step) * step;
	for (v = 0; v <= amax + step / 2; v += step)
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\""
		    RH_ACTIVE_COLOR "\" style=\"fill:" RH_ACTIVE_COLOR
		    "\">%g</text>\n", a->x0 + a->w + 6,
		    a->y1 - a->h * v / amax + 4, v);
	fprintf(out, "<polyline class=\"active\" fill=\"none\" "
	    "stroke=\"" RH_ACTIVE_COLOR "\" stroke-width=\"2\" "
	    "points=\"%.1f,%.1f", a->x0, a->y1);
	for (i = 0; i < bs->nbins; i++) {
		x = a->x0 + bw * (double)i;
		v = a->y1 - a->h * (double)bs->active[i] / amax;
		fprintf(out, " %.1f,%.1f %.1f,%.1f", x, v, x + bw, v);
	}
	fputs("\"/>\n", out);
}

/* The time axis, at most about 10 round ticks. */
static void
rh_timeline_xaxis(FILE *out, const struct rh_area *a,
    const struct rh_bins *bs)
{
	static const long long tsteps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300,
	    600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400 };
	long long	 tick;
	double		 x;
	size_t		 i;
	char		 b[32];

	for (i = 0; i < sizeof(tsteps) / sizeof(tsteps[0]) - 1 &&
	    (long long)bs->nsec / tsteps[i] > 10; i++)
		;
	for (tick = 0; tick <= (long long)bs->nsec; tick += tsteps[i]) {
		x = a->x0 + a->w * (double)tick / (double)(bs->nbins * bs->bin);
		rh_tick_label(tick, (long long)bs->nsec, b, sizeof(b));
		fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", x, a->y1, x, a->y1 + 4, x,
		    a->y1 + 18);
		html_escape_file(out, b);
		fputs("</text>\n", out);
	}
	fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", a->x0, a->y1, a->x0 + a->w, a->y1);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time "
	    "since the start</text>\n", a->x0 + a->w / 2, RH_H - 4);
}

static void
rh_timeline_legend(FILE *out, const struct rh_area *a)
{
	double x = a->x0 + a->w - 330;

	fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" "
	    "fill=\"" RH_OK_COLOR "\"/><text x=\"%.1f\" y=\"%d\">ok</text>\n"
	    "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" fill=\""
	    RH_FAIL_COLOR "\"/><text x=\"%.1f\" y=\"%d\">failed</text>\n"
	    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\""
	    RH_ACTIVE_COLOR "\" stroke-width=\"2\"/><text x=\"%.1f\" "
	    "y=\"%d\">active clients (right axis)</text>\n",
	    x, RH_TOP - 25, x + 16, RH_TOP - 14,
	    x + 60, RH_TOP - 25, x + 76, RH_TOP - 14,
	    x + 135, RH_TOP - 19, x + 155, RH_TOP - 19, x + 160,
	    RH_TOP - 14);
}

/*
 * (b) Completed steps over time: ok and failed stacked per second (or
 * per bin of seconds on long drills), clients active at the end of each
 * bin as a line on its own axis on the right.
 */
void
rh_chart_timeline(struct rh *rh)
{
	FILE		*out = rh->out;
	const json_t	*tl = json_object_get(rh->r, "timeline");
	struct rh_area	 a;
	struct rh_bins	 bs;
	double		 ymax;
	size_t		 i;

	fputs("<h2>Over time</h2>\n<figure>\n", out);
	rh_svg_open(out, "chart-timeline", "Completed steps per second, ok "
	    "and failed, and active clients", RH_H);
	memset(&bs, 0, sizeof(bs));
	if ((bs.nsec = rh_timeline_seconds(tl)) == 0) {
		rh_chart_empty(out, "This report has no timeline.");
		return;
	}
	rh_area(&a, RH_AXIS2);
	if (rh_bins_fill(&bs, tl) == -1)
		rh_svg_empty(out, RH_H, "Out of memory.");
	else {
		ymax = rh_timeline_yaxis(out, &a, &bs);
		for (i = 0; i < bs.nbins; i++)
			rh_timeline_bar(out, &a, &bs, i, ymax);
		rh_timeline_active(out, &a, &bs);
		rh_timeline_xaxis(out, &a, &bs);
		rh_timeline_legend(out, &a);
	}
	fprintf(out, "</svg>\n<figcaption>Steps that completed in each %s, "
	    "stacked: ok below, failed above (with their number where there "
	    "is room).  The line is the number of clients still running at "
	    "the end of the %s.</figcaption>\n</figure>\n",
	    bs.bin == 1 ? "second" : "bar's seconds",
	    bs.bin == 1 ? "second" : "bar");
	free(bs.ok);
	free(bs.failed);
	free(bs.active);
}

/* --- (c) reconnect times ------------------------------------------------ */

/* One bar per non-empty bucket of hg, up to ymax. */
static void
rh_reconnect_bars(FILE *out, const struct rh_area *a,
    const struct histogram *hg, int lo, int hi, double ymax)
{
	double		 lower, upper, xl, xu;
	uint64_t	 c;
	size_t		 b;
	char		 b1[32];

	for (b = 0; b < histogram_nbuckets(); b++) {
		if ((c = histogram_bucket_count(hg, b)) == 0)
			continue;
		lower = histogram_bucket_lower(b);
		upper = histogram_bucket_upper(b);
		if (isinf(upper))
			upper = histogram_max(hg);
		xl = rh_logx(lower > 0 ? lower : pow(10, lo), lo, hi, a->x0,
		    a->w);
		xu = rh_logx(upper, lo, hi, a->x0, a->w);
		fprintf(out, "<rect class=\"bucket\" x=\"%.2f\" y=\"%.2f\" "
		    "width=\"%.2f\" height=\"%.2f\" fill=\"#1f5fa8\" "
		    "fill-opacity=\"0.8\"><title>", xl + 0.5,
		    a->y1 - a->h * (double)c / ymax, xu - xl - 1 > 1 ?
		    xu - xl - 1 : 1, a->h * (double)c / ymax);
		html_escape_file(out, rh_dur(lower, b1, sizeof(b1)));
		fputs(" \xe2\x80\x93 ", out);
		html_escape_file(out, rh_dur(upper, b1, sizeof(b1)));
		fprintf(out, ": %llu</title></rect>\n", (unsigned long long)c);
	}
}

/*
 * (c) Reconnect times (break to registered again) as a histogram on a
 * log time axis: every bucket the same width, so the shape of the storm
 * (a backoff spike, a tail of slow frontends) shows directly.
 */
void
rh_chart_reconnect(struct rh *rh)
{
	static const double	 marks[] = { 0.5, 0.99 };
	static const char	*names[] = { "p50", "p99" };
	FILE			*out = rh->out;
	struct histogram	*hg = rh->recon;
	struct rh_area		 a;
	double			 ymax = 0, step, p;
	size_t			 b, k;
	char			 b1[32];
	int			 lo, hi;

	fputs("<h2>Reconnect times</h2>\n<figure>\n", out);
	rh_svg_open(out, "chart-reconnect", "Distribution of reconnect times",
	    RH_H);
	if (hg == NULL || histogram_count(hg) == 0) {
		rh_chart_empty(out, hg == NULL ? "This scenario measures no "
		    "reconnects." : "No client reconnected.");
		return;
	}
	rh_area(&a, RH_RIGHT);
	rh_decades(histogram_min(hg), histogram_max(hg), &lo, &hi);
	for (b = 0; b < histogram_nbuckets(); b++)
		if ((double)histogram_bucket_count(hg, b) > ymax)
			ymax = (double)histogram_bucket_count(hg, b);
	step = rh_nice_step(ymax, 5);
	if (step < 1)
		step = 1;
	ymax = ceil(ymax / step) * step;
	rh_y_grid(out, &a, ymax, step);
	rh_log_axis(out, lo, hi, &a);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\">clients</text>\n<text "
	    "x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">from the break to "
	    "registered again (log scale)</text>\n", a.x0 - 40, RH_TOP - 14,
	    a.x0 + a.w / 2, RH_H - 4);
	rh_reconnect_bars(out, &a, hg, lo, hi, ymax);
	for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		p = rh_logx(histogram_percentile(hg, marks[k]), lo, hi, a.x0,
		    a.w);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"" RH_FAIL_COLOR "\" "
		    "stroke-dasharray=\"5 3\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
		    "stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\" "
		    "style=\"fill:" RH_FAIL_COLOR "\">%s %s</text>\n",
		    p, a.y0, p, a.y1, p + 4, a.y0 + 12 + 14.0 * (double)k,
		    names[k], rh_dur(histogram_percentile(hg, marks[k]), b1,
		    sizeof(b1)));
	}
	fprintf(out, "</svg>\n<figcaption>%llu reconnects; each bar is one "
	    "1/20-decade bucket, dashed lines mark p50 and p99."
	    "</figcaption>\n</figure>\n",
	    (unsigned long long)histogram_count(hg));
}
