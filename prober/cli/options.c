/*
 * options.c - the command line that check, certs and drill share: the
 * common options and their checks, the digest credentials, and the usage
 * error every command prints.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "common/suggest.h"
#include "conf/conf.h"
#include "conf/defaults.h"
#include "conf/duration.h"
#include "conf/secret.h"
#include "conf/target.h"

/*
 * The machine output the command line asks for, known before its options
 * are parsed, so that an error during parsing or set-up still gives a
 * Nagios plugin its one status line and a script its one JSON object.
 */
static enum output_format cli_error_format = FMT_TEXT;

int
cli_usage_error(const char *cmd, const char *usage, int code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];
	json_t	*doc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sipcanary %s: %s\nusage: sipcanary %s %s (try "
	    "'sipcanary %s --help')\n", cmd, msg, cmd, usage, cmd);
	if (cli_error_format == FMT_NAGIOS) {
		printf("SIPCANARY UNKNOWN - %s: %s\n", cmd, msg);
		code = NAGIOS_UNKNOWN;	/* a plugin's error is UNKNOWN */
	}
	else if (cli_error_format == FMT_JSON &&
	    (doc = json_pack("{s:s, s:s?}", "command", cmd, "error",
	    msg)) != NULL) {
		if (json_dumpf(doc, stdout, JSON_COMPACT | JSON_ENSURE_ASCII)
		    == 0)
			putchar('\n');
		json_decref(doc);
	}
	cli_flush();
	return code;
}

/* Whether cmd takes the long option name (and does not refuse it). */
static int
cli_takes(const struct cli_command *cmd, const char *name)
{
	const struct option *o;
	const int	*r;

	for (o = cmd->longopts; o->name != NULL; o++) {
		if (strcmp(o->name, name) != 0)
			continue;
		for (r = cmd->refused; r != NULL && *r != 0; r++)
			if (*r == o->val)
				return 0;
		return 1;
	}
	return 0;
}

/* Sets cli_error_format from argv, before getopt reads it. */
static void
cli_error_format_from(const struct cli_command *cmd, int argc, char **argv)
{
	int	 i, json = 0, nagios = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		json |= strcmp(argv[i], "--json") == 0;
		nagios |= strcmp(argv[i], "--nagios") == 0;
	}
	cli_error_format = nagios && cli_takes(cmd, "nagios") ? FMT_NAGIOS :
	    json && cli_takes(cmd, "json") ? FMT_JSON : FMT_TEXT;
}

void
common_defaults(struct common_opts *co)
{
	memset(co, 0, sizeof(*co));
	co->timeout = 10;
	co->warn_days = CF_WARN_DAYS;
	co->crit_days = CF_CRIT_DAYS;
	co->revocation = sc_revocation_policy_parse(CF_REVOCATION);
	co->parallel = 16;
	co->format = FMT_TEXT;
}

/* Appends one --dns-server, checked, in c-ares' "ip:port,..." syntax. */
static int
common_dns_server(struct common_opts *co, const char *arg, char *err,
    size_t errlen)
{
	struct in6_addr	 a6;
	char		*host = NULL, one[80];
	size_t		 len = strlen(co->dns_servers);
	unsigned	 port;
	int		 v6;

	if (target_parse_hostport(arg, &host, &port, err, errlen) == -1)
		return -1;
	v6 = inet_pton(AF_INET6, host, &a6) == 1;
	if (!v6 && inet_pton(AF_INET, host, &a6) != 1) {
		snprintf(err, errlen, "--dns-server takes an IP address "
		    "(IP[:PORT] or [IPv6]:PORT), not \"%s\"", arg);
		free(host);
		return -1;
	}
	if (strchr(arg, ':') == NULL || (arg[0] != '[' && v6))
		port = 53;
	snprintf(one, sizeof(one), v6 ? "[%s]:%u" : "%s:%u", host, port);
	free(host);
	if (len + strlen(one) + 2 > sizeof(co->dns_servers)) {
		snprintf(err, errlen, "too many --dns-server options");
		return -1;
	}
	snprintf(co->dns_servers + len, sizeof(co->dns_servers) - len, "%s%s",
	    len > 0 ? "," : "", one);
	return 0;
}

