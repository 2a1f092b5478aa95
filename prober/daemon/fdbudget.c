/*
 * fdbudget.c - the daemon's file descriptors: the limit raised at start,
 * and the share of it the HTTP endpoint may use, so that a flood of
 * connections to /metrics can never take the descriptors the probes,
 * the flows and the alert deliveries need.
 *
 * The rule (sipcanary.conf(5), docs/deployment.md): RLIMIT_NOFILE's soft
 * limit is raised to its hard limit; from it, FD_BASE is kept for the
 * daemon itself (stdio, the event loop and its signal pipe, the log, the
 * state directory and its files, the listening socket), FD_PER_SINK per
 * sink (its connection and resolver), and per enabled target
 * FD_PER_TARGET (its resolver's sockets) plus, for each of FD_FRONTENDS
 * frontends, FD_PER_PROBE for its fresh probe (and a certificate status
 * fetch) and FD_PER_FLOW per persistent flow (the new connection while
 * the old one closes).  The endpoint holds at most http_max_connections
 * + 1 descriptors (httpd_conn.c), so http_max_connections is lowered to
 * what is left after the reserve minus that one, but never below
 * FD_HTTP_MIN: /healthz and /metrics must still answer, and the log
 * says that the limit is too low.
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>

#include "daemon/internal.h"
#include "web/httpd.h"

#define FD_BASE		32
#define FD_PER_SINK	2
#define FD_PER_TARGET	2
#define FD_FRONTENDS	4	/* frontends a target is counted with */
#define FD_PER_PROBE	2
#define FD_PER_FLOW	2
#define FD_HTTP_MIN	4

void
daemon_nofile_raise(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The descriptors kept for all but the endpoint, by the rule above. */
static unsigned long long
daemon_fd_reserve(const struct sc_config *c)
{
	unsigned long long	n = FD_BASE + FD_PER_SINK * c->nsinks;
	size_t			i;

	for (i = 0; i < c->ntargets; i++)
		if (c->targets[i].enabled)
			n += FD_PER_TARGET + FD_FRONTENDS * (FD_PER_PROBE +
			    FD_PER_FLOW * (unsigned long long)
			    c->targets[i].flows);
	return n;
}

/*
 * The endpoint's limits from c, within the descriptor budget; logged at
 * start, and on a reload that changes them.
 */
void
daemon_http_limits(struct daemon *d, const struct sc_config *c, int reload)
{
	struct httpd_limits	 lim, was;
	struct rlimit		 rl;
	unsigned long long	 nofile = ~0ULL, reserve, room;

	lim.max_conns = c->http_max_conns;
	lim.max_per_source = c->http_max_per_source;
	lim.header_timeout = c->http_header_timeout;
	reserve = daemon_fd_reserve(c);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		nofile = rl.rlim_cur;
	room = nofile > reserve + 1 ? nofile - reserve - 1 : 0;
	if (room < lim.max_conns) {
		lim.max_conns = room > FD_HTTP_MIN ? (unsigned)room :
		    FD_HTTP_MIN;
		log_event(LOG_WARN, NULL, NULL, NULL, "http: at most %u "
		    "connections, not http_max_connections %u: the descriptor "
		    "limit %llu keeps %llu for the targets' probes and flows "
		    "and the sinks; raise LimitNOFILE= (ulimit -n) to %llu",
		    lim.max_conns, c->http_max_conns, nofile, reserve,
		    reserve + 1 + c->http_max_conns);
	}
	if (lim.max_per_source > lim.max_conns)
		lim.max_per_source = lim.max_conns;
	httpd_get_limits(d->http, &was);
	if (httpd_set_limits(d->http, &lim) == -1 || (reload &&
	    was.max_conns == lim.max_conns && was.max_per_source ==
	    lim.max_per_source && was.header_timeout == lim.header_timeout))
		return;
	log_event(LOG_INFO, NULL, NULL, NULL, "http: at most %u connections, "
	    "%u from one address, each request head within %g s (descriptor "
	    "limit %llu, %llu kept for probes, flows and sinks)",
	    lim.max_conns, lim.max_per_source, lim.header_timeout, nofile,
	    reserve);
}
