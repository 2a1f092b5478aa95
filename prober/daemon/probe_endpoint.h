/*
 * probe_endpoint.h - probes on demand: GET /probe (probe_endpoint.c) and
 * POST /api/v1/targets/NAME/probe (ondemand.c).
 */
#ifndef SC_PROBE_ENDPOINT_H
#define SC_PROBE_ENDPOINT_H

struct daemon;
struct evhttp_request;

/* Routes /probe on the daemon's endpoint.  0, or -1 (ENOMEM). */
int	probe_endpoint_routes(struct daemon *);
/* Routes POST /api/v1/targets/NAME/probe.  0, or -1 (ENOMEM). */
int	ondemand_routes(struct daemon *);
/* /probe's access rule, shared: 0, or -1 after answering 403. */
int	probe_endpoint_access(struct daemon *, struct evhttp_request *);

#endif /* SC_PROBE_ENDPOINT_H */
