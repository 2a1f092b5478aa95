/*
 * test_certcache.c - the certificate report cache of a TLS context
 * (sip/certcache.c): what hits, and every reason to miss: another chain,
 * another trust store (or one that loaded more), another verify result
 * or domain, a reload (flush), and a validity window crossed while the
 * chain stays the same; the same for the verifications it keeps (kind
 * SC_CERTCACHE_VERIFY).  The clock is the `now` each call is given.
 * Through a real handshake, tests/integration/run_ondemand.sh shows a
 * certificate swapped with tls.reload missing on the next probe.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "certcache.h"
#include "certinfo.h"
#include "identity.h"
#include "sipcanary.h"
#include "tlsctx.h"
#include "unit.h"

#define T0	1700000000	/* the clock at the start of each test */
#define DAY	86400

static const unsigned char chain_a[] = "leaf A DER, intermediate DER";
static const unsigned char chain_b[] = "leaf B DER, intermediate DER";
static int store_a, store_b;	/* two trust stores, by address */

static void
cert(struct sc_cert *c, int depth, const char *subject, time_t nb,
    time_t na)
{
	memset(c, 0, sizeof(*c));
	c->depth = depth;
	c->subject = strdup(subject);
	c->issuer = strdup("CN=issuer");
	c->serial = strdup("01");
	c->not_before = nb;
	c->not_after = na;
	c->days_left = -1000;
	assert_int_equal(sc_strlist_add(&c->san_dns, "example.test", 12), 0);
}

/*
 * A report as cert.c makes it: the leaf valid [T0 - 10 days, T0 + 10
 * days], the intermediate [T0 - 100 days, T0 + ca_days days], a root.
 */
static void
report(struct sc_certreport *r, int ca_days)
{
	memset(r, 0, sizeof(*r));
	r->nchain = 2;
	r->chain = calloc(2, sizeof(*r->chain));
	r->nverified = 3;
	r->verified = calloc(3, sizeof(*r->verified));
	assert_non_null(r->chain);
	assert_non_null(r->verified);
	cert(&r->chain[0], 0, "CN=example.test", T0 - 10 * DAY, T0 + 10 * DAY);
	cert(&r->chain[1], 1, "CN=intermediate", T0 - 100 * DAY,
	    T0 + ca_days * DAY);
	cert(&r->verified[0], 0, "CN=example.test", T0 - 10 * DAY,
	    T0 + 10 * DAY);
	cert(&r->verified[1], 1, "CN=intermediate", T0 - 100 * DAY,
	    T0 + ca_days * DAY);
	cert(&r->verified[2], 2, "CN=root", T0 - 1000 * DAY, T0 + 1000 * DAY);
	r->checked = calloc(1, sizeof(*r->checked));
	assert_non_null(r->checked);
	r->checked[0].name = strdup("example.test");
	r->checked[0].source = "dns_san";
	r->nchecked = 1;
	snprintf(r->identity, sizeof(r->identity), "example.test");
	r->identity_source = "dns_san";
	r->verdict = SC_OK;
}

static void
clear(struct sc_certreport *r)
{
	sc_certinfo_free(r->chain, r->nchain);
	sc_certinfo_free(r->verified, r->nverified);
	sc_identity_clear(r);
	memset(r, 0, sizeof(*r));
}

static struct sc_certcache_key
key(const unsigned char *der, const void *store)
{
	struct sc_certcache_key k;

	memset(&k, 0, sizeof(k));
	k.der = der;
	k.derlen = sizeof(chain_a);
	k.domain = "example.test";
	k.store = store;
	k.store_gen = 3;
	return k;
}

/* Looks key up at now: 1 hit, 0 miss (the copy is freed). */
static int
get(struct sc_certcache *cc, const struct sc_certcache_key *k, time_t now)
{
	struct sc_certreport	r;
	int			rc = sc_certcache_get(cc, k, now, &r);

	assert_int_not_equal(rc, -1);
	if (rc == 1)
		clear(&r);
	return rc;
}

