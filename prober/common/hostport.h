/*
 * hostport.h - the one parser of "host:port" in the program: --connect
 * and connect =, dns_server =, listen = (and the HTTP server that binds
 * it), and the authority of a sink's URL.  It splits and checks the
 * port; what a host may be (a name, an IP address) and how each error
 * is worded stay with the caller.
 */
#ifndef SC_HOSTPORT_H
#define SC_HOSTPORT_H

#include <stddef.h>

/* What is wrong with an address, in the order it is found. */
enum hostport_err {
	HOSTPORT_OK = 0,
	HOSTPORT_NO_BRACKET,	/* "[" without its "]" */
	HOSTPORT_BARE_V6,	/* more than one ':' outside brackets */
	HOSTPORT_AFTER_BRACKET,	/* "]" followed by other than ":port" */
	HOSTPORT_BAD_PORT	/* not a port (see hostport_parse()) */
};

#define HOSTPORT_PORT0	0x1	/* port 0 is good: the caller binds, and
				   0 asks the kernel for a free port */

struct hostport {
	const char	*host;		/* into the string parsed; brackets */
	size_t		 hostlen;	/* left out; may be 0 */
	int		 bracketed;	/* it was in [ ] */
	int		 has_port;	/* a ":port" was given */
	unsigned	 port;		/* 0 if none */
};

/*
 * Splits the len bytes at s: "host:port", "[IPv6]:port", or either
 * without ":port".  An empty host is not an error: hp->hostlen is 0.
 *
 * The port rule, the same everywhere: 1 to 5 ASCII digits (no sign, no
 * space), from 1 to 65535.  Port 0 is refused, since every address
 * parsed here is one to connect to, to probe or to be scraped at, and
 * port 0 names none; so listen = in sipcanary.conf(5) is ADDRESS:PORT
 * with a real port.  The one exception is HOSTPORT_PORT0 in flags, for
 * a caller that binds and wants any free port (httpd_start(): its
 * tests bind 127.0.0.1:0).
 *
 * HOSTPORT_OK, or the first error; with HOSTPORT_AFTER_BRACKET and
 * HOSTPORT_BAD_PORT, hp->host and hp->hostlen are set, so that the
 * caller can judge the host first.
 */
enum hostport_err hostport_parse(const char *s, size_t len, unsigned flags,
		    struct hostport *hp);

/*
 * The port in the n bytes at s, by the rule above (HOSTPORT_PORT0 in
 * flags takes 0).  0, or -1 if it is not one.
 */
int		 hostport_port(const char *s, size_t n, unsigned flags,
		    unsigned *port);

#endif /* SC_HOSTPORT_H */
