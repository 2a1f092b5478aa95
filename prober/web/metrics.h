/*
 * metrics.h - a Prometheus metrics registry and its text exposition
 * (format 0.0.4), for the daemon's GET /metrics.
 *
 * A registry holds families (counter, gauge, histogram), each with a
 * name, help text and a fixed, ordered list of label names.  A family
 * holds series, found or created by their label values, given in the
 * family's label order.  Constant labels (the vantage) are set once on
 * the registry and written first on every series.
 *
 * Not thread-safe: the daemon updates and scrapes it from one event
 * loop.
 *
 * Series handles (struct metrics_series *) stay valid until the series
 * is removed, by any of the remove functions or metrics_free().  Do not
 * keep a handle across a removal that may have matched it; look it up
 * again instead (a lookup is one hash and a few string compares).
 */
#ifndef SC_METRICS_H
#define SC_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* The Content-Type of metrics_write()'s output. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Series per family unless metrics_new() is told otherwise. */
#define METRICS_DEFAULT_SERIES_LIMIT	50000

/*
 * The self-metric: per family, the updates refused because they would
 * have created a series beyond the limit (one per attempt, so a refused
 * series updated every probe counts every probe).
 */
#define METRICS_DROPPED_NAME	"sipcanary_metrics_series_dropped_total"

enum metrics_type {
	METRICS_COUNTER,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
};

struct metrics;
struct metrics_alias;
struct metrics_family;
struct metrics_series;

/*
 * A registry whose families each hold at most series_limit series (0:
 * METRICS_DEFAULT_SERIES_LIMIT).  NULL when out of memory.
 */
struct metrics		*metrics_new(size_t series_limit);
void			 metrics_free(struct metrics *);
/*
 * cb(family, limit, arg) runs the first time a family refuses a series,
 * so that the refusal is said once, not only counted.
 */
void			 metrics_on_full(struct metrics *,
			    void (*cb)(const char *, size_t, void *), void *);

/*
 * Sets a label written first on every series of every family, e.g.
 * ("vantage", "lab-1").  A new name must be added before the first
 * family is created (so that no family can clash with it); the value of
 * an existing one can be changed at any time, e.g. on reload.  Returns 0,
 * or -1 with errno EINVAL (bad name, clash, or too late) or ENOMEM.
 */
int			 metrics_const_label(struct metrics *,
			    const char *name, const char *value);

/*
 * Creates a family.  labels is a NULL-terminated list of label names
 * (NULL: no labels).  Histograms take bounds[0..nbounds-1], finite and
 * strictly increasing; +Inf is implicit (a trailing +Inf is accepted and
 * ignored).  Returns the family, owned by the registry, or NULL with
 * errno EINVAL (bad or reserved name, duplicate label, bad bounds),
 * EEXIST (the name is taken) or ENOMEM.
 */
struct metrics_family	*metrics_family_new(struct metrics *,
			    enum metrics_type, const char *name,
			    const char *help, const char *const labels[],
			    const double bounds[], size_t nbounds);
struct metrics_family	*metrics_counter_new(struct metrics *,
			    const char *name, const char *help,
			    const char *const labels[]);
struct metrics_family	*metrics_gauge_new(struct metrics *,
			    const char *name, const char *help,
			    const char *const labels[]);
struct metrics_family	*metrics_histogram_new(struct metrics *,
			    const char *name, const char *help,
			    const char *const labels[], const double bounds[],
			    size_t nbounds);

/*
 * Finds or creates the series with these label values (one per label
 * name, in the family's order; NULL for a family without labels).  A new
 * series starts at 0.  Values must be valid UTF-8 (Prometheus requires
 * it); invalid bytes are replaced with U+FFFD, so that two byte strings
 * that render alike are one series.  Returns NULL with errno EINVAL (a
 * NULL value), ENOSPC (the family is at its series limit: the refusal is
 * counted in METRICS_DROPPED_NAME) or ENOMEM.
 */
struct metrics_series	*metrics_series_get(struct metrics_family *,
			    const char *const values[]);
/* Only finds; NULL with errno ENOENT when there is no such series. */
struct metrics_series	*metrics_series_find(struct metrics_family *,
			    const char *const values[]);

/*
 * Updates.  Return 0, or -1 with errno EINVAL when the operation does
 * not fit the type (set/inc/add on a histogram, observe on a counter or
 * gauge), when a counter would decrease (a negative add, a set below the
 * current value), or when the value is NaN for a counter or histogram.
 */
int			 metrics_series_set(struct metrics_series *, double);
int			 metrics_series_inc(struct metrics_series *);
int			 metrics_series_add(struct metrics_series *, double);
int			 metrics_series_observe(struct metrics_series *,
			    double);
/* The value of a counter or gauge; the count of a histogram. */
double			 metrics_series_value(const struct metrics_series *);

/* Find-or-create, then update: the usual one-liners of the daemon. */
int			 metrics_set(struct metrics_family *,
			    const char *const values[], double);
int			 metrics_inc(struct metrics_family *,
			    const char *const values[]);
int			 metrics_add(struct metrics_family *,
			    const char *const values[], double);
int			 metrics_observe(struct metrics_family *,
			    const char *const values[], double);

/*
 * Removal.  metrics_series_remove() frees one series (NULL is a no-op).
 * metrics_family_remove() removes the series with these values; 0, or
 * -1 with errno ENOENT.
 *
 * The _matching functions remove every series whose labels include all
 * the pairs of match, a NULL-terminated list of name, value, name,
 * value, ...  A family that lacks one of the names is left alone: so
 * {"target", "voice", "frontend", "10.0.0.1:5061", NULL} removes that
 * frontend of that target from every per-frontend family, and leaves
 * the per-target families (and another target with the same frontend
 * address) untouched.  Constant labels are not matched.  They return the
 * number of series removed (0 with errno EINVAL for a name without a
 * value, or more than 16 pairs).
 */
void			 metrics_series_remove(struct metrics_series *);
int			 metrics_family_remove(struct metrics_family *,
			    const char *const values[]);
size_t			 metrics_family_remove_matching(
			    struct metrics_family *, const char *const match[]);
size_t			 metrics_remove_matching(struct metrics *,
			    const char *const match[]);

size_t			 metrics_family_nseries(const struct metrics_family *);

/*
 * Aliases (metrics_alias.c): series whose label NAME holds exactly VALUE
 * are written with NAME="AS" and EXTRA="EXTRA_VALUE" instead, as a
 * target probed as a TLS client profile is: "voice/desk-2019" becomes
 * target="voice",profile="desk-2019".  Series are still found, updated
 * and removed by the value inside.  Registering a value again replaces
 * its alias; 0, or -1 with errno.
 */
int			 metrics_label_alias(struct metrics *, const char *name,
			    const char *value, const char *as,
			    const char *extra, const char *extra_value);
void			 metrics_label_unalias(struct metrics *,
			    const char *name, const char *value);

/*
 * Appends the exposition of every family, in creation order, then the
 * self-metric, to out.  Series are sorted by their label values, so the
 * output is the same for the same contents whatever the order of
 * updates.  Families without series are left out.  Returns 0, or -1
 * when out of memory (out may then hold part of the text).
 */
int			 metrics_write(struct metrics *, struct evbuffer *out);

/*
 * Formats a sample value as Prometheus reads it: integers as integers
 * ("3", "1735689600"), others in the shortest form that reads back to
 * the same double ("0.25", "1e-05"), and "+Inf", "-Inf", "NaN".  Returns
 * buf.  bufsz of 32 always suffices.
 */
char			*metrics_format_double(double, char *buf, size_t bufsz);

#endif /* SC_METRICS_H */
