/*
 * metrics.c - the Prometheus metrics registry; its text exposition
 * format 0.0.4 is metrics_expo.c's.
 *
 * Owns: families and their series, the label-value hash used to find a
 * series, the per-family series limit and its self-metric
 * (sipcanary_metrics_series_dropped_total{family}).
 *
 * Layout: a series is one allocation holding the struct, the histogram
 * bucket counts and the label values.  A family keeps its series twice:
 * in a chained hash table (lookup by values on every update) and in an
 * array (iteration, and O(1) removal by swapping with the last).  The
 * array is sorted by label values lazily, when written, so that a
 * scrape is deterministic whatever the order of updates, and updates
 * never pay for it.
 *
 * Why a limit: label values come from DNS (frontend addresses) and from
 * the config; a hostile or broken zone must not grow the daemon without
 * bound.  Refused series are counted, not silently lost, and the
 * self-metric has a series for every family from the start, at 0, so
 * that rate() and increase() see the first drop.
 *
 * Histogram buckets are stored per bucket and summed when written
 * (Prometheus wants them cumulative); +Inf is the last slot.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "web/metrics.h"
#include "web/metrics_internal.h"

#define METRICS_HASH_INITIAL	16
#define METRICS_DROPPED_HELP	"Updates refused because they would " \
				"create a series beyond the family's limit."
#define METRICS_DROPPED_LABEL	"family"

/* The series names a histogram adds to its family name. */
static const char *const	metrics_hist_suffixes[] = {
	"_bucket", "_sum", "_count",
};
#define METRICS_NSUFFIXES	\
	(sizeof(metrics_hist_suffixes) / sizeof(metrics_hist_suffixes[0]))

static struct metrics_family	*metrics_family_create(struct metrics *,
				    enum metrics_type, const char *,
				    const char *, const char *const [],
				    const double [], size_t);
static void			 metrics_family_free(struct metrics_family *);

/* --- names and values ------------------------------------------------ */

static int
metrics_valid_name(const char *s, int colon)
{
	const char	*p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '_' || (colon && *p == ':'))
			continue;
		if (p != s && *p >= '0' && *p <= '9')
			continue;
		return 0;
	}
	return 1;
}

/* Label names starting with "__" are reserved to Prometheus itself. */
static int
metrics_valid_label(const char *s)
{
	return metrics_valid_name(s, 0) && strncmp(s, "__", 2) != 0;
}

/* A copy of s with each invalid byte replaced by U+FFFD. */
static char *
metrics_utf8_fix(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *q;
	size_t			 n;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (q = out; *p != '\0'; ) {
		if ((n = utf8_len(p)) == 0) {
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
			p++;
			continue;
		}
		memcpy(q, p, n);
		q += n;
		p += n;
	}
	*q = '\0';
	return out;
}

/*
 * FNV-1a over the values, each followed by 0xff, a byte that valid
 * UTF-8 never holds, so ("ab", "c") and ("a", "bc") differ.
 */
static uint64_t
metrics_hash(const char *const values[], size_t n)
{
	uint64_t		 h = 0xcbf29ce484222325ULL;
	const unsigned char	*p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)values[i]; *p != '\0'; p++) {
			h ^= *p;
			h *= 0x100000001b3ULL;
		}
		h ^= 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* --- registry -------------------------------------------------------- */

struct metrics *
metrics_new(size_t series_limit)
{
	static const char *const	 self_labels[] = {
		METRICS_DROPPED_LABEL, NULL
	};
	struct metrics			*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->limit = series_limit ? series_limit : METRICS_DEFAULT_SERIES_LIMIT;
	m->self = metrics_family_create(m, METRICS_COUNTER,
	    METRICS_DROPPED_NAME, METRICS_DROPPED_HELP, self_labels, NULL, 0);
	if (m->self == NULL)
		goto fail;
	return m;
fail:
	metrics_free(m);
	return NULL;
}

void
metrics_on_full(struct metrics *m, void (*cb)(const char *, size_t, void *),
    void *arg)
{
	m->on_full = cb;
	m->on_full_arg = arg;
}

void
metrics_free(struct metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfams; i++)
		metrics_family_free(m->fams[i]);
	metrics_family_free(m->self);
	for (i = 0; i < m->ncl; i++) {
		free(m->cl_names[i]);
		free(m->cl_values[i]);
	}
	free(m->cl_names);
	free(m->cl_values);
	free(m->fams);
	metrics_aliases_free(m);
	free(m);
}

