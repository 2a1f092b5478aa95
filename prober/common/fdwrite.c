/*
 * fdwrite.c - the write loop.  write(2) may take part of a buffer (a
 * pipe that is nearly full, a signal), and a descriptor someone made
 * non-blocking answers EAGAIN: a loop that stops at the first short
 * write leaves half a log line or half a record behind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/fdwrite.h"

/* Milliseconds of a monotonic clock. */
static long long
fd_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
fd_write_all(int fd, const void *buf, size_t len, int wait_ms,
    size_t *done)
{
	const char	*p = buf;
	struct pollfd	 pfd = { .fd = fd, .events = POLLOUT };
	long long	 end = fd_now_ms() + wait_ms, left;
	size_t		 off = 0;
	ssize_t		 n;
	int		 rc = 0;

	while (off < len) {
		if ((n = write(fd, p + off, len - off)) > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0) {		/* no progress and no reason: give up */
			errno = EIO;
			rc = -1;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			rc = -1;
			break;
		}
		if ((left = end - fd_now_ms()) <= 0) {
			errno = ETIMEDOUT;
			rc = -1;
			break;
		}
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			rc = -1;
			break;
		}
	}
	if (done != NULL)
		*done = off;
	return rc;
}

int
fd_fsync_dir(const char *dir)
{
	int	 fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
fd_fsync_parent(const char *path)
{
	char	*d;
	size_t	 len;
	int	 rc;

	if ((d = strdup(path)) == NULL)
		return -1;
	len = strlen(d);
	while (len > 1 && d[len - 1] == '/')
		d[--len] = '\0';
	while (len > 0 && d[len - 1] != '/')
		d[--len] = '\0';
	while (len > 1 && d[len - 1] == '/')
		d[--len] = '\0';
	rc = fd_fsync_dir(len > 0 ? d : ".");
	free(d);
	return rc;
}
