/*
 * histogram.h - a mergeable latency histogram for drills.
 *
 * Scheme "log10x20": fixed logarithmic buckets, 20 per decade, whose
 * upper bounds run from 1 us to 1000 s, plus one bucket below (<= 1 us)
 * and one above (> 1000 s).  Every histogram has the same buckets, so
 * shard reports merge by adding counts.  Exact count, min, max and sum
 * are kept beside the buckets.
 *
 * Resolution: two neighbouring bounds differ by a factor 10^(1/20) =
 * 1.1220, so for a true value v in [1 us, 1000 s] a percentile returns
 * a value in [v, 1.122 v): never low, at most 12.2% high.
 */
#ifndef SC_HISTOGRAM_H
#define SC_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HISTOGRAM_SCHEME	"log10x20"

struct histogram;

struct histogram	*histogram_new(void);
void			 histogram_free(struct histogram *);
void			 histogram_reset(struct histogram *);
int			 histogram_record(struct histogram *, double);
void			 histogram_merge(struct histogram *dst,
			    const struct histogram *src);
double			 histogram_percentile(const struct histogram *,
			    double q);
uint64_t		 histogram_count(const struct histogram *);
double			 histogram_min(const struct histogram *);
double			 histogram_max(const struct histogram *);
double			 histogram_sum(const struct histogram *);

/* Buckets, for renderers: index 0 .. histogram_nbuckets() - 1. */
size_t			 histogram_nbuckets(void);
double			 histogram_bucket_upper(size_t i);
double			 histogram_bucket_lower(size_t i);
uint64_t		 histogram_bucket_count(const struct histogram *,
			    size_t i);
size_t			 histogram_bucket_index(double seconds);

json_t			*histogram_to_json(const struct histogram *);
struct histogram	*histogram_from_json(const json_t *, char *err,
			    size_t errlen);

#endif /* SC_HISTOGRAM_H */
