/*
 * runner.h - one round of probes: every frontend of a target probed once,
 * concurrently on one event loop, the results collected into a report.
 */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H

#include <stddef.h>

#include "report/report.h"
#include "sipcanary.h"
#include "conf/target.h"

/* What a round needs beyond the probe options. */
struct runner_opts {
	const char	*connect;	/* HOST[:PORT] instead of locating */
	const char	*owner;		/* who owns the target, or NULL */
	const char	*profile;	/* the TLS client profile, or NULL */
	const char	*dns_servers;	/* "ip:port,...", or NULL: system */
	size_t		 parallel;	/* probes at once (0: 16) */
	int		 allow_mixed;	/* different leaf certs are ok */
};

/*
 * Parses uri and, if not NULL, connect (HOST[:PORT] to connect to
 * instead of locating) into t.  -1 with err, t cleared.
 */
int	 runner_parse_target(struct target *t, const char *uri,
	    const char *connect, char *err, size_t errlen);

/* Where to look for the frontends of t: --connect, the URI's port, DNS. */
void	 runner_locate_opts(struct sc_locate_opts *, const struct target *t,
	    const char *dns_servers, double timeout);

/*
 * Probes every frontend of uri with po as the template (host and port
 * are filled per frontend) and fills out.  Returns 0, or -1 with a usage
 * problem in err (a bad URI or --connect): probe failures are results.
 */
int	 runner_target(const char *uri, const struct runner_opts *,
	    const struct sc_probe_opts *po, struct check_report *out,
	    char *err, size_t errlen);

void	 runner_report_clear(struct check_report *);

#endif /* SC_RUNNER_H */
