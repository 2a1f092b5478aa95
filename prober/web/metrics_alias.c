/*
 * metrics_alias.c - label values written as two labels.  The daemon
 * probes a target's TLS client profiles as targets of their own, named
 * "voice/desk-2019" inside; on the wire that value is written
 * target="voice",profile="desk-2019", so that dashboards group by the
 * configured target and filter by profile, and the label set stays
 * bounded by the configured profiles.
 *
 * Owns: the alias table of a registry.  Aliases are exact values
 * registered one by one, never a pattern: a target whose own name holds
 * a "/" is written as it is.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "web/metrics.h"
#include "web/metrics_internal.h"

struct metrics_alias {
	char	*name;		/* the label */
	char	*value;		/* its value inside */
	char	*as;		/* its value on the wire */
	char	*extra;		/* the label added after it */
	char	*extra_value;
};

static void
metrics_alias_clear(struct metrics_alias *a)
{
	free(a->name);
	free(a->value);
	free(a->as);
	free(a->extra);
	free(a->extra_value);
	memset(a, 0, sizeof(*a));
}

void
metrics_aliases_free(struct metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nalias; i++)
		metrics_alias_clear(&m->alias[i]);
	free(m->alias);
	m->alias = NULL;
	m->nalias = 0;
}

static struct metrics_alias *
metrics_alias_find(const struct metrics *m, const char *name,
    const char *value)
{
	size_t	i;

	for (i = 0; i < m->nalias; i++)
		if (strcmp(m->alias[i].name, name) == 0 &&
		    strcmp(m->alias[i].value, value) == 0)
			return &m->alias[i];
	return NULL;
}

int
metrics_label_alias(struct metrics *m, const char *name, const char *value,
    const char *as, const char *extra, const char *extra_value)
{
	struct metrics_alias	 a, *v;

	if (name == NULL || value == NULL || as == NULL || extra == NULL ||
	    extra_value == NULL || strcmp(name, extra) == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	if ((a.name = strdup(name)) == NULL ||
	    (a.value = strdup(value)) == NULL ||
	    (a.as = strdup(as)) == NULL ||
	    (a.extra = strdup(extra)) == NULL ||
	    (a.extra_value = strdup(extra_value)) == NULL)
		goto fail;
	if ((v = metrics_alias_find(m, name, value)) != NULL) {
		metrics_alias_clear(v);
		*v = a;
		return 0;
	}
	if ((v = reallocarray(m->alias, m->nalias + 1, sizeof(*v))) == NULL)
		goto fail;
	m->alias = v;
	m->alias[m->nalias++] = a;
	return 0;
fail:
	metrics_alias_clear(&a);
	return -1;
}

void
metrics_label_unalias(struct metrics *m, const char *name, const char *value)
{
	struct metrics_alias	*v;

	if (m == NULL || (v = metrics_alias_find(m, name, value)) == NULL)
		return;
	metrics_alias_clear(v);
	*v = m->alias[--m->nalias];
}

/*
 * Whether a family's label value has an alias: 1 with its parts, or 0.
 * A family with a label of the alias's extra name is written as it is:
 * two labels of one name would make the sample invalid.
 */
int
metrics_alias_of(const struct metrics_family *f, size_t label,
    const char *value, const char **as, const char **extra,
    const char **extra_value)
{
	const struct metrics_alias	*a;
	size_t				 i;

	if (f->m->nalias == 0 ||
	    (a = metrics_alias_find(f->m, f->labels[label], value)) == NULL)
		return 0;
	for (i = 0; i < f->nlabels; i++)
		if (strcmp(f->labels[i], a->extra) == 0)
			return 0;
	*as = a->as;
	*extra = a->extra;
	*extra_value = a->extra_value;
	return 1;
}