/* Keeps report(ca_days) with verdict v under k, made at now. */
static void
put(struct sc_certcache *cc, const struct sc_certcache_key *k, time_t now,
    int ca_days, enum sc_verdict v)
{
	struct sc_certreport r;

	report(&r, ca_days);
	r.verdict = v;
	assert_int_equal(sc_certcache_put(cc, k, now, &r), 0);
	clear(&r);
}

static struct sc_certcache *
cache_with_a(int ca_days)
{
	struct sc_certcache	*cc = sc_certcache_new(0);
	struct sc_certcache_key	 k = key(chain_a, &store_a);

	assert_non_null(cc);
	put(cc, &k, T0, ca_days, SC_OK);
	return cc;
}

static void
test_hit(void **state)
{
	struct sc_certcache	*cc = cache_with_a(200);
	struct sc_certcache_key	 k = key(chain_a, &store_a);
	struct sc_certreport	 r;
	size_t			 n;
	unsigned long		 hits, misses;

	(void)state;
	assert_int_equal(sc_certcache_get(cc, &k, T0 + DAY, &r), 1);
	/* A deep copy, with the days left as of the lookup. */
	assert_int_equal(r.nchain, 2);
	assert_int_equal(r.nverified, 3);
	assert_string_equal(r.chain[0].subject, "CN=example.test");
	assert_string_equal(r.chain[0].san_dns.v[0], "example.test");
	assert_string_equal(r.verified[2].subject, "CN=root");
	assert_true(r.chain[0].days_left > 8.99 && r.chain[0].days_left < 9.01);
	assert_true(r.verified[2].days_left > 998.9);
	assert_string_equal(r.identity, "example.test");
	assert_string_equal(r.identity_source, "dns_san");
	assert_int_equal(r.nchecked, 1);
	assert_string_equal(r.checked[0].name, "example.test");
	assert_int_equal(r.verdict, SC_OK);
	assert_int_equal(r.cache, SC_CERT_CACHE_NONE);	/* cert.c says */
	clear(&r);
	assert_int_equal(get(cc, &k, T0 + 2 * DAY), 1);
	sc_certcache_stats(cc, &n, &hits, &misses);
	assert_int_equal(n, 1);
	assert_int_equal(hits, 2);
	assert_int_equal(misses, 0);
	assert_string_equal(sc_cert_cache_str(SC_CERT_CACHE_HIT), "hit");
	assert_string_equal(sc_cert_cache_str(SC_CERT_CACHE_MISS), "miss");
	assert_null(sc_cert_cache_str(SC_CERT_CACHE_NONE));
	sc_certcache_free(cc);
}

/* A failed verdict is kept with its reason. */
static void
test_hit_failure(void **state)
{
	struct sc_certcache	*cc = sc_certcache_new(0);
	struct sc_certcache_key	 k = key(chain_a, &store_a);
	struct sc_certreport	 r;

	(void)state;
	report(&r, 200);
	r.verdict = SC_CERT_NAME_MISMATCH;
	snprintf(r.error, sizeof(r.error), "does not identify other.test");
	k.domain = "other.test";
	assert_int_equal(sc_certcache_put(cc, &k, T0, &r), 0);
	clear(&r);
	assert_int_equal(sc_certcache_get(cc, &k, T0 + 1, &r), 1);
	assert_int_equal(r.verdict, SC_CERT_NAME_MISMATCH);
	assert_string_equal(r.error, "does not identify other.test");
	clear(&r);
	sc_certcache_free(cc);
}

static void
test_miss_new_chain(void **state)
{
	struct sc_certcache	*cc = cache_with_a(200);
	struct sc_certcache_key	 k = key(chain_b, &store_a);
	unsigned long		 hits, misses;
	size_t			 n;

	(void)state;
	assert_int_equal(get(cc, &k, T0 + 1), 0);	/* same length */
	k = key(chain_a, &store_a);
	k.derlen--;					/* a prefix */
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	k = key(chain_a, &store_a);
	assert_int_equal(get(cc, &k, T0 + 1), 1);
	sc_certcache_stats(cc, &n, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 2);
	sc_certcache_free(cc);
}

