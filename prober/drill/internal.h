/*
 * internal.h - private to the drill report page: the state of one
 * rendering, which report_html.c gathers from the JSON report and writes
 * the page from, and the inline SVG charts report_charts.c draws from it.
 */
#ifndef SC_DRILL_INTERNAL_H
#define SC_DRILL_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "drill/histogram.h"

/* Colours of the page's CSS and of the charts. */
#define RH_OK_COLOR	"#2e7d32"
#define RH_FAIL_COLOR	"#c62828"
#define RH_ACTIVE_COLOR	"#1f5fa8"

/* One verdict code and how often it was seen. */
struct rh_verdict {
	const char	*name;
	json_int_t	 count;
};

/* One rendering. */
struct rh {
	FILE			*out;
	json_t			*r;
	const json_t		*steps;
	size_t			 nsteps;
	struct histogram	**lat;		/* per step */
	struct histogram	*recon;		/* NULL: no reconnects */
	struct histogram	*keepalive;	/* NULL: no keep-alives */
	struct rh_verdict	*verdicts;	/* all codes, "ok" first */
	size_t			 nverdicts;
	json_int_t		 failures;	/* non-ok verdicts, all */
	json_int_t		 failed;	/* failed attempts, all */
	time_t			 started;
	time_t			 ended;
};

/* An integer member of a checked report (0 when absent). */
json_int_t	 rh_int(const json_t *, const char *key);
/* A string member, or "" when it is missing. */
const char	*rh_str(const json_t *, const char *key);
/* A duration for people: "87 µs", "4.21 ms", "612 ms", "2.00 s". */
const char	*rh_dur(double s, char *buf, size_t len);

/* The charts, each a <figure> with a heading (report_charts.c). */
void		 rh_chart_latency(struct rh *);
void		 rh_chart_timeline(struct rh *);
void		 rh_chart_reconnect(struct rh *);

#endif /* SC_DRILL_INTERNAL_H */
