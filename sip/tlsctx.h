/*
 * tlsctx.h - OpenSSL client contexts for probes, and the per-connection
 * record of what certificate verification found.  Internal to sip/.
 */
#ifndef SC_TLSCTX_H
#define SC_TLSCTX_H

#include <openssl/ssl.h>

/* What the verify callback saw; kept in the SSL's ex_data. */
struct tls_verify {
	long	 first_error;	/* X509_V_OK if none */
	int	 first_depth;
	int	 first_is_ca;	/* the failing certificate is a CA */
	unsigned errors;	/* number of errors reported */
	SSL_SESSION **keep;	/* where to keep new sessions, or NULL */
};

/*
 * A client context: peer verification against ca_file (or the system
 * store when NULL) that records errors instead of aborting, so that the
 * handshake completes and the chain can be reported.  Session caching and
 * tickets are off: a fresh probe must do a full handshake.  Returns NULL
 * with a reason in err.
 */
SSL_CTX	*sc_tlsctx_new(const char *ca_file, int min_version, int max_version,
	    char *err, size_t errlen);

/* A new SSL for one connection, with SNI and a zeroed tls_verify. */
SSL	*sc_tlsctx_ssl_new(SSL_CTX *, const char *sni);

/*
 * Makes ssl resumable: offers *slot if set, and keeps every new session
 * the server issues in *slot (the caller frees it with SSL_SESSION_free).
 */
int	 sc_tlsctx_ssl_resume(SSL *, SSL_SESSION **slot);

/* The record for ssl (never NULL for an SSL made by sc_tlsctx_ssl_new). */
struct tls_verify *sc_tlsctx_verify(SSL *);

/* Writes ctx's handshake secrets to the key log while one is open. */
void	 sc_keylog_attach(SSL_CTX *);

#endif /* SC_TLSCTX_H */
