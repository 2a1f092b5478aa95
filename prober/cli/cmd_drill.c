/*
 * cmd_drill.c - `sipcanary drill`: N simulated clients run a scenario
 * against a target, with live progress, and JSON and HTML reports.
 * Ctrl-C stops the drill cleanly and still writes the reports.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "cli/cli.h"
#include "drill/drill.h"
#include "drill/report_html.h"
#include "cli/options.h"
#include "probe/runner.h"
#include "conf/scenario.h"
#include "conf/secret.h"
#include "conf/target.h"

#define DRILL_MAX_SOURCES	256
#define DRILL_FD_RESERVE	64	/* DNS, logs, reports, stdio */

#define DRILL_USAGE	"SCENARIO --target URI [OPTIONS]"
#define drill_bad(...) \
	cli_usage_error("drill", DRILL_USAGE, EXIT_USAGE, __VA_ARGS__)

/* What the command line asks of a drill. */
struct drill_args {
	struct common_opts	 co;
	struct credentials	 cred;
	const char		*scenario_file;
	const char		*uri;
	const char		*json_path;
	const char		*html_path;
	double			 clients;	/* 0: the scenario's */
	double			 ramp;		/* < 0: the scenario's */
	double			 duration;	/* 0: the scenario's */
	double			 max_ratio;
	unsigned		 shard_i;
	unsigned		 shard_n;
	struct sockaddr_storage	 sources[DRILL_MAX_SOURCES];
	size_t			 nsources;
};

struct drill_run {
	struct event_base	*base;
	struct sc_scenario	*scenario;
	struct drill		*drill;
	struct sc_engine	*engine;
	struct sc_locate	*locate;
	struct sc_engine_opts	 eo;
	struct sc_frontend	*frontends;
	struct event		*progress;
	struct event		*sigint;
	struct event		*sigterm;
	struct target		 target;
	char			*password;
	unsigned		 total;		/* clients of all shards */
	int			 tty;
	int			 located_ok;
	char			 error[600];
	double			 last_t;
	uint64_t		 last_done;
};

static void
drill_usage(FILE *fp)
{
	fprintf(fp,
"usage: sipcanary drill SCENARIO --target sips:DOMAIN [OPTIONS]\n"
"\n"
"Runs simulated clients through a scenario file (sipcanary-scenario(5))\n"
"against every frontend of DOMAIN, shows live progress, and writes JSON\n"
"and HTML reports.  Ctrl-C stops cleanly and still writes the reports.\n"
"\n"
"options:\n"
"  --target URI            the SIP domain (identity, SNI, AOR domain)\n"
"  --connect HOST[:PORT]   connect here instead of locating DOMAIN\n"
"  --ca-file FILE          trust these CAs (default: the system store)\n"
"  --user USER             user for every client (overrides the scenario)\n"
"  --password-file FILE    the password (mode 0600); or SIPCANARY_PASSWORD\n"
"  --clients N             clients in the whole drill (default: scenario)\n"
"  --ramp N                new clients per second (0: all at once)\n"
"  --duration DURATION     stop the drill after this long (90, 90s, 10m)\n"
"  --timeout DURATION      default deadline of a step (default 10s)\n"
"  --shard I/N             run shard I (0-based) of N: a share of clients\n"
"  --source-addresses A-B  spread connections over local addresses\n"
"                          (e.g. 127.0.0.1-127.0.0.8)\n"
"  --dns-server IP[:PORT]  resolve through this server (repeatable)\n"
"  --max-failure-ratio R   pass if at most R of the expectations fail (0)\n"
"  --report-json FILE      write the JSON report\n"
"  --report-html FILE      write the HTML report\n"
"  --tls-min 1.2|1.3       lowest TLS version to offer\n"
PROFILE_HELP
WSS_KEYLOG_HELP
HEP_HELP
"  --revocation POLICY     auto, staple, ocsp, crl or off (default auto)\n"
"  --crl-max-size SIZE     the largest CRL fetched (default 16MiB)\n"
"  -v, --verbose           trace SIP messages (secrets redacted)\n"
"  -h, --help              this help\n"
"\n"
"Exit status: 0 every expectation held (within --max-failure-ratio),\n"
"1 otherwise, 2 usage error or bad scenario file.\n"
"\n"
"examples:\n"
"  sipcanary drill scenarios/reconnect-storm.scn --target sips:example.com \\\n"
"      --user probe1 --password-file probe1.pw --clients 5000 --ramp 1000 \\\n"
"      --report-json storm.json --report-html storm.html\n"
"  sipcanary drill scenarios/register-fresh.scn --target sips:example.com \\\n"
"      --shard 0/4 --report-json shard0.json\n");
}

