/*
 * httpfetch.c - the library's HTTP client for revocation data: one GET of
 * a CRL or one POST of an OCSP request, HTTP/1.0 with "Connection:
 * close", over plain http, on the caller's event loop.
 *
 * Owns: splitting the URL, the name lookup (libevent's evdns: never a
 * blocking getaddrinfo() on the loop the probes are timed on), the
 * connection, one timer for the whole request (a responder that trickles
 * bytes cannot hold a probe), the bound on the bytes read, and reading
 * the response (sc_httpfetch_parse(), a pure function the fuzz harness
 * drives).
 *
 * Why plain http only: RFC 5280 §4.2.1.13 and RFC 6960 Appendix A publish
 * CRLs and OCSP over http; fetching revocation data over TLS would itself
 * need revocation data.  Why HTTP/1.0: the server then never chunks and
 * closes the connection, so a response ends at Content-Length or EOF.
 *
 * Why not the program's prober/alert/httpc.c: sip/ must not depend on
 * prober/, and that client is built for delivering alerts (TLS to the
 * receiver, the status line only); a fetch callback supplied by every
 * caller (check, certs, drill, the daemon) would wire the same thing four
 * times and leave the library unable to check revocation on its own.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "httpfetch.h"

struct httpfetch {
	struct bufferevent	*bev;
	struct event		*timer;
	struct event		*later;	/* a failure found while starting */
	size_t			 max_body;
	httpfetch_cb		 cb;
	void			*arg;
	char			 why[400];
};

/* The resolver the fetches share, bound to the loop that made it. */
static struct evdns_base	*fetch_dns;
static struct event_base	*fetch_dns_base;

int
sc_httpfetch_url(const char *url, char *host, size_t hostlen, int *port,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	const char	*h, *end, *p, *colon;
	size_t		 n;
	char		*e;
	long		 v;

	/*
	 * The URL comes from a certificate: it must not add headers, nor
	 * put control bytes into a report (so it is checked first, before
	 * any message quotes it).
	 */
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "the URL holds a space, a control "
			    "or a non-ASCII byte");
			return -1;
		}
	if (strncasecmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "not an http URL: %.200s", url);
		return -1;
	}
	h = url + 7;
	end = h + strcspn(h, "/?#");
	p = *end == '/' ? end : "/";
	if (*h == '[') {
		if ((colon = memchr(h, ']', (size_t)(end - h))) == NULL)
			goto bad;
		n = (size_t)(colon - h - 1);
		h++;
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (n == 0 || n >= hostlen || memchr(h, '@', n) != NULL)
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = 80;
	if (colon != NULL) {
		errno = 0;
		v = strtol(colon + 1, &e, 10);
		if (e != end || e == colon + 1 || errno != 0 || v < 1 ||
		    v > 65535)
			goto bad;
		*port = (int)v;
	}
	if (strlen(p) >= pathlen) {
		snprintf(err, errlen, "URL path too long: %.200s", url);
		return -1;
	}
	snprintf(path, pathlen, "%s", p);
	return 0;
bad:
	snprintf(err, errlen, "cannot read the host and port of %.200s", url);
	return -1;
}

/* The value of the header named name (with its colon), or NULL. */
static const char *
fetch_header(const char *head, size_t headlen, const char *name,
    size_t *vlen)
{
	const char	*line = head, *end = head + headlen, *nl;
	size_t		 nlen = strlen(name);

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - line) > nlen &&
		    strncasecmp(line, name, nlen) == 0) {
			line += nlen;
			while (line < nl && (*line == ' ' || *line == '\t'))
				line++;
			*vlen = (size_t)(nl - line);
			while (*vlen > 0 && (line[*vlen - 1] == '\r' ||
			    line[*vlen - 1] == ' '))
				(*vlen)--;
			return line;
		}
		line = nl + 1;
	}
	return NULL;
}

/*
 * The length of the response head, its blank line included: 1 with
 * *head set, 0 when more bytes are needed, -1 with the reason in err.
 */
static int
fetch_head(const char *buf, size_t len, int eof, size_t *head, char *err,
    size_t errlen)
{
	size_t	 i;

	for (i = 0; i + 3 < len && i < HTTPFETCH_HEAD_MAX; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			*head = i + 4;
			return 1;
		}
	if (len >= HTTPFETCH_HEAD_MAX) {
		snprintf(err, errlen, "the response head is over %d bytes",
		    HTTPFETCH_HEAD_MAX);
		return -1;
	}
	if (eof) {
		snprintf(err, errlen, "the server closed the connection "
		    "before the end of the response head");
		return -1;
	}
	return 0;
}

/*
 * The Content-Length of the head, if it has one: 1 with *clen set, 0
 * without, -1 when it is not a number.
 */
