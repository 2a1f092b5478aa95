/*
 * duration.c - parsing durations and plain decimals for the config and
 * scenario parsers.  The digits are converted by hand rather than with
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

int
duration_parse(const char *s, double *seconds)
{
	/* Milliseconds divide, so that 250ms is exactly 0.25. */
	static const struct {
		const char	*unit;
		double		 mul, div;
	} units[] = {
		{ "", 1, 1 },
		{ "ms", 1, 1000 },
		{ "s", 1, 1 },
		{ "m", 60, 1 },
		{ "h", 3600, 1 },
		{ "d", 86400, 1 },
	};
	double		 v;
	size_t		 n, i;

	if (s == NULL || (n = duration_number(s, &v)) == 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].unit) != 0)
			continue;
		v = v * units[i].mul / units[i].div;
		if (v > DURATION_MAX)
			return -1;
		*seconds = v;
		return 0;
	}
	return -1;
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
