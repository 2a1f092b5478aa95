/*
 * revocation.c - the revocation check of one verified connection.
 *
 * Owns: the policy (staple, ocsp, crl, auto, off), Must-Staple (TLS
 * Feature status_request, RFC 7633) on the leaf, and walking the verified
 * chain from the leaf to the certificate below the trust anchor: for each
 * one the staple (the leaf only), then the OCSP responder, then the CRL,
 * as the policy allows, until one source answers.  Fetches go through
 * the shared cache (revcache.c), so a check waits at most for one fetch
 * at a time and usually for none.  A source that cannot answer leaves
 * its reason; a certificate no source answered for is "unknown" (a
 * warning: the probe goes on), one that names no source is "none".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "clock.h"
#include "crl.h"
#include "httpfetch.h"
#include "ocspquery.h"
#include "revcache.h"
#include "revocation.h"

#define REV_TLSFEATURE_STATUS_REQUEST	5	/* RFC 7633 */

enum rv_stage { RV_OCSP, RV_CRL, RV_NEXT };

struct sc_revcheck {
	struct event_base	*base;
	enum sc_revocation_policy policy;
	STACK_OF(X509)		*chain;		/* verified, leaf first */
	X509_STORE		*store;
	double			 deadline;	/* sc_clock_now() */
	struct event		*timer;		/* at the deadline */
	int			 late;		/* the deadline passed */
	struct sc_revocation	*rev;
	size_t			 ncheck;	/* certificates to check */
	size_t			 depth;		/* the one under way */
	enum rv_stage		 stage;
	int			 answered;	/* the current one */
	int			 asked;		/* a source was named */
	time_t			 expires;	/* earliest, of data used */
	struct revcache_wait	*wait;
	char			 url[1024];	/* of the source asked */
	int			 done;
	sc_revcheck_cb		 cb;
	void			*arg;
};

static const char *const rv_policies[] = {
	[SC_REVOCATION_AUTO] = "auto",
	[SC_REVOCATION_STAPLE] = "staple",
	[SC_REVOCATION_OCSP] = "ocsp",
	[SC_REVOCATION_CRL] = "crl",
	[SC_REVOCATION_OFF] = "off",
};

const char *
sc_revocation_policy_str(enum sc_revocation_policy p)
{
	return (unsigned)p <= SC_REVOCATION_OFF ? rv_policies[p] : "auto";
}

int
sc_revocation_policy_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i <= SC_REVOCATION_OFF; i++)
		if (strcmp(s, rv_policies[i]) == 0)
			return i;
	return -1;
}

const char *
sc_revocation_summary(const struct sc_revocation *r, char *buf, size_t len)
{
	size_t	i, l = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; r != NULL && i < r->n && l < len; i++) {
		snprintf(buf + l, len - l, "%s%s%s%s", i > 0 ? ", " : "",
		    r->certs[i].source != NULL ? r->certs[i].source : "",
		    r->certs[i].source != NULL ? " " : "",
		    r->certs[i].status);
		l = strlen(buf);
	}
	return buf;
}

int
sc_revocation_goes_on(enum sc_verdict v)
{
	return sc_verdict_up(v);
}

/* Does the leaf carry TLS Feature status_request (Must-Staple)? */
static int
rv_must_staple(X509 *leaf)
{
	STACK_OF(ASN1_INTEGER)	*f;
	int			 i, yes = 0;

	if ((f = X509_get_ext_d2i(leaf, NID_tlsfeature, NULL, NULL)) == NULL)
		return 0;
	for (i = 0; i < sk_ASN1_INTEGER_num(f); i++)
		if (ASN1_INTEGER_get(sk_ASN1_INTEGER_value(f, i)) ==
		    REV_TLSFEATURE_STATUS_REQUEST)
			yes = 1;
	sk_ASN1_INTEGER_pop_free(f, ASN1_INTEGER_free);
	return yes;
}

