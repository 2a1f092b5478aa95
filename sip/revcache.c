/*
 * revcache.c - the process-wide cache of revocation data.
 *
 * Owns: one entry per key (a CRL distribution point URL, or an OCSP
 * CertID and responder), the one fetch in flight per key with everyone
 * who waits for it, how long an answer is kept (its nextUpdate, never
 * less than the floor), how long a failure is kept before the fetch is
 * tried again (SC_REVOCATION_RETRY; a response over the size limit, the
 * floor, or until the limit is raised), and the limits set by
 * sc_revocation_configure().
 *
 * Why process-wide: the network stays polite only if every target and
 * probe of the process shares one fetch per distribution point per
 * nextUpdate, whatever the number of targets.  The program runs one
 * event loop, so there is no locking; fetches run on the loop of the
 * probe that asked first.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpfetch.h"
#include "revcache.h"
#include "sipcanary.h"

struct revcache_wait {
	LIST_ENTRY(revcache_wait) link;
	struct rc_entry		*entry;
	revcache_cb		 cb;
	void			*arg;
};

struct rc_entry {
	LIST_ENTRY(rc_entry)	 link;
	char			*key;
	struct revcache_entry	 pub;
	struct httpfetch	*fetch;		/* NULL: not pending */
	struct event_base	*base;		/* the fetch's loop */
	revcache_parse		 parse;
	void			(*obj_free)(void *);
	void			*ctx;
	void			(*ctx_free)(void *);
	int			 busy;		/* telling its waiters */
	LIST_HEAD(, revcache_wait) waiters;
};

static void	rc_fetched(int, int, const unsigned char *, size_t,
		    const char *, void *);

static LIST_HEAD(, rc_entry) rc_entries = LIST_HEAD_INITIALIZER(rc_entries);
static size_t		 rc_count;
static unsigned long	 rc_fetches;
static size_t		 rc_crl_max = SC_REVOCATION_CRL_MAX_DEFAULT;
static double		 rc_floor = SC_REVOCATION_FLOOR_DEFAULT;

void
sc_revocation_configure(size_t crl_max_bytes, double floor)
{
	struct rc_entry	*e;

	/* A raised limit: what was too large is fetched again at once. */
	if (crl_max_bytes > rc_crl_max)
		LIST_FOREACH(e, &rc_entries, link)
			if (!e->pub.ok && e->fetch == NULL &&
			    sc_httpfetch_too_large(e->pub.error))
				e->pub.expires_at = 0;
	if (crl_max_bytes > 0)
		rc_crl_max = crl_max_bytes;
	if (floor > 0)
		rc_floor = floor;
}

size_t
sc_revcache_crl_max(void)
{
	return rc_crl_max;
}

void
sc_revocation_cache_stats(size_t *entries, unsigned long *fetches)
{
	if (entries != NULL)
		*entries = rc_count;
	if (fetches != NULL)
		*fetches = rc_fetches;
}

static void
rc_clear_data(struct rc_entry *e)
{
	if (e->pub.obj != NULL && e->obj_free != NULL)
		e->obj_free(e->pub.obj);
	e->pub.obj = NULL;
	if (e->ctx != NULL && e->ctx_free != NULL)
		e->ctx_free(e->ctx);
	e->ctx = NULL;
}

static void
rc_entry_free(struct rc_entry *e)
{
	struct revcache_wait *w;

	if (e == NULL)
		return;
	while ((w = LIST_FIRST(&e->waiters)) != NULL) {
		LIST_REMOVE(w, link);
		free(w);
	}
	sc_httpfetch_free(e->fetch);
	rc_clear_data(e);
	free(e->key);
	free(e);
}

void
sc_revocation_cache_detach(struct event_base *base)
{
	struct rc_entry *e, *next;

	for (e = LIST_FIRST(&rc_entries); e != NULL; e = next) {
		next = LIST_NEXT(e, link);
		if (e->fetch == NULL || e->base != base)
			continue;
		/* Tells the waiters, if any, and frees the fetch. */
		rc_fetched(0, 0, NULL, 0, "the event loop of the fetch ended",
		    e);
		LIST_REMOVE(e, link);
		rc_entry_free(e);
		rc_count--;
	}
	sc_httpfetch_detach(base);
}

void
sc_revocation_cache_free(void)
{
	struct rc_entry *e;

	while ((e = LIST_FIRST(&rc_entries)) != NULL) {
		LIST_REMOVE(e, link);
		rc_entry_free(e);
	}
	rc_count = 0;
	sc_httpfetch_cleanup();
}

/* Entries nobody waits for whose answer ran out: fetched again anyway. */
static void
rc_sweep(time_t now)
{
	struct rc_entry *e, *next;

	for (e = LIST_FIRST(&rc_entries); e != NULL; e = next) {
		next = LIST_NEXT(e, link);
		if (e->fetch == NULL && !e->busy && LIST_EMPTY(&e->waiters) &&
		    e->pub.expires_at <= now) {
			LIST_REMOVE(e, link);
			rc_entry_free(e);
			rc_count--;
		}
	}
}

