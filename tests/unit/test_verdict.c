/*
 * test_verdict.c - verdict codes are stable strings (they are metric
 * labels and alert names), unique, round-trip, and classify correctly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sipcanary.h"

/* The published codes, in enum order.  Never edit a line; only append. */
static const char *stable[] = {
	"ok", "dns_nxdomain", "dns_servfail", "dns_timeout", "dns_no_records",
	"tcp_refused", "tcp_timeout", "tcp_reset", "tls_timeout",
	"tls_handshake_failed", "tls_protocol_mismatch", "cert_expired",
	"cert_not_yet_valid", "cert_name_mismatch", "cert_untrusted",
	"cert_chain_incomplete", "cert_weak", "cert_revoked", "cert_expiring",
	"cert_inconsistent", "sip_timeout", "sip_connection_closed",
	"sip_malformed", "sip_auth_rejected", "sip_3xx", "sip_4xx", "sip_5xx",
	"sip_6xx", "flow_dead", "internal_error", "not_probed",
	"tls_no_shared_cipher", "tls_client_cert_rejected",
	"client_cert_expiring",
	"ws_upgrade_failed", "ws_protocol_error", "ws_closed",
	"cert_revocation_unknown", "cert_must_staple_missing",
};

static void
test_stable_strings(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(sizeof(stable) / sizeof(stable[0]), SC_VERDICT_COUNT);
	for (i = 0; i < SC_VERDICT_COUNT; i++) {
		assert_string_equal(sc_verdict_str((enum sc_verdict)i),
		    stable[i]);
		assert_int_equal(sc_verdict_parse(stable[i]), (int)i);
		assert_non_null(sc_verdict_describe((enum sc_verdict)i));
	}
}

static void
test_snake_case_unique(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < SC_VERDICT_COUNT; i++) {
		const char *s = sc_verdict_str((enum sc_verdict)i);

		assert_int_equal(strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_"),
		    strlen(s));
		for (j = i + 1; j < SC_VERDICT_COUNT; j++)
			assert_string_not_equal(s,
			    sc_verdict_str((enum sc_verdict)j));
	}
}

static void
test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(sc_verdict_str(SC_VERDICT_COUNT), "internal_error");
	assert_string_equal(sc_verdict_str((enum sc_verdict)-1),
	    "internal_error");
	assert_int_equal(sc_verdict_parse("no_such_code"), -1);
	assert_int_equal(sc_verdict_parse(NULL), -1);
	assert_int_equal(sc_verdict_severity(SC_VERDICT_COUNT), SC_SEV_UNKNOWN);
}

static void
test_severity(void **state)
{
	(void)state;
	assert_int_equal(sc_verdict_severity(SC_OK), SC_SEV_OK);
	assert_int_equal(sc_verdict_severity(SC_CERT_EXPIRING), SC_SEV_WARNING);
	assert_int_equal(sc_verdict_severity(SC_CERT_INCONSISTENT),
	    SC_SEV_WARNING);
	assert_int_equal(sc_verdict_severity(SC_CERT_EXPIRED), SC_SEV_CRITICAL);
	assert_int_equal(sc_verdict_severity(SC_TCP_REFUSED), SC_SEV_CRITICAL);
	assert_int_equal(sc_verdict_severity(SC_SIP_TIMEOUT), SC_SEV_CRITICAL);
	assert_int_equal(sc_verdict_severity(SC_INTERNAL_ERROR),
	    SC_SEV_UNKNOWN);
}

static void
test_from_status(void **state)
{
	(void)state;
	assert_int_equal(sc_verdict_from_status(200), SC_OK);
	assert_int_equal(sc_verdict_from_status(202), SC_OK);
	assert_int_equal(sc_verdict_from_status(302), SC_SIP_3XX);
	assert_int_equal(sc_verdict_from_status(401), SC_SIP_AUTH_REJECTED);
	assert_int_equal(sc_verdict_from_status(403), SC_SIP_AUTH_REJECTED);
	assert_int_equal(sc_verdict_from_status(404), SC_SIP_4XX);
	assert_int_equal(sc_verdict_from_status(423), SC_SIP_4XX);
	assert_int_equal(sc_verdict_from_status(503), SC_SIP_5XX);
	assert_int_equal(sc_verdict_from_status(603), SC_SIP_6XX);
	assert_int_equal(sc_verdict_from_status(700), SC_SIP_MALFORMED);
	assert_int_equal(sc_verdict_from_status(99), SC_SIP_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_strings),
		cmocka_unit_test(test_snake_case_unique),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_from_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
