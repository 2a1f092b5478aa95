/*
 * url.h - absolute http:// and https:// URLs, as a sink's url = names
 * its receiver: parsed once by the config (to refuse a bad one at load)
 * and again by the sink that posts to it.
 */
#ifndef SC_URL_H
#define SC_URL_H

#include <stddef.h>

#define URL_HOST_MAX		254	/* a DNS name, or an IP address */
#define URL_PATH_MAX		2048	/* path and query, as sent */
#define URL_ORIGIN_MAX		(URL_HOST_MAX + 20)

/* An http(s) URL, split. */
struct url {
	int		 tls;		/* 1: https */
	int		 literal;	/* host is an IP address: no DNS, and
					   the certificate must name the IP */
	char		 host[URL_HOST_MAX + 1];	/* no brackets */
	unsigned	 port;		/* 80 or 443 unless given */
	char		 path[URL_PATH_MAX + 1];	/* "/" at least */
	char		 origin[URL_ORIGIN_MAX];	/* scheme://host:port,
					   for logs: the path is left out, as
					   it may be a secret (chat webhooks
					   carry their token in it) */
};

/*
 * Parses an absolute http:// or https:// URL: a host name, an IPv4
 * address or an IPv6 address in brackets, an optional port (the rule of
 * hostport_parse()), and a path with an optional query, in printable
 * ASCII without spaces.  Refused: credentials in the URL
 * (user:password@, which would end up in logs) and fragments.  0, or -1
 * with the reason in err (the URL is not repeated there).
 */
int		 url_parse(const char *s, struct url *, char *err,
		    size_t errlen);

/* 1 if the URL's host is loopback (127.0.0.0/8, ::1 or "localhost"). */
int		 url_loopback(const struct url *);

#endif /* SC_URL_H */
