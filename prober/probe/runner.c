/*
 * runner.c - options common to check and certs, and one round of probes:
 * locate the frontends of a target, probe them all concurrently on one
 * event loop, and collect the results into a report.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "probe/runner.h"
#include "conf/secret.h"
#include "conf/defaults.h"

void
common_defaults(struct common_opts *co)
{
	memset(co, 0, sizeof(*co));
	co->timeout = 10;
	co->warn_days = CF_WARN_DAYS;
	co->crit_days = CF_CRIT_DAYS;
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

int
common_option(struct common_opts *co, int ch, const char *arg, char *err,
    size_t errlen)
{
	double v;

	switch (ch) {
	case COMMON_OPT_BASE + 0:
		co->connect = arg;
		return 1;
	case COMMON_OPT_BASE + 1:
		co->ca_file = arg;
		return 1;
	case COMMON_OPT_BASE + 2:
		if (common_number(arg, 0.001, 86400, &co->timeout) == -1) {
			snprintf(err, errlen, "--timeout takes seconds between "
			    "0 and 86400, not \"%s\"", arg);
			return -1;
		}
		return 1;
	case COMMON_OPT_BASE + 3:
		if ((co->tls_min = sc_tls_parse_version(arg)) == 0) {
			snprintf(err, errlen, "--tls-min takes 1.2 or 1.3, not "
			    "\"%s\"", arg);
			return -1;
		}
		return 1;
	case COMMON_OPT_BASE + 4:
	case COMMON_OPT_BASE + 5:
		if (common_number(arg, 1, 3650, &v) == -1 || v != (int)v) {
			snprintf(err, errlen, "--%s takes whole days from 1 to "
			    "3650, not \"%s\"", ch == COMMON_OPT_BASE + 4 ?
			    "warn-days" : "crit-days", arg);
			return -1;
		}
		if (ch == COMMON_OPT_BASE + 4)
			co->warn_days = (int)v;
		else
			co->crit_days = (int)v;
		return 1;
	case COMMON_OPT_BASE + 6:
		co->owner = arg;
		return 1;
	case COMMON_OPT_BASE + 7:
		co->format = FMT_JSON;
		return 1;
	case COMMON_OPT_BASE + 8:
		return common_dns_server(co, arg, err, errlen) == -1 ? -1 : 1;
	case COMMON_OPT_BASE + 9:
		if (common_number(arg, 1, 4096, &v) == -1 || v != (int)v) {
			snprintf(err, errlen, "--parallel takes a whole number "
			    "from 1 to 4096, not \"%s\"", arg);
			return -1;
		}
		co->parallel = (int)v;
		return 1;
	case COMMON_OPT_BASE + 10:
		co->allow_mixed = 1;
		return 1;
	case 'v':
		co->verbose = 1;
		return 1;
	}
	return 0;
}

int
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
		if ((*out = secret_read_file(file, cr->insecure, err, errlen))
		    == NULL)
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

/* One round of probes of one target. */
struct run {
	struct event_base	*base;
	struct check_report	*report;
	struct sc_probe_opts	 po;
	struct sc_locate	*locate;
	struct run_slot		*slots;
	size_t			 next;		/* next frontend to start */
	size_t			 running;
	size_t			 parallel;
	double			 deadline;
};

struct run_slot {
	struct run	*run;
	size_t		 i;
	struct sc_probe	*probe;
};

static void	run_fill(struct run *);

static void
run_probe_done(struct sc_result *r, void *arg)
{
	struct run_slot	*slot = arg;
	struct run	*run = slot->run;

	/* Take the result over; the probe's copy dies with the probe. */
	run->report->results[slot->i] = *r;
	memset(&r->cert, 0, sizeof(r->cert));
	run->running--;
	run_fill(run);
}

/* Starts probes until --parallel are running or none is left. */
static void
run_fill(struct run *run)
{
	struct check_report *cr = run->report;

	while (run->running < run->parallel && run->next < cr->nresults) {
		size_t			 i = run->next++;
		struct sc_probe_opts	 o = run->po;
		double			 left = run->deadline - sc_clock_now();

		/* Past the deadline, a queued frontend is not probed at all. */
		if (left < 0.01) {
			cr->results[i].verdict = SC_NOT_PROBED;
			cr->results[i].severity = SC_SEV_UNKNOWN;
			snprintf(cr->results[i].address,
			    sizeof(cr->results[i].address),
			    strchr(cr->frontends[i].host, ':') != NULL ?
			    "[%s]:%u" : "%s:%u", cr->frontends[i].host,
			    cr->frontends[i].port);
			snprintf(cr->results[i].error,
			    sizeof(cr->results[i].error), "not probed: "
			    "--timeout ran out with %zu frontends and "
			    "--parallel %zu", cr->nresults, run->parallel);
			continue;
		}
		/* A queued probe gets what is left of the run's time. */
		if (left < o.timeout)
			o.timeout = left;
		o.host = cr->frontends[i].host;
		o.port = cr->frontends[i].port;
		run->slots[i].run = run;
		run->slots[i].i = i;
		run->slots[i].probe = sc_probe_start(run->base, &o,
		    run_probe_done, &run->slots[i]);
		if (run->slots[i].probe == NULL) {
			snprintf(cr->results[i].error,
			    sizeof(cr->results[i].error), "out of memory");
			cr->results[i].severity = SC_SEV_UNKNOWN;
			continue;
		}
		run->running++;
	}
	if (run->running == 0 && run->next >= cr->nresults)
		event_base_loopbreak(run->base);
}

