/*
 * report_certs.c - the certificate inventory for people (a table that
 * fits 80 columns) and for spreadsheets (CSV, one row per certificate).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/report.h"

/* Fits s into width columns, eliding the middle with "..". */
static void
certs_cell(FILE *fp, const char *s, int width)
{
	int len = s != NULL ? (int)strlen(s) : 0;

	if (s == NULL)
		s = "";
	if (len <= width)
		fprintf(fp, "%-*s", width, s);
	else
		fprintf(fp, "%.*s..%s", width / 2 - 1, s,
		    s + len - (width - width / 2 - 1));
}

/* The length of the RDN at the start of an RFC 2253 name. */
static size_t
certs_rdn_len(const char *dn)
{
	size_t n;

	for (n = 0; dn[n] != '\0' && dn[n] != ','; n++)
		if (dn[n] == '\\' && dn[n + 1] != '\0')
			n++;
	return n;
}

/*
 * A certificate's name for the table: its CN RDN, wherever the subject
 * puts it, else the first RDN (in RFC 2253 order the most specific).  The
 * first RDN alone names every leaf of a subject written "/CN=x/O=Org"
 * by its O, which tells nothing.
 */
static void
certs_short_dn(const char *dn, char *buf, size_t len)
{
	const char	*p = dn;
	size_t		 n;

	for (;;) {
		n = certs_rdn_len(p);
		if (strncmp(p, "CN=", 3) == 0) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return;
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	snprintf(buf, len, "%.*s", (int)certs_rdn_len(dn), dn);
}

/* Prints s indented, broken at spaces to fit width columns. */
static void
certs_wrap(FILE *fp, const char *s, int indent, int width)
{
	int avail = width - indent, n, cut;

	while (*s != '\0') {
		n = (int)strlen(s);
		cut = n;
		if (n > avail) {
			for (cut = avail; cut > 0 && s[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = avail;
		}
		fprintf(fp, "%*s%.*s\n", indent, "", cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

/* Where each certificate's revocation answer came from, leaf first. */
static const char *
certs_revocation(const struct sc_revocation *r, char *buf, size_t len)
{
	if (r == NULL || r->n == 0)
		return r != NULL && r->policy == SC_REVOCATION_OFF ? "off" :
		    "not checked";
	return sc_revocation_summary(r, buf, len);
}

static void
certs_row(FILE *fp, const struct sc_cert *c, const char *mark)
{
	char	na[32], key[32], dn[256];

	report_time_iso(c->not_after, na, sizeof(na));
	na[10] = '\0';
	snprintf(key, sizeof(key), "%s-%d", c->key_type, c->key_bits);
	fprintf(fp, " %s%d ", mark, c->depth);
	certs_short_dn(c->subject != NULL ? c->subject : "", dn, sizeof(dn));
	certs_cell(fp, dn, 31);
	fprintf(fp, " %s %7.1f %-9s %s%s\n", na, c->days_left, key,
	    c->sig_hash[0] ? c->sig_hash : "-", c->weak ? " WEAK" : "");
}

void
report_certs_text(FILE *fp, const struct check_report *cr)
{
	size_t	i, j;

	fprintf(fp, "%s%s%s%s%s: %s\n", cr->target,
	    cr->owner ? " owner " : "", cr->owner ? cr->owner : "",
	    cr->profile ? " profile " : "", cr->profile ? cr->profile : "",
	    sc_verdict_str(cr->verdict));
	if (cr->error[0] != '\0')
		fprintf(fp, "  %s\n", cr->error);
	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result		*r = &cr->results[i];
		const struct sc_certreport	*c = &r->cert;

		fprintf(fp, "\n%s  %s", r->address, sc_verdict_str(r->verdict));
		if (r->tls_version[0] != '\0')
			fprintf(fp, "  %s %s", r->tls_version, r->tls_group);
		fputc('\n', fp);
		if (r->error[0] != '\0')
			certs_wrap(fp, r->error, 2, 78);
		if (c->nchain == 0)
			continue;
		fprintf(fp, "  D  %-31s %-10s %7s %-9s %s\n", "SUBJECT",
		    "NOT AFTER", "DAYS", "KEY", "HASH");
		for (j = 0; j < c->nchain; j++)
			certs_row(fp, &c->chain[j], " ");
		/* Certificates the store added (the root, usually). */
		for (j = c->nchain; j < c->nverified; j++)
			certs_row(fp, &c->verified[j], "+");
		{
			char line[700], rev[200];

			snprintf(line, sizeof(line), "identity: %s%s%s%s   "
			    "ocsp: %s", c->identity_source != NULL ?
			    c->identity : "none matched",
			    c->identity_source != NULL ? " (" : "",
			    c->identity_source != NULL ?
			    c->identity_source : "",
			    c->identity_source != NULL ? ")" : "",
			    !c->ocsp.stapled ? "no staple" :
			    c->ocsp.status != NULL ? c->ocsp.status :
			    "unusable");
			certs_wrap(fp, line, 2, 78);
			/* Its own line: where each answer came from. */
			snprintf(line, sizeof(line), "revocation: %s",
			    certs_revocation(c->revocation, rev, sizeof(rev)));
			certs_wrap(fp, line, 2, 78);
		}
	}
}

/* RFC 4180: quote every field that needs it, double inner quotes. */
static void
csv_field(FILE *fp, const char *s, int last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', fp);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s, fp);
		}
		fputc('"', fp);
	} else
		fputs(s, fp);
	fputs(last ? "\r\n" : ",", fp);
}

void
report_csv_header(FILE *fp)
{
	fputs("target,frontend,verdict,depth,subject,issuer,serial,"
	    "fingerprint_sha256,not_before,not_after,days_left,"
	    "signature_algorithm,key_type,key_bits,self_signed,owner\r\n", fp);
}

void
report_csv(FILE *fp, const struct check_report *cr)
{
	size_t	i, j;
	char	buf[64], nb[32], na[32];

	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result *r = &cr->results[i];

		for (j = 0; j < r->cert.nchain; j++) {
			const struct sc_cert *c = &r->cert.chain[j];

			report_time_iso(c->not_before, nb, sizeof(nb));
			report_time_iso(c->not_after, na, sizeof(na));
			csv_field(fp, cr->target, 0);
			csv_field(fp, r->address, 0);
			csv_field(fp, sc_verdict_str(r->verdict), 0);
			snprintf(buf, sizeof(buf), "%d", c->depth);
			csv_field(fp, buf, 0);
			csv_field(fp, c->subject, 0);
			csv_field(fp, c->issuer, 0);
			csv_field(fp, c->serial, 0);
			csv_field(fp, c->fingerprint_sha256, 0);
			csv_field(fp, nb, 0);
			csv_field(fp, na, 0);
			snprintf(buf, sizeof(buf), "%.1f", c->days_left);
			csv_field(fp, buf, 0);
			csv_field(fp, c->sig_alg, 0);
			csv_field(fp, c->key_type, 0);
			snprintf(buf, sizeof(buf), "%d", c->key_bits);
			csv_field(fp, buf, 0);
			csv_field(fp, c->self_signed ? "yes" : "no", 0);
			csv_field(fp, cr->owner, 1);
		}
	}
}
