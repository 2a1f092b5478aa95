/*
 * httpc.c - the HTTP client of the alert sinks (and of check --daemon):
 * one POST per connection ("Connection: close"), http or https, on the
 * daemon's event_base (or the command's).
 *
 * Owns: the client SSL_CTX (built by the library's verifying builder,
 * sc_tls_client_ctx_new: ca_file or the system store, TLS 1.2 at least,
 * no session cache), the asynchronous name
 * lookups (libevent's evdns: never a blocking getaddrinfo() on the loop
 * the probes are timed on), each request's connection, its total timer,
 * and reading the response far enough to know its status.
 *
 * Why not evhttp's client (evhttp_connection_base_bufferevent_new): its
 * timeouts bound each read and write, not the request, so a receiver
 * that trickles bytes holds a sink forever; its error callback does not
 * say whether the connect was refused, the name did not resolve or the
 * certificate was wrong, which is what an on-call engineer needs in the
 * log; it may reconnect on its own with an SSL object that cannot be
 * used twice; and evhttp_cancel_request()'s ownership rules are easy to
 * get wrong.  A POST with "Connection: close" and a status line to read
 * is small enough to own: a request is a bufferevent (socket or
 * OpenSSL), a timer for the whole request, and a little parser.
 *
 * Certificates: SSL_VERIFY_PEER fails the handshake on any error (this is
 * a client delivering pages, not a probe: nothing is sent to a server
 * that is not verified); the name is checked by X509_VERIFY_PARAM
 * (host name, or the IP address for an IP literal; no partial
 * wildcards), and SNI is sent for names.
 *
 * What is read back is bounded: headers HTTPC_MAX_HEAD bytes, the body
 * HTTPC_MAX_BODY bytes, of which HTTPC_KEEP_BODY are kept for the log
 * (or what httpc_keep_body() says, for a caller that reads the body).
 * Once the status line is in, the request has its answer; a body cut
 * short does not change it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "alert/httpc.h"
#include "common/timer.h"
#include "sipcanary.h"

#define HTTPC_MAX_HEAD		16384		/* status line and headers */
#define HTTPC_MAX_BODY		(1024 * 1024)	/* read, then stop */
#define HTTPC_MAX_LINE		1024		/* a chunk-size line */
#define HTTPC_MAX_HEADER_LINES	16		/* extra request headers */

enum httpc_state {
	RQ_RESOLVING = 0,
	RQ_CONNECTING,		/* TCP, and TLS when https */
	RQ_HEAD,		/* request sent or being sent */
	RQ_BODY_LEN,		/* Content-Length bytes */
	RQ_BODY_EOF,		/* until the connection closes */
	RQ_CHUNK_SIZE,
	RQ_CHUNK_DATA,
	RQ_CHUNK_CRLF,
	RQ_TRAILER,
	RQ_DONE
};

struct httpc_req {
	TAILQ_ENTRY(httpc_req) entry;
	struct httpc	*c;
	struct bufferevent *bev;
	struct event	*timer;		/* total timeout; and deferred errors */
	struct evdns_getaddrinfo_request *dnsreq;
	struct evbuffer	*out;		/* the request, until connected */
	SSL		*ssl;		/* owned by bev once it exists */
	struct url	 url;
	httpc_cb	 cb;
	void		*arg;
	enum httpc_state state;
	int		 resolving;
	int		 failed;	/* error[] is to be reported */
	int		 status;
	int		 chunked;
	int		 have_len;
	unsigned long long remain;
	size_t		 headbytes;
	size_t		 bodybytes;
	double		 retry_after;
	double		 timeout;
	double		 start;
	size_t		 nkeep;
	size_t		 keepmax;	/* the client's keep, at the start */
	char		*keep;		/* keepmax + 1 bytes */
	char		 error[256];
};

struct httpc {
	struct event_base *base;
	SSL_CTX		*ctx;
	struct evdns_base *dns;		/* made at the first name looked up */
	size_t		 keep;		/* body bytes kept for the callback */
	TAILQ_HEAD(, httpc_req) reqs;
};

static void	httpc_req_free(struct httpc_req *);
static void	httpc_readcb(struct bufferevent *, void *);

static double
httpc_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -------------------------------------------------------------------- */
/* the client */