int
metrics_const_label(struct metrics *m, const char *name, const char *value)
{
	char	**names = NULL, **values = NULL;
	char	 *n = NULL, *v = NULL;
	size_t	  i;

	if (!metrics_valid_label(name) || value == NULL ||
	    strcmp(name, METRICS_DROPPED_LABEL) == 0) {
		errno = EINVAL;
		return -1;
	}
	if (utf8_valid(value))
		v = strdup(value);
	else
		v = metrics_utf8_fix(value);
	if (v == NULL)
		return -1;
	for (i = 0; i < m->ncl; i++) {
		if (strcmp(m->cl_names[i], name) == 0) {
			free(m->cl_values[i]);
			m->cl_values[i] = v;
			return 0;
		}
	}
	/* A family created before might already use the name. */
	if (m->nfams > 0) {
		errno = EINVAL;
		goto fail;
	}
	if ((n = strdup(name)) == NULL)
		goto fail;
	if ((names = reallocarray(m->cl_names, m->ncl + 1,
	    sizeof(*names))) == NULL)
		goto fail;
	m->cl_names = names;
	if ((values = reallocarray(m->cl_values, m->ncl + 1,
	    sizeof(*values))) == NULL)
		goto fail;
	m->cl_values = values;
	m->cl_names[m->ncl] = n;
	m->cl_values[m->ncl] = v;
	m->ncl++;
	return 0;
fail:
	free(n);
	free(v);
	return -1;
}

/* Whether name, or a series name derived from it, is taken. */
static int
metrics_name_taken(const struct metrics *m, const char *name,
    enum metrics_type type)
{
	const struct metrics_family	*f;
	size_t				 i, j, len;

	for (i = 0; i <= m->nfams; i++) {
		f = i < m->nfams ? m->fams[i] : m->self;
		if (f == NULL)
			continue;
		if (strcmp(f->name, name) == 0)
			return 1;
		for (j = 0; j < METRICS_NSUFFIXES; j++) {
			/* An existing histogram's series, or ours. */
			if (f->type == METRICS_HISTOGRAM &&
			    (len = strlen(f->name)) < strlen(name) &&
			    strncmp(name, f->name, len) == 0 &&
			    strcmp(name + len, metrics_hist_suffixes[j]) == 0)
				return 1;
			if (type == METRICS_HISTOGRAM &&
			    (len = strlen(name)) < strlen(f->name) &&
			    strncmp(f->name, name, len) == 0 &&
			    strcmp(f->name + len,
			    metrics_hist_suffixes[j]) == 0)
				return 1;
		}
	}
	return 0;
}

static struct metrics_family *
metrics_family_create(struct metrics *m, enum metrics_type type,
    const char *name, const char *help, const char *const labels[],
    const double bounds[], size_t nbounds)
{
	struct metrics_family	*f;
	size_t			 i, j, n = 0;

	errno = EINVAL;
	if ((unsigned)type > METRICS_HISTOGRAM || !metrics_valid_name(name, 1))
		return NULL;
	if (type != METRICS_HISTOGRAM && nbounds != 0)
		return NULL;
	for (n = 0; labels != NULL && labels[n] != NULL; n++) {
		if (!metrics_valid_label(labels[n]))
			return NULL;
		if (type == METRICS_HISTOGRAM && strcmp(labels[n], "le") == 0)
			return NULL;
		for (j = 0; j < n; j++)
			if (strcmp(labels[j], labels[n]) == 0)
				return NULL;
		for (j = 0; j < m->ncl; j++)
			if (strcmp(m->cl_names[j], labels[n]) == 0)
				return NULL;
	}
	/* +Inf is implicit: tolerate it last, as client libraries do. */
	if (nbounds > 0 && isinf(bounds[nbounds - 1]) &&
	    bounds[nbounds - 1] > 0)
		nbounds--;
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) ||
		    (i > 0 && bounds[i] <= bounds[i - 1]))
			return NULL;
	if (metrics_name_taken(m, name, type)) {
		errno = EEXIST;
		return NULL;
	}

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->m = m;
	f->type = type;
	f->nlabels = n;
	f->nbounds = nbounds;
	f->sorted = 1;
	f->ntable = METRICS_HASH_INITIAL;
	if ((f->name = strdup(name)) == NULL ||
	    (f->help = strdup(help != NULL ? help : "")) == NULL)
		goto fail;
	if ((f->table = calloc(f->ntable, sizeof(*f->table))) == NULL)
		goto fail;
	if (n > 0 && (f->labels = calloc(n, sizeof(*f->labels))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if ((f->labels[i] = strdup(labels[i])) == NULL)
			goto fail;
	if (nbounds > 0) {
		if ((f->bounds = calloc(nbounds, sizeof(*f->bounds))) == NULL)
			goto fail;
		memcpy(f->bounds, bounds, nbounds * sizeof(*f->bounds));
	}
	return f;
fail:
	metrics_family_free(f);
	errno = ENOMEM;
	return NULL;
}

static void
metrics_family_free(struct metrics_family *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nvec; i++)
		free(f->vec[i]);
	for (i = 0; f->labels != NULL && i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->labels);
	free(f->bounds);
	free(f->vec);
	free(f->table);
	free(f->name);
	free(f->help);
	free(f);
}

