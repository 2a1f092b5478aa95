/*
 * cert.h - the certificate verdict of a frontend: the chain as sent and as
 * verified, RFC 5922 identity, weak algorithms, the OCSP staple, and the
 * chain verified again at future dates.  Internal to the sip/ library.
 */
#ifndef SC_CERT_H
#define SC_CERT_H

#include <openssl/ssl.h>

#include "sipcanary.h"

/*
 * Fills r from a completed handshake and returns the certificate verdict
 * (SC_OK, or the first failure in order: chain verification, identity,
 * weak algorithms, OCSP revocation, future expiry), with its reason in
 * r->error and its severity in *sev.  r is filled in every case.
 */
enum sc_verdict	 sc_cert_evaluate(SSL *, const char *domain, int warn_days,
		    int crit_days, struct sc_certreport *r,
		    enum sc_severity *sev);

void		 sc_cert_report_clear(struct sc_certreport *);

#endif /* SC_CERT_H */
