/*
 * tlsprofile.c - TLS client profiles: what makes one client population
 * of a fleet speak TLS as it does (highest version, TLS 1.2 ciphers, TLS
 * 1.3 suites, groups, signature algorithms, SNI on or off, a client
 * certificate), applied to the one client context builder
 * (sc_tls_client_ctx_new_opts in tlsctx.c); and telling from what the
 * server answered whether it refused the profile's ciphers or its client
 * certificate, so that those failures get their own verdicts.
 *
 * A server that refuses a client certificate says so with an alert: in
 * TLS 1.2 during the handshake, in TLS 1.3 only after the client's
 * Finished, so the client sees a completed handshake and the alert on
 * its first read.  A message callback records the last alert received
 * and whether a CertificateRequest came; both paths classify from that.
 * It also records a TLS 1.3 NewSessionTicket, which a server sends only
 * once it took the client's Finished: the certificate was accepted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "certinfo.h"
#include "sipcanary.h"
#include "tlsctx.h"

/* What a context carries that each connection applies: SNI off. */
static int	tlsprofile_ctx_index = -1;
static const char tlsprofile_no_sni_mark = 1;

static int
tlsprofile_client_cert(SSL_CTX *ctx, const struct sc_tls_opts *o,
    enum sc_tls_ctx_fail *why)
{
	const char *key = o->client_key != NULL ? o->client_key :
	    o->client_cert;

	if (o->client_cert == NULL) {
		if (o->client_key == NULL)
			return 0;
		*why = SC_TLS_CTX_CLIENT_CERT;	/* a key needs its cert */
		return -1;
	}
	if (!SSL_CTX_use_certificate_chain_file(ctx, o->client_cert)) {
		*why = SC_TLS_CTX_CLIENT_CERT;
		return -1;
	}
	if (!SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) ||
	    !SSL_CTX_check_private_key(ctx)) {
		*why = SC_TLS_CTX_CLIENT_KEY;
		return -1;
	}
	return 0;
}

int
sc_tlsprofile_apply(SSL_CTX *ctx, const struct sc_tls_opts *o,
    enum sc_tls_ctx_fail *why)
{
	if (o->max_version != 0 && (!SSL_CTX_set_max_proto_version(ctx,
	    o->max_version) || (o->min_version != 0 &&
	    o->max_version < o->min_version))) {
		*why = SC_TLS_CTX_MAX_VERSION;
		return -1;
	}
	if (o->ciphers != NULL && !SSL_CTX_set_cipher_list(ctx, o->ciphers)) {
		*why = SC_TLS_CTX_CIPHERS;
		return -1;
	}
	if (o->ciphersuites != NULL &&
	    !SSL_CTX_set_ciphersuites(ctx, o->ciphersuites)) {
		*why = SC_TLS_CTX_CIPHERSUITES;
		return -1;
	}
	if (o->groups != NULL && !SSL_CTX_set1_groups_list(ctx, o->groups)) {
		*why = SC_TLS_CTX_GROUPS;
		return -1;
	}
	if (o->sigalgs != NULL && !SSL_CTX_set1_sigalgs_list(ctx, o->sigalgs)) {
		*why = SC_TLS_CTX_SIGALGS;
		return -1;
	}
	if (tlsprofile_client_cert(ctx, o, why) == -1)
		return -1;
	if (o->no_sni) {
		if (tlsprofile_ctx_index == -1)
			tlsprofile_ctx_index = SSL_CTX_get_ex_new_index(0, NULL,
			    NULL, NULL, NULL);
		/* A static mark: nothing to free with the context. */
		if (tlsprofile_ctx_index == -1 || !SSL_CTX_set_ex_data(ctx,
		    tlsprofile_ctx_index, (void *)&tlsprofile_no_sni_mark)) {
			*why = SC_TLS_CTX_NOMEM;
			return -1;
		}
	}
	return 0;
}

int
sc_tlsprofile_no_sni(SSL_CTX *ctx)
{
	return tlsprofile_ctx_index != -1 &&
	    SSL_CTX_get_ex_data(ctx, tlsprofile_ctx_index) ==
	    &tlsprofile_no_sni_mark;
}

