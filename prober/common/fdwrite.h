/*
 * fdwrite.h - writing a whole buffer to a descriptor: the one write loop
 * for log lines and durable records, and the directory fsync that makes
 * a rename durable.
 */
#ifndef SC_FDWRITE_H
#define SC_FDWRITE_H

#include <stddef.h>

/*
 * Writes all len bytes of buf to fd: again after EINTR and after a short
 * write, and, on a non-blocking descriptor (EAGAIN), once fd can take
 * more, waiting wait_ms milliseconds in all at the most.  Returns 0, or
 * -1 with errno set (ETIMEDOUT when the wait ran out); *done, if not
 * NULL, says how many bytes went out either way.
 */
int	fd_write_all(int fd, const void *buf, size_t len, int wait_ms,
	    size_t *done);

/*
 * fsyncs the directory that holds path, so that a rename or a new file
 * in it survives a crash.  0, or -1 with errno set.
 */
int	fd_fsync_parent(const char *path);

/* fsyncs the directory dir itself. */
int	fd_fsync_dir(const char *dir);

#endif /* SC_FDWRITE_H */
