/*
 * cert.c - the certificate verdict.
 *
 * Verification ran during the handshake with a callback that records the
 * first error and lets the handshake finish (tlsctx.c), so the chain can
 * always be reported.  Here that error is classified, and the checks
 * OpenSSL does not make for SIP are added: RFC 5922 identity, weak
 * algorithms on every certificate, a revoked staple, and the whole chain
 * verified at now + warn/crit days, which catches an intermediate that
 * expires before the leaf.
 *
 * The checks that depend on the chain alone run once per distinct chain
 * (certcache.c); the dates, the staple and the expiry windows are looked
 * at on every probe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "certcache.h"
#include "certinfo.h"
#include "identity.h"
#include "ocsp.h"
#include "tlsctx.h"

static enum sc_verdict
cert_classify(long err, int failing_is_ca)
{
	switch (err) {
	case X509_V_OK:
		return SC_OK;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return SC_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return SC_CERT_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return SC_CERT_REVOKED;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return SC_CERT_WEAK;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		/*
		 * The issuer is neither sent nor trusted.  A missing issuer
		 * of a CA is a root we do not trust; of a leaf, it may be a
		 * missing intermediate (cert_chain_failed() decides).
		 */
		return failing_is_ca ? SC_CERT_UNTRUSTED :
		    SC_CERT_CHAIN_INCOMPLETE;
	default:
		return SC_CERT_UNTRUSTED;
	}
}

/* Did the server send the issuer of the certificate at depth? */
static int
cert_issuer_sent(SSL *ssl, int depth)
{
	STACK_OF(X509)	*sk = SSL_get_peer_cert_chain(ssl);
	X509		*x;
	int		 i;

	if (sk == NULL || depth < 0 || depth >= sk_X509_num(sk))
		return 0;
	x = sk_X509_value(sk, depth);
	if (X509_get_extension_flags(x) & EXFLAG_INVALID)
		return 1;	/* unreadable: the issuer is not the problem */
	for (i = 0; i < sk_X509_num(sk); i++)
		if (i != depth && X509_NAME_cmp(X509_get_subject_name(
		    sk_X509_value(sk, i)), X509_get_issuer_name(x)) == 0)
			return 1;
	return 0;
}

/*
 * Does the certificate at depth name where its issuer can be fetched (an
 * Authority Information Access caIssuers URI)?  Public CAs' leaves do;
 * a leaf of a private CA that the client does not trust usually does
 * not, and its issuer is then a root we lack, not a missing intermediate.
 */
static int
cert_names_issuer(SSL *ssl, int depth)
{
	STACK_OF(X509)		*sk = SSL_get_peer_cert_chain(ssl);
	AUTHORITY_INFO_ACCESS	*aia;
	ACCESS_DESCRIPTION	*ad;
	int			 i, found = 0;

	if (sk == NULL || depth < 0 || depth >= sk_X509_num(sk))
		return 0;
	if ((aia = X509_get_ext_d2i(sk_X509_value(sk, depth),
	    NID_info_access, NULL, NULL)) == NULL)
		return 0;
	for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia) && !found; i++) {
		ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		found = OBJ_obj2nid(ad->method) == NID_ad_ca_issuers &&
		    ad->location->type == GEN_URI;
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	return found;
}

/* The earliest notAfter of every certificate seen. */
static void
cert_expiry(struct sc_certreport *r)
{
	size_t i;

	for (i = 0; i < r->nchain; i++)
		if (!r->has_expiry || r->chain[i].not_after <
		    r->expiry.not_after) {
			r->expiry = r->chain[i];
			r->has_expiry = 1;
		}
	for (i = 0; i < r->nverified; i++)
		if (!r->has_expiry || r->verified[i].not_after <
		    r->expiry.not_after) {
			r->expiry = r->verified[i];
			r->has_expiry = 1;
		}
}

/*
 * The verified chain as of now + days.  It verified now, so the only way
 * it can fail later is a certificate expiring: the earliest notAfter of
 * the chain OpenSSL built (the root from the store included) decides.
 * This catches an intermediate that expires before the leaf, without a
 * second signature verification per window.
 */
