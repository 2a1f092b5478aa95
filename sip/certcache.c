/*
 * certcache.c - the certificate work of a TLS context, once per distinct
 * chain.
 *
 * A daemon probes the same frontends every few seconds and nearly always
 * gets the chain it got last time; a drill gets it from every client.
 * Reading each certificate into a report (names, fingerprints, SANs,
 * algorithms) and matching the RFC 5922 identity is then the same work
 * again.  This table keeps its outcome per (chain as sent, trust store,
 * libssl's verify result, domain), in a small table owned by the context
 * (tlsctx.c), least recently used first out.
 *
 * The same table keeps libssl's verification of each chain (kind
 * SC_CERTCACHE_VERIFY, keyed by the chain as sent and the trust store):
 * the chain's signatures, issuers, extensions and dates are checked once
 * per distinct chain, not once per handshake (tlsctx.c's cert verify
 * callback).  The handshake's own signature, which proves the server
 * holds the key, is still checked by libssl on every connection.
 *
 * Dates: an entry holds only while no certificate of either chain
 * crossed its notBefore or notAfter since the entry was made, so a window
 * crossed with the same chain misses.  The staple, the expiry windows and
 * revocation are looked at again on every probe (cert.c).
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certcache.h"
#include "certinfo.h"
#include "identity.h"

struct cc_entry {
	struct sc_certcache_key k;	/* its der and domain: */
	unsigned char	*der;		/*   these copies */
	char		*domain;
	long long	 from, until;	/* it holds in [from, until) */
	unsigned long	 used;		/* tick of the last use */
	struct sc_certreport r;		/* SC_CERTCACHE_REPORT: the part
					   sc_certcache_get gives */
	struct sc_certcache_verify v;	/* SC_CERTCACHE_VERIFY */
};

struct sc_certcache {
	struct cc_entry	**slot;
	size_t		  max;
	unsigned long	  tick;
	unsigned long	  hits, misses;
};

const char *
sc_cert_cache_str(enum sc_cert_cache c)
{
	return c == SC_CERT_CACHE_HIT ? "hit" : c == SC_CERT_CACHE_MISS ?
	    "miss" : NULL;
}

static void
cc_entry_free(struct cc_entry *e)
{
	if (e == NULL)
		return;
	free(e->der);
	free(e->domain);
	sc_certinfo_free(e->r.chain, e->r.nchain);
	sc_certinfo_free(e->r.verified, e->r.nverified);
	sc_identity_clear(&e->r);
	sk_X509_pop_free(e->v.chain, X509_free);
	free(e);
}

struct sc_certcache *
sc_certcache_new(size_t max)
{
	struct sc_certcache *cc;

	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		goto fail;
	cc->max = max > 0 ? max : SC_CERTCACHE_MAX;
	if ((cc->slot = calloc(cc->max, sizeof(*cc->slot))) == NULL)
		goto fail;
	return cc;
fail:
	sc_certcache_free(cc);
	return NULL;
}

void
sc_certcache_flush(struct sc_certcache *cc)
{
	size_t i;

	if (cc == NULL || cc->slot == NULL)
		return;
	for (i = 0; i < cc->max; i++) {
		cc_entry_free(cc->slot[i]);
		cc->slot[i] = NULL;
	}
}

void
sc_certcache_free(struct sc_certcache *cc)
{
	if (cc == NULL)
		return;
	sc_certcache_flush(cc);
	free(cc->slot);
	free(cc);
}

static int
cc_match(const struct sc_certcache_key *a, const struct sc_certcache_key *b)
{
	return a->kind == b->kind && a->derlen == b->derlen &&
	    a->store == b->store &&
	    a->store_gen == b->store_gen &&
	    a->verify_error == b->verify_error &&
	    a->verify_depth == b->verify_depth &&
	    strcmp(a->domain, b->domain) == 0 &&
	    memcmp(a->der, b->der, a->derlen) == 0;
}

static size_t
cc_find(const struct sc_certcache *cc, const struct sc_certcache_key *k)
{
	size_t i;

	for (i = 0; i < cc->max; i++)
		if (cc->slot[i] != NULL && cc_match(&cc->slot[i]->k, k))
			return i;
	return cc->max;
}

/*
 * The validity windows around now: a certificate is valid from its
 * notBefore through its notAfter (OpenSSL's X509_cmp_time), so its state
 * changes at notBefore and at notAfter + 1.  [*from, *until) is the span
 * around now in which no certificate of certs changes state.
 */
