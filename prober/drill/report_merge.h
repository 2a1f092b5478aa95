/*
 * report_merge.h - checking drill JSON reports and merging the reports
 * of the shards of one drill into one.
 */
#ifndef SC_REPORT_MERGE_H
#define SC_REPORT_MERGE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

/* The drill report version this code reads and writes. */
#define REPORT_DRILL_VERSION	1

/*
 * Checks that report is a drill report this code can read.  If
 * reference is not NULL, also that both are of the same scenario with
 * the same steps (kind and label at every index).  Returns 0, or -1
 * with a message in err.
 */
int	 report_check(const json_t *report, const json_t *reference,
	    char *err, size_t errlen);

/*
 * Merges n (>= 1) shard reports of one drill into a new document.
 * Returns it, or NULL with a message naming the input (1-based) in err.
 * The inputs are not modified.
 */
json_t	*report_merge(json_t **reports, size_t n, char *err,
	    size_t errlen);

/* "2026-11-28T12:00:00Z" (fraction allowed) to a time_t; 0 or -1. */
int	 report_time_parse(const char *iso, time_t *out);

/* The `sipcanary report` command (cmd_report.c). */
int	 cmd_report(int argc, char **argv);

#endif /* SC_REPORT_MERGE_H */