struct httpc *
httpc_new(struct event_base *base, const char *ca_file, char *err,
    size_t errlen)
{
	struct httpc		*c;
	enum sc_tls_ctx_fail	 why;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->base = base;
	c->keep = HTTPC_KEEP_BODY;
	TAILQ_INIT(&c->reqs);
	if ((c->ctx = sc_tls_client_ctx_new(ca_file, TLS1_2_VERSION, &why)) ==
	    NULL) {
		if (why == SC_TLS_CTX_CA_FILE)
			snprintf(err, errlen, "cannot load CA certificates "
			    "from %s", ca_file);
		else if (why == SC_TLS_CTX_SYSTEM_STORE)
			snprintf(err, errlen, "cannot load the system trust "
			    "store");
		else
			snprintf(err, errlen, "cannot make a TLS context");
		ERR_clear_error();
		goto fail;
	}
	SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_OFF);
	/*
	 * Never in the key log (keylog_file): it is for the probes' traffic,
	 * and a notification carries the sink's routing key or secret.
	 */
	SSL_CTX_set_keylog_callback(c->ctx, NULL);
	return c;

fail:
	httpc_free(c);
	return NULL;
}

void
httpc_keep_body(struct httpc *c, size_t max)
{
	c->keep = max < HTTPC_MAX_BODY ? max : HTTPC_MAX_BODY;
}

void
httpc_free(struct httpc *c)
{
	struct httpc_req *r;

	if (c == NULL)
		return;
	while ((r = TAILQ_FIRST(&c->reqs)) != NULL)
		httpc_req_free(r);
	if (c->dns != NULL)
		evdns_base_free(c->dns, 0);
	SSL_CTX_free(c->ctx);
	free(c);
}

/* -------------------------------------------------------------------- */
/* one request */

static void
httpc_req_free(struct httpc_req *r)
{
	struct evdns_getaddrinfo_request *dr;

	if (r == NULL)
		return;
	TAILQ_REMOVE(&r->c->reqs, r, entry);
	if ((dr = r->dnsreq) != NULL) {
		/* Its callback runs now, with EVUTIL_EAI_CANCEL. */
		r->dnsreq = NULL;
		evdns_getaddrinfo_cancel(dr);
	}
	if (r->bev != NULL)
		bufferevent_free(r->bev);	/* and the SSL, and the fd */
	else if (r->ssl != NULL)
		SSL_free(r->ssl);
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->out != NULL)
		evbuffer_free(r->out);
	if (r->keep != NULL)
		explicit_bzero(r->keep, r->keepmax + 1);
	free(r->keep);
	free(r);
}

/* The end of a request: the callback, then the request is gone. */
static void
httpc_finish(struct httpc_req *r)
{
	struct httpc_result res;

	memset(&res, 0, sizeof(res));
	res.status = r->status;
	res.error = r->status == 0 ? r->error : NULL;
	r->keep[r->nkeep] = '\0';
	res.body = r->keep;
	res.retry_after = r->retry_after;
	res.elapsed = httpc_now() - r->start;
	/* Close first: the callback may start the next request. */
	if (r->bev != NULL) {
		bufferevent_free(r->bev);
		r->bev = NULL;
		r->ssl = NULL;
	}
	r->state = RQ_DONE;
	r->cb(&res, r->arg);
	httpc_req_free(r);
}

static void __attribute__((format(printf, 2, 3)))
httpc_fail(struct httpc_req *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	/* An answer already in counts: the server did take the request. */
	if (r->state < RQ_BODY_LEN)
		r->status = 0;
	httpc_finish(r);
}

/* An error found outside the loop's callbacks: reported from the loop. */
static void __attribute__((format(printf, 2, 3)))
httpc_fail_later(struct httpc_req *r, const char *fmt, ...)
{
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->failed = 1;
	timer_arm(r->timer, 0);
}

static const char *
httpc_phase(const struct httpc_req *r)
{
	switch (r->state) {
	case RQ_RESOLVING:
		return "resolving the host name";
	case RQ_CONNECTING:
		return r->url.tls ? "connecting (TCP and TLS)" : "connecting";
	case RQ_HEAD:
		return "waiting for the response";
	default:
		return "reading the response";
	}
}

static void
httpc_timercb(evutil_socket_t fd, short what, void *arg)
{
	struct httpc_req *r = arg;

	(void)fd;
	(void)what;
	if (r->failed) {
		r->status = 0;
		httpc_finish(r);
		return;
	}
	httpc_fail(r, "timed out after %gs %s", r->timeout, httpc_phase(r));
}

