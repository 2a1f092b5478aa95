/*
 * daemon.c - the 24/7 prober (see daemon.h).
 *
 * Each target owns its frontends; each frontend owns a timer for its
 * fresh probes and one scenario engine running its persistent flows in
 * loop mode (reconnect, register, maintain, break: forever).  All state
 * lives on the one event loop.  A reload builds the new targets from a
 * config that already parsed, keeps the ones whose settings did not
 * change (their flows untouched) and retires the rest; a retired target
 * unregisters its flows before it is freed.
 */
#include "config.h"
#include "git-version.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "alert/alert.h"
#include "common/html.h"
#include "daemon/daemon.h"
#include "web/httpd.h"
#include "web/metrics.h"
#include "alert/sink.h"
#include "sipcanary.h"
#include "web/status_html.h"
#include "conf/target.h"

#define HISTORY_LEN		60
#define SHUTDOWN_GRACE		4.5	/* SIGTERM: exit within 5 s */
#define RELOCATE_MIN		30.0
#define RELOCATE_MAX		3600.0
#define RELOCATE_RETRY		30.0
#define FLOW_BACKOFF_BASE	1.0
#define FLOW_BACKOFF_MAX	60.0
#define RECONNECT_RING		64	/* reconnect outcomes kept per frontend */

struct dtarget;

struct dfront {
	struct dtarget		*t;
	struct sc_frontend	 fe;
	char			 address[80];
	char			 srv[300];
	struct event		*timer;
	struct sc_probe		*probe;
	int			 probe_cut;	/* probe being shut down */
	int			 leaving;	/* gone from DNS: unregistering */
	struct dcert_key	*certs;		/* cert_not_after series shown */
	size_t			 ncerts;
	struct sc_engine	*flows;
	unsigned		 nflows;
	unsigned char		*flow_up;	/* per flow */
	unsigned char		*flow_deliberate; /* cause of last down */
	int			 flows_live;	/* engine not yet done */
	struct event		*flows_ev;	/* starts the flows */
	int			 probed;
	enum sc_verdict		 verdict;
	char			 error[512];
	time_t			 last_success;
	double			 days_left;
	unsigned char		 hist[HISTORY_LEN];
	size_t			 nhist;
	int			 seen;		/* in the last location */
	char			 leaf_fp[65];	/* last leaf seen, for consistency */
	char			 leaf_subject[256];
	time_t			 leaf_not_after;
	unsigned char		*flow_was_up;	/* per flow: ever registered */
	time_t			 rc_at[RECONNECT_RING];	/* reconnect outcomes */
	unsigned char		 rc_ok[RECONNECT_RING];
	size_t			 rc_next;
};

/* The labels of one certificate's series: depth and fingerprint. */
struct dcert_key {
	char		 depth[16];
	char		 fp[65];
};

struct dtarget {
	struct daemon		*d;
	struct target_conf	 conf;		/* our own deep copy */
	struct target		 uri;
	void			*tls_ctx;	/* shared with targets of its load */
	unsigned		 gen;		/* the load that made it */
	struct sc_locate	*locate;
	struct event		*relocate;
	struct dfront		**fe;
	size_t			 nfe;
	struct dfront		**leaving;	/* gone from DNS, not yet done */
	size_t			 nleaving;
	int			 outage;
	enum sc_verdict		 dns_verdict;	/* of the last location */
	char			 dns_error[600];
	struct sc_step		 flow_steps[4];
	struct sc_scenario	 flow_sc;
	int			 retiring;
	int			 live_engines;
};

struct daemon {
	struct event_base	*base;
	struct sc_config	*conf;
	char			*path;
	struct metrics		*m;
	struct metrics_family	*f_success, *f_probes, *f_phase, *f_flow_up,
				*f_reconnects, *f_reconnect_dur, *f_rtt,
				*f_cert_not_after, *f_cert_earliest, *f_cert_ok,
				*f_outage, *f_frontends, *f_build,
				*f_last_success, *f_dns_success;
	struct httpd		*http;
	struct alerts		*alerts;
	struct sink		**sinks;
	size_t			 nsinks;
	struct event		*ev_refresh;
	struct metrics_family	*f_alerts_firing, *f_notifications,
				*f_outbox_depth, *f_dropped;
	struct dtarget		**targets;
	size_t			 ntargets;
	/*
	 * The targets of the load in progress (start or reload); those this
	 * load made (generation `gen`) with the same trust store share a
	 * TLS context.  Only those: a reload re-reads the CA files.
	 */
	struct dtarget		**loading;
	size_t			 nloading;
	unsigned		 gen;
	struct dtarget		**retired;
	size_t			 nretired;
	struct event		*ev_hup, *ev_term, *ev_int, *ev_grace;
	time_t			 started;
	int			 stopping;
	int			 rc;
};

static void	dfront_free(struct dfront *);
static void	dtarget_free(struct dtarget *);
static void	dtarget_reap_fronts(struct dtarget *);
static void	dfront_forget_metrics(struct dfront *);
static void	dtarget_locate(struct dtarget *);
static void	human_age(time_t, char *, size_t);
static void	dfront_reconnect_eval(struct dfront *);
static void	daemon_refresh_pace(struct daemon *, const struct sc_config *);
static void	daemon_check_stopped(struct daemon *);
static char	*daemon_alerts_html(struct daemon *);
static int	daemon_sinks(struct daemon *, const struct sc_config *, int);

static const double phase_bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const double reconnect_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };
static const double rtt_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

/* --- small helpers ------------------------------------------------------- */

/* Uniform in [0, 1]. */
static double
daemon_random(void)
{
	unsigned int r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)random();
	return (double)r / (double)UINT32_MAX;
}

static double
daemon_jitter(double seconds)
{
	/* ±10%, so that frontends of one target are not probed in step. */
	return seconds * (0.9 + 0.2 * daemon_random());
}

static void
daemon_arm(struct event *ev, double seconds)
{
	struct timeval tv;

	if (seconds < 0)
		seconds = 0;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	evtimer_add(ev, &tv);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
tconf_clear(struct target_conf *c)
{
	free(c->name);
	free(c->uri);
	free(c->user);
	if (c->password != NULL) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->password_file);
	free(c->owner);
	free(c->connect);
	free(c->dns_server);
	free(c->ca_file);
	free(c->runbook_url);
	memset(c, 0, sizeof(*c));
}

static int
tconf_copy(struct target_conf *dst, const struct target_conf *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->uri = dup_or_null(src->uri);
	dst->user = dup_or_null(src->user);
	dst->password = dup_or_null(src->password);
	dst->password_file = dup_or_null(src->password_file);
	dst->owner = dup_or_null(src->owner);
	dst->connect = dup_or_null(src->connect);
	dst->dns_server = dup_or_null(src->dns_server);
	dst->ca_file = dup_or_null(src->ca_file);
	dst->runbook_url = dup_or_null(src->runbook_url);
	if ((src->runbook_url && !dst->runbook_url) || dst->name == NULL || dst->uri == NULL ||
	    (src->user && !dst->user) || (src->password && !dst->password) ||
	    (src->password_file && !dst->password_file) ||
	    (src->owner && !dst->owner) || (src->connect && !dst->connect) ||
	    (src->dns_server && !dst->dns_server) ||
	    (src->ca_file && !dst->ca_file)) {
		tconf_clear(dst);
		return -1;
	}
	return 0;
}

/* A TLS or certificate failure: the layer the incident broke. */
static int
verdict_tls_layer(enum sc_verdict v)
{
	const char *s = sc_verdict_str(v);

	if (v == SC_CERT_EXPIRING || v == SC_CERT_INCONSISTENT)
		return 0;
	return strncmp(s, "tls_", 4) == 0 || strncmp(s, "cert_", 5) == 0;
}

static int
dfront_flows_up(const struct dfront *f)
{
	unsigned	i;
	int		n = 0;

	for (i = 0; i < f->nflows; i++)
		n += f->flow_up[i] != 0;
	return n;
}

/* --- alert rules -------------------------------------------------------- */

/* The alert rule settings of a target (sipcanary.conf(5)). */
static unsigned
dtarget_for(const struct dtarget *t)
{
	return t->conf.alert_for > 0 ? t->conf.alert_for : 2;
}

static unsigned
dtarget_resolve_after(const struct dtarget *t)
{
	return t->conf.resolve_after > 0 ? t->conf.resolve_after : 2;
}

static double
dtarget_flap_window(const struct dtarget *t)
{
	return t->conf.flap_window;	/* 0: no damping */
}

