/*
 * internal.h - what the files of prober/daemon/ share and nothing else
 * sees: the daemon, its targets and their frontends, and the functions
 * one file of the daemon calls in another.  daemon.h is the public entry.
 *
 * Each target owns its frontends; each frontend owns a timer for its
 * fresh probes and one scenario engine running its persistent flows in
 * loop mode (reconnect, register, maintain, break: forever).  All state
 * lives on the one event loop.
 */
#ifndef SC_DAEMON_INTERNAL_H
#define SC_DAEMON_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <event2/event.h>

#include "alert/alert.h"
#include "alert/sink.h"
#include "conf/conf.h"
#include "common/log.h"
#include "common/timer.h"
#include "conf/target.h"
#include "sipcanary.h"
#include "web/metrics.h"

#define HISTORY_LEN		60
#define RECONNECT_RING		64	/* reconnect outcomes kept per frontend */

struct dtarget;

/* The labels of one certificate's series: depth and fingerprint. */
struct dcert_key {
	char		 depth[16];
	char		 fp[65];
};

struct dfront {
	struct dtarget		*t;
	struct sc_frontend	 fe;
	char			 address[80];
	char			 srv[300];
	struct event		*timer;
	struct sc_probe		*probe;
	int			 probe_cut;	/* probe being shut down */
	int			 leaving;	/* gone from DNS: unregistering */
	struct dcert_key	*certs;		/* cert_not_after series shown */
	size_t			 ncerts;
	struct sc_engine	*flows;
	unsigned		 nflows;
	unsigned char		*flow_up;	/* per flow */
	unsigned char		*flow_deliberate; /* cause of last down */
	int			 flows_live;	/* engine not yet done */
	struct event		*flows_ev;	/* starts the flows */
	int			 probed;
	unsigned long		 nprobes;	/* fresh probes done */
	int			 ondemand_want;	/* keep the next probe's JSON */
	struct json_t		*ondemand_json;	/* as check --json, or NULL */
	enum sc_verdict		 verdict;
	char			 error[512];
	time_t			 last_success;
	double			 days_left;
	unsigned char		 hist[HISTORY_LEN];
	size_t			 nhist;
	int			 seen;		/* in the last location */
	char			 leaf_fp[65];	/* last leaf seen, for consistency */
	char			 leaf_subject[256];
	time_t			 leaf_not_after;
	unsigned char		*flow_was_up;	/* per flow: ever registered */
	const char		**flow_keepalive; /* per flow: kind logged */
	time_t			 rc_at[RECONNECT_RING];	/* reconnect outcomes */
	unsigned char		 rc_ok[RECONNECT_RING];
	size_t			 rc_next;
	char			 revocation[160]; /* "crl good, ..." */
};

struct dtarget {
	struct daemon		*d;
	struct target_conf	 conf;		/* our own deep copy */
	struct target		 uri;
	void			*tls_ctx;	/* shared with targets of its load */
	unsigned		 gen;		/* the load that made it */
	struct sc_locate	*locate;
	struct event		*relocate;
	struct dfront		**fe;
	size_t			 nfe;
	struct dfront		**leaving;	/* gone from DNS, not yet done */
	size_t			 nleaving;
	int			 outage;
	enum sc_verdict		 dns_verdict;	/* of the last location */
	char			 dns_error[600];
	struct sc_scenario	*flow_sc;	/* persistent-flow.scn, filled */
	struct sc_scenario	*fresh_sc;	/* scenario = FILE, or NULL */
	double			 ondemand_at;	/* last probe on demand */
	int			 retiring;
	int			 live_engines;
};

/* A configured target the daemon cannot probe, and why (broken.c). */
struct dbroken {
	char		*name;
	char		*uri;
	char		 reason[600];
};

