/*
 * dprofile.c - the daemon's TLS client profiles (issue 17).  A target
 * with profiles = { ... } runs as one target per profile, named
 * "TARGET/PROFILE" (config_expand_profiles()): its own TLS context, fresh
 * probes, flows, metrics series, alert states and status row, so that
 * one kind of client failing never hides behind another that connects.
 * This file words what only a profile's alerts say: which clients
 * cannot connect, and which of the same target can.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/internal.h"
#include "report/report.h"

/* The target name without "/PROFILE": its length, or 0 if no profile. */
static size_t
dprofile_base(const struct dtarget *t)
{
	size_t	 n = strlen(t->conf.name), p;

	if (t->conf.pf == NULL)
		return 0;
	p = strlen(t->conf.pf->name);
	return n > p + 1 ? n - p - 1 : 0;
}

/* Probed frontends of t, and how many of them are down. */
static size_t
dprofile_down(const struct dtarget *t, size_t *probed, char *codes,
    size_t len)
{
	size_t	 i, down = 0, o = 0;
	int	 w;

	*probed = 0;
	if (codes != NULL)
		codes[0] = '\0';
	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];
		const char *v = sc_verdict_str(f->verdict);

		if (!f->probed)
			continue;
		(*probed)++;
		if (dverdict_up(f->verdict))
			continue;
		down++;
		if (codes == NULL || strstr(codes, v) != NULL || o >= len)
			continue;
		w = snprintf(codes + o, len - o, "%s%s", o > 0 ? ", " : "", v);
		if (w > 0)
			o += (size_t)w;
	}
	return down;
}

void
dprofile_summary(const struct dtarget *t, char *buf, size_t len)
{
	const struct daemon *d = t->d;
	char		 codes[200], fine[300], bad[300];
	size_t		 base = dprofile_base(t), i, probed, down, sp;
	size_t		 of = 0, ob = 0;
	int		 w;

	if (base == 0)
		return;
	down = dprofile_down(t, &probed, codes, sizeof(codes));
	fine[0] = bad[0] = '\0';
	for (i = 0; i < d->ntargets; i++) {
		const struct dtarget *s = d->targets[i];

		if (s == NULL || s == t || dprofile_base(s) != base ||
		    strncmp(s->conf.name, t->conf.name, base) != 0)
			continue;
		if (dprofile_down(s, &sp, NULL, 0) == 0 && sp > 0) {
			w = of < sizeof(fine) ? snprintf(fine + of,
			    sizeof(fine) - of, "%s%s", of ? ", " : "",
			    s->conf.pf->name) : 0;
			of += w > 0 ? (size_t)w : 0;
		} else if (sp > 0) {
			w = ob < sizeof(bad) ? snprintf(bad + ob,
			    sizeof(bad) - ob, "%s%s", ob ? ", " : "",
			    s->conf.pf->name) : 0;
			ob += w > 0 ? (size_t)w : 0;
		}
	}
	snprintf(buf, len, "%s cannot connect to %zu of %zu frontends of "
	    "%.*s: %s%s%s%s%s%s", t->conf.pf->name, down, probed, (int)base,
	    t->conf.name, codes, of ? "; " : "", fine, of ? (strchr(fine,
	    ',') ? " are fine" : " is fine") : "", ob ? "; failing too: " :
	    "", bad);
}

int
dprofile_client_cert(struct dfront *f, const struct sc_result *r,
    char *summary, size_t len, char *na, size_t nalen)
{
	struct dtarget	*t = f->t;

	if (!r->has_client_cert)
		return -1;
	(void)metrics_set(t->d->f_client_cert,
	    (const char *const[]){ t->conf.name },
	    (double)r->client_cert_not_after);
	report_time_iso(r->client_cert_not_after, na, nalen);
	snprintf(summary, len, "the client certificate of %s (%s) expires in "
	    "%.1f days (notAfter %s, warn_days %d): renew it before %s "
	    "cannot connect", t->conf.name, r->client_cert_subject,
	    r->client_cert_days_left, na, t->conf.warn_days,
	    t->conf.pf != NULL ? t->conf.pf->name : "this client");
	return 0;
}

const char *
dprofile_target(const struct dtarget *t, char *buf, size_t len)
{
	size_t	 n = dprofile_base(t);

	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, t->conf.name, n);
	buf[n] = '\0';
	return buf;
}

/*
 * A profile's series carry target="TARGET",profile="PROFILE" on the wire
 * (a metrics alias of "TARGET/PROFILE"), and sipcanary_profile_info
 * lists each profile probed.
 */
void
dprofile_info(struct dtarget *t)
{
	char	 base[256];

	if (dprofile_target(t, base, sizeof(base)) == NULL)
		return;
	if (metrics_label_alias(t->d->m, "target", t->conf.name, base,
	    "profile", t->conf.pf->name) == -1)
		log_event(LOG_WARN, t->conf.name, NULL, "internal_error",
		    "out of memory: the series keep this name on /metrics, "
		    "without a profile label");
	(void)metrics_set(t->d->f_profile, (const char *const[]){
	    t->conf.name }, 1);
}
