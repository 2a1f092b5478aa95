/*
 * dns.c - glue between c-ares and libevent.
 *
 * c-ares tells us through its socket-state callback which sockets to
 * watch; each gets a persistent libevent event that calls
 * ares_process_fd().  One timer, re-armed from ares_timeout(), drives
 * retransmissions and timeouts, so a dead DNS server ends in ARES_ETIMEOUT
 * rather than a hang.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dns.h"

#define DNS_MAX_SOCKS	16

struct dns_sock {
	ares_socket_t	 fd;
	struct event	*ev;
};

struct dns {
	struct event_base	*base;
	ares_channel		 channel;
	struct event		*timer;
	struct dns_sock		 socks[DNS_MAX_SOCKS];
	int			 inited;
};

static void
dns_io(evutil_socket_t fd, short what, void *arg)
{
	struct dns *d = arg;

	ares_process_fd(d->channel,
	    (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD);
	sc_dns_kick(d);
}

static void
dns_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dns *d = arg;

	(void)fd; (void)what;
	ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	sc_dns_kick(d);
}

static void
dns_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct dns	*d = arg;
	struct dns_sock	*s = NULL;
	int		 i;
	short		 what;

	for (i = 0; i < DNS_MAX_SOCKS; i++)
		if (d->socks[i].ev != NULL && d->socks[i].fd == fd) {
			s = &d->socks[i];
			break;
		}
	if (s != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if (!readable && !writable)
		return;
	if (s == NULL)
		for (i = 0; i < DNS_MAX_SOCKS && s == NULL; i++)
			if (d->socks[i].ev == NULL)
				s = &d->socks[i];
	if (s == NULL)
		return;		/* c-ares then times the query out */
	what = EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	s->fd = fd;
	s->ev = event_new(d->base, fd, what, dns_io, d);
	if (s->ev != NULL)
		event_add(s->ev, NULL);
}

void
sc_dns_kick(struct dns *d)
{
	struct timeval tv, *tvp;

	if ((tvp = ares_timeout(d->channel, NULL, &tv)) != NULL)
		event_add(d->timer, tvp);
	else
		event_del(d->timer);
}

struct dns *
sc_dns_new(struct event_base *base, const char *servers, double timeout,
    char *err, size_t errlen)
{
	struct dns		*d;
	struct ares_options	 opts;
	int			 rc;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->base = base;
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		goto fail;
	}
	d->inited = 1;
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = dns_sock_state;
	opts.sock_state_cb_data = d;
	opts.timeout = (int)(timeout * 1000 / 2);
	if (opts.timeout < 100)
		opts.timeout = 100;
	opts.tries = 2;
	/*
	 * Without NOCHECKRESP, c-ares hides SERVFAIL and REFUSED behind
	 * "could not contact DNS servers", which reads as a timeout.
	 */
	opts.flags = ARES_FLAG_NOCHECKRESP;
	rc = ares_init_options(&d->channel, &opts, ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		d->channel = NULL;
		snprintf(err, errlen, "cannot start the resolver: %s",
		    ares_strerror(rc));
		goto fail;
	}
	if (servers != NULL &&
	    (rc = ares_set_servers_ports_csv(d->channel, servers)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "bad DNS server list \"%s\": %s",
		    servers, ares_strerror(rc));
		goto fail;
	}
	if ((d->timer = evtimer_new(base, dns_tick, d)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return d;
fail:
	sc_dns_free(d);
	return NULL;
}

void
sc_dns_free(struct dns *d)
{
	int i;

	if (d == NULL)
		return;
	if (d->channel != NULL)
		ares_destroy(d->channel);	/* callbacks get ARES_EDESTRUCTION */
	for (i = 0; i < DNS_MAX_SOCKS; i++)
		if (d->socks[i].ev != NULL)
			event_free(d->socks[i].ev);
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->inited)
		ares_library_cleanup();
	free(d);
}

ares_channel
sc_dns_channel(struct dns *d)
{
	return d->channel;
}
