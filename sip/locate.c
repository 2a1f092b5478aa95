/*
 * locate.c - finding every frontend of a SIP domain (RFC 3263 §4).
 *
 *   IP literal            -> itself
 *   explicit port         -> A/AAAA of the host on that port
 *   otherwise             -> NAPTR "SIPS+D2T" -> its SRV name(s), or
 *                            SRV _sips._tcp.DOMAIN when there is no such
 *                            NAPTR -> A and AAAA of every SRV target;
 *                            no SRV at all -> A/AAAA of DOMAIN on 5061
 *   WSS (RFC 7118)        -> the same with NAPTR "SIPS+D2W" (RFC 7118
 *                            §11), SRV _sips._ws.DOMAIN when there is no
 *                            such NAPTR (no SRV name is registered for
 *                            WebSocket: this one follows RFC 3263's
 *                            pattern), and port 443 without SRV
 *
 * Every query runs concurrently on the event loop through c-ares.  Each
 * frontend keeps the SRV record it came from, so a report can say which
 * priority group it belongs to.  The outcome is delivered through a
 * deferred event, never from inside a c-ares callback, so that the caller
 * may free us from its callback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "clock.h"
#include "dns.h"
#include "sipcanary.h"

#define LOCATE_MAX_ADDRS	256
#define LOCATE_MAX_SRV		128
#define LOCATE_MAX_NAPTR	8
#define LOCATE_SERVICE		"SIPS+D2T"
#define LOCATE_SERVICE_WS	"SIPS+D2W"

/* A host to look up: an SRV target, or the domain itself. */
struct locate_host {
	char		 name[256];
	unsigned	 port;
	int		 has_srv;
	unsigned	 priority;
	unsigned	 weight;
};

/* Which lookups failed how; decides the verdict when nothing is found. */
struct locate_tally {
	int	 nxdomain;
	int	 nodata;
	int	 timeout;
	int	 failed;
	int	 last_status;
};

struct sc_locate {
	struct event_base	*base;
	struct dns		*dns;
	int			 use_hosts;
	char			*name;
	unsigned		 port;
	int			 ws;		/* WSS: D2W, _sips._ws, 443 */
	sc_locate_cb		 cb;
	void			*arg;
	struct event		*timer;
	struct event		*finish;
	double			 t_start;
	int			 pending;	/* queries in flight */
	int			 naptr_led;	/* SRV names came from NAPTR */
	struct locate_host	 hosts[LOCATE_MAX_SRV];
	size_t			 nhosts;
	struct locate_tally	 tally;
	struct sc_frontend	*fe;
	size_t			 nfe;
	enum sc_verdict		 verdict;
	char			 why[600];
	int			 done;
};

/* One query's context: which host and which record type. */
struct locate_q {
	struct sc_locate	*l;
	size_t			 host;
	int			 aaaa;
};

static void	locate_addresses(struct sc_locate *);

