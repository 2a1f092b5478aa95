/*
 * dmetrics.c - the daemon's metric families (the names are sipcanary(8)'s
 * interface: dashboards and alert rules use them) and the updates that
 * are not one line at their caller: phase latencies, certificate series,
 * a frontend's series going, and the alert and sink gauges recounted
 * before each scrape.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/internal.h"
#include "web/auth.h"
#include "web/httpd.h"

/*
 * The full bucket sets, with metrics_detail per frontend; without it the
 * histograms are per target with the short sets below, and each
 * frontend's last probe is in sipcanary_phase_last_seconds: at 900
 * frontends the full sets made /metrics 14 MB, most of it buckets.
 */
static const double phase_bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const double reconnect_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };
static const double rtt_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
static const double phase_bounds_short[] = { 0.01, 0.1, 0.5, 2.5 };
static const double reconnect_bounds_short[] = { 0.1, 1, 5, 30, 120 };
static const double rtt_bounds_short[] = { 0.001, 0.01, 0.1, 1 };

#define NBOUNDS(a)	(sizeof(a) / sizeof((a)[0]))

/* Label names of the per-frontend families. */
static const char *const tf_names[] = { "target", "frontend", "srv", NULL };
/*
 * Of the histograms without metrics_detail: the first of the values
 * given for tf_names (metrics_observe() reads one per label name).
 */
static const char *const t_names[] = { "target", NULL };

/* The labels and buckets of a latency histogram. */
struct hshape {
	const char *const	*labels;
	const double		*bounds;
	size_t			 n;
};

/* Per frontend and full with metrics_detail, else per target and short. */
static struct hshape
dmetrics_shape(const struct daemon *d, const char *const detail_labels[],
    const char *const labels[], const double *bounds, size_t n,
    const double *short_bounds, size_t ns)
{
	struct hshape s = { labels, short_bounds, ns };

	if (d->metrics_detail) {
		s.labels = detail_labels;
		s.bounds = bounds;
		s.n = n;
	}
	return s;
}

static void
daemon_metrics_full(const char *family, size_t limit, void *arg)
{
	(void)arg;
	log_event(LOG_ERROR, NULL, NULL, NULL, "metrics: %s holds its limit "
	    "of %zu series; new series are dropped and counted in %s (raise "
	    "metrics_series_limit)", family, limit, METRICS_DROPPED_NAME);
}

/*
 * /metrics lists the families in the order they are made here: the steps
 * below keep the order of earlier versions, so that the page reads the
 * same across them.
 */

/* The families of fresh probes. */
static int
dmetrics_probe_families(struct daemon *d, struct metrics *m)
{
	static const char *const tfv[] = { "target", "frontend", "srv",
	    "verdict", NULL };
	static const char *const tfp[] = { "target", "frontend", "srv",
	    "phase", NULL };
	static const char *const tp[] = { "target", "phase", NULL };
	struct hshape		 s = dmetrics_shape(d, tfp, tp, phase_bounds,
				    NBOUNDS(phase_bounds), phase_bounds_short,
				    NBOUNDS(phase_bounds_short));

	d->f_success = metrics_gauge_new(m, "sipcanary_probe_success",
	    "1 if the last fresh probe of the frontend was ok", tf_names);
	d->f_probes = metrics_counter_new(m, "sipcanary_probes_total",
	    "Fresh probes by verdict code", tfv);
	d->f_phase = metrics_histogram_new(m,
	    "sipcanary_phase_duration_seconds", "Fresh probe phase latency: "
	    "dns, tcp_connect, tls_handshake, ws_upgrade, first_response, "
	    "register", s.labels, s.bounds, s.n);
	d->f_phase_last = metrics_gauge_new(m, "sipcanary_phase_last_seconds",
	    "Phase latencies of the frontend's last fresh probe: tcp_connect, "
	    "tls_handshake, ws_upgrade, first_response, register; a phase the "
	    "probe did not reach has no series", tfp);
	return d->f_success == NULL || d->f_probes == NULL ||
	    d->f_phase == NULL || d->f_phase_last == NULL ? -1 : 0;
}