struct metrics_family *
metrics_family_new(struct metrics *m, enum metrics_type type,
    const char *name, const char *help, const char *const labels[],
    const double bounds[], size_t nbounds)
{
	struct metrics_family	**fams, *f;
	const char		 *self[1];
	size_t			  cap;

	if ((f = metrics_family_create(m, type, name, help, labels, bounds,
	    nbounds)) == NULL)
		return NULL;
	if (m->nfams == m->capfams) {
		cap = m->capfams ? m->capfams * 2 : 16;
		if ((fams = reallocarray(m->fams, cap, sizeof(*fams))) == NULL)
			goto fail;
		m->fams = fams;
		m->capfams = cap;
	}
	/* The family's drop counter exists, at 0, from the start. */
	self[0] = f->name;
	if ((f->dropped = metrics_series_get(m->self, self)) == NULL)
		goto fail;
	m->fams[m->nfams++] = f;
	return f;
fail:
	metrics_family_free(f);
	errno = ENOMEM;
	return NULL;
}

struct metrics_family *
metrics_counter_new(struct metrics *m, const char *name, const char *help,
    const char *const labels[])
{
	return metrics_family_new(m, METRICS_COUNTER, name, help, labels,
	    NULL, 0);
}

struct metrics_family *
metrics_gauge_new(struct metrics *m, const char *name, const char *help,
    const char *const labels[])
{
	return metrics_family_new(m, METRICS_GAUGE, name, help, labels,
	    NULL, 0);
}

struct metrics_family *
metrics_histogram_new(struct metrics *m, const char *name, const char *help,
    const char *const labels[], const double bounds[], size_t nbounds)
{
	return metrics_family_new(m, METRICS_HISTOGRAM, name, help, labels,
	    bounds, nbounds);
}

size_t
metrics_family_nseries(const struct metrics_family *f)
{
	return f->nvec;
}

/* --- series ---------------------------------------------------------- */

static struct metrics_series *
metrics_lookup(const struct metrics_family *f, const char *const values[],
    uint64_t h)
{
	struct metrics_series	*s;
	size_t			 i;

	for (s = f->table[h & (f->ntable - 1)]; s != NULL; s = s->hnext) {
		if (s->hash != h)
			continue;
		for (i = 0; i < f->nlabels; i++)
			if (strcmp(s->values[i], values[i]) != 0)
				break;
		if (i == f->nlabels)
			return s;
	}
	return NULL;
}