static void
locate_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sc_locate *l = arg;

	(void)fd; (void)what;
	l->cb(l->verdict, l->why, l->fe, l->nfe, sc_clock_now() - l->t_start,
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
locate_count(struct sc_locate *l, int status)
{
	switch (status) {
	case ARES_SUCCESS:
		break;
	case ARES_ENOTFOUND:
		l->tally.nxdomain++;
		break;
	case ARES_ENODATA:
		l->tally.nodata++;
		break;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
		l->tally.timeout++;
		l->tally.last_status = status;
		break;
	default:
		l->tally.failed++;
		l->tally.last_status = status;
		break;
	}
}

static int
locate_add(struct sc_locate *l, const struct locate_host *h, int family,
    const void *addr, unsigned ttl)
{
	struct sc_frontend	*f;
	size_t			 i;
	char			 ip[64];

	inet_ntop(family, addr, ip, sizeof(ip));
	/* Two SRV records may name one address: probe it once. */
	for (i = 0; i < l->nfe; i++)
		if (strcmp(l->fe[i].host, ip) == 0 && l->fe[i].port == h->port)
			return 0;
	if (l->nfe >= LOCATE_MAX_ADDRS)
		return 0;
	if (l->fe == NULL && (l->fe = calloc(LOCATE_MAX_ADDRS,
	    sizeof(*l->fe))) == NULL)
		return -1;
	f = &l->fe[l->nfe++];
	memset(f, 0, sizeof(*f));
	snprintf(f->host, sizeof(f->host), "%s", ip);
	f->port = h->port;
	f->family = family == AF_INET6 ? 6 : 4;
	f->ttl = ttl;
	f->dns_seconds = sc_clock_now() - l->t_start;
	f->has_srv = h->has_srv;
	if (h->has_srv) {
		snprintf(f->srv_target, sizeof(f->srv_target), "%s", h->name);
		f->srv_port = h->port;
		f->priority = h->priority;
		f->weight = h->weight;
	}
	return 0;
}

static int
locate_fe_cmp(const void *a, const void *b)
{
	const struct sc_frontend *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return 0;
}

/* Every address lookup has answered: conclude. */
static void
locate_conclude(struct sc_locate *l)
{
	const struct locate_tally	*t = &l->tally;
	char				 why[600];

	if (l->done)
		return;
	if (l->nfe > 0) {
		/* Stable enough: equal keys keep DNS order in practice. */
		qsort(l->fe, l->nfe, sizeof(*l->fe), locate_fe_cmp);
		locate_done(l, SC_OK, NULL);
		return;
	}
	if (t->timeout > 0) {
		snprintf(why, sizeof(why), "no DNS answer locating %s: %s",
		    l->name, ares_strerror(t->last_status));
		locate_done(l, SC_DNS_TIMEOUT, why);
	} else if (t->failed > 0) {
		snprintf(why, sizeof(why), "DNS lookup for %s failed: %s",
		    l->name, ares_strerror(t->last_status));
		locate_done(l, SC_DNS_SERVFAIL, why);
	} else if (l->nhosts == 1 && !l->hosts[0].has_srv &&
	    t->nxdomain > 0 && t->nodata == 0) {
		snprintf(why, sizeof(why), "%s does not exist (NXDOMAIN)",
		    l->hosts[0].name);
		locate_done(l, SC_DNS_NXDOMAIN, why);
	} else if (l->nhosts > 0 && l->hosts[0].has_srv) {
		snprintf(why, sizeof(why), "no SRV target of %s has an A or "
		    "AAAA record (first: %s)", l->name, l->hosts[0].name);
		locate_done(l, SC_DNS_NO_RECORDS, why);
	} else {
		snprintf(why, sizeof(why), "%s has no NAPTR, SRV, A or AAAA "
		    "records", l->name);
		locate_done(l, SC_DNS_NO_RECORDS, why);
	}
}

static void
locate_addr_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct locate_q		*q = arg;
	struct sc_locate	*l = q->l;
	struct locate_host	*h = &l->hosts[q->host];
	int			 i, n, rc = ARES_SUCCESS;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED ||
	    l->done) {
		free(q);
		return;
	}
	if (status == ARES_SUCCESS) {
		if (q->aaaa) {
			struct ares_addr6ttl t6[64];

			n = 64;
			if ((rc = ares_parse_aaaa_reply(abuf, alen, NULL, t6,
			    &n)) == ARES_SUCCESS)
				for (i = 0; i < n; i++)
					(void)locate_add(l, h, AF_INET6,
					    &t6[i].ip6addr,
					    (unsigned)t6[i].ttl);
		} else {
			struct ares_addrttl t4[64];

			n = 64;
			if ((rc = ares_parse_a_reply(abuf, alen, NULL, t4,
			    &n)) == ARES_SUCCESS)
				for (i = 0; i < n; i++)
					(void)locate_add(l, h, AF_INET,
					    &t4[i].ipaddr,
					    (unsigned)t4[i].ttl);
		}
		/* A reply without the records asked for is "no data". */
		status = rc == ARES_SUCCESS ? ARES_SUCCESS :
		    rc == ARES_ENODATA ? ARES_ENODATA : ARES_EBADRESP;
	}
	locate_count(l, status);
	free(q);
	if (--l->pending == 0)
		locate_conclude(l);
}

