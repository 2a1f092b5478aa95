/*
 * certinfo.c - reading a certificate into plain data.  Everything a report
 * shows comes from here, so the same fields appear whether the chain
 * verified or not.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "util.h"

#define OID_SIP_DOMAIN	"1.3.6.1.5.5.7.3.20"	/* RFC 5924 */

int
sc_strlist_add(struct sc_strlist *l, const char *s, size_t len)
{
	char **v;

	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return -1;
	l->v = v;
	if ((v[l->n] = sc_util_printable(s, len)) == NULL)
		return -1;
	l->n++;
	return 0;
}

void
sc_strlist_clear(struct sc_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

char *
sc_certinfo_dn(const X509_NAME *name)
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

time_t
sc_certinfo_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

static void
certinfo_algorithms(X509 *x, struct sc_cert *c)
{
	int		 sig = X509_get_signature_nid(x), md = NID_undef, pk;
	EVP_PKEY	*key;

	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s",
	    sig != NID_undef ? OBJ_nid2ln(sig) : "unknown");
	if (OBJ_find_sigid_algs(sig, &md, &pk) && md != NID_undef)
		snprintf(c->sig_hash, sizeof(c->sig_hash), "%s",
		    OBJ_nid2sn(md));
	if ((key = X509_get0_pubkey(x)) != NULL) {
		const char *t = OBJ_nid2sn(EVP_PKEY_get_base_id(key));

		snprintf(c->key_type, sizeof(c->key_type), "%s",
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "RSA" :
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "EC" :
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_DSA ? "DSA" :
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? "ED25519" :
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_ED448 ? "ED448" :
		    t != NULL ? t : "unknown");
		c->key_bits = EVP_PKEY_get_bits(key);
	}
	/*
	 * Weak: an MD5 or SHA-1 signature (a root's self-signature is never
	 * checked, so it does not count), or a short key.
	 */
	if (!c->self_signed && (md == NID_md5 || md == NID_sha1 ||
	    md == NID_md5_sha1 || md == NID_md4 || md == NID_md2))
		c->weak = 1;
	if (((strcmp(c->key_type, "RSA") == 0 ||
	    strcmp(c->key_type, "DSA") == 0) && c->key_bits < 2048) ||
	    (strcmp(c->key_type, "EC") == 0 && c->key_bits < 256))
		c->weak = 1;
}

static int
certinfo_sans(X509 *x, struct sc_cert *c)
{
	GENERAL_NAMES	*gens;
	int		 i, rc = 0;
	char		 ip[64];

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && rc == 0; i++) {
		const GENERAL_NAME	*g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING	*s;

		switch (g->type) {
		case GEN_DNS:
			s = g->d.dNSName;
			rc = sc_strlist_add(&c->san_dns,
			    (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			break;
		case GEN_URI:
			s = g->d.uniformResourceIdentifier;
			rc = sc_strlist_add(&c->san_uri,
			    (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			break;
		case GEN_EMAIL:
			s = g->d.rfc822Name;
			rc = sc_strlist_add(&c->san_email,
			    (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s)
			    == 16) {
				inet_ntop(ASN1_STRING_length(s) == 4 ?
				    AF_INET : AF_INET6,
				    ASN1_STRING_get0_data(s), ip, sizeof(ip));
				rc = sc_strlist_add(&c->san_ip, ip, strlen(ip));
			}
			break;
		}
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
certinfo_eku(X509 *x, struct sc_cert *c)
{
	EXTENDED_KEY_USAGE	*eku;
	int			 i, rc = 0;
	char			 oid[80];

	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL)) == NULL)
		return 0;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && rc == 0; i++) {
		const ASN1_OBJECT	*o = sk_ASN1_OBJECT_value(eku, i);
		int			 nid = OBJ_obj2nid(o);
		const char		*name;

		OBJ_obj2txt(oid, sizeof(oid), o, 1);
		if (strcmp(oid, OID_SIP_DOMAIN) == 0) {
			c->sip_domain_eku = 1;
			name = "sipDomain";
		} else
			name = nid != NID_undef ? OBJ_nid2sn(nid) : oid;
		rc = sc_strlist_add(&c->eku, name, strlen(name));
	}
	EXTENDED_KEY_USAGE_free(eku);
	return rc;
}

int
sc_certinfo_fill(X509 *x, int depth, struct sc_cert *c)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	BIGNUM		*bn;

	memset(c, 0, sizeof(*c));
	c->depth = depth;
	c->subject = sc_certinfo_dn(X509_get_subject_name(x));
	c->issuer = sc_certinfo_dn(X509_get_issuer_name(x));
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
			snprintf(c->fingerprint_sha256 + 2 * i, 3, "%02x",
			    md[i]);
	c->not_before = sc_certinfo_time(X509_get0_notBefore(x));
	c->not_after = sc_certinfo_time(X509_get0_notAfter(x));
	c->days_left = difftime(c->not_after, time(NULL)) / 86400.0;
	/*
	 * X509_check_issued() also wants keyCertSign: a leaf would fail.
	 * Names and keys only: checking the signature would cost a
	 * verification per certificate, and says nothing about trust.
	 */
	c->self_signed = X509_self_signed(x, 0) == 1;
	c->is_ca = X509_check_ca(x) > 0;
	certinfo_algorithms(x, c);
	if (c->subject == NULL || c->issuer == NULL || c->serial == NULL)
		return -1;
	if (certinfo_sans(x, c) == -1 || certinfo_eku(x, c) == -1)
		return -1;
	return 0;
}

