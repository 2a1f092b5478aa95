/*
 * ocsp.c - the stapled OCSP response.
 *
 * The client asks for a staple on every handshake (tlsctx.c); here we
 * only read what came.  A staple is verified against the chain and the
 * trust store of the connection, and matched to the leaf by CertID built
 * from the leaf's issuer, taken from the verified chain when there is one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "certinfo.h"
#include "ocsp.h"

#define OCSP_CLOCK_SKEW	300	/* seconds of tolerance on thisUpdate */

/* The leaf's issuer: from the verified chain, else the sent chain. */
static X509 *
ocsp_issuer(SSL *ssl, X509 *leaf)
{
	STACK_OF(X509)	*sk;
	int		 i;

	if ((sk = SSL_get0_verified_chain(ssl)) != NULL &&
	    sk_X509_num(sk) > 1)
		return sk_X509_value(sk, 1);
	if ((sk = SSL_get_peer_cert_chain(ssl)) != NULL)
		for (i = 0; i < sk_X509_num(sk); i++)
			if (X509_check_issued(sk_X509_value(sk, i), leaf) ==
			    X509_V_OK)
				return sk_X509_value(sk, i);
	return NULL;
}

void
sc_ocsp_evaluate(SSL *ssl, struct sc_ocsp *o)
{
	const unsigned char	*der = NULL;
	long			 len;
	OCSP_RESPONSE		*resp = NULL;
	OCSP_BASICRESP		*bs = NULL;
	OCSP_CERTID		*id = NULL;
	X509			*leaf, *issuer;
	X509_STORE		*store;
	ASN1_GENERALIZEDTIME	*rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int			 st, status, reason;

	o->requested = 1;
	o->verified = -1;
	len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
	if (len <= 0 || der == NULL)
		return;
	o->stapled = 1;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &der, len)) == NULL) {
		snprintf(o->error, sizeof(o->error),
		    "the stapled OCSP response does not parse");
		goto done;
	}
	if ((st = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(o->error, sizeof(o->error), "OCSP responder said: %s",
		    OCSP_response_status_str(st));
		goto done;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		snprintf(o->error, sizeof(o->error),
		    "the OCSP response has no basic response");
		goto done;
	}
	leaf = SSL_get0_peer_certificate(ssl);
	if (leaf == NULL || (issuer = ocsp_issuer(ssl, leaf)) == NULL) {
		snprintf(o->error, sizeof(o->error),
		    "cannot match the OCSP response: the leaf's issuer is "
		    "unknown");
		goto done;
	}
	store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
	o->verified = OCSP_basic_verify(bs, SSL_get_peer_cert_chain(ssl),
	    store, 0) > 0;
	if (!o->verified)
		snprintf(o->error, sizeof(o->error), "the OCSP response does "
		    "not verify: %s", ERR_reason_error_string(ERR_peek_error()) ?
		    ERR_reason_error_string(ERR_peek_error()) : "bad signature");
	ERR_clear_error();
	if ((id = OCSP_cert_to_id(NULL, leaf, issuer)) == NULL ||
	    !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd,
	    &nextupd)) {
		snprintf(o->error, sizeof(o->error),
		    "the OCSP response does not cover the leaf certificate");
		goto done;
	}
	o->status = status == V_OCSP_CERTSTATUS_GOOD ? "good" :
	    status == V_OCSP_CERTSTATUS_REVOKED ? "revoked" : "unknown";
	o->this_update = sc_certinfo_time(thisupd);
	o->next_update = sc_certinfo_time(nextupd);
	o->revoked_at = sc_certinfo_time(rev);
	if (o->verified && !OCSP_check_validity(thisupd, nextupd,
	    OCSP_CLOCK_SKEW, -1)) {
		snprintf(o->error, sizeof(o->error),
		    "the OCSP response is outside its validity window");
		o->verified = 0;
	}
done:
	ERR_clear_error();
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
}
