/*
 * drill.c - the measurements of a drill, and its JSON report.
 *
 * Steps are counted where they appear in the scenario (a step inside a
 * repeat block is one row however often it runs), so that shard reports
 * line up index by index when merged.
 */
#include "config.h"
#include "git-version.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drill/drill.h"
#include "report/report.h"

/* Pre-order list of the scenario's runnable steps (repeat blocks open). */
static int
drill_collect(struct drill *d, const struct sc_step *steps, size_t n)
{
	struct drill_step	*v;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (steps[i].kind == SC_STEP_REPEAT) {
			if (drill_collect(d, steps[i].body, steps[i].nbody) ==
			    -1)
				return -1;
			continue;
		}
		if ((v = realloc(d->steps, (d->nsteps + 1) * sizeof(*v))) ==
		    NULL)
			return -1;
		d->steps = v;
		v = &d->steps[d->nsteps++];
		memset(v, 0, sizeof(*v));
		v->step = &steps[i];
		if ((v->latency = histogram_new()) == NULL)
			return -1;
	}
	return 0;
}

struct drill *
drill_new(const struct sc_scenario *sc)
{
	struct drill *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->scenario = sc;
	d->t_start = sc_clock_now();
	d->wall_start = time(NULL);
	if (drill_collect(d, sc->steps, sc->nsteps) == -1 ||
	    (d->reconnect = histogram_new()) == NULL ||
	    (d->keepalive = histogram_new()) == NULL) {
		drill_free(d);
		return NULL;
	}
	return d;
}

void
drill_free(struct drill *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nsteps; i++)
		histogram_free(d->steps[i].latency);
	free(d->steps);
	free(d->timeline);
	histogram_free(d->reconnect);
	histogram_free(d->keepalive);
	free(d);
}

/* The timeline entry for the second of t, grown as needed. */
static struct drill_second *
drill_second_at(struct drill *d, double t)
{
	size_t			 s;
	struct drill_second	*v;

	s = t > d->t_start ? (size_t)(t - d->t_start) : 0;
	if (s >= 86400 * 7)
		s = 86400 * 7 - 1;	/* a week: plenty, and bounded */
	if (s >= d->nseconds) {
		if ((v = realloc(d->timeline, (s + 1) * sizeof(*v))) == NULL)
			return NULL;
		memset(v + d->nseconds, 0, (s + 1 - d->nseconds) * sizeof(*v));
		/* Empty seconds carry the last known number of clients. */
		if (d->nseconds > 0) {
			size_t k;

			for (k = d->nseconds; k <= s; k++)
				v[k].active = v[d->nseconds - 1].active;
		}
		d->timeline = v;
		d->nseconds = s + 1;
	}
	return &d->timeline[s];
}

void
drill_on_step(struct drill *d, const struct sc_step_event *ev)
{
	struct drill_second	*sec;
	size_t			 i;

	for (i = 0; i < d->nsteps; i++)
		if (d->steps[i].step == ev->step)
			break;
	if (i == d->nsteps)
		return;
	d->steps[i].attempts++;
	if (ev->held)
		d->steps[i].ok++;
	else
		d->steps[i].failed++;
	if ((unsigned)ev->verdict < SC_VERDICT_COUNT)
		d->steps[i].verdicts[ev->verdict]++;
	if (ev->status >= 100 && ev->status < 700)
		d->steps[i].statuses[ev->status - 100]++;
	(void)histogram_record(d->steps[i].latency, ev->seconds);
	if ((sec = drill_second_at(d, ev->at)) != NULL) {
		if (ev->held)
			sec->ok++;
		else
			sec->failed++;
	}
}

void
drill_on_reconnect(struct drill *d, double seconds)
{
	(void)histogram_record(d->reconnect, seconds);
}

static const char *const drill_keepalive_kinds[DRILL_KA_KINDS] = {
	"crlf", "ws_crlf", "ws_ping"
};

void
drill_on_keepalive(struct drill *d, double rtt, const char *kind)
{
	size_t i;

	(void)histogram_record(d->keepalive, rtt);
	for (i = 0; i < DRILL_KA_KINDS && kind != NULL; i++)
		if (strcmp(kind, drill_keepalive_kinds[i]) == 0)
			d->keepalive_kinds[i]++;
}

