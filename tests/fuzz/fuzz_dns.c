/*
 * fuzz_dns.c - DNS reply handling: RFC 3263 location (sip/locate.c) on
 * answers the fuzzer writes.
 *
 * sip/locate.c is compiled in unchanged and runs on a real libevent
 * base.  Only the network is replaced:
 *   - sip/dns.c (the c-ares channel) is not linked; the stubs below
 *     stand in for sc_dns_new(), sc_dns_free(), sc_dns_channel() and
 *     sc_dns_kick().
 *   - ares_query() is wrapped (-Wl,--wrap=ares_query): the query is
 *     composed with ares_create_query() as c-ares 1.18 does, so a name
 *     c-ares cannot encode fails at once, synchronously, as it would;
 *     otherwise it is queued.  The fuzzer then answers queued queries in
 *     the order it likes, with a transport error or a DNS message.  A
 *     message goes through c-ares 1.18's qcallback() logic (the rcode
 *     and the answer count become ARES_ENOTFOUND, ARES_ESERVFAIL,
 *     ARES_ENODATA, ...) and then to locate.c's callbacks, which parse it
 *     with ares_parse_naptr_reply(), ares_parse_srv_reply(),
 *     ares_parse_a_reply() and ares_parse_aaaa_reply() with their own
 *     buffers and limits.  Every message is also given to all four
 *     parsers with those same limits (64 address records), whatever was
 *     asked.
 *   - sc_dns_free() ends every query still queued with ARES_EDESTRUCTION,
 *     as ares_destroy() does.
 * What is not modelled: c-ares drops a reply whose ID or question does
 * not match the query, or that is shorter than a DNS header, and retries
 * a truncated UDP answer over TCP.  Here a message shorter than a header
 * counts as "no answer" (ARES_ETIMEOUT) and the question is not compared,
 * so the harness explores a superset of what a server can make happen.
 *
 * Input layout:
 *   byte 0  flags
 *           bits 0-1  the name: a domain (NAPTR, SRV, A/AAAA), a domain
 *                     with an explicit port (A/AAAA only), an IPv4 or an
 *                     IPv6 literal (no DNS)
 *           bit 2     at the end of the input, locate's own timer fires
 *                     (otherwise every query left times out, one by one)
 *           bit 3     sc_dns_new() fails
 *           bit 4     no DNS server given: the hosts file is consulted
 *                     for each host first, as without --dns-server
 *   then answers, each
 *     byte    bits 0-2  0, 6, 7: a DNS message follows; 1 ARES_ETIMEOUT,
 *                       2 ARES_ECONNREFUSED, 3 ARES_ESERVFAIL,
 *                       4 ARES_EBADRESP, 5 ARES_ENOMEM (no message)
 *             bits 3-7  which queued query it answers (modulo the queue)
 *     2 bytes the message length, big-endian (message answers only)
 *     bytes   the message (cut short by the end of the input)
 *
 * Invariants checked besides ASan/UBSan/LSan: the callback runs exactly
 * once once no query is left; its verdict is ok with frontends or a
 * dns_* code without; frontends are IP literals of the right family, at
 * most 256, sorted by SRV priority then weight (heaviest first), each
 * with its SRV target when it came from SRV.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>

#include "dns.h"
#include "sipcanary.h"

#include "fuzz_common.h"

#define FUZZ_MAXQ	1024	/* 1 NAPTR + 8 SRV + 2 x 128 hosts fit */
#define LOCATE_MAX_ADDRS 256	/* as sip/locate.c */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
void	__wrap_ares_query(ares_channel, const char *, int, int, ares_callback,
	    void *);

struct fuzz_query {
	ares_callback	 cb;
	void		*arg;
	int		 type;
};

static struct event_base *fuzz_base;
static struct fuzz_query fuzz_q[FUZZ_MAXQ];
static size_t		 fuzz_nq;
static int		 fuzz_dns_fail;
static int		 fuzz_calls;

/* --- the stand-in for sip/dns.c -------------------------------------- */

struct dns {
	struct event_base *base;
};

struct dns *
sc_dns_new(struct event_base *base, const char *servers, double timeout,
    char *err, size_t errlen)
{
	struct dns *d;

	(void)servers;
	(void)timeout;
	if (fuzz_dns_fail || (d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "cannot start the resolver: fuzz");
		return NULL;
	}
	d->base = base;
	return d;
}

/* A query leaves the queue. */
static struct fuzz_query
fuzz_take(size_t i)
{
	struct fuzz_query q = fuzz_q[i];

	memmove(&fuzz_q[i], &fuzz_q[i + 1], (fuzz_nq - i - 1) *
	    sizeof(fuzz_q[0]));
	fuzz_nq--;
	return q;
}

void
sc_dns_free(struct dns *d)
{
	struct fuzz_query q;

	if (d == NULL)
		return;
	/* ares_destroy(): every query left ends with ARES_EDESTRUCTION. */
	while (fuzz_nq > 0) {
		q = fuzz_take(0);
		q.cb(q.arg, ARES_EDESTRUCTION, 0, NULL, 0);
	}
	free(d);
}

