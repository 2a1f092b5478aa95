/*
 * ocspquery.h - asking a certificate's OCSP responder (RFC 6960) when the
 * server staples nothing.  Internal to the sip/ library.
 */
#ifndef SC_OCSPQUERY_H
#define SC_OCSPQUERY_H

#include <time.h>

#include <openssl/x509.h>

#include "sipcanary.h"

/* What a verified response said about one certificate (the cached obj). */
struct ocspq_answer {
	const char	*status;	/* "good", "revoked", "unknown" */
	const char	*reason;	/* when revoked, or NULL */
	time_t		 revoked_at;
	time_t		 this_update;
	time_t		 next_update;
};

/* The first http OCSP URI of the certificate's AIA; -1 if none. */
int	 sc_ocspq_url(X509 *, char *url, size_t len);

/*
 * The request for cert (issued by issuer) with a nonce: *der (freed with
 * OPENSSL_free), its cache key (the CertID in hex), and *ctx, what
 * sc_ocspq_parse() verifies the answer with (the request, the chain and
 * the trust store), freed with sc_ocspq_ctx_free().  -1 with err.
 */
int	 sc_ocspq_request(X509 *cert, X509 *issuer, STACK_OF(X509) *chain,
	    X509_STORE *store, unsigned char **der, size_t *len, char *key,
	    size_t keylen, void **ctx, char *err, size_t errlen);
void	 sc_ocspq_ctx_free(void *);

/*
 * A revcache_parse: the response verified (status successful, the nonce
 * when the responder echoed one, the signature and responder by
 * OCSP_basic_verify, the CertID, thisUpdate/nextUpdate) into an
 * ocspq_answer.
 */
int	 sc_ocspq_parse(const unsigned char *body, size_t len, void *ctx,
	    void **obj, time_t *this_update, time_t *next_update,
	    char *err, size_t errlen);
void	 sc_ocspq_free(void *);

#endif /* SC_OCSPQUERY_H */