static const struct option drill_longopts[] = {
	COMMON_LONGOPTS,
	CREDENTIAL_LONGOPTS,
	PROFILE_LONGOPTS,
	{ "target",		required_argument,	NULL, 'T' },
	{ "clients",		required_argument,	NULL, 'n' },
	{ "ramp",		required_argument,	NULL, 'r' },
	{ "duration",		required_argument,	NULL, 'd' },
	{ "shard",		required_argument,	NULL, 's' },
	{ "source-addresses",	required_argument,	NULL, 'S' },
	{ "max-failure-ratio",	required_argument,	NULL, 'm' },
	{ "report-json",	required_argument,	NULL, 'J' },
	{ "report-html",	required_argument,	NULL, 'H' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Common options that make no sense for a drill. */
static const int drill_refused[] = {
	COMMON_OPT_OWNER, COMMON_OPT_JSON, COMMON_OPT_PARALLEL,
	COMMON_OPT_ALLOW_MIXED, 0
};

static const struct cli_command drill_command = {
	"drill", DRILL_USAGE, EXIT_USAGE, drill_longopts, drill_refused
};

/* "127.0.0.1-127.0.0.8", "127.0.0.1", or "::1". */
static int
drill_sources(const char *arg, struct sockaddr_storage *out, size_t *n)
{
	char		 a[64], b[64];
	const char	*dash = strchr(arg, '-');
	struct in_addr	 lo, hi;
	uint32_t	 i;

	*n = 0;
	if (dash == NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out[0];
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out[0];

		memset(&out[0], 0, sizeof(out[0]));
		if (inet_pton(AF_INET, arg, &s4->sin_addr) == 1)
			s4->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, arg, &s6->sin6_addr) == 1)
			s6->sin6_family = AF_INET6;
		else
			return -1;
		*n = 1;
		return 0;
	}
	if ((size_t)(dash - arg) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
		return -1;
	snprintf(a, sizeof(a), "%.*s", (int)(dash - arg), arg);
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (inet_pton(AF_INET, a, &lo) != 1 ||
	    inet_pton(AF_INET, b, &hi) != 1 ||
	    ntohl(hi.s_addr) < ntohl(lo.s_addr) ||
	    ntohl(hi.s_addr) - ntohl(lo.s_addr) >= DRILL_MAX_SOURCES)
		return -1;
	for (i = ntohl(lo.s_addr); i <= ntohl(hi.s_addr); i++) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out[*n];

		memset(&out[*n], 0, sizeof(out[*n]));
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(i);
		(*n)++;
	}
	return 0;
}

/* Whether a step, here or in a repeat, drops its flow silently. */
static int
drill_has_silent_drop(const struct sc_step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((steps[i].kind == SC_STEP_BREAK &&
		    steps[i].how == SC_BREAK_SILENT_DROP) ||
		    (steps[i].kind == SC_STEP_REPEAT &&
		    drill_has_silent_drop(steps[i].body, steps[i].nbody)))
			return 1;
	return 0;
}

/*
 * Raises the descriptor limit as far as allowed; -1 if still too low.
 * A client holds one descriptor, two where a silently dropped flow
 * keeps its own open while the client reconnects.
 */
static int
drill_nofile(const struct sc_scenario *sc, unsigned clients, char *err,
    size_t errlen)
{
	struct rlimit	rl;
	rlim_t		per, need;

	per = drill_has_silent_drop(sc->steps, sc->nsteps) ? 2 : 1;
	need = (rlim_t)clients * per + DRILL_FD_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		snprintf(err, errlen, "%u clients need up to %llu file "
		    "descriptors but the limit is %llu: raise it (ulimit -n "
		    "%llu, or LimitNOFILE= in a systemd unit), or shard the "
		    "drill with --shard", clients, (unsigned long long)need,
		    (unsigned long long)rl.rlim_cur, (unsigned long long)need);
		return -1;
	}
	return 0;
}

