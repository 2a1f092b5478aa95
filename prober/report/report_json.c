/*
 * report_json.c - the machine form of a check or certs run.  Keys keep
 * their meaning across releases; new keys may be added.  certs documents
 * have the same shape without the SIP parts.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report/report.h"

void
report_time_iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

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
json_time_or_null(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	report_time_iso(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_strlist(const struct sc_strlist *l)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *
report_json_cert(const struct sc_cert *c)
{
	json_t *o;

	o = json_pack("{s:i, s:s?, s:s?, s:s?, s:s, s:o, s:o, s:f, s:s, s:o,"
	    " s:s, s:i}",
	    "depth", c->depth,
	    "subject", c->subject,
	    "issuer", c->issuer,
	    "serial", c->serial,
	    "fingerprint_sha256", c->fingerprint_sha256,
	    "not_before", json_time_or_null(c->not_before),
	    "not_after", json_time_or_null(c->not_after),
	    "days_left", c->days_left,
	    "signature_algorithm", c->sig_alg,
	    "signature_hash", json_str_or_null(c->sig_hash),
	    "key_type", c->key_type,
	    "key_bits", c->key_bits);
	json_object_set_new(o, "san", json_pack("{s:o, s:o, s:o, s:o}",
	    "dns", json_strlist(&c->san_dns),
	    "uri", json_strlist(&c->san_uri),
	    "ip", json_strlist(&c->san_ip),
	    "email", json_strlist(&c->san_email)));
	json_object_set_new(o, "eku", json_strlist(&c->eku));
	json_object_set_new(o, "sip_domain_eku",
	    json_boolean(c->sip_domain_eku));
	json_object_set_new(o, "is_ca", json_boolean(c->is_ca));
	json_object_set_new(o, "self_signed", json_boolean(c->self_signed));
	json_object_set_new(o, "weak", json_boolean(c->weak));
	return o;
}

static json_t *
report_json_chain(const struct sc_cert *chain, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, report_json_cert(&chain[i]));
	return a;
}

static json_t *
report_json_future(const struct sc_future *f)
{
	if (!f->checked)
		return json_null();
	return json_pack("{s:i, s:b, s:o, s:o, s:o, s:o}",
	    "days", f->days,
	    "ok", f->ok,
	    "error", f->ok ? json_null() : json_str_or_null(f->error),
	    "depth", f->ok ? json_null() : json_integer(f->depth),
	    "subject", f->ok ? json_null() : json_str_or_null(f->subject),
	    "not_after", f->ok ? json_null() : json_time_or_null(f->not_after));
}

static json_t *
report_json_ocsp(const struct sc_ocsp *o)
{
	return json_pack("{s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "requested", o->requested,
	    "stapled", o->stapled,
	    "status", json_str_or_null(o->status),
	    "this_update", json_time_or_null(o->this_update),
	    "next_update", json_time_or_null(o->next_update),
	    "revoked_at", json_time_or_null(o->revoked_at),
	    "verified", o->verified < 0 ? json_null() :
	    json_boolean(o->verified),
	    "error", json_str_or_null(o->error));
}

/* The revocation check: per certificate, where its answer came from. */
static json_t *
report_json_revocation(const struct sc_revocation *r)
{
	json_t			*certs;
	const struct sc_revcert	*c;
	size_t			 i;

	if (r == NULL)
		return json_null();
	certs = json_array();
	for (i = 0; i < r->n; i++) {
		c = &r->certs[i];
		json_array_append_new(certs, json_pack("{s:i, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:o}",
		    "depth", c->depth,
		    "source", json_str_or_null(c->source),
		    "status", json_str_or_null(c->status),
		    "reason", json_str_or_null(c->reason),
		    "revoked_at", json_time_or_null(c->revoked_at),
		    "this_update", json_time_or_null(c->this_update),
		    "next_update", json_time_or_null(c->next_update),
		    "error", json_str_or_null(c->error)));
	}
	return json_pack("{s:s, s:b, s:o, s:o, s:i, s:i, s:o}",
	    "policy", sc_revocation_policy_str(r->policy),
	    "must_staple", r->must_staple,
	    "data_age_seconds", r->data_age >= 0 ?
	    json_real(r->data_age) : json_null(),
	    "expires_in_seconds", r->expires_in >= 0 ?
	    json_real(r->expires_in) : json_null(),
	    "ocsp_failures", (int)r->ocsp_failures,
	    "crl_failures", (int)r->crl_failures,
	    "certs", certs);
}