static void
dtarget_alert(struct dtarget *t, const char *name, const char *frontend,
    int bad, const char *severity, unsigned for_n, const char *verdict,
    const char *fingerprint, const char *not_after, const char *summary,
    const char *description)
{
	struct alert_eval ev;

	memset(&ev, 0, sizeof(ev));
	ev.alertname = name;
	ev.target = t->conf.name;
	ev.frontend = frontend;
	ev.bad = bad;
	ev.severity = severity;
	ev.for_n = for_n;
	ev.resolve_after = dtarget_resolve_after(t);
	ev.flap_window = dtarget_flap_window(t);
	ev.verdict = verdict;
	ev.fingerprint = fingerprint;
	ev.not_after = not_after;
	ev.summary = summary;
	ev.description = description;
	alerts_eval(t->d->alerts, &ev);
}

static void
human_age(time_t then, char *buf, size_t len)
{
	double s = difftime(time(NULL), then);

	if (s < 0)
		snprintf(buf, len, "in %.0f days", -s / 86400);
	else if (s < 3600)
		snprintf(buf, len, "%.0f min ago", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%.0f h ago", s / 3600);
	else
		snprintf(buf, len, "%.0f days ago", s / 86400);
}

/* The alerts one fresh probe of a frontend bears on. */
static void
dfront_alerts(struct dfront *f, const struct sc_result *r)
{
	struct dtarget		*t = f->t;
	const struct sc_cert	*leaf = r->cert.nchain > 0 ? &r->cert.chain[0] :
				    NULL;
	const struct sc_cert	*e = r->cert.has_expiry ? &r->cert.expiry :
				    NULL;
	char			 summary[512], desc[1024], na[32], age[32];
	int			 up = r->verdict == SC_OK ||
				    r->verdict == SC_CERT_EXPIRING;
	int			 flows = dfront_flows_up(f);
	struct tm		 tm;

	na[0] = '\0';
	if (leaf != NULL) {
		gmtime_r(&leaf->not_after, &tm);
		strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
		human_age(leaf->not_after, age, sizeof(age));
	}
	snprintf(summary, sizeof(summary), "new connections to %s fail: %s",
	    f->address, sc_verdict_str(r->verdict));
	snprintf(desc, sizeof(desc), "fresh probes of %s (%s) fail: %s; %d "
	    "of %u persistent flows are up", f->address, t->conf.uri,
	    r->error, flows, f->nflows);
	dtarget_alert(t, "SipcanaryFrontendDown", f->address, !up, "critical",
	    dtarget_for(t), sc_verdict_str(r->verdict),
	    leaf != NULL ? leaf->fingerprint_sha256 : NULL, na, summary, desc);
	if (r->t.tls_handshake < 0)
		return;		/* no certificate was seen this time */
	if (leaf != NULL && r->cert.verdict == SC_CERT_EXPIRED)
		snprintf(summary, sizeof(summary), "new TLS connections to %s "
		    "fail: certificate expired %s (%s, notAfter %s)%s",
		    f->address, age, leaf->subject, na, flows > 0 ?
		    "; existing registrations are still up" : "");
	else
		snprintf(summary, sizeof(summary), "the certificate of %s is "
		    "not valid: %s", f->address,
		    sc_verdict_str(r->cert.verdict));
	snprintf(desc, sizeof(desc), "%s (target %s, %s)", r->cert.error,
	    t->conf.name, t->conf.uri);
	dtarget_alert(t, "SipcanaryCertInvalid", f->address,
	    r->cert.verdict != SC_OK && r->cert.verdict != SC_CERT_EXPIRING,
	    "critical", 1, sc_verdict_str(r->cert.verdict),
	    leaf != NULL ? leaf->fingerprint_sha256 : NULL, na, summary, desc);
	if (e != NULL) {
		gmtime_r(&e->not_after, &tm);
		strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(summary, sizeof(summary), "a certificate of %s "
		    "expires in %.1f days (%s, notAfter %s)", f->address,
		    e->days_left, e->subject != NULL ? e->subject : "?", na);
	}
	dtarget_alert(t, "SipcanaryCertExpiringSoon", f->address,
	    r->cert.verdict == SC_CERT_EXPIRING,
	    r->severity == SC_SEV_CRITICAL ? "critical" : "warning", 1,
	    "cert_expiring", e != NULL ? e->fingerprint_sha256 : NULL, na,
	    summary, r->cert.error);
}

/* Target-level rules over the last result of every frontend. */
static void
dtarget_alerts(struct dtarget *t)
{
	size_t		 i, j, probed = 0, ndistinct = 0;
	unsigned	 top = t->nfe > 0 ? t->fe[0]->fe.priority : 0;
	int		 top_up = 0;
	char		 summary[512];

	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];

		if (!f->probed)
			continue;
		probed++;
		if ((f->verdict == SC_OK || f->verdict == SC_CERT_EXPIRING) &&
		    f->fe.priority == top)
			top_up = 1;
		if (f->leaf_fp[0] == '\0')
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(t->fe[j]->leaf_fp, f->leaf_fp) == 0)
				break;
		if (j == i)
			ndistinct++;
	}
	if (probed == 0)
		return;
	snprintf(summary, sizeof(summary), "no frontend of %s (highest SRV "
	    "priority group) takes new registrations", t->conf.uri);
	dtarget_alert(t, "SipcanaryTargetDown", "", !top_up, "critical",
	    dtarget_for(t), NULL, NULL, NULL, summary, summary);
	snprintf(summary, sizeof(summary), "frontends of %s serve %zu "
	    "different certificates (a partial rollout?)", t->conf.uri,
	    ndistinct);
	dtarget_alert(t, "SipcanaryCertInconsistent", "",
	    ndistinct > 1 && !t->conf.allow_mixed_certs, "warning", 1,
	    "cert_inconsistent", NULL, NULL, summary, summary);
}

/*
 * The reconnect success ratio over the window, as an alert: evaluated on
 * every outcome and every fresh probe, so that it resolves as failures
 * age out of the window.
 */
static void
dfront_reconnect_eval(struct dfront *f)
{
	struct dtarget	*t = f->t;
	double		 window = t->conf.reconnect_window > 0 ?
			    t->conf.reconnect_window : 600;
	double		 min_ratio = t->conf.reconnect_min_ratio > 0 ?
			    t->conf.reconnect_min_ratio : 0.9;
	time_t		 now = time(NULL);
	size_t		 i, n = 0, good = 0;
	char		 summary[512];

	for (i = 0; i < RECONNECT_RING; i++)
		if (f->rc_at[i] != 0 && difftime(now, f->rc_at[i]) <= window) {
			n++;
			good += f->rc_ok[i];
		}
	snprintf(summary, sizeof(summary), "flows to %s reconnect with "
	    "success ratio %.2f over the last %.0f min (%zu of %zu)",
	    f->address, n > 0 ? (double)good / (double)n : 1.0, window / 60,
	    good, n);
	dtarget_alert(t, "SipcanaryReconnectFailing", f->address,
	    n > 0 && (double)good / (double)n < min_ratio, "critical", 1, NULL,
	    NULL, NULL, summary, summary);
}

/* Records a reconnect outcome and checks the success ratio. */
static void
dfront_reconnect_outcome(struct dfront *f, int ok)
{
	f->rc_at[f->rc_next] = time(NULL);
	f->rc_ok[f->rc_next] = ok != 0;
	f->rc_next = (f->rc_next + 1) % RECONNECT_RING;
	dfront_reconnect_eval(f);
}

/* --- metrics ------------------------------------------------------------- */

static void
daemon_metrics_full(const char *family, size_t limit, void *arg)
{
	(void)arg;
	log_event(LOG_ERROR, NULL, NULL, NULL, "metrics: %s holds its limit "
	    "of %zu series; new series are dropped and counted in %s (raise "
	    "metrics_series_limit)", family, limit, METRICS_DROPPED_NAME);
}

