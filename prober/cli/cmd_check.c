/*
 * cmd_check.c - `sipcanary check`: one fresh probe (TLS, certificates,
 * REGISTER with digest, or OPTIONS without --user) of every frontend of
 * a target, reported as a
 * table, JSON or Nagios plugin output.  The exit code is always a Nagios
 * code, usage errors included (UNKNOWN).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
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
"REGISTER with digest credentials, 200 OK, then unregister.  Without\n"
"--user (a trunk or peering SBC), it sends an OPTIONS instead, and any\n"
"final response but 503 means alive (see --alive-statuses).\n"
"\n"
"options:\n"
"  --connect HOST[:PORT]   connect here instead of locating DOMAIN\n"
"  --ca-file FILE          trust these CAs (default: the system store)\n"
"  --user USER             digest user name (and AOR user)\n"
"  --password-file FILE    the password, first line (mode 0600); or set\n"
"                          SIPCANARY_PASSWORD in the environment\n"
"  --insecure-password-file  accept a password file others can read\n"
"  --timeout DURATION      bound on the whole probe (default 10s)\n"
"  --expires SECONDS       registration lifetime to ask for (default 300)\n"
"  --no-unregister         leave the registration in place\n"
"  --daemon URL            ask the daemon at URL (http:// or https://; with\n"
"                          --ca-file, its certificate's CA) to probe its\n"
"                          configured target --target NAME now\n"
"  --target NAME           with --daemon: the target of its config\n"
"  --daemon-user USER      with --daemon: basic authentication as USER\n"
"  --daemon-password-file FILE\n"
"                          USER's password, first line (mode 0600); or\n"
"                          set SIPCANARY_DAEMON_PASSWORD\n"
"  --alive-statuses LIST   without --user: the answers to OPTIONS that\n"
"                          mean alive, such as 2xx,404 or any,503\n"
"                          (default any: every final status but 503)\n"
"  --tls-min 1.2|1.3       lowest TLS version to offer (default 1.2)\n"
PROFILE_HELP
"  --revocation POLICY     auto (default: staple, then OCSP, then CRL),\n"
"                          staple, ocsp, crl or off\n"
"  --crl-max-size SIZE     the largest CRL fetched (default 16MiB)\n"
"  --warn-days N           WARNING when a certificate expires within N\n"
"                          days (default 30)\n"
"  --crit-days N           CRITICAL within N days (default 7)\n"
"  --owner NAME            who owns the target (shown in reports)\n"
"  --dns-server IP[:PORT]  resolve through this server (repeatable)\n"
"  --parallel N            probe at most N frontends at once (default 16)\n"
"  --allow-mixed-certs     frontends may serve different leaf certificates\n"
WSS_KEYLOG_HELP
HEP_HELP
"  --json                  print JSON\n"
"  --nagios                print Nagios plugin output\n"
"  -v, --verbose           trace SIP messages on stderr (secrets redacted)\n"
"  -h, --help              this help\n"
"\n"
"Exit status (Nagios): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
"\n"
"examples:\n"
"  sipcanary check --user alice --password-file alice.pw sips:example.com\n"
"  sipcanary check --nagios --alive-statuses 2xx,404 sips:trunk.example.net\n"
"  sipcanary check --daemon http://127.0.0.1:9464 --target voice-prod\n"
"  sipcanary check --daemon https://prober.example.com --ca-file ca.pem \\\n"
"      --daemon-user ops --daemon-password-file ops.pw --target voice-prod\n"
"  SIPCANARY_PASSWORD=... sipcanary check --nagios --user alice \\\n"
"      --connect 192.0.2.10:5061 --ca-file ca.pem sips:example.com\n");
}

#define CHECK_USAGE	"[OPTIONS] sips:DOMAIN"
/* --daemon: the daemon's probe takes its own timeout; wait longer. */
#define CHECK_DAEMON_SLACK	30
#define check_bad(...) \
	cli_usage_error("check", CHECK_USAGE, NAGIOS_UNKNOWN, __VA_ARGS__)

