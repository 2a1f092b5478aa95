/*
 * alert.h - alert rules with hysteresis, evaluated inside the daemon.
 *
 * An alert is identified by (alertname, target, frontend).  Each
 * evaluation says whether its condition is bad now; an alert fires after
 * `for` bad evaluations in a row and resolves after `resolve_after` good
 * ones.  An alert that fires again within flap_window of resolving does
 * not page again: it is marked flapping and its notifications are held
 * back until it has stayed resolved for a whole window.  The state is
 * saved in state_dir so that a restart neither re-pages a firing alert
 * nor forgets to resolve one.
 */
#ifndef SC_ALERT_H
#define SC_ALERT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

enum alert_event {
	ALERT_TRIGGER,		/* fired (or its severity changed) */
	ALERT_RESOLVE		/* resolved */
};

struct alert_state {
	char		*alertname;
	char		*target;
	char		*frontend;	/* "" for target-level alerts */
	char		 severity[12];
	int		 firing;
	int		 flapping;	/* fired again within flap_window */
	int		 paged;		/* the last trigger was sent */
	unsigned	 bad, good;	/* consecutive evaluations */
	time_t		 starts_at;
	time_t		 resolved_at;
	char		 summary[512];
	char		 description[1024];
	char		 verdict[40];
	char		 fingerprint[65];
	char		 not_after[32];
};

/* What an evaluation says about one alert. */
struct alert_eval {
	const char	*alertname;
	const char	*target;
	const char	*frontend;	/* NULL or "" for target-level */
	int		 bad;
	const char	*severity;	/* while bad */
	unsigned	 for_n;		/* bad evaluations before firing */
	unsigned	 resolve_after;	/* good evaluations before resolving */
	double		 flap_window;	/* seconds */
	const char	*summary;	/* while bad: kept for notifications */
	const char	*description;
	const char	*verdict;
	const char	*fingerprint;
	const char	*not_after;
};

typedef void	(*alert_notify_fn)(const struct alert_state *,
		    enum alert_event, void *arg);

struct alerts;

/*
 * path: the state file (state_dir/alerts.json); loaded if present.  NULL
 * with a reason in err if it exists but cannot be read.
 */
struct alerts	*alerts_open(const char *path, alert_notify_fn, void *arg,
		    char *err, size_t errlen);
void		 alerts_free(struct alerts *);

/* Applies one evaluation; notifies and saves on a change of state. */
void		 alerts_eval(struct alerts *, const struct alert_eval *);

/* Forgets every alert of target (and frontend, when not NULL). */
void		 alerts_forget(struct alerts *, const char *target,
		    const char *frontend);

/* Calls fn for every alert that is firing and was paged. */
void		 alerts_each_firing(struct alerts *, alert_notify_fn, void *);

/* Calls fn for every alert that is firing, paged or not (flapping). */
void		 alerts_each_active(struct alerts *, alert_notify_fn, void *);

/* Counts firing alerts by (alertname, severity) through fn. */
void		 alerts_count(struct alerts *, void (*fn)(const char *name,
		    const char *severity, unsigned n, void *arg), void *arg);

/* The current states as JSON (GET /alerts). */
json_t		*alerts_json(struct alerts *);
/*
 * Why the state file was set aside at load (damaged: moved to
 * FILE.damaged-TIME, the daemon starting without it), or NULL.
 */
const char	*alerts_damaged(const struct alerts *);

#endif /* SC_ALERT_H */