/* The hosts file, as the system resolver consults it first. */
static int
locate_hosts_file(struct sc_locate *l, const struct locate_host *h)
{
	static const int	 fams[] = { AF_INET, AF_INET6 };
	struct hostent		*he;
	size_t			 i;
	int			 j, found = 0;

	for (i = 0; i < 2; i++) {
		he = NULL;
		if (ares_gethostbyname_file(sc_dns_channel(l->dns), h->name,
		    fams[i], &he) != ARES_SUCCESS || he == NULL)
			continue;
		for (j = 0; he->h_addr_list[j] != NULL; j++, found++)
			(void)locate_add(l, h, he->h_addrtype,
			    he->h_addr_list[j], 0);
		ares_free_hostent(he);
	}
	return found;
}

static void
locate_query(struct sc_locate *l, size_t host, int aaaa)
{
	struct locate_q *q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		locate_count(l, ARES_ENOMEM);
		return;
	}
	q->l = l;
	q->host = host;
	q->aaaa = aaaa;
	l->pending++;
	ares_query(sc_dns_channel(l->dns), l->hosts[host].name, ns_c_in,
	    aaaa ? ns_t_aaaa : ns_t_a, locate_addr_answer, q);
}

static void
locate_addresses(struct sc_locate *l)
{
	size_t i;

	l->pending = 1;		/* hold conclusions until all are sent */
	for (i = 0; i < l->nhosts; i++) {
		if (l->use_hosts && locate_hosts_file(l, &l->hosts[i]) > 0)
			continue;
		locate_query(l, i, 0);
		locate_query(l, i, 1);
	}
	sc_dns_kick(l->dns);
	if (--l->pending == 0)
		locate_conclude(l);
}

static void
locate_host_self(struct sc_locate *l)
{
	struct locate_host *h = &l->hosts[0];

	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", l->name);
	h->port = l->port;
	l->nhosts = 1;
}

static void
locate_srv_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct sc_locate	*l = arg;
	struct ares_srv_reply	*srv = NULL, *s;
	int			 rc;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED ||
	    l->done)
		return;
	if (status == ARES_SUCCESS) {
		rc = ares_parse_srv_reply(abuf, alen, &srv);
		status = rc == ARES_SUCCESS ? ARES_SUCCESS :
		    rc == ARES_ENODATA ? ARES_ENODATA : ARES_EBADRESP;
	}
	locate_count(l, status);
	for (s = srv; s != NULL && l->nhosts < LOCATE_MAX_SRV; s = s->next) {
		struct locate_host *h;

		/* "." says the service is decidedly not available here. */
		if (s->host == NULL || s->host[0] == '\0' ||
		    strcmp(s->host, ".") == 0)
			continue;
		h = &l->hosts[l->nhosts++];
		snprintf(h->name, sizeof(h->name), "%s", s->host);
		h->port = s->port;
		h->has_srv = 1;
		h->priority = s->priority;
		h->weight = s->weight;
	}
	if (srv != NULL)
		ares_free_data(srv);
	if (--l->pending > 0)
		return;
	if (l->nhosts == 0) {
		if (l->naptr_led || l->tally.timeout > 0 ||
		    l->tally.failed > 0) {
			/* NAPTR promised SRV, or DNS is broken: say so. */
			locate_conclude(l);
			return;
		}
		/* RFC 3263 §4.2: no SRV, use the name on the default port. */
		memset(&l->tally, 0, sizeof(l->tally));
		locate_host_self(l);
	}
	locate_addresses(l);
}

static void
locate_srv(struct sc_locate *l, char names[][256], size_t n)
{
	size_t i;

	l->pending = (int)n;
	for (i = 0; i < n; i++)
		ares_query(sc_dns_channel(l->dns), names[i], ns_c_in, ns_t_srv,
		    locate_srv_answer, l);
	sc_dns_kick(l->dns);
}

static int
locate_naptr_cmp(const void *a, const void *b)
{
	const struct ares_naptr_reply *x = *(const void * const *)a;
	const struct ares_naptr_reply *y = *(const void * const *)b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->preference < y->preference ? -1 :
	    x->preference > y->preference;
}

