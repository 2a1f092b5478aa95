/*
 * hep.c - a copy of every SIP message the library sends and receives,
 * as HEPv3 over UDP to a capture server (Homer, heplify-server, or
 * Kamailio's sipcapture), so that a team's Homer shows the probes next to
 * real traffic.
 *
 * One collector per process, like the key log: the caller opens it, and
 * every flow reports through sc_hep_capture() while it is open.  The
 * socket is connected UDP and never blocks: a collector that is down, or
 * a full socket buffer, costs a counted drop (sc_hep_dropped), never a
 * delay to a probe.
 *
 * HEPv3 (the HEP3 draft of sipcapture.org): "HEP3", the total length,
 * then chunks of vendor 0, type, length (header included) and value, all
 * in network order.  The chunks sent: address family, IP protocol (TCP:
 * TLS and WSS ride on TCP; the message's Via names the transport), the
 * true addresses and ports of the connection, the capture time in
 * seconds and microseconds, protocol type 1 (SIP), the capture agent id,
 * the password when one is set, and the message itself.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "hep.h"
#include "sipcanary.h"

#define HEP_MAX		65507	/* one UDP datagram */

enum hep_chunk {
	HEP_FAMILY = 0x0001,
	HEP_IPPROTO = 0x0002,
	HEP_SRC4 = 0x0003,
	HEP_DST4 = 0x0004,
	HEP_SRC6 = 0x0005,
	HEP_DST6 = 0x0006,
	HEP_SPORT = 0x0007,
	HEP_DPORT = 0x0008,
	HEP_SECS = 0x0009,
	HEP_USECS = 0x000a,
	HEP_PROTO_TYPE = 0x000b,
	HEP_AGENT_ID = 0x000c,
	HEP_AUTH_KEY = 0x000e,
	HEP_PAYLOAD = 0x000f
};

static struct {
	int		 fd;
	uint32_t	 id;
	char		*password;
	unsigned long long sent, dropped;
} hep = { -1, 0, NULL, 0, 0 };

int
sc_hep_open(const struct sockaddr *sa, unsigned salen, unsigned id,
    const char *password, char *err, size_t errlen)
{
	int fd;

	sc_hep_close();
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || connect(fd, sa, salen) == -1) {
		snprintf(err, errlen, "HEP collector: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (password != NULL && (hep.password = strdup(password)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	hep.fd = fd;
	hep.id = id;
	return 0;
}

void
sc_hep_close(void)
{
	if (hep.fd != -1)
		close(hep.fd);
	hep.fd = -1;
	if (hep.password != NULL) {
		explicit_bzero(hep.password, strlen(hep.password));
		free(hep.password);
	}
	hep.password = NULL;
}

int
sc_hep_enabled(void)
{
	return hep.fd != -1;
}

unsigned long long
sc_hep_sent(void)
{
	return hep.sent;
}

unsigned long long
sc_hep_dropped(void)
{
	return hep.dropped;
}

/* Appends one chunk; 0, or -1 when it would not fit. */
static int
hep_chunk(unsigned char *buf, size_t *off, uint16_t type, const void *v,
    size_t n)
{
	uint16_t h[3];

	if (n > HEP_MAX - 6 || *off + 6 + n > HEP_MAX)
		return -1;
	h[0] = 0;
	h[1] = htons(type);
	h[2] = htons((uint16_t)(6 + n));
	memcpy(buf + *off, h, 6);
	memcpy(buf + *off + 6, v, n);
	*off += 6 + n;
	return 0;
}

/* Appends one chunk that holds an unsigned number of width bytes (1, 2
 * or 4), in network order. */
static int
hep_uint(unsigned char *buf, size_t *off, uint16_t type, uint32_t v,
    size_t width)
{
	unsigned char	be[4];
	size_t		i;

	for (i = 0; i < width; i++)
		be[i] = (unsigned char)(v >> (8 * (width - 1 - i)));
	return hep_chunk(buf, off, type, be, width);
}

/* The address and port chunks of one end. */
static int
hep_end(unsigned char *buf, size_t *off, const struct sockaddr_storage *ss,
    int src)
{
	const struct sockaddr_in6	*s6 = (const void *)ss;
	const struct sockaddr_in	*s4 = (const void *)ss;
	int				 rc;

	if (ss->ss_family == AF_INET6)
		rc = hep_chunk(buf, off, src ? HEP_SRC6 : HEP_DST6,
		    &s6->sin6_addr, 16);
	else
		rc = hep_chunk(buf, off, src ? HEP_SRC4 : HEP_DST4,
		    &s4->sin_addr, 4);
	if (rc == -1)
		return -1;
	return hep_uint(buf, off, src ? HEP_SPORT : HEP_DPORT,
	    ntohs(ss->ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port), 2);
}

size_t
sc_hep_encode(unsigned char *buf, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, const struct timeval *tv,
    uint32_t id, const char *password, const char *msg, size_t len)
{
	size_t		off = 6;
	uint16_t	total;
	int		rc;

	rc = hep_uint(buf, &off, HEP_FAMILY, src->ss_family == AF_INET6 ?
	    10 : 2, 1);
	rc |= hep_uint(buf, &off, HEP_IPPROTO, IPPROTO_TCP, 1);
	rc |= hep_end(buf, &off, src, 1);
	rc |= hep_end(buf, &off, dst, 0);
	rc |= hep_uint(buf, &off, HEP_SECS, (uint32_t)tv->tv_sec, 4);
	rc |= hep_uint(buf, &off, HEP_USECS, (uint32_t)tv->tv_usec, 4);
	rc |= hep_uint(buf, &off, HEP_PROTO_TYPE, 1, 1);	/* SIP */
	rc |= hep_uint(buf, &off, HEP_AGENT_ID, id, 4);
	if (password != NULL)
		rc |= hep_chunk(buf, &off, HEP_AUTH_KEY, password,
		    strlen(password));
	rc |= hep_chunk(buf, &off, HEP_PAYLOAD, msg, len);
	if (rc != 0)
		return 0;
	memcpy(buf, "HEP3", 4);
	total = htons((uint16_t)off);
	memcpy(buf + 4, &total, 2);
	return off;
}

void
sc_hep_capture(int fd, int out, const char *msg, size_t len)
{
	static unsigned char	buf[HEP_MAX];
	struct sockaddr_storage	local, peer;
	socklen_t		llen = sizeof(local), plen = sizeof(peer);
	struct timeval		tv;
	size_t			n;

	if (hep.fd == -1 || len == 0)
		return;
	gettimeofday(&tv, NULL);
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == -1 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) == -1 ||
	    (n = sc_hep_encode(buf, out ? &local : &peer, out ? &peer : &local,
	    &tv, hep.id, hep.password, msg, len)) == 0) {
		hep.dropped++;
		return;
	}
	/* Never waits: a full buffer or a refusal is one dropped copy. */
	if (send(hep.fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
		hep.sent++;
	else
		hep.dropped++;
}
