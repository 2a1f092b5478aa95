/*
 * report_json.c - the machine form of a check.  Keys keep their meaning
 * across releases; new keys may be added.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report.h"

void
report_time_iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A timing, or null when the phase was not reached. */
static json_t *
json_seconds(double s)
{
	return s < 0 ? json_null() : json_real(s);
}

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *
report_json_chain(const struct sc_result *r)
{
	json_t	*a = json_array();
	size_t	 i;
	char	 nb[32], na[32];

	for (i = 0; i < r->nchain; i++) {
		const struct sc_cert *c = &r->chain[i];

		report_time_iso(c->not_before, nb, sizeof(nb));
		report_time_iso(c->not_after, na, sizeof(na));
		json_array_append_new(a, json_pack(
		    "{s:i, s:s?, s:s?, s:s?, s:s, s:s, s:f, s:s, s:b}",
		    "depth", c->depth,
		    "subject", c->subject,
		    "issuer", c->issuer,
		    "serial", c->serial,
		    "not_before", nb,
		    "not_after", na,
		    "days_left", c->days_left,
		    "fingerprint_sha256", c->fingerprint_sha256,
		    "self_signed", c->self_signed));
	}
	return a;
}

static json_t *
report_json_frontend(const struct sc_result *r)
{
	json_t *fe;

	fe = json_pack("{s:s, s:s, s:o}",
	    "address", r->address,
	    "verdict", sc_verdict_str(r->verdict),
	    "error", json_str_or_null(r->error));
	json_object_set_new(fe, "timings", json_pack("{s:o, s:o, s:o, s:o}",
	    "tcp_connect_seconds", json_seconds(r->t.tcp_connect),
	    "tls_handshake_seconds", json_seconds(r->t.tls_handshake),
	    "first_response_seconds", json_seconds(r->t.first_response),
	    "register_seconds", json_seconds(r->t.registered)));
	if (r->t.tls_handshake >= 0)
		json_object_set_new(fe, "tls", json_pack("{s:s, s:s, s:b}",
		    "version", r->tls_version,
		    "cipher", r->tls_cipher,
		    "resumed", r->tls_resumed));
	else
		json_object_set_new(fe, "tls", json_null());
	json_object_set_new(fe, "sip", json_pack("{s:o, s:o, s:o, s:i}",
	    "final_status", r->final_status ? json_integer(r->final_status) :
	    json_null(),
	    "auth_algorithm", json_str_or_null(r->auth_algorithm),
	    "expires", r->verdict == SC_OK ? json_integer(r->expires) :
	    json_null(),
	    "requests_sent", r->requests_sent));
	json_object_set_new(fe, "identity", r->identity_source != NULL ?
	    json_pack("{s:s, s:s}", "matched", r->identity,
	    "source", r->identity_source) : json_null());
	json_object_set_new(fe, "chain", report_json_chain(r));
	return fe;
}

void
report_json(FILE *fp, const struct check_report *cr)
{
	json_t	*doc, *fes;
	size_t	 i;

	fes = json_array();
	for (i = 0; i < cr->nresults; i++)
		json_array_append_new(fes,
		    report_json_frontend(&cr->results[i]));
	doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}",
	    "target", cr->target,
	    "verdict", sc_verdict_str(cr->verdict),
	    "severity", cr->severity == SC_SEV_OK ? "ok" :
	    cr->severity == SC_SEV_WARNING ? "warning" :
	    cr->severity == SC_SEV_CRITICAL ? "critical" : "unknown",
	    "error", json_str_or_null(cr->error),
	    "dns_seconds", json_seconds(cr->dns_seconds),
	    "frontends", fes);
	json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(doc);
}
