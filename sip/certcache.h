/*
 * certcache.h - the verification and the certificate report of each
 * distinct chain, computed once per TLS context (see certcache.c).
 * Internal to the sip/ library.
 */
#ifndef SC_CERTCACHE_H
#define SC_CERTCACHE_H

#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sipcanary.h"
#include "tlsctx.h"

/* Entries of one context's cache (least recently used goes first). */
#define SC_CERTCACHE_MAX	128

/* What an entry holds: a chain's report, or libssl's verification of it. */
enum sc_certcache_kind {
	SC_CERTCACHE_REPORT = 0,
	SC_CERTCACHE_VERIFY
};

/*
 * What a cached report depends on.  Everything else the verdict depends
 * on is either in the context that owns the cache (versions, SNI on or
 * off, verify parameters) or checked again on every probe (the dates,
 * the expiry windows, the staple, revocation).
 */
struct sc_certcache_key {
	enum sc_certcache_kind	 kind;
	const unsigned char	*der;	/* the chain as sent, leaf first */
	size_t			 derlen;
	const char		*domain; /* the RFC 5922 identity checked */
	const void		*store;	/* the trust store, and how many */
	unsigned long		 store_gen; /* objects it holds */
	long			 verify_error; /* libssl's, this handshake */
	int			 verify_depth;	/* (both 0 for VERIFY) */
};

/*
 * libssl's verification of a chain (X509_verify_cert() with tlsctx.c's
 * recording callback), as it left the X509_STORE_CTX and the record.
 * Its key is the chain as sent, the trust store and its generation,
 * domain "" (the identity is cert.c's own check, not X509's).
 */
struct sc_certcache_verify {
	int			 ret;	/* what X509_verify_cert() returned */
	long			 error;	/* the store context's error and */
	int			 depth;	/*   error depth after it */
	STACK_OF(X509)		*chain;	/* the chain it built, or NULL */
	struct tls_verify_rec	 rec;	/* what the callback recorded */
};

struct sc_certcache;

/* An empty cache of at most max entries (0: SC_CERTCACHE_MAX); NULL. */
struct sc_certcache *sc_certcache_new(size_t max);
void		 sc_certcache_free(struct sc_certcache *);
/* Forgets every entry (a reload). */
void		 sc_certcache_flush(struct sc_certcache *);

/*
 * The cached report of key at now, copied into r (zeroed first): the
 * chains as sent and verified, the identities, and the verdict of the
 * checks that depend on nothing else (r->verdict, r->error), with every
 * days_left as of now.  An entry whose certificates' validity windows
 * (notBefore, notAfter) changed state since it was made is dropped.
 * 1 on a hit, 0 on a miss, -1 when out of memory (r is then cleared).
 */
int		 sc_certcache_get(struct sc_certcache *,
		    const struct sc_certcache_key *, time_t now,
		    struct sc_certreport *r);
/*
 * Keeps a copy of what sc_certcache_get() returns from r (made at now)
 * under key, in place of the least recently used entry when full.
 * 0, or -1 when out of memory (nothing kept).
 */
int		 sc_certcache_put(struct sc_certcache *,
		    const struct sc_certcache_key *, time_t now,
		    const struct sc_certreport *r);
/*
 * The verification kept under key (kind SC_CERTCACHE_VERIFY) while no
 * certificate of the chain sent or built changed state since, into v;
 * v->chain is a new reference the caller owns.  1 on a hit, 0 on a miss,
 * -1 when out of memory.
 */
int		 sc_certcache_verify_get(struct sc_certcache *,
		    const struct sc_certcache_key *, time_t now,
		    struct sc_certcache_verify *v);
/*
 * Keeps a copy of v (made at now; its chain gets a new reference) under
 * key; sent is the chain the server sent.  0, or -1 when out of memory.
 */
int		 sc_certcache_verify_put(struct sc_certcache *,
		    const struct sc_certcache_key *, time_t now,
		    const struct sc_certcache_verify *v, STACK_OF(X509) *sent);

/* Report lookups: entries held, and lookups that hit and missed since the start. */
void		 sc_certcache_stats(const struct sc_certcache *,
		    size_t *entries, unsigned long *hits,
		    unsigned long *misses);

/*
 * The chain ssl's peer sent, DER-encoded back to back, leaf first, into
 * *der (malloc'ed; NULL and 0 without a chain).  -1 when out of memory.
 */
int		 sc_certcache_der(SSL *, unsigned char **der, size_t *len);
/* The same for a chain as OpenSSL holds it. */
int		 sc_certcache_der_stack(STACK_OF(X509) *, unsigned char **der,
		    size_t *len);

/*
 * How many certificates and CRLs the trust store holds: it only grows,
 * as the hashed directory loads a CA the first time a chain needs it.
 */
unsigned long	 sc_certcache_store_gen(X509_STORE *);

#endif /* SC_CERTCACHE_H */
