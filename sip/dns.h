/*
 * dns.h - a c-ares channel driven by the libevent loop.  Internal to sip/.
 */
#ifndef SC_DNS_H
#define SC_DNS_H

#include <ares.h>

struct event_base;
struct dns;

/*
 * servers: "ip[:port],..." or NULL for the system configuration.
 * timeout: seconds per try.  NULL with a reason in err.
 */
struct dns	*sc_dns_new(struct event_base *, const char *servers,
		    double timeout, char *err, size_t errlen);
void		 sc_dns_free(struct dns *);
ares_channel	 sc_dns_channel(struct dns *);

/* Re-arms the retransmission timer; call after starting queries. */
void		 sc_dns_kick(struct dns *);

#endif /* SC_DNS_H */