/* The families of persistent flows. */
static int
dmetrics_flow_families(struct daemon *d, struct metrics *m)
{
	static const char *const tff[] = { "target", "frontend", "srv", "flow",
	    NULL };
	static const char *const tfrc[] = { "target", "frontend", "srv",
	    "result", "cause", NULL };
	struct hshape		 s;

	d->f_flow_up = metrics_gauge_new(m, "sipcanary_flow_up",
	    "1 while the persistent flow is registered", tff);
	d->f_reconnects = metrics_counter_new(m,
	    "sipcanary_flow_reconnects_total", "Flow reconnects by result "
	    "(success, failure) and cause (deliberate, lost)", tfrc);
	s = dmetrics_shape(d, tf_names, t_names, reconnect_bounds,
	    NBOUNDS(reconnect_bounds), reconnect_bounds_short,
	    NBOUNDS(reconnect_bounds_short));
	d->f_reconnect_dur = metrics_histogram_new(m,
	    "sipcanary_flow_reconnect_duration_seconds",
	    "From a flow's break or loss until registered again", s.labels,
	    s.bounds, s.n);
	s = dmetrics_shape(d, tf_names, t_names, rtt_bounds,
	    NBOUNDS(rtt_bounds), rtt_bounds_short, NBOUNDS(rtt_bounds_short));
	d->f_rtt = metrics_histogram_new(m, "sipcanary_keepalive_rtt_seconds",
	    "RFC 5626 CRLF keep-alive ping to pong", s.labels, s.bounds, s.n);
	return d->f_flow_up == NULL || d->f_reconnects == NULL ||
	    d->f_reconnect_dur == NULL || d->f_rtt == NULL ? -1 : 0;
}

/* The families of the certificates frontends send. */
static int
dmetrics_cert_families(struct daemon *d, struct metrics *m)
{
	static const char *const tfdf[] = { "target", "frontend", "srv",
	    "depth", "fingerprint_sha256", NULL };

	d->f_cert_not_after = metrics_gauge_new(m,
	    "sipcanary_cert_not_after_timestamp_seconds", "notAfter of each "
	    "certificate the frontend sent, kept when verification fails",
	    tfdf);
	d->f_cert_earliest = metrics_gauge_new(m,
	    "sipcanary_cert_earliest_expiry_timestamp_seconds",
	    "Earliest notAfter in the frontend's chain", tf_names);
	d->f_cert_ok = metrics_gauge_new(m, "sipcanary_cert_ok",
	    "1 if the frontend's certificate verdict is ok", tf_names);
	return d->f_cert_not_after == NULL || d->f_cert_earliest == NULL ||
	    d->f_cert_ok == NULL ? -1 : 0;
}

/* The families of a target as a whole. */
static int
dmetrics_target_families(struct daemon *d, struct metrics *m)
{
	static const char *const t[] = { "target", NULL };

	d->f_outage = metrics_gauge_new(m, "sipcanary_new_connection_outage",
	    "1 while fresh probes fail at the TLS or certificate layer while "
	    "persistent flows to the same frontend are up", t);
	d->f_frontends = metrics_gauge_new(m, "sipcanary_frontends",
	    "Frontends currently located for the target", t);
	d->f_client_cert = metrics_gauge_new(m,
	    "sipcanary_client_cert_not_after_timestamp_seconds", "notAfter "
	    "of the probe's own client certificate (mutual TLS profiles)", t);
	d->f_profile = metrics_gauge_new(m, "sipcanary_profile_info",
	    "1 for each TLS client profile a target is probed as (its "
	    "series carry the profile label)", t);
	return d->f_outage == NULL || d->f_frontends == NULL ||
	    d->f_client_cert == NULL || d->f_profile == NULL ? -1 : 0;
}

/* The families of alerts and their delivery. */
static int
dmetrics_alert_families(struct daemon *d, struct metrics *m)
{
	d->f_alerts_firing = metrics_gauge_new(m, "sipcanary_alerts_firing",
	    "Alerts firing, by name and severity",
	    (const char *const[]){ "alertname", "severity", NULL });
	d->f_notifications = metrics_counter_new(m,
	    "sipcanary_alert_notifications_total",
	    "Alert notifications by sink and result (sent, failed, dropped)",
	    (const char *const[]){ "sink", "result", NULL });
	d->f_outbox_depth = metrics_gauge_new(m,
	    "sipcanary_alert_outbox_depth",
	    "Notifications waiting in the sink's durable outbox",
	    (const char *const[]){ "sink", NULL });
	d->f_dropped = metrics_counter_new(m,
	    "sipcanary_alert_notifications_dropped_total",
	    "Notifications dropped, oldest first, to bound the outbox",
	    (const char *const[]){ "sink", NULL });
	d->f_sink_last = metrics_gauge_new(m,
	    "sipcanary_alert_sink_last_delivery_timestamp_seconds",
	    "When the sink last delivered a notification (0: not since the "
	    "daemon started)", (const char *const[]){ "sink", NULL });
	return d->f_alerts_firing == NULL || d->f_notifications == NULL ||
	    d->f_outbox_depth == NULL || d->f_dropped == NULL ||
	    d->f_sink_last == NULL ? -1 : 0;
}

