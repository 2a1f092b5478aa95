/*
 * fuzz_digest.c - digest challenge handling (sip/digest.c).
 *
 * The input is a SIP response as a registrar might send it (normally a
 * 401 or 407); it is parsed with msg_make() and handed to
 * sc_digest_challenge(), and when a challenge was taken, sc_digest_authorize()
 * answers it on a REGISTER (or OPTIONS) built the way reg.c builds one.
 * Optionally the same response comes again (a repeated 401, or
 * stale=true: the nonce count must run on) and the request is authorized
 * a second time, as after a stale nonce.
 *
 * Input layout:
 *   byte 0  flags
 *           bits 0-2  the credentials (see creds[] below, including ones
 *                     that sc_digest_authorize() must refuse)
 *           bit 3     OPTIONS instead of REGISTER
 *           bit 4     take the challenge twice and authorize twice
 *           bit 5     an IPv6 request URI host
 *   rest    the response
 *
 * Invariants checked besides ASan/UBSan/LSan: a failure always says why;
 * sc_digest_algorithm() names a supported algorithm after a challenge was
 * taken; the authorized request holds one Authorization or
 * Proxy-Authorization header, never the password (unless the response
 * itself carries those bytes, to be echoed), and still parses
 * without errors after serialization (no header injection from realm,
 * nonce or opaque).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/su_alloc.h>

#include "digest.h"

#include "fuzz_common.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct {
	const char	*user;
	const char	*password;
} creds[8] = {
	{ "alice", "Pw-fuzz-7c1e" },
	{ "alice", "Pw-fuzz-7c1e" },
	{ "probe0001", "Pw-fuzz-\"q\\u" },	/* quotes in a password are fine */
	{ "u;x=1&y", "Pw-fuzz-:@," },
	{ "bob", "" },
	{ "al\"ice", "Pw-fuzz-x" },		/* must be refused */
	{ "", "Pw-fuzz-x" },			/* must be refused */
	{ "alice", NULL },			/* must be refused */
};

/* The request, as reg.c builds it (before Authorization). */
static msg_t *
build_request(int options, int v6, const char **method, const char **uri)
{
	char	 text[1024];
	msg_t	*m;
	const char *host = v6 ? "[2001:db8::1]" : "example.test";

	*method = options ? "OPTIONS" : "REGISTER";
	*uri = v6 ? "sips:[2001:db8::1]" : "sips:example.test";
	snprintf(text, sizeof(text),
	    "%s %s SIP/2.0\r\n"
	    "Via: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK0123456789;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sips:alice@%s>;tag=0123456789abcdef\r\n"
	    "To: <sips:alice@%s>\r\n"
	    "Call-ID: 0123456789abcdef0123456789abcdef\r\n"
	    "CSeq: 2 %s\r\n"
	    "User-Agent: sipcanary/fuzz\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n",
	    *method, *uri, host, host, *method,
	    options ? "" : "Contact: <sip:alice@127.0.0.1:40000;"
	    "transport=tls>\r\nExpires: 3600\r\n");
	m = msg_make(sip_default_mclass(), 0, text, (issize_t)strlen(text));
	FUZZ_CHECK(m != NULL && sip_object(m) != NULL, "request");
	return m;
}

/*
 * The authorized request, serialized: one credentials header, and no
 * password unless the server itself sent those bytes (in a realm, nonce
 * or opaque that the request must echo).
 */
static void
check_authorized(msg_t *req, const char *password, const uint8_t *data,
    size_t size)
{
	sip_t		*sip = sip_object(req);
	msg_t		*back;
	sip_t		*bs;
	char		*s;
	size_t		 n;
	int		 creds_n = 0;
	sip_authorization_t *a;

	FUZZ_CHECK(msg_serialize(req, (msg_pub_t *)sip) >= 0, "serialize");
	s = msg_as_string(msg_home(req), req, NULL, 0, &n);
	FUZZ_CHECK(s != NULL, "msg_as_string");
	if (password != NULL && password[0] != '\0' &&
	    memmem(data, size, password, strlen(password)) == NULL)
		FUZZ_CHECK(memmem(s, n, password, strlen(password)) == NULL,
		    "password in the request:\n%s", s);
	back = msg_make(sip_default_mclass(), 0, s, (issize_t)n);
	FUZZ_CHECK(back != NULL, "authorized request does not parse:\n%s", s);
	bs = sip_object(back);
	FUZZ_CHECK(bs != NULL && !msg_has_error(back) &&
	    bs->sip_error == NULL && bs->sip_request != NULL,
	    "authorized request parses with errors:\n%s", s);
	for (a = bs->sip_authorization; a != NULL; a = a->au_next)
		creds_n++;
	for (a = (sip_authorization_t *)bs->sip_proxy_authorization;
	    a != NULL; a = a->au_next)
		creds_n++;
	FUZZ_CHECK(creds_n == 1, "%d credentials headers:\n%s", creds_n, s);
	msg_destroy(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest	*d;
	msg_t		*resp, *req;
	const char	*method, *uri, *alg, *user, *password;
	char		 err[256];
	unsigned	 flags, rounds, i;
	int		 rc, taken = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	user = creds[flags & 7].user;
	password = creds[flags & 7].password;
	rounds = (flags & 0x10) ? 2 : 1;

	d = sc_digest_new();
	FUZZ_CHECK(d != NULL, "sc_digest_new");
	req = build_request(flags & 0x08, flags & 0x20, &method, &uri);
	/* msg_make() takes the bytes as they come, NULs and all. */
	resp = msg_make(sip_default_mclass(), 0, (const char *)data,
	    (issize_t)size);

	for (i = 0; i < rounds; i++) {
		err[0] = '\0';
		rc = sc_digest_challenge(d,
		    resp != NULL ? sip_object(resp) : NULL, err, sizeof(err));
		FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
		FUZZ_CHECK(rc == 0 || err[0] != '\0', "failed without a reason");
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "err");
		alg = sc_digest_algorithm(d);
		if (rc == -1) {
			/* A failed challenge forgets the older one. */
			FUZZ_CHECK(alg == NULL, "kept %s after a failure", alg);
			break;
		}
		FUZZ_CHECK(alg != NULL &&
		    sc_digest_alg_parse(alg) != DIGEST_ALG_UNSUPPORTED,
		    "algorithm %s", alg ? alg : "(null)");
		err[0] = '\0';
		rc = sc_digest_authorize(d, req, sip_object(req), user,
		    password, method, uri, err, sizeof(err));
		FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
		FUZZ_CHECK(rc == 0 || err[0] != '\0', "failed without a reason");
		if (rc == 0) {
			FUZZ_CHECK((flags & 7) < 5, "refusable credentials "
			    "taken: user \"%s\"", user);
			taken = 1;
		}
	}
	if (taken)
		check_authorized(req, password, data, size);

	if (resp != NULL)
		msg_destroy(resp);
	msg_destroy(req);
	sc_digest_free(d);
	return 0;
}
