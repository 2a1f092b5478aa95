/*
 * cli.h - the subcommands of the sipcanary program and their shared
 * exit codes.
 */
#ifndef SC_CLI_H
#define SC_CLI_H

/* Exit codes of commands other than check (GUIDE §3). */
#define EXIT_PROBE_FAILED	1
#define EXIT_USAGE		2

/* check uses Nagios codes. */
#define NAGIOS_OK		0
#define NAGIOS_WARNING		1
#define NAGIOS_CRITICAL		2
#define NAGIOS_UNKNOWN		3

int	cmd_check(int argc, char **argv);
/* check --daemon URL --target NAME: the daemon to ask, and how. */
struct check_daemon_opts {
	const char	*url;		/* http:// or https:// */
	const char	*target;	/* a target of the daemon's config */
	const char	*ca_file;	/* https: trust these; NULL: the
					   system store */
	const char	*user;		/* basic auth, or NULL: none */
	const char	*password_file;	/* the user's password; NULL:
					   SIPCANARY_DAEMON_PASSWORD */
	int		 insecure;	/* the password file may be readable
					   by others */
	double		 timeout;	/* the whole request, s */
	int		 format;	/* enum output_format */
};

/* check_daemon.c: check --daemon URL --target NAME; a Nagios code. */
int	check_daemon(const struct check_daemon_opts *);
int	cmd_certs(int argc, char **argv);
int	cmd_drill(int argc, char **argv);
int	cmd_report(int argc, char **argv);
int	cmd_run(int argc, char **argv);

/* Flushes standard output, remembering the first write error (output.c). */
void	cli_flush(void);

/*
 * At the end of command cmd, which returned rc: rc if everything it wrote
 * to standard output went out, else fail, after saying why on stderr.
 */
int	cli_output_done(const char *cmd, int rc, int fail);

#endif /* SC_CLI_H */