/* The fetch ended: keep the answer, then tell every waiter. */
static void
rc_fetched(int ok, int status, const unsigned char *body, size_t len,
    const char *why, void *arg)
{
	struct rc_entry		*e = arg;
	struct revcache_entry	*p = &e->pub;
	struct revcache_wait	*w;
	time_t			 now = time(NULL), keep;
	char			 err[sizeof(p->error)];

	p->fetched_at = now;
	p->ok = 0;
	if (!ok)
		snprintf(p->error, sizeof(p->error), "%s", why);
	else if (status != 200)
		snprintf(p->error, sizeof(p->error), "HTTP status %d", status);
	else if (e->parse(body, len, e->ctx, &p->obj, &p->this_update,
	    &p->next_update, err, sizeof(err)) == -1)
		snprintf(p->error, sizeof(p->error), "%s", err);
	else
		p->ok = 1;
	if (p->ok) {
		keep = (time_t)rc_floor;
		if (p->next_update > now + keep)
			keep = p->next_update - now;
		if (keep < 1)
			keep = 1;
		p->expires_at = now + keep;
	} else if (sc_httpfetch_too_large(p->error) &&
	    rc_floor > SC_REVOCATION_RETRY)
		/*
		 * Too large stays too large until the limit is raised: trying
		 * each minute would download the limit's worth each time.
		 */
		p->expires_at = now + (time_t)rc_floor;
	else
		p->expires_at = now + (time_t)SC_REVOCATION_RETRY;
	if (e->ctx != NULL && e->ctx_free != NULL)
		e->ctx_free(e->ctx);
	e->ctx = NULL;
	/* The fetch is freed from here: nothing of it is used after. */
	sc_httpfetch_free(e->fetch);
	e->fetch = NULL;
	/* A waiter may ask the cache again: e must outlive the loop. */
	e->busy = 1;
	while ((w = LIST_FIRST(&e->waiters)) != NULL) {
		LIST_REMOVE(w, link);
		w->cb(p, w->arg);
		free(w);
	}
	e->busy = 0;
}

static struct rc_entry *
rc_find(const char *key)
{
	struct rc_entry *e;

	LIST_FOREACH(e, &rc_entries, link)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Starts the fetch of e (new, or expired); -1 with err. */
static int
rc_start(struct event_base *base, struct rc_entry *e, struct revcache_req *r,
    char *err, size_t errlen)
{
	rc_clear_data(e);
	memset(&e->pub, 0, sizeof(e->pub));
	e->parse = r->parse;
	e->obj_free = r->obj_free;
	e->ctx = r->ctx;
	e->ctx_free = r->ctx_free;
	r->ctx = NULL;
	e->base = base;
	e->fetch = sc_httpfetch_start(base, r->url, r->body, r->bodylen,
	    r->ctype, r->max_body, r->timeout, rc_fetched, e, err, errlen);
	if (e->fetch == NULL)
		return -1;
	rc_fetches++;
	return 0;
}

int
sc_revcache_get(struct event_base *base, struct revcache_req *r,
    revcache_cb cb, void *arg, const struct revcache_entry **now,
    struct revcache_wait **wp, int *fetched, char *err, size_t errlen)
{
	struct rc_entry		*e;
	struct revcache_wait	*w = NULL;
	time_t			 t = time(NULL);
	int			 rc = -1;

	*now = NULL;
	*wp = NULL;
	*fetched = 0;
	rc_sweep(t);
	if ((e = rc_find(r->key)) != NULL && e->fetch == NULL &&
	    e->pub.expires_at > t) {
		*now = &e->pub;
		rc = 1;
		goto out;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto nomem;
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL ||
		    (e->key = strdup(r->key)) == NULL) {
			free(e);
			goto nomem;
		}
		LIST_INIT(&e->waiters);
		LIST_INSERT_HEAD(&rc_entries, e, link);
		rc_count++;
	}
	if (e->fetch == NULL) {
		if (rc_start(base, e, r, err, errlen) == -1) {
			/* Kept as a failure: not tried again at once. */
			snprintf(e->pub.error, sizeof(e->pub.error), "%s", err);
			e->pub.fetched_at = t;
			e->pub.expires_at = t + (time_t)SC_REVOCATION_RETRY;
			free(w);
			*now = &e->pub;
			rc = 1;
			goto out;
		}
		*fetched = 1;
	}
	w->entry = e;
	w->cb = cb;
	w->arg = arg;
	LIST_INSERT_HEAD(&e->waiters, w, link);
	*wp = w;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	free(w);
out:
	if (r->ctx != NULL && r->ctx_free != NULL)
		r->ctx_free(r->ctx);
	r->ctx = NULL;
	return rc;
}

void
sc_revcache_cancel(struct revcache_wait *w)
{
	if (w == NULL)
		return;
	LIST_REMOVE(w, link);
	free(w);
}