int
common_number(const char *s, double lo, double hi, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo) || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
 * A duration as the config files write them ("10", "5s", "1500ms",
 * "2m"): above 0 and at most hi seconds.  0, or -1.
 */
int
common_duration(const char *s, double hi, double *out)
{
	double v;

	if (duration_parse(s, &v) == -1 || !(v > 0) || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* A whole number in [lo, hi]; -1 otherwise. */
static int
common_whole(const char *s, int lo, int hi, int *out)
{
	double v;

	if (common_number(s, lo, hi, &v) == -1 || v != (int)v)
		return -1;
	*out = (int)v;
	return 0;
}

/* --revocation and --crl-max-size: as common_option(). */
static int
common_revocation_option(struct common_opts *co, int ch, const char *arg,
    char *err, size_t errlen)
{
	switch (ch) {
	case COMMON_OPT_REVOCATION:
		if ((co->revocation = sc_revocation_policy_parse(arg)) < 0) {
			snprintf(err, errlen, "--revocation takes auto, staple, "
			    "ocsp, crl or off, not \"%s\"", arg);
			return -1;
		}
		co->prof.revocation_given = 1;
		return 1;
	case COMMON_OPT_CRL_MAX_SIZE:
		if (size_parse(arg, CONFIG_CRL_MAX_SIZE_MAX,
		    &co->crl_max_size) == -1) {
			snprintf(err, errlen, "--crl-max-size takes a size in "
			    "bytes, KiB, MiB or GiB (as in 16MiB), up to 1GiB, "
			    "not \"%s\"", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

/*
 * The checked options that bound a probe: its time, TLS version,
 * certificate windows and parallelism.  As common_option().
 */
static int
common_limit_option(struct common_opts *co, int ch, const char *arg,
    char *err, size_t errlen)
{
	switch (ch) {
	case COMMON_OPT_TIMEOUT:
		if (common_duration(arg, 86400, &co->timeout) == -1) {
			snprintf(err, errlen, "--timeout takes a duration above "
			    "0 and up to 1d (e.g. 10, 5s, 1500ms), not \"%s\"",
			    arg);
			return -1;
		}
		return 1;
	case COMMON_OPT_TLS_MIN:
		if ((co->tls_min = sc_tls_parse_version(arg)) == 0) {
			snprintf(err, errlen, "--tls-min takes 1.2 or 1.3, not "
			    "\"%s\"", arg);
			return -1;
		}
		co->prof.tls_min_given = 1;
		return 1;
	case COMMON_OPT_WARN_DAYS:
	case COMMON_OPT_CRIT_DAYS:
		if (common_whole(arg, 1, 3650, ch == COMMON_OPT_WARN_DAYS ?
		    &co->warn_days : &co->crit_days) == -1) {
			snprintf(err, errlen, "--%s takes whole days from 1 to "
			    "3650, not \"%s\"", ch == COMMON_OPT_WARN_DAYS ?
			    "warn-days" : "crit-days", arg);
			return -1;
		}
		return 1;
	case COMMON_OPT_PARALLEL:
		if (common_whole(arg, 1, 4096, &co->parallel) == -1) {
			snprintf(err, errlen, "--parallel takes a whole number "
			    "from 1 to 4096, not \"%s\"", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

/* The SIP over secure WebSocket options.  As common_option(). */
static int
common_wss_option(struct common_opts *co, int ch, const char *arg,
    char *err, size_t errlen)
{
	switch (ch) {
	case COMMON_OPT_TRANSPORT:
		if (strcmp(arg, "tls") != 0 && strcmp(arg, "wss") != 0) {
			snprintf(err, errlen, "--transport takes tls or wss "
			    "(SIP over secure WebSocket), not \"%s\"", arg);
			return -1;
		}
		co->wss = strcmp(arg, "wss") == 0;
		return 1;
	case COMMON_OPT_WS_PATH:
		if (arg[0] != '/' || strpbrk(arg, " \t\r\n") != NULL ||
		    strlen(arg) > 512) {
			snprintf(err, errlen, "--ws-path takes the path of the "
			    "WebSocket URL (/ws, /sip), without spaces, not "
			    "\"%s\"", arg);
			return -1;
		}
		co->ws_path = arg;
		return 1;
	case COMMON_OPT_ORIGIN:
		if (strpbrk(arg, "\r\n") != NULL || strlen(arg) > 512 ||
		    arg[0] == '\0') {
			snprintf(err, errlen, "--origin takes the Origin a "
			    "browser would send (https://phone.example.com), "
			    "on one line");
			return -1;
		}
		co->origin = arg;
		return 1;
	}
	return 0;
}

/* The HEP capture options (--keylog takes any path).  As
 * common_option(). */
static int
common_hep_option(struct common_opts *co, int ch, const char *arg,
    char *err, size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	double			id;
	char			e[256];

	switch (ch) {
	case COMMON_OPT_HEP:
		if (config_parse_hep(arg, &ss, &sslen, e, sizeof(e)) == -1) {
			snprintf(err, errlen, "--hep: %s, not \"%s\"", e, arg);
			return -1;
		}
		co->hep = arg;
		return 1;
	case COMMON_OPT_HEP_ID:
		if (common_number(arg, 0, 4294967295.0, &id) == -1 ||
		    id != (unsigned)id) {
			snprintf(err, errlen, "--hep-id takes a whole number "
			    "from 0 to 4294967295, not \"%s\"", arg);
			return -1;
		}
		co->hep_id = (unsigned)id;
		return 1;
	}
	return 0;
}

/* The common options whose value is checked: as common_option(). */
static int
common_checked_option(struct common_opts *co, int ch, const char *arg,
    char *err, size_t errlen)
{
	int	 rc;

	if (ch == COMMON_OPT_DNS_SERVER)
		return common_dns_server(co, arg, err, errlen) == -1 ? -1 : 1;
	if ((rc = common_limit_option(co, ch, arg, err, errlen)) != 0 ||
	    (rc = common_wss_option(co, ch, arg, err, errlen)) != 0 ||
	    (rc = common_hep_option(co, ch, arg, err, errlen)) != 0)
		return rc;
	return common_revocation_option(co, ch, arg, err, errlen);
}

static const char *const format_options[] = {
	[FMT_JSON] = "--json", [FMT_NAGIOS] = "--nagios", [FMT_CSV] = "--csv",
};

/*
 * Chooses the output format: one of --json, --nagios, --csv, which
 * exclude each other (the last one silently winning would hide from a
 * script that it asked for two).  Returns 1, or -1 with the reason in err.
 */
int
cli_set_format(struct common_opts *co, enum output_format f, char *err,
    size_t errlen)
{
	if (co->format != FMT_TEXT && co->format != f) {
		snprintf(err, errlen, "%s and %s cannot be used together: "
		    "choose one output format", format_options[co->format],
		    format_options[f]);
		return -1;
	}
	co->format = f;
	return 1;
}

/*
 * Handles one getopt_long result if it is a common option: 1 handled,
 * 0 not a common option, -1 bad value (reason in err).
 */
static int
common_option(struct common_opts *co, int ch, const char *arg, char *err,
    size_t errlen)
{
	int	 rc;

	switch (ch) {
	case COMMON_OPT_CONNECT:
		co->connect = arg;
		break;
	case COMMON_OPT_CA_FILE:
		co->ca_file = arg;
		break;
	case COMMON_OPT_OWNER:
		co->owner = arg;
		break;
	case COMMON_OPT_KEYLOG:
		co->keylog = arg;
		break;
	case COMMON_OPT_JSON:
		return cli_set_format(co, FMT_JSON, err, errlen);
	case COMMON_OPT_ALLOW_MIXED:
		co->allow_mixed = 1;
		break;
	case 'v':
		co->verbose = 1;
		break;
	default:
		if ((rc = cli_profile_option(&co->prof, ch, arg, err,
		    errlen)) != 0)
			return rc;
		return common_checked_option(co, ch, arg, err, errlen);
	}
	return 1;
}

/*
 * Handles a CREDENTIAL_LONGOPTS result: 1 handled, 0 not one, -1 refused
 * (a password on the command line), with the reason in err.
 */
static int
credentials_option(struct credentials *cr, int ch, const char *arg,
    char *err, size_t errlen)
{
	switch (ch) {
	case 'u':
		cr->user = arg;
		return 1;
	case 'p':
		cr->password_file = arg;
		return 1;
	case 'I':
		cr->insecure = 1;
		return 1;
	case 'P':
		snprintf(err, errlen, "passwords are not accepted on the "
		    "command line (other users can read it); use "
		    "--password-file FILE or SIPCANARY_PASSWORD");
		return -1;
	}
	return 0;
}

int
credentials_password(const struct credentials *cr, const char *fallback_file,
    char **out, char *err, size_t errlen)
{
	const char *file = cr->password_file != NULL ? cr->password_file :
	    fallback_file, *env;

	*out = NULL;
	if (file != NULL) {
		if ((*out = secret_read_file(file, "password file",
		    secret_owner(NULL), cr->insecure, err, errlen)) == NULL)
			return -1;
		return 0;
	}
	if ((env = getenv("SIPCANARY_PASSWORD")) != NULL && env[0] != '\0' &&
	    (*out = strdup(env)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
common_validate(const struct common_opts *co, char *err, size_t errlen)
{
	if (co->crit_days > co->warn_days) {
		snprintf(err, errlen, "--crit-days (%d) must not exceed "
		    "--warn-days (%d)", co->crit_days, co->warn_days);
		return -1;
	}
	return 0;
}

/*
 * A common option or, when cred is not NULL, a credential one: 1
 * handled, 0 neither, -1 bad value or refused (reason in err).
 */
static int
cli_option(struct common_opts *co, struct credentials *cred, int ch,
    const char *arg, char *err, size_t errlen)
{
	int rc;

	rc = common_option(co, ch, arg, err, errlen);
	if (rc == 0 && cred != NULL)
		rc = credentials_option(cred, ch, arg, err, errlen);
	return rc;
}

/*
 * Why getopt refused arg: an option that needs a value and got none, or
 * an unknown one, with the nearest option the command takes.
 */
static void
cli_unknown(const struct cli_command *cmd, const char *arg, char *err,
    size_t errlen)
{
	const struct option *o, *best = NULL;
	char		 name[64];
	int		 d, bestd = SUGGEST_FAR;

	if (strncmp(arg, "--", 2) != 0) {
		snprintf(err, errlen, "unknown option %s", arg);
		return;
	}
	snprintf(name, sizeof(name), "%s", arg + 2);
	name[strcspn(name, "=")] = '\0';
	for (o = cmd->longopts; o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0 && cli_takes(cmd, o->name)) {
			snprintf(err, errlen, "--%s needs a value", name);
			return;
		}
		if (cli_takes(cmd, o->name) && suggest_near(name, o->name) &&
		    (d = suggest_distance(name, o->name)) < bestd) {
			bestd = d;
			best = o;
		}
	}
	if (best != NULL)
		snprintf(err, errlen, "unknown option %s (did you mean --%s?)",
		    arg, best->name);
	else
		snprintf(err, errlen, "unknown option %s", arg);
}

/* Whether cmd refuses the common option ch. */
static int
cli_refused(const struct cli_command *cmd, int ch)
{
	const int *r;

	for (r = cmd->refused; r != NULL && *r != 0; r++)
		if (*r == ch)
			return 1;
	return 0;
}

int
cli_parse(const struct cli_command *cmd, int argc, char **argv,
    struct common_opts *co, struct credentials *cred, cli_own_option own,
    void *arg)
{
	char	 err[600];
	int	 ch, rc;

	cli_error_format_from(cmd, argc, argv);
	optind = 1;
	opterr = 0;	/* one message of ours, not getopt's and ours */
	while ((ch = getopt_long(argc, argv, cli_takes(cmd, "config") ?
	    "vhc:" : "vh", cmd->longopts, NULL)) != -1) {
		if (ch == '?') {
			cli_unknown(cmd, argv[optind - 1], err, sizeof(err));
			return cli_usage_error(cmd->name, cmd->usage,
			    cmd->usage_code, "%s", err);
		}
		switch (cli_option(co, cred, ch, optarg, err, sizeof(err))) {
		case -1:
			return cli_usage_error(cmd->name, cmd->usage,
			    cmd->usage_code, "%s", err);
		case 1:
			if (cli_refused(cmd, ch))
				return cli_usage_error(cmd->name, cmd->usage,
				    cmd->usage_code, "%s is not a %s option",
				    argv[optind - 1], cmd->name);
			break;
		default:
			if ((rc = own(arg, ch, optarg)) != CLI_CONTINUE)
				return rc;
			break;
		}
	}
	return CLI_CONTINUE;
}

void
common_runner_opts(const struct common_opts *co, struct runner_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->connect = co->connect;
	ro->owner = co->owner;
	ro->dns_servers = co->dns_servers[0] != '\0' ? co->dns_servers : NULL;
	ro->parallel = co->parallel > 0 ? (size_t)co->parallel : 0;
	ro->allow_mixed = co->allow_mixed;
	ro->profile = cli_profile_name(&co->prof);
}

int
common_keylog(const struct common_opts *co, const char *cmd, char *err,
    size_t errlen)
{
	if (co->keylog == NULL)
		return 0;
	if (sc_tls_keylog_open(co->keylog, err, errlen) == -1)
		return -1;
	fprintf(stderr, "sipcanary %s: WARNING: writing TLS session keys to "
	    "%s: whoever reads it can decrypt this run's traffic, "
	    "passwords included; delete it when done\n", cmd, co->keylog);
	return 0;
}

int
common_hep(const struct common_opts *co, char *err, size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			e[256];

	if (co->hep == NULL)
		return 0;
	if (config_parse_hep(co->hep, &ss, &len, err, errlen) == -1)
		return -1;
	if (sc_hep_open((struct sockaddr *)&ss, len, co->hep_id, NULL, e,
	    sizeof(e)) == -1) {
		snprintf(err, errlen, "--hep %s: %s", co->hep, e);
		return -1;
	}
	return 0;
}

void
common_revocation(const struct common_opts *co)
{
	sc_revocation_configure(co->crl_max_size, 0);
}

int
common_probe_opts(const struct common_opts *co, struct sc_probe_opts *po,
    char *err, size_t errlen)
{
	struct sc_tls_opts o;

	common_revocation(co);
	po->timeout = co->timeout;
	po->tls_min = co->tls_min;
	po->revocation = cli_profile_revocation(&co->prof, co->revocation);
	po->warn_days = co->warn_days;
	po->crit_days = co->crit_days;
	po->ws.on = co->wss;
	po->ws.path = co->ws_path;
	po->ws.origin = co->origin;
	cli_profile_tls(&co->prof, co->ca_file, co->tls_min, &o);
	po->tls_ctx = sc_tls_ctx_new_opts(&o, err, errlen);
	return po->tls_ctx == NULL ? -1 : 0;
}
