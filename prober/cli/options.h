/*
 * options.h - the command-line options that check, certs and drill share
 * (their getopt_long table and how their values are checked), the digest
 * credentials, and how a command reports a usage error.
 */
#ifndef SC_CLI_OPTIONS_H
#define SC_CLI_OPTIONS_H

#include <getopt.h>
#include <stddef.h>

#include "cli/profile_opts.h"
#include "probe/runner.h"
#include "sipcanary.h"

/*
 * What a step of a command's option parsing returns to say "go on"; any
 * other value is the exit code, the reason already printed.
 */
#define CLI_CONTINUE	(-1)

enum output_format { FMT_TEXT, FMT_JSON, FMT_NAGIOS, FMT_CSV };

struct common_opts {
	const char		*connect;
	const char		*ca_file;
	const char		*owner;
	const char		*keylog;	/* --keylog FILE, or NULL */
	const char		*hep;		/* --hep udp://IP:PORT, or NULL */
	unsigned		 hep_id;	/* --hep-id */
	int			 wss;		/* --transport wss */
	const char		*ws_path;	/* --ws-path */
	const char		*origin;	/* --origin */
	double			 timeout;
	int			 tls_min;
	int			 revocation;	/* enum sc_revocation_policy */
	size_t			 crl_max_size;	/* --crl-max-size; 0: default */
	int			 warn_days;
	int			 crit_days;
	int			 verbose;
	int			 parallel;	/* probes at once */
	int			 allow_mixed;	/* different leaf certs ok */
	char			 dns_servers[512]; /* "ip:port,..." or "" */
	enum output_format	 format;
	struct cli_profile	 prof;		/* TLS client profile options
						   (PROFILE_LONGOPTS) */
};

/* The getopt_long codes of the common options. */
enum common_opt {
	COMMON_OPT_CONNECT = 1000,
	COMMON_OPT_CA_FILE,
	COMMON_OPT_TIMEOUT,
	COMMON_OPT_TLS_MIN,
	COMMON_OPT_WARN_DAYS,
	COMMON_OPT_CRIT_DAYS,
	COMMON_OPT_OWNER,
	COMMON_OPT_JSON,
	COMMON_OPT_DNS_SERVER,
	COMMON_OPT_PARALLEL,
	COMMON_OPT_ALLOW_MIXED,
	COMMON_OPT_KEYLOG,
	COMMON_OPT_HEP,
	COMMON_OPT_HEP_ID,
	COMMON_OPT_TRANSPORT,
	COMMON_OPT_WS_PATH,
	COMMON_OPT_ORIGIN,
	COMMON_OPT_REVOCATION,
	COMMON_OPT_CRL_MAX_SIZE
};

#define COMMON_LONGOPTS							\
	{ "connect",	required_argument, NULL, COMMON_OPT_CONNECT },	\
	{ "ca-file",	required_argument, NULL, COMMON_OPT_CA_FILE },	\
	{ "timeout",	required_argument, NULL, COMMON_OPT_TIMEOUT },	\
	{ "tls-min",	required_argument, NULL, COMMON_OPT_TLS_MIN },	\
	{ "warn-days",	required_argument, NULL, COMMON_OPT_WARN_DAYS }, \
	{ "crit-days",	required_argument, NULL, COMMON_OPT_CRIT_DAYS }, \
	{ "owner",	required_argument, NULL, COMMON_OPT_OWNER },	\
	{ "json",	no_argument,	   NULL, COMMON_OPT_JSON },	\
	{ "dns-server",	required_argument, NULL, COMMON_OPT_DNS_SERVER }, \
	{ "parallel",	required_argument, NULL, COMMON_OPT_PARALLEL },	\
	{ "allow-mixed-certs", no_argument, NULL, COMMON_OPT_ALLOW_MIXED }, \
	{ "keylog",	required_argument, NULL, COMMON_OPT_KEYLOG },	\
	{ "hep",	required_argument, NULL, COMMON_OPT_HEP },	\
	{ "hep-id",	required_argument, NULL, COMMON_OPT_HEP_ID },	\
	{ "transport",	required_argument, NULL, COMMON_OPT_TRANSPORT }, \
	{ "ws-path",	required_argument, NULL, COMMON_OPT_WS_PATH },	\
	{ "origin",	required_argument, NULL, COMMON_OPT_ORIGIN },	\
	{ "revocation",	required_argument, NULL, COMMON_OPT_REVOCATION }, \
	{ "crl-max-size", required_argument, NULL, COMMON_OPT_CRL_MAX_SIZE }, \
	{ "verbose",	no_argument,	   NULL, 'v' }

