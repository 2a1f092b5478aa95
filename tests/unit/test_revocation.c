/*
 * test_revocation.c - the parts of revocation checking that need no
 * server: policy names, splitting http URLs, reading HTTP responses as
 * they arrive (sip/httpfetch.c) and telling a response over the limit,
 * and the summary of where answers came
 * from; and how long the cache keeps a CRL over the size limit (against
 * an HTTP server of the test's own).  Fetching, CRLs and OCSP against
 * real servers are in
 * tests/integration/certs_revocation.sh and run_revocation.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "httpfetch.h"
#include "revcache.h"
#include "sipcanary.h"

static void
test_policy(void **state)
{
	const char	*names[] = { "auto", "staple", "ocsp", "crl", "off" };
	int		 i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(sc_revocation_policy_parse(names[i]), i);
		assert_string_equal(sc_revocation_policy_str(i), names[i]);
	}
	assert_int_equal(sc_revocation_policy_parse("AUTO"), -1);
	assert_int_equal(sc_revocation_policy_parse(""), -1);
	assert_int_equal(sc_revocation_policy_parse(NULL), -1);
	assert_int_equal(SC_REVOCATION_AUTO, 0);	/* zeroed opts: auto */
}

static void
test_url(void **state)
{
	char	host[64], path[64], err[160];
	int	port;

	(void)state;
	assert_int_equal(sc_httpfetch_url("http://crl.example.com/a.crl", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(host, "crl.example.com");
	assert_int_equal(port, 80);
	assert_string_equal(path, "/a.crl");
	assert_int_equal(sc_httpfetch_url("HTTP://[::1]:8080", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 8080);
	assert_string_equal(path, "/");
	assert_int_equal(sc_httpfetch_url("http://127.0.0.1:99999/", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), -1);
	assert_int_equal(sc_httpfetch_url("https://ocsp.example/", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an http URL"));
	assert_int_equal(sc_httpfetch_url("http://user@host/", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), -1);
	assert_int_equal(sc_httpfetch_url("http://:80/", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), -1);
	/* A certificate's URL must not smuggle a header into the request. */
	assert_int_equal(sc_httpfetch_url("http://h/a.crl\r\nX-Evil: 1", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control"));
	assert_int_equal(sc_httpfetch_url("http://h/a b", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), -1);
}

static int
parse(const char *s, int eof, size_t max, struct httpfetch_resp *r,
    char *err)
{
	err[0] = '\0';
	return sc_httpfetch_parse(s, strlen(s), eof, max, r, err, 160);
}

static void
test_parse(void **state)
{
	struct httpfetch_resp	r;
	char			err[160];
	const char		*ok = "HTTP/1.0 200 OK\r\nContent-Length: 3"
				    "\r\n\r\nabcTRAILING";

	(void)state;
	assert_int_equal(parse(ok, 0, 100, &r, err), 1);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 3);
	assert_memory_equal(ok + r.body_off, "abc", 3);
	/* Bytes past Content-Length are not counted against the limit. */
	assert_int_equal(parse(ok, 0, 3, &r, err), 1);
	/* Not all there yet; then cut short by the close. */
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nab",
	    0, 100, &r, err), 0);
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nab",
	    1, 100, &r, err), -1);
	assert_non_null(strstr(err, "cut short"));
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Le", 0, 100, &r,
	    err), 0);
	/* No Content-Length: the body ends at the close. */
	assert_int_equal(parse("HTTP/1.0 404 Not Found\r\n\r\nnope", 0, 100,
	    &r, err), 0);
	assert_int_equal(parse("HTTP/1.0 404 Not Found\r\n\r\nnope", 1, 100,
	    &r, err), 1);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.body_len, 4);
	/* Refused, each with its reason. */
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 101\r\n\r\n",
	    0, 100, &r, err), -1);
	assert_non_null(strstr(err, "larger than the limit of 100 bytes"));
	/* ... which the CRL check tells from others (crl_max_size). */
	assert_int_equal(sc_httpfetch_too_large(err), 1);
	assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\n12345", 0, 4, &r,
	    err), -1);
	assert_int_equal(sc_httpfetch_too_large(err), 1);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n", 0, 100, &r, err), -1);
	assert_non_null(strstr(err, "chunked"));
	assert_int_equal(sc_httpfetch_too_large(err), 0);
	assert_int_equal(sc_httpfetch_too_large(NULL), 0);
	assert_int_equal(parse("HTTP/1.0 000 X\r\n\r\n", 1, 100, &r, err), -1);
	assert_int_equal(parse("SIP/2.0 200 OK\r\n\r\n", 1, 100, &r, err), -1);
	assert_non_null(strstr(err, "not an HTTP/1.x response"));
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
	    1, 100, &r, err), -1);
	assert_int_equal(parse("HTTP/1.0 200", 1, 100, &r, err), -1);
	assert_non_null(strstr(err, "before the end of the response head"));
}

