/*
 * test_reg.c - the REGISTER binding state machine without a network:
 * responses are built from the request just sent, then twisted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "reg.h"

static const struct reg_params params = {
	.domain = "example.test",
	.user = "alice",
	.password = "secret",
	.local_ip = "127.0.0.1",
	.local_port = 40000,
	.user_agent = "test",
};

/* A header value of the request, e.g. "Call-ID". */
static void
header(const char *req, const char *name, char *out, size_t len)
{
	char		 pat[64];
	const char	*p, *e;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	p = strstr(req, pat);
	assert_non_null(p);
	p += strlen(pat);
	e = strstr(p, "\r\n");
	snprintf(out, len, "%.*s", (int)(e - p), p);
}

/* A response to req with status and extra headers; twist alters a field. */
static msg_t *
response(const char *req, int status, const char *extra, const char *twist)
{
	char via[256], from[256], to[256], callid[128], cseq[64], buf[2048];
	msg_t *m;

	header(req, "Via", via, sizeof(via));
	header(req, "From", from, sizeof(from));
	header(req, "To", to, sizeof(to));
	header(req, "Call-ID", callid, sizeof(callid));
	header(req, "CSeq", cseq, sizeof(cseq));
	if (twist != NULL && strcmp(twist, "callid") == 0)
		strcpy(callid, "someone-else");
	if (twist != NULL && strcmp(twist, "cseq") == 0)
		strcpy(cseq, "999 REGISTER");
	if (twist != NULL && strcmp(twist, "method") == 0)
		snprintf(cseq + strcspn(cseq, " "), 20, " OPTIONS");
	if (twist != NULL && strcmp(twist, "branch") == 0)
		strcpy(strstr(via, "branch=") + 7, "z9hG4bKforged;rport");
	snprintf(buf, sizeof(buf), "SIP/2.0 %d Whatever\r\nVia: %s\r\n"
	    "From: %s\r\nTo: %s;tag=srv\r\nCall-ID: %s\r\nCSeq: %s\r\n%s"
	    "Content-Length: 0\r\n\r\n", status, via, from, to, callid, cseq,
	    extra != NULL ? extra : "");
	m = msg_make(sip_default_mclass(), 0, buf, (ssize_t)strlen(buf));
	assert_non_null(m);
	return m;
}

