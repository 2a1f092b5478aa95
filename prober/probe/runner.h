/*
 * runner.h - what check and certs share: their common options, and running
 * one probe of every frontend of a target on one event loop.
 */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H

#include <getopt.h>
#include <stddef.h>

#include "report/report.h"
#include "sipcanary.h"
#include "conf/target.h"

enum output_format { FMT_TEXT, FMT_JSON, FMT_NAGIOS, FMT_CSV };

struct common_opts {
	const char		*connect;
	const char		*ca_file;
	const char		*owner;
	double			 timeout;
	int			 tls_min;
	int			 warn_days;
	int			 crit_days;
	int			 verbose;
	int			 parallel;	/* probes at once */
	int			 allow_mixed;	/* different leaf certs are ok */
	char			 dns_servers[512]; /* "ip:port,..." or "" */
	enum output_format	 format;
};

/* getopt_long codes of the common options start here. */
#define COMMON_OPT_BASE	1000
#define COMMON_LONGOPTS							\
	{ "connect",	required_argument, NULL, COMMON_OPT_BASE + 0 },	\
	{ "ca-file",	required_argument, NULL, COMMON_OPT_BASE + 1 },	\
	{ "timeout",	required_argument, NULL, COMMON_OPT_BASE + 2 },	\
	{ "tls-min",	required_argument, NULL, COMMON_OPT_BASE + 3 },	\
	{ "warn-days",	required_argument, NULL, COMMON_OPT_BASE + 4 },	\
	{ "crit-days",	required_argument, NULL, COMMON_OPT_BASE + 5 },	\
	{ "owner",	required_argument, NULL, COMMON_OPT_BASE + 6 },	\
	{ "json",	no_argument,	   NULL, COMMON_OPT_BASE + 7 },	\
	{ "dns-server",	required_argument, NULL, COMMON_OPT_BASE + 8 },	\
	{ "parallel",	required_argument, NULL, COMMON_OPT_BASE + 9 },	\
	{ "allow-mixed-certs", no_argument, NULL, COMMON_OPT_BASE + 10 }, \
	{ "verbose",	no_argument,	   NULL, 'v' }

void	 common_defaults(struct common_opts *);

/* A number in [lo, hi] with nothing after it; -1 otherwise. */
int	 common_number(const char *, double lo, double hi, double *out);

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
 * Handles a CREDENTIAL_LONGOPTS result: 1 handled, 0 not one, -1 refused
 * (a password on the command line), with the reason in err.
 */
int	 credentials_option(struct credentials *, int ch, const char *arg,
	    char *err, size_t errlen);

/*
 * The password: from the file (fallback_file when none was given), else
 * SIPCANARY_PASSWORD.  *out is NULL when there is none.  -1 with err.
 */
int	 credentials_password(const struct credentials *,
	    const char *fallback_file, char **out, char *err, size_t errlen);

/*
 * Handles one getopt_long result if it is a common option: 1 handled,
 * 0 not a common option, -1 bad value (reason in err).
 */
int	 common_option(struct common_opts *, int ch, const char *arg,
	    char *err, size_t errlen);

/* Checks the options together (crit below warn...); -1 with err. */
int	 common_validate(const struct common_opts *, char *err,
	    size_t errlen);

/*
 * Probes every frontend of uri with po as the template (host and port
 * are filled per frontend) and fills out.  Returns 0, or -1 with a usage
 * problem in err (a bad URI or --connect): probe failures are results.
 */
int	 runner_target(const char *uri, const struct common_opts *,
	    const struct sc_probe_opts *po, struct check_report *out,
	    char *err, size_t errlen);

void	 runner_report_clear(struct check_report *);

#endif /* SC_RUNNER_H */