/* Keeps the start of the body for the log, and counts it. */
static void
httpc_take(struct httpc_req *r, struct evbuffer *in, size_t n)
{
	size_t	 room = r->keepmax - r->nkeep, k;

	k = n < room ? n : room;
	if (k > 0) {
		evbuffer_remove(in, r->keep + r->nkeep, k);
		r->nkeep += k;
	}
	evbuffer_drain(in, n - k);
	r->bodybytes += n;
}

/* Reads a header line of the response into r. */
static int
httpc_header(struct httpc_req *r, const char *line)
{
	const char	*v;
	char		*end;
	unsigned long long n;
	size_t		 nlen;

	if ((v = strchr(line, ':')) == NULL)
		return 0;	/* tolerated, as by most clients */
	nlen = (size_t)(v - line);
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
		if (strspn(v, "0123456789") == 0 || v[strspn(v,
		    "0123456789")] != '\0') {
			snprintf(r->error, sizeof(r->error), "bad "
			    "Content-Length in the response");
			return -1;
		}
		n = strtoull(v, &end, 10);
		if (r->have_len && n != r->remain) {
			snprintf(r->error, sizeof(r->error), "two different "
			    "Content-Lengths in the response");
			return -1;
		}
		r->have_len = 1;
		r->remain = n;
	} else if (nlen == 17 &&
	    strncasecmp(line, "Transfer-Encoding", 17) == 0) {
		if (strcasestr(v, "chunked") != NULL)
			r->chunked = 1;
	} else if (nlen == 11 && strncasecmp(line, "Retry-After", 11) == 0) {
		/* Seconds only; an HTTP date is ignored (our backoff rules). */
		if (*v != '\0' && strspn(v, "0123456789") == strlen(v) &&
		    strlen(v) < 10)
			r->retry_after = (double)strtoul(v, NULL, 10);
	}
	return 0;
}

/* A line of the response, or NULL if it is not all in yet. */
static char *
httpc_line(struct httpc_req *r, struct evbuffer *in, size_t max,
    size_t *len)
{
	char	*line;

	if ((line = evbuffer_readln(in, len, EVBUFFER_EOL_CRLF)) == NULL) {
		if (evbuffer_get_length(in) > max)
			snprintf(r->error, sizeof(r->error), "response line "
			    "longer than %zu bytes", max);
		return NULL;
	}
	return line;
}

/*
 * The steps of httpc_parse(), one per state: HTTPC_DONE when the
 * response is complete, HTTPC_MORE when more is needed, HTTPC_ERROR on
 * an error (in r->error), HTTPC_NEXT to go on with the new state.
 */
enum {
	HTTPC_ERROR = -1,
	HTTPC_MORE = 0,
	HTTPC_DONE = 1,
	HTTPC_NEXT = 2
};

/* httpc_line() found no line: more to come, or an error. */
static int
httpc_no_line(const struct httpc_req *r)
{
	return r->error[0] != '\0' ? HTTPC_ERROR : HTTPC_MORE;
}

static int
httpc_status_line(struct httpc_req *r, const char *line)
{
	int		 major, minor, status;

	if (sscanf(line, "HTTP/%d.%d %3d", &major, &minor, &status) != 3 ||
	    major != 1 || status < 100 || status > 599) {
		snprintf(r->error, sizeof(r->error), "not an HTTP/1 response");
		return HTTPC_ERROR;
	}
	r->status = status;
	return HTTPC_NEXT;
}

/* The empty line after the headers: what the body is, if any. */
static int
httpc_head_end(struct httpc_req *r)
{
	if (r->status < 200) {
		/* An interim response: the real one follows. */
		r->status = 0;
		r->have_len = r->chunked = 0;
		return HTTPC_NEXT;
	}
	if (r->status == 204 || r->status == 304)
		return HTTPC_DONE;
	if (r->chunked)
		r->state = RQ_CHUNK_SIZE;
	else if (r->have_len) {
		if (r->remain == 0)
			return HTTPC_DONE;
		r->state = RQ_BODY_LEN;
	} else
		r->state = RQ_BODY_EOF;
	return HTTPC_NEXT;
}

/* One line of the head: the status line, a header or the end. */
static int
httpc_parse_head(struct httpc_req *r, struct evbuffer *in)
{
	char		*line;
	size_t		 len;
	int		 rc;

	if ((line = httpc_line(r, in, HTTPC_MAX_HEAD - r->headbytes,
	    &len)) == NULL)
		return httpc_no_line(r);
	r->headbytes += len + 2;
	if (r->headbytes > HTTPC_MAX_HEAD) {
		free(line);
		snprintf(r->error, sizeof(r->error), "response headers longer "
		    "than %d bytes", HTTPC_MAX_HEAD);
		return HTTPC_ERROR;
	}
	if (r->status == 0)
		rc = httpc_status_line(r, line);
	else if (len > 0)
		rc = httpc_header(r, line) == -1 ? HTTPC_ERROR : HTTPC_NEXT;
	else
		rc = httpc_head_end(r);
	free(line);
	return rc;
}

