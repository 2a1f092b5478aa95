/*
 * report_nagios.c - Nagios/Icinga plugin output: one status line, then
 * perfdata in the plugin guidelines' 'label'=value[unit];warn;crit;min
 * form.  The exit code is the caller's business.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/report.h"

static const char *
nagios_state(enum sc_severity s)
{
	switch (s) {
	case SC_SEV_OK:
		return "OK";
	case SC_SEV_WARNING:
		return "WARNING";
	case SC_SEV_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

static void
nagios_perf(FILE *fp, const char *prefix, const char *name, double v)
{
	if (v >= 0)
		fprintf(fp, " '%s%s'=%.6fs;;;0", prefix, name, v);
}

/* ": why" on the status line: the target's reason, or its first failure. */
static void
nagios_reason(FILE *fp, const struct check_report *cr)
{
	size_t	i;

	if (cr->error[0] != '\0') {
		fprintf(fp, ": %s", cr->error);
		return;
	}
	for (i = 0; i < cr->nresults; i++)
		if (cr->results[i].verdict != SC_OK) {
			fprintf(fp, ": %s %s", cr->results[i].address,
			    cr->results[i].error);
			return;
		}
}

/*
 * The earliest-expiring certificate of any frontend (and the index of
 * its frontend in *at), or NULL.
 */
static const struct sc_cert *
nagios_earliest(const struct check_report *cr, size_t *at)
{
	const struct sc_cert	*e = NULL;
	size_t			 i;

	for (i = 0; i < cr->nresults; i++) {
		const struct sc_certreport *c = &cr->results[i].cert;

		if (c->has_expiry && (e == NULL ||
		    c->expiry.not_after < e->not_after)) {
			e = &c->expiry;
			*at = i;
		}
	}
	return e;
}

/* days_left of the earliest-expiring certificate of any frontend. */
static void
nagios_days_left(FILE *fp, const struct check_report *cr)
{
	const struct sc_cert	*e;
	size_t			 at;

	if ((e = nagios_earliest(cr, &at)) != NULL)
		fprintf(fp, " 'days_left'=%.2f;;;", e->days_left);
}

void
report_certs_nagios(FILE *fp, const struct check_report *cr, int warn_days,
    int crit_days)
{
	const struct sc_cert	*e;
	size_t			 at = 0;

	fprintf(fp, "SIPCANARY CERTS %s - %s%s%s %s",
	    nagios_state(cr->severity), cr->target,
	    cr->profile != NULL ? " profile " : "",
	    cr->profile != NULL ? cr->profile : "", sc_verdict_str(cr->verdict));
	if ((e = nagios_earliest(cr, &at)) != NULL)
		fprintf(fp, ", earliest expiry in %.1f days (%s at %s)",
		    e->days_left, e->subject != NULL ? e->subject : "?",
		    cr->results[at].address);
	nagios_reason(fp, cr);
	fputs(" |", fp);
	if (e != NULL)
		fprintf(fp, " 'days_left'=%.2f;%d;%d;0", e->days_left,
		    warn_days, crit_days);
	fputc('\n', fp);
}

void
report_nagios(FILE *fp, const struct check_report *cr)
{
	size_t	i, ok = 0;

	for (i = 0; i < cr->nresults; i++)
		if (cr->results[i].verdict == SC_OK)
			ok++;
	fprintf(fp, "SIPCANARY %s - %s%s%s %s", nagios_state(cr->severity),
	    cr->target, cr->profile != NULL ? " profile " : "",
	    cr->profile != NULL ? cr->profile : "", sc_verdict_str(cr->verdict));
	if (cr->nresults > 0)
		fprintf(fp, ", %zu/%zu frontends ok", ok, cr->nresults);
	nagios_reason(fp, cr);
	fputs(" |", fp);
	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result	*r = &cr->results[i];
		char			 prefix[80];

		prefix[0] = '\0';
		if (cr->nresults > 1)
			snprintf(prefix, sizeof(prefix), "%s ", r->address);
		nagios_perf(fp, prefix, "tcp_connect", r->t.tcp_connect);
		nagios_perf(fp, prefix, "tls_handshake", r->t.tls_handshake);
		nagios_perf(fp, prefix, "first_response", r->t.first_response);
		nagios_perf(fp, prefix, "register", r->t.registered);
	}
	if (cr->dns_seconds >= 0)
		nagios_perf(fp, "", "dns", cr->dns_seconds);
	nagios_days_left(fp, cr);
	fputc('\n', fp);
}
