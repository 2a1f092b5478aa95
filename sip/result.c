/*
 * result.c - lifetime of struct sc_result, and the library versions.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <sofia-sip/su_config.h>
#include <sofia-sip/sofia_features.h>

#include "cert.h"
#include "sipcanary.h"

void
sc_result_init(struct sc_result *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict = SC_INTERNAL_ERROR;
	r->t.dns = r->t.tcp_connect = r->t.tls_handshake = -1;
	r->t.first_response = r->t.registered = r->t.ws_upgrade = -1;
}

void
sc_result_clear(struct sc_result *r)
{
	if (r == NULL)
		return;
	sc_cert_report_clear(&r->cert);
	sc_result_init(r);
}

const char *
sc_version_libs(void)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s, libevent %s, Sofia-SIP %s, c-ares %s",
	    OpenSSL_version(OPENSSL_VERSION), event_get_version(),
	    SOFIA_SIP_VERSION, ares_version(NULL));
	return buf;
}
