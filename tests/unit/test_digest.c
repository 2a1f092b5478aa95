/*
 * test_digest.c - unit tests for sip/digest.c: the RFC 2617 and RFC 7616
 * response vectors, challenge selection from parsed 401/407 responses,
 * and Authorization headers checked by recomputing their response.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include <sofia-sip/su_alloc.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_tag.h>

#include "digest.h"

#define REQ_URI		"sips:example.test"
#define USER		"alice"
#define PASS		"s3cr3t-Pa55"

/* RFC 7616 §3.9.1 */
#define R1_USER		"Mufasa"
#define R1_REALM	"http-auth@example.org"
#define R1_PASS		"Circle of Life"
#define R1_URI		"/dir/index.html"
#define R1_NONCE	"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define R1_CNONCE	"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

/* Lowercase hex of H(s), computed in one go, apart from digest.c. */
static void
hexh(const EVP_MD *md, const char *s, char *out)
{
	unsigned char	raw[EVP_MAX_MD_SIZE];
	unsigned int	len, i;

	assert_int_equal(EVP_Digest(s, strlen(s), raw, &len, md, NULL), 1);
	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", raw[i]);
}

/* The RFC 7616 §3.4.1 response with qop=auth, from joined strings. */
static void
independent(const EVP_MD *md, int sess, const char *user, const char *realm,
    const char *pass, const char *method, const char *uri, const char *nonce,
    const char *nc, const char *cnonce, char *out)
{
	char	buf[1024], ha1[129], ha2[129];

	snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);
	hexh(md, buf, ha1);
	if (sess) {
		snprintf(buf, sizeof(buf), "%s:%s:%s", ha1, nonce, cnonce);
		hexh(md, buf, ha1);
	}
	snprintf(buf, sizeof(buf), "%s:%s", method, uri);
	hexh(md, buf, ha2);
	snprintf(buf, sizeof(buf), "%s:%s:%s:%s:auth:%s", ha1, nonce, nc,
	    cnonce, ha2);
	hexh(md, buf, out);
}

static msg_t *
parse(const char *text)
{
	msg_t	*msg;

	msg = msg_make(sip_default_mclass(), 0, text, (ssize_t)strlen(text));
	assert_non_null(msg);
	assert_non_null(sip_object(msg));
	return msg;
}

/* A response with the given status line and authentication headers. */
static msg_t *
response(const char *status, const char *auth)
{
	char	text[4096];

	snprintf(text, sizeof(text),
	    "SIP/2.0 %s\r\n"
	    "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK776asdhds\r\n"
	    "From: <sips:alice@example.test>;tag=1928301774\r\n"
	    "To: <sips:alice@example.test>;tag=a6c85cf\r\n"
	    "Call-ID: a84b4c76e66710@pc33.example.test\r\n"
	    "CSeq: 1 REGISTER\r\n"
	    "%s"
	    "Content-Length: 0\r\n"
	    "\r\n", status, auth);
	return parse(text);
}

static msg_t *
request(void)
{
	msg_t	*msg;
	sip_t	*sip;

	assert_non_null(msg = msg_create(sip_default_mclass(), 0));
	sip = sip_object(msg);
	assert_int_equal(sip_add_tl(msg, sip,
	    SIPTAG_REQUEST_STR("REGISTER " REQ_URI " SIP/2.0"),
	    SIPTAG_VIA_STR("SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK1"),
	    SIPTAG_FROM_STR("<sips:alice@example.test>;tag=1"),
	    SIPTAG_TO_STR("<sips:alice@example.test>"),
	    SIPTAG_CALL_ID_STR("c1@example.test"),
	    SIPTAG_CSEQ_STR("2 REGISTER"),
	    TAG_END()), 0);
	return msg;
}

/* Takes the one challenge of a parsed response, or fails the test. */
static struct digest *
taken(const char *status, const char *auth)
{
	struct digest	*d;
	msg_t		*msg;
	char		 err[256] = "";

	msg = response(status, auth);
	assert_non_null(d = sc_digest_new());
	if (sc_digest_challenge(d, sip_object(msg), err, sizeof(err)) != 0)
		fail_msg("sc_digest_challenge: %s", err);
	msg_destroy(msg);
	return d;
}