static int
fetch_content_length(const char *buf, size_t head, unsigned long long *clen,
    char *err, size_t errlen)
{
	const char	*v;
	size_t		 i, vlen;

	if ((v = fetch_header(buf, head, "content-length:", &vlen)) == NULL)
		return 0;
	if (vlen == 0 || vlen > 19) {
		snprintf(err, errlen, "a Content-Length that is not a number");
		return -1;
	}
	*clen = 0;
	for (i = 0; i < vlen; i++) {
		if (!isdigit((unsigned char)v[i])) {
			snprintf(err, errlen, "a Content-Length that is not a "
			    "number");
			return -1;
		}
		*clen = *clen * 10 + (unsigned)(v[i] - '0');
	}
	return 1;
}

int
sc_httpfetch_parse(const char *buf, size_t len, int eof, size_t max_body,
    struct httpfetch_resp *r, char *err, size_t errlen)
{
	const char		*v;
	size_t			 head, vlen, have;
	unsigned long long	 clen = 0;
	int			 has_clen, rc;

	if ((rc = fetch_head(buf, len, eof, &head, err, errlen)) != 1)
		return rc;
	if (head < 12 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '9' ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11])) {
		snprintf(err, errlen, "not an HTTP/1.x response");
		return -1;
	}
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 +
	    (buf[11] - '0');
	if ((v = fetch_header(buf, head, "transfer-encoding:", &vlen)) !=
	    NULL && !(vlen == 8 && strncasecmp(v, "identity", 8) == 0)) {
		snprintf(err, errlen, "the response is chunked (or another "
		    "transfer coding) in answer to an HTTP/1.0 request");
		return -1;
	}
	if ((has_clen = fetch_content_length(buf, head, &clen, err,
	    errlen)) == -1)
		return -1;
	have = len - head;
	/* Bytes past Content-Length are not the body: not counted. */
	if ((has_clen && clen > max_body) || (!has_clen && have > max_body)) {
		snprintf(err, errlen, "the response is larger than the limit "
		    "of %zu bytes", max_body);
		return -1;
	}
	r->body_off = head;
	if (has_clen) {
		if (have >= clen) {
			r->body_len = (size_t)clen;
			return 1;
		}
		if (eof) {
			snprintf(err, errlen, "the response was cut short: "
			    "%zu of %llu bytes", have, clen);
			return -1;
		}
		return 0;
	}
	r->body_len = have;
	return eof ? 1 : 0;
}

int
sc_httpfetch_too_large(const char *why)
{
	return why != NULL && strncmp(why, HTTPFETCH_TOO_LARGE,
	    sizeof(HTTPFETCH_TOO_LARGE) - 1) == 0;
}

/* Ends the fetch: the callback last, as it may free the fetch. */
static void
fetch_done(struct httpfetch *f, int ok, int status, const unsigned char *body,
    size_t len, const char *why)
{
	httpfetch_cb	 cb = f->cb;

	bufferevent_disable(f->bev, EV_READ | EV_WRITE);
	event_del(f->timer);
	f->cb = NULL;
	if (cb != NULL)
		cb(ok, status, body, len, why, f->arg);
}

static void
fetch_try(struct httpfetch *f, int eof)
{
	struct evbuffer		*in = bufferevent_get_input(f->bev);
	size_t			 len = evbuffer_get_length(in);
	struct httpfetch_resp	 r;
	unsigned char		*buf;
	char			 err[160];
	int			 rc;

	/* Bounded before it is made contiguous. */
	if (len > f->max_body + HTTPFETCH_HEAD_MAX) {
		snprintf(f->why, sizeof(f->why), HTTPFETCH_TOO_LARGE
		    " of %zu bytes", f->max_body);
		fetch_done(f, 0, 0, NULL, 0, f->why);
		return;
	}
	buf = evbuffer_pullup(in, -1);
	if (buf == NULL && len > 0) {
		fetch_done(f, 0, 0, NULL, 0, "out of memory");
		return;
	}
	rc = sc_httpfetch_parse((const char *)buf, len, eof, f->max_body, &r,
	    err, sizeof(err));
	if (rc == 0)
		return;
	if (rc < 0) {
		snprintf(f->why, sizeof(f->why), "%s", err);
		fetch_done(f, 0, 0, NULL, 0, f->why);
		return;
	}
	fetch_done(f, 1, r.status, buf + r.body_off, r.body_len, NULL);
}

static void
fetch_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	fetch_try(arg, 0);
}

static void
fetch_event(struct bufferevent *bev, short what, void *arg)
{
	struct httpfetch	*f = arg;
	int			 dnserr;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF) {
		fetch_try(f, 1);
		return;
	}
	dnserr = bufferevent_socket_get_dns_error(bev);
	if (dnserr != 0)
		snprintf(f->why, sizeof(f->why), "cannot resolve the host: %s",
		    evutil_gai_strerror(dnserr));
	else
		snprintf(f->why, sizeof(f->why), "%s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	fetch_done(f, 0, 0, NULL, 0, f->why);
}

