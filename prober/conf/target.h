/*
 * target.h - a probe target as the user names it: a sips: URI, and
 * optionally an explicit host:port to connect to instead of locating.
 */
#ifndef SC_TARGET_H
#define SC_TARGET_H

#include <stddef.h>

struct target {
	char		*uri;		/* as given */
	char		*domain;	/* host of the URI: identity and SNI */
	unsigned	 uri_port;	/* 0 if the URI names none */
	char		*connect_host;	/* from --connect, or NULL */
	unsigned	 connect_port;
	int		 ws;		/* ;transport=ws on a sips: URI: WSS */
};

/*
 * Parses "sips:domain[:port]" (or a bare domain), with ";transport=ws"
 * for SIP over secure WebSocket (RFC 7118).  -1 with err.
 */
int	target_parse_uri(struct target *, const char *uri, char *err,
	    size_t errlen);

/*
 * Parses "host:port", "[v6]:port" or "host" (port CF_CONNECT_PORT), by
 * the rules of hostport_parse(): port 0 is refused.  -1 with err.
 */
int	target_parse_hostport(const char *s, char **host, unsigned *port,
	    char *err, size_t errlen);

void	target_clear(struct target *);

#endif /* SC_TARGET_H */