/* The families added last: the build, and two of probes and DNS. */
static int
dmetrics_late_families(struct daemon *d, struct metrics *m)
{
	static const char *const v[] = { "version", NULL };
	static const char *const t[] = { "target", NULL };

	d->f_build = metrics_gauge_new(m, "sipcanary_build_info",
	    "Always 1; the version is a label", v);
	d->f_last_success = metrics_gauge_new(m,
	    "sipcanary_probe_last_success_timestamp_seconds",
	    "When the last ok fresh probe of the frontend ended", tf_names);
	d->f_dns_success = metrics_gauge_new(m, "sipcanary_dns_success",
	    "1 if the last location of the target's frontends succeeded", t);
	d->f_reload_ok = metrics_gauge_new(m,
	    "sipcanary_config_last_reload_successful",
	    "1 if the last configuration load (start or SIGHUP) succeeded",
	    NULL);
	d->f_reload_time = metrics_gauge_new(m,
	    "sipcanary_config_last_reload_success_timestamp_seconds",
	    "When the configuration in force was loaded", NULL);
	d->f_broken = metrics_gauge_new(m, "sipcanary_target_broken",
	    "1 while a configured target cannot be probed (see the log and "
	    "/healthz)", t);
	d->f_damaged = metrics_counter_new(m,
	    "sipcanary_state_files_damaged_total",
	    "State files found damaged at load and moved aside",
	    (const char *const[]){ "file", NULL });
	d->f_log_errors = metrics_counter_new(m,
	    "sipcanary_log_write_errors_total",
	    "Log lines that could not be written to stderr", NULL);
	if (daemon_debugaids_metrics_new(d) == -1)
		return -1;
	return d->f_build == NULL || d->f_last_success == NULL ||
	    d->f_dns_success == NULL || d->f_reload_ok == NULL ||
	    d->f_reload_time == NULL || d->f_damaged == NULL ||
	    d->f_broken == NULL || d->f_log_errors == NULL ? -1 : 0;
}

/* The endpoint's password checks, copied from web/auth.c at each scrape. */
static int
dmetrics_auth_families(struct daemon *d, struct metrics *m)
{
	d->f_auth_checks = metrics_counter_new(m,
	    "sipcanary_http_auth_checks_total", "HTTP basic auth passwords "
	    "not verified before, by result: queued (hashed off the event "
	    "loop), limited (429, over the hash budget), refused (503, too "
	    "many waiting)", (const char *const[]){ "result", NULL });
	return d->f_auth_checks == NULL ? -1 : 0;
}

static void
dmetrics_auth(struct daemon *d)
{
	struct auth_stats	st;

	if (d->http == NULL)
		return;
	httpd_auth_stats(d->http, &st);
	(void)metrics_set(d->f_auth_checks, (const char *const[]){ "queued" },
	    (double)st.queued);
	(void)metrics_set(d->f_auth_checks, (const char *const[]){ "limited" },
	    (double)st.limited);
	(void)metrics_set(d->f_auth_checks, (const char *const[]){ "refused" },
	    (double)st.refused);
}

