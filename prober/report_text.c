/*
 * report_text.c - the human table of a check: one row per frontend with
 * its phase timings, then what a person needs to act on a failure.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report.h"

static void
report_ms(FILE *fp, double s)
{
	if (s < 0)
		fprintf(fp, " %9s", "-");
	else
		fprintf(fp, " %7.1fms", s * 1000);
}

void
report_text(FILE *fp, const struct check_report *cr)
{
	size_t	i;
	char	na[32];

	fprintf(fp, "%s: %s%s%s\n", cr->target, sc_verdict_str(cr->verdict),
	    cr->error[0] ? " - " : "", cr->error);
	if (cr->nresults == 0)
		return;
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
		if (r->error[0] != '\0')
			fprintf(fp, "  error:    %s\n", r->error);
		if (r->tls_version[0] != '\0')
			fprintf(fp, "  tls:      %s %s%s\n", r->tls_version,
			    r->tls_cipher, r->tls_resumed ? " (resumed)" : "");
		if (r->nchain > 0) {
			const struct sc_cert *c = &r->chain[0];

			report_time_iso(c->not_after, na, sizeof(na));
			fprintf(fp, "  cert:     %s\n", c->subject);
			fprintf(fp, "            expires %s (%.1f days)\n", na,
			    c->days_left);
		}
		if (r->identity_source != NULL)
			fprintf(fp, "  identity: %s (%s)\n", r->identity,
			    r->identity_source);
		if (r->final_status != 0)
			fprintf(fp, "  sip:      %d%s%s%s", r->final_status,
			    r->auth_algorithm[0] ? ", digest " : "",
			    r->auth_algorithm,
			    r->verdict == SC_OK ? "" : "\n");
		if (r->final_status != 0 && r->verdict == SC_OK)
			fprintf(fp, ", expires %u s\n", r->expires);
	}
}
