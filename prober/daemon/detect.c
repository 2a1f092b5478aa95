/*
 * detect.c - the alert rules and the outage detector.  Each fresh probe,
 * flow change and reconnect outcome is turned into alert evaluations
 * (alert/alert.h decides when one fires or resolves); the detector
 * watches for the incident signature: new connections fail at the TLS
 * or certificate layer while persistent flows to the same frontend live.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/internal.h"

/* A frontend that takes new registrations, maybe with a warning. */
int
dverdict_up(enum sc_verdict v)
{
	return sc_verdict_up(v);
}

/* A TLS or certificate failure: the layer the incident broke. */
static int
verdict_tls_layer(enum sc_verdict v)
{
	const char *s = sc_verdict_str(v);

	if (sc_verdict_up(v) || v == SC_CERT_INCONSISTENT)
		return 0;
	return strncmp(s, "tls_", 4) == 0 || strncmp(s, "cert_", 5) == 0;
}

/* --- alert rules -------------------------------------------------------- */

/*
 * One page per incident: what each alert explains, for a target, root
 * first (docs/alerting.md gives the same as Alertmanager inhibit_rules).
 * New connections failing at the TLS layer while flows live is the
 * outage: the frontends down, the target down, the invalid certificate
 * and the failing reconnects are its symptoms.  No frontend up explains
 * each frontend down and each invalid certificate behind it; an invalid
 * certificate explains its frontend being down.
 */
const struct alert_inhibit dalert_hierarchy[] = {
	{ "SipcanaryNewConnectionOutage", "SipcanaryTargetDown", 0 },
	{ "SipcanaryNewConnectionOutage", "SipcanaryFrontendDown", 0 },
	{ "SipcanaryNewConnectionOutage", "SipcanaryCertInvalid", 0 },
	{ "SipcanaryNewConnectionOutage", "SipcanaryReconnectFailing", 0 },
	{ "SipcanaryTargetDown", "SipcanaryFrontendDown", 0 },
	{ "SipcanaryTargetDown", "SipcanaryCertInvalid", 0 },
	{ "SipcanaryCertInvalid", "SipcanaryFrontendDown", 1 },
};
const size_t dalert_nhierarchy = sizeof(dalert_hierarchy) /
    sizeof(dalert_hierarchy[0]);

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

/* A notAfter as an RFC 3339 time (na), and when it passes or passed. */
static void
dcert_when(time_t not_after, char na[32], char age[32])
{
	double		s = difftime(time(NULL), not_after);
	struct tm	tm;

	gmtime_r(&not_after, &tm);
	strftime(na, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (s < 0)
		snprintf(age, 32, "in %.0f days", -s / 86400);
	else if (s < 3600)
		snprintf(age, 32, "%.0f min ago", s / 60);
	else if (s < 2 * 86400)
		snprintf(age, 32, "%.0f h ago", s / 3600);
	else
		snprintf(age, 32, "%.0f days ago", s / 86400);
}

/* The alerts one fresh probe of a frontend bears on. */
void
dfront_alerts(struct dfront *f, const struct sc_result *r)
{
	struct dtarget		*t = f->t;
	const struct sc_cert	*leaf = r->cert.nchain > 0 ? &r->cert.chain[0] :
				    NULL;
	const struct sc_cert	*e = r->cert.has_expiry ? &r->cert.expiry :
				    NULL;
	char			 summary[512], desc[1024], na[32], age[32];
	int			 up = dverdict_up(r->verdict);
	int			 flows = dfront_flows_up(f);

	na[0] = '\0';
	if (leaf != NULL)
		dcert_when(leaf->not_after, na, age);
	snprintf(summary, sizeof(summary), "new connections to %s fail: %s",
	    f->address, sc_verdict_str(r->verdict));
	snprintf(desc, sizeof(desc), "fresh probes of %s (%s) fail: %s; %d "
	    "of %u persistent flows are up", f->address, t->conf.uri,
	    r->error, flows, f->nflows);
	dtarget_alert(t, "SipcanaryFrontendDown", f->address, !up, "critical",
	    dtarget_for(t), sc_verdict_str(r->verdict),
	    leaf != NULL ? leaf->fingerprint_sha256 : NULL, na, summary, desc);
	/* The probe's own client certificate (mutual TLS): dprofile.c. */
	if (r->has_client_cert && dprofile_client_cert(f, r, summary,
	    sizeof(summary), na, sizeof(na)) == 0)
		dtarget_alert(t, "SipcanaryClientCertExpiring", f->address,
		    r->verdict == SC_CLIENT_CERT_EXPIRING, "warning", 1,
		    "client_cert_expiring", NULL, na, summary, summary);
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
	    r->cert.verdict != SC_OK && r->cert.verdict != SC_CERT_EXPIRING &&
	    r->cert.verdict != SC_CERT_REVOCATION_UNKNOWN, "critical", 1, sc_verdict_str(r->cert.verdict),
	    leaf != NULL ? leaf->fingerprint_sha256 : NULL, na, summary, desc);
	if (e != NULL) {
		dcert_when(e->not_after, na, age);
		snprintf(summary, sizeof(summary), "a certificate of %s "
		    "expires in %.1f days (%s, notAfter %s)", f->address,
		    e->days_left, e->subject != NULL ? e->subject : "?", na);
	}
	dtarget_alert(t, "SipcanaryCertExpiringSoon", f->address,
	    r->cert.verdict == SC_CERT_EXPIRING,
	    r->cert.future_crit.checked && !r->cert.future_crit.ok ?
	    "critical" : "warning", 1,
	    "cert_expiring", e != NULL ? e->fingerprint_sha256 : NULL, na,
	    summary, r->cert.error);
}

