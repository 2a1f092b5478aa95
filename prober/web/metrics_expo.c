/*
 * metrics_expo.c - the Prometheus text exposition format 0.0.4 of a
 * registry (metrics.c): HELP and TYPE lines, samples with the constant
 * labels first, histogram buckets made cumulative, numbers in the
 * shortest form that reads back to the same double.
 *
 * A family's series are sorted by label values here, when written, so
 * that a scrape is deterministic whatever the order of updates, and
 * updates never pay for it.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "web/metrics.h"
#include "web/metrics_internal.h"

/* Integers below this are written in full; 1e15 < 2^53 keeps them exact. */
#define METRICS_INTEGER_MAX	1e15

static const char *const	metrics_type_names[] = {
	[METRICS_COUNTER] = "counter",
	[METRICS_GAUGE] = "gauge",
	[METRICS_HISTOGRAM] = "histogram",
};

char *
metrics_format_double(double v, char *buf, size_t bufsz)
{
	int	prec;

	if (isnan(v))
		snprintf(buf, bufsz, "NaN");
	else if (isinf(v))
		snprintf(buf, bufsz, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == 0)
		snprintf(buf, bufsz, "0");	/* also -0 */
	else if (v == trunc(v) && fabs(v) < METRICS_INTEGER_MAX)
		snprintf(buf, bufsz, "%.0f", v);
	else {
		/*
		 * The shortest %g that reads back to the same double.  When
		 * that is k <= 15 digits, %.15g prints the same k digits (the
		 * double is the one nearest them, so rounding it to 15 digits
		 * gives them followed by zeros, which %g drops): start there,
		 * not at 1, a third of the work of a scrape.  Not so for a
		 * subnormal, which has fewer significant bits.
		 */
		for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
			snprintf(buf, bufsz, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		if (prec == 17)
			snprintf(buf, bufsz, "%.17g", v);
	}
	return buf;
}

/* Writes s with the characters of esc backslash-escaped, \n as "\n". */
static int
metrics_write_escaped(struct evbuffer *out, const char *s, const char *esc)
{
	const char	*p;
	int		 rc = 0;

	for (p = s; *p != '\0'; p++) {
		if (*p != '\n' && strchr(esc, *p) == NULL)
			continue;
		if (p > s)
			rc |= evbuffer_add(out, s, p - s);
		rc |= evbuffer_add(out, *p == '\n' ? "\\n" : "\\", *p == '\n' ?
		    2 : 1);
		if (*p != '\n')
			rc |= evbuffer_add(out, p, 1);
		s = p + 1;
	}
	if (p > s)
		rc |= evbuffer_add(out, s, p - s);
	return rc;
}

static int
metrics_write_label(struct evbuffer *out, int *first, const char *name,
    const char *value)
{
	int	rc = 0;

	rc |= evbuffer_add_printf(out, "%s%s=\"", *first ? "{" : ",",
	    name) < 0;
	rc |= metrics_write_escaped(out, value, "\\\"");
	rc |= evbuffer_add(out, "\"", 1);
	*first = 0;
	return rc;
}

/*
 * One sample line: the name, its suffix, the labels (constant, then the
 * family's, then le when given) and the value.
 */
static int
metrics_write_sample(struct evbuffer *out, const struct metrics_series *s,
    const char *suffix, const char *le, double v)
{
	const struct metrics_family	*f = s->fam;
	const struct metrics		*m = f->m;
	const char			*as, *extra, *extra_value;
	char				 num[32];
	size_t				 i;
	int				 first = 1, rc = 0;

	rc |= evbuffer_add_printf(out, "%s%s", f->name, suffix) < 0;
	for (i = 0; i < m->ncl; i++)
		rc |= metrics_write_label(out, &first, m->cl_names[i],
		    m->cl_values[i]);
	for (i = 0; i < f->nlabels; i++) {
		if (metrics_alias_of(f, i, s->values[i], &as, &extra,
		    &extra_value)) {
			rc |= metrics_write_label(out, &first, f->labels[i],
			    as);
			rc |= metrics_write_label(out, &first, extra,
			    extra_value);
		} else
			rc |= metrics_write_label(out, &first, f->labels[i],
			    s->values[i]);
	}
	if (le != NULL)
		rc |= metrics_write_label(out, &first, "le", le);
	if (!first)
		rc |= evbuffer_add(out, "}", 1);
	rc |= evbuffer_add_printf(out, " %s\n",
	    metrics_format_double(v, num, sizeof(num))) < 0;
	return rc;
}

static int
metrics_series_cmp(const void *a, const void *b)
{
	const struct metrics_series	*x, *y;
	size_t				 i;
	int				 c;

	x = *(const struct metrics_series *const *)a;
	y = *(const struct metrics_series *const *)b;
	for (i = 0; i < x->fam->nlabels; i++)
		if ((c = strcmp(x->values[i], y->values[i])) != 0)
			return c;
	return 0;
}

static int
metrics_family_write(struct metrics_family *f, struct evbuffer *out)
{
	const struct metrics_series	*s;
	char				 le[32];
	uint64_t			 cum;
	size_t				 i, b;
	int				 rc = 0;

	if (f->nvec == 0)
		return 0;
	if (!f->sorted) {
		qsort(f->vec, f->nvec, sizeof(*f->vec), metrics_series_cmp);
		for (i = 0; i < f->nvec; i++)
			f->vec[i]->index = i;
		f->sorted = 1;
	}
	if (*f->help != '\0') {
		rc |= evbuffer_add_printf(out, "# HELP %s ", f->name) < 0;
		rc |= metrics_write_escaped(out, f->help, "\\");
		rc |= evbuffer_add(out, "\n", 1);
	}
	rc |= evbuffer_add_printf(out, "# TYPE %s %s\n", f->name,
	    metrics_type_names[f->type]) < 0;
	for (i = 0; i < f->nvec; i++) {
		s = f->vec[i];
		if (f->type != METRICS_HISTOGRAM) {
			rc |= metrics_write_sample(out, s, "", NULL, s->value);
			continue;
		}
		for (b = 0, cum = 0; b < f->nbounds; b++) {
			cum += s->buckets[b];
			rc |= metrics_write_sample(out, s, "_bucket",
			    metrics_format_double(f->bounds[b], le,
			    sizeof(le)), (double)cum);
		}
		rc |= metrics_write_sample(out, s, "_bucket", "+Inf",
		    (double)s->count);
		rc |= metrics_write_sample(out, s, "_sum", NULL, s->value);
		rc |= metrics_write_sample(out, s, "_count", NULL,
		    (double)s->count);
	}
	return rc;
}

int
metrics_write(struct metrics *m, struct evbuffer *out)
{
	size_t	i;
	int	rc = 0;

	for (i = 0; i < m->nfams; i++)
		rc |= metrics_family_write(m->fams[i], out);
	rc |= metrics_family_write(m->self, out);
	return rc ? -1 : 0;
}
