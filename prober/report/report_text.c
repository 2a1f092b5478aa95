/*
 * report_text.c - the human table of a check: one row per frontend with
 * its phase timings, then per frontend what a person needs to act.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/report.h"

static void
report_ms(FILE *fp, double s)
{
	if (s < 0)
		fprintf(fp, " %9s", "-");
	else
		fprintf(fp, " %7.1fms", s * 1000);
}

/* The certificate lines shared by check and certs. */
void
report_text_cert(FILE *fp, const struct sc_result *r)
{
	const struct sc_certreport	*c = &r->cert;
	char				 na[32];

	if (c->nchain > 0) {
		report_time_iso(c->chain[0].not_after, na, sizeof(na));
		fprintf(fp, "  cert:     %s\n", c->chain[0].subject);
		fprintf(fp, "            expires %s (%.1f days)\n", na,
		    c->chain[0].days_left);
	}
	if (c->has_expiry && c->expiry.depth > 0) {
		report_time_iso(c->expiry.not_after, na, sizeof(na));
		fprintf(fp, "  earliest: depth %d %s expires %s (%.1f days)\n",
		    c->expiry.depth, c->expiry.subject, na,
		    c->expiry.days_left);
	}
	if (c->identity_source != NULL)
		fprintf(fp, "  identity: %s (%s)\n", c->identity,
		    c->identity_source);
	if (r->has_client_cert) {
		report_time_iso(r->client_cert_not_after, na, sizeof(na));
		fprintf(fp, "  client:   %s\n            expires %s (%.1f "
		    "days)\n", r->client_cert_subject, na,
		    r->client_cert_days_left);
	}
	if (c->ocsp.stapled)
		fprintf(fp, "  ocsp:     %s%s%s\n", c->ocsp.status != NULL ?
		    c->ocsp.status : "unusable", c->ocsp.error[0] ? ": " : "",
		    c->ocsp.error);
}

void
report_text(FILE *fp, const struct check_report *cr)
{
	size_t i;

	fprintf(fp, "%s%s%s: %s%s%s\n", cr->target,
	    cr->profile != NULL ? " profile " : "",
	    cr->profile != NULL ? cr->profile : "",
	    sc_verdict_str(cr->verdict), cr->error[0] ? " - " : "", cr->error);
	if (cr->nresults == 0)
		return;
	if (!cr->consistency.ok)
		fprintf(fp, "inconsistent: %s\n", cr->consistency.why);
	fprintf(fp, "\n%-22s %-22s %9s %9s %9s %9s\n", "FRONTEND", "VERDICT",
	    "TCP", "TLS", "1ST RESP", "REGISTER");
	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result *r = &cr->results[i];

		fprintf(fp, "%-22s %-22s", r->address,
		    sc_verdict_str(r->verdict));
		report_ms(fp, r->t.tcp_connect);
		report_ms(fp, r->t.tls_handshake);
		report_ms(fp, r->t.first_response);
		report_ms(fp, r->t.registered);
		fputc('\n', fp);
	}
	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result *r = &cr->results[i];

		fprintf(fp, "\n%s\n", r->address);
		if (cr->frontends != NULL && cr->frontends[i].has_srv)
			fprintf(fp, "  srv:      %s:%u priority %u weight %u\n",
			    cr->frontends[i].srv_target,
			    cr->frontends[i].srv_port,
			    cr->frontends[i].priority,
			    cr->frontends[i].weight);
		if (r->error[0] != '\0')
			fprintf(fp, "  error:    %s\n", r->error);
		if (r->tls_version[0] != '\0')
			fprintf(fp, "  tls:      %s %s%s\n", r->tls_version,
			    r->tls_cipher, r->tls_resumed ? " (resumed)" : "");
		if (r->ws && r->t.ws_upgrade >= 0)
			fprintf(fp, "  wss:      upgraded in %.1f ms\n",
			    r->t.ws_upgrade * 1000);
		report_text_cert(fp, r);
		if (r->final_status != 0) {
			fprintf(fp, "  sip:      %d", r->final_status);
			if (r->auth_algorithm[0] != '\0')
				fprintf(fp, ", digest %s", r->auth_algorithm);
			if (r->t.registered >= 0)
				fprintf(fp, ", expires %u s", r->expires);
			fputc('\n', fp);
		}
	}
}