static void
cert_future(SSL *ssl, int days, struct sc_future *f)
{
	STACK_OF(X509)	*sk = SSL_get0_verified_chain(ssl);
	X509		*x, *bad = NULL;
	time_t		 at = time(NULL) + (time_t)days * 86400;
	int		 i, bad_depth = 0;
	char		*dn;

	memset(f, 0, sizeof(*f));
	f->days = days;
	if (sk == NULL || days <= 0)
		return;
	f->checked = 1;
	f->ok = 1;
	for (i = 0; i < sk_X509_num(sk); i++) {
		x = sk_X509_value(sk, i);
		if (X509_cmp_time(X509_get0_notAfter(x), &at) >= 0)
			continue;
		/* The earliest to expire is the one to name. */
		if (bad == NULL || ASN1_TIME_compare(X509_get0_notAfter(x),
		    X509_get0_notAfter(bad)) < 0) {
			bad = x;
			bad_depth = i;
		}
	}
	if (bad == NULL)
		return;
	f->ok = 0;
	f->depth = bad_depth;
	snprintf(f->error, sizeof(f->error), "%s",
	    X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
	dn = sc_certinfo_dn(X509_get_subject_name(bad));
	snprintf(f->subject, sizeof(f->subject), "%s", dn != NULL ? dn : "?");
	free(dn);
	f->not_after = sc_certinfo_time(X509_get0_notAfter(bad));
}

static const struct sc_cert *
cert_first_weak(const struct sc_certreport *r)
{
	size_t i;

	for (i = 0; i < r->nchain; i++)
		if (r->chain[i].weak)
			return &r->chain[i];
	for (i = 0; i < r->nverified; i++)
		if (r->verified[i].weak)
			return &r->verified[i];
	return NULL;
}

static enum sc_verdict
cert_fail(struct sc_certreport *r, enum sc_verdict v)
{
	r->verdict = v;
	return v;
}

/*
 * Fills r with what the handshake brought: the chain as sent, and the
 * chain as verified (when it was).  -1 when out of memory.
 */
static int
cert_collect(SSL *ssl, const struct tls_verify *tv, struct sc_certreport *r)
{
	if (sc_certinfo_fill_stack(SSL_get_peer_cert_chain(ssl), &r->chain,
	    &r->nchain) == -1)
		return -1;
	r->verify_error = tv != NULL ? tv->rec.first_error :
	    SSL_get_verify_result(ssl);
	r->verify_depth = tv != NULL ? tv->rec.first_depth : 0;
	if (r->verify_error == X509_V_OK && sc_certinfo_fill_stack(
	    SSL_get0_verified_chain(ssl), &r->verified, &r->nverified) == -1)
		return -1;
	return 0;
}

/* What the verify callback recorded of the failing path (tlsprofile.c). */
static int
cert_tv_subject(const struct tls_verify *tv)
{
	return tv != NULL && tv->rec.first_subject[0] != '\0';
}

static int
cert_tv_path(const struct tls_verify *tv)
{
	return tv != NULL && strstr(tv->rec.first_path, " -> ") != NULL;
}

/* " (path: leaf -> ... -> root)" after the error, as room allows. */
static void
cert_append_path(struct sc_certreport *r, const struct tls_verify *tv)
{
	size_t	 o = strlen(r->error);

	if (!cert_tv_path(tv) || o + strlen(tv->rec.first_path) + 10 >=
	    sizeof(r->error))
		return;
	memcpy(r->error + o, " (path: ", 8);
	o += 8;
	memcpy(r->error + o, tv->rec.first_path,
	    strlen(tv->rec.first_path));
	o += strlen(tv->rec.first_path);
	r->error[o++] = ')';
	r->error[o] = '\0';
}

/* The chain did not verify: which verdict, and why. */
static enum sc_verdict
cert_chain_failed(SSL *ssl, const struct tls_verify *tv,
    struct sc_certreport *r)
{
	enum sc_verdict		 v = cert_classify(r->verify_error,
				    tv != NULL && tv->rec.first_is_ca);
	const struct sc_cert	*c = (size_t)r->verify_depth < r->nchain ?
				    &r->chain[r->verify_depth] : NULL;

	/*
	 * "Incomplete" claims an intermediate is missing.  If the server
	 * did send the failing certificate's issuer, OpenSSL refused it for
	 * another reason (an unparseable extension, say): that chain is
	 * untrusted, not incomplete.
	 */
	if (v == SC_CERT_CHAIN_INCOMPLETE &&
	    cert_issuer_sent(ssl, r->verify_depth))
		v = SC_CERT_UNTRUSTED;
	snprintf(r->error, sizeof(r->error),
	    "certificate at depth %d%s%s: %s", r->verify_depth,
	    c != NULL || cert_tv_subject(tv) ? " " : "", c != NULL ?
	    c->subject : cert_tv_subject(tv) ? tv->rec.first_subject : "",
	    X509_verify_cert_error_string(r->verify_error));
	cert_append_path(r, tv);
	/* Incomplete only when the leaf says where its issuer lives. */
	if (v == SC_CERT_CHAIN_INCOMPLETE &&
	    !cert_names_issuer(ssl, r->verify_depth)) {
		v = SC_CERT_UNTRUSTED;
		snprintf(r->error, sizeof(r->error), "certificate at depth "
		    "%d%s%s: its issuer %s is not trusted (not in the trust "
		    "store, not sent, and named by no caIssuers URL)",
		    r->verify_depth, c != NULL ? " " : "", c != NULL ?
		    c->subject : "", c != NULL && c->issuer != NULL ?
		    c->issuer : "(unknown)");
	}
	return cert_fail(r, v);
}

/*
 * The chain verified again crit_days and warn_days from now: SC_OK, or
 * SC_CERT_EXPIRING with *sev saying which window it falls in.
 */
static enum sc_verdict
cert_expiring(SSL *ssl, int warn_days, int crit_days,
    struct sc_certreport *r, enum sc_severity *sev)
{
	const struct sc_future	*f;
	struct tm		 tm;
	char			 date[32];

	cert_future(ssl, crit_days, &r->future_crit);
	cert_future(ssl, warn_days, &r->future_warn);
	if (r->future_crit.checked && !r->future_crit.ok)
		f = &r->future_crit;
	else if (r->future_warn.checked && !r->future_warn.ok)
		f = &r->future_warn;
	else
		return SC_OK;
	gmtime_r(&f->not_after, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(r->error, sizeof(r->error), "certificate at depth %d %s "
	    "expires %s, within %d days", f->depth, f->subject, date,
	    f->days);
	*sev = f == &r->future_crit ? SC_SEV_CRITICAL : SC_SEV_WARNING;
	return cert_fail(r, SC_CERT_EXPIRING);
}

/*
 * The checks that depend on nothing but the chain, the trust store,
 * libssl's verify result and the domain, in the verdict's order (a
 * certificate at all, the chain, the identity, weak algorithms): r's
 * chains and identities, and SC_OK or the first failure in r->verdict
 * and r->error.  SC_INTERNAL_ERROR when out of memory.
 */
static enum sc_verdict
cert_chain_checks(SSL *ssl, const struct tls_verify *tv, const char *domain,
    struct sc_certreport *r)
{
	const struct sc_cert	*weak;
	X509			*leaf;
	int			 id;

	if (cert_collect(ssl, tv, r) == -1)
		return SC_INTERNAL_ERROR;
	if ((leaf = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(r->error, sizeof(r->error),
		    "the server sent no certificate");
		return cert_fail(r, SC_CERT_UNTRUSTED);
	}
	/* Identity is reported even when the chain failed. */
	if ((id = sc_identity_check(leaf, domain, r)) == -1)
		return SC_INTERNAL_ERROR;
	if (r->verify_error != X509_V_OK)
		return cert_chain_failed(ssl, tv, r);
	if (id == 0) {
		snprintf(r->error, sizeof(r->error), "the certificate does not "
		    "identify the SIP domain %s (RFC 5922 §7.1: %zu "
		    "identities checked)", domain, r->nchecked);
		return cert_fail(r, SC_CERT_NAME_MISMATCH);
	}
	if ((weak = cert_first_weak(r)) != NULL) {
		snprintf(r->error, sizeof(r->error), "certificate at depth %d "
		    "%s is weak: %s, %s %d bits", weak->depth, weak->subject,
		    weak->sig_alg, weak->key_type, weak->key_bits);
		return cert_fail(r, SC_CERT_WEAK);
	}
	return cert_fail(r, SC_OK);
}

/*
 * cert_chain_checks() once per distinct chain: from the context's cache
 * (certcache.c) when it holds this chain, else computed and kept there.
 * The key is the chain as sent, the trust store (and how many objects it
 * has loaded so far: the hashed directory grows), libssl's verify result
 * of this handshake, and the domain.  SC_INTERNAL_ERROR when out of
 * memory.
 */
static enum sc_verdict
cert_chain_checks_cached(SSL *ssl, const struct tls_verify *tv,
    const char *domain, time_t now, struct sc_certreport *r)
{
	struct sc_certcache	*cc = sc_tlsctx_certcache(SSL_get_SSL_CTX(ssl));
	X509_STORE		*store = SSL_CTX_get_cert_store(
				    SSL_get_SSL_CTX(ssl));
	struct sc_certcache_key	 k;
	unsigned char		*der = NULL;
	enum sc_verdict		 v = SC_INTERNAL_ERROR;
	int			 rc;

	memset(&k, 0, sizeof(k));
	if (cc == NULL || sc_certcache_der(ssl, &der, &k.derlen) == -1 ||
	    k.derlen == 0) {
		free(der);
		return cert_chain_checks(ssl, tv, domain, r);
	}
	k.der = der;
	k.domain = domain;
	k.store = store;
	k.store_gen = sc_certcache_store_gen(store);
	k.verify_error = tv != NULL ? tv->rec.first_error :
	    SSL_get_verify_result(ssl);
	k.verify_depth = tv != NULL ? tv->rec.first_depth : 0;
	if ((rc = sc_certcache_get(cc, &k, now, r)) == 1) {
		r->cache = SC_CERT_CACHE_HIT;
		v = r->verdict;
	} else if (rc == 0 && (v = cert_chain_checks(ssl, tv, domain, r)) !=
	    SC_INTERNAL_ERROR) {
		r->cache = SC_CERT_CACHE_MISS;
		(void)sc_certcache_put(cc, &k, now, r);	/* not kept: no harm */
	}
	free(der);
	return v;
}

enum sc_verdict
sc_cert_evaluate(SSL *ssl, const char *domain, int warn_days, int crit_days,
    struct sc_certreport *r, enum sc_severity *sev)
{
	*sev = SC_SEV_CRITICAL;
	sc_cert_report_clear(r);
	if (cert_chain_checks_cached(ssl, sc_tlsctx_verify(ssl), domain,
	    time(NULL), r) == SC_INTERNAL_ERROR) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return cert_fail(r, SC_INTERNAL_ERROR);
	}
	/* What may change while the chain stays: checked on every probe. */
	cert_expiry(r);
	sc_ocsp_evaluate(ssl, &r->ocsp);
	if (r->verdict != SC_OK)
		return r->verdict;
	if (r->ocsp.status != NULL && strcmp(r->ocsp.status, "revoked") == 0
	    && r->ocsp.verified == 1) {
		snprintf(r->error, sizeof(r->error), "the stapled OCSP "
		    "response says the certificate is revoked");
		return cert_fail(r, SC_CERT_REVOKED);
	}
	if (cert_expiring(ssl, warn_days, crit_days, r, sev) != SC_OK)
		return SC_CERT_EXPIRING;
	*sev = SC_SEV_OK;
	r->verdict = SC_OK;
	return SC_OK;
}

void
sc_cert_report_clear(struct sc_certreport *r)
{
	if (r == NULL)
		return;
	sc_certinfo_free(r->chain, r->nchain);
	sc_certinfo_free(r->verified, r->nverified);
	sc_identity_clear(r);
	free(r->revocation);
	memset(r, 0, sizeof(*r));
}