struct daemon {
	struct event_base	*base;
	struct sc_config	*conf;
	char			*path;
	struct metrics		*m;
	int			 metrics_detail; /* as the families were made */
	struct metrics_family	*f_phase_last;	/* per frontend, gauges */
	struct metrics_family	*f_success, *f_probes, *f_phase, *f_flow_up,
				*f_reconnects, *f_reconnect_dur, *f_rtt,
				*f_cert_not_after, *f_cert_earliest, *f_cert_ok,
				*f_outage, *f_frontends, *f_build,
				*f_last_success, *f_dns_success,
				*f_reload_ok, *f_reload_time,
				*f_damaged, *f_broken, *f_log_errors;
	struct metrics_family	*f_hep_sent, *f_hep_dropped, *f_keylog;
	struct metrics_family	*f_http_conns, *f_http_refused,
				*f_http_timeouts;
	struct metrics_family	*f_client_cert, *f_profile; /* dprofile.c */
	struct metrics_family	*f_steps, *f_step_dur;	/* steps.c */
	struct metrics_family	*f_rev_age, *f_rev_expires,
				*f_rev_failures;	/* drevocation.c */
	struct httpd		*http;
	struct metrics_family	*f_auth_checks;		/* of http */
	struct alerts		*alerts;
	struct sink		**sinks;
	size_t			 nsinks;
	struct event		*ev_refresh;
	struct event		*ev_settle;	/* alerts_settle() */
	struct metrics_family	*f_alerts_firing, *f_notifications,
				*f_outbox_depth, *f_dropped,
				*f_sink_last;
	struct dtarget		**targets;
	size_t			 ntargets;
	unsigned		 gen;		/* of the load in progress */
	struct dtarget		**retired;
	size_t			 nretired;
	struct event		*ev_hup, *ev_term, *ev_int, *ev_grace;
	time_t			 started;
	char			 reload_error[512]; /* the last refusal */
	struct dbroken		*broken;	/* enabled, not probed: why */
	size_t			 nbroken;
	time_t			 reload_failed_at;  /* 0: last reload ok */
	int			 stopping;
	int			 rc;
	unsigned		 ondemand_live;	/* /probe requests running */
};

/* daemon.c: the life cycle, and timers. */
double	daemon_random(void);
double	daemon_jitter(double);
void	daemon_check_stopped(struct daemon *);

/* fdbudget.c: the descriptor limit, and the endpoint's share of it. */
void	daemon_nofile_raise(void);
void	daemon_http_limits(struct daemon *, const struct sc_config *, int);

/* statedir.c: the state directory and the privilege drop. */
int	daemon_state_dir(const struct sc_config *, char *, size_t);
int	daemon_drop_privileges(const struct sc_config *, int, char *, size_t);

/* targets.c: targets and the location of their frontends. */
struct dtarget	*dtarget_new(struct daemon *, const struct target_conf *,
		    struct dtarget *const *loading, size_t nloading, char *err,
		    size_t errlen);
void		 dtarget_keep(struct dtarget *, const struct target_conf *);
void		 dtarget_free(struct dtarget *);
void		 dtarget_stop(struct dtarget *);
void		 dtarget_retire(struct dtarget *);
/*
 * A new TLS context for target c (NULL: none, the built-in defaults) as
 * profile pf (NULL: none): the profile's options over the target's
 * ca_file and tls_min.  NULL with err.
 */
void		*dtarget_tls_ctx_new(const struct target_conf *c,
		    const struct profile_conf *pf, char *err, size_t errlen);

/* frontends.c: the frontends of a target. */
struct dfront	*dfront_new(struct dtarget *, const struct sc_frontend *);
void		 dfront_free(struct dfront *);
void		 dfront_stop(struct dfront *);
void		 dfront_leave(struct dfront *);
void		 dtarget_reap_fronts(struct dtarget *);
int		 dfront_flows_up(const struct dfront *);

/* probes.c: fresh probes. */
void	dfront_timer(evutil_socket_t, short, void *);
void	dfront_probe_cut(struct dfront *);
void	dfront_probe_now(struct dfront *);