static void
drill_progress_line(struct drill_run *r, int final)
{
	struct sc_engine_counts	 n;
	char			 line[512], part[128];
	double			 now = sc_clock_now(), rate = 0;
	uint64_t		 failed, done;
	size_t			 i, len;
	struct winsize		 ws;
	int			 width = 80;

	memset(&n, 0, sizeof(n));
	if (r->engine != NULL)
		sc_engine_counts(r->engine, &n);
	done = drill_expectations(r->drill, &failed);
	if (now > r->last_t && r->last_t > 0)
		rate = (double)(done - r->last_done) / (now - r->last_t);
	r->last_t = now;
	r->last_done = done;
	snprintf(line, sizeof(line), "[%5.1fs] clients %u started %u active "
	    "%u ok %u failed | steps %llu failed %llu | %.0f/s",
	    now - r->drill->t_start, n.started, n.active, n.ok, n.failed,
	    (unsigned long long)done, (unsigned long long)failed, rate);
	for (i = 0; i < r->drill->nsteps; i++) {
		const struct drill_step *ds = &r->drill->steps[i];

		if (ds->attempts == 0)
			continue;
		snprintf(part, sizeof(part), " | %s p50 %.1fms p99 %.1fms",
		    ds->step->label != NULL ? ds->step->label :
		    sc_step_kind_str(ds->step->kind),
		    histogram_percentile(ds->latency, 0.5) * 1000,
		    histogram_percentile(ds->latency, 0.99) * 1000);
		len = strlen(line);
		snprintf(line + len, sizeof(line) - len, "%s", part);
	}
	if (r->tty) {
		if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
			width = ws.ws_col;
		fprintf(stderr, "\r\033[K%.*s%s", width - 1, line,
		    final ? "\n" : "");
	} else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

static void
drill_tick(evutil_socket_t fd, short what, void *arg)
{
	struct drill_run	*r = arg;
	struct sc_engine_counts	 n;
	static unsigned		 ticks;

	(void)fd; (void)what;
	if (r->engine == NULL)
		return;
	sc_engine_counts(r->engine, &n);
	drill_sample(r->drill, n.started, n.active);
	/* A TTY redraws every tick; a log gets a line every 5 seconds. */
	if (r->tty || ++ticks % 5 == 0)
		drill_progress_line(r, 0);
}

static void
drill_signal(evutil_socket_t fd, short what, void *arg)
{
	struct drill_run *r = arg;

	(void)fd; (void)what;
	if (r->drill->interrupted)
		return;
	r->drill->interrupted = 1;
	if (r->tty)
		fputc('\n', stderr);
	fprintf(stderr, "sipcanary drill: interrupted; stopping clients and "
	    "writing the reports\n");
	if (r->engine != NULL)
		sc_engine_stop(r->engine);
	else
		event_base_loopbreak(r->base);
}

static void
drill_cb_step(const struct sc_step_event *ev, void *arg)
{
	struct drill_run *r = arg;

	drill_on_step(r->drill, ev);
}

static void
drill_cb_reconnect(unsigned client, double seconds, int deliberate,
    void *arg)
{
	struct drill_run *r = arg;

	(void)client; (void)deliberate;
	drill_on_reconnect(r->drill, seconds);
}

static void
drill_cb_keepalive(unsigned client, double rtt, const char *kind, void *arg)
{
	struct drill_run *r = arg;

	(void)client;
	drill_on_keepalive(r->drill, rtt, kind);
}

static void
drill_cb_client(unsigned client, int ok, struct sc_result *res, void *arg)
{
	struct drill_run *r = arg;

	(void)client; (void)res;
	drill_on_client(r->drill, ok);
}

static void
drill_cb_start(unsigned client, void *arg)
{
	struct drill_run *r = arg;

	(void)client;
	drill_on_start(r->drill);
}

static void
drill_cb_done(void *arg)
{
	struct drill_run *r = arg;

	event_base_loopbreak(r->base);
}

static const struct sc_engine_cbs drill_cbs = {
	.on_step = drill_cb_step,
	.on_reconnect = drill_cb_reconnect,
	.on_keepalive = drill_cb_keepalive,
	.on_client = drill_cb_client,
	.on_done = drill_cb_done,
	.on_start = drill_cb_start,
};

static void
drill_located(enum sc_verdict v, const char *why,
    const struct sc_frontend *fe, size_t n, double seconds, void *arg)
{
	struct drill_run	*r = arg;
	char			 err[256];

	(void)seconds;
	if (v != SC_OK) {
		snprintf(r->error, sizeof(r->error), "%s: %s",
		    sc_verdict_str(v), why);
		event_base_loopbreak(r->base);
		return;
	}
	if ((r->frontends = calloc(n, sizeof(*fe))) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		event_base_loopbreak(r->base);
		return;
	}
	memcpy(r->frontends, fe, n * sizeof(*fe));
	r->eo.frontends = r->frontends;
	r->eo.nfrontends = n;
	r->located_ok = 1;
	r->engine = sc_engine_start(r->base, &r->eo, &drill_cbs, r, err,
	    sizeof(err));
	if (r->engine == NULL) {
		snprintf(r->error, sizeof(r->error), "%s", err);
		event_base_loopbreak(r->base);
	}
}

static int
drill_write_reports(json_t *doc, const char *json_path, const char *html_path)
{
	FILE	*fp;
	char	 err[256];
	int	 rc = 0;

	if (json_path != NULL && json_dump_file(doc, json_path,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER) == -1) {
		fprintf(stderr, "sipcanary drill: cannot write %s: %s\n",
		    json_path, strerror(errno));
		rc = -1;
	}
	if (html_path != NULL) {
		if ((fp = fopen(html_path, "w")) == NULL) {
			fprintf(stderr, "sipcanary drill: cannot write %s: "
			    "%s\n", html_path, strerror(errno));
			return -1;
		}
		if (report_html_write(fp, doc, err, sizeof(err)) == -1) {
			fprintf(stderr, "sipcanary drill: %s: %s\n", html_path,
			    err);
			rc = -1;
		}
		if (fclose(fp) == EOF) {
			fprintf(stderr, "sipcanary drill: cannot write %s: "
			    "%s\n", html_path, strerror(errno));
			rc = -1;
		}
	}
	return rc;
}

/* drill's own options: CLI_CONTINUE or the exit code. */
static int
drill_option(void *arg, int ch, const char *value)
{
	struct drill_args *a = arg;

	switch (ch) {
	case 'T':
		a->uri = value;
		break;
	case 'n':
		if (common_number(value, 1, SCENARIO_MAX_CLIENTS,
		    &a->clients) == -1 || a->clients != (unsigned)a->clients)
			return drill_bad("--clients takes a whole number from "
			    "1 to %u, not \"%s\"", SCENARIO_MAX_CLIENTS,
			    value);
		break;
	case 'r':
		if (common_number(value, 0, 1e6, &a->ramp) == -1)
			return drill_bad("--ramp takes clients per second (0: "
			    "all at once), not \"%s\"", value);
		break;
	case 'd':
		if (common_duration(value, 86400 * 7, &a->duration) == -1)
			return drill_bad("--duration takes a duration above 0 "
			    "and up to 7d (e.g. 90, 90s, 10m), not \"%s\"",
			    value);
		break;
	case 's':
		if (sscanf(value, "%u/%u", &a->shard_i, &a->shard_n) != 2 ||
		    a->shard_n == 0 || a->shard_i >= a->shard_n ||
		    a->shard_n > 100000)
			return drill_bad("--shard takes I/N with 0 <= I < N, "
			    "not \"%s\"", value);
		break;
	case 'S':
		if (drill_sources(value, a->sources, &a->nsources) == -1)
			return drill_bad("--source-addresses takes an address "
			    "or an IPv4 range A-B of at most %d addresses, not "
			    "\"%s\"", DRILL_MAX_SOURCES, value);
		break;
	case 'm':
		if (common_number(value, 0, 1, &a->max_ratio) == -1)
			return drill_bad("--max-failure-ratio takes a ratio "
			    "from 0 to 1, not \"%s\"", value);
		break;
	case 'J':
		a->json_path = value;
		break;
	case 'H':
		a->html_path = value;
		break;
	case 'h':
		drill_usage(stdout);
		return 0;
	default:
		return drill_bad("bad option");
	}
	return CLI_CONTINUE;
}

/* The command line into a: CLI_CONTINUE or the exit code. */
static int
drill_parse(struct drill_args *a, int argc, char **argv)
{
	char	err[256];
	int	rc;

	memset(a, 0, sizeof(*a));
	common_defaults(&a->co);
	a->ramp = -1;
	a->shard_n = 1;
	if ((rc = cli_parse(&drill_command, argc, argv, &a->co, &a->cred,
	    drill_option, a)) != CLI_CONTINUE)
		return rc;
	if (optind != argc - 1)
		return drill_bad("%s", optind >= argc ? "no scenario file given"
		    : "give exactly one scenario file");
	if (a->uri == NULL)
		return drill_bad("--target sips:DOMAIN is needed: the domain "
		    "the certificates must name and the clients register in");
	if (common_validate(&a->co, err, sizeof(err)) == -1)
		return drill_bad("%s", err);
	/* A storm rehearsed as one kind of client: its TLS, not its user. */
	if (cli_profile_load(&a->co.prof, err, sizeof(err)) == -1) {
		cli_profile_free(&a->co.prof);
		return drill_bad("%s", err);
	}
	a->scenario_file = argv[optind];
	return CLI_CONTINUE;
}

static int
drill_nomem(void)
{
	fprintf(stderr, "sipcanary drill: out of memory\n");
	return EXIT_PROBE_FAILED;
}

/*
 * The scenario a drill names: a path as given, or, for a bare name that
 * is no file here, NAME or NAME.scn among the installed scenarios
 * ($SIPCANARY_SCENARIOS_DIR, else the package's folder).
 */
static struct sc_scenario *
drill_scenario_load(const char *name, char *err, size_t errlen)
{
	const char	*dir = getenv("SIPCANARY_SCENARIOS_DIR");
	char		 path[4096];
	size_t		 n = strlen(name);

	if (strchr(name, '/') != NULL || access(name, F_OK) == 0)
		return scenario_load(name, err, errlen);
	if (dir == NULL || *dir == '\0')
		dir = SC_SCENARIOS_DIR;
	snprintf(path, sizeof(path), "%s/%s%s", dir, name,
	    n > 4 && strcmp(name + n - 4, ".scn") == 0 ? "" : ".scn");
	if (access(path, F_OK) == 0)
		return scenario_load(path, err, errlen);
	snprintf(err, errlen, "%.200s: cannot open: no such file here, nor "
	    "%.300s among the installed scenarios", name, path);
	return NULL;
}

/*
 * The scenario, with --user over its user, and the password:
 * CLI_CONTINUE or the exit code.
 */
static int
drill_load(struct drill_run *r, const struct drill_args *a)
{
	char err[600];

	if ((r->scenario = drill_scenario_load(a->scenario_file, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "sipcanary drill: %s\n", err);
		return EXIT_USAGE;
	}
	if (a->cred.user != NULL) {
		free(r->scenario->user);
		free(r->scenario->user_template);
		r->scenario->user_template = NULL;
		if ((r->scenario->user = strdup(a->cred.user)) == NULL)
			return drill_nomem();
	}
	if (credentials_password(&a->cred, r->scenario->password_file,
	    &r->password, err, sizeof(err)) == -1)
		return drill_bad("%s", err);
	return CLI_CONTINUE;
}

/*
 * This shard's share of the clients: CLI_CONTINUE, or 0 when it has
 * none.  Shard i takes clients [i*total/N, (i+1)*total/N).
 */
static int
drill_shard(struct drill_run *r, const struct drill_args *a)
{
	unsigned first;

	r->total = a->clients > 0 ? (unsigned)a->clients : r->scenario->clients;
	if (r->total == 0)
		r->total = 1;
	first = (unsigned)((unsigned long long)r->total * a->shard_i /
	    a->shard_n);
	r->eo.first_client = first;
	r->eo.clients = (unsigned)((unsigned long long)r->total *
	    (a->shard_i + 1) / a->shard_n) - first;
	if (r->eo.clients == 0) {
		fprintf(stderr, "sipcanary drill: shard %u/%u has no clients "
		    "(%u in all)\n", a->shard_i, a->shard_n, r->total);
		return 0;
	}
	return CLI_CONTINUE;
}

/*
 * The descriptors, the target, the event loop, the TLS context and the
 * engine's options: CLI_CONTINUE or the exit code.
 */
static int
drill_prepare(struct drill_run *r, const struct drill_args *a)
{
	struct sc_tls_opts tls;
	char err[600];

	if (drill_nofile(r->scenario, r->eo.clients, err, sizeof(err)) == -1) {
		fprintf(stderr, "sipcanary drill: %s\n", err);
		return EXIT_USAGE;
	}
	if (runner_parse_target(&r->target, a->uri, a->co.connect, err,
	    sizeof(err)) == -1)
		return drill_bad("%s", err);
	if ((r->drill = drill_new(r->scenario)) == NULL ||
	    (r->base = sc_event_base_new()) == NULL)
		return drill_nomem();
	if (common_keylog(&a->co, "drill", err, sizeof(err)) == -1 ||
	    common_hep(&a->co, err, sizeof(err)) == -1)
		return drill_bad("%s", err);
	cli_profile_tls(&a->co.prof, a->co.ca_file, a->co.tls_min, &tls);
	if ((r->eo.tls_ctx = sc_tls_ctx_new_opts(&tls, err, sizeof(err))) ==
	    NULL)
		return drill_bad("%s", err);
	r->eo.scenario = r->scenario;
	r->eo.no_results = 1;	/* the report counts clients by ok alone */
	r->eo.uri = r->target.uri;
	r->eo.domain = r->target.domain;
	r->eo.password = r->password;
	r->eo.ramp = (a->ramp >= 0 ? a->ramp : r->scenario->ramp) /
	    a->shard_n;
	r->eo.duration = a->duration;
	r->eo.timeout = a->co.timeout;
	r->eo.warn_days = a->co.warn_days;
	r->eo.revocation = cli_profile_revocation(&a->co.prof,
	    a->co.revocation);
	common_revocation(&a->co);
	r->eo.crit_days = a->co.crit_days;
	r->eo.user_name = scenario_user;
	r->eo.sources = a->nsources > 0 ? a->sources : NULL;
	r->eo.nsources = a->nsources;
	r->eo.trace = a->co.verbose ? stderr : NULL;
	r->eo.ws.on = a->co.wss || r->target.ws;
	r->eo.ws.path = a->co.ws_path;
	r->eo.ws.origin = a->co.origin;
	r->target.ws = r->eo.ws.on;
	r->tty = isatty(STDERR_FILENO);
	return CLI_CONTINUE;
}

/*
 * The progress tick, SIGINT and SIGTERM, and the lookup of the frontends
 * (the engine starts when it is done): CLI_CONTINUE or the exit code.
 */
static int
drill_start(struct drill_run *r, const struct drill_args *a)
{
	struct sc_locate_opts	 lo;
	struct timeval		 one = { 1, 0 };
	char			 err[600];

	r->progress = event_new(r->base, -1, EV_PERSIST, drill_tick, r);
	r->sigint = evsignal_new(r->base, SIGINT, drill_signal, r);
	r->sigterm = evsignal_new(r->base, SIGTERM, drill_signal, r);
	if (r->progress == NULL || r->sigint == NULL || r->sigterm == NULL)
		return drill_nomem();
	event_add(r->progress, &one);
	event_add(r->sigint, NULL);
	event_add(r->sigterm, NULL);
	runner_locate_opts(&lo, &r->target, a->co.dns_servers[0] != '\0' ?
	    a->co.dns_servers : NULL, a->co.timeout);
	if ((r->locate = sc_locate_start(r->base, &lo, drill_located, r, err,
	    sizeof(err))) == NULL)
		return drill_bad("%s", err);
	return CLI_CONTINUE;
}

/* The verdict line on stderr, after the reports. */
static void
drill_say(const struct drill_run *r, int rc, double max_ratio)
{
	uint64_t failed, n = drill_expectations(r->drill, &failed);

	fprintf(stderr, "sipcanary drill: %s: %u clients ok, %u failed; "
	    "%llu of %llu expectations failed (ratio %.4f, allowed %.4f)\n",
	    rc == 0 ? "PASSED" : "FAILED", r->drill->clients_ok,
	    r->drill->clients_failed, (unsigned long long)failed,
	    (unsigned long long)n, drill_failure_ratio(r->drill), max_ratio);
}

/* After the loop: the last progress line, the reports, the exit code. */
static int
drill_finish(struct drill_run *r, const struct drill_args *a)
{
	struct sc_engine_counts	 n;
	struct drill_settings	 ds;
	json_t			*doc;
	int			 rc;

	r->drill->wall_end = time(NULL);
	if (r->engine != NULL) {
		sc_engine_counts(r->engine, &n);
		drill_sample(r->drill, n.started, n.active);
		drill_progress_line(r, 1);
	}
	if (!r->located_ok || r->engine == NULL) {
		fprintf(stderr, "sipcanary drill: cannot start: %s\n",
		    r->error[0] != '\0' ? r->error : "interrupted");
		return EXIT_PROBE_FAILED;
	}
	memset(&ds, 0, sizeof(ds));
	ds.scenario_file = a->scenario_file;
	ds.target = r->target.uri;
	ds.connect = a->co.connect;
	ds.clients = r->total;
	ds.ramp = a->ramp >= 0 ? a->ramp : r->scenario->ramp;
	ds.duration = a->duration > 0 ? a->duration : r->scenario->duration;
	ds.shard_index = a->shard_i;
	ds.shard_count = a->shard_n;
	ds.max_failure_ratio = a->max_ratio;
	if ((doc = drill_report(r->drill, &ds)) == NULL)
		return drill_nomem();
	rc = json_is_true(json_object_get(json_object_get(doc, "summary"),
	    "passed")) ? 0 : EXIT_PROBE_FAILED;
	/* Output that could not be written, as main() rules it. */
	if (drill_write_reports(doc, a->json_path, a->html_path) == -1)
		rc = EXIT_USAGE;
	json_decref(doc);
	drill_say(r, rc, a->max_ratio);
	return rc;
}

static void
drill_run_clear(struct drill_run *r)
{
	sc_engine_free(r->engine);
	sc_locate_free(r->locate);
	if (r->progress != NULL)
		event_free(r->progress);
	if (r->sigint != NULL)
		event_free(r->sigint);
	if (r->sigterm != NULL)
		event_free(r->sigterm);
	sc_tls_ctx_free(r->eo.tls_ctx);
	/* Its fetches run on the loop: gone before it. */
	sc_revocation_cache_free();
	if (r->base != NULL)
		event_base_free(r->base);
	drill_free(r->drill);
	free(r->frontends);
	scenario_free(r->scenario);
	secret_free(r->password);
	target_clear(&r->target);
}

int
cmd_drill(int argc, char **argv)
{
	struct drill_args	 a;
	struct drill_run	 r;
	int			 rc;

	if ((rc = drill_parse(&a, argc, argv)) != CLI_CONTINUE)
		return rc;
	memset(&r, 0, sizeof(r));
	if ((rc = drill_load(&r, &a)) == CLI_CONTINUE &&
	    (rc = drill_shard(&r, &a)) == CLI_CONTINUE &&
	    (rc = drill_prepare(&r, &a)) == CLI_CONTINUE &&
	    (rc = drill_start(&r, &a)) == CLI_CONTINUE) {
		event_base_dispatch(r.base);
		rc = drill_finish(&r, &a);
	}
	drill_run_clear(&r);
	cli_profile_free(&a.co.prof);
	return rc;
}
