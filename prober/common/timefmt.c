/*
 * timefmt.c - timestamps as the alert bodies, the reports and the status
 * page write them (see timefmt.h).
 */
#include "config.h"

#include <time.h>

#include "common/timefmt.h"

size_t
timefmt_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm	 tm;
	size_t		 n = 0;

	if (gmtime_r(&t, &tm) != NULL)
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (n == 0 && len > 0)
		buf[0] = '\0';
	return n;
}