int
sc_certinfo_fill_stack(STACK_OF(X509) *sk, struct sc_cert **out, size_t *n)
{
	int i, num = sk != NULL ? sk_X509_num(sk) : 0;

	*out = NULL;
	*n = 0;
	if (num <= 0)
		return 0;
	if ((*out = calloc((size_t)num, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < num; i++) {
		*n = (size_t)i + 1;
		if (sc_certinfo_fill(sk_X509_value(sk, i), i, &(*out)[i]) == -1)
			return -1;
	}
	return 0;
}

static int
certinfo_strlist_copy(struct sc_strlist *dst, const struct sc_strlist *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -1;
	for (i = 0; i < src->n; i++, dst->n++)
		if ((dst->v[i] = strdup(src->v[i])) == NULL)
			return -1;
	return 0;
}

/* The heap parts of one certificate; c is freeable on failure. */
static int
certinfo_copy_one(struct sc_cert *c, const struct sc_cert *src)
{
	*c = *src;
	c->subject = c->issuer = c->serial = NULL;
	memset(&c->san_dns, 0, sizeof(c->san_dns));
	memset(&c->san_uri, 0, sizeof(c->san_uri));
	memset(&c->san_ip, 0, sizeof(c->san_ip));
	memset(&c->san_email, 0, sizeof(c->san_email));
	memset(&c->eku, 0, sizeof(c->eku));
	if ((src->subject != NULL &&
	    (c->subject = strdup(src->subject)) == NULL) ||
	    (src->issuer != NULL &&
	    (c->issuer = strdup(src->issuer)) == NULL) ||
	    (src->serial != NULL &&
	    (c->serial = strdup(src->serial)) == NULL))
		return -1;
	if (certinfo_strlist_copy(&c->san_dns, &src->san_dns) == -1 ||
	    certinfo_strlist_copy(&c->san_uri, &src->san_uri) == -1 ||
	    certinfo_strlist_copy(&c->san_ip, &src->san_ip) == -1 ||
	    certinfo_strlist_copy(&c->san_email, &src->san_email) == -1 ||
	    certinfo_strlist_copy(&c->eku, &src->eku) == -1)
		return -1;
	return 0;
}

int
sc_certinfo_copy(const struct sc_cert *src, size_t n, struct sc_cert **out,
    size_t *nout)
{
	size_t i;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		*nout = i + 1;
		if (certinfo_copy_one(&(*out)[i], &src[i]) == -1)
			return -1;
	}
	return 0;
}

void
sc_certinfo_free(struct sc_cert *chain, size_t n)
{
	size_t i;

	if (chain == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(chain[i].subject);
		free(chain[i].issuer);
		free(chain[i].serial);
		sc_strlist_clear(&chain[i].san_dns);
		sc_strlist_clear(&chain[i].san_uri);
		sc_strlist_clear(&chain[i].san_ip);
		sc_strlist_clear(&chain[i].san_email);
		sc_strlist_clear(&chain[i].eku);
	}
	free(chain);
}