static void
test_miss_new_store(void **state)
{
	struct sc_certcache	*cc = cache_with_a(200);
	struct sc_certcache_key	 k = key(chain_a, &store_b);

	(void)state;
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	/* The same store, which loaded one more CA since. */
	k = key(chain_a, &store_a);
	k.store_gen++;
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	sc_certcache_free(cc);
}

/* What libssl said of this handshake, and the name checked, are keys. */
static void
test_miss_verify_domain(void **state)
{
	struct sc_certcache	*cc = cache_with_a(200);
	struct sc_certcache_key	 k = key(chain_a, &store_a);

	(void)state;
	k.verify_error = 10;	/* X509_V_ERR_CERT_HAS_EXPIRED */
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	k = key(chain_a, &store_a);
	k.verify_depth = 1;
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	k = key(chain_a, &store_a);
	k.domain = "example.test.";
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	k = key(chain_a, &store_a);
	assert_int_equal(get(cc, &k, T0 + 1), 1);
	sc_certcache_free(cc);
}

/* A reload flushes, through the context that owns the cache. */
static void
test_miss_reload(void **state)
{
	struct sc_tls_opts	 o;
	struct sc_certcache	*cc;
	struct sc_certcache_key	 k = key(chain_a, &store_a);
	char			 err[256];
	void			*ctx;

	(void)state;
	assert_int_equal(unit_tmpdir_make("certcache"), 0);
	memset(&o, 0, sizeof(o));
	o.ca_dir = unit_tmpdir;		/* an empty hashed directory */
	ctx = sc_tls_ctx_new_opts(&o, err, sizeof(err));
	assert_non_null(ctx);
	assert_non_null(cc = sc_tlsctx_certcache(ctx));
	put(cc, &k, T0, 200, SC_OK);
	assert_int_equal(get(cc, &k, T0 + 1), 1);
	sc_tls_ctx_cert_cache_flush(ctx);
	assert_int_equal(get(cc, &k, T0 + 2), 0);
	sc_tls_ctx_cert_cache_flush(NULL);
	sc_tls_ctx_free(ctx);		/* frees the cache (ASan: no leak) */
	assert_int_equal(unit_rmtree(unit_tmpdir), 0);
}

/*
 * The same chain, the clock moving: the intermediate expires at T0 + 5
 * days (valid through its notAfter second), before the leaf.
 */
static void
test_miss_window_crossed(void **state)
{
	struct sc_certcache	*cc = cache_with_a(5);
	struct sc_certcache_key	 k = key(chain_a, &store_a);

	(void)state;
	assert_int_equal(get(cc, &k, T0 + 5 * DAY - 1), 1);
	assert_int_equal(get(cc, &k, T0 + 5 * DAY), 1);
	assert_int_equal(get(cc, &k, T0 + 5 * DAY + 1), 0);
	/* The miss dropped the entry: earlier times miss too now. */
	assert_int_equal(get(cc, &k, T0), 0);
	/* Made again after the crossing, it holds until the leaf expires. */
	put(cc, &k, T0 + 6 * DAY, 5, SC_CERT_EXPIRED);
	assert_int_equal(get(cc, &k, T0 + 10 * DAY), 1);
	assert_int_equal(get(cc, &k, T0 + 10 * DAY + 1), 0);
	/* The clock going back past the crossing misses as well. */
	put(cc, &k, T0 + 6 * DAY, 5, SC_CERT_EXPIRED);
	assert_int_equal(get(cc, &k, T0 + 5 * DAY), 0);
	sc_certcache_free(cc);
}

/* A certificate not yet valid when cached: its notBefore is a crossing. */
static void
test_miss_not_yet_valid(void **state)
{
	struct sc_certcache	*cc = sc_certcache_new(0);
	struct sc_certcache_key	 k = key(chain_a, &store_a);
	struct sc_certreport	 r;

	(void)state;
	report(&r, 200);
	r.chain[0].not_before = r.verified[0].not_before = T0 + 3600;
	assert_int_equal(sc_certcache_put(cc, &k, T0, &r), 0);
	clear(&r);
	assert_int_equal(get(cc, &k, T0 + 3599), 1);
	assert_int_equal(get(cc, &k, T0 + 3600), 0);
	sc_certcache_free(cc);
}