/* Doubles the hash table when it holds more series than chains. */
static int
metrics_table_grow(struct metrics_family *f)
{
	struct metrics_series	**t;
	size_t			  i, n = f->ntable * 2;

	if ((t = calloc(n, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < f->nvec; i++) {
		f->vec[i]->hnext = t[f->vec[i]->hash & (n - 1)];
		t[f->vec[i]->hash & (n - 1)] = f->vec[i];
	}
	free(f->table);
	f->table = t;
	f->ntable = n;
	return 0;
}

static struct metrics_series *
metrics_series_create(struct metrics_family *f, const char *const values[],
    uint64_t h)
{
	struct metrics_series	 *s, **vec;
	size_t			  i, len, size, nb, cap;
	char			 *p;

	/* The self-metric has one series per family: it needs no limit. */
	if (f->nvec >= f->m->limit && f != f->m->self) {
		if (f->dropped != NULL)
			(void)metrics_series_inc(f->dropped);
		if (!f->full && f->m->on_full != NULL)
			f->m->on_full(f->name, f->m->limit, f->m->on_full_arg);
		f->full = 1;
		errno = ENOSPC;
		return NULL;
	}
	if (f->nvec == f->capvec) {
		cap = f->capvec ? f->capvec * 2 : 8;
		if ((vec = reallocarray(f->vec, cap, sizeof(*vec))) == NULL)
			return NULL;
		f->vec = vec;
		f->capvec = cap;
	}
	if (f->nvec >= f->ntable && metrics_table_grow(f) == -1)
		return NULL;

	/* One block: struct, buckets, value pointers, value strings. */
	nb = f->type == METRICS_HISTOGRAM ? f->nbounds + 1 : 0;
	size = sizeof(*s) + nb * sizeof(uint64_t) + f->nlabels * sizeof(char *);
	for (i = 0; i < f->nlabels; i++)
		size += strlen(values[i]) + 1;
	if ((s = calloc(1, size)) == NULL)
		return NULL;
	s->fam = f;
	s->hash = h;
	if (nb > 0)
		s->buckets = (uint64_t *)(s + 1);
	s->values = (char **)((char *)(s + 1) + nb * sizeof(uint64_t));
	p = (char *)(s->values + f->nlabels);
	for (i = 0; i < f->nlabels; i++) {
		len = strlen(values[i]) + 1;
		memcpy(p, values[i], len);
		s->values[i] = p;
		p += len;
	}
	s->hnext = f->table[h & (f->ntable - 1)];
	f->table[h & (f->ntable - 1)] = s;
	s->index = f->nvec;
	f->vec[f->nvec++] = s;
	if (f->nvec > 1)
		f->sorted = 0;
	return s;
}

/*
 * Checks the values, and replaces those that are not valid UTF-8 by
 * fixed copies in *fixed (to be freed with metrics_values_free).
 * Returns the values to use, or NULL.
 */
static const char *const *
metrics_values_check(const struct metrics_family *f,
    const char *const values[], char ***fixed)
{
	static const char *const	  none[1] = { NULL };
	char				**fx;
	size_t				  i, j;

	*fixed = NULL;
	if (f->nlabels == 0)
		return none;	/* not NULL: that means failure */
	for (i = 0; i < f->nlabels; i++) {
		if (values == NULL || values[i] == NULL) {
			errno = EINVAL;
			return NULL;
		}
	}
	for (i = 0; i < f->nlabels; i++)
		if (!utf8_valid(values[i]))
			break;
	if (i == f->nlabels)
		return values;
	if ((fx = calloc(f->nlabels, sizeof(*fx))) == NULL)
		return NULL;
	for (j = 0; j < f->nlabels; j++) {
		fx[j] = utf8_valid(values[j]) ? strdup(values[j]) :
		    metrics_utf8_fix(values[j]);
		if (fx[j] == NULL) {
			while (j-- > 0)
				free(fx[j]);
			free(fx);
			return NULL;
		}
	}
	*fixed = fx;
	return (const char *const *)fx;
}

static void
metrics_values_free(const struct metrics_family *f, char **fixed)
{
	size_t	i;

	if (fixed == NULL)
		return;
	for (i = 0; i < f->nlabels; i++)
		free(fixed[i]);
	free(fixed);
}

static struct metrics_series *
metrics_series_lookup(struct metrics_family *f, const char *const values[],
    int create)
{
	struct metrics_series	 *s;
	const char *const	 *v;
	char			**fixed;
	uint64_t		  h;

	if ((v = metrics_values_check(f, values, &fixed)) == NULL)
		return NULL;
	h = metrics_hash(v, f->nlabels);
	if ((s = metrics_lookup(f, v, h)) == NULL) {
		if (create)
			s = metrics_series_create(f, v, h);
		else
			errno = ENOENT;
	}
	metrics_values_free(f, fixed);
	return s;
}

struct metrics_series *
metrics_series_get(struct metrics_family *f, const char *const values[])
{
	return metrics_series_lookup(f, values, 1);
}

struct metrics_series *
metrics_series_find(struct metrics_family *f, const char *const values[])
{
	return metrics_series_lookup(f, values, 0);
}

int
metrics_series_set(struct metrics_series *s, double v)
{
	switch (s->fam->type) {
	case METRICS_GAUGE:
		break;
	case METRICS_COUNTER:
		if (isnan(v) || v < s->value)
			goto inval;
		break;
	default:
		goto inval;
	}
	s->value = v;
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

int
metrics_series_add(struct metrics_series *s, double v)
{
	switch (s->fam->type) {
	case METRICS_GAUGE:
		break;
	case METRICS_COUNTER:
		if (isnan(v) || v < 0)
			goto inval;
		break;
	default:
		goto inval;
	}
	s->value += v;
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

int
metrics_series_inc(struct metrics_series *s)
{
	return metrics_series_add(s, 1);
}

int
metrics_series_observe(struct metrics_series *s, double v)
{
	const struct metrics_family	*f = s->fam;
	size_t				 lo = 0, hi, mid;

	if (f->type != METRICS_HISTOGRAM || isnan(v)) {
		errno = EINVAL;
		return -1;
	}
	/* The first bucket whose bound is >= v; nbounds is +Inf. */
	hi = f->nbounds;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v <= f->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	s->buckets[lo]++;
	s->count++;
	s->value += v;
	return 0;
}

double
metrics_series_value(const struct metrics_series *s)
{
	if (s->fam->type == METRICS_HISTOGRAM)
		return (double)s->count;
	return s->value;
}

int
metrics_set(struct metrics_family *f, const char *const values[], double v)
{
	struct metrics_series	*s;

	if ((s = metrics_series_get(f, values)) == NULL)
		return -1;
	return metrics_series_set(s, v);
}

int
metrics_inc(struct metrics_family *f, const char *const values[])
{
	return metrics_add(f, values, 1);
}

int
metrics_add(struct metrics_family *f, const char *const values[], double v)
{
	struct metrics_series	*s;

	if ((s = metrics_series_get(f, values)) == NULL)
		return -1;
	return metrics_series_add(s, v);
}

int
metrics_observe(struct metrics_family *f, const char *const values[],
    double v)
{
	struct metrics_series	*s;

	if ((s = metrics_series_get(f, values)) == NULL)
		return -1;
	return metrics_series_observe(s, v);
}

/* --- removal --------------------------------------------------------- */

void
metrics_series_remove(struct metrics_series *s)
{
	struct metrics_family	 *f;
	struct metrics_series	**pp;

	if (s == NULL)
		return;
	f = s->fam;
	for (pp = &f->table[s->hash & (f->ntable - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	/* Swap the last one into the hole; the write sorts again. */
	if (s->index != f->nvec - 1) {
		f->vec[s->index] = f->vec[f->nvec - 1];
		f->vec[s->index]->index = s->index;
		f->sorted = 0;
	}
	f->nvec--;
	free(s);
}

int
metrics_family_remove(struct metrics_family *f, const char *const values[])
{
	struct metrics_series	*s;

	if ((s = metrics_series_find(f, values)) == NULL)
		return -1;
	metrics_series_remove(s);
	return 0;
}

size_t
metrics_family_remove_matching(struct metrics_family *f,
    const char *const match[])
{
	size_t	 idx[16], npairs, i, j, removed = 0;

	if (match == NULL)
		return 0;
	for (npairs = 0; match[2 * npairs] != NULL; npairs++) {
		if (match[2 * npairs + 1] == NULL || npairs >= 16) {
			errno = EINVAL;
			return 0;
		}
	}
	/* Which label each pair names; a missing one spares the family. */
	for (j = 0; j < npairs; j++) {
		for (idx[j] = 0; idx[j] < f->nlabels; idx[j]++)
			if (strcmp(f->labels[idx[j]], match[2 * j]) == 0)
				break;
		if (idx[j] == f->nlabels)
			return 0;
	}
	/* Backwards, since a removal moves the last series into i. */
	for (i = f->nvec; i-- > 0; ) {
		for (j = 0; j < npairs; j++)
			if (strcmp(f->vec[i]->values[idx[j]],
			    match[2 * j + 1]) != 0)
				break;
		if (j == npairs) {
			metrics_series_remove(f->vec[i]);
			removed++;
		}
	}
	return removed;
}

size_t
metrics_remove_matching(struct metrics *m, const char *const match[])
{
	size_t	i, removed = 0;

	for (i = 0; i < m->nfams; i++)
		removed += metrics_family_remove_matching(m->fams[i], match);
	return removed;
}