/* flows.c: persistent flows. */
int	dtarget_flow_scenario(struct dtarget *, char *err, size_t errlen);
void	dfront_flow_set(struct dfront *, unsigned, int);
void	dfront_flows_cb(evutil_socket_t, short, void *);

/* steps.c: target scenarios, their steps in the metrics. */
int	dsteps_families(struct daemon *, struct metrics *);
void	dfront_step_metrics(struct dfront *, const char *probe,
	    const struct sc_step_event *);
void	dtarget_fill_steps(const struct target_conf *, struct sc_step *,
	    size_t);
/*
 * Target c's own fresh-probe scenario (scenario = FILE), loaded, with what
 * it leaves unset filled in from c: 0 with *out (NULL: none, the built-in
 * probe; the caller frees it), or -1 with err.
 */
int	dtarget_fresh_scenario(const struct target_conf *c,
	    struct sc_scenario **out, char *err, size_t errlen);

/* detect.c: the outage detector and the alert rules. */
int	dverdict_up(enum sc_verdict);
void	dfront_alerts(struct dfront *, const struct sc_result *);
void	dtarget_alerts(struct dtarget *);
void	dfront_reconnect_eval(struct dfront *);
void	dfront_reconnect_outcome(struct dfront *, int);
void	dtarget_detect(struct dtarget *, int);
extern const struct alert_inhibit dalert_hierarchy[];
extern const size_t dalert_nhierarchy;

/* dprofile.c: what the alerts of a profile's target say. */
void	dprofile_summary(const struct dtarget *, char *buf, size_t len);
/* sipcanary_profile_info and the profile label of a profile's target. */
void	dprofile_info(struct dtarget *);
/* The configured target of a profile's target (in buf), or NULL. */
const char *dprofile_target(const struct dtarget *, char *buf, size_t len);
/*
 * The probe's own client certificate in r: its notAfter metric, and the
 * summary of its expiry alert (notAfter in na); 0, or -1 if r has none.
 */
int	dprofile_client_cert(struct dfront *, const struct sc_result *r,
	    char *summary, size_t len, char *na, size_t nalen);

/* dmetrics.c: the daemon's metric families and their updates. */
int	daemon_metrics_new(struct daemon *);

/* debugaids.c: the key log and HEP, at start (old NULL) and reload. */
int	daemon_debugaids(struct daemon *, const struct sc_config *old,
	    const struct sc_config *);
void	daemon_debugaids_free(void);
int	daemon_debugaids_metrics_new(struct daemon *);
void	daemon_debugaids_metrics(struct daemon *);
void	daemon_reload_outcome(struct daemon *, int ok, const char *why);
void	daemon_metrics_refresh(struct daemon *);
void	dfront_phase(struct dfront *, const char *, double);
void	dfront_cert_metrics(struct dfront *, const struct sc_result *);

/* drevocation.c: revocation metrics and the status page's summary */
int	drevocation_families(struct daemon *, struct metrics *);
void	drevocation_configure(const struct sc_config *);
void	drevocation_result(struct dfront *, const struct sc_result *);
void	dfront_forget_metrics(struct dfront *);

/* http.c: /metrics, the status page and /alerts. */
int	daemon_http_routes(struct daemon *);

/* deliver.c: sinks and the delivery of alerts. */
void	daemon_notify(const struct alert_state *, enum alert_event, void *);
void	daemon_refresh(evutil_socket_t, short, void *);
void	daemon_refresh_pace(struct daemon *, const struct sc_config *);
int	daemon_sinks(struct daemon *, const struct sc_config *, int);
int	daemon_alert_wiring(struct daemon *);
void	daemon_sink_log(void *, int, const char *, const char *,
	    const char *, const char *);

/* broken.c */
void	daemon_broken_clear(struct daemon *);
void	daemon_broken_add(struct daemon *, const struct target_conf *,
	    const char *why);
void	daemon_broken_done(struct daemon *, struct dbroken *old,
	    size_t nold);
int	daemon_http_health_routes(struct daemon *);

#endif /* SC_DAEMON_INTERNAL_H */