static int
daemon_metrics_new(struct daemon *d)
{
	static const char *const tf[] = { "target", "frontend", "srv", NULL };
	static const char *const tfv[] = { "target", "frontend", "srv",
	    "verdict", NULL };
	static const char *const tfp[] = { "target", "frontend", "srv",
	    "phase", NULL };
	static const char *const tff[] = { "target", "frontend", "srv", "flow",
	    NULL };
	static const char *const tfrc[] = { "target", "frontend", "srv",
	    "result", "cause", NULL };
	static const char *const tfdf[] = { "target", "frontend", "srv",
	    "depth", "fingerprint_sha256", NULL };
	static const char *const t[] = { "target", NULL };
	static const char *const v[] = { "version", NULL };
	struct metrics *m;

	if ((d->m = m = metrics_new(d->conf->metrics_series_limit)) == NULL ||
	    metrics_const_label(m, "vantage", d->conf->vantage) == -1)
		return -1;
	metrics_on_full(m, daemon_metrics_full, d);
	d->f_success = metrics_gauge_new(m, "sipcanary_probe_success",
	    "1 if the last fresh probe of the frontend was ok", tf);
	d->f_probes = metrics_counter_new(m, "sipcanary_probes_total",
	    "Fresh probes by verdict code", tfv);
	d->f_phase = metrics_histogram_new(m,
	    "sipcanary_phase_duration_seconds", "Fresh probe phase latency: "
	    "dns, tcp_connect, tls_handshake, first_response, register", tfp,
	    phase_bounds, sizeof(phase_bounds) / sizeof(phase_bounds[0]));
	d->f_flow_up = metrics_gauge_new(m, "sipcanary_flow_up",
	    "1 while the persistent flow is registered", tff);
	d->f_reconnects = metrics_counter_new(m,
	    "sipcanary_flow_reconnects_total", "Flow reconnects by result "
	    "(success, failure) and cause (deliberate, lost)", tfrc);
	d->f_reconnect_dur = metrics_histogram_new(m,
	    "sipcanary_flow_reconnect_duration_seconds",
	    "From a flow's break or loss until registered again", tf,
	    reconnect_bounds,
	    sizeof(reconnect_bounds) / sizeof(reconnect_bounds[0]));
	d->f_rtt = metrics_histogram_new(m, "sipcanary_keepalive_rtt_seconds",
	    "RFC 5626 CRLF keep-alive ping to pong", tf, rtt_bounds,
	    sizeof(rtt_bounds) / sizeof(rtt_bounds[0]));
	d->f_cert_not_after = metrics_gauge_new(m,
	    "sipcanary_cert_not_after_timestamp_seconds", "notAfter of each "
	    "certificate the frontend sent, kept when verification fails",
	    tfdf);
	d->f_cert_earliest = metrics_gauge_new(m,
	    "sipcanary_cert_earliest_expiry_timestamp_seconds",
	    "Earliest notAfter in the frontend's chain", tf);
	d->f_cert_ok = metrics_gauge_new(m, "sipcanary_cert_ok",
	    "1 if the frontend's certificate verdict is ok", tf);
	d->f_outage = metrics_gauge_new(m, "sipcanary_new_connection_outage",
	    "1 while fresh probes fail at the TLS or certificate layer while "
	    "persistent flows to the same frontend are up", t);
	d->f_frontends = metrics_gauge_new(m, "sipcanary_frontends",
	    "Frontends currently located for the target", t);
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
	d->f_build = metrics_gauge_new(m, "sipcanary_build_info",
	    "Always 1; the version is a label", v);
	d->f_last_success = metrics_gauge_new(m,
	    "sipcanary_probe_last_success_timestamp_seconds",
	    "When the last ok fresh probe of the frontend ended", tf);
	d->f_dns_success = metrics_gauge_new(m, "sipcanary_dns_success",
	    "1 if the last location of the target's frontends succeeded", t);
	if (d->f_success == NULL || d->f_probes == NULL || d->f_phase == NULL ||
	    d->f_flow_up == NULL || d->f_reconnects == NULL ||
	    d->f_reconnect_dur == NULL || d->f_rtt == NULL ||
	    d->f_cert_not_after == NULL || d->f_cert_earliest == NULL ||
	    d->f_cert_ok == NULL || d->f_outage == NULL ||
	    d->f_frontends == NULL || d->f_build == NULL ||
	    d->f_alerts_firing == NULL || d->f_notifications == NULL ||
	    d->f_outbox_depth == NULL || d->f_dropped == NULL ||
	    d->f_last_success == NULL || d->f_dns_success == NULL)
		return -1;
	(void)metrics_set(d->f_build, (const char *const[]){ PACKAGE_VERSION },
	    1);
	return 0;
}

static void
dfront_phase(struct dfront *f, const char *phase, double seconds)
{
	const char *const l[] = { f->t->conf.name, f->address, f->srv, phase };

	if (seconds >= 0)
		(void)metrics_observe(f->t->d->f_phase, l, seconds);
}

/* Certificate series of a frontend: replaced as a whole on each probe. */
/*
 * The certificate series of a frontend after a handshake.  Only those of
 * certificates it no longer sends are removed, by their labels: a scan of
 * the family (every frontend's chain) on every probe would cost time
 * quadratic in the number of frontends, and removing and re-adding the
 * same series would churn memory.
 */
static void
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

/* --- the detector -------------------------------------------------------- */

static void
dtarget_detect(struct dtarget *t, int probed_now)
{
	const struct dfront	*bad = NULL;
	size_t			 i;
	int			 outage = 0, up = 0, tls_failing = 0, probed = 0;

	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];

		if (!f->probed)
			continue;
		probed++;
		if (!verdict_tls_layer(f->verdict))
			continue;
		tls_failing = 1;
		if (dfront_flows_up(f) > 0) {
			outage = 1;
			up += dfront_flows_up(f);
			if (bad == NULL)
				bad = f;
		}
	}
	if (outage != t->outage) {
		if (outage)
			log_event(LOG_WARN, t->conf.name, bad->address,
			    "new_connection_outage", "new connections fail at "
			    "the TLS or certificate layer (%s) while %d "
			    "existing flows are up", sc_verdict_str(bad->verdict),
			    up);
		else
			log_event(LOG_INFO, t->conf.name, NULL, "ok",
			    "new_connection_outage cleared");
	}
	t->outage = outage;
	(void)metrics_set(t->d->f_outage,
	    (const char *const[]){ t->conf.name }, outage);
	/*
	 * The alert counts probe results only.  It is good only when no
	 * fresh probe fails at the TLS layer: probes failing while no flow
	 * is up (after a restart, the flows cannot come back through the
	 * broken certificate) neither fire nor resolve it.
	 */
	if (!probed_now || probed == 0 || (!outage && tls_failing))
		return;
	{
		char		 summary[512], desc[1024], na[32], age[32];
		struct tm	 tm;

		na[0] = age[0] = '\0';
		if (bad != NULL && bad->leaf_not_after != 0) {
			gmtime_r(&bad->leaf_not_after, &tm);
			strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);
			human_age(bad->leaf_not_after, age, sizeof(age));
		}
		if (bad != NULL && bad->verdict == SC_CERT_EXPIRED)
			snprintf(summary, sizeof(summary), "new TLS connections "
			    "to %s fail: certificate expired %s (%s, notAfter "
			    "%s); %d existing registrations are still up",
			    bad->address, age, bad->leaf_subject, na, up);
		else if (bad != NULL)
			snprintf(summary, sizeof(summary), "new TLS connections "
			    "to %s fail (%s); %d existing registrations are "
			    "still up", bad->address,
			    sc_verdict_str(bad->verdict), up);
		else
			snprintf(summary, sizeof(summary), "new connections to "
			    "%s succeed again", t->conf.uri);
		snprintf(desc, sizeof(desc), "fresh probes of %s fail at the "
		    "TLS or certificate layer while persistent flows to the "
		    "same frontend stay registered: the signature of an expired "
		    "or broken frontend certificate that existing connections "
		    "do not notice.  %s", t->conf.uri,
		    bad != NULL ? bad->error : "");
		dtarget_alert(t, "SipcanaryNewConnectionOutage", "", outage,
		    "critical", 1, bad != NULL ? sc_verdict_str(bad->verdict) :
		    "ok", bad != NULL ? bad->leaf_fp : NULL, na, summary, desc);
	}
}

/* --- fresh probes -------------------------------------------------------- */

static void	dfront_probe_start(struct dfront *);

static void
dfront_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	dfront_probe_start(arg);
}

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

static void
dfront_probe_done(struct sc_result *r, void *arg)
{
	struct dfront	*f = arg;
	struct dtarget	*t = f->t;
	struct daemon	*d = t->d;
	const char	*const tf[] = { t->conf.name, f->address, f->srv };
	const char	*const tfv[] = { t->conf.name, f->address, f->srv,
			    sc_verdict_str(r->verdict) };
	int		 ok = r->verdict == SC_OK ||
			    r->verdict == SC_CERT_EXPIRING;
	enum sc_verdict	 before = f->verdict;
	int		 was = f->probed;

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
	dfront_phase(f, "first_response", r->t.first_response);
	dfront_phase(f, "register", r->t.registered);
	dfront_cert_metrics(f, r);
	if (r->t.tls_handshake >= 0 && r->cert.nchain > 0) {
		snprintf(f->leaf_fp, sizeof(f->leaf_fp), "%s",
		    r->cert.chain[0].fingerprint_sha256);
		snprintf(f->leaf_subject, sizeof(f->leaf_subject), "%s",
		    r->cert.chain[0].subject);
		f->leaf_not_after = r->cert.chain[0].not_after;
	}
	dfront_alerts(f, r);
	dtarget_alerts(t);
	log_event(ok ? LOG_INFO : LOG_WARN, t->conf.name, f->address,
	    sc_verdict_str(r->verdict), "fresh probe: %s%s%s (tcp %.1f ms, "
	    "tls %.1f ms, register %.1f ms)", ok ? "ok" : "failed",
	    r->error[0] ? ": " : "", r->error, r->t.tcp_connect * 1000,
	    r->t.tls_handshake * 1000, r->t.registered * 1000);
	if (was && before != r->verdict)
		log_event(LOG_WARN, t->conf.name, f->address,
		    sc_verdict_str(r->verdict), "verdict changed from %s",
		    sc_verdict_str(before));
	sc_probe_free(f->probe);	/* safe: called from a deferred event */
	f->probe = NULL;
	dtarget_detect(t, 1);
	dfront_reconnect_eval(f);
	if (!d->stopping && !t->retiring)
		daemon_arm(f->timer, daemon_jitter(t->conf.interval));
}