static void
fetch_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct httpfetch *f = arg;

	(void)fd; (void)what;
	snprintf(f->why, sizeof(f->why), "no complete answer in time");
	fetch_done(f, 0, 0, NULL, 0, f->why);
}

static void
fetch_later(evutil_socket_t fd, short what, void *arg)
{
	struct httpfetch *f = arg;

	(void)fd; (void)what;
	fetch_done(f, 0, 0, NULL, 0, f->why);
}

static struct evdns_base *
fetch_resolver(struct event_base *base)
{
	if (fetch_dns != NULL && fetch_dns_base == base)
		return fetch_dns;
	sc_httpfetch_cleanup();
	fetch_dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	fetch_dns_base = fetch_dns != NULL ? base : NULL;
	return fetch_dns;
}

void
sc_httpfetch_detach(struct event_base *base)
{
	if (fetch_dns_base == base)
		sc_httpfetch_cleanup();
}

void
sc_httpfetch_cleanup(void)
{
	if (fetch_dns != NULL)
		evdns_base_free(fetch_dns, 1);
	fetch_dns = NULL;
	fetch_dns_base = NULL;
}

/* Writes the request; -1 when out of memory. */
static int
fetch_request(struct httpfetch *f, const char *host, int port,
    const char *path, const void *body, size_t bodylen, const char *ctype)
{
	struct evbuffer	*out = bufferevent_get_output(f->bev);
	int		 v6 = strchr(host, ':') != NULL;

	if (evbuffer_add_printf(out, "%s %s HTTP/1.0\r\nHost: %s%s%s",
	    body != NULL ? "POST" : "GET", path, v6 ? "[" : "", host,
	    v6 ? "]" : "") < 0)
		return -1;
	if (port != 80 && evbuffer_add_printf(out, ":%d", port) < 0)
		return -1;
	if (evbuffer_add_printf(out, "\r\nUser-Agent: sipcanary/%s\r\n"
	    "Connection: close\r\n", PACKAGE_VERSION) < 0)
		return -1;
	if (body != NULL && (evbuffer_add_printf(out, "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n", ctype, bodylen) < 0))
		return -1;
	if (evbuffer_add(out, "\r\n", 2) < 0 ||
	    (body != NULL && evbuffer_add(out, body, bodylen) < 0))
		return -1;
	return 0;
}

struct httpfetch *
sc_httpfetch_start(struct event_base *base, const char *url,
    const void *body, size_t bodylen, const char *ctype, size_t max_body,
    double timeout, httpfetch_cb cb, void *arg, char *err, size_t errlen)
{
	struct httpfetch	*f;
	char			 host[256], path[2048];
	int			 port;
	struct timeval		 tv;
	struct evdns_base	*dns = NULL;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof(ss);
	char			 lit[300];
	int			 literal;

	if (sc_httpfetch_url(url, host, sizeof(host), &port, path,
	    sizeof(path), err, errlen) == -1)
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto nomem;
	f->max_body = max_body;
	f->cb = cb;
	f->arg = arg;
	if ((f->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (f->timer = evtimer_new(base, fetch_timeout, f)) == NULL ||
	    (f->later = evtimer_new(base, fetch_later, f)) == NULL)
		goto nomem;
	bufferevent_setcb(f->bev, fetch_read, NULL, fetch_event, f);
	bufferevent_enable(f->bev, EV_READ);
	if (fetch_request(f, host, port, path, body, bodylen, ctype) == -1)
		goto nomem;
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	evtimer_add(f->timer, &tv);
	snprintf(lit, sizeof(lit), strchr(host, ':') != NULL ? "[%s]:%d" :
	    "%s:%d", host, port);
	/* An IP literal needs no resolver; a name is looked up on the loop. */
	literal = evutil_parse_sockaddr_port(lit, (struct sockaddr *)&ss,
	    &sslen) == 0;
	if (literal) {
		if (bufferevent_socket_connect(f->bev, (struct sockaddr *)&ss,
		    sslen) == 0)
			return f;
	} else if ((dns = fetch_resolver(base)) != NULL &&
	    bufferevent_socket_connect_hostname(f->bev, dns, AF_UNSPEC, host,
	    port) == 0)
		return f;
	/* The callback never runs from here: report from the loop. */
	snprintf(f->why, sizeof(f->why), "cannot connect to %s: %s", lit,
	    !literal && dns == NULL ? "no resolver" :
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	event_del(f->timer);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	evtimer_add(f->later, &tv);
	return f;
nomem:
	snprintf(err, errlen, "out of memory");
	sc_httpfetch_free(f);
	return NULL;
}

void
sc_httpfetch_free(struct httpfetch *f)
{
	if (f == NULL)
		return;
	if (f->bev != NULL)
		bufferevent_free(f->bev);
	if (f->timer != NULL)
		event_free(f->timer);
	if (f->later != NULL)
		event_free(f->later);
	free(f);
}
