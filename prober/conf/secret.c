/*
 * secret.c - secrets from files.  A secret on the command line would be
 * visible to every user through /proc; a group- or world-readable file is
 * refused for the same reason.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/secret.h"

#define SECRET_MAX	4096

char *
secret_read_file(const char *path, int insecure, char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[SECRET_MAX + 1];
	char		*s = NULL;
	ssize_t		 n;
	size_t		 len;
	int		 fd;

	/* Non-blocking: a FIFO must be refused, not wait for a writer. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		snprintf(err, errlen, "cannot open password file %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "password file %s is not a regular file",
		    path);
		goto done;
	}
	if (!insecure && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "password file %s is readable by %s: "
		    "chmod 600 %s", path, (st.st_mode & S_IRWXO) ?
		    "others" : "its group", path);
		goto done;
	}
	n = read(fd, buf, SECRET_MAX + 1);
	if (n < 0) {
		snprintf(err, errlen, "cannot read password file %s: %s",
		    path, strerror(errno));
		goto done;
	}
	if (n > SECRET_MAX) {
		snprintf(err, errlen, "password file %s is larger than %d "
		    "bytes", path, SECRET_MAX);
		goto done;
	}
	buf[n] = '\0';
	/* The first line, counted in bytes: strcspn() would stop at a NUL. */
	for (len = 0; len < (size_t)n && buf[len] != '\r' && buf[len] != '\n';
	    len++)
		;
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "password file %s holds a NUL byte",
		    path);
		goto done;
	}
	buf[len] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "password file %s is empty", path);
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
