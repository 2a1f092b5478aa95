/*
 * httpd.c - the daemon's HTTP endpoint: evhttp on the daemon's
 * event_base, a route table, GET/HEAD only, optional basic
 * authentication against crypt(3) hashes, optional TLS.
 *
 * Owns: the listening socket (bound by us, not by evhttp, so that the
 * errors name the address and the cause, and IPv6 sockets are v6-only),
 * the dispatch (404, 405, 401/429/503, then the handler), the common
 * response headers, and the server SSL_CTX.  The users and the check of
 * their passwords are auth.c's.
 *
 * Why these limits: the endpoint shares its thread with the probes, and
 * a probe's timings are only as good as the loop's latency.  So
 * requests are small (headers 8 kB, body 4 kB) and idle or slow
 * connections time out after 10 s.
 *
 * libevent 2.1 has no limit on concurrent connections, and its timeout
 * counts idle time only: httpd_conn.c caps the connections and gives
 * each request head a deadline; every new connection passes through it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/hostport.h"
#include "web/auth.h"
#include "web/httpd.h"
#include "web/httpd_conn.h"
#include "common/html.h"

#define HTTPD_MAX_HEADERS	8192
#define HTTPD_MAX_BODY		4096
#define HTTPD_TIMEOUT		10		/* seconds */
#define HTTPD_BACKLOG		64
#define HTTPD_REALM		"sipcanary"

struct httpd_route {
	char		*path;
	httpd_handler	 handler;
	void		*arg;
	int		 public;
	int		 post;		/* POST only: an action */
};

struct httpd {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	struct httpd_route		*routes;
	size_t				 nroutes;
	struct auth			*auth;
	SSL_CTX				*ssl;
	struct hconns			*conns;
};

static void	httpd_healthz(struct evhttp_request *, void *);

/* --- replies --------------------------------------------------------- */

static const char *
httpd_reason(int code)
{
	switch (code) {
	case 200:	return "OK";
	case 204:	return "No Content";
	case 400:	return "Bad Request";
	case 401:	return "Unauthorized";
	case 403:	return "Forbidden";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 429:	return "Too Many Requests";
	case 500:	return "Internal Server Error";
	case 503:	return "Service Unavailable";
	default:	return NULL;	/* libevent's own table */
	}
}

void
httpd_send(struct evhttp_request *req, int code, const char *content_type,
    struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 len[32];

	if (content_type != NULL) {
		evhttp_remove_header(h, "Content-Type");
		evhttp_add_header(h, "Content-Type", content_type);
	}
	/*
	 * libevent 2.1 sends the body of a HEAD reply: on a kept-alive
	 * connection the client would read it as the next response.  Say
	 * the length GET would have, and send nothing.
	 */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD &&
	    body != NULL) {
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_remove_header(h, "Content-Length");
		evhttp_add_header(h, "Content-Length", len);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	evhttp_send_reply(req, code, httpd_reason(code), body);
}

void
httpd_send_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer	*b;

	/* Without memory, still answer: an empty body beats a hang. */
	if ((b = evbuffer_new()) != NULL)
		evbuffer_add(b, text, strlen(text));
	httpd_send(req, code, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

static void
httpd_healthz(struct evhttp_request *req, void *arg)
{
	(void)arg;
	httpd_send_text(req, 200, "ok\n");
}

/* --- authentication (auth.c) ---------------------------------------- */

int
httpd_set_basic_auth(struct httpd *h, const char *user, const char *hash)
{
	return auth_user_add(h->auth, user, hash);
}

int
httpd_load_basic_auth(struct httpd *h, const char *path, char *err,
    size_t errlen)
{
	return auth_load(h->auth, path, err, errlen);
}

void
httpd_clear_basic_auth(struct httpd *h)
{
	auth_clear(h->auth);
}

void
httpd_auth_stats(const struct httpd *h, struct auth_stats *st)
{
	auth_get_stats(h->auth, st);
}

/* --- dispatch -------------------------------------------------------- */

static struct httpd_route *
httpd_route_find(const struct httpd *h, const char *path)
{
	size_t	i;

	size_t	len;

	for (i = 0; i < h->nroutes; i++)
		if (strcmp(h->routes[i].path, path) == 0)
			return &h->routes[i];
	/* A path ending in "*" serves every path under its prefix. */
	for (i = 0; i < h->nroutes; i++) {
		len = strlen(h->routes[i].path);
		if (len > 1 && h->routes[i].path[len - 1] == '*' &&
		    strncmp(h->routes[i].path, path, len - 1) == 0)
			return &h->routes[i];
	}
	return NULL;
}

/* The route of the request's path, or NULL. */
static struct httpd_route *
httpd_route_of(const struct httpd *h, struct evhttp_request *req)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = NULL;

	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	return httpd_route_find(h, path);
}

