/*
 * locate.c - finding the frontends of a SIP domain.
 *
 * Today: an IP literal as is, else the hosts file, else A and AAAA queries
 * in parallel through c-ares.  RFC 3263 NAPTR and SRV steps slot in ahead
 * of the address queries.  The outcome is delivered through a deferred
 * event, never from inside a c-ares callback, so the caller may free us.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "dns.h"
#include "sipcanary.h"

#define LOCATE_MAX_ADDRS	64

struct sc_locate {
	struct event_base	*base;
	struct dns		*dns;
	char			*name;
	unsigned		 port;
	sc_locate_cb		 cb;
	void			*arg;
	struct event		*timer;
	struct event		*finish;
	double			 t_start;
	int			 pending;	/* queries in flight */
	int			 status[2];	/* ares status of A, AAAA */
	struct sc_frontend	 fe[LOCATE_MAX_ADDRS];
	size_t			 nfe;
	enum sc_verdict		 verdict;
	char			 why[200];
	int			 done;
};

static void
locate_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sc_locate *l = arg;

	(void)fd; (void)what;
	l->cb(l->verdict, l->why, l->fe, l->nfe, clock_now() - l->t_start,
	    l->arg);
}

static void
locate_done(struct sc_locate *l, enum sc_verdict v, const char *why)
{
	if (l->done)
		return;
	l->done = 1;
	l->verdict = v;
	snprintf(l->why, sizeof(l->why), "%s", why != NULL ? why : "");
	event_del(l->timer);
	event_active(l->finish, EV_TIMEOUT, 0);
}

static void
locate_add(struct sc_locate *l, int family, const void *addr, unsigned ttl)
{
	struct sc_frontend *f;

	if (l->nfe >= LOCATE_MAX_ADDRS)
		return;
	f = &l->fe[l->nfe++];
	memset(f, 0, sizeof(*f));
	inet_ntop(family, addr, f->host, sizeof(f->host));
	f->port = l->port;
	f->family = family == AF_INET6 ? 6 : 4;
	f->ttl = ttl;
}

/* The verdict for a lookup that produced no address. */
static void
locate_conclude(struct sc_locate *l)
{
	char	why[200];
	int	i, nx = 0, nodata = 0, tmo = 0, fail = 0, st = ARES_SUCCESS;

	if (l->nfe > 0) {
		locate_done(l, SC_OK, NULL);
		return;
	}
	for (i = 0; i < 2; i++) {
		switch (l->status[i]) {
		case ARES_ENOTFOUND:
			nx++;
			break;
		case ARES_ENODATA:
		case ARES_SUCCESS:
			nodata++;
			break;
		case ARES_ETIMEOUT:
		case ARES_ECONNREFUSED:
			tmo++;
			st = l->status[i];
			break;
		default:
			fail++;
			st = l->status[i];
			break;
		}
	}
	if (tmo > 0) {
		snprintf(why, sizeof(why), "no answer for %s: %s", l->name,
		    ares_strerror(st));
		locate_done(l, SC_DNS_TIMEOUT, why);
	} else if (fail > 0) {
		snprintf(why, sizeof(why), "lookup of %s failed: %s", l->name,
		    ares_strerror(st));
		locate_done(l, SC_DNS_SERVFAIL, why);
	} else if (nx == 2) {
		snprintf(why, sizeof(why), "%s does not exist (NXDOMAIN)",
		    l->name);
		locate_done(l, SC_DNS_NXDOMAIN, why);
	} else {
		snprintf(why, sizeof(why), "%s has no A or AAAA records",
		    l->name);
		locate_done(l, SC_DNS_NO_RECORDS, why);
	}
}