/* Expects sc_digest_challenge() to fail with exactly want in err. */
static void
refused(const char *status, const char *auth, const char *want)
{
	struct digest	*d;
	msg_t		*msg;
	char		 err[256] = "";

	msg = response(status, auth);
	assert_non_null(d = sc_digest_new());
	assert_int_equal(sc_digest_challenge(d, sip_object(msg), err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_null(sc_digest_algorithm(d));
	sc_digest_free(d);
	msg_destroy(msg);
}

/* The unquoted value of param name in an auth header, or NULL. */
static const char *
aparam(su_home_t *home, const msg_auth_t *au, const char *name)
{
	size_t	n = strlen(name), i;

	for (i = 0; au->au_params && au->au_params[i]; i++) {
		const char	*p = au->au_params[i];

		if (strncasecmp(p, name, n) == 0 && p[n] == '=')
			return p[n + 1] == '"' ? msg_unquote_dup(home,
			    p + n + 1) : p + n + 1;
	}
	return NULL;
}

/*
 * Serializes req, parses the text back, and checks that its one
 * credentials header answers for want_alg: the response must match what
 * sc_digest_response() gives for the header's own nonce, cnonce and nc.
 * Returns the nc sent, as a number.
 */
static unsigned long
check_credentials(msg_t *req, int proxy, enum digest_alg want_alg,
    const char *realm, const char *nonce, const char *opaque)
{
	su_home_t		*home;
	msg_t			*back;
	sip_t			*sip;
	const msg_auth_t	*au;
	const char		*resp, *nc, *cnonce, *uri, *qop;
	char			*text, want[129];
	size_t			 len;
	unsigned long		 n;

	assert_non_null(home = su_home_new(sizeof(*home)));
	sip = sip_object(req);
	assert_int_equal(sip_complete_message(req), 0);
	assert_int_equal(msg_serialize(req, (msg_pub_t *)sip), 0);
	assert_non_null(text = msg_as_string(home, req, NULL, 0, &len));
	/* The password never travels. */
	assert_null(strstr(text, PASS));

	back = parse(text);
	sip = sip_object(back);
	if (proxy) {
		assert_null(sip->sip_authorization);
		au = sip->sip_proxy_authorization;
	} else {
		assert_null(sip->sip_proxy_authorization);
		au = sip->sip_authorization;
	}
	assert_non_null(au);
	assert_null(au->au_next);	/* replaced, never piled up */
	assert_string_equal(au->au_scheme, "Digest");

	assert_string_equal(aparam(home, au, "username"), USER);
	assert_string_equal(aparam(home, au, "realm"), realm);
	assert_string_equal(aparam(home, au, "nonce"), nonce);
	assert_true(strcasecmp(aparam(home, au, "algorithm"),
	    sc_digest_alg_name(want_alg)) == 0);
	if (opaque != NULL)
		assert_string_equal(aparam(home, au, "opaque"), opaque);
	else
		assert_null(aparam(home, au, "opaque"));
	assert_non_null(resp = aparam(home, au, "response"));
	assert_non_null(nc = aparam(home, au, "nc"));
	assert_non_null(cnonce = aparam(home, au, "cnonce"));
	assert_non_null(uri = aparam(home, au, "uri"));
	assert_non_null(qop = aparam(home, au, "qop"));
	assert_string_equal(qop, "auth");
	assert_string_equal(uri, REQ_URI);
	assert_int_equal(strlen(nc), 8);
	assert_true(strspn(nc, "0123456789abcdef") == 8);
	assert_true(strlen(cnonce) >= 8);

	assert_int_equal(sc_digest_response(want_alg, USER, realm, PASS,
	    "REGISTER", uri, nonce, nc, cnonce, "auth", want, sizeof(want)),
	    0);
	assert_string_equal(resp, want);

	n = strtoul(nc, NULL, 16);
	msg_destroy(back);
	su_home_unref(home);
	return n;
}

static void
test_alg_names(void **state)
{
	static const char	*names[] = { "MD5", "MD5-sess", "SHA-256",
	    "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess" };
	unsigned		 i;

	(void)state;
	for (i = 0; i < DIGEST_ALG_UNSUPPORTED; i++) {
		assert_string_equal(sc_digest_alg_name(i), names[i]);
		assert_int_equal(sc_digest_alg_parse(names[i]), i);
	}
	assert_int_equal(sc_digest_alg_parse(NULL), DIGEST_ALG_MD5);
	assert_int_equal(sc_digest_alg_parse(""), DIGEST_ALG_MD5);
	assert_int_equal(sc_digest_alg_parse("sha-256"), DIGEST_ALG_SHA256);
	assert_int_equal(sc_digest_alg_parse("md5-SESS"), DIGEST_ALG_MD5_SESS);
	assert_int_equal(sc_digest_alg_parse("SHA-512"),
	    DIGEST_ALG_UNSUPPORTED);
	assert_int_equal(sc_digest_alg_parse("AKAv1-MD5"),
	    DIGEST_ALG_UNSUPPORTED);
	assert_null(sc_digest_alg_name(DIGEST_ALG_UNSUPPORTED));
	assert_null(sc_digest_alg_name((enum digest_alg)-1));
}

static void
test_rfc7616_md5(void **state)
{
	char	out[129];

	(void)state;
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, R1_USER, R1_REALM,
	    R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE, "auth",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");
}

static void
test_rfc7616_sha256(void **state)
{
	char	out[129];

	(void)state;
	assert_int_equal(sc_digest_response(DIGEST_ALG_SHA256, R1_USER,
	    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE, "auth",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "753927fa0e85d155564e2e272a28d180"
	    "2ca10daf4496794697cf8db5856cb6c1");
}

/*
 * RFC 7616 §3.9.2, corrected by erratum 4897: the published response
 * (ae66e67d...) and userhash were made with a pre-standard SHA-512/256.
 * The userhash check pins EVP_sha512_256 to FIPS 180-4; userhash=true
 * changes the header's username, not the response.
 */
static void
test_rfc7616_sha512_256(void **state)
{
	char	out[129];

	(void)state;
	hexh(EVP_sha512_256(), "J\xc3\xa4s\xc3\xb8n Doe:api@example.org",
	    out);
	assert_string_equal(out, "793263caabb707a56211940d90411ea4"
	    "a575adeccb7e360aeb624ed06ece9b0b");
	assert_int_equal(sc_digest_response(DIGEST_ALG_SHA512_256,
	    "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org", "Secret, or not?",
	    "GET", "/doe.json", "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
	    "00000001", "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", "auth",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "3798d4131c277846293534c3edc11bd8"
	    "a5e4cdcbff78b05db9d95eeb1cec68a5");
}

/* RFC 2617 §3.5, with its "Circle Of Life" capital O. */
static void
test_rfc2617_md5(void **state)
{
	char	out[129];

	(void)state;
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, "Mufasa",
	    "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
	    "auth", out, sizeof(out)), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

/* RFC 2069 form, no qop: H(H(A1):nonce:H(A2)). */
static void
test_no_qop(void **state)
{
	char	out[129], out2[129], want[129], ha1[129], ha2[129];
	char	buf[512];

	(void)state;
	hexh(EVP_md5(), "Mufasa:testrealm@host.com:Circle Of Life", ha1);
	hexh(EVP_md5(), "GET:/dir/index.html", ha2);
	snprintf(buf, sizeof(buf), "%s:%s:%s", ha1,
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", ha2);
	hexh(EVP_md5(), buf, want);

	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, "Mufasa",
	    "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL, NULL, NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, want);
	/* "" is the same as NULL, and nc/cnonce are then ignored. */
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, "Mufasa",
	    "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "x", "", out2,
	    sizeof(out2)), 0);
	assert_string_equal(out2, want);
}

static void
test_sess(void **state)
{
	static const struct {
		enum digest_alg	  alg;
		const EVP_MD	*(*md)(void);
	} cases[] = {
		{ DIGEST_ALG_MD5_SESS, EVP_md5 },
		{ DIGEST_ALG_SHA256_SESS, EVP_sha256 },
		{ DIGEST_ALG_SHA512_256_SESS, EVP_sha512_256 },
	};
	char	 out[129], want[129], plain[129];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		independent(cases[i].md(), 1, R1_USER, R1_REALM, R1_PASS,
		    "GET", R1_URI, R1_NONCE, "0000000a", R1_CNONCE, want);
		assert_int_equal(sc_digest_response(cases[i].alg, R1_USER,
		    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, "0000000a",
		    R1_CNONCE, "auth", out, sizeof(out)), 0);
		assert_string_equal(out, want);
		assert_int_equal(strlen(out), 2 * EVP_MD_get_size(
		    cases[i].md()));
		/* -sess must differ from the plain algorithm. */
		assert_int_equal(sc_digest_response(cases[i].alg - 1, R1_USER,
		    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, "0000000a",
		    R1_CNONCE, "auth", plain, sizeof(plain)), 0);
		assert_string_not_equal(out, plain);
	}
}

static void
test_response_errors(void **state)
{
	char	out[129];

	(void)state;
	/* SHA-256 needs 65 bytes; MD5 fits in 33. */
	assert_int_equal(sc_digest_response(DIGEST_ALG_SHA256, R1_USER,
	    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE, "auth",
	    out, 64), -1);
	assert_int_equal(sc_digest_response(DIGEST_ALG_SHA256, R1_USER,
	    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE, "auth",
	    out, 65), 0);
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, R1_USER, R1_REALM,
	    R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE, "auth",
	    out, 33), 0);
	assert_int_equal(sc_digest_response(DIGEST_ALG_UNSUPPORTED, R1_USER,
	    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE,
	    "auth", out, sizeof(out)), -1);
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, R1_USER, R1_REALM,
	    R1_PASS, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE,
	    "auth-int", out, sizeof(out)), -1);
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, R1_USER, R1_REALM,
	    R1_PASS, "GET", R1_URI, R1_NONCE, NULL, R1_CNONCE, "auth", out,
	    sizeof(out)), -1);
	assert_int_equal(sc_digest_response(DIGEST_ALG_SHA256_SESS, R1_USER,
	    R1_REALM, R1_PASS, "GET", R1_URI, R1_NONCE, NULL, NULL, NULL, out,
	    sizeof(out)), -1);
	assert_int_equal(sc_digest_response(DIGEST_ALG_MD5, R1_USER, R1_REALM,
	    NULL, "GET", R1_URI, R1_NONCE, "00000001", R1_CNONCE, "auth", out,
	    sizeof(out)), -1);
}

