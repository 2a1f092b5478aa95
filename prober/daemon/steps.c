/*
 * steps.c - a target's scenarios as the daemon runs them, and their
 * steps in the metrics.
 *
 * A target's fresh probe runs its own scenario (scenario = FILE) or the
 * built-in one, on its schedule, on demand and as a module of GET /probe
 * (probe_endpoint.c); its flows run flow_scenario = FILE or the shipped
 * persistent-flow.scn / options-flow.scn (flows.c).  What a file leaves
 * unset, the target's config fills in: each step's deadline (timeout),
 * the registration lifetime (expires), the keep-alive interval.
 *
 * Every step that ends is counted by its label, held or failed
 * (sipcanary_steps_total), and its latency kept
 * (sipcanary_step_duration_seconds).  The labels come from the config's
 * files, at most CONFIG_STEP_LABELS_MAX per scenario (checked at load),
 * so the label set is bounded by the config, never by traffic.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/scenario.h"
#include "daemon/internal.h"

int
dsteps_families(struct daemon *d, struct metrics *m)
{
	static const char *const tfsr[] = { "target", "frontend", "srv",
	    "probe", "step", "result", NULL };
	static const char *const tfs[] = { "target", "frontend", "srv",
	    "probe", "step", NULL };

	d->f_steps = metrics_counter_new(m, "sipcanary_steps_total",
	    "Scenario steps that ended, by probe (fresh, flow), step label "
	    "and result (held: its expectation held; failed)", tfsr);
	d->f_step_dur = metrics_gauge_new(m, "sipcanary_step_duration_seconds",
	    "Latency of the last run of each scenario step, by probe and "
	    "step label", tfs);
	return d->f_steps == NULL || d->f_step_dur == NULL ? -1 : 0;
}

/*
 * Steps of a target's own scenario files are counted by label; those of
 * the built-in probes only with metrics_detail: their phases are in the
 * phase families already, and a dozen step series per frontend made
 * /metrics half as large again at 900 frontends.
 */
void
dfront_step_metrics(struct dfront *f, const char *probe,
    const struct sc_step_event *ev)
{
	const struct target_conf *c = &f->t->conf;
	const char	*label = ev->step->label != NULL ? ev->step->label :
			    sc_step_kind_str(ev->step->kind);
	const char	*const l[] = { c->name, f->address, f->srv,
			    probe, label, ev->held ? "held" : "failed" };
	int		 own = strcmp(probe, "flow") == 0 ?
			    c->flow_scenario_file != NULL :
			    c->scenario_file != NULL;

	if (!own && !f->t->d->metrics_detail)
		return;
	(void)metrics_inc(f->t->d->f_steps, l);
	(void)metrics_set(f->t->d->f_step_dur, l, ev->seconds);
}

/* What a target's scenario file leaves unset, from the target's config. */
void
dtarget_fill_steps(const struct target_conf *c, struct sc_step *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (v[i].kind == SC_STEP_REPEAT) {
			dtarget_fill_steps(c, v[i].body, v[i].nbody);
			continue;
		}
		if (v[i].within == 0 && v[i].kind != SC_STEP_BREAK &&
		    v[i].kind != SC_STEP_WAIT)
			v[i].within = c->timeout;
		if (v[i].expires == 0 && (v[i].kind == SC_STEP_REGISTER ||
		    v[i].kind == SC_STEP_REREGISTER ||
		    v[i].kind == SC_STEP_MAINTAIN))
			v[i].expires = c->expires;
		if ((v[i].kind == SC_STEP_MAINTAIN ||
		    v[i].kind == SC_STEP_HOLD) && v[i].every == 0)
			v[i].every = c->keepalive;
	}
}

int
dtarget_fresh_scenario(const struct target_conf *c, struct sc_scenario **out,
    char *err, size_t errlen)
{
	*out = NULL;
	if (c->scenario_text == NULL)
		return 0;	/* the built-in fresh probe */
	if ((*out = scenario_load_string(c->scenario_file, c->scenario_text,
	    err, errlen)) == NULL)
		return -1;
	dtarget_fill_steps(c, (*out)->steps, (*out)->nsteps);
	return 0;
}