/* Content-Length bytes, or a chunk's data. */
static int
httpc_parse_data(struct httpc_req *r, struct evbuffer *in)
{
	size_t		 n;

	if ((n = evbuffer_get_length(in)) == 0)
		return HTTPC_MORE;
	if (n > r->remain)
		n = (size_t)r->remain;
	httpc_take(r, in, n);
	r->remain -= n;
	if (r->bodybytes > HTTPC_MAX_BODY)
		return HTTPC_DONE;
	if (r->remain > 0)
		return HTTPC_MORE;
	if (r->state == RQ_BODY_LEN)
		return HTTPC_DONE;
	r->state = RQ_CHUNK_CRLF;
	return HTTPC_NEXT;
}

static int
httpc_parse_chunk_size(struct httpc_req *r, struct evbuffer *in)
{
	char		*line, *end;
	size_t		 len;
	unsigned long long sz;

	if ((line = httpc_line(r, in, HTTPC_MAX_LINE, &len)) == NULL)
		return httpc_no_line(r);
	sz = strtoull(line, &end, 16);
	if (end == line || (*end != '\0' && *end != ';' && *end != ' ' &&
	    *end != '\t')) {
		free(line);
		snprintf(r->error, sizeof(r->error), "bad chunk size in the "
		    "response");
		return HTTPC_ERROR;
	}
	free(line);
	r->remain = sz;
	r->state = sz == 0 ? RQ_TRAILER : RQ_CHUNK_DATA;
	return HTTPC_NEXT;
}

/* The CRLF after a chunk's data, or a trailer line (empty: the end). */
static int
httpc_parse_skip_line(struct httpc_req *r, struct evbuffer *in)
{
	char		*line;
	size_t		 len;

	if ((line = httpc_line(r, in, HTTPC_MAX_LINE, &len)) == NULL)
		return httpc_no_line(r);
	free(line);
	if (r->state == RQ_CHUNK_CRLF) {
		r->state = RQ_CHUNK_SIZE;
		return HTTPC_NEXT;
	}
	return len == 0 ? HTTPC_DONE : HTTPC_NEXT;
}

/*
 * Parses what has arrived: 1 when the response is complete, 0 when more
 * is needed, -1 on an error (in r->error).
 */
static int
httpc_parse(struct httpc_req *r, struct evbuffer *in)
{
	size_t		 n;
	int		 rc = HTTPC_NEXT;

	r->error[0] = '\0';
	while (rc == HTTPC_NEXT) {
		switch (r->state) {
		case RQ_RESOLVING:
		case RQ_CONNECTING:
			r->state = RQ_HEAD;
			break;
		case RQ_HEAD:
			rc = httpc_parse_head(r, in);
			break;
		case RQ_BODY_LEN:
		case RQ_CHUNK_DATA:
			rc = httpc_parse_data(r, in);
			break;
		case RQ_BODY_EOF:
			if ((n = evbuffer_get_length(in)) > 0)
				httpc_take(r, in, n);
			rc = r->bodybytes > HTTPC_MAX_BODY ? HTTPC_DONE :
			    HTTPC_MORE;
			break;
		case RQ_CHUNK_SIZE:
			rc = httpc_parse_chunk_size(r, in);
			break;
		case RQ_CHUNK_CRLF:
		case RQ_TRAILER:
			rc = httpc_parse_skip_line(r, in);
			break;
		case RQ_DONE:
			rc = HTTPC_DONE;
			break;
		}
	}
	return rc;
}

static void
httpc_readcb(struct bufferevent *bev, void *arg)
{
	struct httpc_req *r = arg;
	int		 rc;

	if ((rc = httpc_parse(r, bufferevent_get_input(bev))) == 1)
		httpc_finish(r);
	else if (rc == -1)
		httpc_fail(r, "%s", r->error);
}

