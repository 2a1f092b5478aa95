/*
 * hostport.c - splitting "host:port" and "[IPv6]:port", with one rule
 * for ports (hostport.h).
 */
#include "config.h"

#include <string.h>

#include "common/hostport.h"

int
hostport_port(const char *s, size_t n, unsigned flags, unsigned *port)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535 || (v == 0 && !(flags & HOSTPORT_PORT0)))
		return -1;
	*port = (unsigned)v;
	return 0;
}

enum hostport_err
hostport_parse(const char *s, size_t len, unsigned flags,
    struct hostport *hp)
{
	const char	*end = s + len, *close, *colon;

	memset(hp, 0, sizeof(*hp));
	if (len > 0 && s[0] == '[') {
		if ((close = memchr(s, ']', len)) == NULL)
			return HOSTPORT_NO_BRACKET;
		hp->bracketed = 1;
		hp->host = s + 1;
		hp->hostlen = (size_t)(close - s - 1);
		colon = close + 1;
		if (colon < end && *colon != ':')
			return HOSTPORT_AFTER_BRACKET;
		if (colon == end)
			colon = NULL;
	} else {
		colon = memchr(s, ':', len);
		if (colon != NULL &&
		    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
			return HOSTPORT_BARE_V6;
		hp->host = s;
		hp->hostlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (colon == NULL)
		return HOSTPORT_OK;
	hp->has_port = 1;
	if (hostport_port(colon + 1, (size_t)(end - colon - 1), flags,
	    &hp->port) == -1)
		return HOSTPORT_BAD_PORT;
	return HOSTPORT_OK;
}
