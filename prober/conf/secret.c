/*
 * secret.c - secrets from files, and the one rule every secret file
 * keeps: a regular file, owned by root or the service user, that its
 * group and others cannot read.  A secret on the command line would be
 * visible to every user through /proc; a file another user owns can be
 * read or replaced by that user whatever its mode says.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/secret.h"

#define SECRET_MAX	4096

uid_t
secret_owner(const char *run_user)
{
	struct passwd	*pw;

	if (geteuid() != 0 || run_user == NULL ||
	    (pw = getpwnam(run_user)) == NULL)
		return geteuid();
	return pw->pw_uid;
}

/* The name of uid into buf, for a message (its number if it has none). */
static const char *
secret_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd	*pw;

	/* Copied: getpwuid() overwrites its answer on the next call. */
	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

int
secret_check_fd(int fd, const char *what, const char *path, uid_t owner,
    mode_t deny, char *err, size_t errlen)
{
	struct stat	 st;
	char		 b1[64], b2[64];
	const char	*who, *want;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a regular file", what,
		    path);
		return -1;
	}
	/* Its owner can read it, or chmod it and put another in its place. */
	if (st.st_uid != 0 && st.st_uid != owner) {
		who = secret_user_name(st.st_uid, b1, sizeof(b1));
		want = secret_user_name(owner, b2, sizeof(b2));
		snprintf(err, errlen, "%s %s belongs to %s, not to root or "
		    "the service user %s: chown %s %s", what, path, who, want,
		    want, path);
		return -1;
	}
	if ((st.st_mode & deny) == 0)
		return 0;
	who = (st.st_mode & deny & S_IRWXO) ? "others" : "its group";
	if (deny & (S_IRGRP | S_IROTH))
		snprintf(err, errlen, "%s %s is readable by %s: chmod 600 %s",
		    what, path, who, path);
	else
		snprintf(err, errlen, "%s %s is writable by %s: chmod go-w "
		    "%s", what, path, who, path);
	return -1;
}

int
secret_check_file(const char *path, const char *what, uid_t owner,
    mode_t deny, char *err, size_t errlen)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, path,
		    strerror(errno));
		return -1;
	}
	rc = secret_check_fd(fd, what, path, owner, deny, err, errlen);
	close(fd);
	return rc;
}

char *
secret_read_file(const char *path, const char *what, uid_t owner,
    int insecure, char *err, size_t errlen)
{
	char		 buf[SECRET_MAX + 1];
	char		*s = NULL;
	ssize_t		 n;
	size_t		 len;
	int		 fd;

	/* Non-blocking: a FIFO must be refused, not wait for a writer. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, path,
		    strerror(errno));
		return NULL;
	}
	if (secret_check_fd(fd, what, path, owner, insecure ? 0 :
	    SECRET_PRIVATE, err, errlen) == -1)
		goto done;
	n = read(fd, buf, SECRET_MAX + 1);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s %s: %s", what,
		    path, strerror(errno));
		goto done;
	}
	if (n > SECRET_MAX) {
		snprintf(err, errlen, "%s %s is larger than %d bytes",
		    what, path, SECRET_MAX);
		goto done;
	}
	buf[n] = '\0';
	/* The first line, counted in bytes: strcspn() would stop at a NUL. */
	for (len = 0; len < (size_t)n && buf[len] != '\r' && buf[len] != '\n';
	    len++)
		;
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "%s %s holds a NUL byte", what,
		    path);
		goto done;
	}
	buf[len] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "%s %s is empty", what, path);
		goto done;
	}
	if ((s = strdup(buf)) == NULL)
		snprintf(err, errlen, "out of memory");
done:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return s;
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
