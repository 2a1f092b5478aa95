/*
 * certinfo.h - one X.509 certificate turned into struct sc_cert: names,
 * dates, fingerprint, algorithms, key, SANs and EKUs.  Internal to sip/.
 */
#ifndef SC_CERTINFO_H
#define SC_CERTINFO_H

#include <openssl/x509.h>

#include "sipcanary.h"

/* Fills c from x; -1 on allocation failure (c is then still freeable). */
int	 sc_certinfo_fill(X509 *x, int depth, struct sc_cert *c);

/* Fills *out with n certificates of sk; -1 on allocation failure. */
int	 sc_certinfo_fill_stack(STACK_OF(X509) *sk, struct sc_cert **out,
	    size_t *n);

/*
 * A deep copy of n certificates into *out (*nout of them, freeable with
 * sc_certinfo_free() even after a failure); -1 on allocation failure.
 */
int	 sc_certinfo_copy(const struct sc_cert *src, size_t n,
	    struct sc_cert **out, size_t *nout);

void	 sc_certinfo_free(struct sc_cert *, size_t);

/* An ASN.1 time as time_t; 0 for NULL or unparseable. */
time_t	 sc_certinfo_time(const ASN1_TIME *);

/* A distinguished name in RFC 2253 form, malloc'ed; NULL on failure. */
char	*sc_certinfo_dn(const X509_NAME *);

/* Appends a copy of s; -1 on allocation failure. */
int	 sc_strlist_add(struct sc_strlist *, const char *s, size_t len);
void	 sc_strlist_clear(struct sc_strlist *);

#endif /* SC_CERTINFO_H */
