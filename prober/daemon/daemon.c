/*
 * daemon.c - the life cycle of the 24/7 prober (see daemon.h): start-up
 * in named steps, the signals (SIGHUP reloads, SIGTERM and SIGINT stop),
 * the reaping of retired targets, and the timer helpers every file of
 * the daemon uses.
 *
 * A reload builds the new targets from a config that already parsed,
 * keeps the ones whose settings did not change (their flows untouched)
 * and retires the rest; a retired target unregisters its flows before it
 * is freed.  A stop unregisters every flow, within a grace period.
 */
#include "config.h"
#include "git-version.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "daemon/daemon.h"
#include "web/httpd.h"
#include "daemon/internal.h"

#define SHUTDOWN_GRACE		4.5	/* SIGTERM: exit within 5 s */

/* Uniform in [0, 1]. */
double
daemon_random(void)
{
	unsigned int r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)random();
	return (double)r / (double)UINT32_MAX;
}

/* ±10%, so that frontends of one target are not probed in step. */
double
daemon_jitter(double seconds)
{
	return seconds * (0.9 + 0.2 * daemon_random());
}

/* Frees the retired targets whose flows have unregistered. */
static void
daemon_reap(struct daemon *d)
{
	size_t i, k;

	for (i = 0, k = 0; i < d->nretired; i++) {
		if (d->retired[i]->live_engines > 0) {
			d->retired[k++] = d->retired[i];
			continue;
		}
		(void)metrics_remove_matching(d->m, (const char *const[]){
		    "target", d->retired[i]->conf.name, NULL });
		if (config_target(d->conf, d->retired[i]->conf.name) ==
		    NULL) {
			alerts_forget(d->alerts, d->retired[i]->conf.name,
			    NULL);
			metrics_label_unalias(d->m, "target",
			    d->retired[i]->conf.name);
		}
		dtarget_free(d->retired[i]);
	}
	d->nretired = k;
}

/* After an engine ended: on a stop, the loop ends with the last one. */
void
daemon_check_stopped(struct daemon *d)
{
	size_t	i;
	int	live = 0;

	daemon_reap(d);
	if (!d->stopping)
		return;
	for (i = 0; i < d->ntargets; i++)
		live += d->targets[i]->live_engines;
	live += (int)d->ondemand_live;	/* probe_endpoint.c */
	if (live == 0 && d->nretired == 0)
		event_base_loopbreak(d->base);
}

static void
daemon_grace(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd; (void)what;
	log_event(LOG_WARN, NULL, NULL, NULL, "shutdown grace period over: "
	    "exiting with unregisters unanswered");
	event_base_loopbreak(d->base);
}

static void
daemon_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	size_t		 i;

	(void)what;
	if (d->stopping)
		return;
	d->stopping = 1;
	log_event(LOG_INFO, NULL, NULL, NULL, "%s: unregistering flows and "
	    "stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	for (i = 0; i < d->ntargets; i++)
		dtarget_stop(d->targets[i]);
	timer_arm(d->ev_grace, SHUTDOWN_GRACE);
	daemon_check_stopped(d);
}

/*
 * The endpoint's secrets are read again on every reload (a removed user
 * must lose access, a renewed certificate must not need a restart); one
 * that fails to load keeps the one loaded before, and the log says which.
 */