/*
 * Adds a source's reason to the current certificate's error, with the
 * URL asked when there is one (rc->url, set by rv_ask).
 */
static void
rv_why(struct sc_revcheck *rc, const char *what, const char *why)
{
	struct sc_revcert	*c = &rc->rev->certs[rc->depth];
	size_t			 l = strlen(c->error);

	snprintf(c->error + l, sizeof(c->error) - l, "%s%s%s%s: %s",
	    l > 0 ? "; " : "", what, rc->url[0] != '\0' ? " " : "", rc->url,
	    why);
}

static void
rv_used(struct sc_revcheck *rc, time_t expires)
{
	if (expires > 0 && (rc->expires == 0 || expires < rc->expires))
		rc->expires = expires;
}

/* The cache's answer for the current certificate, from the stage's source. */
static void
rv_apply(struct sc_revcheck *rc, const struct revcache_entry *e)
{
	struct sc_revcert		*c = &rc->rev->certs[rc->depth];
	const struct ocspq_answer	*a;
	X509				*x, *issuer;
	char				 err[sizeof(c->error)];
	char				 big[sizeof(e->error) + 80];

	if (!e->ok) {
		if (rc->stage == RV_OCSP)
			rc->rev->ocsp_failures++;
		else
			rc->rev->crl_failures++;
		/* The CRL limit is the operator's: say how to raise it. */
		if (rc->stage == RV_CRL && sc_httpfetch_too_large(e->error)) {
			snprintf(big, sizeof(big), "%s (crl_max_size in "
			    "sipcanary.conf, or --crl-max-size, raises it)",
			    e->error);
			rv_why(rc, "CRL", big);
			return;
		}
		rv_why(rc, rc->stage == RV_OCSP ? "OCSP" : "CRL", e->error);
		return;
	}
	if (rc->stage == RV_OCSP) {
		a = e->obj;
		if (strcmp(a->status, "unknown") == 0) {
			rv_why(rc, "OCSP", "the responder does not know the "
			    "certificate");
			return;
		}
		c->source = "ocsp";
		c->status = a->status;
		c->reason = a->reason;
		c->revoked_at = a->revoked_at;
		c->this_update = a->this_update;
		c->next_update = a->next_update;
	} else {
		x = sk_X509_value(rc->chain, (int)rc->depth);
		issuer = sk_X509_value(rc->chain, (int)rc->depth + 1);
		if (sc_crl_check(e->obj, x, issuer, time(NULL), c, err,
		    sizeof(err)) == -1) {
			rv_why(rc, "CRL", err);
			return;
		}
	}
	rc->answered = 1;
	rv_used(rc, e->expires_at);
}

/*
 * A URL from a certificate reaches reports and requests only if it is an
 * http URL httpfetch.c can use (printable ASCII: no control byte, space
 * or broken UTF-8).  0, or -1 with the reason in err.
 */
static int
rv_url_ok(const char *url, char *err, size_t errlen)
{
	char	host[256], path[2048];
	int	port;

	return sc_httpfetch_url(url, host, sizeof(host), &port, path,
	    sizeof(path), err, errlen);
}

static void rv_advance(struct sc_revcheck *);

static void
rv_fetched(const struct revcache_entry *e, void *arg)
{
	struct sc_revcheck *rc = arg;

	rc->wait = NULL;
	rv_apply(rc, e);
	rc->stage++;
	rv_advance(rc);
}

/*
 * Asks the cache for the current certificate's stage source: 1 when the
 * stage is over (answered or not), 0 when a fetch is awaited.
 */
