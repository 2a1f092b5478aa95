/*
 * auth.h - HTTP Basic authentication of the daemon's endpoint against
 * crypt(3) hashes: the users, the auth file, and the check of a
 * request's credentials.  httpd.c is its only user.
 */
#ifndef SC_AUTH_H
#define SC_AUTH_H

#include <stddef.h>

struct evhttp_request;
struct auth;

/* An empty user list, with a fresh cache key.  NULL with err. */
struct auth	*auth_new(char *err, size_t errlen);
/* Forgets the users and the cache.  NULL is a no-op. */
void		 auth_free(struct auth *);

/* 1 when there are users, so that routes ask for credentials. */
int		 auth_enabled(const struct auth *);

/*
 * Adds a user.  hash is a crypt(3) hash: bcrypt ("$2b$", "$2a$",
 * "$2y$") or SHA-256-crypt ("$5$"); anything else is refused (EINVAL).
 * 0, or -1 with errno.
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
 * Checks the request's Authorization header.  Returns 200
 * (authenticated), 401 or 429 (too many hash computations).
 */
int		 auth_check(struct auth *, struct evhttp_request *);

#endif /* SC_AUTH_H */