/*
 * A stop or a reload: a fresh probe in flight removes the binding it
 * made (or is being granted) before it goes, as the flows do; until then
 * it counts as a live engine of its target.
 */
static void
dfront_probe_cut(struct dfront *f)
{
	if (f->probe == NULL || f->probe_cut)
		return;
	f->probe_cut = 1;
	f->t->live_engines++;
	sc_probe_shutdown(f->probe);
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
	o.tls_only = t->conf.user == NULL;
	o.insecure = t->conf.insecure_skip_verify;
	if ((f->probe = sc_probe_start(t->d->base, &o, dfront_probe_done, f))
	    == NULL) {
		log_event(LOG_ERROR, t->conf.name, f->address,
		    "internal_error", "cannot start a probe: out of memory");
		daemon_arm(f->timer, t->conf.interval);
	}
}

/* --- persistent flows ---------------------------------------------------- */

static void
dfront_flow_set(struct dfront *f, unsigned flow, int up)
{
	char flowid[16];

	snprintf(flowid, sizeof(flowid), "%u", flow);
	(void)metrics_set(f->t->d->f_flow_up, (const char *const[]){
	    f->t->conf.name, f->address, f->srv, flowid }, up);
}

static void
dfront_on_flow(unsigned client, int up, enum sc_verdict why, void *arg)
{
	struct dfront *f = arg;

	if (client >= f->nflows)
		return;
	f->flow_up[client] = up != 0;
	if (up)
		f->flow_was_up[client] = 1;
	if (!up)
		f->flow_deliberate[client] = why == SC_OK;
	dfront_flow_set(f, client, up);
	if (!up && why != SC_OK && !f->t->d->stopping)
		log_event(LOG_WARN, f->t->conf.name, f->address,
		    sc_verdict_str(why), "flow %u is down", client);
	else if (up)
		log_event(LOG_INFO, f->t->conf.name, f->address, "ok",
		    "flow %u is registered", client);
	dtarget_detect(f->t, 0);
}

static void
dfront_on_reconnect(unsigned client, double seconds, int deliberate,
    void *arg)
{
	struct dfront	*f = arg;
	const char	*const tf[] = { f->t->conf.name, f->address, f->srv };

	(void)client;
	(void)metrics_inc(f->t->d->f_reconnects, (const char *const[]){
	    f->t->conf.name, f->address, f->srv, "success",
	    deliberate ? "deliberate" : "lost" });
	(void)metrics_observe(f->t->d->f_reconnect_dur, tf, seconds);
	dfront_reconnect_outcome(f, 1);
	log_event(LOG_INFO, f->t->conf.name, f->address, "ok",
	    "flow %u registered again %.3f s after a %s", client, seconds,
	    deliberate ? "deliberate break" : "loss");
}

static void
dfront_on_step(const struct sc_step_event *ev, void *arg)
{
	struct dfront	*f = arg;

	if (ev->held || f->t->d->stopping || ev->client >= f->nflows)
		return;
	/*
	 * A flow that never registered is not reconnecting, so no reconnect
	 * is counted; its failed attempts (backing off) are still logged.
	 */
	if (!f->flow_was_up[ev->client]) {
		if (ev->step->kind == SC_STEP_RECONNECT ||
		    ev->step->kind == SC_STEP_REGISTER)
			log_event(LOG_WARN, f->t->conf.name, f->address,
			    sc_verdict_str(ev->verdict), "flow %u: not up "
			    "yet: %s failed: %s", ev->client,
			    sc_step_kind_str(ev->step->kind),
			    ev->error != NULL ? ev->error : "");
		return;
	}
	if (ev->step->kind == SC_STEP_RECONNECT ||
	    ev->step->kind == SC_STEP_REGISTER) {
		(void)metrics_inc(f->t->d->f_reconnects, (const char *const[]){
		    f->t->conf.name, f->address, f->srv, "failure",
		    f->flow_deliberate[ev->client] ? "deliberate" : "lost" });
		dfront_reconnect_outcome(f, 0);
		log_event(LOG_WARN, f->t->conf.name, f->address,
		    sc_verdict_str(ev->verdict), "flow %u: %s failed: %s",
		    ev->client, sc_step_kind_str(ev->step->kind),
		    ev->error != NULL ? ev->error : "");
	}
}

static void
dfront_on_keepalive(unsigned client, double rtt, void *arg)
{
	struct dfront	*f = arg;
	const char	*const tf[] = { f->t->conf.name, f->address, f->srv };

	(void)client;
	(void)metrics_observe(f->t->d->f_rtt, tf, rtt);
}

static void
dfront_on_flows_done(void *arg)
{
	struct dfront	*f = arg;
	struct dtarget	*t = f->t;
	struct daemon	*d = t->d;

	f->flows_live = 0;
	t->live_engines--;
	if (f->leaving)
		dtarget_reap_fronts(t);	/* may free f */
	daemon_check_stopped(d);
}

static const struct sc_engine_cbs dfront_flow_cbs = {
	.on_step = dfront_on_step,
	.on_reconnect = dfront_on_reconnect,
	.on_flow = dfront_on_flow,
	.on_keepalive = dfront_on_keepalive,
	.on_done = dfront_on_flows_done,
};

/* While new connections fail, keep the flows that still work. */
static int
dfront_defer_break(unsigned client, void *arg)
{
	struct dfront *f = arg;

	(void)client;
	if (f->probed && f->verdict != SC_OK && f->verdict != SC_CERT_EXPIRING) {
		log_event(LOG_INFO, f->t->conf.name, f->address,
		    sc_verdict_str(f->verdict), "deliberate flow break "
		    "postponed while fresh probes fail");
		return 1;
	}
	return 0;
}

static void
dfront_flows_start(struct dfront *f)
{
	struct dtarget		*t = f->t;
	struct sc_engine_opts	 eo;
	char			 err[256];

	if (t->conf.flows == 0 || t->conf.user == NULL)
		return;		/* no credentials: nothing to stay registered */
	memset(&eo, 0, sizeof(eo));
	eo.scenario = &t->flow_sc;
	eo.uri = t->uri.uri;
	eo.domain = t->uri.domain;
	eo.frontends = &f->fe;
	eo.nfrontends = 1;
	eo.password = t->conf.password;
	eo.clients = t->conf.flows;
	eo.ramp = 0;
	eo.timeout = t->conf.timeout;
	eo.tls_ctx = t->tls_ctx;
	eo.warn_days = t->conf.warn_days;
	eo.crit_days = t->conf.crit_days;
	eo.loop = 1;
	eo.insecure = t->conf.insecure_skip_verify;
	eo.defer_break = dfront_defer_break;
	eo.defer_arg = f;
	f->flows = sc_engine_start(t->d->base, &eo, &dfront_flow_cbs, f, err,
	    sizeof(err));
	if (f->flows == NULL) {
		log_event(LOG_ERROR, t->conf.name, f->address, "internal_error",
		    "cannot start flows: %s", err);
		return;
	}
	f->flows_live = 1;
	t->live_engines++;
}

static void
dfront_flows_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dfront *f = arg;

	(void)fd; (void)what;
	if (!f->t->d->stopping && !f->t->retiring)
		dfront_flows_start(f);
}

/* --- frontends ----------------------------------------------------------- */

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

static struct dfront *
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
	f->nflows = t->conf.user != NULL ? t->conf.flows : 0;
	if ((f->flow_up = calloc(f->nflows + 1, 1)) == NULL ||
	    (f->flow_deliberate = calloc(f->nflows + 1, 1)) == NULL ||
	    (f->flow_was_up = calloc(f->nflows + 1, 1)) == NULL ||
	    (f->timer = evtimer_new(t->d->base, dfront_timer, f)) == NULL ||
	    (f->flows_ev = evtimer_new(t->d->base, dfront_flows_cb, f)) ==
	    NULL) {
		dfront_free(f);
		return NULL;
	}
	for (i = 0; i < f->nflows; i++)
		dfront_flow_set(f, i, 0);
	daemon_arm(f->timer, dfront_first_delay(f));
	daemon_arm(f->flows_ev, dfront_first_delay(f));
	return f;
}

static void
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
	free(f);
}

static void
dfront_forget_metrics(struct dfront *f)
{
	const char *const match[] = { "target", f->t->conf.name, "frontend",
	    f->address, NULL };

	(void)metrics_remove_matching(f->t->d->m, match);
}

