/*
 * secret.h - reading secrets (passwords, keys) from files or the
 * environment, never from argv, and the one rule for secret files.
 */
#ifndef SC_SECRET_H
#define SC_SECRET_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>

/* Mode bits a secret file must not have: 0600 or stricter. */
#define SECRET_PRIVATE	(S_IRWXG | S_IRWXO)
/* For files others may read but never change (the endpoint's users). */
#define SECRET_NO_WRITE	(S_IWGRP | S_IWOTH)

/*
 * The user a secret file may belong to besides root: run_user when
 * running as root (the daemon becomes that user and reads the files
 * again on SIGHUP as that user), else the effective user.  run_user may
 * be NULL.
 */
uid_t	 secret_owner(const char *run_user);

/*
 * Checks the file open on fd (path and what, e.g. "password file" or
 * "TLS key", name it in err): a regular file, owned by root or owner,
 * with none of the mode bits in deny.  Returns 0, or -1 with a message
 * that names the fix (chown, chmod) in err.
 */
int	 secret_check_fd(int fd, const char *what, const char *path,
	    uid_t owner, mode_t deny, char *err, size_t errlen);

/*
 * secret_check_fd() on path, opened non-blocking (a FIFO must be refused,
 * not wait for a writer) and closed again: for files another part reads
 * later by name (the endpoint's TLS key and users).
 */
int	 secret_check_file(const char *path, const char *what, uid_t owner,
	    mode_t deny, char *err, size_t errlen);

/*
 * Reads the first line of path, a secret file (secret_check_fd() with
 * SECRET_PRIVATE, or only the owner rule if insecure is set).  what names
 * the file in messages ("password file", "routing key file").  A NUL in
 * the line is refused.  Returns a malloc'ed string, or NULL with a
 * message that suggests the fix in err.
 */
char	*secret_read_file(const char *path, const char *what, uid_t owner,
	    int insecure, char *err, size_t errlen);

/* Wipes and frees a secret; accepts NULL. */
void	 secret_free(char *);

#endif /* SC_SECRET_H */