/* The lines of --help for the transport options and the TLS key log. */
#define WSS_KEYLOG_HELP							\
"  --transport tls|wss     SIP over TLS (default) or over secure WebSocket\n" \
"                          (RFC 7118; also sips:DOMAIN;transport=ws)\n"	\
"  --ws-path PATH          WSS: the WebSocket URL's path (default /)\n"	\
"  --origin ORIGIN         WSS: the Origin header to send (default none)\n" \
"  --keylog FILE           append TLS session keys to FILE (NSS key log,\n" \
"                          for Wireshark; created 0600): debugging only\n"

/* The lines of --help for the HEP copies (not certs': it sends no SIP). */
#define HEP_HELP							\
"  --hep udp://IP[:PORT]   copy every SIP message to this HEPv3 collector\n" \
"                          (Homer; port 9060 by default)\n"		\
"  --hep-id N              the HEP capture agent id (default 0)\n"

void	 common_defaults(struct common_opts *);

/*
 * Sets the output format; --json, --nagios and --csv exclude each other.
 * Returns 1, or -1 with the reason in err.
 */
int	 cli_set_format(struct common_opts *, enum output_format, char *err,
	    size_t errlen);
/* A number in [lo, hi] with nothing after it; -1 otherwise. */
int	 common_number(const char *, double lo, double hi, double *out);
/* A duration with or without a unit, above 0 and up to hi seconds. */
int	 common_duration(const char *, double hi, double *out);

/* Checks the options together (crit below warn...); -1 with err. */
int	 common_validate(const struct common_opts *, char *err,
	    size_t errlen);

/*
 * Opens --keylog FILE, if given, with the loud warning on stderr that it
 * is on; call before the TLS contexts are built.  -1 with err.
 */
int	 common_keylog(const struct common_opts *, const char *cmd, char *err,
	    size_t errlen);

/*
 * Opens --hep, if given: a copy of every SIP message to that collector.
 * -1 with err.
 */
int	 common_hep(const struct common_opts *, char *err, size_t errlen);

/* What a round of probes (runner_target) takes from the options. */
void	 common_runner_opts(const struct common_opts *,
	    struct runner_opts *);

/* --crl-max-size, if given, for the process-wide revocation cache. */
void	 common_revocation(const struct common_opts *);

/*
 * Fills the probe options that come from the common ones (timeout, TLS
 * version, expiry windows, revocation) and the TLS context, built with the TLS client
 * profile options (cli_profile_load() first); -1 with err.
 */
int	 common_probe_opts(const struct common_opts *, struct sc_probe_opts *,
	    char *err, size_t errlen);

/* The options naming a digest user and where the password comes from. */
#define CREDENTIAL_LONGOPTS						\
	{ "user",		required_argument, NULL, 'u' },		\
	{ "password-file",	required_argument, NULL, 'p' },		\
	{ "insecure-password-file", no_argument,   NULL, 'I' },		\
	{ "password",		required_argument, NULL, 'P' }

struct credentials {
	const char	*user;
	const char	*password_file;
	int		 insecure;
};

/*
 * The password: from the file (fallback_file when none was given), else
 * SIPCANARY_PASSWORD.  *out is NULL when there is none.  -1 with err.
 */
int	 credentials_password(const struct credentials *,
	    const char *fallback_file, char **out, char *err, size_t errlen);

/* A command that takes the common options, for cli_parse(). */
struct cli_command {
	const char		*name;		/* "check" */
	const char		*usage;		/* the usage line after it */
	int			 usage_code;	/* exit code of a usage error */
	const struct option	*longopts;
	const int		*refused;	/* common options it does
						   not take, 0-ended, or NULL */
};

/*
 * Handles one option of the command's own (value: its argument, or
 * NULL): CLI_CONTINUE, or the exit code (after printing why, or the
 * help).
 */
typedef int	(*cli_own_option)(void *arg, int ch, const char *value);

/*
 * Reads the options of argv (getopt_long, from optind 1): the common ones
 * into co, the credential ones into cred when it is not NULL, the others
 * through own.  Returns CLI_CONTINUE with optind at the first operand,
 * or the exit code after a usage error or what own returned.
 */
int	 cli_parse(const struct cli_command *, int argc, char **argv,
	    struct common_opts *co, struct credentials *cred,
	    cli_own_option own, void *arg);

/*
 * Prints "sipcanary CMD: message" and the usage line on stderr, and
 * returns code, so that a command can `return cli_usage_error(...)`.
 */
int	 cli_usage_error(const char *cmd, const char *usage, int code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* SC_CLI_OPTIONS_H */