/* OpenSSL's reason for the last error, then the queue cleared. */
static const char *
tlsprofile_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	ERR_clear_error();
	return r != NULL ? r : "no detail";
}

int
sc_tlsprofile_why(enum sc_tls_ctx_fail why, const struct sc_tls_opts *o,
    char *err, size_t errlen)
{
	switch (why) {
	case SC_TLS_CTX_MAX_VERSION:
		snprintf(err, errlen, "unsupported TLS version bounds (the "
		    "highest version must be 1.2 or 1.3, not below the "
		    "lowest)");
		break;
	case SC_TLS_CTX_CIPHERS:
		snprintf(err, errlen, "no usable cipher in \"%s\" (OpenSSL "
		    "names, as in ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA)",
		    o->ciphers);
		ERR_clear_error();
		break;
	case SC_TLS_CTX_CIPHERSUITES:
		snprintf(err, errlen, "bad TLS 1.3 suite list \"%s\" (as in "
		    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256)",
		    o->ciphersuites);
		ERR_clear_error();
		break;
	case SC_TLS_CTX_GROUPS:
		snprintf(err, errlen, "unknown group in \"%s\" (as in "
		    "X25519:P-256)", o->groups);
		ERR_clear_error();
		break;
	case SC_TLS_CTX_SIGALGS:
		snprintf(err, errlen, "unknown signature algorithm in \"%s\" "
		    "(as in RSA+SHA256:ECDSA+SHA256:rsa_pss_rsae_sha256)",
		    o->sigalgs);
		ERR_clear_error();
		break;
	case SC_TLS_CTX_CA_DIR:
		snprintf(err, errlen, "cannot use CA directory %s: %s",
		    o->ca_dir, tlsprofile_reason());
		break;
	case SC_TLS_CTX_CLIENT_CERT:
		if (o->client_cert == NULL)
			snprintf(err, errlen, "a client key needs its client "
			    "certificate");
		else
			snprintf(err, errlen, "cannot load client certificate "
			    "%s: %s", o->client_cert, tlsprofile_reason());
		break;
	case SC_TLS_CTX_CLIENT_KEY:
		snprintf(err, errlen, "cannot use client key %s: %s (is it "
		    "the key of %s?)", o->client_key != NULL ? o->client_key :
		    o->client_cert, tlsprofile_reason(), o->client_cert);
		break;
	default:
		return -1;
	}
	return 0;
}

void
sc_tlsprofile_msg_cb(int write_p, int version, int content_type,
    const void *buf, size_t len, SSL *ssl, void *arg)
{
	const unsigned char	*b = buf;
	struct tls_verify	*tv;

	(void)version; (void)arg;
	if (write_p || len < 1 || (tv = sc_tlsctx_verify(ssl)) == NULL)
		return;
	if (content_type == SSL3_RT_ALERT && len >= 2)
		tv->alert = b[1];
	else if (content_type == SSL3_RT_HANDSHAKE &&
	    b[0] == SSL3_MT_CERTIFICATE_REQUEST)
		tv->cert_requested = 1;
	else if (content_type == SSL3_RT_HANDSHAKE &&
	    b[0] == SSL3_MT_NEWSESSION_TICKET) {
		tv->ticket = 1;
		/* Inside SSL_read: whoever waits runs from the loop. */
		if (tv->on_ticket != NULL)
			event_active(tv->on_ticket, EV_TIMEOUT, 0);
	}
}

/* Alerts a server sends about the client's certificate (RFC 8446 6.2). */
static int
tlsprofile_cert_alert(int alert, int cert_requested)
{
	switch (alert) {
	case SSL_AD_BAD_CERTIFICATE:
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
	case SSL_AD_CERTIFICATE_REVOKED:
	case SSL_AD_CERTIFICATE_EXPIRED:
	case SSL_AD_CERTIFICATE_UNKNOWN:
	case SSL_AD_UNKNOWN_CA:
	case SSL_AD_ACCESS_DENIED:
	case SSL_AD_CERTIFICATE_REQUIRED:
		return 1;
	case SSL_AD_HANDSHAKE_FAILURE:
		/* TLS 1.2 servers' answer to a missing certificate. */
		return cert_requested;
	}
	return 0;
}

