/*
 * crl.h - CRLs from a certificate's CRL Distribution Points (RFC 5280
 * §5): where to fetch them, reading one, and what one says about a
 * certificate.  Internal to the sip/ library.
 */
#ifndef SC_CRL_H
#define SC_CRL_H

#include <time.h>

#include <openssl/x509.h>

#include "sipcanary.h"

/* The first http URI of the certificate's CRL Distribution Points; -1. */
int	 sc_crl_url(X509 *, char *url, size_t len);

/* A revcache_parse: the body (DER, or PEM) into an X509_CRL. */
int	 sc_crl_parse(const unsigned char *body, size_t len, void *ctx,
	    void **obj, time_t *this_update, time_t *next_update,
	    char *err, size_t errlen);
void	 sc_crl_free(void *);

/*
 * What crl says of cert, issued by issuer, at now: 1 with out's status,
 * reason and revocation time set, or -1 with the reason in err when the
 * CRL cannot answer (another issuer, a signature the issuer's key does
 * not verify, stale past its nextUpdate, not yet valid).
 */
int	 sc_crl_check(X509_CRL *crl, X509 *cert, X509 *issuer, time_t now,
	    struct sc_revcert *out, char *err, size_t errlen);

#endif /* SC_CRL_H */
