/*
 * drevocation.c - what the daemon shows of each fresh probe's revocation
 * check (issue 18): the age of the revocation data used, the time until
 * the answer it used runs out, the fetches that failed by source, and a
 * one-line summary of where each certificate's answer came from for the
 * status page; and the limits of the shared cache from the config.
 *
 * Labels: the frontend's (target, frontend, srv) and, for failures, the
 * source (ocsp or crl).  Not the distribution point or responder URL: a
 * hostile or misconfigured certificate could name any number of them,
 * and the series limit is for frontends, not for what servers send.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/internal.h"

int
drevocation_families(struct daemon *d, struct metrics *m)
{
	static const char *const tf_names[] = { "target", "frontend", "srv",
	    NULL };
	static const char *const tfs[] = { "target", "frontend", "srv",
	    "source", NULL };

	d->f_rev_age = metrics_gauge_new(m,
	    "sipcanary_revocation_data_age_seconds", "Age (since thisUpdate) "
	    "of the oldest revocation answer the last fresh probe used",
	    tf_names);
	d->f_rev_expires = metrics_gauge_new(m,
	    "sipcanary_revocation_expires_in_seconds", "Time until the "
	    "earliest revocation answer the last fresh probe used runs out "
	    "(its nextUpdate, or the cache's floor)", tf_names);
	d->f_rev_failures = metrics_counter_new(m,
	    "sipcanary_revocation_fetch_failures_total", "Revocation fetches "
	    "a fresh probe saw fail, by source (ocsp, crl)", tfs);
	return d->f_rev_age == NULL || d->f_rev_expires == NULL ||
	    d->f_rev_failures == NULL ? -1 : 0;
}

/*
 * The process-wide cache keeps answers revocation_cache_min at least and
 * fetches CRLs of crl_max_size at most (a reload applies both to the
 * fetches after it).
 */
void
drevocation_configure(const struct sc_config *c)
{
	sc_revocation_configure(c->crl_max_size, c->revocation_cache_min);
}

void
drevocation_result(struct dfront *f, const struct sc_result *r)
{
	struct daemon			*d = f->t->d;
	const struct sc_revocation	*rv = r->cert.revocation;
	const char			*const tf[] = { f->t->conf.name,
					    f->address, f->srv };

	if (r->t.tls_handshake < 0)
		return;		/* no handshake: nothing new to say */
	sc_revocation_summary(rv, f->revocation, sizeof(f->revocation));
	if (rv != NULL && rv->ocsp_failures > 0)
		(void)metrics_add(d->f_rev_failures, (const char *const[]){
		    tf[0], tf[1], tf[2], "ocsp" }, rv->ocsp_failures);
	if (rv != NULL && rv->crl_failures > 0)
		(void)metrics_add(d->f_rev_failures, (const char *const[]){
		    tf[0], tf[1], tf[2], "crl" }, rv->crl_failures);
	/* Data that was not used has no age: its series goes. */
	if (rv != NULL && rv->data_age >= 0)
		(void)metrics_set(d->f_rev_age, tf, rv->data_age);
	else
		(void)metrics_family_remove(d->f_rev_age, tf);
	if (rv != NULL && rv->expires_in >= 0)
		(void)metrics_set(d->f_rev_expires, tf, rv->expires_in);
	else
		(void)metrics_family_remove(d->f_rev_expires, tf);
}