/* Bounded: the least recently used entry goes first. */
static void
test_lru(void **state)
{
	struct sc_certcache	*cc = sc_certcache_new(2);
	struct sc_certcache_key	 a = key(chain_a, &store_a);
	struct sc_certcache_key	 b = key(chain_b, &store_a);
	struct sc_certcache_key	 c = key(chain_a, &store_b);
	size_t			 n;
	unsigned long		 hits, misses;

	(void)state;
	assert_non_null(cc);
	put(cc, &a, T0, 200, SC_OK);
	put(cc, &b, T0, 200, SC_OK);
	assert_int_equal(get(cc, &a, T0 + 1), 1);	/* b is the oldest */
	put(cc, &c, T0, 200, SC_OK);
	put(cc, &c, T0, 200, SC_OK);			/* replaced */
	sc_certcache_stats(cc, &n, &hits, &misses);
	assert_int_equal(n, 2);
	assert_int_equal(get(cc, &a, T0 + 1), 1);
	assert_int_equal(get(cc, &b, T0 + 1), 0);
	assert_int_equal(get(cc, &c, T0 + 1), 1);
	sc_certcache_flush(cc);
	sc_certcache_stats(cc, &n, &hits, &misses);
	assert_int_equal(n, 0);
	sc_certcache_free(cc);
	sc_certcache_free(NULL);
	sc_certcache_flush(NULL);
}

/* A certificate valid [nb, na], as OpenSSL holds one (no key, no name). */
static X509 *
x509(time_t nb, time_t na)
{
	X509 *x = X509_new();

	assert_non_null(x);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), nb));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), na));
	return x;
}

static struct sc_certcache_key
vkey(const unsigned char *der, const void *store)
{
	struct sc_certcache_key k = key(der, store);

	k.kind = SC_CERTCACHE_VERIFY;
	k.domain = "";
	return k;
}

/*
 * Keeps, under k at T0, a verification that built leaf (valid [T0 - 10
 * days, T0 + leaf_days days]) -> root and failed at depth 1 with error.
 */
static void
vput(struct sc_certcache *cc, const struct sc_certcache_key *k,
    int leaf_days, long error)
{
	struct sc_certcache_verify v;

	memset(&v, 0, sizeof(v));
	v.ret = 1;
	v.error = error;
	v.depth = 1;
	assert_non_null(v.chain = sk_X509_new_null());
	assert_true(sk_X509_push(v.chain, x509(T0 - 10 * DAY,
	    T0 + leaf_days * DAY)) > 0);
	assert_true(sk_X509_push(v.chain, x509(T0 - 1000 * DAY,
	    T0 + 1000 * DAY)) > 0);
	v.rec.first_error = error;
	v.rec.first_depth = 1;
	v.rec.first_is_ca = 1;
	v.rec.errors = 2;
	snprintf(v.rec.first_path, sizeof(v.rec.first_path), "leaf -> root");
	assert_int_equal(sc_certcache_verify_put(cc, k, T0, &v, NULL), 0);
	sk_X509_pop_free(v.chain, X509_free);	/* the cache has its own */
}

/* Looks k's verification up at now: 1 hit, 0 miss (the copy is freed). */
static int
vget(struct sc_certcache *cc, const struct sc_certcache_key *k, time_t now)
{
	struct sc_certcache_verify	v;
	int				rc;

	rc = sc_certcache_verify_get(cc, k, now, &v);
	assert_int_not_equal(rc, -1);
	if (rc == 1)
		sk_X509_pop_free(v.chain, X509_free);
	return rc;
}