static void
test_challenge_md5_only(void **state)
{
	struct digest	*d;

	(void)state;
	d = taken("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", qop=\"auth\"\r\n");
	assert_string_equal(sc_digest_algorithm(d), "MD5");
	sc_digest_free(d);
}

static void
test_challenge_sha256_first(void **state)
{
	struct digest	*d;

	(void)state;
	d = taken("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", algorithm=SHA-256, qop=\"auth\"\r\n"
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n2\", algorithm=MD5, qop=\"auth\"\r\n");
	assert_string_equal(sc_digest_algorithm(d), "SHA-256");
	sc_digest_free(d);
}

static void
test_challenge_unsupported_first(void **state)
{
	struct digest	*d;

	(void)state;
	d = taken("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", algorithm=SHA-512, qop=\"auth\"\r\n"
	    "WWW-Authenticate: Basic realm=\"example.test\"\r\n"
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n2\", algorithm=MD5, qop=\"auth\"\r\n");
	assert_string_equal(sc_digest_algorithm(d), "MD5");
	sc_digest_free(d);
}

static void
test_challenge_only_unsupported(void **state)
{
	(void)state;
	refused("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", algorithm=SHA-512, qop=\"auth\"\r\n"
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n2\", algorithm=AKAv1-MD5, qop=\"auth\"\r\n",
	    "no supported digest challenge (offered: SHA-512, AKAv1-MD5)");
	refused("401 Unauthorized",
	    "WWW-Authenticate: Basic realm=\"example.test\"\r\n",
	    "no supported digest challenge (offered: Basic)");
	refused("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\"\r\n",
	    "no supported digest challenge (offered: MD5 (no nonce))");
	refused("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", algorithm=SHA-256-sess\r\n",
	    "no supported digest challenge (offered: SHA-256-sess (no qop))");
}

