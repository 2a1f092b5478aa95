/*
 * duration.h - durations as people write them in scenario files and in
 * sipcanary.conf: "30" or "30s", "1.5s", "250ms", "10m", "1h", "1d";
 * and sizes, read by the same number reader: "16MiB", "512KiB", "1000".
 */
#ifndef SC_DURATION_H
#define SC_DURATION_H

#include <stddef.h>

/* The longest duration accepted, in seconds: about 31 years. */
#define DURATION_MAX	1e9

/*
 * Parses a duration: a non-negative decimal number (digits, optionally
 * a dot and up to 9 more digits) followed by no unit (seconds) or one of
 * ms, s, m, h, d.  No sign, no spaces, no exponent; the decimal point is
 * a dot whatever the locale.  Returns 0 with the value in *seconds, or
 * -1 if s is not such a duration or is longer than DURATION_MAX.
 */
int	duration_parse(const char *s, double *seconds);

/*
 * Parses the number alone (no unit), with the same rules; for settings
 * such as a rate that are decimals but not durations.  0 or -1.
 */
int	duration_parse_decimal(const char *s, double *value);

/*
 * Parses a size: a number as above followed by no unit (bytes) or one
 * of KiB, MiB, GiB (powers of 1024, written so), and a whole number of
 * bytes from 1 to max.  0 with the size in *bytes, or -1.
 */
int	size_parse(const char *s, double max, size_t *bytes);

#endif /* SC_DURATION_H */
