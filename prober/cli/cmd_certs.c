/*
 * cmd_certs.c - `sipcanary certs`: the certificate inventory of every
 * frontend of one or more targets.  TLS only: no SIP, no credentials.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "probe/runner.h"

static void
certs_usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary certs [OPTIONS] sips:DOMAIN...\n"
"\n"
"Prints the certificate inventory of every frontend of each DOMAIN: every\n"
"certificate sent and verified, expiry, algorithms, RFC 5922 identity,\n"
"the OCSP staple, and the chain verified again at now + --warn-days and\n"
"now + --crit-days.  TLS only: no SIP is sent and no credentials needed.\n"
"\n"
"options:\n"
"  --connect HOST[:PORT]   connect here instead of locating (with several\n"
"                          DOMAINs: one frontend serving them all)\n"
"  --ca-file FILE          trust these CAs (default: the system store)\n"
"  --warn-days N           cert_expiring (warning) within N days (30)\n"
"  --crit-days N           cert_expiring (critical) within N days (7)\n"
"  --owner NAME            who owns the certificates (in every format)\n"
"  --timeout DURATION      bound on each target (default 10s)\n"
"  --tls-min 1.2|1.3       lowest TLS version to offer (default 1.2)\n"
PROFILE_HELP
"  --revocation POLICY     auto (default: staple, then OCSP, then CRL),\n"
"                          staple, ocsp, crl or off\n"
"  --crl-max-size SIZE     the largest CRL fetched (default 16MiB)\n"
"  --dns-server IP[:PORT]  resolve through this server (repeatable)\n"
"  --parallel N            probe at most N frontends at once (default 16)\n"
"  --allow-mixed-certs     frontends may serve different leaf certificates\n"
WSS_KEYLOG_HELP
"  --json                  print JSON (an array when several targets)\n"
"  --csv                   print CSV, one row per certificate\n"
"  --nagios                print Nagios plugin output (one target): exit 1\n"
"                          within --warn-days, 2 within --crit-days or on\n"
"                          any other certificate problem\n"
"  -v, --verbose           accepted as check takes it (certs sends no SIP)\n"
"  -h, --help              this help\n"
"\n"
"Exit status: 0 every frontend ok, 1 any certificate problem, 2 usage;\n"
"with --nagios the Nagios codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"\n"
"examples:\n"
"  sipcanary certs sips:example.com\n"
"  sipcanary certs --csv --owner voice-sre sips:a.example sips:b.example\n");
}

#define CERTS_USAGE	"[OPTIONS] sips:DOMAIN..."
#define certs_bad(...) \
	cli_usage_error("certs", CERTS_USAGE, EXIT_USAGE, __VA_ARGS__)

static const struct option certs_longopts[] = {
	COMMON_LONGOPTS,
	PROFILE_LONGOPTS,
	{ "csv",	no_argument,	NULL, 'C' },
	{ "nagios",	no_argument,	NULL, 'n' },
	{ "help",	no_argument,	NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* certs sends no SIP: nothing to copy to a HEP collector. */
static const int certs_refused[] = { COMMON_OPT_HEP, COMMON_OPT_HEP_ID, 0 };

static const struct cli_command certs_command = {
	"certs", CERTS_USAGE, EXIT_USAGE, certs_longopts, certs_refused
};

/* certs' own options: CLI_CONTINUE or the exit code. */
static int
certs_option(void *arg, int ch, const char *value)
{
	struct common_opts *co = arg;
	char		 err[128];

	(void)value;
	switch (ch) {
	case 'C':
		if (cli_set_format(co, FMT_CSV, err, sizeof(err)) == -1)
			return certs_bad("%s", err);
		break;
	case 'n':
		if (cli_set_format(co, FMT_NAGIOS, err, sizeof(err)) == -1)
			return certs_bad("%s", err);
		break;
	case 'h':
		certs_usage(stdout);
		return 0;
	default:
		return certs_bad("bad option");
	}
	return CLI_CONTINUE;
}

/* One target's inventory in the chosen format (JSON: into all, if any). */
static void
certs_print(const struct check_report *report, const struct common_opts *co,
    json_t *all)
{
	switch (co->format) {
	case FMT_NAGIOS:
		report_certs_nagios(stdout, report, co->warn_days,
		    co->crit_days);
		break;
	case FMT_JSON:
		if (all != NULL)
			json_array_append_new(all, report_json_doc(report));
		else
			report_json(stdout, report);
		break;
	case FMT_CSV:
		report_csv(stdout, report);
		break;
	default:
		report_certs_text(stdout, report);
		break;
	}
}

int
cmd_certs(int argc, char **argv)
{
	struct common_opts	 co;
	struct runner_opts	 ro;
	struct sc_probe_opts	 po;
	struct check_report	 report;
	json_t			*all = NULL;
	char			 err[256];
	int			 i, rc, failed = 0;

	common_defaults(&co);
	if ((rc = cli_parse(&certs_command, argc, argv, &co, NULL,
	    certs_option, &co)) != CLI_CONTINUE)
		return rc;
	if (optind >= argc)
		return certs_bad("no target given (expected sips:DOMAIN)");
	if (common_validate(&co, err, sizeof(err)) == -1 ||
	    cli_profile_load(&co.prof, err, sizeof(err)) == -1) {
		cli_profile_free(&co.prof);
		return certs_bad("%s", err);
	}
	/* With --connect, several domains served by one frontend (an SBC). */
	memset(&po, 0, sizeof(po));
	po.tls_only = 1;
	rc = common_keylog(&co, "certs", err, sizeof(err));
	if (rc == 0)
		rc = common_probe_opts(&co, &po, err, sizeof(err));
	/* The context holds all the profile says; the rest is the name. */
	cli_profile_free(&co.prof);
	if (rc == -1)
		return certs_bad("%s", err);
	common_runner_opts(&co, &ro);
	if (co.format == FMT_JSON && argc - optind > 1)
		all = json_array();
	if (co.format == FMT_NAGIOS && argc - optind > 1)
		return certs_bad("--nagios takes one target: a plugin prints "
		    "one status line");
	if (co.format == FMT_CSV)
		report_csv_header(stdout);
	for (i = optind; i < argc; i++) {
		if (runner_target(argv[i], &ro, &po, &report, err,
		    sizeof(err)) == -1) {
			runner_report_clear(&report);
			json_decref(all);
			sc_tls_ctx_free(po.tls_ctx);
			return certs_bad("%s", err);
		}
		if (report.verdict != SC_OK)
			failed = 1;
		if (co.format == FMT_NAGIOS)
			failed = (int)report.severity;
		certs_print(&report, &co, all);
		runner_report_clear(&report);
	}
	if (all != NULL) {
		json_dumpf(all, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(all);
	}
	sc_tls_ctx_free(po.tls_ctx);
	cli_flush();
	if (co.format == FMT_NAGIOS)
		return failed;	/* the Nagios code of the one target */
	return failed ? EXIT_PROBE_FAILED : 0;
}
