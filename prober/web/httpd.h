/*
 * httpd.h - the daemon's small HTTP server (/metrics, the status page,
 * /healthz) on its libevent event_base.
 *
 * Order at start-up: httpd_start() (binds the socket), then
 * httpd_set_tls() and httpd_load_basic_auth() (read files that only
 * root may read), then drop privileges, then httpd_route() at leisure.
 *
 * Every response carries Cache-Control: no-store and
 * X-Content-Type-Options: nosniff; Content-Type defaults to text/plain
 * (httpd_send() sets another).  Only GET and HEAD reach handlers: other
 * methods get 405 with Allow, unknown paths 404.  A handler must end in
 * httpd_send() on every path: it also answers HEAD correctly, which
 * libevent 2.1's evhttp_send_reply() does not (it sends the body).
 */
#ifndef SC_HTTPD_H
#define SC_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct auth_stats;
struct evbuffer;
struct event_base;
struct evhttp_request;
struct httpd;

typedef void	(*httpd_handler)(struct evhttp_request *, void *arg);

/*
 * Binds listen ("127.0.0.1:9464", "[::1]:9464"; numeric addresses only,
 * so that start-up never waits for DNS; port 0 picks a free port) and
 * serves on base.  /healthz answers 200 "ok" from the start, without
 * authentication.  Returns NULL with a message in err.
 */
struct httpd	*httpd_start(struct event_base *, const char *listen,
		    char *err, size_t errlen);
/* Closes the socket and every connection.  NULL is a no-op. */
void		 httpd_free(struct httpd *);
/* The bound port, e.g. after port 0; -1 on error. */
int		 httpd_bound_port(const struct httpd *);

/*
 * The limits of the endpoint's connections (web/httpd_conn.c).  At most
 * max_conns connections at once, and max_per_source from one address;
 * one over either is closed as soon as it is accepted.  A request's
 * head (from the accept, or from the end of the reply before on a
 * kept-alive connection, to the end of the request) must arrive within
 * header_timeout seconds, however steadily its bytes trickle in: the
 * 10 s timeout of libevent counts idle time only.  httpd_start() sets
 * the defaults of conf/defaults.h; a change applies to new connections
 * and to new request heads.  Every field must be at least 1.
 */
struct httpd_limits {
	unsigned	 max_conns;
	unsigned	 max_per_source;
	double		 header_timeout;	/* seconds */
};

/* Why a connection was refused or closed early; metric label values. */
enum httpd_refusal {
	HTTPD_REFUSED_TOTAL_CAP = 0,	/* max_conns held already */
	HTTPD_REFUSED_SOURCE_CAP,	/* max_per_source from its address */
	HTTPD_REFUSED_EMFILE,		/* accept() out of descriptors, or
					   closed to give one back */
	HTTPD_REFUSED_NUM
};

/* Counted since httpd_start(). */
struct httpd_stats {
	uint64_t	 refused[HTTPD_REFUSED_NUM];
	uint64_t	 header_timeouts;	/* closed at header_timeout */
	unsigned	 connections;		/* open now */
};

int		 httpd_set_limits(struct httpd *, const struct httpd_limits *);
void		 httpd_get_limits(const struct httpd *, struct httpd_limits *);
void		 httpd_get_stats(const struct httpd *, struct httpd_stats *);
/* "total_cap", "source_cap", "emfile"; "?" for anything else. */
const char	*httpd_refusal_str(int);

/*
 * Where the endpoint's own events go (accept() failing, at most once a
 * minute): fn(arg, message).  Without one they are not written.
 */
void		 httpd_set_log(struct httpd *, void (*fn)(void *, const char *),
		    void *arg);

/*
 * Serves path (exact match, without the query) with handler.  A second
 * call for a path replaces its handler.  httpd_route() paths require
 * basic authentication when it is configured; httpd_route_public()
 * paths never do (/healthz: load balancers and orchestrators probe it
 * without credentials, and it reveals nothing).  0, or -1 (ENOMEM).
 */
int		 httpd_route(struct httpd *, const char *path, httpd_handler,
		    void *arg);
int		 httpd_route_public(struct httpd *, const char *path,
		    httpd_handler, void *arg);
/*
 * As httpd_route(), for POST only (an action; GET and HEAD get 405).  A
 * path of any route that ends in "*" serves every path under that
 * prefix ("/api/v1/targets/" + "*"); exact paths win.
 */
int		 httpd_route_post(struct httpd *, const char *path,
		    httpd_handler, void *arg);
/* Basic authentication is configured (users loaded). */
int		 httpd_auth_configured(const struct httpd *);
/* The request comes from a loopback address (127/8, ::1, mapped). */
int		 httpd_request_loopback(struct evhttp_request *);

/*
 * Basic authentication.  hash is a crypt(3) hash: bcrypt ("$2b$",
 * "$2a$", "$2y$", as htpasswd -B writes) or SHA-256-crypt ("$5$", as
 * mkpasswd -m sha-256 writes); anything else is refused (EINVAL), so
 * that no weak scheme (DES, MD5) slips in.  Each call adds a user.
 * httpd_load_basic_auth() reads an htpasswd-style file of "user:hash"
 * lines ('#' comments, blank lines) and replaces the users with its
 * contents, or leaves them alone and returns -1 with err.  The file
 * must not be writable by group or others.
 */
int		 httpd_set_basic_auth(struct httpd *, const char *user,
		    const char *hash);
int		 httpd_load_basic_auth(struct httpd *, const char *path,
		    char *err, size_t errlen);
void		 httpd_clear_basic_auth(struct httpd *);
/*
 * Passwords not verified before are hashed on a worker thread, at most
 * 16 waiting or running (beyond: 503 with Retry-After); the request
 * waits for its hash, the event loop does not.  The counts since start
 * (web/auth.h).
 */
void		 httpd_auth_stats(const struct httpd *, struct auth_stats *);

/*
 * Serves TLS (1.2 and up) with the certificate chain (leaf first) and
 * key in PEM files, on every new connection from now on.  Called again
 * (e.g. on reload), it swaps them for new connections only.  0, or -1
 * with err, in which case nothing changed.
 */
int		 httpd_set_tls(struct httpd *, const char *cert_file,
		    const char *key_file, char *err, size_t errlen);

/*
 * Sends the reply: code, Content-Type (NULL: keep the default) and the
 * body (NULL: none; drained).  For HEAD, the body is dropped and its
 * length sent as Content-Length.  Every handler ends here.
 */
void		 httpd_send(struct evhttp_request *, int code,
		    const char *content_type, struct evbuffer *body);
/* The same with a short text/plain body. */
void		 httpd_send_text(struct evhttp_request *, int code,
		    const char *text);

#endif /* SC_HTTPD_H */