static char *
build(struct reg *r, unsigned expires)
{
	char	 err[128], *red, *w;
	size_t	 len;

	w = sc_reg_build(r, expires, &len, &red, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(strlen(w), len);
	free(red);
	return w;
}

static enum reg_action
feed(struct reg *r, const char *req, int status, const char *extra,
    const char *twist, enum sc_verdict *v)
{
	char		 why[256];
	msg_t		*m = response(req, status, extra, twist);
	enum reg_action	 a = sc_reg_response(r, m, v, why, sizeof(why));

	msg_destroy(m);
	return a;
}

#define CHALLENGE "WWW-Authenticate: Digest realm=\"example.test\", " \
	"nonce=\"abc\", qop=\"auth\"\r\n"

static void
test_happy_path(void **state)
{
	struct reg	*r = sc_reg_new(&params);
	char		*req, *req2;
	enum sc_verdict	 v = SC_INTERNAL_ERROR;

	(void)state;
	req = build(r, 300);
	assert_null(strstr(req, "Authorization"));
	assert_int_equal(feed(r, req, 100, NULL, NULL, &v), REG_PROVISIONAL);
	assert_int_equal(feed(r, req, 401, CHALLENGE, NULL, &v), REG_RESEND);
	req2 = build(r, sc_reg_expires(r));
	assert_non_null(strstr(req2, "Authorization: Digest"));
	assert_non_null(strstr(req2, "CSeq: 2 REGISTER"));
	/* The old request's responses no longer match. */
	assert_int_equal(feed(r, req, 200, NULL, NULL, &v), REG_IGNORE);
	assert_int_equal(feed(r, req2, 200,
	    "Contact: <sip:alice@127.0.0.1:40000;transport=tls>;expires=120\r\n",
	    NULL, &v), REG_DONE);
	assert_int_equal(v, SC_OK);
	assert_int_equal(sc_reg_granted(r), 120);
	assert_string_equal(sc_reg_auth_algorithm(r), "MD5");
	assert_int_equal(sc_reg_unmatched(r), 1);
	free(req);
	free(req2);
	sc_reg_free(r);
}

static void
test_unmatched_ignored(void **state)
{
	static const char *twists[] = { "callid", "cseq", "method", "branch" };
	struct reg	*r = sc_reg_new(&params);
	char		*req = build(r, 300);
	enum sc_verdict	 v;
	size_t		 i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(feed(r, req, 200, NULL, twists[i], &v),
		    REG_IGNORE);
	assert_int_equal(sc_reg_unmatched(r), 4);
	free(req);
	sc_reg_free(r);
}

static void
test_second_challenge_rejected(void **state)
{
	struct reg	*r = sc_reg_new(&params);
	char		*req = build(r, 300), *req2;
	enum sc_verdict	 v;

	(void)state;
	assert_int_equal(feed(r, req, 401, CHALLENGE, NULL, &v), REG_RESEND);
	req2 = build(r, 300);
	assert_int_equal(feed(r, req2, 401, CHALLENGE, NULL, &v), REG_DONE);
	assert_int_equal(v, SC_SIP_AUTH_REJECTED);
	free(req);
	free(req2);
	sc_reg_free(r);
}

static void
test_stale_nonce_retried_once(void **state)
{
	struct reg	*r = sc_reg_new(&params);
	char		*req = build(r, 300), *req2, *req3;
	enum sc_verdict	 v;

	(void)state;
	assert_int_equal(feed(r, req, 401, CHALLENGE, NULL, &v), REG_RESEND);
	req2 = build(r, 300);
	assert_int_equal(feed(r, req2, 401, "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"new\", stale=true\r\n", NULL, &v),
	    REG_RESEND);
	req3 = build(r, 300);
	assert_non_null(strstr(req3, "nonce=\"new\""));
	free(req);
	free(req2);
	free(req3);
	sc_reg_free(r);
}

static void
test_no_credentials(void **state)
{
	struct reg_params p = params;
	struct reg	*r;
	char		*req;
	enum sc_verdict	 v;

	(void)state;
	p.password = NULL;
	r = sc_reg_new(&p);
	req = build(r, 300);
	assert_int_equal(feed(r, req, 401, CHALLENGE, NULL, &v), REG_DONE);
	assert_int_equal(v, SC_SIP_AUTH_REJECTED);
	free(req);
	sc_reg_free(r);
}

static void
test_423(void **state)
{
	struct reg	*r = sc_reg_new(&params);
	char		*req = build(r, 30), *req2;
	enum sc_verdict	 v;

	(void)state;
	assert_int_equal(feed(r, req, 423, "Min-Expires: 600\r\n", NULL, &v),
	    REG_RESEND);
	assert_int_equal(sc_reg_expires(r), 600);
	req2 = build(r, sc_reg_expires(r));
	assert_non_null(strstr(req2, "Expires: 600"));
	/* A second 423 ends it. */
	assert_int_equal(feed(r, req2, 423, "Min-Expires: 900\r\n", NULL, &v),
	    REG_DONE);
	assert_int_equal(v, SC_SIP_4XX);
	free(req);
	free(req2);
	sc_reg_free(r);

	r = sc_reg_new(&params);
	req = build(r, 30);
	assert_int_equal(feed(r, req, 423, NULL, NULL, &v), REG_DONE);
	assert_int_equal(v, SC_SIP_4XX);
	free(req);
	sc_reg_free(r);
}

static void
test_final_classes(void **state)
{
	static const struct {
		int		 status;
		enum sc_verdict	 v;
	} cases[] = {
		{ 302, SC_SIP_3XX }, { 403, SC_SIP_AUTH_REJECTED },
		{ 404, SC_SIP_4XX }, { 500, SC_SIP_5XX }, { 503, SC_SIP_5XX },
		{ 603, SC_SIP_6XX },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reg	*r = sc_reg_new(&params);
		char		*req = build(r, 300);
		enum sc_verdict	 v;

		assert_int_equal(feed(r, req, cases[i].status, NULL, NULL, &v),
		    REG_DONE);
		assert_int_equal(v, cases[i].v);
		assert_int_equal(sc_reg_final_status(r), cases[i].status);
		free(req);
		sc_reg_free(r);
	}
}

static void
test_redacted_trace(void **state)
{
	struct reg	*r = sc_reg_new(&params);
	char		*req = build(r, 300), *w, *red, err[64];
	size_t		 len;
	enum sc_verdict	 v;

	(void)state;
	assert_int_equal(feed(r, req, 401, CHALLENGE, NULL, &v), REG_RESEND);
	w = sc_reg_build(r, 300, &len, &red, err, sizeof(err));
	assert_non_null(strstr(w, "response=\""));
	assert_null(strstr(red, "secret"));
	{
		const char *p = strstr(red, "response=\"") + 10;

		assert_int_equal(strspn(p, "x"), 32);
	}
	free(w);
	free(red);
	free(req);
	sc_reg_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_unmatched_ignored),
		cmocka_unit_test(test_second_challenge_rejected),
		cmocka_unit_test(test_stale_nonce_retried_once),
		cmocka_unit_test(test_no_credentials),
		cmocka_unit_test(test_423),
		cmocka_unit_test(test_final_classes),
		cmocka_unit_test(test_redacted_trace),
	};

	sc_reg_free(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
