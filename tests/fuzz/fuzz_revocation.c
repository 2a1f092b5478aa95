/*
 * fuzz_revocation.c - what is ours of revocation fetching (issue 18):
 * reading an HTTP response to a CRL GET or an OCSP POST
 * (sip/httpfetch.c: status line, headers, Content-Length, chunked, the
 * size bound, a response read in pieces as bytes arrive), then the body
 * as sip/crl.c or sip/ocspquery.c takes it (OpenSSL parses the DER; we
 * check sizes, issuer, signature, times, the CertID and nonce, and
 * produce reasons), and splitting the URLs certificates name.
 *
 * Input layout:
 *   byte 0  flags
 *           bits 0-1  split mode of the response (fuzz_chunk)
 *           bit 2     the body goes to the OCSP reader, else the CRL one
 *           bits 3-5  "now" for the CRL check: the real time, or far
 *                     before/after (stale, not yet valid, 2038, 1970)
 *   byte 1  the body limit: 16 << (byte & 15) bytes
 *   byte 2  n: the first n bytes after it are also read as a URL
 *   rest    the server's bytes
 *
 * Invariants checked besides ASan/UBSan/LSan: a parse that completes
 * keeps its body inside the bytes read and under the limit, and gives the
 * same answer when the bytes come in pieces; every refusal says why; a
 * refusal as too large (sc_httpfetch_too_large, which the CRL check
 * words with crl_max_size) names the limit and is about the limit only
 * (the same bytes under no limit are not too large, and a complete body
 * is over the limit); a
 * CRL answer is "good" or "revoked" with its source "crl", a revoked one
 * dated; an OCSP answer is one of good, revoked, unknown; a URL that
 * splits has a host without '/', a port in 1..65535, a path starting
 * with '/', and neither holds a space, CR or LF (no header injection).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "httpfetch.h"
#include "ocspquery.h"

#include "fuzz_common.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A CA and a leaf it issued, made once: what the bodies are checked for. */
static X509		*ca, *leaf;
static STACK_OF(X509)	*chain;
static X509_STORE	*store;

static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *signer, const char *cn, const char *icn,
    long serial, int is_ca)
{
	X509		*x = X509_new();
	X509_NAME	*n = X509_NAME_new(), *in = X509_NAME_new();
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;

	FUZZ_CHECK(x != NULL && n != NULL && in != NULL, "out of memory");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC,
	    (const unsigned char *)icn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, in);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, NULL, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	FUZZ_CHECK(X509_sign(x, signer, EVP_sha256()) > 0, "cannot sign");
	X509_NAME_free(n);
	X509_NAME_free(in);
	return x;
}

static void
init(void)
{
	EVP_PKEY *cakey, *leafkey;

	if (ca != NULL)
		return;
	cakey = EVP_EC_gen("P-256");
	leafkey = EVP_EC_gen("P-256");
	FUZZ_CHECK(cakey != NULL && leafkey != NULL, "no EC keys");
	ca = make_cert(cakey, cakey, "fuzz ca", "fuzz ca", 1, 1);
	leaf = make_cert(leafkey, cakey, "fuzz leaf", "fuzz ca", 0x1234, 0);
	chain = sk_X509_new_null();
	sk_X509_push(chain, leaf);
	sk_X509_push(chain, ca);
	store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(leafkey);
}

/*
 * A response refused as over the limit (what crl_max_size bounds, and
 * what the CRL check words with the key that raises it): the reason
 * names the limit, and the same bytes under no limit are never too
 * large, and hold a body over the limit when they are complete.
 */
static void
check_too_large(const uint8_t *p, size_t have, size_t max, const char *err)
{
	struct httpfetch_resp	 r;
	char			 limit[48], e[160];
	int			 rc;

	snprintf(limit, sizeof(limit), "limit of %zu bytes", max);
	FUZZ_CHECK(strstr(err, limit) != NULL, "the limit is not named: %s",
	    err);
	e[0] = '\0';
	rc = sc_httpfetch_parse((const char *)p, have, 1, SIZE_MAX, &r, e,
	    sizeof(e));
	FUZZ_CHECK(!(rc == -1 && sc_httpfetch_too_large(e)),
	    "too large under no limit: %s", e);
	FUZZ_CHECK(rc != 1 || r.body_len > max, "a body of %zu bytes refused "
	    "as over %zu", r.body_len, max);
}

/* The response read as httpfetch.c reads it: in pieces, then at EOF. */
static int
read_response(const uint8_t *p, size_t len, unsigned mode, size_t max,
    struct httpfetch_resp *r, char *err, size_t errlen)
{
	struct httpfetch_resp	 whole;
	char			 werr[160];
	size_t			 have = 0;
	uint32_t		 seed = (uint32_t)len;
	int			 rc = 0, wrc;