ares_channel
sc_dns_channel(struct dns *d)
{
	/* Never dereferenced: the wrapped ares_query() ignores it. */
	return (ares_channel)(void *)d;
}

void
sc_dns_kick(struct dns *d)
{
	(void)d;
}

/* As c-ares 1.18's ares_query(): compose, then send (here: queue). */
void
__wrap_ares_query(ares_channel channel, const char *name, int dnsclass,
    int type, ares_callback cb, void *arg)
{
	unsigned char	*qbuf = NULL;
	int		 qlen = 0, st;

	FUZZ_CHECK(channel != NULL, "ares_query on no channel");
	st = ares_create_query(name, dnsclass, type, 0, 1, &qbuf, &qlen, 0);
	if (st != ARES_SUCCESS) {
		if (qbuf != NULL)
			ares_free_string(qbuf);
		cb(arg, st, 0, NULL, 0);
		return;
	}
	ares_free_string(qbuf);
	FUZZ_CHECK(fuzz_nq < FUZZ_MAXQ, "more than %d queries in flight",
	    FUZZ_MAXQ);
	fuzz_q[fuzz_nq].cb = cb;
	fuzz_q[fuzz_nq].arg = arg;
	fuzz_q[fuzz_nq].type = type;
	fuzz_nq++;
}

/* --- answers --------------------------------------------------------- */

/* The four parsers locate.c calls, with its limits, on any message. */
static void
parse_all(const unsigned char *abuf, int alen)
{
	struct ares_naptr_reply	*naptr = NULL;
	struct ares_srv_reply	*srv = NULL;
	struct ares_addrttl	 t4[64];
	struct ares_addr6ttl	 t6[64];
	int			 n;

	if (ares_parse_naptr_reply(abuf, alen, &naptr) == ARES_SUCCESS &&
	    naptr != NULL)
		ares_free_data(naptr);
	if (ares_parse_srv_reply(abuf, alen, &srv) == ARES_SUCCESS &&
	    srv != NULL)
		ares_free_data(srv);
	n = 64;
	if (ares_parse_a_reply(abuf, alen, NULL, t4, &n) == ARES_SUCCESS)
		FUZZ_CHECK(n >= 0 && n <= 64, "%d A records", n);
	n = 64;
	if (ares_parse_aaaa_reply(abuf, alen, NULL, t6, &n) == ARES_SUCCESS)
		FUZZ_CHECK(n >= 0 && n <= 64, "%d AAAA records", n);
}

/* c-ares 1.18 qcallback(): the status a reply stands for. */
static int
reply_status(const unsigned char *abuf)
{
	unsigned	 rcode = abuf[3] & 0xf;
	unsigned	 ancount = (unsigned)abuf[6] << 8 | abuf[7];

	switch (rcode) {
	case 0:	return ancount > 0 ? ARES_SUCCESS : ARES_ENODATA;
	case 1:	return ARES_EFORMERR;
	case 2:	return ARES_ESERVFAIL;
	case 3:	return ARES_ENOTFOUND;
	case 4:	return ARES_ENOTIMP;
	case 5:	return ARES_EREFUSED;
	default: return ARES_SUCCESS;
	}
}

static void
answer(struct fuzz_query q, int kind, const uint8_t *msg, size_t len)
{
	static const int errs[8] = {
		0, ARES_ETIMEOUT, ARES_ECONNREFUSED, ARES_ESERVFAIL,
		ARES_EBADRESP, ARES_ENOMEM, 0, 0
	};
	unsigned char	*abuf;

	if (errs[kind] != 0) {
		q.cb(q.arg, errs[kind], 0, NULL, 0);
		return;
	}
	if (len < NS_HFIXEDSZ) {
		/* c-ares drops it; the query times out. */
		q.cb(q.arg, ARES_ETIMEOUT, 2, NULL, 0);
		return;
	}
	/* An exact-size copy, so that ASan sees any overread. */
	abuf = malloc(len);
	FUZZ_CHECK(abuf != NULL, "malloc");
	memcpy(abuf, msg, len);
	parse_all(abuf, (int)len);
	q.cb(q.arg, reply_status(abuf), 0, abuf, (int)len);
	free(abuf);
}

/* --- the outcome ----------------------------------------------------- */