static void
run_located(enum sc_verdict v, const char *why, const struct sc_frontend *fe,
    size_t n, double seconds, void *arg)
{
	struct run		*run = arg;
	struct check_report	*cr = run->report;
	size_t			 i;

	cr->dns_seconds = seconds;
	if (v != SC_OK) {
		cr->verdict = v;
		snprintf(cr->error, sizeof(cr->error), "%s", why);
		event_base_loopbreak(run->base);
		return;
	}
	run->slots = calloc(n, sizeof(*run->slots));
	cr->results = calloc(n, sizeof(*cr->results));
	cr->frontends = calloc(n, sizeof(*cr->frontends));
	if (run->slots == NULL || cr->results == NULL ||
	    cr->frontends == NULL) {
		cr->verdict = SC_INTERNAL_ERROR;
		snprintf(cr->error, sizeof(cr->error), "out of memory");
		event_base_loopbreak(run->base);
		return;
	}
	memcpy(cr->frontends, fe, n * sizeof(*fe));
	cr->nresults = n;
	for (i = 0; i < n; i++)
		sc_result_init(&cr->results[i]);
	run_fill(run);
}

/* A frontend that can take new connections, possibly with a warning. */
static int
run_up(const struct sc_result *r)
{
	return r->verdict == SC_OK || r->verdict == SC_CERT_EXPIRING;
}

/*
 * The target's verdict (see sipcanary(1), OVERALL VERDICT): ok when every
 * frontend is; WARNING when some fail but the highest-priority SRV group
 * still has one up, or when the frontends are inconsistent; CRITICAL when
 * no frontend of that group is up.  Certificate warnings of frontends
 * that are up carry their own severity.
 */
static void
run_summarize(struct check_report *cr, int allow_mixed)
{
	size_t		 i;
	unsigned	 top;
	int		 top_up = 0, failed = 0;
	enum sc_severity sev = SC_SEV_OK;

	if (cr->nresults == 0) {
		cr->severity = sc_verdict_severity(cr->verdict);
		return;
	}
	top = cr->frontends[0].priority;	/* sorted: lowest first */
	cr->verdict = SC_OK;
	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result *r = &cr->results[i];

		if (run_up(r)) {
			if (cr->frontends[i].priority == top)
				top_up = 1;
			if (r->severity > sev)
				sev = r->severity;
		} else
			failed = 1;
		if (r->verdict != SC_OK && (cr->verdict == SC_OK ||
		    (cr->verdict == SC_CERT_EXPIRING && !run_up(r))))
			cr->verdict = r->verdict;
	}
	if (failed && !top_up)
		sev = SC_SEV_CRITICAL;
	else if (failed && sev < SC_SEV_WARNING)
		sev = SC_SEV_WARNING;
	if (consistency_check(cr->results, cr->nresults, allow_mixed,
	    &cr->consistency) == 0 && !cr->consistency.ok) {
		if (cr->verdict == SC_OK)
			cr->verdict = SC_CERT_INCONSISTENT;
		if (sev < SC_SEV_WARNING)
			sev = SC_SEV_WARNING;
	}
	cr->severity = sev;
}

int
runner_target(const char *uri, const struct common_opts *co,
    const struct sc_probe_opts *po, struct check_report *out, char *err,
    size_t errlen)
{
	struct run		 run;
	struct target		 t;
	struct sc_locate_opts	 lo;
	size_t			 i;
	int			 rc = -1;

	memset(&run, 0, sizeof(run));
	memset(out, 0, sizeof(*out));
	out->dns_seconds = -1;
	out->verdict = SC_INTERNAL_ERROR;
	if (target_parse_uri(&t, uri, err, errlen) == -1)
		return -1;
	if (co->connect != NULL && target_parse_hostport(co->connect,
	    &t.connect_host, &t.connect_port, err, errlen) == -1)
		goto done;
	if ((out->target = strdup(t.uri)) == NULL ||
	    (co->owner != NULL && (out->owner = strdup(co->owner)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	run.report = out;
	run.po = *po;
	run.parallel = co->parallel > 0 ? (size_t)co->parallel : 16;
	run.deadline = sc_clock_now() + po->timeout;
	run.po.uri = t.uri;
	run.po.domain = t.domain;
	if ((run.base = sc_event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot create the event loop");
		goto done;
	}
	memset(&lo, 0, sizeof(lo));
	lo.name = t.connect_host != NULL ? t.connect_host : t.domain;
	lo.port = t.connect_host != NULL ? t.connect_port : t.uri_port;
	lo.explicit = t.connect_host != NULL || t.uri_port != 0;
	lo.dns_servers = co->dns_servers[0] != '\0' ? co->dns_servers : NULL;
	lo.timeout = po->timeout;
	run.locate = sc_locate_start(run.base, &lo, run_located, &run, err,
	    errlen);
	if (run.locate == NULL)
		goto done;
	event_base_dispatch(run.base);
	run_summarize(out, co->allow_mixed);
	rc = 0;
done:
	for (i = 0; run.slots != NULL && i < out->nresults; i++)
		sc_probe_free(run.slots[i].probe);
	free(run.slots);
	sc_locate_free(run.locate);
	if (run.base != NULL)
		event_base_free(run.base);
	target_clear(&t);
	return rc;
}

void
runner_report_clear(struct check_report *cr)
{
	size_t i;

	for (i = 0; cr->results != NULL && i < cr->nresults; i++)
		sc_result_clear(&cr->results[i]);
	free(cr->results);
	free(cr->frontends);
	consistency_clear(&cr->consistency);
	free(cr->target);
	free(cr->owner);
	memset(cr, 0, sizeof(*cr));
}