/*
 * No more probes or flows for the frontend (a stop, a reload, or DNS no
 * longer naming it); those in flight unregister first.
 */
static void
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
static void
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
static void
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

/* --- targets ------------------------------------------------------------- */

static void
dtarget_relocate_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	dtarget_locate(arg);
}

static void
dtarget_located_apply(struct dtarget *t, enum sc_verdict v, const char *why,
    const struct sc_frontend *fe, size_t n, double seconds)
{
	struct dfront	**nf;
	size_t		 i, j, k;
	double		 ttl = RELOCATE_MAX;
	int		 literal = t->conf.connect != NULL;

	t->dns_verdict = v;
	snprintf(t->dns_error, sizeof(t->dns_error), "%s", why);
	(void)metrics_set(t->d->f_dns_success,
	    (const char *const[]){ t->conf.name }, v == SC_OK);
	if (v != SC_OK) {
		log_event(LOG_WARN, t->conf.name, NULL, sc_verdict_str(v),
		    "cannot locate frontends (keeping %zu): %s", t->nfe, why);
		daemon_arm(t->relocate, RELOCATE_RETRY);
		return;
	}
	for (i = 0; i < t->nfe; i++)
		t->fe[i]->seen = 0;
	for (j = 0; j < n; j++) {
		for (i = 0; i < t->nfe; i++)
			if (strcmp(t->fe[i]->fe.host, fe[j].host) == 0 &&
			    t->fe[i]->fe.port == fe[j].port)
				break;
		if (fe[j].ttl > 0 && fe[j].ttl < ttl)
			ttl = fe[j].ttl;
		if (i < t->nfe) {
			t->fe[i]->seen = 1;
			continue;
		}
		if ((nf = realloc(t->fe, (t->nfe + 1) * sizeof(*nf))) == NULL)
			continue;
		t->fe = nf;
		if ((t->fe[t->nfe] = dfront_new(t, &fe[j])) == NULL)
			continue;
		t->fe[t->nfe]->seen = 1;
		log_event(LOG_INFO, t->conf.name, t->fe[t->nfe]->address, "ok",
		    "frontend located (dns %.1f ms)", seconds * 1000);
		dfront_phase(t->fe[t->nfe], "dns", seconds);
		t->nfe++;
	}
	/* Frontends that DNS no longer names go, with their series. */
	for (i = 0, k = 0; i < t->nfe; i++) {
		if (t->fe[i]->seen) {
			t->fe[k++] = t->fe[i];
			continue;
		}
		log_event(LOG_INFO, t->conf.name, t->fe[i]->address, "ok",
		    "frontend no longer located: unregistering its flows and "
		    "stopping");
		dfront_leave(t->fe[i]);
	}
	t->nfe = k;
	(void)metrics_set(t->d->f_frontends,
	    (const char *const[]){ t->conf.name }, (double)t->nfe);
	dtarget_detect(t, 0);
	/* Re-locate when the records expire; a literal never changes. */
	if (!literal) {
		if (ttl < RELOCATE_MIN)
			ttl = RELOCATE_MIN;
		daemon_arm(t->relocate, ttl);
	}
}

/*
 * A lookup ended.  Its resolver (a c-ares channel and the frontend table,
 * ~200 kB) goes at once, not at the next lookup: a daemon watches
 * hundreds of targets.
 */
static void
dtarget_located(enum sc_verdict v, const char *why,
    const struct sc_frontend *fe, size_t n, double seconds, void *arg)
{
	struct dtarget		*t = arg;
	struct sc_locate	*l = t->locate;

	dtarget_located_apply(t, v, why, fe, n, seconds);
	if (t->locate == l) {
		t->locate = NULL;
		sc_locate_free(l);
	}
}

static void
dtarget_locate(struct dtarget *t)
{
	struct sc_locate_opts	 lo;
	char			 err[256];

	sc_locate_free(t->locate);
	t->locate = NULL;
	if (t->d->stopping || t->retiring)
		return;
	memset(&lo, 0, sizeof(lo));
	lo.name = t->uri.connect_host != NULL ? t->uri.connect_host :
	    t->uri.domain;
	lo.port = t->uri.connect_host != NULL ? t->uri.connect_port :
	    t->uri.uri_port;
	lo.explicit = t->uri.connect_host != NULL || t->uri.uri_port != 0;
	lo.dns_servers = t->conf.dns_server;
	lo.timeout = t->conf.timeout;
	if ((t->locate = sc_locate_start(t->d->base, &lo, dtarget_located, t,
	    err, sizeof(err))) == NULL) {
		log_event(LOG_ERROR, t->conf.name, NULL, "internal_error",
		    "cannot start DNS: %s", err);
		daemon_arm(t->relocate, RELOCATE_RETRY);
	}
}

/*
 * The TLS context of a target of this load with the same CA file and
 * minimum version, shared: a CA bundle costs ~0.8 MB per context.
 */
static void *
dtarget_tls_ctx(struct daemon *d, const struct target_conf *c)
{
	const struct target_conf	*o;
	size_t				 i;

	for (i = 0; i < d->nloading; i++) {
		if (d->loading[i] == NULL || d->loading[i]->gen != d->gen ||
		    d->loading[i]->tls_ctx == NULL)
			continue;
		o = &d->loading[i]->conf;
		if (o->tls_min == c->tls_min &&
		    (o->ca_file == NULL) == (c->ca_file == NULL) &&
		    (c->ca_file == NULL || strcmp(o->ca_file, c->ca_file) == 0))
			return sc_tls_ctx_ref(d->loading[i]->tls_ctx);
	}
	return NULL;
}

static struct dtarget *
dtarget_new(struct daemon *d, const struct target_conf *c)
{
	struct dtarget	*t;
	char		 err[600];

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->d = d;
	t->gen = d->gen;
	if (tconf_copy(&t->conf, c) == -1)
		goto fail;
	if (target_parse_uri(&t->uri, c->uri, err, sizeof(err)) == -1 ||
	    (c->connect != NULL && target_parse_hostport(c->connect,
	    &t->uri.connect_host, &t->uri.connect_port, err,
	    sizeof(err)) == -1)) {
		log_event(LOG_ERROR, c->name, NULL, "internal_error", "%s",
		    err);
		goto fail;
	}
	if ((t->tls_ctx = dtarget_tls_ctx(d, c)) == NULL &&
	    (t->tls_ctx = sc_tls_ctx_new(c->ca_file, c->tls_min, 0, err,
	    sizeof(err))) == NULL) {
		log_event(LOG_ERROR, c->name, NULL, "internal_error", "%s",
		    err);
		goto fail;
	}
	if ((t->relocate = evtimer_new(d->base, dtarget_relocate_cb, t)) ==
	    NULL)
		goto fail;
	/* The persistent flow: a built-in scenario run in loop mode. */
	t->flow_steps[0] = (struct sc_step){ .kind = SC_STEP_RECONNECT,
	    .label = "reconnect", .expect_verdict = -1,
	    .backoff = SC_BACKOFF_RFC5626, .backoff_base = FLOW_BACKOFF_BASE,
	    .backoff_max = FLOW_BACKOFF_MAX, .within = c->timeout };
	t->flow_steps[1] = (struct sc_step){ .kind = SC_STEP_REGISTER,
	    .label = "register", .expect_verdict = -1, .within = c->timeout,
	    .expires = c->expires };
	t->flow_steps[2] = (struct sc_step){ .kind = SC_STEP_MAINTAIN,
	    .label = "maintain", .expect_verdict = -1, .within = c->timeout,
	    .every = c->keepalive, .expires = c->expires,
	    .duration = c->reconnect_every > 0 ?
	    daemon_jitter(c->reconnect_every) : 0 };
	t->flow_steps[3] = (struct sc_step){ .kind = SC_STEP_BREAK,
	    .label = "deliberate-break", .expect_verdict = -1,
	    .how = SC_BREAK_RST };
	t->flow_sc.name = (char *)"persistent-flow";
	t->flow_sc.clients = c->flows;
	t->flow_sc.user = t->conf.user;
	t->flow_sc.steps = t->flow_steps;
	t->flow_sc.nsteps = 4;
	t->dns_verdict = SC_OK;
	if (c->insecure_skip_verify)
		log_event(LOG_WARN, c->name, NULL, NULL, "insecure_skip_verify "
		    "is on: certificate failures are reported but do not stop "
		    "the probes, and credentials go over unverified "
		    "connections");
	(void)metrics_set(d->f_frontends, (const char *const[]){ c->name }, 0);
	log_event(LOG_INFO, c->name, NULL, "ok", "probing %s every %.0f s "
	    "with %u flows per frontend", c->uri, c->interval,
	    c->user != NULL ? c->flows : 0);
	dtarget_locate(t);
	return t;
fail:
	dtarget_free(t);
	return NULL;
}

