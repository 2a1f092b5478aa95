/*
 * identity.c - RFC 5922 §7.1 domain identity.
 *
 * SSL_set1_host() is deliberately not used: it applies RFC 6125 rules
 * (wildcards allowed, sip: URIs ignored), which are wrong for SIP.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "identity.h"
#include "util.h"

#define IDENTITY_MAX	64	/* names recorded per certificate */

static int
identity_record(struct sc_certreport *r, const char *name, size_t len,
    const char *source)
{
	struct sc_identity *v;

	if (r->nchecked >= IDENTITY_MAX)
		return 0;
	if ((v = realloc(r->checked, (r->nchecked + 1) * sizeof(*v))) == NULL)
		return -1;
	r->checked = v;
	if ((v[r->nchecked].name = sc_util_printable(name, len)) == NULL)
		return -1;
	v[r->nchecked].source = source;
	r->nchecked++;
	return 0;
}

/* The host of a "sip:" URI without a user part, or -1. */
static int
identity_sip_host(const char *uri, size_t len, const char **host,
    size_t *hostlen)
{
	size_t n;

	if (len < 5 || strncasecmp(uri, "sip:", 4) != 0)
		return -1;
	uri += 4, len -= 4;
	if (memchr(uri, '@', len) != NULL)
		return -1;	/* a user part: not a domain identity */
	for (n = 0; n < len && uri[n] != ';' && uri[n] != '?' &&
	    uri[n] != ':' && uri[n] != '>'; n++)
		;
	if (n == 0)
		return -1;
	*host = uri;
	*hostlen = n;
	return 0;
}

static int
identity_eq(const char *a, size_t alen, const char *domain)
{
	size_t dlen = strlen(domain);

	/* A trailing root dot is not significant; an embedded NUL is fatal. */
	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	return alen == dlen && memchr(a, '\0', alen) == NULL &&
	    strncasecmp(a, domain, alen) == 0;
}

static void
identity_match(struct sc_certreport *r, const char *name, size_t len,
    const char *source, const char *prefix)
{
	snprintf(r->identity, sizeof(r->identity), "%s%.*s", prefix,
	    (int)len, name);
	r->identity_source = source;
}

int
sc_identity_check(X509 *x, const char *domain, struct sc_certreport *r)
{
	GENERAL_NAMES	*gens;
	int		 i, n, nuri = 0, hit = 0, rc = 0;
	const char	*s, *host;
	size_t		 len, hostlen;

	sc_identity_clear(r);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;

	/* Step 1: sip: URIs without a user part. */
	for (i = 0; i < n && rc == 0; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != GEN_URI)
			continue;
		s = (const char *)ASN1_STRING_get0_data(
		    g->d.uniformResourceIdentifier);
		len = (size_t)ASN1_STRING_length(
		    g->d.uniformResourceIdentifier);
		if (identity_sip_host(s, len, &host, &hostlen) == -1)
			continue;
		nuri++;
		rc = identity_record(r, s, len, "uri_san");
		if (!hit && identity_eq(host, hostlen, domain)) {
			identity_match(r, host, hostlen, "uri_san", "sip:");
			hit = 1;
		}
	}
	/* Step 2: dNSNames, only if there is no sip: URI identity. */
	for (i = 0; i < n && nuri == 0 && rc == 0; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != GEN_DNS)
			continue;
		s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
		len = (size_t)ASN1_STRING_length(g->d.dNSName);
		rc = identity_record(r, s, len, "dns_san");
		if (!hit && identity_eq(s, len, domain)) {
			identity_match(r, s, len, "dns_san", "");
			hit = 1;
		}
	}
	GENERAL_NAMES_free(gens);

	/* Step 3: the CN, only without any subjectAltName at all. */
	if (n == 0 && X509_get_ext_by_NID(x, NID_subject_alt_name, -1) < 0) {
		X509_NAME	*sn = X509_get_subject_name(x);
		int		 pos = -1;

		while (rc == 0 && (pos = X509_NAME_get_index_by_NID(sn,
		    NID_commonName, pos)) >= 0) {
			ASN1_STRING *d = X509_NAME_ENTRY_get_data(
			    X509_NAME_get_entry(sn, pos));

			s = (const char *)ASN1_STRING_get0_data(d);
			len = (size_t)ASN1_STRING_length(d);
			rc = identity_record(r, s, len, "cn");
			if (!hit && identity_eq(s, len, domain)) {
				identity_match(r, s, len, "cn", "");
				hit = 1;
			}
		}
	}
	return rc == -1 ? -1 : hit;
}

int
sc_identity_copy(struct sc_certreport *dst, const struct sc_certreport *src)
{
	size_t i;

	memcpy(dst->identity, src->identity, sizeof(dst->identity));
	dst->identity_source = src->identity_source;
	dst->checked = NULL;
	dst->nchecked = 0;
	if (src->nchecked == 0)
		return 0;
	if ((dst->checked = calloc(src->nchecked, sizeof(*dst->checked))) ==
	    NULL)
		return -1;
	for (i = 0; i < src->nchecked; i++, dst->nchecked++) {
		dst->checked[i].source = src->checked[i].source;
		if ((dst->checked[i].name = strdup(src->checked[i].name)) ==
		    NULL)
			return -1;
	}
	return 0;
}

void
sc_identity_clear(struct sc_certreport *r)
{
	size_t i;

	for (i = 0; i < r->nchecked; i++)
		free(r->checked[i].name);
	free(r->checked);
	r->checked = NULL;
	r->nchecked = 0;
	r->identity[0] = '\0';
	r->identity_source = NULL;
}
