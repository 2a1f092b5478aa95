/*
 * drill.h - what a drill measures while it runs: per step counts by
 * verdict and latency histograms, a per-second timeline, reconnect and
 * keep-alive times; and the JSON report built from them (the schema is in
 * sipcanary(1), DRILL REPORTS).
 */
#ifndef SC_DRILL_H
#define SC_DRILL_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "drill/histogram.h"
#include "sipcanary.h"

struct drill_step {
	const struct sc_step	*step;
	uint64_t		 attempts;
	uint64_t		 ok;		/* expectation held */
	uint64_t		 failed;
	uint64_t		 verdicts[SC_VERDICT_COUNT];
	uint64_t		 statuses[600];	/* final SIP status - 100 */
	struct histogram	*latency;
};

struct drill_second {
	uint64_t	 started;
	uint64_t	 ok;
	uint64_t	 failed;
	unsigned	 active;
};

struct drill_settings {
	const char	*scenario_file;
	const char	*target;
	const char	*connect;
	unsigned	 clients;	/* of the whole drill, all shards */
	double		 ramp;
	double		 duration;	/* 0: none */
	unsigned	 shard_index;
	unsigned	 shard_count;
	double		 max_failure_ratio;
};

struct drill {
	const struct sc_scenario *scenario;
	struct drill_step	*steps;
	size_t			 nsteps;
	struct drill_second	*timeline;
	size_t			 nseconds;
	struct histogram	*reconnect;
	struct histogram	*keepalive;
	/* keep-alive answers by kind: crlf, ws_crlf, ws_ping */
#define DRILL_KA_KINDS	3
	uint64_t		 keepalive_kinds[DRILL_KA_KINDS];
	double			 t_start;	/* sc_clock_now() */
	time_t			 wall_start;
	time_t			 wall_end;
	unsigned		 clients_ok;
	unsigned		 clients_failed;
	unsigned		 started;
	unsigned		 active;
	int			 interrupted;
};

struct drill	*drill_new(const struct sc_scenario *);
void		 drill_free(struct drill *);

void		 drill_on_step(struct drill *, const struct sc_step_event *);
void		 drill_on_reconnect(struct drill *, double seconds);
/* kind: as sc_engine_cbs.on_keepalive says */
void		 drill_on_keepalive(struct drill *, double rtt,
		    const char *kind);
void		 drill_on_client(struct drill *, int ok);
void		 drill_on_start(struct drill *);
/* Records clients started and active now (called every second). */
void		 drill_sample(struct drill *, unsigned started,
		    unsigned active);

uint64_t	 drill_expectations(const struct drill *, uint64_t *failed);
double		 drill_failure_ratio(const struct drill *);

json_t		*drill_report(const struct drill *,
		    const struct drill_settings *);

#endif /* SC_DRILL_H */