static void
located(enum sc_verdict v, const char *why, const struct sc_frontend *fe,
    size_t n, double seconds, void *arg)
{
	unsigned char	 a[sizeof(struct in6_addr)];
	size_t		 i;

	(void)seconds;
	(void)arg;
	if (getenv("FUZZ_VERBOSE") != NULL) {
		fprintf(stderr, "located: %s (%s), %zu frontends\n",
		    sc_verdict_str(v), why != NULL ? why : "", n);
		for (i = 0; i < n; i++)
			fprintf(stderr, "  %s port %u srv %s %u/%u\n",
			    fe[i].host, fe[i].port, fe[i].srv_target,
			    fe[i].priority, fe[i].weight);
	}
	fuzz_calls++;
	FUZZ_CHECK(fuzz_calls == 1, "callback ran %d times", fuzz_calls);
	FUZZ_CHECK(why != NULL, "why");
	FUZZ_CHECK(v == SC_OK || v == SC_DNS_NXDOMAIN || v == SC_DNS_SERVFAIL ||
	    v == SC_DNS_TIMEOUT || v == SC_DNS_NO_RECORDS, "verdict %s",
	    sc_verdict_str(v));
	FUZZ_CHECK((v == SC_OK) == (n > 0), "verdict %s with %zu frontends",
	    sc_verdict_str(v), n);
	FUZZ_CHECK(v == SC_OK || why[0] != '\0', "%s without a reason",
	    sc_verdict_str(v));
	FUZZ_CHECK(n <= LOCATE_MAX_ADDRS && (n == 0 || fe != NULL),
	    "%zu frontends", n);
	for (i = 0; i < n; i++) {
		const struct sc_frontend *f = &fe[i];

		FUZZ_CHECK(memchr(f->host, '\0', sizeof(f->host)) != NULL &&
		    memchr(f->srv_target, '\0', sizeof(f->srv_target)) != NULL,
		    "unterminated strings");
		FUZZ_CHECK((f->family == 4 &&
		    inet_pton(AF_INET, f->host, a) == 1) ||
		    (f->family == 6 && inet_pton(AF_INET6, f->host, a) == 1),
		    "frontend %zu: \"%s\" family %d", i, f->host, f->family);
		FUZZ_CHECK(!f->has_srv || f->srv_target[0] != '\0',
		    "SRV frontend without a target");
		if (i > 0)
			FUZZ_CHECK(fe[i - 1].priority < f->priority ||
			    (fe[i - 1].priority == f->priority &&
			    fe[i - 1].weight >= f->weight),
			    "frontends out of order at %zu", i);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct event_config *cfg;

	(void)argc;
	(void)argv;
	FUZZ_CHECK(ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS,
	    "ares_library_init");
	/*
	 * A precise clock: libevent's default coarse monotonic clock would
	 * not see a 1 us timer run out for a few milliseconds.
	 */
	cfg = event_config_new();
	FUZZ_CHECK(cfg != NULL, "event_config_new");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	fuzz_base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	FUZZ_CHECK(fuzz_base != NULL, "event_base_new");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[4] = {
		"example.test", "example.test", "192.0.2.1", "2001:db8::1"
	};
	struct sc_locate_opts	 o;
	struct sc_locate	*l;
	struct fuzz_query	 q;
	char			 err[256];
	unsigned		 flags, kind;
	size_t			 off, len;

	if (size < 1)
		return 0;
	flags = data[0];
	fuzz_nq = 0;
	fuzz_calls = 0;
	fuzz_dns_fail = (flags & 0x08) != 0;

	memset(&o, 0, sizeof(o));
	o.name = names[flags & 3];
	o.port = (flags & 3) == 1 ? 5062 : 0;
	o.explicit = (flags & 3) == 1;
	o.dns_servers = (flags & 0x10) ? NULL : "127.0.0.1:53";
	/* A timer that has run out by the end, or one that never does. */
	o.timeout = (flags & 0x04) ? 1e-6 : 3600;

	err[0] = '\0';
	l = sc_locate_start(fuzz_base, &o, located, NULL, err, sizeof(err));
	if (l == NULL) {
		FUZZ_CHECK(err[0] != '\0', "no locate, no reason");
		FUZZ_CHECK(fuzz_nq == 0, "queries left by a failed start");
		return 0;
	}

	for (off = 1; off < size && fuzz_nq > 0; ) {
		kind = data[off] & 7;
		q = fuzz_take((data[off] >> 3) % fuzz_nq);
		off++;
		len = 0;
		if (kind == 0 || kind >= 6) {
			if (off + 2 <= size)
				len = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
			if (off > size)
				off = size;
			if (len > size - off)
				len = size - off;
		}
		answer(q, (int)kind, data + off, len);
		off += len;
	}
	if (!(flags & 0x04))
		/* c-ares times out whatever is left. */
		while (fuzz_nq > 0)
			answer(fuzz_take(0), 1, NULL, 0);
	/*
	 * Deferred delivery, and the timer: with bit 2 it runs out within a
	 * microsecond, and EVLOOP_ONCE waits for it if it is still pending.
	 */
	if (flags & 0x04)
		event_base_loop(fuzz_base, EVLOOP_ONCE);
	event_base_loop(fuzz_base, EVLOOP_NONBLOCK);
	event_base_loop(fuzz_base, EVLOOP_NONBLOCK);
	if (fuzz_nq == 0 || (flags & 0x04))
		FUZZ_CHECK(fuzz_calls == 1, "located %d times with %zu "
		    "queries left", fuzz_calls, fuzz_nq);
	sc_locate_free(l);
	FUZZ_CHECK(fuzz_nq == 0, "queries left after free");
	return 0;
}