/* Why a connection failed, as precisely as OpenSSL and the socket say. */
static void
httpc_why(struct httpc_req *r, char *buf, size_t len)
{
	unsigned long	 e;
	long		 vr;
	socklen_t	 slen;
	int		 soerr = 0, sys = EVUTIL_SOCKET_ERROR();
	evutil_socket_t	 fd;

	if (r->ssl != NULL && (vr = SSL_get_verify_result(r->ssl)) !=
	    X509_V_OK && r->state == RQ_CONNECTING) {
		snprintf(buf, len, "TLS: certificate verify failed: %s",
		    X509_verify_cert_error_string(vr));
		while (bufferevent_get_openssl_error(r->bev) != 0)
			;
		return;
	}
	if (r->ssl != NULL && (e = bufferevent_get_openssl_error(r->bev)) !=
	    0) {
		snprintf(buf, len, "TLS: %s", ERR_reason_error_string(e) !=
		    NULL ? ERR_reason_error_string(e) : "handshake failed");
		while (bufferevent_get_openssl_error(r->bev) != 0)
			;
		return;
	}
	fd = bufferevent_getfd(r->bev);
	slen = sizeof(soerr);
	if (fd != -1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
	    &slen) == 0 && soerr != 0)
		sys = soerr;
	if (sys == 0)
		snprintf(buf, len, "%s: connection lost",
		    r->state == RQ_CONNECTING ? "connect" : "read");
	else
		snprintf(buf, len, "%s: %s", r->state == RQ_CONNECTING ?
		    "connect" : "read", evutil_socket_error_to_string(sys));
}

static void
httpc_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct httpc_req *r = arg;
	char		 why[200];
	int		 rc;

	if (what & BEV_EVENT_CONNECTED) {
		r->state = RQ_HEAD;
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* What came with the end, first. */
		if (r->state >= RQ_HEAD && r->state != RQ_DONE) {
			rc = httpc_parse(r, bufferevent_get_input(bev));
			if (rc == -1) {
				httpc_fail(r, "%s", r->error);
				return;
			}
			if (rc == 1 || r->state == RQ_BODY_EOF) {
				httpc_finish(r);
				return;
			}
		}
		if (r->state >= RQ_BODY_LEN) {
			/* Cut short, but the status is in. */
			httpc_finish(r);
			return;
		}
		if (what & BEV_EVENT_ERROR)
			httpc_why(r, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "connection closed %s",
			    r->state == RQ_CONNECTING ? "while connecting" :
			    "before the response");
		httpc_fail(r, "%s", why);
	}
}

