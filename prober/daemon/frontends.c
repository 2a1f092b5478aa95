/*
 * frontends.c - the frontends of a target (one ip:port each, as DNS
 * located them): made with their probe timer and flows, stopped on a
 * stop, a reload or when DNS no longer names them, and freed once what
 * they had in flight has unregistered.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/internal.h"

/* How many of the frontend's flows are registered. */
int
dfront_flows_up(const struct dfront *f)
{
	unsigned	i;
	int		n = 0;

	for (i = 0; i < f->nflows; i++)
		n += f->flow_up[i] != 0;
	return n;
}

/*
 * When a new frontend's first probe (or its flows) starts: at random
 * within the first tenth of the interval, soon but not all in one
 * instant; with many targets, within up to the whole interval, ~30 ms
 * per target, so that the probes of hundreds of frontends do not come
 * in waves that queue at the registrar for good (the ±10% jitter of
 * later probes spreads them only slowly).
 */
static double
dfront_first_delay(const struct dfront *f)
{
	double	iv = f->t->conf.interval;
	double	spread = 0.03 * (double)f->t->d->conf->ntargets;

	if (spread < 0.1 * iv)
		spread = 0.1 * iv;
	if (spread > iv)
		spread = iv;
	return daemon_random() * spread;
}

/* A frontend DNS located: its first probe and flows come soon after. */
struct dfront *
dfront_new(struct dtarget *t, const struct sc_frontend *fe)
{
	struct dfront	*f;
	unsigned	 i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->t = t;
	f->fe = *fe;
	f->days_left = NAN;
	snprintf(f->address, sizeof(f->address), fe->family == 6 ?
	    "[%s]:%u" : "%s:%u", fe->host, fe->port);
	if (fe->has_srv)
		snprintf(f->srv, sizeof(f->srv), "%s:%u", fe->srv_target,
		    fe->srv_port);
	f->nflows = t->conf.flows;
	if ((f->flow_up = calloc(f->nflows + 1, 1)) == NULL ||
	    (f->flow_deliberate = calloc(f->nflows + 1, 1)) == NULL ||
	    (f->flow_was_up = calloc(f->nflows + 1, 1)) == NULL ||
	    (f->flow_keepalive = calloc(f->nflows + 1,
	    sizeof(*f->flow_keepalive))) == NULL ||
	    (f->timer = evtimer_new(t->d->base, dfront_timer, f)) == NULL ||
	    (f->flows_ev = evtimer_new(t->d->base, dfront_flows_cb, f)) ==
	    NULL) {
		dfront_free(f);
		return NULL;
	}
	for (i = 0; i < f->nflows; i++)
		dfront_flow_set(f, i, 0);
	timer_arm(f->timer, dfront_first_delay(f));
	timer_arm(f->flows_ev, dfront_first_delay(f));
	return f;
}

/* Frees the frontend at once; dfront_stop first unregisters. */
void
dfront_free(struct dfront *f)
{
	if (f == NULL)
		return;
	sc_probe_free(f->probe);
	if (f->probe_cut)
		f->t->live_engines--;
	if (f->flows_live)
		f->t->live_engines--;
	sc_engine_free(f->flows);
	if (f->timer != NULL)
		event_free(f->timer);
	if (f->flows_ev != NULL)
		event_free(f->flows_ev);
	free(f->certs);
	free(f->flow_up);
	free(f->flow_deliberate);
	free(f->flow_was_up);
	free(f->flow_keepalive);
	json_decref(f->ondemand_json);
	free(f);
}

/*
 * No more probes or flows for the frontend (a stop, a reload, or DNS no
 * longer naming it); those in flight unregister first.
 */
void
dfront_stop(struct dfront *f)
{
	event_del(f->timer);
	event_del(f->flows_ev);
	dfront_probe_cut(f);
	sc_engine_shutdown(f->flows);
}

/*
 * Frees the frontends that DNS dropped once their probe and flows are
 * done; their series go too, unless DNS named the address again since.
 */
void
dtarget_reap_fronts(struct dtarget *t)
{
	struct dfront	*f;
	size_t		 i, j, k;

	for (i = 0, k = 0; i < t->nleaving; i++) {
		f = t->leaving[i];
		if (f->flows_live || f->probe != NULL) {
			t->leaving[k++] = f;
			continue;
		}
		for (j = 0; j < t->nfe; j++)
			if (strcmp(t->fe[j]->address, f->address) == 0)
				break;
		if (j == t->nfe)
			dfront_forget_metrics(f);
		dfront_free(f);
	}
	t->nleaving = k;
}

/*
 * DNS no longer names the frontend.  It may still answer: its fresh probe
 * and flows unregister first, as on a stop, so that no binding of ours is
 * left there until it expires.
 */
void
dfront_leave(struct dfront *f)
{
	struct dtarget	*t = f->t;
	struct dfront	**v;

	alerts_forget(t->d->alerts, t->conf.name, f->address);
	if ((v = realloc(t->leaving, (t->nleaving + 1) * sizeof(*v))) ==
	    NULL) {
		dfront_forget_metrics(f);
		dfront_free(f);
		return;
	}
	t->leaving = v;
	t->leaving[t->nleaving++] = f;
	f->leaving = 1;
	dfront_stop(f);
	dtarget_reap_fronts(t);
}
