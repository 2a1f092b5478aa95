/*
 * cmd_check.c - `sipcanary check`: one fresh probe (TLS, certificates,
 * REGISTER with digest) of every frontend of a target, reported as a
 * table, JSON or Nagios plugin output.  The exit code is always a Nagios
 * code, usage errors included (UNKNOWN).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "probe/runner.h"
#include "conf/secret.h"

static void
check_usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary check [OPTIONS] sips:DOMAIN\n"
"\n"
"Probes a SIP-over-TLS service once: TCP connect, TLS handshake with the\n"
"certificate checked against DOMAIN (RFC 5922), REGISTER, 401 challenge,\n"
"REGISTER with digest credentials, 200 OK, then unregister.\n"
"\n"
"options:\n"
"  --connect HOST[:PORT]   connect here instead of locating DOMAIN\n"
"  --ca-file FILE          trust these CAs (default: the system store)\n"
"  --user USER             digest user name (and AOR user)\n"
"  --password-file FILE    the password, first line (mode 0600); or set\n"
"                          SIPCANARY_PASSWORD in the environment\n"
"  --insecure-password-file  accept a password file others can read\n"
"  --timeout SECONDS       bound on the whole probe (default 10)\n"
"  --expires SECONDS       registration lifetime to ask for (default 300)\n"
"  --no-unregister         leave the registration in place\n"
"  --tls-min 1.2|1.3       lowest TLS version to offer (default 1.2)\n"
"  --warn-days N           WARNING when a certificate expires within N\n"
"                          days (default 30)\n"
"  --crit-days N           CRITICAL within N days (default 7)\n"
"  --owner NAME            who owns the target (shown in reports)\n"
"  --json                  print JSON\n"
"  --nagios                print Nagios plugin output\n"
"  -v, --verbose           trace SIP messages on stderr (secrets redacted)\n"
"  -h, --help              this help\n"
"\n"
"Exit status (Nagios): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"\n"
"examples:\n"
"  sipcanary check --user alice --password-file alice.pw sips:example.com\n"
"  SIPCANARY_PASSWORD=... sipcanary check --nagios --user alice \\\n"
"      --connect 192.0.2.10:5061 --ca-file ca.pem sips:example.com\n");
}

#define check_bad(...) \
	cli_usage_error("check", "[OPTIONS] sips:DOMAIN", NAGIOS_UNKNOWN, __VA_ARGS__)

static const struct option check_longopts[] = {
	COMMON_LONGOPTS,
	CREDENTIAL_LONGOPTS,
	{ "expires",		required_argument,	NULL, 'e' },
	{ "no-unregister",	no_argument,		NULL, 'N' },
	{ "nagios",		no_argument,		NULL, 'n' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_check(int argc, char **argv)
{
	struct common_opts	 co;
	struct sc_probe_opts	 po;
	struct check_report	 report;
	struct credentials	 cred;
	char			*password = NULL, err[256], *end;
	unsigned long		 expires = 300;
	int			 ch, rc;

	common_defaults(&co);
	memset(&cred, 0, sizeof(cred));
	memset(&po, 0, sizeof(po));
	po.unregister = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", check_longopts, NULL))
	    != -1) {
		rc = common_option(&co, ch, optarg, err, sizeof(err));
		if (rc == 0)
			rc = credentials_option(&cred, ch, optarg, err,
			    sizeof(err));
		if (rc == 1)
			continue;
		if (rc == -1)
			return check_bad("%s", err);
		switch (ch) {
		case 'e':
			expires = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || expires < 1 ||
			    expires > 86400 * 30)
				return check_bad("--expires takes whole "
				    "seconds, not \"%s\"", optarg);
			break;
		case 'N':
			po.unregister = 0;
			break;
		case 'n':
			co.format = FMT_NAGIOS;
			break;
		case 'h':
			check_usage(stdout);
			return NAGIOS_OK;
		default:
			return check_bad("bad option");
		}
	}
	if (optind != argc - 1)
		return check_bad("%s", optind >= argc ? "no target given "
		    "(expected sips:DOMAIN)" : "give exactly one target");
	if (common_validate(&co, err, sizeof(err)) == -1)
		return check_bad("%s", err);

	po.user = cred.user;
	if (credentials_password(&cred, NULL, &password, err, sizeof(err)) ==
	    -1)
		return check_bad("%s", err);
	if (po.user != NULL && password == NULL)
		return check_bad("--user needs a password: --password-file "
		    "FILE or SIPCANARY_PASSWORD");
	if (password != NULL && po.user == NULL) {
		secret_free(password);
		return check_bad("a password was given without --user");
	}

	po.password = password;
	po.expires = (unsigned)expires;
	po.timeout = co.timeout;
	po.tls_min = co.tls_min;
	po.warn_days = co.warn_days;
	po.crit_days = co.crit_days;
	po.trace = co.verbose ? stderr : NULL;
	if ((po.tls_ctx = sc_tls_ctx_new(co.ca_file, co.tls_min, 0, err,
	    sizeof(err))) == NULL) {
		secret_free(password);
		return check_bad("%s", err);
	}
	rc = runner_target(argv[optind], &co, &po, &report, err, sizeof(err));
	sc_tls_ctx_free(po.tls_ctx);
	secret_free(password);
	if (rc == -1) {
		runner_report_clear(&report);
		return check_bad("%s", err);
	}
	report.sip = 1;
	switch (co.format) {
	case FMT_JSON:
		report_json(stdout, &report);
		break;
	case FMT_NAGIOS:
		report_nagios(stdout, &report);
		break;
	default:
		report_text(stdout, &report);
		break;
	}
	fflush(stdout);
	rc = (int)report.severity;
	runner_report_clear(&report);
	return rc;
}