static int
rv_ask(struct sc_revcheck *rc)
{
	X509				*x = sk_X509_value(rc->chain,
					    (int)rc->depth);
	X509				*issuer = sk_X509_value(rc->chain,
					    (int)rc->depth + 1);
	struct revcache_req		 r;
	const struct revcache_entry	*now;
	char				 url[1024], key[1100], err[200];
	unsigned char			*der = NULL;
	size_t				 len = 0;
	int				 fetched, got;

	memset(&r, 0, sizeof(r));
	rc->url[0] = '\0';
	if ((rc->stage == RV_OCSP ? sc_ocspq_url(x, url, sizeof(url)) :
	    sc_crl_url(x, url, sizeof(url))) == -1)
		return 1;		/* the certificate names no such source */
	if (rv_url_ok(url, err, sizeof(err)) == -1) {
		rc->asked = 1;
		rv_why(rc, rc->stage == RV_OCSP ? "OCSP" : "CRL", err);
		return 1;
	}
	/*
	 * The fetch may outlive this check's deadline (rv_late stops the
	 * wait): its answer is cached for the probes that come next.
	 */
	r.timeout = SC_REVOCATION_TIMEOUT_DEFAULT;
	if (rc->late || rc->deadline - sc_clock_now() < 0.01) {
		rv_why(rc, rc->stage == RV_OCSP ? "OCSP" : "CRL",
		    "not asked: the probe's time for revocation ran out");
		rc->asked = 1;
		return 1;
	}
	if (rc->stage == RV_OCSP) {
		if (sc_ocspq_request(x, issuer, rc->chain, rc->store, &der,
		    &len, key, sizeof(key) - strlen(url) - 2, &r.ctx, err,
		    sizeof(err)) == -1) {
			rv_why(rc, "OCSP", err);
			return 1;
		}
		/* The responder is part of the key: a CertID per URL. */
		snprintf(key + strlen(key), sizeof(key) - strlen(key), " %s",
		    url);
		r.body = der;
		r.bodylen = len;
		r.ctype = "application/ocsp-request";
		r.max_body = SC_REVOCATION_OCSP_MAX;
		r.parse = sc_ocspq_parse;
		r.obj_free = sc_ocspq_free;
		r.ctx_free = sc_ocspq_ctx_free;
	} else {
		snprintf(key, sizeof(key), "crl %s", url);
		r.max_body = sc_revcache_crl_max();
		r.parse = sc_crl_parse;
		r.obj_free = sc_crl_free;
	}
	rc->asked = 1;
	snprintf(rc->url, sizeof(rc->url), "%s", url);
	r.key = key;
	r.url = url;
	got = sc_revcache_get(rc->base, &r, rv_fetched, rc, &now, &rc->wait,
	    &fetched, err, sizeof(err));
	OPENSSL_free(der);
	if (got == -1)
		rv_why(rc, rc->stage == RV_OCSP ? "OCSP" : "CRL", err);
	else if (got == 1)
		rv_apply(rc, now);
	return got != 0;
}

/* May the policy use the stage's source? */
static int
rv_allowed(const struct sc_revcheck *rc)
{
	switch (rc->policy) {
	case SC_REVOCATION_AUTO:
		return 1;
	case SC_REVOCATION_OCSP:
		return rc->stage == RV_OCSP;
	case SC_REVOCATION_CRL:
		return rc->stage == RV_CRL;
	default:
		return 0;
	}
}

static void
rv_finish(struct sc_revcheck *rc)
{
	struct sc_revocation	*r = rc->rev;
	time_t			 now = time(NULL), oldest = 0;
	size_t			 i;

	r->n = rc->ncheck;
	for (i = 0; i < r->n; i++)
		if (r->certs[i].this_update > 0 && (oldest == 0 ||
		    r->certs[i].this_update < oldest))
			oldest = r->certs[i].this_update;
	r->data_age = oldest > 0 ? difftime(now, oldest) : -1;
	r->expires_in = rc->expires > 0 ? difftime(rc->expires, now) : -1;
	rc->done = 1;
	if (rc->timer != NULL)
		event_del(rc->timer);
}

/*
 * Walks the chain from rc->depth: each certificate through its stages
 * until one answers.  Returns when a fetch is awaited (rv_fetched goes
 * on) or every certificate is done (the callback then runs if the check
 * had to wait).
 */