/* Connects to sa; errors are reported from the loop. */
static void
httpc_connect(struct httpc_req *r, const struct sockaddr *sa, int salen)
{
	struct httpc	*c = r->c;
	X509_VERIFY_PARAM *param;

	r->state = RQ_CONNECTING;
	if (r->url.tls) {
		if ((r->ssl = SSL_new(c->ctx)) == NULL) {
			httpc_fail_later(r, "TLS: out of memory");
			return;
		}
		/* SNI carries names only (RFC 6066 section 3). */
		if (!r->url.literal)
			SSL_set_tlsext_host_name(r->ssl, r->url.host);
		param = SSL_get0_param(r->ssl);
		X509_VERIFY_PARAM_set_hostflags(param,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if ((r->url.literal ? X509_VERIFY_PARAM_set1_ip_asc(param,
		    r->url.host) : X509_VERIFY_PARAM_set1_host(param,
		    r->url.host, 0)) != 1) {
			httpc_fail_later(r, "TLS: cannot set the name to "
			    "verify");
			return;
		}
		SSL_set_verify(r->ssl, SSL_VERIFY_PEER, NULL);
		r->bev = bufferevent_openssl_socket_new(c->base, -1, r->ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (r->bev == NULL) {
			httpc_fail_later(r, "TLS: out of memory");
			return;
		}
		/* Many servers close without close_notify after answering. */
		bufferevent_openssl_set_allow_dirty_shutdown(r->bev, 1);
	} else if ((r->bev = bufferevent_socket_new(c->base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
		httpc_fail_later(r, "out of memory");
		return;
	}
	bufferevent_setcb(r->bev, httpc_readcb, NULL, httpc_eventcb, r);
	/* Written now, sent once connected (and verified). */
	if (bufferevent_write_buffer(r->bev, r->out) == -1) {
		httpc_fail_later(r, "out of memory");
		return;
	}
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(r->bev, sa, salen) == -1)
		httpc_fail_later(r, "connect: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void
httpc_dnscb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct httpc_req *r = arg;

	if (result == EVUTIL_EAI_CANCEL)
		return;		/* r is being freed */
	r->resolving = 0;
	r->dnsreq = NULL;
	if (result != 0 || res == NULL) {
		httpc_fail_later(r, "cannot resolve %s: %s", r->url.host,
		    result != 0 ? evutil_gai_strerror(result) : "no address");
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	httpc_connect(r, res->ai_addr, (int)res->ai_addrlen);
	evutil_freeaddrinfo(res);
}

static int
httpc_header_ok(const char *h)
{
	return strpbrk(h, "\r\n") == NULL && strchr(h, ':') != NULL &&
	    h[0] != ':' && h[0] != ' ';
}

/* The request, into r->out; the default port is left out of Host. */
static int
httpc_request(struct httpc_req *r, const char *const *headers,
    const char *body, size_t len)
{
	char		 hostport[HTTPC_HOST_MAX + 16];
	int		 i, v6 = strchr(r->url.host, ':') != NULL;

	if (r->url.port == (r->url.tls ? 443u : 80u))
		snprintf(hostport, sizeof(hostport), "%s%s%s", v6 ? "[" : "",
		    r->url.host, v6 ? "]" : "");
	else
		snprintf(hostport, sizeof(hostport), "%s%s%s:%u",
		    v6 ? "[" : "", r->url.host, v6 ? "]" : "", r->url.port);
	if (evbuffer_add_printf(r->out, "POST %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "User-Agent: sipcanary/%s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n", r->url.path, hostport, PACKAGE_VERSION,
	    len) == -1)
		return -1;
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		if (evbuffer_add_printf(r->out, "%s\r\n", headers[i]) == -1)
			return -1;
	if (evbuffer_add(r->out, "\r\n", 2) == -1 ||
	    (len > 0 && evbuffer_add(r->out, body, len) == -1))
		return -1;
	return 0;
}

/* An IP literal: no lookup. */
static void
httpc_connect_literal(struct httpc_req *r)
{
	struct sockaddr_storage ss;
	char		 hostport[HTTPC_HOST_MAX + 16];
	int		 sslen, v6 = strchr(r->url.host, ':') != NULL;

	snprintf(hostport, sizeof(hostport), "%s%s%s:%u", v6 ? "[" : "",
	    r->url.host, v6 ? "]" : "", r->url.port);
	sslen = sizeof(ss);
	if (evutil_parse_sockaddr_port(hostport, (struct sockaddr *)&ss,
	    &sslen) == -1)
		httpc_fail_later(r, "bad address %s", hostport);
	else
		httpc_connect(r, (struct sockaddr *)&ss, sslen);
}

/* A name: looked up with evdns, then connected (httpc_dnscb()). */
static void
httpc_resolve(struct httpc_req *r)
{
	struct httpc	*c = r->c;
	struct evutil_addrinfo hints;
	struct evdns_getaddrinfo_request *dr;
	char		 port[8];

	if (c->dns == NULL && (c->dns = evdns_base_new(c->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		httpc_fail_later(r, "cannot resolve %s: no resolver",
		    r->url.host);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", r->url.port);
	/* The callback may run before evdns_getaddrinfo() returns. */
	r->resolving = 1;
	dr = evdns_getaddrinfo(c->dns, r->url.host, port, &hints, httpc_dnscb,
	    r);
	if (r->resolving)
		r->dnsreq = dr;
}

struct httpc_req *
httpc_post(struct httpc *c, const struct url *url,
    const char *const *headers, const char *body, size_t len,
    double timeout, httpc_cb cb, void *arg)
{
	struct httpc_req *r;
	int		 i;

	if (c == NULL || url == NULL || cb == NULL || timeout <= 0 ||
	    (body == NULL && len > 0))
		return NULL;
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		if (i >= HTTPC_MAX_HEADER_LINES || !httpc_header_ok(headers[i]))
			return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->c = c;
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	r->url = *url;
	r->cb = cb;
	r->arg = arg;
	r->timeout = timeout;
	r->retry_after = -1;
	r->start = httpc_now();
	r->state = RQ_RESOLVING;
	r->keepmax = c->keep;
	if ((r->keep = malloc(r->keepmax + 1)) == NULL ||
	    (r->timer = evtimer_new(c->base, httpc_timercb, r)) == NULL ||
	    (r->out = evbuffer_new()) == NULL)
		goto fail;

	if (httpc_request(r, headers, body, len) == -1)
		goto fail;
	timer_arm(r->timer, timeout);
	if (r->url.literal)
		httpc_connect_literal(r);
	else
		httpc_resolve(r);
	return r;

fail:
	httpc_req_free(r);
	return NULL;
}

void
httpc_cancel(struct httpc_req *r)
{
	httpc_req_free(r);
}