static void
test_challenge_none(void **state)
{
	(void)state;
	refused("401 Unauthorized", "", "401 without WWW-Authenticate");
	refused("407 Proxy Authentication Required", "",
	    "407 without Proxy-Authenticate");
	refused("200 OK", "", "200 response without a challenge");
}

static void
test_challenge_407(void **state)
{
	struct digest	*d;
	msg_t		*req;
	char		 err[256] = "";

	(void)state;
	d = taken("407 Proxy Authentication Required",
	    "Proxy-Authenticate: Digest realm=\"proxy.test\", "
	    "nonce=\"pn1\", algorithm=SHA-256, qop=\"auth\", "
	    "opaque=\"op1\"\r\n");
	assert_string_equal(sc_digest_algorithm(d), "SHA-256");
	req = request();
	if (sc_digest_authorize(d, req, sip_object(req), USER, PASS, "REGISTER",
	    REQ_URI, err, sizeof(err)) != 0)
		fail_msg("sc_digest_authorize: %s", err);
	assert_int_equal(check_credentials(req, 1, DIGEST_ALG_SHA256,
	    "proxy.test", "pn1", "op1"), 1);
	msg_destroy(req);
	sc_digest_free(d);

	/* The same through Sofia. */
	d = taken("407 Proxy Authentication Required",
	    "Proxy-Authenticate: Digest realm=\"proxy.test\", "
	    "nonce=\"pn2\", qop=\"auth\"\r\n");
	assert_string_equal(sc_digest_algorithm(d), "MD5");
	req = request();
	if (sc_digest_authorize(d, req, sip_object(req), USER, PASS, "REGISTER",
	    REQ_URI, err, sizeof(err)) != 0)
		fail_msg("sc_digest_authorize: %s", err);
	assert_int_equal(check_credentials(req, 1, DIGEST_ALG_MD5,
	    "proxy.test", "pn2", NULL), 1);
	msg_destroy(req);
	sc_digest_free(d);
}

