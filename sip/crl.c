/*
 * crl.c - what a CRL says about a certificate (RFC 5280 §5, §6.3).
 *
 * Owns: finding the http distribution point, reading the CRL that came
 * back (OpenSSL parses the DER; we bound what reaches it in revcache.c
 * and httpfetch.c), and checking it against the certificate's issuer:
 * the issuer name, the signature (X509_CRL_verify with the issuer's key,
 * so a CRL signed by any other key is refused), thisUpdate/nextUpdate,
 * then the serial number.  Delta CRLs and indirect CRLs are not read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certinfo.h"
#include "crl.h"

#define CRL_CLOCK_SKEW	300	/* seconds of tolerance on the times */

int
sc_crl_url(X509 *x, char *url, size_t len)
{
	STACK_OF(DIST_POINT)	*dps;
	DIST_POINT		*dp;
	GENERAL_NAME		*gn;
	int			 i, j, found = 0;

	if ((dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL,
	    NULL)) == NULL)
		return -1;
	for (i = 0; i < sk_DIST_POINT_num(dps) && !found; i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;	/* a relative name: nothing to fetch */
		for (j = 0; j < sk_GENERAL_NAME_num(
		    dp->distpoint->name.fullname) && !found; j++) {
			gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname,
			    j);
			if (gn->type != GEN_URI ||
			    (size_t)gn->d.uniformResourceIdentifier->length >=
			    len || strncasecmp((const char *)
			    gn->d.uniformResourceIdentifier->data, "http://",
			    7) != 0)
				continue;
			memcpy(url, gn->d.uniformResourceIdentifier->data,
			    (size_t)gn->d.uniformResourceIdentifier->length);
			url[gn->d.uniformResourceIdentifier->length] = '\0';
			found = strlen(url) ==
			    (size_t)gn->d.uniformResourceIdentifier->length;
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return found ? 0 : -1;
}

int
sc_crl_parse(const unsigned char *body, size_t len, void *ctx, void **obj,
    time_t *this_update, time_t *next_update, char *err, size_t errlen)
{
	const unsigned char	*p = body;
	X509_CRL		*crl = NULL;
	BIO			*bio;

	(void)ctx;
	if (len > 0 && len <= 0x7fffffff)
		crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl == NULL && len > 10 && memcmp(body, "-----BEGIN", 10) == 0 &&
	    (bio = BIO_new_mem_buf(body, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	if (crl == NULL) {
		snprintf(err, errlen, "the response is not a CRL (%zu bytes "
		    "that do not parse as DER or PEM)", len);
		return -1;
	}
	*this_update = sc_certinfo_time(X509_CRL_get0_lastUpdate(crl));
	*next_update = X509_CRL_get0_nextUpdate(crl) != NULL ?
	    sc_certinfo_time(X509_CRL_get0_nextUpdate(crl)) : 0;
	*obj = crl;
	return 0;
}

void
sc_crl_free(void *crl)
{
	X509_CRL_free(crl);
}

static void
crl_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
sc_crl_check(X509_CRL *crl, X509 *cert, X509 *issuer, time_t now,
    struct sc_revcert *out, char *err, size_t errlen)
{
	X509_REVOKED		*rev = NULL;
	ASN1_ENUMERATED		*reason;
	EVP_PKEY		*key = X509_get0_pubkey(issuer);
	time_t			 thisu, nextu;
	char			 date[32];
	int			 rc;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_issuer_name(cert)) != 0) {
		snprintf(err, errlen, "the CRL is not issued by the "
		    "certificate's issuer");
		return -1;
	}
	rc = key != NULL ? X509_CRL_verify(crl, key) : -1;
	ERR_clear_error();
	if (rc <= 0) {
		snprintf(err, errlen, "the CRL is signed wrongly: its "
		    "signature does not verify with the issuer's key");
		return -1;
	}
	thisu = sc_certinfo_time(X509_CRL_get0_lastUpdate(crl));
	nextu = X509_CRL_get0_nextUpdate(crl) != NULL ?
	    sc_certinfo_time(X509_CRL_get0_nextUpdate(crl)) : 0;
	if (thisu > now + CRL_CLOCK_SKEW) {
		crl_date(thisu, date, sizeof(date));
		snprintf(err, errlen, "the CRL is not yet valid (thisUpdate "
		    "%s)", date);
		return -1;
	}
	if (nextu != 0 && nextu < now - CRL_CLOCK_SKEW) {
		crl_date(nextu, date, sizeof(date));
		snprintf(err, errlen, "the CRL is stale: its nextUpdate %s "
		    "has passed", date);
		return -1;
	}
	out->this_update = thisu;
	out->next_update = nextu;
	out->source = "crl";
	if (X509_CRL_get0_by_cert(crl, &rev, cert) != 1 || rev == NULL) {
		out->status = "good";
		return 1;
	}
	out->status = "revoked";
	out->revoked_at = sc_certinfo_time(
	    X509_REVOKED_get0_revocationDate(rev));
	if ((reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
	    NULL)) != NULL) {
		out->reason = OCSP_crl_reason_str(ASN1_ENUMERATED_get(reason));
		ASN1_ENUMERATED_free(reason);
	}
	return 1;
}
