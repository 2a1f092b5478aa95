/*
 * runner.c - options common to check and certs, and one round of probes:
 * locate the frontends of a target, probe them all concurrently on one
 * event loop, and collect the results into a report.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "runner.h"

void
common_defaults(struct common_opts *co)
{
	memset(co, 0, sizeof(*co));
	co->timeout = 10;
	co->warn_days = 30;
	co->crit_days = 7;
	co->format = FMT_TEXT;
}

static int
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
	case 'v':
		co->verbose = 1;
		return 1;
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
	size_t			 pending;
};

struct run_slot {
	struct run	*run;
	size_t		 i;
	struct sc_probe	*probe;
};

static void
run_probe_done(struct sc_result *r, void *arg)
{
	struct run_slot	*slot = arg;
	struct run	*run = slot->run;

	/* Take the result over; the probe's copy dies with the probe. */
	run->report->results[slot->i] = *r;
	memset(&r->cert, 0, sizeof(r->cert));
	if (--run->pending == 0)
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
	if (run->slots == NULL || cr->results == NULL) {
		cr->verdict = SC_INTERNAL_ERROR;
		snprintf(cr->error, sizeof(cr->error), "out of memory");
		event_base_loopbreak(run->base);
		return;
	}
	cr->nresults = n;
	for (i = 0; i < n; i++) {
		struct sc_probe_opts o = run->po;

		o.host = fe[i].host;
		o.port = fe[i].port;
		sc_result_init(&cr->results[i]);
		run->slots[i].run = run;
		run->slots[i].i = i;
		run->pending++;
		run->slots[i].probe = sc_probe_start(run->base, &o,
		    run_probe_done, &run->slots[i]);
		if (run->slots[i].probe == NULL) {
			run->pending--;
			snprintf(cr->results[i].error,
			    sizeof(cr->results[i].error), "out of memory");
			cr->results[i].severity = SC_SEV_UNKNOWN;
		}
	}
	if (run->pending == 0)
		event_base_loopbreak(run->base);
}

/* The target's verdict: the first failing frontend's, else ok. */
static void
run_summarize(struct check_report *cr)
{
	size_t i;

	if (cr->nresults == 0) {
		cr->severity = sc_verdict_severity(cr->verdict);
		return;
	}
	cr->verdict = SC_OK;
	cr->severity = SC_SEV_OK;
	for (i = 0; i < cr->nresults; i++) {
		const struct sc_result *r = &cr->results[i];

		if (r->verdict != SC_OK && cr->verdict == SC_OK)
			cr->verdict = r->verdict;
		if (r->severity > cr->severity)
			cr->severity = r->severity;
	}
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
	run.po.uri = t.uri;
	run.po.domain = t.domain;
	if ((run.base = event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot create the event loop");
		goto done;
	}
	memset(&lo, 0, sizeof(lo));
	lo.name = t.connect_host != NULL ? t.connect_host : t.domain;
	lo.port = t.connect_host != NULL ? t.connect_port : t.uri_port;
	lo.timeout = po->timeout;
	run.locate = sc_locate_start(run.base, &lo, run_located, &run, err,
	    errlen);
	if (run.locate == NULL)
		goto done;
	event_base_dispatch(run.base);
	run_summarize(out);
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
	free(cr->target);
	free(cr->owner);
	memset(cr, 0, sizeof(*cr));
}
