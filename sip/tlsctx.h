/*
 * tlsctx.h - OpenSSL client contexts for probes, and the per-connection
 * record of what certificate verification found.  Internal to sip/.
 */
#ifndef SC_TLSCTX_H
#define SC_TLSCTX_H

#include <openssl/ssl.h>

#include "sipcanary.h"

struct event;

/*
 * What the verify callback saw of one chain: the first failure and the
 * path to it.  certcache.c keeps a copy per distinct chain.
 */
struct tls_verify_rec {
	long	 first_error;	/* X509_V_OK if none */
	int	 first_depth;
	int	 first_is_ca;	/* the failing certificate is a CA */
	unsigned errors;	/* number of errors reported */
	char	 first_subject[256]; /* of the failing certificate (RFC 2253) */
	char	 first_path[384]; /* the path built up to it: "CN -> CN" */
};

/* What one connection's handshake saw; kept in the SSL's ex_data. */
struct tls_verify {
	struct tls_verify_rec rec; /* the server's chain */
	SSL_SESSION **keep;	/* where to keep new sessions, or NULL */
	int	 cert_requested; /* the server sent a CertificateRequest */
	int	 alert;		/* the last alert the server sent, or -1 */
	int	 ticket;	/* a TLS 1.3 NewSessionTicket came: the server
				   took our Finished, certificate and all */
	struct event *on_ticket; /* made active when one comes (run from
				   the loop, not inside OpenSSL), or NULL */
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

/* sc_tlsctx_new() with every knob of a client profile. */
SSL_CTX	*sc_tlsctx_new_opts(const struct sc_tls_opts *, char *err,
	    size_t errlen);

/*
 * tlsprofile.c: what a client profile adds to a context (max version,
 * ciphers, suites, groups, sigalgs, client certificate, SNI off); 0, or
 * -1 with *why.
 */
int	 sc_tlsprofile_apply(SSL_CTX *, const struct sc_tls_opts *,
	    enum sc_tls_ctx_fail *why);
/* The wording of a failure of sc_tlsprofile_apply(): 0, or -1 if not one. */
int	 sc_tlsprofile_why(enum sc_tls_ctx_fail, const struct sc_tls_opts *,
	    char *err, size_t errlen);
/* 1 if connections on ctx send no SNI. */
int	 sc_tlsprofile_no_sni(SSL_CTX *);
/*
 * Records alerts received, the server's CertificateRequest and its TLS
 * 1.3 NewSessionTicket.
 */
void	 sc_tlsprofile_msg_cb(int write_p, int version, int content_type,
	    const void *buf, size_t len, SSL *ssl, void *arg);
/*
 * Whether a failed handshake (handshake 1) or a connection lost after it
 * is the server refusing our client certificate or ciphers: the verdict
 * with the alert named in why, or SC_OK when it cannot tell.
 */
enum sc_verdict sc_tlsprofile_classify(SSL *, int handshake, char *why,
	    size_t whylen);
/*
 * At a verification error: the failing certificate's subject and the
 * path built so far, leaf first, into tv (first_subject, first_path).
 */
void	 sc_tlsprofile_path(X509_STORE_CTX *, struct tls_verify *tv);
/* The client certificate this connection presented, into r. */
void	 sc_tlsprofile_client_cert(SSL *, struct sc_result *r);

/* A new SSL for one connection, with SNI and a zeroed tls_verify. */
SSL	*sc_tlsctx_ssl_new(SSL_CTX *, const char *sni);

/*
 * Makes ssl resumable: offers *slot if set, and keeps every new session
 * the server issues in *slot (the caller frees it with SSL_SESSION_free).
 */
int	 sc_tlsctx_ssl_resume(SSL *, SSL_SESSION **slot);

/*
 * The certificate reports of ctx's chains (certcache.c), made with ctx by
 * sc_tlsctx_new_opts() and freed with it; NULL for other contexts.
 */
struct sc_certcache *sc_tlsctx_certcache(SSL_CTX *);

/* The record for ssl (never NULL for an SSL made by sc_tlsctx_ssl_new). */
struct tls_verify *sc_tlsctx_verify(SSL *);

/* Writes ctx's handshake secrets to the key log while one is open. */
void	 sc_keylog_attach(SSL_CTX *);

#endif /* SC_TLSCTX_H */
