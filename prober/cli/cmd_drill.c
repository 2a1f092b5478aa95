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
#include "probe/runner.h"
#include "conf/scenario.h"
#include "conf/secret.h"
#include "conf/target.h"

#define DRILL_MAX_SOURCES	256
#define DRILL_FD_RESERVE	64	/* DNS, logs, reports, stdio */

#define drill_bad(...) \
	cli_usage_error("drill", "SCENARIO --target URI [OPTIONS]", \
	    EXIT_USAGE, __VA_ARGS__)

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
"  --duration SECONDS      stop the drill after this long\n"
"  --timeout SECONDS       default deadline of a step (default 10)\n"
"  --shard I/N             run shard I (0-based) of N: a share of clients\n"
"  --source-addresses A-B  spread connections over local addresses\n"
"                          (e.g. 127.0.0.1-127.0.0.8)\n"
"  --dns-server IP[:PORT]  resolve through this server (repeatable)\n"
"  --max-failure-ratio R   pass if at most R of the expectations fail (0)\n"
"  --report-json FILE      write the JSON report\n"
"  --report-html FILE      write the HTML report\n"
"  --tls-min 1.2|1.3       lowest TLS version to offer\n"
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
	if (inet_pton(AF_INET, a, &lo) != 1 || inet_pton(AF_INET, b, &hi) != 1 ||
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
	rlim_t		per = drill_has_silent_drop(sc->steps, sc->nsteps) ? 2 : 1;
	rlim_t		need = (rlim_t)clients * per + DRILL_FD_RESERVE;

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
drill_cb_keepalive(unsigned client, double rtt, void *arg)
{
	struct drill_run *r = arg;

	(void)client;
	drill_on_keepalive(r->drill, rtt);
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

int
cmd_drill(int argc, char **argv)
{
	struct common_opts	 co;
	struct drill_run	 r;
	struct drill_settings	 ds;
	struct target		 t;
	struct sc_locate_opts	 lo;
	struct sockaddr_storage	 sources[DRILL_MAX_SOURCES];
	size_t			 nsources = 0;
	struct credentials	 cred;
	const char		*uri = NULL;
	const char		*json_path = NULL, *html_path = NULL;
	char			*password = NULL, err[600];
	double			 v, clients = 0, ramp = -1, duration = 0;
	double			 max_ratio = 0;
	unsigned		 shard_i = 0, shard_n = 1, total, first;
	int			 ch, rc = EXIT_USAGE;
	json_t			*doc = NULL;

	common_defaults(&co);
	memset(&cred, 0, sizeof(cred));
	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", drill_longopts, NULL))
	    != -1) {
		switch (credentials_option(&cred, ch, optarg, err,
		    sizeof(err))) {
		case 1:
			continue;
		case -1:
			return drill_bad("%s", err);
		}
		switch (common_option(&co, ch, optarg, err, sizeof(err))) {
		case 1:
			if (ch == COMMON_OPT_BASE + 6 ||
			    ch == COMMON_OPT_BASE + 7 ||
			    ch == COMMON_OPT_BASE + 9 ||
			    ch == COMMON_OPT_BASE + 10)
				return drill_bad("%s is not a drill option",
				    argv[optind - 1]);
			continue;
		case -1:
			return drill_bad("%s", err);
		}
		switch (ch) {
		case 'T':
			uri = optarg;
			break;
		case 'n':
			if (common_number(optarg, 1, SCENARIO_MAX_CLIENTS,
			    &clients) == -1 || clients != (unsigned)clients)
				return drill_bad("--clients takes a whole "
				    "number from 1 to %u, not \"%s\"",
				    SCENARIO_MAX_CLIENTS, optarg);
			break;
		case 'r':
			if (common_number(optarg, 0, 1e6, &ramp) == -1)
				return drill_bad("--ramp takes clients per "
				    "second (0: all at once), not \"%s\"",
				    optarg);
			break;
		case 'd':
			if (common_number(optarg, 0.001, 86400 * 7, &duration)
			    == -1)
				return drill_bad("--duration takes seconds, "
				    "not \"%s\"", optarg);
			break;
		case 's':
			if (sscanf(optarg, "%u/%u", &shard_i, &shard_n) != 2 ||
			    shard_n == 0 || shard_i >= shard_n ||
			    shard_n > 100000)
				return drill_bad("--shard takes I/N with 0 <= I "
				    "< N, not \"%s\"", optarg);
			break;
		case 'S':
			if (drill_sources(optarg, sources, &nsources) == -1)
				return drill_bad("--source-addresses takes an "
				    "address or an IPv4 range A-B of at most "
				    "%d addresses, not \"%s\"",
				    DRILL_MAX_SOURCES, optarg);
			break;
		case 'm':
			if (common_number(optarg, 0, 1, &v) == -1)
				return drill_bad("--max-failure-ratio takes a "
				    "ratio from 0 to 1, not \"%s\"", optarg);
			max_ratio = v;
			break;
		case 'J':
			json_path = optarg;
			break;
		case 'H':
			html_path = optarg;
			break;
		case 'h':
			drill_usage(stdout);
			return 0;
		default:
			return drill_bad("bad option");
		}
	}
	if (optind != argc - 1)
		return drill_bad("%s", optind >= argc ? "no scenario file given"
		    : "give exactly one scenario file");
	if (uri == NULL)
		return drill_bad("--target sips:DOMAIN is needed: the domain "
		    "the certificates must name and the clients register in");
	if (common_validate(&co, err, sizeof(err)) == -1)
		return drill_bad("%s", err);

	if ((r.scenario = scenario_load(argv[optind], err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "sipcanary drill: %s\n", err);
		return EXIT_USAGE;
	}
	if (cred.user != NULL) {
		free(r.scenario->user);
		free(r.scenario->user_template);
		r.scenario->user_template = NULL;
		if ((r.scenario->user = strdup(cred.user)) == NULL)
			goto nomem;
	}
	if (credentials_password(&cred, r.scenario->password_file, &password,
	    err, sizeof(err)) == -1) {
		rc = drill_bad("%s", err);
		goto done;
	}

	total = clients > 0 ? (unsigned)clients : r.scenario->clients;
	if (total == 0)
		total = 1;
	/* Shard i takes clients [i*total/N, (i+1)*total/N). */
	first = (unsigned)((unsigned long long)total * shard_i / shard_n);
	r.eo.clients = (unsigned)((unsigned long long)total * (shard_i + 1) /
	    shard_n) - first;
	if (r.eo.clients == 0) {
		fprintf(stderr, "sipcanary drill: shard %u/%u has no clients "
		    "(%u in all)\n", shard_i, shard_n, total);
		rc = 0;
		goto done;
	}
	if (drill_nofile(r.scenario, r.eo.clients, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "sipcanary drill: %s\n", err);
		goto done;
	}
	if (target_parse_uri(&t, uri, err, sizeof(err)) == -1 ||
	    (co.connect != NULL && target_parse_hostport(co.connect,
	    &t.connect_host, &t.connect_port, err, sizeof(err)) == -1)) {
		rc = drill_bad("%s", err);
		goto done;
	}
	if ((r.drill = drill_new(r.scenario)) == NULL ||
	    (r.base = sc_event_base_new()) == NULL)
		goto nomem;
	if ((r.eo.tls_ctx = sc_tls_ctx_new(co.ca_file, co.tls_min, 0, err,
	    sizeof(err))) == NULL) {
		rc = drill_bad("%s", err);
		goto done;
	}
	r.eo.scenario = r.scenario;
	r.eo.uri = t.uri;
	r.eo.domain = t.domain;
	r.eo.password = password;
	r.eo.first_client = first;
	r.eo.ramp = ramp >= 0 ? ramp / shard_n : r.scenario->ramp / shard_n;
	r.eo.duration = duration;
	r.eo.timeout = co.timeout;
	r.eo.warn_days = co.warn_days;
	r.eo.crit_days = co.crit_days;
	r.eo.user_name = scenario_user;
	r.eo.sources = nsources > 0 ? sources : NULL;
	r.eo.nsources = nsources;
	r.eo.trace = co.verbose ? stderr : NULL;
	r.tty = isatty(STDERR_FILENO);

	r.progress = event_new(r.base, -1, EV_PERSIST, drill_tick, &r);
	r.sigint = evsignal_new(r.base, SIGINT, drill_signal, &r);
	r.sigterm = evsignal_new(r.base, SIGTERM, drill_signal, &r);
	if (r.progress == NULL || r.sigint == NULL || r.sigterm == NULL)
		goto nomem;
	{
		struct timeval one = { 1, 0 };

		event_add(r.progress, &one);
		event_add(r.sigint, NULL);
		event_add(r.sigterm, NULL);
	}
	memset(&lo, 0, sizeof(lo));
	lo.name = t.connect_host != NULL ? t.connect_host : t.domain;
	lo.port = t.connect_host != NULL ? t.connect_port : t.uri_port;
	lo.explicit = t.connect_host != NULL || t.uri_port != 0;
	lo.dns_servers = co.dns_servers[0] != '\0' ? co.dns_servers : NULL;
	lo.timeout = co.timeout;
	if ((r.locate = sc_locate_start(r.base, &lo, drill_located, &r, err,
	    sizeof(err))) == NULL) {
		rc = drill_bad("%s", err);
		goto done;
	}
	event_base_dispatch(r.base);
	r.drill->wall_end = time(NULL);
	if (r.engine != NULL) {
		struct sc_engine_counts n;

		sc_engine_counts(r.engine, &n);
		drill_sample(r.drill, n.started, n.active);
		drill_progress_line(&r, 1);
	}
	if (!r.located_ok || r.engine == NULL) {
		fprintf(stderr, "sipcanary drill: cannot start: %s\n",
		    r.error[0] != '\0' ? r.error : "interrupted");
		rc = EXIT_PROBE_FAILED;
		goto done;
	}

	memset(&ds, 0, sizeof(ds));
	ds.scenario_file = argv[optind];
	ds.target = t.uri;
	ds.connect = co.connect;
	ds.clients = total;
	ds.ramp = ramp >= 0 ? ramp : r.scenario->ramp;
	ds.duration = duration > 0 ? duration : r.scenario->duration;
	ds.shard_index = shard_i;
	ds.shard_count = shard_n;
	ds.max_failure_ratio = max_ratio;
	if ((doc = drill_report(r.drill, &ds)) == NULL)
		goto nomem;
	rc = json_is_true(json_object_get(json_object_get(doc, "summary"),
	    "passed")) ? 0 : EXIT_PROBE_FAILED;
	if (drill_write_reports(doc, json_path, html_path) == -1)
		rc = EXIT_PROBE_FAILED;
	{
		uint64_t failed, n = drill_expectations(r.drill, &failed);

		fprintf(stderr, "sipcanary drill: %s: %u clients ok, %u failed; "
		    "%llu of %llu expectations failed (ratio %.4f, allowed "
		    "%.4f)\n", rc == 0 ? "PASSED" : "FAILED",
		    r.drill->clients_ok, r.drill->clients_failed,
		    (unsigned long long)failed, (unsigned long long)n,
		    drill_failure_ratio(r.drill), max_ratio);
	}
	goto done;
nomem:
	fprintf(stderr, "sipcanary drill: out of memory\n");
	rc = EXIT_PROBE_FAILED;
done:
	json_decref(doc);
	sc_engine_free(r.engine);
	sc_locate_free(r.locate);
	if (r.progress != NULL)
		event_free(r.progress);
	if (r.sigint != NULL)
		event_free(r.sigint);
	if (r.sigterm != NULL)
		event_free(r.sigterm);
	sc_tls_ctx_free(r.eo.tls_ctx);
	if (r.base != NULL)
		event_base_free(r.base);
	drill_free(r.drill);
	free(r.frontends);
	scenario_free(r.scenario);
	secret_free(password);
	target_clear(&t);
	return rc;
}
