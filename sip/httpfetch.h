/*
 * httpfetch.h - one bounded HTTP GET or POST over plain http, on the
 * caller's event loop, for revocation data (CRLs, OCSP).  Internal to the
 * sip/ library.
 */
#ifndef SC_HTTPFETCH_H
#define SC_HTTPFETCH_H

#include <stddef.h>

struct event_base;
struct httpfetch;

#define HTTPFETCH_HEAD_MAX	16384	/* bytes of status line + headers */
/* How a reason begins when the response was over max_body. */
#define HTTPFETCH_TOO_LARGE	"the response is larger than the limit"

/*
 * The answer: ok with the status and the body (valid during the call
 * only), or not ok with the reason in why.  A status other than 200 is
 * ok here; the caller words it.
 */
typedef void	(*httpfetch_cb)(int ok, int status, const unsigned char *body,
		    size_t len, const char *why, void *arg);

/*
 * Starts a GET of url (http://host[:port]/path), or a POST of body with
 * content type ctype when body is not NULL.  The body read back is at
 * most max_body bytes and the whole request takes at most timeout
 * seconds.  cb runs once, from the event loop, never from this call.
 * NULL with the reason in err (a URL that is not http, no memory).
 */
struct httpfetch *sc_httpfetch_start(struct event_base *, const char *url,
		    const void *body, size_t bodylen, const char *ctype,
		    size_t max_body, double timeout, httpfetch_cb, void *arg,
		    char *err, size_t errlen);
/* Cancels: cb does not run.  Accepts NULL. */
void		 sc_httpfetch_free(struct httpfetch *);

/* Frees the name resolver the fetches share (at exit). */
void		 sc_httpfetch_cleanup(void);
/* The same if it is bound to base, a loop about to be freed. */
void		 sc_httpfetch_detach(struct event_base *);

/* A response split by sc_httpfetch_parse(). */
struct httpfetch_resp {
	int		 status;
	size_t		 body_off;	/* into the buffer */
	size_t		 body_len;
};

/*
 * Reads the response in buf[0..len): 1 when it is complete (the body is
 * Content-Length bytes long, or eof says the connection closed), 0 when
 * more bytes are needed, -1 with the reason in err when it is not HTTP,
 * is chunked, is cut short, or its body is over max_body bytes.
 */
int		 sc_httpfetch_parse(const char *buf, size_t len, int eof,
		    size_t max_body, struct httpfetch_resp *,
		    char *err, size_t errlen);

/*
 * 1 if why, the reason of a failed fetch or of sc_httpfetch_parse(),
 * says that the response was over max_body (HTTPFETCH_TOO_LARGE), so
 * that the caller can tell how to raise its limit; else 0.
 */
int		 sc_httpfetch_too_large(const char *why);

/*
 * Splits an http URL: host (brackets of an IPv6 literal removed), port
 * (80 by default) and path ("/" when none).  -1 with the reason in err.
 */
int		 sc_httpfetch_url(const char *url, char *host, size_t hostlen,
		    int *port, char *path, size_t pathlen, char *err,
		    size_t errlen);

#endif /* SC_HTTPFETCH_H */