static const struct option check_longopts[] = {
	COMMON_LONGOPTS,
	CREDENTIAL_LONGOPTS,
	PROFILE_LONGOPTS,
	{ "expires",		required_argument,	NULL, 'e' },
	{ "no-unregister",	no_argument,		NULL, 'N' },
	{ "alive-statuses",	required_argument,	NULL, 'A' },
	{ "daemon",		required_argument,	NULL, 'D' },
	{ "target",		required_argument,	NULL, 'T' },
	{ "daemon-user",	required_argument,	NULL, 'U' },
	{ "daemon-password-file", required_argument,	NULL, 'W' },
	{ "nagios",		no_argument,		NULL, 'n' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_command check_command = {
	"check", CHECK_USAGE, NAGIOS_UNKNOWN, check_longopts, NULL
};

/* What the command line asks of one check. */
struct check_args {
	struct common_opts	 co;
	struct credentials	 cred;
	struct sc_probe_opts	 po;
	struct sc_statuses	 alive;		/* without --user */
	int			 alive_set;
	const char		*daemon;	/* --daemon URL */
	const char		*target;	/* --target NAME */
	const char		*daemon_user;	/* --daemon-user USER */
	const char		*daemon_pw;	/* --daemon-password-file */
};

/* check's own options: CLI_CONTINUE or the exit code. */
static int
check_option(void *arg, int ch, const char *value)
{
	struct check_args	*a = arg;
	unsigned long		 expires;
	char			*end, err[256];

	switch (ch) {
	case 'e':
		expires = strtoul(value, &end, 10);
		if (*value == '\0' || *end != '\0' || expires < 1 ||
		    expires > 86400 * 30)
			return check_bad("--expires takes whole seconds, not "
			    "\"%s\"", value);
		a->po.expires = (unsigned)expires;
		break;
	case 'N':
		a->po.unregister = 0;
		break;
	case 'D':
		a->daemon = value;
		break;
	case 'T':
		a->target = value;
		break;
	case 'U':
		a->daemon_user = value;
		break;
	case 'W':
		a->daemon_pw = value;
		break;
	case 'A':
		if (sc_statuses_parse(&a->alive, value, err, sizeof(err)) ==
		    -1)
			return check_bad("--alive-statuses: %s", err);
		a->alive_set = 1;
		a->po.alive = &a->alive;
		break;
	case 'n':
		if (cli_set_format(&a->co, FMT_NAGIOS, err, sizeof(err)) == -1)
			return check_bad("%s", err);
		break;
	case 'h':
		check_usage(stdout);
		return NAGIOS_OK;
	default:
		return check_bad("bad option");
	}
	return CLI_CONTINUE;
}

/* The command line into a; CLI_CONTINUE with the target at argv[optind]. */
static int
check_parse(struct check_args *a, int argc, char **argv)
{
	char	err[256];
	int	rc;

	common_defaults(&a->co);
	memset(&a->cred, 0, sizeof(a->cred));
	memset(&a->po, 0, sizeof(a->po));
	a->alive_set = 0;
	a->daemon = a->target = a->daemon_user = a->daemon_pw = NULL;
	a->po.unregister = 1;
	a->po.expires = 300;
	if ((rc = cli_parse(&check_command, argc, argv, &a->co, &a->cred,
	    check_option, a)) != CLI_CONTINUE)
		return rc;
	if ((a->daemon == NULL) != (a->target == NULL))
		return check_bad("--daemon URL and --target NAME go together");
	if (a->daemon != NULL && (optind != argc || a->cred.user != NULL ||
	    a->cred.password_file != NULL))
		return check_bad("with --daemon, the daemon's config names the "
		    "target and its account: no sips:DOMAIN, no --user (the "
		    "daemon's own user: --daemon-user, --daemon-password-file)");
	if (a->daemon == NULL && (a->daemon_user != NULL ||
	    a->daemon_pw != NULL))
		return check_bad("--daemon-user and --daemon-password-file go "
		    "with --daemon URL");
	if (a->daemon_pw != NULL && a->daemon_user == NULL)
		return check_bad("--daemon-password-file needs --daemon-user");
	if (a->daemon != NULL)
		return CLI_CONTINUE;
	if (optind != argc - 1)
		return check_bad("%s", optind >= argc ? "no target given "
		    "(expected sips:DOMAIN)" : "give exactly one target");
	if (common_validate(&a->co, err, sizeof(err)) == -1 ||
	    cli_profile_load(&a->co.prof, err, sizeof(err)) == -1)
		return check_bad("%s", err);
	return CLI_CONTINUE;
}

/*
 * The password, when a user was given (both or neither): CLI_CONTINUE
 * with *password set (or NULL), or the exit code.
 */
static int
check_password(struct check_args *a, char **password)
{
	const struct profile_conf *pf = a->co.prof.pf;
	char err[256];

	if (a->alive_set && a->cred.user != NULL)
		return check_bad("--alive-statuses is for probes without "
		    "--user (OPTIONS); with --user, check registers");
	/* The profile's own account, unless the command line names one. */
	if (pf != NULL && pf->user != NULL && a->cred.user == NULL &&
	    a->cred.password_file == NULL) {
		a->cred.user = pf->user;
		if ((*password = strdup(pf->password)) == NULL)
			return check_bad("out of memory");
		return CLI_CONTINUE;
	}
	if (credentials_password(&a->cred, NULL, password, err, sizeof(err))
	    == -1)
		return check_bad("%s", err);
	if (a->cred.user != NULL && *password == NULL)
		return check_bad("--user needs a password: --password-file "
		    "FILE or SIPCANARY_PASSWORD");
	if (*password != NULL && a->cred.user == NULL) {
		secret_free(*password);
		*password = NULL;
		return check_bad("a password was given without --user");
	}
	return CLI_CONTINUE;
}

static void
check_print(const struct check_report *report, enum output_format format)
{
	switch (format) {
	case FMT_JSON:
		report_json(stdout, report);
		break;
	case FMT_NAGIOS:
		report_nagios(stdout, report);
		break;
	default:
		report_text(stdout, report);
		break;
	}
	cli_flush();
}

int
cmd_check(int argc, char **argv)
{
	struct check_args	 a;
	struct runner_opts	 ro;
	struct check_report	 report;
	char			*password = NULL, err[256];
	int			 rc;

	if ((rc = check_parse(&a, argc, argv)) != CLI_CONTINUE) {
		cli_profile_free(&a.co.prof);
		return rc;
	}
	if (a.daemon != NULL) {
		cli_profile_free(&a.co.prof);
		return check_daemon(&(struct check_daemon_opts){
		    .url = a.daemon, .target = a.target, .ca_file = a.co.ca_file,
		    .user = a.daemon_user, .password_file = a.daemon_pw,
		    .insecure = a.cred.insecure, .format = (int)a.co.format,
		    .timeout = a.co.timeout + CHECK_DAEMON_SLACK });
	}
	if ((rc = check_password(&a, &password)) != CLI_CONTINUE) {
		cli_profile_free(&a.co.prof);
		return rc;
	}
	a.po.user = a.cred.user;
	a.po.password = password;
	a.po.trace = a.co.verbose ? stderr : NULL;
	if (common_keylog(&a.co, "check", err, sizeof(err)) == -1 ||
	    common_hep(&a.co, err, sizeof(err)) == -1 ||
	    common_probe_opts(&a.co, &a.po, err, sizeof(err)) == -1) {
		secret_free(password);
		cli_profile_free(&a.co.prof);
		return check_bad("%s", err);
	}
	common_runner_opts(&a.co, &ro);
	rc = runner_target(argv[optind], &ro, &a.po, &report, err,
	    sizeof(err));
	sc_tls_ctx_free(a.po.tls_ctx);
	sc_tls_keylog_close();
	secret_free(password);
	cli_profile_free(&a.co.prof);
	if (rc == -1) {
		runner_report_clear(&report);
		return check_bad("%s", err);
	}
	report.sip = 1;
	check_print(&report, a.co.format);
	rc = (int)report.severity;
	runner_report_clear(&report);
	return rc;
}