static void
cc_window(const struct sc_cert *certs, size_t n, long long now,
    long long *from, long long *until)
{
	long long	 edge[2];
	size_t		 i, j;

	for (i = 0; i < n; i++) {
		edge[0] = certs[i].not_before;
		edge[1] = (long long)certs[i].not_after + 1;
		for (j = 0; j < 2; j++) {
			if (edge[j] <= now && edge[j] > *from)
				*from = edge[j];
			if (edge[j] > now && edge[j] < *until)
				*until = edge[j];
		}
	}
}

static void
cc_days_left(struct sc_cert *certs, size_t n, time_t now)
{
	size_t i;

	for (i = 0; i < n; i++)
		certs[i].days_left = difftime(certs[i].not_after, now) /
		    86400.0;
}

/* The part of a report the cache keeps, from src into dst (zeroed). */
static int
cc_copy(struct sc_certreport *dst, const struct sc_certreport *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->verify_error = src->verify_error;
	dst->verify_depth = src->verify_depth;
	dst->verdict = src->verdict;
	memcpy(dst->error, src->error, sizeof(dst->error));
	if (sc_certinfo_copy(src->chain, src->nchain, &dst->chain,
	    &dst->nchain) == -1 || sc_certinfo_copy(src->verified,
	    src->nverified, &dst->verified, &dst->nverified) == -1 ||
	    sc_identity_copy(dst, src) == -1)
		return -1;
	return 0;
}

static void
cc_drop(struct sc_certcache *cc, size_t i)
{
	cc_entry_free(cc->slot[i]);
	cc->slot[i] = NULL;
}

/*
 * key's entry while it holds at now, counted as used; NULL when there is
 * none, or when a date was crossed (the entry is then dropped).
 */
static struct cc_entry *
cc_lookup(struct sc_certcache *cc, const struct sc_certcache_key *k,
    time_t now)
{
	size_t i;

	if ((i = cc_find(cc, k)) == cc->max)
		return NULL;
	if (now < cc->slot[i]->from || now >= cc->slot[i]->until) {
		cc_drop(cc, i);
		return NULL;
	}
	cc->slot[i]->used = ++cc->tick;
	return cc->slot[i];
}

int
sc_certcache_get(struct sc_certcache *cc, const struct sc_certcache_key *k,
    time_t now, struct sc_certreport *r)
{
	struct cc_entry	*e;

	if ((e = cc_lookup(cc, k, now)) == NULL) {
		cc->misses++;
		return 0;
	}
	if (cc_copy(r, &e->r) == -1) {
		sc_certinfo_free(r->chain, r->nchain);
		sc_certinfo_free(r->verified, r->nverified);
		sc_identity_clear(r);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	cc_days_left(r->chain, r->nchain, now);
	cc_days_left(r->verified, r->nverified, now);
	cc->hits++;
	return 1;
}

/* The slot for key: its own, an empty one, or the least recently used. */
static size_t
cc_slot(struct sc_certcache *cc, const struct sc_certcache_key *k)
{
	size_t i, lru = 0;

	if ((i = cc_find(cc, k)) < cc->max)
		return i;
	for (i = 0; i < cc->max; i++) {
		if (cc->slot[i] == NULL)
			return i;
		if (cc->slot[i]->used < cc->slot[lru]->used)
			lru = i;
	}
	return lru;
}

/* A new entry for a copy of k, valid for all time so far; NULL. */
static struct cc_entry *
cc_entry_new(const struct sc_certcache_key *k)
{
	struct cc_entry *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->der = malloc(k->derlen > 0 ? k->derlen : 1)) == NULL ||
	    (e->domain = strdup(k->domain)) == NULL) {
		cc_entry_free(e);
		return NULL;
	}
	memcpy(e->der, k->der, k->derlen);
	e->k = *k;
	e->k.der = e->der;
	e->k.domain = e->domain;
	e->from = LLONG_MIN;
	e->until = LLONG_MAX;
	return e;
}

/* Puts e in k's slot, in place of what was there. */
static void
cc_insert(struct sc_certcache *cc, const struct sc_certcache_key *k,
    struct cc_entry *e)
{
	size_t i;

	e->used = ++cc->tick;
	i = cc_slot(cc, k);
	cc_entry_free(cc->slot[i]);
	cc->slot[i] = e;
}