/* The answer to credentials that did not pass: 401, 429 or 503. */
static void
httpd_auth_refuse(struct evhttp_request *req, int code)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	switch (code) {
	case 429:
		evhttp_add_header(out, "Retry-After", "1");
		httpd_send_text(req, 429, "too many authentication attempts\n");
		break;
	case 503:
		evhttp_add_header(out, "Retry-After", "1");
		httpd_send_text(req, 503, "authentication is busy, try "
		    "again\n");
		break;
	default:
		evhttp_add_header(out, "WWW-Authenticate", "Basic "
		    "realm=\"" HTTPD_REALM "\", charset=\"UTF-8\"");
		httpd_send_text(req, 401, "unauthorized\n");
		break;
	}
}

/*
 * A password check that ran off the loop (auth.c) is done: the request
 * goes on.  The request is still valid: libevent 2.1 stops reading a
 * connection while its request waits for the reply, so it neither sees
 * the client close nor frees the request before the reply; and if it
 * ever did, the request would be detached from it and freed by the
 * reply (evhttp_send_reply() on a request without a connection).
 */
static void
httpd_auth_done(struct evhttp_request *req, int code, void *arg)
{
	struct httpd		*h = arg;
	struct httpd_route	*r;

	if (code == 200 && (r = httpd_route_of(h, req)) != NULL)
		r->handler(req, r->arg);
	else
		httpd_auth_refuse(req, code);
}

static void
httpd_dispatch(struct evhttp_request *req, void *arg)
{
	struct httpd		*h = arg;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct httpd_route	*r;
	int			 cmd, code;

	hconns_request(h->conns, req);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	/* Only the status page is HTML: inline CSS, nothing to fetch. */
	evhttp_add_header(out, "Content-Security-Policy",
	    HTML_CSP "; frame-ancestors 'none'");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");

	if ((r = httpd_route_of(h, req)) == NULL) {
		httpd_send_text(req, 404, "not found\n");
		return;
	}
	cmd = evhttp_request_get_command(req);
	if (r->post && cmd != EVHTTP_REQ_POST) {
		evhttp_add_header(out, "Allow", "POST");
		httpd_send_text(req, 405, "method not allowed\n");
		return;
	}
	if (!r->post && cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(out, "Allow", "GET, HEAD");
		httpd_send_text(req, 405, "method not allowed\n");
		return;
	}
	if (!r->public && auth_enabled(h->auth) &&
	    (code = auth_check(h->auth, req)) != 200) {
		/* Pending: httpd_auth_done() goes on. */
		if (code != AUTH_PENDING)
			httpd_auth_refuse(req, code);
		return;
	}
	r->handler(req, r->arg);
}

static int
httpd_route_add(struct httpd *h, const char *path, httpd_handler handler,
    void *arg, int public)
{
	struct httpd_route	*r;
	char			*p;

	if ((r = httpd_route_find(h, path)) != NULL) {
		r->handler = handler;
		r->arg = arg;
		r->public = public;
		r->post = 0;
		return 0;
	}
	if ((p = strdup(path)) == NULL)
		return -1;
	if ((r = reallocarray(h->routes, h->nroutes + 1, sizeof(*r))) == NULL) {
		free(p);
		return -1;
	}
	h->routes = r;
	r = &r[h->nroutes++];
	r->path = p;
	r->handler = handler;
	r->arg = arg;
	r->public = public;
	r->post = 0;
	return 0;
}

int
httpd_route_post(struct httpd *h, const char *path, httpd_handler handler,
    void *arg)
{
	if (httpd_route_add(h, path, handler, arg, 0) == -1)
		return -1;
	httpd_route_find(h, path)->post = 1;
	return 0;
}

int
httpd_auth_configured(const struct httpd *h)
{
	return auth_enabled(h->auth);
}