static json_t *
report_json_identity(const struct sc_certreport *c)
{
	json_t	*checked = json_array();
	size_t	 i;

	for (i = 0; i < c->nchecked; i++)
		json_array_append_new(checked, json_pack("{s:s, s:s}",
		    "name", c->checked[i].name,
		    "source", c->checked[i].source));
	return json_pack("{s:o, s:o, s:o}",
	    "matched", c->identity_source != NULL ?
	    json_string(c->identity) : json_null(),
	    "source", json_str_or_null(c->identity_source),
	    "checked", checked);
}

static json_t *
report_json_expiry(const struct sc_certreport *c)
{
	if (!c->has_expiry)
		return json_null();
	return json_pack("{s:o, s:f, s:i, s:s?, s:s}",
	    "not_after", json_time_or_null(c->expiry.not_after),
	    "days_left", c->expiry.days_left,
	    "depth", c->expiry.depth,
	    "subject", c->expiry.subject,
	    "fingerprint_sha256", c->expiry.fingerprint_sha256);
}

/* "cert_cache": whether the chain's checks came from the context's cache. */
static void
report_json_cert_cache(json_t *fe, const struct sc_certreport *c)
{
	json_object_set_new(fe, "cert_cache",
	    json_str_or_null(sc_cert_cache_str(c->cache)));
}

static const char *
report_severity_str(enum sc_severity s)
{
	return s == SC_SEV_OK ? "ok" : s == SC_SEV_WARNING ? "warning" :
	    s == SC_SEV_CRITICAL ? "critical" : "unknown";
}

/* The SRV record that named the frontend, or null. */
static json_t *
report_json_srv(const struct sc_frontend *f)
{
	if (f == NULL || !f->has_srv)
		return json_null();
	return json_pack("{s:s, s:i, s:i, s:i}",
	    "target", f->srv_target,
	    "port", f->srv_port,
	    "priority", f->priority,
	    "weight", f->weight);
}

/* The phase timings; the SIP and WebSocket ones where they apply. */
static json_t *
report_json_timings(const struct sc_result *r, const struct sc_frontend *f,
    int sip)
{
	json_t *t;

	t = json_pack("{s:o, s:o, s:o}",
	    "dns_seconds", json_seconds(f != NULL ? f->dns_seconds : -1),
	    "tcp_connect_seconds", json_seconds(r->t.tcp_connect),
	    "tls_handshake_seconds", json_seconds(r->t.tls_handshake));
	if (sip) {
		json_object_set_new(t, "first_response_seconds",
		    json_seconds(r->t.first_response));
		json_object_set_new(t, "register_seconds",
		    json_seconds(r->t.registered));
	}
	if (r->ws)
		json_object_set_new(t, "ws_upgrade_seconds",
		    json_seconds(r->t.ws_upgrade));
	return t;
}

/* The WebSocket upgrade's HTTP status and the close code, if any. */
static json_t *
report_json_ws(const struct sc_result *r)
{
	return json_pack("{s:o, s:o}",
	    "http_status", r->verdict == SC_WS_UPGRADE_FAILED &&
	    r->ws_status != 0 ? json_integer(r->ws_status) :
	    r->t.ws_upgrade >= 0 ? json_integer(101) : json_null(),
	    "close_code", r->verdict == SC_WS_CLOSED ||
	    r->verdict == SC_WS_PROTOCOL_ERROR ?
	    json_integer(r->ws_status) : json_null());
}

/* What the TLS handshake agreed, or null without one. */
static json_t *
report_json_tls(const struct sc_result *r)
{
	if (r->t.tls_handshake < 0)
		return json_null();
	return json_pack("{s:s, s:s, s:o, s:o, s:b}",
	    "version", r->tls_version,
	    "cipher", r->tls_cipher,
	    "group", json_str_or_null(r->tls_group),
	    "peer_signature_algorithm", json_str_or_null(r->tls_peer_sigalg),
	    "resumed", r->tls_resumed);
}

/* The final SIP response and what the registration got. */
static json_t *
report_json_sip(const struct sc_result *r)
{
	return json_pack("{s:o, s:o, s:o, s:i}",
	    "final_status", r->final_status ?
	    json_integer(r->final_status) : json_null(),
	    "auth_algorithm", json_str_or_null(r->auth_algorithm),
	    "expires", r->t.registered >= 0 ?
	    json_integer(r->expires) : json_null(),
	    "requests_sent", r->requests_sent);
}