/*
 * "a (cert_expired), b (tcp_refused)": the probed frontends whose last
 * verdict fails test, so that a page lists what it covers.  The count.
 */
static size_t
dtarget_failing(const struct dtarget *t, int (*fails)(enum sc_verdict),
    char *buf, size_t len)
{
	size_t	i, n = 0, off = 0;
	int	w;

	buf[0] = '\0';
	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];

		if (!f->probed || !fails(f->verdict))
			continue;
		n++;
		w = off < len ? snprintf(buf + off, len - off, "%s%s (%s)",
		    n > 1 ? ", " : "", f->address,
		    sc_verdict_str(f->verdict)) : 0;
		if (w > 0)
			off += (size_t)w;
	}
	return n;
}

static int
dverdict_down(enum sc_verdict v)
{
	return !dverdict_up(v);
}

/* Target-level rules over the last result of every frontend. */
void
dtarget_alerts(struct dtarget *t)
{
	size_t		 i, j, probed = 0, ndistinct = 0;
	unsigned	 top = t->nfe > 0 ? t->fe[0]->fe.priority : 0;
	int		 top_up = 0;
	char		 summary[512], desc[1024], down[400];

	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];

		if (!f->probed)
			continue;
		probed++;
		if (dverdict_up(f->verdict) && f->fe.priority == top)
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
	(void)dtarget_failing(t, dverdict_down, down, sizeof(down));
	snprintf(summary, sizeof(summary), "no frontend of %s (highest SRV "
	    "priority group) takes new registrations: %s", t->conf.uri, down);
	/* A profile's: which clients cannot connect, which can. */
	dprofile_summary(t, summary, sizeof(summary));
	snprintf(desc, sizeof(desc), "%s.  Each frontend's own alerts "
	    "(SipcanaryFrontendDown, SipcanaryCertInvalid) are explained by "
	    "this one: kept on /alerts, not paged.", summary);
	dtarget_alert(t, "SipcanaryTargetDown", "", !top_up, "critical",
	    dtarget_for(t), NULL, NULL, NULL, summary, desc);
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
void
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
void
dfront_reconnect_outcome(struct dfront *f, int ok)
{
	f->rc_at[f->rc_next] = time(NULL);
	f->rc_ok[f->rc_next] = ok != 0;
	f->rc_next = (f->rc_next + 1) % RECONNECT_RING;
	dfront_reconnect_eval(f);
}

/* --- the detector -------------------------------------------------------- */

/* The alert of the detector; bad is the first frontend it blames. */
static void
dtarget_outage_alert(struct dtarget *t, const struct dfront *bad, int up,
    int outage)
{
	char	summary[512], desc[1024], na[32], age[32], fronts[300];
	size_t	nfail = dtarget_failing(t, verdict_tls_layer, fronts,
		    sizeof(fronts));

	na[0] = age[0] = '\0';
	if (bad != NULL && bad->leaf_not_after != 0)
		dcert_when(bad->leaf_not_after, na, age);
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
	if (bad != NULL)
		snprintf(summary + strlen(summary), sizeof(summary) -
		    strlen(summary), "; affected: %zu of %zu frontends: %s",
		    nfail, t->nfe, fronts);
	snprintf(desc, sizeof(desc), "fresh probes of %s fail at the "
	    "TLS or certificate layer while persistent flows to the "
	    "same frontend stay registered: the signature of an expired "
	    "or broken frontend certificate that existing connections "
	    "do not notice.  %s  The target's other alerts "
	    "(SipcanaryTargetDown, SipcanaryFrontendDown, "
	    "SipcanaryCertInvalid, SipcanaryReconnectFailing) are explained "
	    "by this one: kept on /alerts, not paged.", t->conf.uri,
	    bad != NULL ? bad->error : "");
	dtarget_alert(t, "SipcanaryNewConnectionOutage", "", outage,
	    "critical", 1, bad != NULL ? sc_verdict_str(bad->verdict) :
	    "ok", bad != NULL ? bad->leaf_fp : NULL, na, summary, desc);
}

/*
 * After a fresh probe (probed_now) or a change of flows or frontends:
 * is the target in a new connection outage?
 */
void
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
	if (probed_now && probed > 0 && (outage || !tls_failing))
		dtarget_outage_alert(t, bad, up, outage);
}
