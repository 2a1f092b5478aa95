/*
 * daemon.h - `sipcanary run`: the 24/7 prober.  Per target it locates the
 * frontends (again when their DNS records expire), runs a fresh probe of
 * each frontend every interval, keeps persistent registered flows on
 * each, and watches for the incident signature: new connections fail
 * while existing flows live.  It serves /metrics, a status page and
 * /healthz, reloads on SIGHUP and unregisters on SIGTERM.
 */
#ifndef SC_DAEMON_H
#define SC_DAEMON_H

#include "conf/conf.h"
#include "common/log.h"

struct daemon;

/*
 * Runs until SIGTERM or SIGINT, with config (taken over) read from path.
 * Returns the exit status: 0 after a clean stop, 1 if the daemon could
 * not start (the reason is logged).
 */
int	daemon_run(struct sc_config *config, const char *path);

#endif /* SC_DAEMON_H */