/* The families of the HTTP endpoint's connections (web/httpd_conn.c). */
static int
dmetrics_http_families(struct daemon *d, struct metrics *m)
{
	int	r;

	d->f_http_conns = metrics_gauge_new(m, "sipcanary_http_connections",
	    "Connections the HTTP endpoint holds open", NULL);
	d->f_http_refused = metrics_counter_new(m,
	    "sipcanary_http_connections_refused_total", "Connections the HTTP "
	    "endpoint closed at once: over http_max_connections (total_cap) "
	    "or http_max_connections_per_source (source_cap), or out of file "
	    "descriptors (emfile)", (const char *const[]){ "reason", NULL });
	d->f_http_timeouts = metrics_counter_new(m,
	    "sipcanary_http_request_timeouts_total", "Connections closed "
	    "because a request head took longer than http_header_timeout",
	    NULL);
	if (d->f_http_conns == NULL || d->f_http_refused == NULL ||
	    d->f_http_timeouts == NULL)
		return -1;
	for (r = 0; r < HTTPD_REFUSED_NUM; r++)
		(void)metrics_set(d->f_http_refused,
		    (const char *const[]){ httpd_refusal_str(r) }, 0);
	(void)metrics_set(d->f_http_timeouts, NULL, 0);
	(void)metrics_set(d->f_http_conns, NULL, 0);
	return 0;
}

/* The endpoint's counters, copied before a scrape. */
static void
dmetrics_http(struct daemon *d)
{
	struct httpd_stats	st;
	int			r;

	if (d->http == NULL)
		return;
	httpd_get_stats(d->http, &st);
	(void)metrics_set(d->f_http_conns, NULL, st.connections);
	for (r = 0; r < HTTPD_REFUSED_NUM; r++)
		(void)metrics_set(d->f_http_refused,
		    (const char *const[]){ httpd_refusal_str(r) },
		    (double)st.refused[r]);
	(void)metrics_set(d->f_http_timeouts, NULL,
	    (double)st.header_timeouts);
}

/*
 * The outcome of a configuration load, as Prometheus and Alertmanager
 * export theirs: a refused reload leaves the old config in force, which
 * nothing but these two series and the status page would show.
 */
void
daemon_reload_outcome(struct daemon *d, int ok, const char *why)
{
	(void)metrics_set(d->f_reload_ok, NULL, ok ? 1 : 0);
	if (ok) {
		(void)metrics_set(d->f_reload_time, NULL, (double)time(NULL));
		d->reload_error[0] = '\0';
		d->reload_failed_at = 0;
	} else {
		snprintf(d->reload_error, sizeof(d->reload_error), "%s", why);
		d->reload_failed_at = time(NULL);
	}
}

int
daemon_metrics_new(struct daemon *d)
{
	struct metrics *m;

	/* The families' labels are fixed: a reload cannot change this. */
	d->metrics_detail = d->conf->metrics_detail;
	if ((d->m = m = metrics_new(d->conf->metrics_series_limit)) == NULL ||
	    metrics_const_label(m, "vantage", d->conf->vantage) == -1)
		return -1;
	metrics_on_full(m, daemon_metrics_full, d);
	if (dmetrics_probe_families(d, m) == -1 ||
	    dmetrics_flow_families(d, m) == -1 ||
	    dmetrics_cert_families(d, m) == -1 ||
	    dmetrics_target_families(d, m) == -1 ||
	    dmetrics_alert_families(d, m) == -1 ||
	    dmetrics_late_families(d, m) == -1 ||
	    dmetrics_auth_families(d, m) == -1 ||
	    dmetrics_http_families(d, m) == -1 ||
	    dsteps_families(d, m) == -1 ||
	    drevocation_families(d, m) == -1)
		return -1;
	(void)metrics_set(d->f_build, (const char *const[]){ PACKAGE_VERSION },
	    1);
	daemon_reload_outcome(d, 1, NULL);
	return 0;
}

/*
 * One phase of a frontend's probe: its last value, and the histogram
 * (per frontend with metrics_detail, else per target).  A phase the
 * probe did not reach (negative) removes the last value, which would
 * otherwise describe an older probe.  The last value is kept to the
 * microsecond ("0.001234", not 17 digits: /metrics is read at scale);
 * dns is no part of a probe (it is the target's location), so it goes
 * to the histogram only.
 */
void
dfront_phase(struct dfront *f, const char *phase, double seconds)
{
	struct daemon		*d = f->t->d;
	const char *const	 l[] = { f->t->conf.name, f->address, f->srv,
				    phase };
	const char *const	 tp[] = { f->t->conf.name, phase };
	int			 last = strcmp(phase, "dns") != 0;

	if (seconds < 0) {
		if (last)
			(void)metrics_family_remove(d->f_phase_last, l);
		return;
	}
	if (last)
		(void)metrics_set(d->f_phase_last, l,
		    round(seconds * 1e6) / 1e6);
	(void)metrics_observe(d->f_phase, d->metrics_detail ? l : tp,
	    seconds);
}