static void
dtarget_free(struct dtarget *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfe; i++)
		dfront_free(t->fe[i]);
	free(t->fe);
	for (i = 0; i < t->nleaving; i++)
		dfront_free(t->leaving[i]);
	free(t->leaving);
	sc_locate_free(t->locate);
	if (t->relocate != NULL)
		event_free(t->relocate);
	sc_tls_ctx_free(t->tls_ctx);
	target_clear(&t->uri);
	tconf_clear(&t->conf);
	free(t);
}

/* No more DNS, probes or flows; those in flight unregister first. */
static void
dtarget_stop(struct dtarget *t)
{
	size_t i;

	sc_locate_free(t->locate);
	t->locate = NULL;
	event_del(t->relocate);
	for (i = 0; i < t->nfe; i++)
		dfront_stop(t->fe[i]);
}

/* Stops probing; its flows unregister, then daemon_reap frees it. */
static void
dtarget_retire(struct dtarget *t)
{
	struct daemon	*d = t->d;
	struct dtarget	**v;

	t->retiring = 1;
	dtarget_stop(t);
	if ((v = realloc(d->retired, (d->nretired + 1) * sizeof(*v))) ==
	    NULL) {
		dtarget_free(t);
		return;
	}
	d->retired = v;
	d->retired[d->nretired++] = t;
}

/* --- the daemon ---------------------------------------------------------- */

static void
daemon_reap(struct daemon *d)
{
	size_t i, k;

	for (i = 0, k = 0; i < d->nretired; i++) {
		if (d->retired[i]->live_engines > 0) {
			d->retired[k++] = d->retired[i];
			continue;
		}
		(void)metrics_remove_matching(d->m, (const char *const[]){
		    "target", d->retired[i]->conf.name, NULL });
		if (config_target(d->conf, d->retired[i]->conf.name) == NULL)
			alerts_forget(d->alerts, d->retired[i]->conf.name,
			    NULL);
		dtarget_free(d->retired[i]);
	}
	d->nretired = k;
}

static void
daemon_check_stopped(struct daemon *d)
{
	size_t	i;
	int	live = 0;

	daemon_reap(d);
	if (!d->stopping)
		return;
	for (i = 0; i < d->ntargets; i++)
		live += d->targets[i]->live_engines;
	if (live == 0 && d->nretired == 0)
		event_base_loopbreak(d->base);
}

static void
daemon_grace(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd; (void)what;
	log_event(LOG_WARN, NULL, NULL, NULL, "shutdown grace period over: "
	    "exiting with unregisters unanswered");
	event_base_loopbreak(d->base);
}

static void
daemon_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	size_t		 i;

	(void)what;
	if (d->stopping)
		return;
	d->stopping = 1;
	log_event(LOG_INFO, NULL, NULL, NULL, "%s: unregistering flows and "
	    "stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	for (i = 0; i < d->ntargets; i++)
		dtarget_stop(d->targets[i]);
	daemon_arm(d->ev_grace, SHUTDOWN_GRACE);
	daemon_check_stopped(d);
}

static void
daemon_reload(evutil_socket_t sig, short what, void *arg)
{
	struct daemon		*d = arg;
	struct sc_config	*nc;
	struct dtarget		**nt;
	char			 err[1024];
	size_t			 i, j, n = 0;

	(void)sig; (void)what;
	if (d->stopping)
		return;
	if ((nc = config_load(d->path, err, sizeof(err))) == NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload refused, the "
		    "running config stays in force: %s", err);
		return;
	}
	if ((nt = calloc(nc->ntargets + 1, sizeof(*nt))) == NULL) {
		config_free(nc);
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload: out of memory");
		return;
	}
	d->gen++;	/* new targets of this reload read their CA files anew */
	if (strcmp(nc->listen, d->conf->listen) != 0 ||
	    strcmp(nc->state_dir, d->conf->state_dir) != 0 ||
	    nc->metrics_series_limit != d->conf->metrics_series_limit)
		log_event(LOG_WARN, NULL, NULL, NULL, "reload: listen, "
		    "state_dir and metrics_series_limit take effect on restart "
		    "only");
	if (strcmp(nc->vantage, d->conf->vantage) != 0)
		(void)metrics_const_label(d->m, "vantage", nc->vantage);
	for (i = 0; i < nc->ntargets; i++) {
		const struct target_conf *c = &nc->targets[i];

		if (!c->enabled)
			continue;
		for (j = 0; j < d->ntargets; j++)
			if (d->targets[j] != NULL &&
			    target_conf_same(&d->targets[j]->conf, c))
				break;
		if (j < d->ntargets) {
			/* Unchanged: keep it, flows and all. */
			nt[n] = d->targets[j];
			d->targets[j] = NULL;
			free(nt[n]->conf.owner);
			nt[n]->conf.owner = dup_or_null(c->owner);
			n++;
			continue;
		}
		d->loading = nt;
		d->nloading = n;
		if ((nt[n] = dtarget_new(d, c)) != NULL)
			n++;
	}
	d->loading = NULL;
	d->nloading = 0;
	for (j = 0; j < d->ntargets; j++)
		if (d->targets[j] != NULL) {
			log_event(LOG_INFO, d->targets[j]->conf.name, NULL,
			    NULL, "reload: target changed or removed: "
			    "unregistering its flows");
			dtarget_retire(d->targets[j]);
		}
	free(d->targets);
	d->targets = nt;
	d->ntargets = n;
	if (daemon_sinks(d, nc, 1) == -1)
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload: sinks: out of "
		    "memory");
	daemon_refresh_pace(d, nc);
	config_free(d->conf);
	d->conf = nc;
	log_event(LOG_INFO, NULL, NULL, NULL, "reloaded %s: %zu targets",
	    d->path, n);
	daemon_check_stopped(d);
}

/* --- HTTP ---------------------------------------------------------------- */

static void
daemon_count_firing(const char *name, const char *severity, unsigned n,
    void *arg)
{
	struct daemon *d = arg;

	(void)metrics_set(d->f_alerts_firing,
	    (const char *const[]){ name, severity }, n);
}

static void
daemon_http_metrics(struct evhttp_request *req, void *arg)
{
	struct daemon	*d = arg;
	struct evbuffer	*b = evbuffer_new();

	size_t		 i;
	int		 r;

	/* Gauges of alerts that stopped firing go; the rest are recounted. */
	(void)metrics_family_remove_matching(d->f_alerts_firing,
	    (const char *const[]){ NULL });
	alerts_count(d->alerts, daemon_count_firing, d);
	for (i = 0; i < d->nsinks; i++) {
		const char *name = sink_name(d->sinks[i]);

		for (r = 0; r < SINK_RESULT_NUM; r++) {
			struct metrics_series *ser = metrics_series_get(
			    d->f_notifications, (const char *const[]){ name,
			    sink_result_str((enum sink_result)r) });

			if (ser != NULL)
				(void)metrics_series_set(ser, (double)
				    sink_notifications(d->sinks[i],
				    (enum sink_result)r));
		}
		(void)metrics_set(d->f_outbox_depth,
		    (const char *const[]){ name },
		    (double)sink_depth(d->sinks[i]));
		{
			struct metrics_series *ser = metrics_series_get(
			    d->f_dropped, (const char *const[]){ name });

			if (ser != NULL)
				(void)metrics_series_set(ser,
				    (double)sink_dropped(d->sinks[i]));
		}
	}

	if (b == NULL || metrics_write(d->m, b) == -1) {
		evbuffer_free(b);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	httpd_send(req, 200, METRICS_CONTENT_TYPE, b);
	evbuffer_free(b);
}

static const char *
dtarget_state(const struct dtarget *t)
{
	size_t	i;
	int	up = 0, down = 0, warn = 0, top_up = 0, probed = 0;
	unsigned top = t->nfe > 0 ? t->fe[0]->fe.priority : 0;

	if (t->nfe == 0)
		return t->dns_verdict == SC_OK ? "unknown" : "critical";
	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];

		if (!f->probed)
			continue;
		probed++;
		if (f->verdict == SC_OK || f->verdict == SC_CERT_EXPIRING) {
			up++;
			warn += f->verdict == SC_CERT_EXPIRING;
			top_up |= f->fe.priority == top;
		} else
			down++;
	}
	if (probed == 0)
		return "unknown";
	if (down > 0 && !top_up)
		return "critical";
	if (down > 0 || warn > 0 || t->outage)
		return t->outage ? "critical" : "warning";
	return "ok";
}

