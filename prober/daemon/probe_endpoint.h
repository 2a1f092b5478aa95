/*
 * probe_endpoint.h - probes on demand: GET /probe (probe_endpoint.c) and
 * POST /api/v1/targets/NAME/probe (ondemand.c).
 */
#ifndef SC_PROBE_ENDPOINT_H
#define SC_PROBE_ENDPOINT_H

struct daemon;

/* Routes /probe on the daemon's endpoint.  0, or -1 (ENOMEM). */
int	probe_endpoint_routes(struct daemon *);

#endif /* SC_PROBE_ENDPOINT_H */
