/*
 * timefmt.h - the one timestamp format of the program's output: RFC
 * 3339 in UTC with whole seconds, "2026-01-31T23:59:59Z".
 */
#ifndef SC_TIMEFMT_H
#define SC_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/* Room for any timestamp timefmt_rfc3339() writes, with its NUL. */
#define TIMEFMT_RFC3339_LEN	32

/*
 * Writes t into buf (len bytes) as RFC 3339 in UTC.  Returns its length,
 * or 0 (buf then empty) when t cannot be written in len bytes.
 */
size_t	timefmt_rfc3339(time_t t, char *buf, size_t len);

#endif /* SC_TIMEFMT_H */