void
drill_on_client(struct drill *d, int ok)
{
	struct drill_second *sec = drill_second_at(d, sc_clock_now());

	if (ok)
		d->clients_ok++;
	else
		d->clients_failed++;
	if (d->active > 0)
		d->active--;
	if (sec != NULL)
		sec->active = d->active;
}

/* Counted when they happen, in the second they happen. */
void
drill_on_start(struct drill *d)
{
	struct drill_second *sec = drill_second_at(d, sc_clock_now());

	d->started++;
	d->active++;
	if (sec != NULL) {
		sec->started++;
		sec->active = d->active;
	}
}

void
drill_sample(struct drill *d, unsigned started, unsigned active)
{
	struct drill_second *sec = drill_second_at(d, sc_clock_now());

	/* A quiet second still shows who is active. */
	(void)started;
	if (sec != NULL)
		sec->active = active;
}

uint64_t
drill_expectations(const struct drill *d, uint64_t *failed)
{
	uint64_t	n = 0;
	size_t		i;

	*failed = 0;
	for (i = 0; i < d->nsteps; i++) {
		n += d->steps[i].attempts;
		*failed += d->steps[i].failed;
	}
	return n;
}

double
drill_failure_ratio(const struct drill *d)
{
	uint64_t failed, n = drill_expectations(d, &failed);

	/* Clients that never got to run a step failed too. */
	if (n == 0)
		return d->clients_failed > 0 ? 1 : 0;
	return (double)failed / (double)n;
}

static json_t *
drill_json_time(time_t t)
{
	char buf[32];

	report_time_iso(t, buf, sizeof(buf));
	return json_string(buf);
}

/* What a step counts as held: "ok", a verdict code, or a SIP status. */
static json_t *
drill_expect_json(const struct sc_step *st)
{
	char buf[16];

	if (st->expect_verdict >= 0)
		return json_string(sc_verdict_str(
		    (enum sc_verdict)st->expect_verdict));
	if (st->expect_status > 0) {
		snprintf(buf, sizeof(buf), "%d", st->expect_status);
		return json_string(buf);
	}
	return json_string("ok");
}

/* The final SIP statuses a step got, "403": count. */
static json_t *
drill_statuses_json(const struct drill_step *ds)
{
	json_t	*o = json_object();
	char	 code[8];
	int	 k;

	for (k = 0; o != NULL && k < 600; k++)
		if (ds->statuses[k] > 0) {
			snprintf(code, sizeof(code), "%d", k + 100);
			json_object_set_new(o, code,
			    json_integer((json_int_t)ds->statuses[k]));
		}
	return o;
}

/* One step's row: counts, verdicts, statuses and latency. */
static json_t *
drill_step_json(const struct drill_step *ds, size_t i)
{
	json_t	*verdicts;
	int	 k;

	verdicts = json_object();
	for (k = 0; k < SC_VERDICT_COUNT; k++)
		if (ds->verdicts[k] > 0)
			json_object_set_new(verdicts,
			    sc_verdict_str((enum sc_verdict)k),
			    json_integer((json_int_t)ds->verdicts[k]));
	return json_pack("{s:i, s:s, s:s, s:i, s:o, s:I, s:I, s:I, s:f, s:o, "
	    "s:o, s:o}",
	    "index", (int)i,
	    "kind", sc_step_kind_str(ds->step->kind),
	    "label", ds->step->label != NULL ? ds->step->label :
	    sc_step_kind_str(ds->step->kind),
	    "line", ds->step->line,
	    "expect", drill_expect_json(ds->step),
	    "attempts", (json_int_t)ds->attempts,
	    "ok", (json_int_t)ds->ok,
	    "failed", (json_int_t)ds->failed,
	    "success_ratio", ds->attempts > 0 ?
	    (double)ds->ok / (double)ds->attempts : 0.0,
	    "verdicts", verdicts,
	    "statuses", drill_statuses_json(ds),
	    "latency", histogram_to_json(ds->latency));
}

/* The per-second timeline. */
static json_t *
drill_timeline_json(const struct drill *d)
{
	json_t	*tl = json_array();
	size_t	 i;

	for (i = 0; i < d->nseconds; i++)
		json_array_append_new(tl, json_pack("{s:i, s:I, s:I, s:I, s:i}",
		    "second", (int)i,
		    "started", (json_int_t)d->timeline[i].started,
		    "ok", (json_int_t)d->timeline[i].ok,
		    "failed", (json_int_t)d->timeline[i].failed,
		    "active", (int)d->timeline[i].active));
	return tl;
}