static void
rv_advance(struct sc_revcheck *rc)
{
	struct sc_revcert *c;

	while (rc->depth < rc->ncheck) {
		c = &rc->rev->certs[rc->depth];
		if (rc->stage < RV_NEXT && !rc->answered) {
			if (rv_allowed(rc) && !rv_ask(rc))
				return;		/* rv_fetched goes on */
			rc->stage++;
			continue;
		}
		if (!rc->answered)
			c->status = rc->asked ? "unknown" : "none";
		rc->depth++;
		rc->stage = RV_OCSP;
		rc->answered = rc->asked = 0;
	}
	rv_finish(rc);
	if (rc->cb != NULL)
		rc->cb(rc, rc->arg);	/* last: it may free rc */
}

/*
 * The deadline passed while a fetch was awaited (started by this check
 * or another, maybe with a longer timeout): stop waiting; what is left is
 * not asked, and the check ends now.
 */
static void
rv_late(evutil_socket_t fd, short what, void *arg)
{
	struct sc_revcheck *rc = arg;

	(void)fd; (void)what;
	rc->late = 1;
	if (rc->wait == NULL)
		return;
	sc_revcache_cancel(rc->wait);
	rc->wait = NULL;
	rv_why(rc, rc->stage == RV_OCSP ? "OCSP" : "CRL",
	    "no answer in the probe's time for revocation");
	rc->stage++;
	rv_advance(rc);
}

/* The staple answers for the leaf when it verified and knows it. */
static void
rv_staple(struct sc_revcheck *rc, const struct sc_ocsp *o)
{
	struct sc_revcert *c = &rc->rev->certs[0];

	if (o == NULL || !o->stapled)
		return;
	rc->url[0] = '\0';
	rc->asked = 1;
	if (o->verified != 1 || o->status == NULL ||
	    strcmp(o->status, "unknown") == 0) {
		rv_why(rc, "staple", o->error[0] != '\0' ? o->error :
		    "the staple does not answer for the leaf");
		return;
	}
	c->source = "staple";
	c->status = o->status;
	c->revoked_at = o->revoked_at;
	c->this_update = o->this_update;
	c->next_update = o->next_update;
	rc->answered = 1;
	rv_used(rc, o->next_update);
}

struct sc_revcheck *
sc_revcheck_start(struct event_base *base, SSL *ssl,
    enum sc_revocation_policy policy, double timeout,
    const struct sc_ocsp *staple, sc_revcheck_cb cb, void *arg)
{
	struct sc_revcheck	*rc;
	STACK_OF(X509)		*sk = SSL_get0_verified_chain(ssl);
	X509			*leaf = SSL_get0_peer_certificate(ssl);
	size_t			 i;

	if ((rc = calloc(1, sizeof(*rc))) == NULL ||
	    (rc->rev = calloc(1, sizeof(*rc->rev))) == NULL)
		goto fail;
	rc->base = base;
	rc->policy = policy;
	rc->deadline = sc_clock_now() + (timeout > 0 ? timeout :
	    SC_REVOCATION_TIMEOUT_DEFAULT);
	rc->rev->policy = policy;
	rc->rev->data_age = rc->rev->expires_in = -1;
	if (policy == SC_REVOCATION_OFF || sk == NULL || leaf == NULL) {
		rc->done = 1;
		return rc;
	}
	rc->rev->must_staple = rv_must_staple(leaf);
	if ((rc->chain = X509_chain_up_ref(sk)) == NULL ||
	    !X509_STORE_up_ref(SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl))))
		goto fail;
	rc->store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
	/* Every certificate but the trust anchor, the last of the chain. */
	rc->ncheck = (size_t)sk_X509_num(sk) - 1;
	if (rc->ncheck > SC_REVOCATION_MAX_CERTS)
		rc->ncheck = SC_REVOCATION_MAX_CERTS;
	for (i = 0; i < rc->ncheck; i++) {
		rc->rev->certs[i].depth = (int)i;
		rc->rev->certs[i].status = "none";
	}
	if (rc->ncheck > 0)
		rv_staple(rc, staple);
	if (policy == SC_REVOCATION_STAPLE) {
		/* Only the staple: the others are left unchecked. */
		if (rc->ncheck > 0 && !rc->answered && rc->asked)
			rc->rev->certs[0].status = "unknown";
		rc->ncheck = rc->ncheck > 0 ? 1 : 0;
		rv_finish(rc);
		return rc;
	}
	rv_advance(rc);
	if (!rc->done) {
		struct timeval	tv;
		double		left = rc->deadline - sc_clock_now();

		if ((rc->timer = evtimer_new(base, rv_late, rc)) == NULL)
			goto fail;
		left = left > 0 ? left : 0;
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		evtimer_add(rc->timer, &tv);
	}
	/* Set only now: a check done at once never calls back. */
	rc->cb = cb;
	rc->arg = arg;
	return rc;