static void
test_summary(void **state)
{
	struct sc_revocation	r;
	char			buf[64];

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_string_equal(sc_revocation_summary(NULL, buf, sizeof(buf)), "");
	r.n = 3;
	r.certs[0].source = "ocsp";
	r.certs[0].status = "revoked";
	r.certs[1].status = "none";
	r.certs[2].source = "crl";
	r.certs[2].status = "good";
	assert_string_equal(sc_revocation_summary(&r, buf, sizeof(buf)),
	    "ocsp revoked, none, crl good");
	/* Cut to the buffer, never past it. */
	assert_string_equal(sc_revocation_summary(&r, buf, 8), "ocsp re");
}

/* --- the cache and a CRL over the size limit --------------------------- */

struct big {
	struct event_base	*base;
	int			 requests;
	int			 answered;
	int			 ok;
	int			 too_large;
	time_t			 kept;		/* expires_at - fetched_at */
};

static void
big_serve(struct evhttp_request *req, void *arg)
{
	struct big	*b = arg;
	struct evbuffer	*out = evbuffer_new();
	char		 body[300];

	b->requests++;
	memset(body, 'x', sizeof(body));
	evbuffer_add(out, body, sizeof(body));
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static int
big_parse(const unsigned char *body, size_t len, void *ctx, void **obj,
    time_t *this_update, time_t *next_update, char *err, size_t errlen)
{
	(void)body; (void)len; (void)ctx; (void)obj;
	(void)this_update; (void)next_update;
	snprintf(err, errlen, "not a CRL");
	return -1;
}

static void
big_done(const struct revcache_entry *e, void *arg)
{
	struct big	*b = arg;

	b->answered++;
	b->ok = e->ok;
	b->too_large = sc_httpfetch_too_large(e->error);
	b->kept = e->expires_at - e->fetched_at;
	event_base_loopbreak(b->base);
}

/* One sc_revcache_get; runs the loop until the answer when it fetches. */
static int
big_get(struct big *b, const char *url, int *fetched)
{
	struct revcache_req		 r;
	const struct revcache_entry	*now = NULL;
	struct revcache_wait		*w = NULL;
	char				 err[256];
	int				 rc;

	memset(&r, 0, sizeof(r));
	r.key = "crl test-too-large";
	r.url = url;
	r.max_body = sc_revcache_crl_max();
	r.timeout = 5;
	r.parse = big_parse;
	*fetched = 0;
	rc = sc_revcache_get(b->base, &r, big_done, b, &now, &w, fetched,
	    err, sizeof(err));
	if (rc == 1)
		big_done(now, b);
	else if (rc == 0)
		event_base_dispatch(b->base);
	return rc;
}

/*
 * A CRL over crl_max_size stays a failure for the cache's floor, not the
 * minute of other failures (each try downloads the limit's worth), and
 * is fetched again at once when the limit is raised.  Runs last: it
 * changes the process-wide limits.
 */
static void
test_cache_too_large(void **state)
{
	struct big		 b;
	struct evhttp		*http;
	struct evhttp_bound_socket *bs;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	char			 url[96];
	int			 fetched;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_non_null(b.base = event_base_new());
	assert_non_null(http = evhttp_new(b.base));
	evhttp_set_gencb(http, big_serve, &b);
	assert_non_null(bs = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &sl), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/big.crl",
	    ntohs(sin.sin_port));

	sc_revocation_configure(100, 600);
	assert_int_equal(big_get(&b, url, &fetched), 0);
	assert_int_equal(fetched, 1);
	assert_int_equal(b.answered, 1);
	assert_false(b.ok);
	assert_true(b.too_large);
	assert_int_equal(b.kept, 600);
	/* Asked again: the failure, no second download. */
	assert_int_equal(big_get(&b, url, &fetched), 1);
	assert_int_equal(fetched, 0);
	assert_int_equal(b.requests, 1);
	/* The limit raised: fetched again at once, and now only not a CRL. */
	sc_revocation_configure(1000, 0);
	assert_int_equal(big_get(&b, url, &fetched), 0);
	assert_int_equal(fetched, 1);
	assert_int_equal(b.requests, 2);
	assert_false(b.too_large);
	assert_int_equal(b.kept, (time_t)SC_REVOCATION_RETRY);
	evhttp_free(http);
	event_base_free(b.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_cache_too_large),	/* last */
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