static void
test_challenge_auth_int_only(void **state)
{
	struct digest	*d;

	(void)state;
	refused("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", qop=\"auth-int\"\r\n",
	    "no supported digest challenge (offered: MD5 (qop auth-int))");
	/* auth-int alone is skipped for a later challenge we can answer. */
	d = taken("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n1\", algorithm=SHA-256, qop=\"auth-int\"\r\n"
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"n2\", algorithm=MD5, qop=\"auth-int, auth\"\r\n");
	assert_string_equal(sc_digest_algorithm(d), "MD5");
	sc_digest_free(d);
}

/* Quoted, lowercase algorithm and a qop list still pick SHA-256/auth. */
static void
test_challenge_quoted_params(void **state)
{
	struct digest	*d;
	msg_t		*req;
	char		 err[256] = "";

	(void)state;
	d = taken("401 Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.test\", "
	    "nonce=\"q1\", algorithm=\"sha-256\", qop=\"auth-int,auth\", "
	    "stale=TRUE\r\n");
	assert_string_equal(sc_digest_algorithm(d), "SHA-256");
	req = request();
	if (sc_digest_authorize(d, req, NULL, USER, PASS, "REGISTER", REQ_URI,
	    err, sizeof(err)) != 0)
		fail_msg("sc_digest_authorize: %s", err);
	assert_int_equal(check_credentials(req, 0, DIGEST_ALG_SHA256,
	    "example.test", "q1", NULL), 1);
	msg_destroy(req);
	sc_digest_free(d);
}

