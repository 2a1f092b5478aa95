/*
 * metrics_internal.h - inside prober/web: the registry's structures,
 * shared by the registry (metrics.c) and the text exposition writer
 * (metrics_expo.c).  See metrics.c for their layout.
 */
#ifndef SC_METRICS_INTERNAL_H
#define SC_METRICS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "web/metrics.h"

struct metrics_series {
	struct metrics_family	*fam;
	struct metrics_series	*hnext;		/* hash chain */
	uint64_t		 hash;
	size_t			 index;		/* in fam->vec */
	double			 value;		/* counter, gauge; hist sum */
	uint64_t		 count;		/* histogram */
	uint64_t		*buckets;	/* histogram: nbounds + 1 */
	char			**values;	/* nlabels */
};

struct metrics_family {
	struct metrics		*m;
	enum metrics_type	 type;
	char			*name;
	char			*help;
	char			**labels;
	size_t			 nlabels;
	double			*bounds;
	size_t			 nbounds;
	struct metrics_series	**vec;
	size_t			 nvec;
	size_t			 capvec;
	int			 sorted;
	struct metrics_series	**table;
	size_t			 ntable;	/* a power of two */
	struct metrics_series	*dropped;	/* in m->self */
	int			 full;		/* on_full told already */
};

struct metrics {
	struct metrics_family	**fams;
	size_t			 nfams;
	size_t			 capfams;
	struct metrics_family	*self;		/* written last */
	char			**cl_names;
	char			**cl_values;
	size_t			 ncl;
	size_t			 limit;
	void			(*on_full)(const char *family, size_t limit,
				    void *arg);
	void			*on_full_arg;
	struct metrics_alias	*alias;		/* metrics_alias.c */
	size_t			 nalias;
};

void	metrics_aliases_free(struct metrics *);
int	metrics_alias_of(const struct metrics_family *, size_t, const char *,
	    const char **, const char **, const char **);

#endif /* SC_METRICS_INTERNAL_H */