static void
daemon_reload_secrets(struct daemon *d, const struct sc_config *nc)
{
	char	err[512];

	if (nc->http_auth_file != NULL && httpd_load_basic_auth(d->http,
	    nc->http_auth_file, err, sizeof(err)) == -1)
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload: %s: the users "
		    "loaded before stay in force", err);
	else if (nc->http_auth_file != NULL)
		log_event(LOG_INFO, NULL, NULL, NULL, "reload: users read "
		    "again from %s", nc->http_auth_file);
	else if (d->conf->http_auth_file != NULL) {
		httpd_clear_basic_auth(d->http);
		log_event(LOG_WARN, NULL, NULL, NULL, "reload: http_auth_file "
		    "removed: the endpoint no longer asks for credentials");
	}
	if (nc->http_tls_cert != NULL && httpd_set_tls(d->http,
	    nc->http_tls_cert, nc->http_tls_key != NULL ? nc->http_tls_key :
	    nc->http_tls_cert, err, sizeof(err)) == -1)
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload: %s: the "
		    "endpoint's certificate and key loaded before stay in "
		    "force", err);
	else if (nc->http_tls_cert != NULL)
		log_event(LOG_INFO, NULL, NULL, NULL, "reload: the endpoint's "
		    "certificate and key read again from %s", nc->http_tls_cert);
	else if (d->conf->http_tls_cert != NULL)
		log_event(LOG_WARN, NULL, NULL, NULL, "reload: turning the "
		    "endpoint's TLS off takes effect on restart only");
}

/* Settings a reload cannot change, or changes outside the targets. */
static void
daemon_reload_settings(struct daemon *d, const struct sc_config *nc)
{
	if (strcmp(nc->listen, d->conf->listen) != 0 ||
	    strcmp(nc->state_dir, d->conf->state_dir) != 0 ||
	    nc->metrics_series_limit != d->conf->metrics_series_limit ||
	    nc->metrics_detail != d->metrics_detail)
		log_event(LOG_WARN, NULL, NULL, NULL, "reload: listen, "
		    "state_dir, metrics_series_limit and metrics_detail take "
		    "effect on restart only");
	if (strcmp(nc->vantage, d->conf->vantage) != 0)
		(void)metrics_const_label(d->m, "vantage", nc->vantage);
	daemon_reload_secrets(d, nc);
	daemon_http_limits(d, nc, 1);
}

/*
 * The targets of nc into nt: the unchanged ones are taken over from
 * d->targets (which keeps NULL in their place), the others are new.
 * Returns how many nt holds.
 */
static size_t
daemon_reload_targets(struct daemon *d, const struct sc_config *nc,
    struct dtarget **nt)
{
	char	err[600];
	size_t	i, j, n = 0;

	for (i = 0; i < nc->ntargets; i++) {
		const struct target_conf *c = &nc->targets[i];

		if (!c->enabled)
			continue;
		for (j = 0; j < d->ntargets; j++)
			if (d->targets[j] != NULL &&
			    target_conf_same(&d->targets[j]->conf, c))
				break;
		if (j < d->ntargets) {
			/* Unchanged: keep it, flows and all. */
			nt[n] = d->targets[j];
			d->targets[j] = NULL;
			dtarget_keep(nt[n++], c);
			continue;
		}
		if ((nt[n] = dtarget_new(d, c, nt, n, err, sizeof(err))) !=
		    NULL)
			n++;
		else
			daemon_broken_add(d, c, err);
	}
	return n;
}

static void
daemon_reload(evutil_socket_t sig, short what, void *arg)
{
	struct daemon		*d = arg;
	struct sc_config	*nc;
	struct dtarget		**nt;
	struct dbroken		*old;
	char			 err[1024];
	size_t			 j, n, nold;

	(void)sig; (void)what;
	if (d->stopping)
		return;
	if ((nc = config_load(d->path, err, sizeof(err))) == NULL ||
	    config_check_files(nc, err, sizeof(err)) == -1 ||
	    config_expand_profiles(nc, err, sizeof(err)) == -1) {
		config_free(nc);
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload refused, the "
		    "running config stays in force: %s", err);
		daemon_reload_outcome(d, 0, err);
		return;
	}
	if ((nt = calloc(nc->ntargets + 1, sizeof(*nt))) == NULL) {
		config_free(nc);
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload: out of memory");
		return;
	}
	d->gen++;	/* new targets of this reload read their CA files anew */
	daemon_reload_settings(d, nc);
	(void)daemon_debugaids(d, d->conf, nc);	/* logs what it could not */
	old = d->broken;
	nold = d->nbroken;
	d->broken = NULL;
	d->nbroken = 0;
	n = daemon_reload_targets(d, nc, nt);
	daemon_broken_done(d, old, nold);
	for (j = 0; j < d->ntargets; j++)
		if (d->targets[j] != NULL) {
			log_event(LOG_INFO, d->targets[j]->conf.name, NULL,
			    NULL, "reload: target changed or removed: "
			    "unregistering its flows");
			dtarget_retire(d->targets[j]);
		}
	free(d->targets);
	d->targets = nt;
	d->ntargets = n;
	if (daemon_sinks(d, nc, 1) == -1)
		log_event(LOG_ERROR, NULL, NULL, NULL, "reload: sinks: out of "
		    "memory");
	daemon_refresh_pace(d, nc);
	drevocation_configure(nc);
	config_free(d->conf);
	d->conf = nc;
	daemon_reload_outcome(d, 1, NULL);
	log_event(LOG_INFO, NULL, NULL, NULL, "reloaded %s: %zu targets",
	    d->path, n);
	daemon_check_stopped(d);
}