static json_t *
drill_settings_json(const struct drill_settings *s)
{
	return json_pack("{s:s, s:o, s:i, s:f, s:o, s:{s:i, s:i}, s:f}",
	    "target", s->target,
	    "connect", s->connect != NULL ? json_string(s->connect) :
	    json_null(),
	    "clients", (int)s->clients,
	    "ramp", s->ramp,
	    "duration_seconds", s->duration > 0 ? json_real(s->duration) :
	    json_null(),
	    "shard", "index", (int)s->shard_index, "count",
	    (int)s->shard_count,
	    "max_failure_ratio", s->max_failure_ratio);
}

/* Which sipcanary ran where, and when. */
static json_t *
drill_environment_json(const struct drill *d)
{
	char host[256], version[128];

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(version, sizeof(version), "%s (%s)", PACKAGE_VERSION,
	    SC_VERSION_GIT);
	return json_pack("{s:s, s:s, s:o, s:o, s:i}",
	    "version", version,
	    "host", host,
	    "started", drill_json_time(d->wall_start),
	    "ended", drill_json_time(d->wall_end != 0 ? d->wall_end :
	    time(NULL)),
	    "shards", 1);
}

static json_t *
drill_summary_json(const struct drill *d, const struct drill_settings *s)
{
	uint64_t	 failed, n = drill_expectations(d, &failed);
	double		 ratio = drill_failure_ratio(d);

	return json_pack("{s:i, s:i, s:i, s:I, s:I, s:f, s:b, s:b}",
	    "clients", (int)(d->clients_ok + d->clients_failed),
	    "clients_ok", (int)d->clients_ok,
	    "clients_failed", (int)d->clients_failed,
	    "expectations", (json_int_t)n,
	    "expectations_failed", (json_int_t)failed,
	    "failure_ratio", ratio,
	    "passed", ratio <= s->max_failure_ratio && !d->interrupted,
	    "interrupted", d->interrupted);
}

/* A {"count": N, "latency": <LATENCY>} section. */
static json_t *
drill_section_json(const struct histogram *h)
{
	return json_pack("{s:I, s:o}",
	    "count", (json_int_t)histogram_count(h),
	    "latency", histogram_to_json(h));
}

/* The keep-alive section: its round trips, and their kinds that ran. */
static json_t *
drill_keepalive_json(const struct drill *d)
{
	json_t	*sec = drill_section_json(d->keepalive), *kinds = json_object();
	size_t	 i;

	for (i = 0; i < DRILL_KA_KINDS; i++)
		if (d->keepalive_kinds[i] > 0)
			json_object_set_new(kinds, drill_keepalive_kinds[i],
			    json_integer((json_int_t)d->keepalive_kinds[i]));
	json_object_set_new(sec, "kinds", kinds);
	return sec;
}

json_t *
drill_report(const struct drill *d, const struct drill_settings *s)
{
	json_t	*doc, *steps;
	size_t	 i;

	steps = json_array();
	for (i = 0; i < d->nsteps; i++)
		json_array_append_new(steps, drill_step_json(&d->steps[i], i));
	doc = json_pack("{s:i, s:{s:s, s:s, s:o}}",
	    "sipcanary_report", 1,
	    "scenario",
	    "name", d->scenario->name != NULL ? d->scenario->name : "",
	    "file", s->scenario_file != NULL ? s->scenario_file : "",
	    "description", d->scenario->description != NULL ?
	    json_string(d->scenario->description) : json_null());
	json_object_set_new(doc, "settings", drill_settings_json(s));
	json_object_set_new(doc, "environment", drill_environment_json(d));
	json_object_set_new(doc, "summary", drill_summary_json(d, s));
	json_object_set_new(doc, "steps", steps);
	json_object_set_new(doc, "timeline", drill_timeline_json(d));
	json_object_set_new(doc, "reconnect", drill_section_json(d->reconnect));
	json_object_set_new(doc, "keepalive", drill_keepalive_json(d));
	return doc;
}
