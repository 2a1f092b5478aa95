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
 *
 * Alerts of one target form a hierarchy (alerts_set_hierarchy()): an
 * alert that a firing one explains is kept, marked "inhibited by X", and
 * does not page; it pages when X resolves while it still holds.  Pages
 * are decided in alerts_settle(), after a round of evaluations, so that
 * the root cause and its effects found by one probe give one page.
 * Each sink's delivery of an alert's last notification is tracked, so
 * that /alerts can tell "delivered to S at T" from "not delivered".
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

/* The last trigger or resolve of an alert queued to one sink. */
struct alert_delivery {
	char		 sink[64];
	char		 kind[12];	/* "trigger" | "resolve" */
	time_t		 queued_at;
	time_t		 delivered_at;	/* 0: not yet */
};

#define ALERT_SINKS_MAX	8		/* deliveries tracked per alert */

struct alert_state {
	char		*alertname;
	char		*target;
	char		*frontend;	/* "" for target-level alerts */
	char		 severity[12];
	int		 firing;
	int		 flapping;	/* fired again within flap_window */
	int		 paged;		/* the last trigger was sent */
	int		 pending;	/* fired: page at alerts_settle() */
	char		 inhibited_by[64]; /* not paged: explained by */
	unsigned	 bad, good;	/* consecutive evaluations */
	time_t		 starts_at;
	time_t		 resolved_at;
	char		 summary[512];
	char		 description[1024];
	char		 verdict[40];
	char		 fingerprint[65];
	char		 not_after[32];
	struct alert_delivery deliveries[ALERT_SINKS_MAX];
	size_t		 ndeliveries;
};

/*
 * One rule of the hierarchy: while an alert named source is firing for a
 * target (for the same frontend, when same_frontend), an alert named
 * inhibited of that target does not page.  Rules are tried in order: the
 * first firing source names the inhibition.
 */
struct alert_inhibit {
	const char	*source;
	const char	*inhibited;
	int		 same_frontend;
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

/*
 * The hierarchy (rules is kept, not copied: a static table) and how the
 * caller is woken to call alerts_settle() once a round of evaluations is
 * over.  Without a wake function, every evaluation settles at once.
 */
void		 alerts_set_hierarchy(struct alerts *,
		    const struct alert_inhibit *rules, size_t nrules,
		    void (*wake)(void *), void *wake_arg);

/* Applies one evaluation; saves on a change of state. */
void		 alerts_eval(struct alerts *, const struct alert_eval *);

/*
 * Pages what fired and nothing explains; marks what a firing alert
 * explains; holds an alert back while one that would explain it is on
 * its way to firing (bad, but not for long enough yet); pages an
 * inhibited alert whose explanation resolved.  Saves on a change.
 */
void		 alerts_settle(struct alerts *);

/*
 * A notification of kind ("trigger" or "resolve") of the alert was
 * queued to sink (alerts_queued) or delivered by it (alerts_delivered,
 * which ignores a kind other than the one last queued).
 */
void		 alerts_queued(struct alerts *, const struct alert_state *,
		    const char *sink, const char *kind);
void		 alerts_delivered(struct alerts *, const char *alertname,
		    const char *target, const char *frontend, const char *sink,
		    const char *kind, time_t at);

/*
 * What became of the alert's last notification, for people: "delivered
 * to S at T", "pending at S since T", "not paged: inhibited by X".
 */
void		 alert_delivery_text(const struct alert_state *, char *buf,
		    size_t len);

/* Forgets every alert of target (and frontend, when not NULL). */
void		 alerts_forget(struct alerts *, const char *target,
		    const char *frontend);

/* Calls fn for every alert that is firing and was paged. */
void		 alerts_each_firing(struct alerts *, alert_notify_fn, void *);

/* Calls fn for every alert known, firing or not. */
void		 alerts_each(struct alerts *, alert_notify_fn, void *);

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