/* One frontend's result; the key order is the documents' order. */
json_t *
report_json_frontend(const struct sc_result *r, const struct sc_frontend *f,
    int sip)
{
	json_t *fe;

	fe = json_pack("{s:s, s:i, s:s, s:s, s:o}",
	    "address", r->address,
	    "family", f != NULL ? f->family : 0,
	    "verdict", sc_verdict_str(r->verdict),
	    "severity", report_severity_str(r->severity),
	    "error", json_str_or_null(r->error));
	json_object_set_new(fe, "srv", report_json_srv(f));
	if (r->ws)
		json_object_set_new(fe, "ws", report_json_ws(r));
	json_object_set_new(fe, "transport", json_string(r->ws ? "wss" :
	    "tls"));
	json_object_set_new(fe, "timings", report_json_timings(r, f, sip));
	json_object_set_new(fe, "tls", report_json_tls(r));
	if (sip)
		json_object_set_new(fe, "sip", report_json_sip(r));
	json_object_set_new(fe, "client_certificate", r->has_client_cert ?
	    json_pack("{s:s, s:o, s:f}", "subject", r->client_cert_subject,
	    "not_after", json_time_or_null(r->client_cert_not_after),
	    "days_left", r->client_cert_days_left) : json_null());
	json_object_set_new(fe, "cert_verdict", r->t.tls_handshake >= 0 ?
	    json_string(sc_verdict_str(r->cert.verdict)) : json_null());
	json_object_set_new(fe, "identity", report_json_identity(&r->cert));
	json_object_set_new(fe, "chain",
	    report_json_chain(r->cert.chain, r->cert.nchain));
	json_object_set_new(fe, "verified_chain",
	    report_json_chain(r->cert.verified, r->cert.nverified));
	json_object_set_new(fe, "expiry", report_json_expiry(&r->cert));
	json_object_set_new(fe, "future", json_pack("{s:o, s:o}",
	    "warn", report_json_future(&r->cert.future_warn),
	    "crit", report_json_future(&r->cert.future_crit)));
	json_object_set_new(fe, "ocsp", r->t.tls_handshake >= 0 ?
	    report_json_ocsp(&r->cert.ocsp) : json_null());
	json_object_set_new(fe, "revocation",
	    report_json_revocation(r->cert.revocation));
	report_json_cert_cache(fe, &r->cert);
	return fe;
}

/* The groups of one consistency dimension. */
static json_t *
report_json_groups(const struct check_report *cr, const struct cons_dim *d,
    const char *key, int with_expiry)
{
	json_t	*a = json_array(), *g, *m;
	size_t	 k, j;

	for (k = 0; k < d->ngroups; k++) {
		m = json_array();
		for (j = 0; j < d->groups[k].nmembers; j++)
			json_array_append_new(m, json_string(
			    cr->results[d->groups[k].members[j]].address));
		g = json_pack("{s:s, s:o}", key, d->groups[k].value,
		    "frontends", m);
		if (with_expiry)
			json_object_set_new(g, "not_after",
			    json_time_or_null(d->groups[k].not_after));
		json_array_append_new(a, g);
	}
	return a;
}

static json_t *
report_json_consistency(const struct check_report *cr)
{
	const struct consistency *c = &cr->consistency;

	if (cr->nresults == 0)
		return json_null();
	return json_pack("{s:b, s:o, s:o, s:o, s:o}",
	    "ok", c->ok,
	    "error", json_str_or_null(c->why),
	    "leaf_certificates", report_json_groups(cr, &c->leaf,
	    "fingerprint_sha256", 1),
	    "tls_versions", report_json_groups(cr, &c->version, "version", 0),
	    "identities", report_json_groups(cr, &c->identity, "matched", 0));
}

json_t *
report_json_doc(const struct check_report *cr)
{
	json_t	*fes, *doc;
	size_t	 i;

	fes = json_array();
	for (i = 0; i < cr->nresults; i++)
		json_array_append_new(fes, report_json_frontend(
		    &cr->results[i], cr->frontends != NULL ?
		    &cr->frontends[i] : NULL, cr->sip));
	doc = json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o}",
	    "target", cr->target,
	    "owner", json_str_or_null(cr->owner),
	    "verdict", sc_verdict_str(cr->verdict),
	    "severity", report_severity_str(cr->severity),
	    "error", json_str_or_null(cr->error),
	    "dns_seconds", json_seconds(cr->dns_seconds),
	    "frontends", fes);
	json_object_set_new(doc, "profile", json_str_or_null(cr->profile));
	json_object_set_new(doc, "consistency", report_json_consistency(cr));
	return doc;
}

void
report_json(FILE *fp, const struct check_report *cr)
{
	json_t *doc = report_json_doc(cr);

	json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(doc);
}