int
httpd_request_loopback(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct sockaddr	*sa;
	const struct sockaddr_in6 *s6;

	if (evcon == NULL || (sa = evhttp_connection_get_addr(evcon)) == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
	    s6->sin6_addr.s6_addr[12] == 127;
}

int
httpd_route(struct httpd *h, const char *path, httpd_handler handler,
    void *arg)
{
	return httpd_route_add(h, path, handler, arg, 0);
}

int
httpd_route_public(struct httpd *h, const char *path, httpd_handler handler,
    void *arg)
{
	return httpd_route_add(h, path, handler, arg, 1);
}

/* --- TLS ------------------------------------------------------------- */

static struct bufferevent *
httpd_tls_bev(struct httpd *h)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(h->ssl)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(h->base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Clients that just close are normal, not errors. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/*
 * evhttp's bufferevent callback, at every accept: a TLS one once
 * httpd_set_tls() was called, else a plain one as evhttp makes
 * (options 0: evhttp closes the socket itself); and the connection is
 * handed to httpd_conn.c.  On failure evhttp falls back to a plain
 * bufferevent, unwatched: a TLS client then fails its handshake, which
 * is the right outcome, and idle time still ends it.
 */
static struct bufferevent *
httpd_bev(struct event_base *base, void *arg)
{
	struct httpd		*h = arg;
	struct bufferevent	*bev;

	if (h->ssl != NULL)
		bev = httpd_tls_bev(h);
	else
		bev = bufferevent_socket_new(base, -1, 0);
	if (bev != NULL)
		hconns_accepted(h->conns, bev);
	return bev;
}

static void
httpd_ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
	unsigned long	e = ERR_peek_last_error();
	char		buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s %s: %s", what, path, e ? buf : "failed");
	ERR_clear_error();
}

int
httpd_set_tls(struct httpd *h, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	SSL_CTX		*ctx;

	/* key_file is a secret file: the config load checks it (secret.c). */
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		httpd_ssl_err(err, errlen, "TLS context", "");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		httpd_ssl_err(err, errlen, "TLS certificate", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		httpd_ssl_err(err, errlen, "TLS key", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		httpd_ssl_err(err, errlen, "TLS key does not match", cert_file);
		goto fail;
	}
	/* Connections in progress hold their own reference. */
	SSL_CTX_free(h->ssl);
	h->ssl = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

/* --- the socket ------------------------------------------------------ */

/*
 * Splits "host:port" / "[v6]:port" into its parts, in place, by the
 * rules of hostport_parse(); port 0 binds any free port.
 */
static int
httpd_parse_listen(char *s, char **host, char **port)
{
	struct hostport	 hp;

	if (hostport_parse(s, strlen(s), HOSTPORT_PORT0, &hp) != HOSTPORT_OK ||
	    hp.hostlen == 0 || !hp.has_port)
		return -1;
	*host = s + (hp.host - s);
	*port = *host + hp.hostlen + (hp.bracketed ? 2 : 1);
	(*host)[hp.hostlen] = '\0';
	return 0;
}

static int
httpd_bind(const char *listen_on, char *err, size_t errlen)
{
	struct addrinfo	 hints, *ai = NULL;
	char		*s, *host, *port;
	int		 fd = -1, one = 1, e;

	if ((s = strdup(listen_on)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (httpd_parse_listen(s, &host, &port) == -1) {
		snprintf(err, errlen, "listen \"%s\": expected ADDRESS:PORT, "
		    "e.g. 127.0.0.1:9464 or [::1]:9464", listen_on);
		goto done;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen \"%s\": %s (a numeric IPv4 or "
		    "[IPv6] address is expected)", listen_on, gai_strerror(e));
		goto done;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
		snprintf(err, errlen, "listen %s: socket: %s", listen_on,
		    strerror(errno));
		goto done;
	}
	/* Restarts must not wait for TIME_WAIT to clear. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:9464 means IPv6 only; say 0.0.0.0 as well to get both. */
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, HTTPD_BACKLOG) == -1) {
		snprintf(err, errlen, "listen %s: %s", listen_on,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
done:
	if (ai != NULL)
		freeaddrinfo(ai);
	free(s);
	return fd;
}

struct httpd *
httpd_start(struct event_base *base, const char *listen_on, char *err,
    size_t errlen)
{
	struct httpd	*h;
	int		 fd = -1;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	if ((h->auth = auth_new(base, httpd_auth_done, h, err, errlen)) ==
	    NULL)
		goto fail;
	if ((fd = httpd_bind(listen_on, err, errlen)) == -1)
		goto fail;
	if ((h->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, HTTPD_MAX_BODY);
	evhttp_set_timeout(h->http, HTTPD_TIMEOUT);
	evhttp_set_default_content_type(h->http, "text/plain; charset=utf-8");
	/* Every method reaches the dispatch, which answers 405 with Allow. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, httpd_dispatch, h);
	if ((h->sock = evhttp_accept_socket_with_handle(h->http, fd)) == NULL) {
		snprintf(err, errlen, "listen %s: cannot accept: %s", listen_on,
		    strerror(errno));
		goto fail;
	}
	fd = -1;	/* evhttp owns it now */
	if ((h->conns = hconns_new(base, evhttp_bound_socket_get_listener(
	    h->sock))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evhttp_set_bevcb(h->http, httpd_bev, h);
	if (httpd_route_public(h, "/healthz", httpd_healthz, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return h;
fail:
	if (fd != -1)
		close(fd);
	httpd_free(h);
	return NULL;
}

int
httpd_bound_port(const struct httpd *h)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (h == NULL || h->sock == NULL || getsockname(
	    evhttp_bound_socket_get_fd(h->sock), (struct sockaddr *)&ss,
	    &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int
httpd_set_limits(struct httpd *h, const struct httpd_limits *lim)
{
	return hconns_set_limits(h->conns, lim);
}

void
httpd_get_limits(const struct httpd *h, struct httpd_limits *lim)
{
	hconns_get_limits(h->conns, lim);
}

void
httpd_get_stats(const struct httpd *h, struct httpd_stats *st)
{
	hconns_get_stats(h->conns, st);
}

void
httpd_set_log(struct httpd *h, void (*fn)(void *, const char *), void *arg)
{
	hconns_set_log(h->conns, fn, arg);
}

void
httpd_free(struct httpd *h)
{
	size_t	i;

	if (h == NULL)
		return;
	/* Before evhttp_free(), which frees the requests it answers. */
	auth_free(h->auth);
	/* Closes the listener and every connection, without callbacks. */
	hconns_free(h->conns);
	if (h->http != NULL)
		evhttp_free(h->http);
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	free(h->routes);
	SSL_CTX_free(h->ssl);
	free(h);
}
