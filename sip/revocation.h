/*
 * revocation.h - the revocation check of one verified connection: every
 * certificate of the chain but the trust anchor, from the staple, the
 * OCSP responder or the CRL as the policy says.  Internal to sip/.
 */
#ifndef SC_REVOCATION_H
#define SC_REVOCATION_H

#include <openssl/ssl.h>

#include "sipcanary.h"

struct event_base;
struct sc_revcheck;

typedef void	(*sc_revcheck_cb)(struct sc_revcheck *, void *arg);

/*
 * Starts the check of ssl's verified chain under policy, the whole of
 * it bounded by timeout seconds (each fetch by at most
 * SC_REVOCATION_TIMEOUT_DEFAULT); staple is what ocsp.c read from the
 * handshake.  When the answer is known at once (cached, nothing to ask,
 * policy off or staple) sc_revcheck_done() is 1 and cb never runs;
 * otherwise cb runs once from the loop (and may free the check).  NULL
 * when out of memory.
 */
struct sc_revcheck *sc_revcheck_start(struct event_base *, SSL *,
		    enum sc_revocation_policy, double timeout,
		    const struct sc_ocsp *staple, sc_revcheck_cb, void *arg);
int		 sc_revcheck_done(const struct sc_revcheck *);

/*
 * The verdict of a finished check: SC_CERT_REVOKED, then
 * SC_CERT_MUST_STAPLE_MISSING, then SC_CERT_REVOCATION_UNKNOWN, else
 * SC_OK; the reason in err.
 */
enum sc_verdict	 sc_revcheck_verdict(const struct sc_revcheck *,
		    char *err, size_t errlen);
/* Hands the report over (the caller frees it with free()); NULL after. */
struct sc_revocation *sc_revcheck_take(struct sc_revcheck *);
/* Cancels a check under way; accepts NULL. */
void		 sc_revcheck_free(struct sc_revcheck *);

/* A certificate verdict after which the probe goes on (a warning). */
int		 sc_revocation_goes_on(enum sc_verdict);

#endif /* SC_REVOCATION_H */