static void
test_authorize_md5_sofia(void **state)
{
	static const enum digest_alg	 algs[] = { DIGEST_ALG_MD5,
	    DIGEST_ALG_MD5_SESS };
	struct digest			*d;
	msg_t				*req;
	char				 auth[256], err[256] = "";
	size_t				 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		snprintf(auth, sizeof(auth), "WWW-Authenticate: Digest "
		    "realm=\"example.test\", nonce=\"abcdef0123\", "
		    "opaque=\"xyz\", algorithm=%s, qop=\"auth,auth-int\"\r\n",
		    sc_digest_alg_name(algs[i]));
		d = taken("401 Unauthorized", auth);
		assert_string_equal(sc_digest_algorithm(d),
		    sc_digest_alg_name(algs[i]));

		/* A response= param shows the quoted realm matched. */
		req = request();
		if (sc_digest_authorize(d, req, sip_object(req), USER, PASS,
		    "REGISTER", REQ_URI, err, sizeof(err)) != 0)
			fail_msg("sc_digest_authorize: %s", err);
		assert_int_equal(check_credentials(req, 0, algs[i],
		    "example.test", "abcdef0123", "xyz"), 1);

		/* Again on the same message: replaced, nc moves on. */
		if (sc_digest_authorize(d, req, sip_object(req), USER, PASS,
		    "REGISTER", REQ_URI, err, sizeof(err)) != 0)
			fail_msg("sc_digest_authorize: %s", err);
		assert_int_equal(check_credentials(req, 0, algs[i],
		    "example.test", "abcdef0123", "xyz"), 2);
		msg_destroy(req);
		sc_digest_free(d);
	}
}

static void
test_authorize_sha(void **state)
{
	static const enum digest_alg	 algs[] = { DIGEST_ALG_SHA256,
	    DIGEST_ALG_SHA256_SESS, DIGEST_ALG_SHA512_256,
	    DIGEST_ALG_SHA512_256_SESS };
	struct digest			*d;
	msg_t				*req;
	char				 auth[256], err[256] = "";
	size_t				 i;
	unsigned long			 n;

	(void)state;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		snprintf(auth, sizeof(auth), "WWW-Authenticate: Digest "
		    "realm=\"example.test\", nonce=\"N0nce+/=\", "
		    "algorithm=%s, qop=\"auth\"\r\n",
		    sc_digest_alg_name(algs[i]));
		d = taken("401 Unauthorized", auth);
		for (n = 1; n <= 3; n++) {
			req = request();
			if (sc_digest_authorize(d, req, sip_object(req), USER,
			    PASS, "REGISTER", REQ_URI, err, sizeof(err)) != 0)
				fail_msg("sc_digest_authorize: %s", err);
			assert_int_equal(check_credentials(req, 0, algs[i],
			    "example.test", "N0nce+/=", NULL), n);
			msg_destroy(req);
		}
		sc_digest_free(d);
	}
}

/* The same nonce again keeps nc running; a new nonce starts over. */
static void
test_rechallenge(void **state)
{
	struct digest	*d;
	msg_t		*resp, *req;
	char		 err[256] = "";
	int		 i;

	(void)state;
	d = taken("401 Unauthorized", "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"same\", algorithm=SHA-256, "
	    "qop=\"auth\"\r\n");
	req = request();
	assert_int_equal(sc_digest_authorize(d, req, NULL, USER, PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), 0);

	resp = response("401 Unauthorized", "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"same\", algorithm=SHA-256, "
	    "qop=\"auth\"\r\n");
	assert_int_equal(sc_digest_challenge(d, sip_object(resp), err,
	    sizeof(err)), 0);
	msg_destroy(resp);
	assert_int_equal(sc_digest_authorize(d, req, NULL, USER, PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), 0);
	assert_int_equal(check_credentials(req, 0, DIGEST_ALG_SHA256,
	    "example.test", "same", NULL), 2);

	resp = response("401 Unauthorized", "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"fresh\", algorithm=SHA-256, "
	    "qop=\"auth\", stale=true\r\n");
	assert_int_equal(sc_digest_challenge(d, sip_object(resp), err,
	    sizeof(err)), 0);
	msg_destroy(resp);
	for (i = 0; i < 2; i++)
		assert_int_equal(sc_digest_authorize(d, req, NULL, USER, PASS,
		    "REGISTER", REQ_URI, err, sizeof(err)), 0);
	assert_int_equal(check_credentials(req, 0, DIGEST_ALG_SHA256,
	    "example.test", "fresh", NULL), 2);

	/* A failed challenge forgets the old one. */
	resp = response("401 Unauthorized", "");
	assert_int_equal(sc_digest_challenge(d, sip_object(resp), err,
	    sizeof(err)), -1);
	msg_destroy(resp);
	assert_null(sc_digest_algorithm(d));
	assert_int_equal(sc_digest_authorize(d, req, NULL, USER, PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), -1);
	assert_string_equal(err, "no digest challenge taken");
	msg_destroy(req);
	sc_digest_free(d);
}

