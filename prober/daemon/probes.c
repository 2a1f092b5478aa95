/*
 * probes.c - the fresh probes: every interval (±10%) a new connection to
 * each frontend, TLS, REGISTER and unregister, as a first-time client
 * sees it.  A result updates the frontend's state, history and series and
 * the alert rules, then the detector; a stop or reload cuts a probe in
 * flight short, after it has unregistered.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/internal.h"
#include "report/report.h"

static void
dfront_history(struct dfront *f, const struct sc_result *r)
{
	unsigned char v = r->verdict == SC_OK ? 1 :
	    r->severity == SC_SEV_WARNING ? 2 : 3;

	if (f->nhist == HISTORY_LEN) {
		memmove(f->hist, f->hist + 1, HISTORY_LEN - 1);
		f->nhist--;
	}
	f->hist[f->nhist++] = v;
}

/*
 * " (tcp 1.2 ms, tls 3.4 ms, register 9.0 ms)" for the log: only the
 * phases the probe reached (a phase not reached is negative), and
 * nothing at all when it reached none.
 */
static void
dfront_phases_text(const struct sc_result *r, char *buf, size_t len)
{
	const struct { const char *name; double s; } ph[] = {
		{ "tcp", r->t.tcp_connect },
		{ "tls", r->t.tls_handshake },
		{ "ws_upgrade", r->ws ? r->t.ws_upgrade : -1 },
		{ "register", r->t.registered },
	};
	size_t	 i, off = 0;
	int	 n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		if (ph[i].s < 0)
			continue;
		n = snprintf(buf + off, len - off, "%s%s %.1f ms",
		    off == 0 ? " (" : ", ", ph[i].name, ph[i].s * 1000);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
	if (off > 0 && off + 1 < len)
		memcpy(buf + off, ")", 2);
}

static void
dfront_probe_done(struct sc_result *r, void *arg)
{
	struct dfront	*f = arg;
	struct dtarget	*t = f->t;
	struct daemon	*d = t->d;
	const char	*const tf[] = { t->conf.name, f->address, f->srv };
	const char	*const tfv[] = { t->conf.name, f->address, f->srv,
			    sc_verdict_str(r->verdict) };
	int		 ok = dverdict_up(r->verdict);
	enum sc_verdict	 before = f->verdict;
	int		 was = f->probed;
	char		 phases[96];

	if (f->probe_cut) {
		/* Cut short by a stop or reload: its binding is gone. */
		f->probe_cut = 0;
		sc_probe_free(f->probe);
		f->probe = NULL;
		t->live_engines--;
		if (f->leaving)
			dtarget_reap_fronts(t);	/* may free f */
		daemon_check_stopped(d);
		return;
	}
	f->probed = 1;
	f->nprobes++;
	if (f->ondemand_want) {
		/* A probe on demand waits for it: as check --json says it. */
		json_decref(f->ondemand_json);
		f->ondemand_json = report_json_frontend(r, &f->fe, 1);
	}
	f->verdict = r->verdict;
	snprintf(f->error, sizeof(f->error), "%s", r->error);
	if (ok) {
		f->last_success = time(NULL);
		(void)metrics_set(d->f_last_success, tf,
		    (double)f->last_success);
	}
	dfront_history(f, r);
	(void)metrics_set(d->f_success, tf, ok);
	(void)metrics_inc(d->f_probes, tfv);
	dfront_phase(f, "tcp_connect", r->t.tcp_connect);
	dfront_phase(f, "tls_handshake", r->t.tls_handshake);
	if (r->ws)
		dfront_phase(f, "ws_upgrade", r->t.ws_upgrade);
	dfront_phase(f, "first_response", r->t.first_response);
	dfront_phase(f, "register", r->t.registered);
	dfront_cert_metrics(f, r);
	drevocation_result(f, r);
	if (r->t.tls_handshake >= 0 && r->cert.nchain > 0) {
		snprintf(f->leaf_fp, sizeof(f->leaf_fp), "%s",
		    r->cert.chain[0].fingerprint_sha256);
		snprintf(f->leaf_subject, sizeof(f->leaf_subject), "%s",
		    r->cert.chain[0].subject);
		f->leaf_not_after = r->cert.chain[0].not_after;
	}
	dfront_alerts(f, r);
	dtarget_alerts(t);
	dfront_phases_text(r, phases, sizeof(phases));
	log_event(ok ? LOG_INFO : LOG_WARN, t->conf.name, f->address,
	    sc_verdict_str(r->verdict), "fresh probe: %s%s%s%s",
	    ok ? "ok" : "failed", r->error[0] ? ": " : "", r->error, phases);
	if (was && before != r->verdict)
		log_event(LOG_WARN, t->conf.name, f->address,
		    sc_verdict_str(r->verdict), "verdict changed from %s",
		    sc_verdict_str(before));
	sc_probe_free(f->probe);	/* safe: called from a deferred event */
	f->probe = NULL;
	dtarget_detect(t, 1);
	dfront_reconnect_eval(f);
	if (!d->stopping && !t->retiring)
		timer_arm(f->timer, daemon_jitter(t->conf.interval));
}

/*
 * A stop or a reload: a fresh probe in flight removes the binding it
 * made (or is being granted) before it goes, as the flows do; until then
 * it counts as a live engine of its target.
 */
void
dfront_probe_cut(struct dfront *f)
{
	if (f->probe == NULL || f->probe_cut)
		return;
	f->probe_cut = 1;
	f->t->live_engines++;
	sc_probe_shutdown(f->probe);
}

/* A step of a fresh probe ended: counted by its label. */
static void
dfront_probe_step(const struct sc_step_event *ev, void *arg)
{
	struct dfront *f = arg;

	if (!f->probe_cut)
		dfront_step_metrics(f, "fresh", ev);
}

static void
dfront_probe_start(struct dfront *f)
{
	struct dtarget		*t = f->t;
	struct sc_probe_opts	 o;

	if (f->probe != NULL || t->d->stopping || t->retiring)
		return;
	memset(&o, 0, sizeof(o));
	o.uri = t->uri.uri;
	o.domain = t->uri.domain;
	o.host = f->fe.host;
	o.port = f->fe.port;
	o.user = t->conf.user;
	o.password = t->conf.password;
	o.timeout = t->conf.timeout;
	o.expires = t->conf.expires;
	o.unregister = 1;
	o.warn_days = t->conf.warn_days;
	o.crit_days = t->conf.crit_days;
	o.tls_ctx = t->tls_ctx;
	o.alive = &t->conf.alive_statuses;	/* without a user: OPTIONS */
	o.scenario = t->fresh_sc;		/* NULL: the built-in one */
	o.on_step = dfront_probe_step;
	o.insecure = t->conf.insecure_skip_verify;
	o.ws.on = t->conf.wss || t->uri.ws;
	o.ws.path = t->conf.ws_path;
	o.ws.origin = t->conf.origin;
	o.revocation = t->conf.revocation;
	if ((f->probe = sc_probe_start(t->d->base, &o, dfront_probe_done, f))
	    == NULL) {
		log_event(LOG_ERROR, t->conf.name, f->address,
		    "internal_error", "cannot start a probe: out of memory");
		timer_arm(f->timer, t->conf.interval);
	}
}

/* The frontend's timer: its next fresh probe is due. */
void
dfront_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	dfront_probe_start(arg);
}

/* A probe on demand (ondemand.c): the next one starts now, not later. */
void
dfront_probe_now(struct dfront *f)
{
	if (f->probe != NULL)
		return;		/* one is running: its result will do */
	event_del(f->timer);
	dfront_probe_start(f);
}

