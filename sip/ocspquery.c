/*
 * ocspquery.c - asking the responder named in a certificate's Authority
 * Information Access (RFC 6960), for servers that do not staple.
 *
 * Owns: the request (one CertID, a nonce), its cache key, and verifying
 * the answer: a successful response whose nonce matches when the
 * responder echoes one (a responder that omits it is allowed, as RFC
 * 8954 notes most CDN-fronted responders do), whose signature and
 * responder certificate OCSP_basic_verify accepts against the chain and
 * the trust store, that covers the CertID asked about, and whose
 * thisUpdate/nextUpdate hold now (OCSP_check_validity).  sip/ocsp.c reads
 * stapled responses; the verification here is the same in spirit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "ocspquery.h"

#define OCSPQ_CLOCK_SKEW	300	/* seconds of tolerance */

struct ocspq_ctx {
	OCSP_REQUEST	*req;
	OCSP_CERTID	*id;
	STACK_OF(X509)	*chain;
	X509_STORE	*store;
};

int
sc_ocspq_url(X509 *x, char *url, size_t len)
{
	STACK_OF(OPENSSL_STRING)	*sk = X509_get1_ocsp(x);
	const char			*u;
	int				 i, found = 0;

	for (i = 0; i < sk_OPENSSL_STRING_num(sk) && !found; i++) {
		u = sk_OPENSSL_STRING_value(sk, i);
		if (strncasecmp(u, "http://", 7) == 0 && strlen(u) < len) {
			snprintf(url, len, "%s", u);
			found = 1;
		}
	}
	X509_email_free(sk);
	return found ? 0 : -1;
}

void
sc_ocspq_ctx_free(void *arg)
{
	struct ocspq_ctx *c = arg;

	if (c == NULL)
		return;
	OCSP_REQUEST_free(c->req);
	OCSP_CERTID_free(c->id);
	sk_X509_pop_free(c->chain, X509_free);
	X509_STORE_free(c->store);
	free(c);
}

int
sc_ocspq_request(X509 *cert, X509 *issuer, STACK_OF(X509) *chain,
    X509_STORE *store, unsigned char **der, size_t *len, char *key,
    size_t keylen, void **ctxp, char *err, size_t errlen)
{
	struct ocspq_ctx	*c;
	OCSP_CERTID		*id = NULL;
	unsigned char		*idder = NULL;
	int			 n, i;

	*der = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->req = OCSP_REQUEST_new()) == NULL ||
	    (c->id = OCSP_cert_to_id(NULL, cert, issuer)) == NULL ||
	    (id = OCSP_CERTID_dup(c->id)) == NULL ||
	    OCSP_request_add0_id(c->req, id) == NULL)
		goto fail;
	id = NULL;
	if (!OCSP_request_add1_nonce(c->req, NULL, -1) ||
	    (c->chain = X509_chain_up_ref(chain)) == NULL ||
	    !X509_STORE_up_ref(store))
		goto fail;
	c->store = store;
	if ((n = i2d_OCSP_REQUEST(c->req, der)) <= 0)
		goto fail;
	*len = (size_t)n;
	/* The key: "ocsp " and the CertID, which names issuer and serial. */
	if ((n = i2d_OCSP_CERTID(c->id, &idder)) <= 0 ||
	    (size_t)n * 2 + 6 > keylen)
		goto fail;
	snprintf(key, keylen, "ocsp ");
	for (i = 0; i < n; i++)
		snprintf(key + 5 + i * 2, 3, "%02x", idder[i]);
	OPENSSL_free(idder);
	*ctxp = c;
	return 0;
fail:
	ERR_clear_error();
	OPENSSL_free(idder);
	OPENSSL_free(*der);
	*der = NULL;
	OCSP_CERTID_free(id);
	sc_ocspq_ctx_free(c);
	snprintf(err, errlen, "cannot build the OCSP request");
	return -1;
}

/* The response's verified answer for c->id; -1 with err. */
static int
ocspq_answer(OCSP_BASICRESP *bs, struct ocspq_ctx *c,
    struct ocspq_answer *a, char *err, size_t errlen)
{
	ASN1_GENERALIZEDTIME	*rev = NULL, *thisu = NULL, *nextu = NULL;
	int			 status, reason = -1;

	if (OCSP_check_nonce(c->req, bs) == 0) {
		snprintf(err, errlen, "the OCSP response's nonce is not the "
		    "request's (a replayed response?)");
		return -1;
	}
	if (OCSP_basic_verify(bs, c->chain, c->store, 0) <= 0) {
		snprintf(err, errlen, "the OCSP response does not verify: %s",
		    ERR_reason_error_string(ERR_peek_error()) != NULL ?
		    ERR_reason_error_string(ERR_peek_error()) :
		    "bad signature or responder");
		return -1;
	}
	if (!OCSP_resp_find_status(bs, c->id, &status, &reason, &rev, &thisu,
	    &nextu)) {
		snprintf(err, errlen, "the OCSP response does not cover the "
		    "certificate asked about");
		return -1;
	}
	if (!OCSP_check_validity(thisu, nextu, OCSPQ_CLOCK_SKEW, -1)) {
		snprintf(err, errlen, "the OCSP response is outside its "
		    "validity window (thisUpdate/nextUpdate)");
		return -1;
	}
	a->status = status == V_OCSP_CERTSTATUS_GOOD ? "good" :
	    status == V_OCSP_CERTSTATUS_REVOKED ? "revoked" : "unknown";
	a->reason = status == V_OCSP_CERTSTATUS_REVOKED && reason >= 0 ?
	    OCSP_crl_reason_str(reason) : NULL;
	a->revoked_at = sc_certinfo_time(rev);
	a->this_update = sc_certinfo_time(thisu);
	a->next_update = sc_certinfo_time(nextu);
	return 0;
}

int
sc_ocspq_parse(const unsigned char *body, size_t len, void *ctx, void **obj,
    time_t *this_update, time_t *next_update, char *err, size_t errlen)
{
	const unsigned char	*p = body;
	OCSP_RESPONSE		*resp = NULL;
	OCSP_BASICRESP		*bs = NULL;
	struct ocspq_answer	*a = NULL;
	int			 st, rc = -1;

	if (len == 0 || len > 0x7fffffff ||
	    (resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL) {
		snprintf(err, errlen, "the answer is not an OCSP response "
		    "(%zu bytes)", len);
		goto done;
	}
	if ((st = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(err, errlen, "the OCSP responder said: %s",
		    OCSP_response_status_str(st));
		goto done;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		snprintf(err, errlen, "the OCSP response has no basic "
		    "response");
		goto done;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (ocspq_answer(bs, ctx, a, err, errlen) == -1)
		goto done;
	*this_update = a->this_update;
	*next_update = a->next_update;
	*obj = a;
	a = NULL;
	rc = 0;
done:
	ERR_clear_error();
	free(a);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	return rc;
}

void
sc_ocspq_free(void *a)
{
	free(a);
}