	while (have < len && rc == 0) {
		have += fuzz_chunk(mode, &seed, len - have);
		rc = sc_httpfetch_parse((const char *)p, have, 0, max, r, err,
		    errlen);
	}
	if (rc == 0)
		rc = sc_httpfetch_parse((const char *)p, have, 1, max, r, err,
		    errlen);
	FUZZ_CHECK(rc == 1 || rc == -1, "parse at EOF returned %d", rc);
	FUZZ_CHECK(rc == 1 || err[0] != '\0', "a refusal without a reason");
	if (rc == -1 && sc_httpfetch_too_large(err))
		check_too_large(p, have, max, err);
	if (rc == 1) {
		FUZZ_CHECK(r->body_off <= have && r->body_len <= have -
		    r->body_off, "body outside the bytes read");
		FUZZ_CHECK(r->body_len <= max, "body over the limit");
		FUZZ_CHECK(r->status >= 100 && r->status <= 999, "status %d",
		    r->status);
		/* All at once, at EOF: the same body (Content-Length) or more. */
		wrc = sc_httpfetch_parse((const char *)p, len, 1, max, &whole,
		    werr, sizeof(werr));
		FUZZ_CHECK(wrc == 1 && whole.body_off == r->body_off,
		    "pieces and whole disagree");
	}
	return rc;
}

static time_t
pick_now(unsigned sel)
{
	static const time_t fixed[] = { 0, 86400, 2147483647, 4102444800 };

	switch (sel & 7) {
	case 0:
	case 1:
		return time(NULL);
	case 2:
		return time(NULL) - 86400L * 400;
	case 3:
		return time(NULL) + 86400L * 400;
	default:
		return fixed[(sel & 7) - 4];
	}
}

static void
check_crl(const unsigned char *body, size_t len, time_t now)
{
	void			*obj = NULL;
	time_t			 tu = 0, nu = 0;
	char			 err[384];
	struct sc_revcert	 out;

	err[0] = '\0';
	if (sc_crl_parse(body, len, NULL, &obj, &tu, &nu, err,
	    sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0' && obj == NULL, "CRL refused silently");
		return;
	}
	FUZZ_CHECK(obj != NULL, "a parsed CRL without an object");
	memset(&out, 0, sizeof(out));
	err[0] = '\0';
	if (sc_crl_check(obj, leaf, ca, now, &out, err, sizeof(err)) == 1) {
		FUZZ_CHECK(strcmp(out.source, "crl") == 0, "source %s",
		    out.source);
		FUZZ_CHECK(strcmp(out.status, "good") == 0 ||
		    strcmp(out.status, "revoked") == 0, "status %s",
		    out.status);
	} else
		FUZZ_CHECK(err[0] != '\0', "CRL check failed silently");
	sc_crl_free(obj);
}

static void
check_ocsp(const unsigned char *body, size_t len)
{
	void			*ctx = NULL, *obj = NULL;
	unsigned char		*der = NULL;
	size_t			 dlen = 0;
	time_t			 tu = 0, nu = 0;
	char			 key[512], err[384];
	struct ocspq_answer	*a;

	FUZZ_CHECK(sc_ocspq_request(leaf, ca, chain, store, &der, &dlen, key,
	    sizeof(key), &ctx, err, sizeof(err)) == 0, "request: %s", err);
	FUZZ_CHECK(strncmp(key, "ocsp ", 5) == 0 && dlen > 0, "bad request");
	err[0] = '\0';
	if (sc_ocspq_parse(body, len, ctx, &obj, &tu, &nu, err,
	    sizeof(err)) == 0) {
		a = obj;
		FUZZ_CHECK(strcmp(a->status, "good") == 0 ||
		    strcmp(a->status, "revoked") == 0 ||
		    strcmp(a->status, "unknown") == 0, "status %s", a->status);
		sc_ocspq_free(obj);
	} else
		FUZZ_CHECK(err[0] != '\0' && obj == NULL,
		    "OCSP refused silently");
	sc_ocspq_ctx_free(ctx);
	OPENSSL_free(der);
}

static void
check_url(const uint8_t *p, size_t n)
{
	char	 url[300], host[256], path[256], err[300];
	int	 port = 0;

	if (n >= sizeof(url))
		n = sizeof(url) - 1;
	memcpy(url, p, n);
	url[n] = '\0';
	err[0] = '\0';
	if (sc_httpfetch_url(url, host, sizeof(host), &port, path,
	    sizeof(path), err, sizeof(err)) == 0) {
		FUZZ_CHECK(host[0] != '\0' && strchr(host, '/') == NULL,
		    "host \"%s\"", host);
		FUZZ_CHECK(port >= 1 && port <= 65535, "port %d", port);
		FUZZ_CHECK(path[0] == '/', "path \"%s\"", path);
		FUZZ_CHECK(strpbrk(path, "\r\n ") == NULL &&
		    strpbrk(host, "\r\n ") == NULL, "a header could be added");
	} else
		FUZZ_CHECK(err[0] != '\0', "URL refused silently");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpfetch_resp	 r;
	char			 err[160];
	size_t			 max;
	unsigned		 flags;

	if (size < 3)
		return 0;
	init();
	flags = data[0];
	max = (size_t)16 << (data[1] & 15);
	check_url(data + 3, data[2] < size - 3 ? data[2] : size - 3);
	err[0] = '\0';
	if (read_response(data + 3, size - 3, flags & 3, max, &r, err,
	    sizeof(err)) != 1 || r.status != 200)
		return 0;
	if (flags & 4)
		check_ocsp(data + 3 + r.body_off, r.body_len);
	else
		check_crl(data + 3 + r.body_off, r.body_len,
		    pick_now(flags >> 3));
	return 0;
}