fail:
	sc_revcheck_free(rc);
	return NULL;
}

int
sc_revcheck_done(const struct sc_revcheck *rc)
{
	return rc->done;
}

static void
rv_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, len, "an unknown time");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum sc_verdict
sc_revcheck_verdict(const struct sc_revcheck *rc, char *err, size_t errlen)
{
	const struct sc_revocation	*r = rc->rev;
	const struct sc_revcert		*c;
	char				*dn, date[32];
	size_t				 i;

	if (r == NULL)
		return SC_OK;
	for (i = 0; i < r->n; i++) {
		c = &r->certs[i];
		if (c->status == NULL || strcmp(c->status, "revoked") != 0)
			continue;
		dn = sc_certinfo_dn(X509_get_subject_name(
		    sk_X509_value(rc->chain, (int)i)));
		rv_date(c->revoked_at, date, sizeof(date));
		snprintf(err, errlen, "certificate at depth %zu %s was revoked "
		    "at %s (reason: %s), according to the %s", i,
		    dn != NULL ? dn : "?", date, c->reason != NULL ?
		    c->reason : "none given", strcmp(c->source, "crl") == 0 ?
		    "CRL" : strcmp(c->source, "ocsp") == 0 ? "OCSP responder" :
		    "stapled OCSP response");
		free(dn);
		return SC_CERT_REVOKED;
	}
	if (r->must_staple && r->policy != SC_REVOCATION_OFF &&
	    (r->n == 0 || r->certs[0].source == NULL ||
	    strcmp(r->certs[0].source, "staple") != 0)) {
		snprintf(err, errlen, "the leaf certificate requires OCSP "
		    "stapling (TLS Feature status_request, RFC 7633) and the "
		    "server sent no valid staple: clients that enforce "
		    "Must-Staple refuse it");
		return SC_CERT_MUST_STAPLE_MISSING;
	}
	for (i = 0; i < r->n; i++) {
		c = &r->certs[i];
		if (strcmp(c->status, "unknown") != 0)
			continue;
		snprintf(err, errlen, "no revocation source answered for the "
		    "certificate at depth %zu: %s", i, c->error[0] != '\0' ?
		    c->error : "no answer");
		return SC_CERT_REVOCATION_UNKNOWN;
	}
	return SC_OK;
}

struct sc_revocation *
sc_revcheck_take(struct sc_revcheck *rc)
{
	struct sc_revocation *r = rc->rev;

	rc->rev = NULL;
	return r;
}

void
sc_revcheck_free(struct sc_revcheck *rc)
{
	if (rc == NULL)
		return;
	sc_revcache_cancel(rc->wait);
	if (rc->timer != NULL)
		event_free(rc->timer);
	sk_X509_pop_free(rc->chain, X509_free);
	X509_STORE_free(rc->store);
	free(rc->rev);
	free(rc);
}
