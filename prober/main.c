/*
 * main.c - the sipcanary command: dispatch to a subcommand, --help and
 * --version.
 */
#include "config.h"
#include "git-version.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "cli/cli.h"
#include "sipcanary.h"

#ifndef SC_VERSION_GIT
#define SC_VERSION_GIT "unknown"
#endif

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary COMMAND [OPTIONS]\n"
"\n"
"A SIP-over-TLS synthetic client: it opens fresh TLS connections, checks\n"
"the certificate chain, and REGISTERs with digest authentication, as a\n"
"phone would.\n"
"\n"
"commands:\n"
"  check    probe a SIP domain once (Nagios/Icinga compatible)\n"
"  certs    print the certificate inventory of every frontend\n"
"  drill    run simulated clients through a scenario (incident drills)\n"
"  report   merge drill reports of several shards, render HTML\n"
"  run      the 24/7 prober: fresh probes, persistent flows, /metrics\n"
"\n"
"options:\n"
"  -h, --help       this help; 'sipcanary COMMAND --help' for a command\n"
"  -V, --version    version and library versions\n"
"\n"
"example:\n"
"  sipcanary check --user alice --password-file alice.pw sips:example.com\n"
"  sipcanary certs --warn-days 30 sips:example.com\n"
"  sipcanary drill scenarios/reconnect-storm.scn --target sips:example.com\n"
"  sipcanary run -c /etc/sipcanary/sipcanary.conf\n"
"\n"
"See sipcanary(1).\n");
}

/*
 * OpenSSL reads its configuration file on first use unless told not to:
 * some 0.9 million instructions per process (callgrind), 3% of a
 * `check`, for a file whose settings (Debian's has no TLS settings) the
 * probes set themselves.  OPENSSL_CONF in the
 * environment asks for a file: then it is read, as OpenSSL would.
 * Only the commands that make TLS connections call this.
 *
 * Nor does OpenSSL tear its tables down at exit (OPENSSL_cleanup() from
 * an atexit handler): 1.4 million instructions, 4% of a `check`, to free
 * what the process is about to give back whole.  Every object of ours
 * is freed before exit as before; what OpenSSL keeps stays reachable
 * from its globals, so LeakSanitizer does not count it.
 */
static void
openssl_init(void)
{
	uint64_t opts = OPENSSL_INIT_NO_LOAD_CONFIG;

	if (getenv("OPENSSL_CONF") != NULL)
		opts = OPENSSL_INIT_LOAD_CONFIG;
	(void)OPENSSL_init_ssl(opts | OPENSSL_INIT_NO_ATEXIT, NULL);
}

int
main(int argc, char **argv)
{
	/* A peer that closes mid-write must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return cli_output_done("--help", 0, EXIT_USAGE);
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("sipcanary %s (%s)\n%s\n", PACKAGE_VERSION,
		    SC_VERSION_GIT, sc_version_libs());
		return cli_output_done("--version", 0, EXIT_USAGE);
	}
	if (strcmp(argv[1], "report") != 0)
		openssl_init();
	/* Output that could not be written: check is UNKNOWN, others 2. */
	if (strcmp(argv[1], "check") == 0)
		return cli_output_done(argv[1], cmd_check(argc - 1, argv + 1),
		    NAGIOS_UNKNOWN);
	if (strcmp(argv[1], "certs") == 0)
		return cli_output_done(argv[1], cmd_certs(argc - 1, argv + 1),
		    EXIT_USAGE);
	if (strcmp(argv[1], "drill") == 0)
		return cli_output_done(argv[1], cmd_drill(argc - 1, argv + 1),
		    EXIT_USAGE);
	if (strcmp(argv[1], "report") == 0)
		return cli_output_done(argv[1], cmd_report(argc - 1, argv + 1),
		    EXIT_USAGE);
	if (strcmp(argv[1], "run") == 0)
		return cli_output_done(argv[1], cmd_run(argc - 1, argv + 1),
		    EXIT_USAGE);
	fprintf(stderr, "sipcanary: unknown command \"%s\" (try "
	    "'sipcanary --help')\n", argv[1]);
	return EXIT_USAGE;
}