static void
daemon_http_status(struct evhttp_request *req, void *arg)
{
	struct daemon		*d = arg;
	struct status_target	*st;
	struct status_frontend	*sf;
	struct status_view	 v;
	struct evbuffer		*b;
	char			*alerts_html;
	size_t			 i, j, nfe = 0, k = 0;

	for (i = 0; i < d->ntargets; i++)
		nfe += d->targets[i]->nfe;
	st = calloc(d->ntargets + 1, sizeof(*st));
	sf = calloc(nfe + 1, sizeof(*sf));
	b = evbuffer_new();
	if (st == NULL || sf == NULL || b == NULL) {
		free(st);
		free(sf);
		evbuffer_free(b);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	for (i = 0; i < d->ntargets; i++) {
		const struct dtarget *t = d->targets[i];

		st[i].name = t->conf.name;
		st[i].uri = t->conf.uri;
		st[i].owner = t->conf.owner;
		st[i].state = dtarget_state(t);
		st[i].outage = t->outage;
		st[i].insecure = t->conf.insecure_skip_verify;
		st[i].frontends = &sf[k];
		st[i].nfrontends = t->nfe;
		for (j = 0; j < t->nfe; j++, k++) {
			const struct dfront *f = t->fe[j];

			sf[k].address = f->address;
			sf[k].verdict = f->probed ? sc_verdict_str(f->verdict) :
			    NULL;
			sf[k].error = f->error[0] != '\0' ? f->error : NULL;
			sf[k].last_success = f->last_success;
			sf[k].days_left = f->days_left;
			sf[k].flows_up = dfront_flows_up(f);
			sf[k].flows_total = (int)f->nflows;
			sf[k].history = f->hist;
			sf[k].nhistory = f->nhist;
		}
	}
	memset(&v, 0, sizeof(v));
	v.vantage = d->conf->vantage;
	v.version = PACKAGE_VERSION;
	v.now = time(NULL);
	v.started = d->started;
	v.targets = st;
	v.ntargets = d->ntargets;
	alerts_html = daemon_alerts_html(d);
	v.alerts_html = alerts_html;
	status_html_write(b, &v);
	free(alerts_html);
	httpd_send(req, 200, "text/html; charset=utf-8", b);
	evbuffer_free(b);
	free(st);
	free(sf);
}

/* --- alert delivery ------------------------------------------------------ */

/* The owner and runbook of a target by name, for notifications. */
static const struct dtarget *
daemon_target(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ntargets; i++)
		if (strcmp(d->targets[i]->conf.name, name) == 0)
			return d->targets[i];
	for (i = 0; i < d->nretired; i++)
		if (strcmp(d->retired[i]->conf.name, name) == 0)
			return d->retired[i];
	return NULL;
}

/* Queues a notification for every sink (durably, before sending). */
static void
daemon_send(struct daemon *d, const struct alert_state *a,
    enum notify_kind kind)
{
	const struct dtarget	*t = daemon_target(d, a->target);
	struct alert		 al;
	size_t			 i;

	memset(&al, 0, sizeof(al));
	al.alertname = a->alertname;
	al.severity = a->severity;
	al.target = a->target;
	al.frontend = a->frontend;
	al.vantage = d->conf->vantage;
	al.owner = t != NULL ? t->conf.owner : NULL;
	al.summary = a->summary;
	al.description = a->description;
	al.verdict = a->verdict;
	al.fingerprint = a->fingerprint;
	al.not_after = a->not_after;
	al.runbook_url = t != NULL ? t->conf.runbook_url : NULL;
	al.starts_at = a->starts_at;
	al.ends_at = kind == NOTIFY_RESOLVE ? a->resolved_at : 0;
	al.firing = kind != NOTIFY_RESOLVE;
	for (i = 0; i < d->nsinks; i++)
		(void)sink_notify(d->sinks[i], &al, kind);
}

static void
daemon_deliver(struct daemon *d, const struct alert_state *a,
    enum alert_event ev)
{
	daemon_send(d, a, ev == ALERT_TRIGGER ? NOTIFY_TRIGGER :
	    NOTIFY_RESOLVE);
}

/* Alertmanager forgets alerts not re-sent: refresh the firing ones. */
static void
daemon_refresh_one(const struct alert_state *a, enum alert_event ev,
    void *arg)
{
	(void)ev;
	daemon_send(arg, a, NOTIFY_REFRESH);
}

static void
daemon_refresh(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd; (void)what;
	alerts_each_firing(d->alerts, daemon_refresh_one, d);
}

/*
 * Re-sends run at half the smallest Alertmanager resend_interval (15 s
 * at most): each sink then sends when its own interval is due, well
 * before the endsAt it gave Alertmanager passes.
 */
static void
daemon_refresh_pace(struct daemon *d, const struct sc_config *conf)
{
	double		every = 15;
	size_t		i;
	struct timeval	tv;

	for (i = 0; i < conf->nsinks; i++)
		if (conf->sinks[i].type == SINK_ALERTMANAGER &&
		    conf->sinks[i].resend_interval > 0 &&
		    conf->sinks[i].resend_interval / 2 < every)
			every = conf->sinks[i].resend_interval / 2;
	if (every < 0.1)
		every = 0.1;
	tv.tv_sec = (time_t)every;
	tv.tv_usec = (suseconds_t)((every - (double)tv.tv_sec) * 1e6);
	event_del(d->ev_refresh);
	event_add(d->ev_refresh, &tv);
}

static void
daemon_sink_log(void *arg, int level, const char *target,
    const char *frontend, const char *verdict, const char *msg)
{
	(void)arg;
	log_event((enum log_level)level, target, frontend, verdict, "%s", msg);
}

/* Builds the sinks of conf; on reload, keeps the unchanged ones. */
static int
daemon_sinks(struct daemon *d, const struct sc_config *conf, int reload)
{
	struct sink	**v;
	char		 err[512];
	size_t		 i, j;

	if ((v = calloc(conf->nsinks + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < conf->nsinks; i++) {
		const struct sink_conf *sc = &conf->sinks[i];

		for (j = 0; reload && j < d->nsinks; j++)
			if (d->sinks[j] != NULL && strcmp(sink_name(d->sinks[j]),
			    sc->name) == 0)
				break;
		if (reload && j < d->nsinks) {
			const struct sink_conf *old = config_sink(d->conf,
			    sc->name);

			if (old != NULL && sink_conf_same(old, sc)) {
				v[i] = d->sinks[j];
				d->sinks[j] = NULL;
				continue;
			}
			/* Its outbox is locked: the old one goes first. */
			sink_free(d->sinks[j]);
			d->sinks[j] = NULL;
		}
		if ((v[i] = sink_new(d->base, sc, conf->state_dir, err,
		    sizeof(err))) == NULL)
			log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
	}
	for (j = 0; j < d->nsinks; j++)
		sink_free(d->sinks[j]);
	free(d->sinks);
	/* Sinks that failed to start leave holes: close them up. */
	for (i = 0, j = 0; i < conf->nsinks; i++)
		if (v[i] != NULL)
			v[j++] = v[i];
	d->sinks = v;
	d->nsinks = j;
	return 0;
}

static void
daemon_notify(const struct alert_state *a, enum alert_event ev, void *arg)
{
	struct daemon *d = arg;

	log_event(ev == ALERT_TRIGGER ? LOG_WARN : LOG_INFO, a->target,
	    a->frontend, a->verdict, "alert %s %s (%s): %s", a->alertname,
	    ev == ALERT_TRIGGER ? "firing" : "resolved", a->severity,
	    a->summary);
	daemon_deliver(d, a, ev);
}

static void
daemon_http_alerts(struct evhttp_request *req, void *arg)
{
	struct daemon	*d = arg;
	struct evbuffer	*b = evbuffer_new();
	json_t		*doc = alerts_json(d->alerts);
	char		*s = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) :
			    NULL;

	json_decref(doc);
	if (b == NULL || s == NULL || evbuffer_add(b, s, strlen(s)) == -1) {
		free(s);
		evbuffer_free(b);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	free(s);
	httpd_send(req, 200, "application/json", b);
	evbuffer_free(b);
}

static void
daemon_alert_row(const struct alert_state *a, enum alert_event ev, void *arg)
{
	struct evbuffer *b = arg;

	(void)ev;
	evbuffer_add_printf(b, "<li class=\"alert\" data-alertname=\"");
	html_escape_evbuffer(b, a->alertname);
	evbuffer_add_printf(b, "\" data-severity=\"");
	html_escape_evbuffer(b, a->severity);
	evbuffer_add_printf(b, "\"><b>");
	html_escape_evbuffer(b, a->alertname);
	evbuffer_add_printf(b, "</b> (");
	html_escape_evbuffer(b, a->severity);
	evbuffer_add_printf(b, ") ");
	html_escape_evbuffer(b, a->target);
	if (a->frontend[0] != '\0') {
		evbuffer_add_printf(b, " ");
		html_escape_evbuffer(b, a->frontend);
	}
	evbuffer_add_printf(b, ": ");
	html_escape_evbuffer(b, a->summary);
	evbuffer_add_printf(b, "%s</li>\n", a->flapping ? " (flapping)" : "");
}

/* The firing alerts as a list for the status page; NULL when none. */
static char *
daemon_alerts_html(struct daemon *d)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s = NULL;
	size_t		 len;

	if (b == NULL)
		return NULL;
	evbuffer_add_printf(b, "<ul class=\"alerts\">\n");
	len = evbuffer_get_length(b);
	alerts_each_active(d->alerts, daemon_alert_row, b);
	if (evbuffer_get_length(b) > len) {
		evbuffer_add_printf(b, "</ul>\n");
		len = evbuffer_get_length(b);
		if ((s = malloc(len + 1)) != NULL) {
			evbuffer_remove(b, s, len);
			s[len] = '\0';
		}
	}
	evbuffer_free(b);
	return s;
}

/* --- run ----------------------------------------------------------------- */

/*
 * Hands one entry of the state directory to the service user: only a
 * regular file with one link, opened without following a link, and
 * changed through its descriptor.  Anything else is left as it is: the
 * directory belongs to that user, who could have put a link to any file
 * there, and root must never chown or chmod through one.
 */
static void
daemon_state_entry_give(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	struct stat	 st;
	int		 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    (st.st_uid != uid || st.st_gid != gid))
		(void)!fchown(fd, uid, gid);
	close(fd);
}