static void
locate_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen, int aaaa)
{
	struct sc_locate *l = arg;
	int i, n;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED)
		return;
	l->status[aaaa] = status;
	if (status == ARES_SUCCESS) {
		if (aaaa) {
			struct ares_addr6ttl	t6[LOCATE_MAX_ADDRS];

			n = LOCATE_MAX_ADDRS;
			if (ares_parse_aaaa_reply(abuf, alen, NULL, t6, &n) ==
			    ARES_SUCCESS)
				for (i = 0; i < n; i++)
					locate_add(l, AF_INET6,
					    &t6[i].ip6addr, (unsigned)t6[i].ttl);
			else
				l->status[aaaa] = ARES_EBADRESP;
		} else {
			struct ares_addrttl	t4[LOCATE_MAX_ADDRS];

			n = LOCATE_MAX_ADDRS;
			if (ares_parse_a_reply(abuf, alen, NULL, t4, &n) ==
			    ARES_SUCCESS)
				for (i = 0; i < n; i++)
					locate_add(l, AF_INET, &t4[i].ipaddr,
					    (unsigned)t4[i].ttl);
			else if (l->status[aaaa] == ARES_SUCCESS)
				l->status[aaaa] = ARES_ENODATA;
		}
	}
	if (--l->pending == 0)
		locate_conclude(l);
}

static void
locate_a(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	locate_answer(arg, status, timeouts, abuf, alen, 0);
}

static void
locate_aaaa(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	locate_answer(arg, status, timeouts, abuf, alen, 1);
}

static void
locate_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sc_locate	*l = arg;
	char			 why[200];

	(void)fd; (void)what;
	snprintf(why, sizeof(why), "no DNS answer for %s within %.1f s",
	    l->name, clock_now() - l->t_start);
	locate_done(l, SC_DNS_TIMEOUT, why);
}

/* The hosts file, as the system resolver would consult it first. */
static int
locate_hosts(struct sc_locate *l)
{
	static const int	 fams[] = { AF_INET, AF_INET6 };
	struct hostent		*he;
	size_t			 i;
	int			 j;

	for (i = 0; i < 2; i++) {
		he = NULL;
		if (ares_gethostbyname_file(dns_channel(l->dns), l->name,
		    fams[i], &he) != ARES_SUCCESS || he == NULL)
			continue;
		for (j = 0; he->h_addr_list[j] != NULL; j++)
			locate_add(l, he->h_addrtype, he->h_addr_list[j], 0);
		ares_free_hostent(he);
	}
	return l->nfe > 0;
}

struct sc_locate *
sc_locate_start(struct event_base *base, const struct sc_locate_opts *o,
    sc_locate_cb cb, void *arg, char *err, size_t errlen)
{
	struct sc_locate	*l;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	double			 timeout = o->timeout > 0 ? o->timeout : 5;
	struct timeval		 tv;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->base = base;
	l->cb = cb;
	l->arg = arg;
	l->port = o->port != 0 ? o->port : 5061;
	l->t_start = clock_now();
	if ((l->name = strdup(o->name)) == NULL ||
	    (l->timer = evtimer_new(base, locate_timeout, l)) == NULL ||
	    (l->finish = event_new(base, -1, 0, locate_finish_cb, l)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	tv = clock_tv(timeout);
	event_add(l->timer, &tv);

	if (inet_pton(AF_INET, l->name, &a4) == 1) {
		locate_add(l, AF_INET, &a4, 0);
		locate_done(l, SC_OK, NULL);
		return l;
	}
	if (inet_pton(AF_INET6, l->name, &a6) == 1) {
		locate_add(l, AF_INET6, &a6, 0);
		locate_done(l, SC_OK, NULL);
		return l;
	}
	if ((l->dns = dns_new(base, o->dns_servers, timeout, err, errlen)) ==
	    NULL)
		goto fail;
	if (o->dns_servers == NULL && locate_hosts(l)) {
		locate_done(l, SC_OK, NULL);
		return l;
	}
	l->pending = 2;
	ares_query(dns_channel(l->dns), l->name, ns_c_in, ns_t_a, locate_a, l);
	ares_query(dns_channel(l->dns), l->name, ns_c_in, ns_t_aaaa,
	    locate_aaaa, l);
	dns_kick(l->dns);
	return l;
fail:
	sc_locate_free(l);
	return NULL;
}

void
sc_locate_free(struct sc_locate *l)
{
	if (l == NULL)
		return;
	dns_free(l->dns);
	if (l->timer != NULL)
		event_free(l->timer);
	if (l->finish != NULL)
		event_free(l->finish);
	free(l->name);
	free(l);
}
