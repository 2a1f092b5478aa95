/*
 * fdwrite.h - writing a whole buffer to a descriptor: the one write loop
 * for log lines and durable records.
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

#endif /* SC_FDWRITE_H */
