/*
 * cert.c - the peer certificate chain as data, RFC 5922 identity, and the
 * mapping of verification failures onto verdict codes.
 *
 * SSL_set1_host() is deliberately not used: it applies RFC 6125 rules
 * (wildcards, no sip: URIs), and SIP's rules in RFC 5922 differ.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "tlsctx.h"

static char *
cert_name(const X509_NAME *name)
{
	BIO	*bio;
	char	*s = NULL, *p;
	long	 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) >= 0 &&
	    (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(bio);
	return s;
}

static time_t
cert_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

static int
cert_fill(X509 *x, int depth, struct sc_cert *c)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	BIGNUM		*bn;

	memset(c, 0, sizeof(*c));
	c->depth = depth;
	c->subject = cert_name(X509_get_subject_name(x));
	c->issuer = cert_name(X509_get_issuer_name(x));
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL))
	    != NULL) {
		char *hex = BN_bn2hex(bn);

		if (hex != NULL) {
			c->serial = strdup(hex);
			OPENSSL_free(hex);
		}
		BN_free(bn);
	}
	if (X509_digest(x, EVP_sha256(), md, &mdlen))
		for (i = 0; i < mdlen && i < 32; i++)
			snprintf(c->fingerprint_sha256 + 2 * i, 3, "%02x", md[i]);
	c->not_before = cert_time(X509_get0_notBefore(x));
	c->not_after = cert_time(X509_get0_notAfter(x));
	c->days_left = difftime(c->not_after, time(NULL)) / 86400.0;
	c->self_signed = X509_check_issued(x, x) == X509_V_OK;
	if (c->subject == NULL || c->issuer == NULL || c->serial == NULL)
		return -1;
	return 0;
}

void
cert_free_chain(struct sc_cert *chain, size_t n)
{
	size_t i;

	if (chain == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(chain[i].subject);
		free(chain[i].issuer);
		free(chain[i].serial);
	}
	free(chain);
}

/* The host of a "sip:" URI with no user part, or NULL. */
static int
cert_sip_uri_host(const char *uri, size_t len, char *host, size_t hostlen)
{
	size_t i, n;

	if (len < 5 || strncasecmp(uri, "sip:", 4) != 0)
		return -1;
	uri += 4, len -= 4;
	for (i = 0; i < len; i++)
		if (uri[i] == '@')
			return -1;	/* a user part: not a domain identity */
	for (n = 0; n < len && uri[n] != ';' && uri[n] != '?' &&
	    uri[n] != ':' && uri[n] != '>'; n++)
		;
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, uri, n);
	host[n] = '\0';
	return 0;
}

static int
cert_name_eq(const char *a, size_t alen, const char *domain)
{
	/* Exact, case-insensitive; a trailing root dot is not significant. */
	size_t dlen = strlen(domain);

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	return alen == dlen && strncasecmp(a, domain, alen) == 0 &&
	    memchr(a, '\0', alen) == NULL;
}

int
cert_identity(X509 *x, const char *domain, char *matched, size_t matchedlen,
    const char **source)
{
	GENERAL_NAMES	*gens;
	int		 i, n, nuri = 0, nsan = 0, hit = 0;
	char		 host[256];

	*source = NULL;
	matched[0] = '\0';
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
	/* Pass 1: sip: URIs. */
	for (i = 0; i < n && !hit; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		nsan++;
		if (g->type != GEN_URI)
			continue;
		if (cert_sip_uri_host((const char *)ASN1_STRING_get0_data(
		    g->d.uniformResourceIdentifier),
		    (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier),
		    host, sizeof(host)) == -1)
			continue;
		nuri++;
		if (cert_name_eq(host, strlen(host), domain)) {
			snprintf(matched, matchedlen, "sip:%s", host);
			*source = "uri_san";
			hit = 1;
		}
	}
	/* Pass 2: dNSNames, only when no sip: URI identity exists. */
	for (i = 0; i < n && !hit && nuri == 0; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const char *s;
		size_t len;

		if (g->type != GEN_DNS)
			continue;
		s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
		len = (size_t)ASN1_STRING_length(g->d.dNSName);
		if (cert_name_eq(s, len, domain)) {
			snprintf(matched, matchedlen, "%.*s", (int)len, s);
			*source = "dns_san";
			hit = 1;
		}
	}
	GENERAL_NAMES_free(gens);
	/* Pass 3: the CN, only without any SAN at all. */
	if (!hit && nsan == 0) {
		X509_NAME	*sn = X509_get_subject_name(x);
		int		 pos = -1;

		while (!hit && (pos = X509_NAME_get_index_by_NID(sn,
		    NID_commonName, pos)) >= 0) {
			ASN1_STRING *d = X509_NAME_ENTRY_get_data(
			    X509_NAME_get_entry(sn, pos));
			const char *s = (const char *)ASN1_STRING_get0_data(d);
			size_t len = (size_t)ASN1_STRING_length(d);

			if (cert_name_eq(s, len, domain)) {
				snprintf(matched, matchedlen, "%.*s",
				    (int)len, s);
				*source = "cn";
				hit = 1;
			}
		}
	}
	return hit;
}

static enum sc_verdict
cert_classify(long err)
{
	switch (err) {
	case X509_V_OK:
		return SC_OK;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return SC_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return SC_CERT_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return SC_CERT_REVOKED;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return SC_CERT_WEAK;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return SC_CERT_NAME_MISMATCH;
	default:
		return SC_CERT_UNTRUSTED;
	}
}

enum sc_verdict
cert_evaluate(SSL *ssl, const char *domain, struct sc_result *res)
{
	STACK_OF(X509)		*sk;
	X509			*leaf;
	struct tls_verify	*tv;
	long			 err;
	int			 i, n;
	enum sc_verdict		 v;

	sk = SSL_get_peer_cert_chain(ssl);
	n = sk != NULL ? sk_X509_num(sk) : 0;
	cert_free_chain(res->chain, res->nchain);
	res->chain = NULL;
	res->nchain = 0;
	if (n > 0 && (res->chain = calloc((size_t)n, sizeof(*res->chain)))
	    != NULL) {
		for (i = 0; i < n; i++) {
			if (cert_fill(sk_X509_value(sk, i), i,
			    &res->chain[i]) == -1) {
				res->nchain = (size_t)i + 1;
				snprintf(res->error, sizeof(res->error),
				    "out of memory reading the chain");
				return SC_INTERNAL_ERROR;
			}
		}
		res->nchain = (size_t)n;
	}
	if ((leaf = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(res->error, sizeof(res->error),
		    "the server sent no certificate");
		return SC_CERT_UNTRUSTED;
	}

	tv = tlsctx_verify(ssl);
	err = tv != NULL ? tv->first_error : SSL_get_verify_result(ssl);
	res->verify_error = err;
	res->verify_depth = tv != NULL ? tv->first_depth : 0;
	if (err != X509_V_OK) {
		v = cert_classify(err);
		snprintf(res->error, sizeof(res->error),
		    "certificate at depth %d: %s", res->verify_depth,
		    X509_verify_cert_error_string(err));
		return v;
	}
	if (!cert_identity(leaf, domain, res->identity,
	    sizeof(res->identity), &res->identity_source)) {
		snprintf(res->error, sizeof(res->error),
		    "the certificate does not identify the SIP domain %s "
		    "(RFC 5922 §7.1)", domain);
		return SC_CERT_NAME_MISMATCH;
	}
	return SC_OK;
}
