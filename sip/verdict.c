/*
 * verdict.c - the verdict codes: their stable strings, a sentence for
 * people, the Nagios severity, and the mapping from SIP status classes.
 *
 * cert_inconsistent and not_probed are set by the library's caller, never
 * by the library (sipcanary.h); they are named here all the same, so that
 * every verdict has its string, sentence and severity in one table.
 */
#include "config.h"

#include <string.h>

#include "sipcanary.h"

static const struct {
	const char	*code;
	const char	*text;
} verdicts[SC_VERDICT_COUNT] = {
	[SC_OK] = { "ok", "registered successfully" },
	[SC_DNS_NXDOMAIN] = { "dns_nxdomain", "the domain does not exist" },
	[SC_DNS_SERVFAIL] = { "dns_servfail", "the DNS server failed" },
	[SC_DNS_TIMEOUT] = { "dns_timeout", "no DNS answer in time" },
	[SC_DNS_NO_RECORDS] = { "dns_no_records",
	    "the name has no usable records" },
	[SC_TCP_REFUSED] = { "tcp_refused", "TCP connection refused" },
	[SC_TCP_TIMEOUT] = { "tcp_timeout", "TCP connect timed out" },
	[SC_TCP_RESET] = { "tcp_reset", "TCP connection reset" },
	[SC_TLS_TIMEOUT] = { "tls_timeout", "TLS handshake timed out" },
	[SC_TLS_HANDSHAKE_FAILED] = { "tls_handshake_failed",
	    "TLS handshake failed" },
	[SC_TLS_PROTOCOL_MISMATCH] = { "tls_protocol_mismatch",
	    "no common TLS version or cipher" },
	[SC_CERT_EXPIRED] = { "cert_expired", "a certificate has expired" },
	[SC_CERT_NOT_YET_VALID] = { "cert_not_yet_valid",
	    "a certificate is not yet valid" },
	[SC_CERT_NAME_MISMATCH] = { "cert_name_mismatch",
	    "the certificate does not name the SIP domain" },
	[SC_CERT_UNTRUSTED] = { "cert_untrusted",
	    "the certificate chain is not trusted" },
	[SC_CERT_CHAIN_INCOMPLETE] = { "cert_chain_incomplete",
	    "an intermediate certificate is missing" },
	[SC_CERT_WEAK] = { "cert_weak",
	    "a weak signature algorithm or key" },
	[SC_CERT_REVOKED] = { "cert_revoked", "a certificate is revoked" },
	[SC_CERT_EXPIRING] = { "cert_expiring",
	    "a certificate expires soon" },
	[SC_CERT_INCONSISTENT] = { "cert_inconsistent",
	    "frontends serve different certificates" },
	[SC_SIP_TIMEOUT] = { "sip_timeout", "no final SIP response in time" },
	[SC_SIP_CONNECTION_CLOSED] = { "sip_connection_closed",
	    "the server closed the connection before the final response" },
	[SC_SIP_MALFORMED] = { "sip_malformed",
	    "unparseable or oversized SIP message" },
	[SC_SIP_AUTH_REJECTED] = { "sip_auth_rejected",
	    "the credentials were rejected" },
	[SC_SIP_3XX] = { "sip_3xx", "redirected (3xx)" },
	[SC_SIP_4XX] = { "sip_4xx", "request failed (4xx)" },
	[SC_SIP_5XX] = { "sip_5xx", "server failure (5xx)" },
	[SC_SIP_6XX] = { "sip_6xx", "global failure (6xx)" },
	[SC_FLOW_DEAD] = { "flow_dead", "the persistent flow died" },
	[SC_INTERNAL_ERROR] = { "internal_error",
	    "sipcanary could not run the probe" },
	[SC_NOT_PROBED] = { "not_probed",
	    "the run's time ran out before this frontend's turn" },
	[SC_TLS_NO_SHARED_CIPHER] = { "tls_no_shared_cipher",
	    "no cipher suite, group or signature algorithm in common" },
	[SC_TLS_CLIENT_CERT_REJECTED] = { "tls_client_cert_rejected",
	    "the server refused the client certificate (or its absence)" },
	[SC_CLIENT_CERT_EXPIRING] = { "client_cert_expiring",
	    "the probe's own client certificate expires soon" },
	[SC_WS_UPGRADE_FAILED] = { "ws_upgrade_failed",
	    "the WebSocket upgrade was refused or its answer was wrong" },
	[SC_WS_PROTOCOL_ERROR] = { "ws_protocol_error",
	    "the server broke the WebSocket protocol" },
	[SC_WS_CLOSED] = { "ws_closed",
	    "the server closed the WebSocket before the final response" },
	[SC_CERT_REVOCATION_UNKNOWN] = { "cert_revocation_unknown",
	    "no revocation source could say whether a certificate is "
	    "revoked" },
	[SC_CERT_MUST_STAPLE_MISSING] = { "cert_must_staple_missing",
	    "the certificate requires OCSP stapling and the server sent no "
	    "staple" },
};

const char *
sc_verdict_str(enum sc_verdict v)
{
	if ((unsigned)v >= SC_VERDICT_COUNT)
		return "internal_error";
	return verdicts[v].code;
}

const char *
sc_verdict_describe(enum sc_verdict v)
{
	if ((unsigned)v >= SC_VERDICT_COUNT)
		return "unknown verdict";
	return verdicts[v].text;
}

int
sc_verdict_parse(const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < SC_VERDICT_COUNT; i++)
		if (strcmp(s, verdicts[i].code) == 0)
			return i;
	return -1;
}

enum sc_severity
sc_verdict_severity(enum sc_verdict v)
{
	switch (v) {
	case SC_OK:
		return SC_SEV_OK;
	case SC_CERT_EXPIRING:
	case SC_CERT_INCONSISTENT:
	case SC_CLIENT_CERT_EXPIRING:
	case SC_CERT_REVOCATION_UNKNOWN:
		return SC_SEV_WARNING;
	case SC_INTERNAL_ERROR:
	case SC_NOT_PROBED:
		return SC_SEV_UNKNOWN;
	default:
		return (unsigned)v < SC_VERDICT_COUNT ?
		    SC_SEV_CRITICAL : SC_SEV_UNKNOWN;
	}
}

int
sc_verdict_up(enum sc_verdict v)
{
	return v == SC_OK || v == SC_CERT_EXPIRING ||
	    v == SC_CLIENT_CERT_EXPIRING ||
	    v == SC_CERT_REVOCATION_UNKNOWN || v == SC_CERT_MUST_STAPLE_MISSING;
}

/* Maps a final response that ended a REGISTER with no better verdict. */
enum sc_verdict
sc_verdict_from_status(int status)
{
	if (status >= 200 && status < 300)
		return SC_OK;
	if (status == 401 || status == 403 || status == 407)
		return SC_SIP_AUTH_REJECTED;
	if (status >= 300 && status < 400)
		return SC_SIP_3XX;
	if (status >= 400 && status < 500)
		return SC_SIP_4XX;
	if (status >= 500 && status < 600)
		return SC_SIP_5XX;
	if (status >= 600 && status < 700)
		return SC_SIP_6XX;
	return SC_SIP_MALFORMED;
}