static void
locate_naptr_answer(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct sc_locate	*l = arg;
	struct ares_naptr_reply	*naptr = NULL, *r, *pick[LOCATE_MAX_NAPTR];
	char			 names[LOCATE_MAX_NAPTR][256];
	size_t			 n = 0, i;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED ||
	    l->done)
		return;
	if (status == ARES_ENOTFOUND) {
		char why[600];

		snprintf(why, sizeof(why), "%s does not exist (NXDOMAIN)",
		    l->name);
		locate_done(l, SC_DNS_NXDOMAIN, why);
		return;
	}
	if (status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED) {
		/* The same server will not answer SRV either. */
		locate_count(l, status);
		locate_conclude(l);
		return;
	}
	if (status == ARES_SUCCESS &&
	    ares_parse_naptr_reply(abuf, alen, &naptr) == ARES_SUCCESS) {
		for (r = naptr; r != NULL && n < LOCATE_MAX_NAPTR; r = r->next)
			if (r->service != NULL && strcasecmp(
			    (const char *)r->service, l->ws ? LOCATE_SERVICE_WS :
			    LOCATE_SERVICE) == 0 &&
			    r->flags != NULL && strcasecmp(
			    (const char *)r->flags, "s") == 0 &&
			    r->replacement != NULL &&
			    r->replacement[0] != '\0')
				pick[n++] = r;
		qsort(pick, n, sizeof(pick[0]), locate_naptr_cmp);
		for (i = 0; i < n; i++)
			snprintf(names[i], sizeof(names[i]), "%s",
			    pick[i]->replacement);
	}
	if (naptr != NULL)
		ares_free_data(naptr);
	if (n > 0)
		l->naptr_led = 1;
	else {
		/* No usable NAPTR (RFC 3263 §4.1): try the SRV name. */
		snprintf(names[0], sizeof(names[0]), "_sips._%s.%s",
		    l->ws ? "ws" : "tcp", l->name);
		n = 1;
	}
	locate_srv(l, names, n);
}

static void
locate_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sc_locate	*l = arg;
	char			 why[600];

	(void)fd; (void)what;
	if (l->nfe > 0) {
		/* Probe what answered rather than nothing at all. */
		locate_conclude(l);
		return;
	}
	snprintf(why, sizeof(why), "no DNS answer locating %s within %.1f s",
	    l->name, sc_clock_now() - l->t_start);
	locate_done(l, SC_DNS_TIMEOUT, why);
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
	l->ws = o->ws;
	l->port = o->port != 0 ? o->port : o->ws ? 443 : 5061;
	l->t_start = sc_clock_now();
	l->use_hosts = o->dns_servers == NULL;
	if ((l->name = strdup(o->name)) == NULL ||
	    (l->timer = evtimer_new(base, locate_timeout, l)) == NULL ||
	    (l->finish = event_new(base, -1, 0, locate_finish_cb, l)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	tv = sc_clock_tv(timeout);
	event_add(l->timer, &tv);
	locate_host_self(l);

	if (inet_pton(AF_INET, l->name, &a4) == 1 ||
	    inet_pton(AF_INET6, l->name, &a6) == 1) {
		int v6 = strchr(l->name, ':') != NULL;

		if (locate_add(l, &l->hosts[0], v6 ? AF_INET6 : AF_INET,
		    v6 ? (void *)&a6 : (void *)&a4, 0) == -1) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		locate_done(l, SC_OK, NULL);
		return l;
	}
	if ((l->dns = sc_dns_new(base, o->dns_servers, timeout, err, errlen)) ==
	    NULL)
		goto fail;
	if (o->explicit) {
		locate_addresses(l);
		return l;
	}
	l->nhosts = 0;
	ares_query(sc_dns_channel(l->dns), l->name, ns_c_in, ns_t_naptr,
	    locate_naptr_answer, l);
	sc_dns_kick(l->dns);
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
	sc_dns_free(l->dns);	/* cancels queries: callbacks free their q */
	if (l->timer != NULL)
		event_free(l->timer);
	if (l->finish != NULL)
		event_free(l->finish);
	free(l->fe);
	free(l->name);
	free(l);
}