/*
 * Started as root with `user` set: the listen socket is bound, so become
 * user for good.  The state directory (dirfd, opened without following a
 * link) and its regular files change hands first, through descriptors,
 * so that user can go on writing them; the state is read after this, as
 * user.  Later reloads read password files as user.
 */
static int
daemon_drop_privileges(const struct sc_config *c, int dirfd, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	DIR		*dir;
	struct dirent	*de;
	int		 fd2;

	if (c->run_user == NULL || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(c->run_user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", c->run_user);
		return -1;
	}
	if (fchown(dirfd, pw->pw_uid, pw->pw_gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", c->state_dir,
		    strerror(errno));
		return -1;
	}
	if ((fd2 = dup(dirfd)) != -1 && (dir = fdopendir(fd2)) != NULL) {
		while ((de = readdir(dir)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				daemon_state_entry_give(dirfd, de->d_name,
				    pw->pw_uid, pw->pw_gid);
		closedir(dir);
	} else if (fd2 != -1)
		close(fd2);
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot become user %s: %s",
		    c->run_user, strerror(errno));
		return -1;
	}
	/* There is no way back. */
	if (setuid(0) != -1) {
		snprintf(err, errlen, "privileges could not be dropped for "
		    "good");
		return -1;
	}
	log_event(LOG_INFO, NULL, NULL, NULL, "running as user %s (uid %u)",
	    pw->pw_name, (unsigned)pw->pw_uid);
	return 0;
}

/*
 * The state directory: created (0700) if missing, opened without
 * following a link, and refused when anyone but root and the service
 * user could write to it (they could plant files the daemon reads).
 * Returns its descriptor, or -1 with err set.
 */
static int
daemon_state_dir(const struct sc_config *c, char *err, size_t errlen)
{
	struct passwd	*pw;
	struct stat	 st;
	uid_t		 owner;
	int		 fd;

	if (mkdir(c->state_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state_dir %s: %s",
		    c->state_dir, strerror(errno));
		return -1;
	}
	if ((fd = open(c->state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "state_dir %s: %s%s", c->state_dir,
		    strerror(errno), errno == ELOOP || errno == ENOTDIR ?
		    " (it must be a directory, not a symbolic link)" : "");
		goto fail;
	}
	owner = geteuid();
	if (owner == 0 && c->run_user != NULL && (pw = getpwnam(c->run_user))
	    != NULL)
		owner = pw->pw_uid;
	if ((st.st_uid != 0 && st.st_uid != owner) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "state_dir %s is writable by others "
		    "(owner uid %u, mode %04o): it must belong to root or the "
		    "service user and not be group- or world-writable "
		    "(chmod 0700)", c->state_dir, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (geteuid() != 0 && faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) ==
	    -1) {
		snprintf(err, errlen, "state_dir %s is not writable by uid %u",
		    c->state_dir, (unsigned)geteuid());
		goto fail;
	}
	return fd;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

int
daemon_run(struct sc_config *config, const char *path)
{
	struct daemon	 d;
	char		 err[512], path_buf[4096];
	size_t		 i;
	int		 dirfd = -1;

	memset(&d, 0, sizeof(d));
	d.conf = config;
	d.rc = 1;
	d.started = time(NULL);
	if ((d.path = strdup(path)) == NULL ||
	    (d.base = sc_event_base_new()) == NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "out of memory");
		goto done;
	}
	if ((dirfd = daemon_state_dir(config, err, sizeof(err))) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		goto done;
	}
	sink_set_log(daemon_sink_log, &d);
	if (daemon_metrics_new(&d) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot set up metrics: "
		    "%s", strerror(errno));
		goto done;
	}
	if ((d.http = httpd_start(d.base, config->listen, err,
	    sizeof(err))) == NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot listen on %s: %s",
		    config->listen, err);
		goto done;
	}
	if (config->http_auth_file != NULL && httpd_load_basic_auth(d.http,
	    config->http_auth_file, err, sizeof(err)) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		goto done;
	}
	if (config->http_tls_cert != NULL && httpd_set_tls(d.http,
	    config->http_tls_cert, config->http_tls_key != NULL ?
	    config->http_tls_key : config->http_tls_cert, err,
	    sizeof(err)) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		goto done;
	}
	if (httpd_route(d.http, "/metrics", daemon_http_metrics, &d) == -1 ||
	    httpd_route(d.http, "/", daemon_http_status, &d) == -1 ||
	    httpd_route(d.http, "/alerts", daemon_http_alerts, &d) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "out of memory");
		goto done;
	}
	d.ev_hup = evsignal_new(d.base, SIGHUP, daemon_reload, &d);
	d.ev_term = evsignal_new(d.base, SIGTERM, daemon_stop, &d);
	d.ev_int = evsignal_new(d.base, SIGINT, daemon_stop, &d);
	d.ev_grace = evtimer_new(d.base, daemon_grace, &d);
	if (d.ev_hup == NULL || d.ev_term == NULL || d.ev_int == NULL ||
	    d.ev_grace == NULL || event_add(d.ev_hup, NULL) == -1 ||
	    event_add(d.ev_term, NULL) == -1 || event_add(d.ev_int, NULL) ==
	    -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot watch signals");
		goto done;
	}
	if (daemon_drop_privileges(config, dirfd, err, sizeof(err)) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		goto done;
	}
	close(dirfd);
	dirfd = -1;
	/* The state is read as the service user, never as root. */
	snprintf(path_buf, sizeof(path_buf), "%s/alerts.json",
	    config->state_dir);
	if ((d.alerts = alerts_open(path_buf, daemon_notify, &d, err,
	    sizeof(err))) == NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot load the alert "
		    "state: %s", err);
		goto done;
	}
	if (daemon_sinks(&d, config, 0) == -1 ||
	    (d.ev_refresh = event_new(d.base, -1, EV_PERSIST, daemon_refresh,
	    &d)) == NULL)
		goto done;
	daemon_refresh_pace(&d, config);
	if ((d.targets = calloc(config->ntargets + 1, sizeof(*d.targets))) ==
	    NULL)
		goto done;
	for (i = 0; i < config->ntargets; i++) {
		d.loading = d.targets;
		d.nloading = d.ntargets;
		if (config->targets[i].enabled &&
		    (d.targets[d.ntargets] = dtarget_new(&d,
		    &config->targets[i])) != NULL)
			d.ntargets++;
	}
	d.loading = NULL;
	d.nloading = 0;
	log_event(LOG_INFO, NULL, NULL, NULL, "sipcanary %s (%s) running: "
	    "vantage %s, %zu targets, metrics on http://%s/metrics",
	    PACKAGE_VERSION, SC_VERSION_GIT, config->vantage, d.ntargets,
	    config->listen);
	event_base_dispatch(d.base);
	log_event(LOG_INFO, NULL, NULL, NULL, "stopped");
	d.rc = 0;
done:
	if (dirfd != -1)
		close(dirfd);
	for (i = 0; i < d.ntargets; i++)
		dtarget_free(d.targets[i]);
	free(d.targets);
	for (i = 0; i < d.nretired; i++)
		dtarget_free(d.retired[i]);
	free(d.retired);
	httpd_free(d.http);
	for (i = 0; i < d.nsinks; i++)
		sink_free(d.sinks[i]);
	free(d.sinks);
	if (d.ev_refresh != NULL)
		event_free(d.ev_refresh);
	alerts_free(d.alerts);
	metrics_free(d.m);
	if (d.ev_hup != NULL)
		event_free(d.ev_hup);
	if (d.ev_term != NULL)
		event_free(d.ev_term);
	if (d.ev_int != NULL)
		event_free(d.ev_int);
	if (d.ev_grace != NULL)
		event_free(d.ev_grace);
	if (d.base != NULL)
		event_base_free(d.base);
	config_free(d.conf);
	free(d.path);
	return d.rc;
}
