/*
 * runner.c - one round of probes: locate the frontends of a target, probe
 * them all concurrently on one event loop, and collect the results into
 * a report.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "probe/runner.h"

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
	return sc_verdict_up(r->verdict);
}

/* A warning verdict of a frontend that is up. */
static int
run_up_warning(enum sc_verdict v)
{
	return sc_verdict_up(v) && v != SC_OK;
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
		    (run_up_warning(cr->verdict) && !run_up(r))))
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
runner_parse_target(struct target *t, const char *uri, const char *connect,
    char *err, size_t errlen)
{
	if (target_parse_uri(t, uri, err, errlen) == -1)
		return -1;
	if (connect != NULL && target_parse_hostport(connect,
	    &t->connect_host, &t->connect_port, err, errlen) == -1) {
		target_clear(t);
		return -1;
	}
	return 0;
}

void
runner_locate_opts(struct sc_locate_opts *lo, const struct target *t,
    const char *dns_servers, double timeout)
{
	memset(lo, 0, sizeof(*lo));
	lo->name = t->connect_host != NULL ? t->connect_host : t->domain;
	lo->port = t->connect_host != NULL ? t->connect_port : t->uri_port;
	lo->explicit = t->connect_host != NULL || t->uri_port != 0;
	lo->dns_servers = dns_servers;
	lo->timeout = timeout;
	lo->ws = t->ws;
}

int
runner_target(const char *uri, const struct runner_opts *ro,
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
	if (runner_parse_target(&t, uri, ro->connect, err, errlen) == -1)
		return -1;
	if ((out->target = strdup(t.uri)) == NULL ||
	    (ro->owner != NULL && (out->owner = strdup(ro->owner)) == NULL) ||
	    (ro->profile != NULL &&
	    (out->profile = strdup(ro->profile)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	run.report = out;
	run.po = *po;
	run.parallel = ro->parallel > 0 ? ro->parallel : 16;
	run.deadline = sc_clock_now() + po->timeout;
	run.po.uri = t.uri;
	run.po.domain = t.domain;
	if (t.ws)
		run.po.ws.on = 1;	/* sips:DOMAIN;transport=ws */
	t.ws = run.po.ws.on;
	if ((run.base = sc_event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot create the event loop");
		goto done;
	}
	runner_locate_opts(&lo, &t, ro->dns_servers, po->timeout);
	run.locate = sc_locate_start(run.base, &lo, run_located, &run, err,
	    errlen);
	if (run.locate == NULL)
		goto done;
	event_base_dispatch(run.base);
	run_summarize(out, ro->allow_mixed);
	rc = 0;
done:
	for (i = 0; run.slots != NULL && i < out->nresults; i++)
		sc_probe_free(run.slots[i].probe);
	free(run.slots);
	sc_locate_free(run.locate);
	if (run.base != NULL) {
		/* Its revocation fetches run on the loop: gone before it. */
		sc_revocation_cache_detach(run.base);
		event_base_free(run.base);
	}
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
	free(cr->profile);
	memset(cr, 0, sizeof(*cr));
}
