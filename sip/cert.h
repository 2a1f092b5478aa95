/*
 * cert.h - what the peer's certificates say: the chain as sent, RFC 5922
 * identity, and the certificate verdict.  Internal to the sip/ library.
 */
#ifndef SC_CERT_H
#define SC_CERT_H

#include <openssl/ssl.h>

#include "sipcanary.h"

/*
 * Fills res->chain from the peer of a completed handshake, and returns the
 * certificate verdict (SC_OK when the chain verified and names domain),
 * with the reason in res->error.  The chain is filled in either case.
 */
enum sc_verdict	 cert_evaluate(SSL *, const char *domain, struct sc_result *);

/*
 * RFC 5922 §7.1 identity: URI SANs of scheme "sip" without a user part;
 * only without those, dNSName SANs; only without any SAN, the CN.  Whole
 * names, case-insensitive, no wildcards.  Returns 1 on a match, with the
 * identity and its source ("uri_san", "dns_san", "cn").
 */
int		 cert_identity(X509 *, const char *domain, char *matched,
		    size_t matchedlen, const char **source);

void		 cert_free_chain(struct sc_cert *, size_t);

#endif /* SC_CERT_H */