/* The endpoint's own events (accept() failing), into the log. */
static void
daemon_http_log(void *arg, const char *msg)
{
	(void)arg;
	log_event(LOG_ERROR, NULL, NULL, NULL, "%s", msg);
}

/*
 * libevent's own warnings, into the log as JSON lines like the rest
 * (they went to stderr raw).  It must not call libevent from here.
 */
static void
daemon_libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_event(severity >= EVENT_LOG_ERR ? LOG_ERROR : LOG_WARN,
		    NULL, NULL, NULL, "libevent: %s", msg);
}

/* The HTTP server: listening, authentication, TLS and the pages. */
static int
daemon_listen(struct daemon *d, const struct sc_config *c)
{
	char	err[512];

	if ((d->http = httpd_start(d->base, c->listen, err, sizeof(err))) ==
	    NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot listen on %s: %s",
		    c->listen, err);
		return -1;
	}
	httpd_set_log(d->http, daemon_http_log, d);
	daemon_http_limits(d, c, 0);
	if ((c->http_auth_file != NULL && httpd_load_basic_auth(d->http,
	    c->http_auth_file, err, sizeof(err)) == -1) ||
	    (c->http_tls_cert != NULL && httpd_set_tls(d->http,
	    c->http_tls_cert, c->http_tls_key != NULL ? c->http_tls_key :
	    c->http_tls_cert, err, sizeof(err)) == -1)) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		return -1;
	}
	if (daemon_http_routes(d) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "out of memory");
		return -1;
	}
	return 0;
}

static int
daemon_signals(struct daemon *d)
{
	d->ev_hup = evsignal_new(d->base, SIGHUP, daemon_reload, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, daemon_stop, d);
	d->ev_int = evsignal_new(d->base, SIGINT, daemon_stop, d);
	d->ev_grace = evtimer_new(d->base, daemon_grace, d);
	if (d->ev_hup == NULL || d->ev_term == NULL || d->ev_int == NULL ||
	    d->ev_grace == NULL || event_add(d->ev_hup, NULL) == -1 ||
	    event_add(d->ev_term, NULL) == -1 || event_add(d->ev_int, NULL) ==
	    -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot watch signals");
		return -1;
	}
	return 0;
}

/* The alert state and the sinks, read as the service user. */
static int
daemon_alerting(struct daemon *d, const struct sc_config *c)
{
	char	err[512], path[4096];

	snprintf(path, sizeof(path), "%s/alerts.json", c->state_dir);
	if ((d->alerts = alerts_open(path, daemon_notify, d, err,
	    sizeof(err))) == NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot load the alert "
		    "state: %s", err);
		return -1;
	}
	if (alerts_damaged(d->alerts) != NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s",
		    alerts_damaged(d->alerts));
		(void)metrics_inc(d->f_damaged,
		    (const char *const[]){ "alerts.json" });
	}
	if (daemon_sinks(d, c, 0) == -1 ||
	    (d->ev_refresh = event_new(d->base, -1, EV_PERSIST, daemon_refresh,
	    d)) == NULL || daemon_alert_wiring(d) == -1)
		return -1;
	daemon_refresh_pace(d, c);
	drevocation_configure(c);
	return 0;
}