static void
test_authorize_errors(void **state)
{
	struct digest	*d;
	msg_t		*req;
	sip_t		*sip;
	char		 err[256] = "";

	(void)state;
	assert_non_null(d = sc_digest_new());
	req = request();
	assert_int_equal(sc_digest_authorize(d, req, NULL, USER, PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), -1);
	assert_string_equal(err, "no digest challenge taken");
	sc_digest_free(d);

	d = taken("401 Unauthorized", "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"n\", algorithm=SHA-256, "
	    "qop=\"auth\"\r\n");
	sip = sip_object(req);
	assert_int_equal(sc_digest_authorize(d, req, sip, "al\"ice", PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "username holds a quote, backslash or control character");
	assert_int_equal(sc_digest_authorize(d, req, sip, "alice\r\nX: y", PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), -1);
	assert_null(sip->sip_authorization);
	sc_digest_free(d);

	d = taken("401 Unauthorized", "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"n\", qop=\"auth\"\r\n");
	assert_int_equal(sc_digest_authorize(d, req, sip, "al\\ice", PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), -1);
	assert_null(sip->sip_authorization);
	sc_digest_free(d);
	msg_destroy(req);
}

static char	logged[65536];

static void	capture(void *, const char *, va_list)
		    __attribute__((__format__(__printf__, 2, 0)));

static void
capture(void *stream, const char *fmt, va_list ap)
{
	size_t	len = strlen(logged);

	(void)stream;
	if (len + 1 < sizeof(logged))
		vsnprintf(logged + len, sizeof(logged) - len, fmt, ap);
}

/*
 * At debug level 5 Sofia prints H(A1), which is as good as the password
 * for the realm; digest.c must keep it quiet even when asked for level 9.
 */
static void
test_sofia_log_quiet(void **state)
{
	struct digest	*d;
	msg_t		*req;
	char		 err[256] = "", ha1[129];

	(void)state;
	hexh(EVP_md5(), USER ":example.test:" PASS, ha1);
	logged[0] = '\0';
	su_log_redirect(su_log_default, capture, NULL);
	su_log_set_level(su_log_default, 9);
	d = taken("401 Unauthorized", "WWW-Authenticate: Digest "
	    "realm=\"example.test\", nonce=\"n\", qop=\"auth\"\r\n");
	req = request();
	assert_int_equal(sc_digest_authorize(d, req, NULL, USER, PASS,
	    "REGISTER", REQ_URI, err, sizeof(err)), 0);
	su_log_set_level(su_log_default, 0);
	su_log_redirect(su_log_default, NULL, NULL);
	assert_null(strstr(logged, PASS));
	assert_null(strstr(logged, ha1));
	msg_destroy(req);
	sc_digest_free(d);
}

static void
test_free_null(void **state)
{
	struct digest	*d;

	(void)state;
	sc_digest_free(NULL);
	assert_null(sc_digest_algorithm(NULL));
	assert_non_null(d = sc_digest_new());
	assert_null(sc_digest_algorithm(d));
	sc_digest_free(d);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_rfc7616_md5),
		cmocka_unit_test(test_rfc7616_sha256),
		cmocka_unit_test(test_rfc7616_sha512_256),
		cmocka_unit_test(test_rfc2617_md5),
		cmocka_unit_test(test_no_qop),
		cmocka_unit_test(test_sess),
		cmocka_unit_test(test_response_errors),
		cmocka_unit_test(test_challenge_md5_only),
		cmocka_unit_test(test_challenge_sha256_first),
		cmocka_unit_test(test_challenge_unsupported_first),
		cmocka_unit_test(test_challenge_only_unsupported),
		cmocka_unit_test(test_challenge_none),
		cmocka_unit_test(test_challenge_407),
		cmocka_unit_test(test_challenge_auth_int_only),
		cmocka_unit_test(test_challenge_quoted_params),
		cmocka_unit_test(test_authorize_md5_sofia),
		cmocka_unit_test(test_authorize_sha),
		cmocka_unit_test(test_rechallenge),
		cmocka_unit_test(test_authorize_errors),
		cmocka_unit_test(test_sofia_log_quiet),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
