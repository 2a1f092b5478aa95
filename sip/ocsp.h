/*
 * ocsp.h - reading a stapled OCSP response (RFC 6066 status_request,
 * RFC 6960).  Internal to the sip/ library.
 */
#ifndef SC_OCSP_H
#define SC_OCSP_H

#include <openssl/ssl.h>

#include "sipcanary.h"

/*
 * Fills o from the staple of a completed handshake: its status for the
 * leaf, its validity window, and whether it verifies against the issuer.
 * A garbage staple is reported in o->error, never fatal.
 */
void	 sc_ocsp_evaluate(SSL *, struct sc_ocsp *o);

#endif /* SC_OCSP_H */
