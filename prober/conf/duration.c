/*
 * duration.c - parsing durations, plain decimals and sizes for the config
 * and scenario parsers and the command line.  The digits are converted by hand rather than with
 * strtod(): strtod() also takes signs, exponents, hex, "inf" and "nan",
 * and it reads the decimal point of the current locale, none of which a
 * config file should depend on.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "conf/duration.h"

#define DURATION_INT_DIGITS	12	/* 10^12 is far above DURATION_MAX */
#define DURATION_FRAC_DIGITS	9	/* nanoseconds */

/*
 * Reads digits[.digits] from the start of s into *value and returns the
 * number of characters used, or 0 if s does not start with a number.
 */
static size_t
duration_number(const char *s, double *value)
{
	const char	*p = s;
	double		 v = 0, frac = 0, scale = 1;
	size_t		 n;

	for (n = 0; *p >= '0' && *p <= '9'; p++, n++) {
		if (n == DURATION_INT_DIGITS)
			return 0;
		v = v * 10 + (*p - '0');
	}
	if (n == 0)
		return 0;
	if (*p == '.') {
		p++;
		for (n = 0; *p >= '0' && *p <= '9'; p++, n++) {
			if (n == DURATION_FRAC_DIGITS)
				return 0;
			frac = frac * 10 + (*p - '0');
			scale *= 10;
		}
		/* "5." is more likely a typo than a number. */
		if (n == 0)
			return 0;
		/* One division, so that 1.1 is the double nearest 1.1. */
		v += frac / scale;
	}
	*value = v;
	return (size_t)(p - s);
}

/* A unit after a number: what it multiplies, then divides, it by. */
struct duration_unit {
	const char	*unit;
	double		 mul, div;
};

/* A number and one of units (the case of its letters counts): 0, -1. */
static int
duration_with_unit(const char *s, const struct duration_unit *units,
    size_t nunits, double *value)
{
	double		 v;
	size_t		 n, i;

	if (s == NULL || (n = duration_number(s, &v)) == 0)
		return -1;
	for (i = 0; i < nunits; i++)
		if (strcmp(s + n, units[i].unit) == 0) {
			*value = v * units[i].mul / units[i].div;
			return 0;
		}
	return -1;
}

int
duration_parse(const char *s, double *seconds)
{
	/* Milliseconds divide, so that 250ms is exactly 0.25. */
	static const struct duration_unit units[] = {
		{ "", 1, 1 },
		{ "ms", 1, 1000 },
		{ "s", 1, 1 },
		{ "m", 60, 1 },
		{ "h", 3600, 1 },
		{ "d", 86400, 1 },
	};
	double		 v;

	if (duration_with_unit(s, units, sizeof(units) / sizeof(units[0]),
	    &v) == -1 || v > DURATION_MAX)
		return -1;
	*seconds = v;
	return 0;
}

int
duration_parse_decimal(const char *s, double *value)
{
	double		 v;
	size_t		 n;

	if (s == NULL || (n = duration_number(s, &v)) == 0 || s[n] != '\0' ||
	    v > DURATION_MAX)
		return -1;
	*value = v;
	return 0;
}

int
size_parse(const char *s, double max, size_t *bytes)
{
	static const struct duration_unit units[] = {
		{ "", 1, 1 },
		{ "KiB", 1024, 1 },
		{ "MiB", 1024 * 1024, 1 },
		{ "GiB", 1024 * 1024 * 1024, 1 },
	};
	double		 v;

	if (duration_with_unit(s, units, sizeof(units) / sizeof(units[0]),
	    &v) == -1)
		return -1;
	/* Bytes are whole: 1.5KiB is, 0.3KiB is not. */
	if (v < 1 || v > max || v != (double)(size_t)v)
		return -1;
	*bytes = (size_t)v;
	return 0;
}
