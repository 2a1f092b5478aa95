/*
 * httpc.h - a small asynchronous HTTP/1.1 client for alert sinks and
 * check --daemon: one POST per connection, over http or https
 * (certificate and host name verified), on an event_base, with a total
 * timeout and a bound on what is read back.
 */
#ifndef SC_HTTPC_H
#define SC_HTTPC_H

#include <stddef.h>

#include "common/url.h"

struct event_base;
struct httpc;
struct httpc_req;

#define HTTPC_HOST_MAX		URL_HOST_MAX
#define HTTPC_KEEP_BODY		512	/* bytes of a response kept for logs */

/* What a request came to; valid during the callback only. */
struct httpc_result {
	int		 status;	/* the HTTP status, or 0 when there
					   was no response */
	const char	*error;		/* with status 0: why, as in
					   "connect: Connection refused" */
	const char	*body;		/* the start of the response body
					   (at most HTTPC_KEEP_BODY bytes, or
					   httpc_keep_body()'s, NUL-terminated),
					   or "" */
	double		 retry_after;	/* Retry-After in seconds, or -1 */
	double		 elapsed;	/* seconds from the start */
};

typedef void	(*httpc_cb)(const struct httpc_result *, void *arg);

/*
 * A client on base.  For https, certificates are verified against
 * ca_file (PEM), or the system trust store when it is NULL.  NULL with
 * the reason in err.
 */
struct httpc	*httpc_new(struct event_base *, const char *ca_file,
		    char *err, size_t errlen);

/*
 * The body bytes the callbacks of requests started from now on get: max,
 * at most 1 MiB (HTTPC_KEEP_BODY by default, enough for a log line).
 */
void		 httpc_keep_body(struct httpc *, size_t max);

/* Cancels every request of the client (without callbacks); NULL is fine. */
void		 httpc_free(struct httpc *);

/*
 * POSTs body (len bytes) to url, with "Content-Type: application/json"
 * and the extra header lines in headers ("Name: value", NULL-terminated
 * array, or NULL).  cb is called exactly once, always from the event
 * loop (never from within httpc_post()), unless the request is
 * cancelled first; the request is gone after it.  timeout bounds the
 * whole request: DNS, connect, TLS, sending and the response.  NULL
 * only when out of memory or for a bad argument.
 */
struct httpc_req *httpc_post(struct httpc *, const struct url *url,
		    const char *const *headers, const char *body, size_t len,
		    double timeout, httpc_cb cb, void *arg);

/* Cancels a request: its callback is not called.  NULL is fine. */
void		 httpc_cancel(struct httpc_req *);

#endif /* SC_HTTPC_H */
