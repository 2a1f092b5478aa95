/*
 * hep.h - HEPv3 copies of SIP messages to a capture server (hep.c).
 * Internal to the sip/ library; the public part is in sipcanary.h.
 */
#ifndef SC_HEP_H
#define SC_HEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

/* 1 while a collector is open: callers skip work for it otherwise. */
int	 sc_hep_enabled(void);

/*
 * Sends a copy of the len bytes of one SIP message that went out (out 1)
 * or came in on the connected TCP socket fd.  Never blocks, never fails:
 * what cannot be sent is counted as dropped.
 */
void	 sc_hep_capture(int fd, int out, const char *msg, size_t len);

/*
 * Encodes one HEPv3 packet into buf (at least 65507 bytes): the length,
 * or 0 if it does not fit in one datagram.  For tests and fuzzing.
 */
size_t	 sc_hep_encode(unsigned char *buf, const struct sockaddr_storage *src,
	    const struct sockaddr_storage *dst, const struct timeval *,
	    uint32_t id, const char *password, const char *msg, size_t len);

#endif /* SC_HEP_H */