/* What X509_verify_cert() left comes back whole, chain and record. */
static void
test_verify_hit(void **state)
{
	struct sc_certcache		*cc = sc_certcache_new(0);
	struct sc_certcache_key		 k = vkey(chain_a, &store_a);
	struct sc_certcache_verify	 v;
	unsigned long			 hits, misses;
	size_t				 n;

	(void)state;
	vput(cc, &k, 200, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
	assert_int_equal(sc_certcache_verify_get(cc, &k, T0 + DAY, &v), 1);
	assert_int_equal(v.ret, 1);
	assert_int_equal(v.error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
	assert_int_equal(v.depth, 1);
	assert_int_equal(v.rec.first_error,
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
	assert_int_equal(v.rec.first_is_ca, 1);
	assert_int_equal(v.rec.errors, 2);
	assert_string_equal(v.rec.first_path, "leaf -> root");
	assert_non_null(v.chain);
	assert_int_equal(sk_X509_num(v.chain), 2);
	/* The caller's references outlive the cache (ASan: no use after free). */
	sc_certcache_free(cc);
	assert_int_equal(sc_certinfo_time(X509_get0_notAfter(
	    sk_X509_value(v.chain, 0))), T0 + 200 * DAY);
	sk_X509_pop_free(v.chain, X509_free);
	/* Verifications are not counted as report lookups. */
	cc = sc_certcache_new(0);
	vput(cc, &k, 200, X509_V_OK);
	assert_int_equal(vget(cc, &k, T0 + 1), 1);
	sc_certcache_stats(cc, &n, &hits, &misses);
	assert_int_equal(hits, 0);
	assert_int_equal(misses, 0);
	sc_certcache_free(cc);
}

/*
 * Another chain, another store, a store that loaded more, a report of
 * the same chain, a flush: all miss.
 */
static void
test_verify_miss(void **state)
{
	struct sc_certcache	*cc = sc_certcache_new(0);
	struct sc_certcache_key	 k = vkey(chain_a, &store_a);

	(void)state;
	vput(cc, &k, 200, X509_V_OK);
	k = vkey(chain_b, &store_a);
	assert_int_equal(vget(cc, &k, T0 + 1), 0);
	k = vkey(chain_a, &store_b);
	assert_int_equal(vget(cc, &k, T0 + 1), 0);
	k = vkey(chain_a, &store_a);
	k.store_gen++;
	assert_int_equal(vget(cc, &k, T0 + 1), 0);
	/* A report and a verification of one chain are apart. */
	k = key(chain_a, &store_a);
	k.domain = "";
	assert_int_equal(vget(cc, &k, T0 + 1), 0);
	assert_int_equal(get(cc, &k, T0 + 1), 0);
	k = vkey(chain_a, &store_a);
	assert_int_equal(vget(cc, &k, T0 + 1), 1);
	sc_certcache_flush(cc);
	assert_int_equal(vget(cc, &k, T0 + 1), 0);
	sc_certcache_free(cc);
}

/*
 * The same chain, the clock moving: a verification holds through the
 * leaf's notAfter second, and is dropped after it (or before T0 - 10
 * days, its notBefore).
 */
static void
test_verify_window_crossed(void **state)
{
	struct sc_certcache	*cc = sc_certcache_new(0);
	struct sc_certcache_key	 k = vkey(chain_a, &store_a);

	(void)state;
	vput(cc, &k, 5, X509_V_OK);
	assert_int_equal(vget(cc, &k, T0 + 5 * DAY), 1);
	assert_int_equal(vget(cc, &k, T0 + 5 * DAY + 1), 0);
	assert_int_equal(vget(cc, &k, T0), 0);		/* dropped */
	vput(cc, &k, 5, X509_V_OK);
	assert_int_equal(vget(cc, &k, T0 - 10 * DAY), 1);
	assert_int_equal(vget(cc, &k, T0 - 10 * DAY - 1), 0);
	sc_certcache_free(cc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit),
		cmocka_unit_test(test_hit_failure),
		cmocka_unit_test(test_miss_new_chain),
		cmocka_unit_test(test_miss_new_store),
		cmocka_unit_test(test_miss_verify_domain),
		cmocka_unit_test(test_miss_reload),
		cmocka_unit_test(test_miss_window_crossed),
		cmocka_unit_test(test_miss_not_yet_valid),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_verify_hit),
		cmocka_unit_test(test_verify_miss),
		cmocka_unit_test(test_verify_window_crossed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
