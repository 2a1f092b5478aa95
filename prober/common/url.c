/*
 * url.c - splitting an http(s) URL into what a request needs (url.h):
 * the scheme, the host and port (common/hostport.c), the path, and an
 * origin to log in place of the whole URL.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/hostport.h"
#include "common/url.h"

static int
url_lower_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The scheme, and the checks on the URL as a whole.  The authority (what
 * follows "scheme://") in *auth.  0, or -1 with err.
 */
static int
url_scheme(const char *s, struct url *u, const char **auth, char *err,
    size_t errlen)
{
	const char	*c;

	if (url_lower_prefix(s, "https://")) {
		u->tls = 1;
		u->port = 443;
		*auth = s + 8;
	} else if (url_lower_prefix(s, "http://")) {
		u->port = 80;
		*auth = s + 7;
	} else {
		snprintf(err, errlen, "expected an http:// or https:// URL");
		return -1;
	}
	for (c = s; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
			snprintf(err, errlen, "a URL is printable ASCII "
			    "without spaces (percent-encode the rest)");
			return -1;
		}
	return 0;
}

/* The host of the authority in hp, into u.  0, or -1 with err. */
static int
url_host(const struct hostport *hp, struct url *u, char *err, size_t errlen)
{
	unsigned char	 addr[sizeof(struct in6_addr)];

	if (hp->bracketed) {
		if (hp->hostlen == 0 || hp->hostlen > URL_HOST_MAX) {
			snprintf(err, errlen, "bad IPv6 address");
			return -1;
		}
		memcpy(u->host, hp->host, hp->hostlen);
		u->host[hp->hostlen] = '\0';
		if (inet_pton(AF_INET6, u->host, addr) != 1) {
			snprintf(err, errlen, "bad IPv6 address");
			return -1;
		}
		u->literal = 1;
		return 0;
	}
	if (hp->hostlen == 0) {
		snprintf(err, errlen, "no host");
		return -1;
	}
	if (hp->hostlen > URL_HOST_MAX - 1) {
		snprintf(err, errlen, "host name too long");
		return -1;
	}
	memcpy(u->host, hp->host, hp->hostlen);
	u->host[hp->hostlen] = '\0';
	if (strspn(u->host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != hp->hostlen ||
	    u->host[0] == '.' || u->host[0] == '-' ||
	    strstr(u->host, "..") != NULL) {
		snprintf(err, errlen, "bad host name (IPv6 addresses go in "
		    "brackets)");
		return -1;
	}
	u->literal = inet_pton(AF_INET, u->host, addr) == 1;
	return 0;
}

/* The alen bytes of the authority at auth, into u.  0, or -1 with err. */
static int
url_authority(const char *auth, size_t alen, struct url *u, char *err,
    size_t errlen)
{
	struct hostport	 hp;
	enum hostport_err e;

	if (memchr(auth, '@', alen) != NULL) {
		snprintf(err, errlen, "must not hold credentials "
		    "(user:password@): URLs are logged; use a token file");
		return -1;
	}
	if (strchr(auth + alen, '#') != NULL) {
		snprintf(err, errlen, "must not have a fragment (#...)");
		return -1;
	}
	e = hostport_parse(auth, alen, 0, &hp);
	if (e == HOSTPORT_NO_BRACKET) {
		snprintf(err, errlen, "no \"]\" after the IPv6 address");
		return -1;
	}
	if (e == HOSTPORT_BARE_V6) {
		snprintf(err, errlen, "IPv6 addresses go in brackets, as in "
		    "http://[::1]:9093");
		return -1;
	}
	if (url_host(&hp, u, err, errlen) == -1)
		return -1;
	if (e != HOSTPORT_OK) {
		snprintf(err, errlen, "bad port (1-65535)");
		return -1;
	}
	if (hp.has_port)
		u->port = hp.port;
	return 0;
}

int
url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
	const char	*auth, *end;

	memset(u, 0, sizeof(*u));
	if (url_scheme(s, u, &auth, err, errlen) == -1)
		return -1;
	end = auth + strcspn(auth, "/?#");
	if (url_authority(auth, (size_t)(end - auth), u, err, errlen) == -1)
		return -1;
	if (*end == '\0')
		snprintf(u->path, sizeof(u->path), "/");
	else if (*end == '?')
		snprintf(u->path, sizeof(u->path), "/%s", end);
	else
		snprintf(u->path, sizeof(u->path), "%s", end);
	if (strlen(end) + 1 > URL_PATH_MAX) {
		snprintf(err, errlen, "path longer than %d bytes",
		    URL_PATH_MAX - 1);
		return -1;
	}
	snprintf(u->origin, sizeof(u->origin), "%s://%s%s%s:%u",
	    u->tls ? "https" : "http", strchr(u->host, ':') ? "[" : "",
	    u->host, strchr(u->host, ':') ? "]" : "", u->port);
	return 0;
}

int
url_loopback(const struct url *u)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(u->host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, u->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, u->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}