int
sc_certcache_put(struct sc_certcache *cc, const struct sc_certcache_key *k,
    time_t now, const struct sc_certreport *r)
{
	struct cc_entry	*e;

	if ((e = cc_entry_new(k)) == NULL || cc_copy(&e->r, r) == -1) {
		cc_entry_free(e);
		return -1;
	}
	cc_window(r->chain, r->nchain, now, &e->from, &e->until);
	cc_window(r->verified, r->nverified, now, &e->from, &e->until);
	cc_insert(cc, k, e);
	return 0;
}

int
sc_certcache_verify_get(struct sc_certcache *cc,
    const struct sc_certcache_key *k, time_t now,
    struct sc_certcache_verify *v)
{
	struct cc_entry *e;

	if ((e = cc_lookup(cc, k, now)) == NULL)
		return 0;
	*v = e->v;
	v->chain = NULL;
	if (e->v.chain != NULL && (v->chain = X509_chain_up_ref(e->v.chain))
	    == NULL)
		return -1;
	return 1;
}

/* cc_window() of the certificates of sk as OpenSSL holds them. */
static void
cc_window_x509(STACK_OF(X509) *sk, long long now, long long *from,
    long long *until)
{
	struct sc_cert	c;
	int		i;

	memset(&c, 0, sizeof(c));
	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++) {
		c.not_before = sc_certinfo_time(X509_get0_notBefore(
		    sk_X509_value(sk, i)));
		c.not_after = sc_certinfo_time(X509_get0_notAfter(
		    sk_X509_value(sk, i)));
		cc_window(&c, 1, now, from, until);
	}
}

int
sc_certcache_verify_put(struct sc_certcache *cc,
    const struct sc_certcache_key *k, time_t now,
    const struct sc_certcache_verify *v, STACK_OF(X509) *sent)
{
	struct cc_entry	*e;

	if ((e = cc_entry_new(k)) == NULL)
		return -1;
	e->v = *v;
	e->v.chain = NULL;
	if (v->chain != NULL && (e->v.chain = X509_chain_up_ref(v->chain)) ==
	    NULL) {
		cc_entry_free(e);
		return -1;
	}
	cc_window_x509(sent, now, &e->from, &e->until);
	cc_window_x509(v->chain, now, &e->from, &e->until);
	cc_insert(cc, k, e);
	return 0;
}

void
sc_certcache_stats(const struct sc_certcache *cc, size_t *entries,
    unsigned long *hits, unsigned long *misses)
{
	size_t i, n = 0;

	for (i = 0; cc != NULL && i < cc->max; i++)
		n += cc->slot[i] != NULL;
	*entries = n;
	*hits = cc != NULL ? cc->hits : 0;
	*misses = cc != NULL ? cc->misses : 0;
}

int
sc_certcache_der(SSL *ssl, unsigned char **der, size_t *len)
{
	return sc_certcache_der_stack(SSL_get_peer_cert_chain(ssl), der, len);
}

int
sc_certcache_der_stack(STACK_OF(X509) *sk, unsigned char **der,
    size_t *len)
{
	unsigned char	*p;
	size_t		 total = 0;
	int		 i, n;

	*der = NULL;
	*len = 0;
	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++) {
		if ((n = i2d_X509(sk_X509_value(sk, i), NULL)) <= 0)
			return -1;
		total += (size_t)n;
	}
	if (total == 0)
		return 0;
	if ((*der = p = malloc(total)) == NULL)
		return -1;
	for (i = 0; i < sk_X509_num(sk); i++)
		if (i2d_X509(sk_X509_value(sk, i), &p) <= 0) {
			free(*der);
			*der = NULL;
			return -1;
		}
	*len = total;
	return 0;
}

/*
 * How many certificates and CRLs the trust store holds: it only grows,
 * as the hashed directory loads a CA the first time a chain needs it.
 */
unsigned long
sc_certcache_store_gen(X509_STORE *store)
{
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
	STACK_OF(X509_OBJECT)	*objs = X509_STORE_get1_objects(store);
	unsigned long		 n = objs != NULL ?
				    (unsigned long)sk_X509_OBJECT_num(objs) : 0;

	sk_X509_OBJECT_pop_free(objs, X509_OBJECT_free);
	return n;
#else
	return (unsigned long)sk_X509_OBJECT_num(
	    X509_STORE_get0_objects(store));
#endif
}