enum sc_verdict
sc_tlsprofile_classify(SSL *ssl, int handshake, char *why, size_t whylen)
{
	struct tls_verify	*tv;
	const char		*name;

	if (ssl == NULL || (tv = sc_tlsctx_verify(ssl)) == NULL ||
	    tv->alert < 0)
		return SC_OK;
	/* OpenSSL 3.0 has no name for TLS 1.3's certificate_required. */
	name = tv->alert == SSL_AD_CERTIFICATE_REQUIRED ?
	    "certificate required" : SSL_alert_desc_string_long(tv->alert);
	if (tlsprofile_cert_alert(tv->alert, tv->cert_requested)) {
		snprintf(why, whylen, "the server refused the client "
		    "certificate%s: alert %s (%d)%s",
		    SSL_get_certificate(ssl) == NULL ? " (none was sent)" : "",
		    name, tv->alert, handshake ? "" :
		    ", after the handshake");
		return SC_TLS_CLIENT_CERT_REJECTED;
	}
	/*
	 * handshake_failure to the ClientHello: nothing in common but the
	 * version (a version the server lacks gets protocol_version).
	 */
	if (handshake && (tv->alert == SSL_AD_HANDSHAKE_FAILURE ||
	    tv->alert == SSL_AD_INSUFFICIENT_SECURITY) &&
	    SSL_get_state(ssl) == TLS_ST_CW_CLNT_HELLO) {
		snprintf(why, whylen, "no cipher suite, group or signature "
		    "algorithm in common: the server sent alert %s (%d) to the "
		    "ClientHello", name, tv->alert);
		return SC_TLS_NO_SHARED_CIPHER;
	}
	return SC_OK;
}

void
sc_tlsprofile_client_cert(SSL *ssl, struct sc_result *r)
{
	X509		*x;
	const ASN1_TIME	*na;
	int		 days, secs;
	char		*s;

	if ((x = SSL_get_certificate(ssl)) == NULL)
		return;
	r->has_client_cert = 1;
	if ((s = sc_certinfo_dn(X509_get_subject_name(x))) != NULL) {
		snprintf(r->client_cert_subject,
		    sizeof(r->client_cert_subject), "%s", s);
		free(s);
	}
	na = X509_get0_notAfter(x);
	r->client_cert_not_after = sc_certinfo_time(na);
	if (ASN1_TIME_diff(&days, &secs, NULL, na))
		r->client_cert_days_left = days + secs / 86400.0;
}

/*
 * A trust store decides the path: a server's chain that reaches an old
 * root through a cross-sign verifies in one store and not in another, so
 * a report names the path, trust store part included.
 */
void
sc_tlsprofile_path(X509_STORE_CTX *ctx, struct tls_verify *tv)
{
	struct tls_verify_rec	*rec = &tv->rec;
	STACK_OF(X509)		*sk = X509_STORE_CTX_get0_chain(ctx);
	X509			*x = X509_STORE_CTX_get_current_cert(ctx);
	char			 cn[128], *s;
	size_t			 o = 0;
	int			 i;

	if (x != NULL && (s = sc_certinfo_dn(X509_get_subject_name(x))) !=
	    NULL) {
		snprintf(rec->first_subject, sizeof(rec->first_subject),
		    "%s", s);
		free(s);
	}
	rec->first_path[0] = '\0';
	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++) {
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(
		    sk_X509_value(sk, i)), NID_commonName, cn, sizeof(cn)) < 0)
			snprintf(cn, sizeof(cn), "?");
		if (o < sizeof(rec->first_path))
			o += (size_t)snprintf(rec->first_path + o,
			    sizeof(rec->first_path) - o, "%s%s",
			    i > 0 ? " -> " : "", cn);
	}
}