/* The enabled targets of the first load. */
static int
daemon_targets(struct daemon *d, const struct sc_config *c)
{
	char	err[600];
	size_t	i;

	if ((d->targets = calloc(c->ntargets + 1, sizeof(*d->targets))) ==
	    NULL)
		return -1;
	for (i = 0; i < c->ntargets; i++) {
		if (!c->targets[i].enabled)
			continue;
		if ((d->targets[d->ntargets] = dtarget_new(d, &c->targets[i],
		    d->targets, d->ntargets, err, sizeof(err))) != NULL)
			d->ntargets++;
		else
			daemon_broken_add(d, &c->targets[i], err);
	}
	daemon_broken_done(d, NULL, 0);
	return 0;
}

/* Frees all the daemon holds; each part may be missing. */
static void
daemon_close(struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->ntargets; i++)
		dtarget_free(d->targets[i]);
	free(d->targets);
	daemon_broken_clear(d);
	for (i = 0; i < d->nretired; i++)
		dtarget_free(d->retired[i]);
	free(d->retired);
	httpd_free(d->http);
	for (i = 0; i < d->nsinks; i++)
		sink_free(d->sinks[i]);
	free(d->sinks);
	if (d->ev_refresh != NULL)
		event_free(d->ev_refresh);
	if (d->ev_settle != NULL)
		event_free(d->ev_settle);
	alerts_free(d->alerts);
	daemon_debugaids_free();
	metrics_free(d->m);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_grace != NULL)
		event_free(d->ev_grace);
	/* Its fetches run on the loop: gone before it. */
	sc_revocation_cache_free();
	if (d->base != NULL)
		event_base_free(d->base);
	config_free(d->conf);
	free(d->path);
}

int
daemon_run(struct sc_config *config, const char *path)
{
	struct daemon	 d;
	char		 err[512];
	int		 dirfd = -1;

	memset(&d, 0, sizeof(d));
	d.conf = config;
	d.rc = 1;
	d.started = time(NULL);
	event_set_log_callback(daemon_libevent_log);
	daemon_nofile_raise();
	if ((d.path = strdup(path)) == NULL ||
	    (d.base = sc_event_base_new()) == NULL) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "out of memory");
		goto done;
	}
	if ((dirfd = daemon_state_dir(config, err, sizeof(err))) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		goto done;
	}
	sink_set_log(daemon_sink_log, &d);
	if (daemon_metrics_new(&d) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "cannot set up metrics: "
		    "%s", strerror(errno));
		goto done;
	}
	if (daemon_listen(&d, config) == -1 || daemon_signals(&d) == -1)
		goto done;
	if (daemon_drop_privileges(config, dirfd, err, sizeof(err)) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "%s", err);
		goto done;
	}
	close(dirfd);
	dirfd = -1;
	/* The state is read as the service user, never as root. */
	if (daemon_debugaids(&d, NULL, config) == -1 ||
	    daemon_alerting(&d, config) == -1 ||
	    daemon_targets(&d, config) == -1)
		goto done;
	log_event(LOG_INFO, NULL, NULL, NULL, "sipcanary %s (%s) running: "
	    "vantage %s, %zu targets, metrics on http://%s/metrics",
	    PACKAGE_VERSION, SC_VERSION_GIT, config->vantage, d.ntargets,
	    config->listen);
	event_base_dispatch(d.base);
	log_event(LOG_INFO, NULL, NULL, NULL, "stopped");
	d.rc = 0;
done:
	if (dirfd != -1)
		close(dirfd);
	daemon_close(&d);
	return d.rc;
}