/*
 * The certificate series of a frontend after a handshake.  Only those of
 * certificates it no longer sends are removed, by their labels: a scan of
 * the family (every frontend's chain) on every probe would cost time
 * quadratic in the number of frontends, and removing and re-adding the
 * same series would churn memory.
 */
void
dfront_cert_metrics(struct dfront *f, const struct sc_result *r)
{
	struct daemon		*d = f->t->d;
	const char		*const tf[] = { f->t->conf.name, f->address,
				    f->srv };
	const struct sc_cert	*c;
	struct dcert_key	*keys;
	size_t			 i, j, n = r->cert.nchain;

	if (r->t.tls_handshake < 0)
		return;		/* no handshake: nothing new to say */
	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		c = &r->cert.chain[i];
		snprintf(keys[i].depth, sizeof(keys[i].depth), "%d", c->depth);
		snprintf(keys[i].fp, sizeof(keys[i].fp), "%s",
		    c->fingerprint_sha256);
	}
	for (i = 0; i < f->ncerts; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(f->certs[i].depth, keys[j].depth) == 0 &&
			    strcmp(f->certs[i].fp, keys[j].fp) == 0)
				break;
		if (j == n)
			(void)metrics_family_remove(d->f_cert_not_after,
			    (const char *const[]){ f->t->conf.name, f->address,
			    f->srv, f->certs[i].depth, f->certs[i].fp });
	}
	free(f->certs);
	f->certs = keys;
	f->ncerts = n;
	for (i = 0; i < n; i++)
		(void)metrics_set(d->f_cert_not_after, (const char *const[]){
		    f->t->conf.name, f->address, f->srv, keys[i].depth,
		    keys[i].fp }, (double)r->cert.chain[i].not_after);
	if (r->cert.has_expiry) {
		(void)metrics_set(d->f_cert_earliest, tf,
		    (double)r->cert.expiry.not_after);
		f->days_left = r->cert.expiry.days_left;
	}
	(void)metrics_set(d->f_cert_ok, tf, r->cert.verdict == SC_OK);
}

/* The series of a frontend go with it. */
void
dfront_forget_metrics(struct dfront *f)
{
	const char *const match[] = { "target", f->t->conf.name, "frontend",
	    f->address, NULL };

	(void)metrics_remove_matching(f->t->d->m, match);
}

static void
daemon_count_firing(const char *name, const char *severity, unsigned n,
    void *arg)
{
	struct daemon *d = arg;

	(void)metrics_set(d->f_alerts_firing,
	    (const char *const[]){ name, severity }, n);
}


/* The sink's counters, copied into its series that exist. */
static void
dmetrics_sink(struct daemon *d, const struct sink *k)
{
	const char		*name = sink_name(k);
	struct metrics_series	*ser;
	int			 r;

	for (r = 0; r < SINK_RESULT_NUM; r++) {
		ser = metrics_series_get(d->f_notifications,
		    (const char *const[]){ name,
		    sink_result_str((enum sink_result)r) });
		if (ser != NULL)
			(void)metrics_series_set(ser, (double)
			    sink_notifications(k, (enum sink_result)r));
	}
	(void)metrics_set(d->f_outbox_depth, (const char *const[]){ name },
	    (double)sink_depth(k));
	ser = metrics_series_get(d->f_dropped, (const char *const[]){ name });
	if (ser != NULL)
		(void)metrics_series_set(ser, (double)sink_dropped(k));
	(void)metrics_set(d->f_sink_last, (const char *const[]){ name },
	    (double)sink_last_delivery(k));
}

/* Before a scrape: the gauges of alerts and sinks, counted afresh. */
void
daemon_metrics_refresh(struct daemon *d)
{
	size_t	i;

	/* Gauges of alerts that stopped firing go; the rest are recounted. */
	(void)metrics_family_remove_matching(d->f_alerts_firing,
	    (const char *const[]){ NULL });
	alerts_count(d->alerts, daemon_count_firing, d);
	for (i = 0; i < d->nsinks; i++)
		dmetrics_sink(d, d->sinks[i]);
	dmetrics_http(d);
	dmetrics_auth(d);
	(void)metrics_set(d->f_log_errors, NULL, (double)log_write_errors());
	daemon_debugaids_metrics(d);
}
