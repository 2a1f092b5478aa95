/*
 * auth.h - HTTP Basic authentication of the daemon's endpoint against
 * crypt(3) hashes: the users, the auth file, and the check of a
 * request's credentials, whose hashing runs off the event loop.
 * httpd.c is its only user.
 */
#ifndef SC_AUTH_H
#define SC_AUTH_H

#include <stddef.h>

struct event_base;
struct evhttp_request;
struct auth;

#define AUTH_PENDING	0	/* auth_check(): done() will be called */

/*
 * How a check that ran off the loop ended, called on the loop: code 200
 * (authenticated: serve the request), 401, or 503 (dropped unchecked at
 * auth_free()).  Every path must answer req.
 */
typedef void	(*auth_done_cb)(struct evhttp_request *req, int code,
		    void *arg);

/* Password checks since auth_new(), for the metrics. */
struct auth_stats {
	unsigned long	queued;		/* hashed off the loop */
	unsigned long	limited;	/* 429: the hash budget was spent */
	unsigned long	refused;	/* 503: the queue was full */
};

/*
 * An empty user list on base, with a fresh cache key; done goes on with
 * the requests auth_check() left pending.  NULL with err.
 */
struct auth	*auth_new(struct event_base *, auth_done_cb done, void *arg,
		    char *err, size_t errlen);
/*
 * Joins the worker thread after its current hash, answers each pending
 * request through done (503), and forgets the users and the cache.
 * NULL is a no-op.
 */
void		 auth_free(struct auth *);

/* 1 when there are users, so that routes ask for credentials. */
int		 auth_enabled(const struct auth *);

/*
 * Adds a user.  hash is a crypt(3) hash: bcrypt ("$2b$", "$2a$",
 * "$2y$") or SHA-256-crypt ("$5$"); anything else is refused (EINVAL).
 * Unknown users are checked against a dummy hash of the first user's
 * scheme at the highest cost of that scheme, made anew here and in
 * auth_load().  0, or -1 with errno.
 */
int		 auth_user_add(struct auth *, const char *user,
		    const char *hash);
/*
 * Replaces the users with those of the htpasswd-style file path
 * ("user:hash" lines, '#' comments, blank lines), or leaves them alone
 * and returns -1 with err.  The file must not be writable by group or
 * others.
 */
int		 auth_load(struct auth *, const char *path, char *err,
		    size_t errlen);
/* Removes every user: routes no longer ask for credentials. */
void		 auth_clear(struct auth *);

/*
 * Checks the request's Authorization header.  Returns 200 (verified
 * before: authenticated), 401, 429 (too many hash computations), 503
 * (too many checks waiting), or AUTH_PENDING: the password is being
 * hashed off the loop, and done() will go on with req.
 */
int		 auth_check(struct auth *, struct evhttp_request *);
void		 auth_get_stats(const struct auth *, struct auth_stats *);

#endif /* SC_AUTH_H */
