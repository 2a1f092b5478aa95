/*
 * cmd_run.c - `sipcanary run`: the daemon's command line.  -n only checks
 * the config, so that a deployment can refuse a broken file before a
 * reload would.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "conf/conf.h"
#include "daemon/daemon.h"
#include "common/log.h"

#define run_bad(...) \
	cli_usage_error("run", "-c FILE [-n] [--log-format json|logfmt]", \
	    EXIT_USAGE, __VA_ARGS__)

static void
run_usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary run -c FILE [-n] [--log-format json|logfmt] [-v]\n"
"\n"
"Runs the prober in the foreground, the systemd way: fresh probes of every\n"
"frontend every interval, persistent registered flows on each, the\n"
"new-connection-outage detector, /metrics, a status page and /healthz.\n"
"Logs are JSON lines (or logfmt) on stderr.  SIGHUP reloads the config\n"
"(a config that does not parse is refused and the old one stays);\n"
"SIGTERM unregisters every flow and exits within 5 seconds.\n"
"\n"
"options:\n"
"  -c, --config FILE       the config (sipcanary.conf(5))\n"
"  -n, --check             only check the config, print what it holds\n"
"  --log-format FMT        json (default) or logfmt; overrides the config\n"
"  -v, --verbose           debug logging\n"
"  -h, --help              this help\n"
"\n"
"Exit status: 0 after a clean stop (or a good config with -n), 1 if the\n"
"daemon could not start, 2 for a usage or config error.\n"
"\n"
"examples:\n"
"  sipcanary run -n -c /etc/sipcanary/sipcanary.conf\n"
"  sipcanary run -c /etc/sipcanary/sipcanary.conf --log-format logfmt\n");
}

static const struct option run_longopts[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "check",	no_argument,		NULL, 'n' },
	{ "log-format",	required_argument,	NULL, 'L' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * -n: a damaged alert state does not stop the daemon (it is moved aside
 * at start), so it is a warning here, not an error.
 */
static void
run_check_state(const struct sc_config *conf)
{
	json_error_t	 je;
	json_t		*doc;
	char		 path[4096];

	snprintf(path, sizeof(path), "%s/alerts.json", conf->state_dir);
	if (access(path, F_OK) == -1)
		return;
	if ((doc = json_load_file(path, 0, &je)) == NULL ||
	    !json_is_array(json_object_get(doc, "alerts")))
		fprintf(stderr, "sipcanary run: warning: %s is damaged (%s): "
		    "the daemon will move it aside at start and begin with no "
		    "alert state\n", path, doc == NULL ? je.text :
		    "no \"alerts\" array");
	json_decref(doc);
}

/* run -n: the TLS client profiles a target names. */
static void
run_check_profiles(const struct target_conf *tc)
{
	size_t	 i;

	if (tc->nprofiles == 0)
		return;
	printf("    profiles:");
	for (i = 0; i < tc->nprofiles; i++)
		printf("%s %s", i > 0 ? "," : "", tc->profiles[i]);
	printf("\n");
}

int
cmd_run(int argc, char **argv)
{
	struct sc_config	*conf;
	const char		*path = NULL;
	char			 err[1024];
	int			 ch, check = 0, fmt = -1, verbose = 0;
	size_t			 i, enabled = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:nvh", run_longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'L':
			if (strcmp(optarg, "json") == 0)
				fmt = LOG_JSON;
			else if (strcmp(optarg, "logfmt") == 0)
				fmt = LOG_LOGFMT;
			else
				return run_bad("--log-format takes json or "
				    "logfmt, not \"%s\"", optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			return run_bad("bad option");
		}
	}
	if (optind != argc)
		return run_bad("unexpected argument \"%s\"", argv[optind]);
	if (path == NULL)
		return run_bad("no config given: -c FILE");
	if ((conf = config_load(path, err, sizeof(err))) == NULL ||
	    config_check_files(conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sipcanary run: %s\n", err);
		config_free(conf);
		return EXIT_USAGE;
	}
	for (i = 0; i < conf->ntargets; i++)
		enabled += conf->targets[i].enabled != 0;
	if (check && config_expand_profiles_check(conf, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "sipcanary run: %s\n", err);
		config_free(conf);
		return EXIT_USAGE;
	}
	if (check) {
		run_check_state(conf);
		printf("%s: ok: vantage %s, listen %s, %zu targets (%zu "
		    "enabled)\n", path, conf->vantage, conf->listen,
		    conf->ntargets, enabled);
		for (i = 0; i < conf->ntargets; i++) {
			printf("  %s %s%s\n", conf->targets[i].name,
			    conf->targets[i].uri,
			    conf->targets[i].enabled ? "" : " (disabled)");
			run_check_profiles(&conf->targets[i]);
		}
		config_free(conf);
		return 0;
	}
	/* The daemon probes each (target, profile) as a target of its own. */
	if (config_expand_profiles(conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sipcanary run: %s\n", err);
		config_free(conf);
		return EXIT_USAGE;
	}
	log_init(fmt >= 0 ? (enum log_format)fmt :
	    conf->log_format == CONFIG_LOG_LOGFMT ? LOG_LOGFMT : LOG_JSON,
	    verbose ? LOG_DEBUG : LOG_INFO);
	return daemon_run(conf, path);
}
