/*
 * revcache.h - the process-wide cache of revocation data (CRLs, OCSP
 * responses) and the one fetch in flight per key.  Internal to sip/.
 */
#ifndef SC_REVCACHE_H
#define SC_REVCACHE_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct revcache_wait;

/* One answer, as the cache holds it. */
struct revcache_entry {
	int		 ok;		/* 0: the fetch failed, see error */
	void		*obj;		/* what parse made (X509_CRL, ...) */
	time_t		 fetched_at;
	time_t		 this_update;	/* from parse; 0 if none */
	time_t		 next_update;	/* from parse; 0 if none */
	time_t		 expires_at;	/* kept until then */
	char		 error[384];
};

/*
 * Turns the body of a 200 response into obj and its update times; -1
 * with the reason in err (the entry then holds a failure).  ctx is the
 * request's.
 */
typedef int	(*revcache_parse)(const unsigned char *body, size_t len,
		    void *ctx, void **obj, time_t *this_update,
		    time_t *next_update, char *err, size_t errlen);
typedef void	(*revcache_cb)(const struct revcache_entry *, void *arg);

struct revcache_req {
	const char	*key;		/* "crl URL", "ocsp CERTID URL" */
	const char	*url;
	const void	*body;		/* POST body, or NULL for a GET */
	size_t		 bodylen;
	const char	*ctype;
	size_t		 max_body;
	double		 timeout;
	revcache_parse	 parse;
	void		(*obj_free)(void *);
	void		*ctx;		/* the cache owns it from the call */
	void		(*ctx_free)(void *);
};

/*
 * The answer for req->key: 1 with *now set when the cache holds a
 * current one (a failure included, until it is retried), 0 with *w set
 * when a fetch is under way (cb runs once from the loop, unless
 * sc_revcache_cancel(*w)), -1 with the reason in err.  *fetched is set
 * when this call started a fetch.
 */
int	 sc_revcache_get(struct event_base *, struct revcache_req *,
	    revcache_cb, void *arg, const struct revcache_entry **now,
	    struct revcache_wait **w, int *fetched, char *err, size_t errlen);
void	 sc_revcache_cancel(struct revcache_wait *);

/* The largest CRL accepted (sc_revocation_configure). */
size_t	 sc_revcache_crl_max(void);

#endif /* SC_REVCACHE_H */
