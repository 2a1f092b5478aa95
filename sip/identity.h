/*
 * identity.h - the SIP domain identity of a certificate, RFC 5922 §7.1.
 * Internal to the sip/ library.
 */
#ifndef SC_IDENTITY_H
#define SC_IDENTITY_H

#include <openssl/x509.h>

#include "sipcanary.h"

/*
 * URI SANs of scheme "sip" without a user part come first; only without
 * any of those, dNSName SANs; only without any SAN at all, the CN.  Whole
 * names, case-insensitive, no wildcards.  Records every identity looked
 * at in r->checked and the match in r->identity/identity_source.
 * Returns 1 on a match, 0 on none, -1 on allocation failure.
 */
int	 sc_identity_check(X509 *, const char *domain, struct sc_certreport *r);

/*
 * What sc_identity_check() recorded in src, copied into dst (whose own
 * identities are not freed first); -1 on allocation failure, dst then
 * freeable with sc_identity_clear().
 */
int	 sc_identity_copy(struct sc_certreport *dst,
	    const struct sc_certreport *src);

void	 sc_identity_clear(struct sc_certreport *);

#endif /* SC_IDENTITY_H */
