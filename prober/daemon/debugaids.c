/*
 * debugaids.c - the daemon's two ways of letting on-call look inside its
 * probes: the TLS key log (keylog_file) and HEP copies of every SIP
 * message (hep, hep_id, hep_password_file).  Both are process-wide in
 * the library; this file turns them on, off or over to a new collector
 * at start-up and at each reload, and exports the HEP counters.
 *
 * The key log decrypts every probe it covers, passwords included: while
 * it is on, every start and reload says so at WARN level, so does a
 * reminder every hour, and so does /metrics (sipcanary_keylog_enabled).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/internal.h"

#define KEYLOG_REMINDER		3600	/* s between warnings while on */

static struct event	*keylog_reminder;
static int		 keylog_on;	/* the file is open */

static void
debugaids_keylog_warn(const char *path, const char *when)
{
	log_event(LOG_WARN, NULL, NULL, NULL, "keylog_file is %s: the TLS "
	    "session keys of every probe go to %s, and whoever reads it can "
	    "decrypt captured probes, passwords included; remove "
	    "keylog_file from the config when done", when, path);
}

static void
debugaids_remind(evutil_socket_t fd, short what, void *arg)
{
	const struct daemon *d = arg;

	(void)fd; (void)what;
	if (keylog_on && d->conf != NULL && d->conf->keylog_file != NULL)
		debugaids_keylog_warn(d->conf->keylog_file, "still on");
}

/* The hourly reminder runs while the key log is on. */
static void
debugaids_reminder(struct daemon *d, int on)
{
	struct timeval tv = { KEYLOG_REMINDER, 0 };

	if (!on) {
		if (keylog_reminder != NULL)
			event_del(keylog_reminder);
		return;
	}
	if (keylog_reminder == NULL && (keylog_reminder = event_new(d->base,
	    -1, EV_PERSIST, debugaids_remind, d)) == NULL)
		return;
	event_add(keylog_reminder, &tv);
}

void
daemon_debugaids_free(void)
{
	if (keylog_reminder != NULL)
		event_free(keylog_reminder);
	keylog_reminder = NULL;
	sc_tls_keylog_close();
	keylog_on = 0;
	sc_hep_close();
}

static int
debugaids_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
debugaids_keylog(const struct sc_config *old, const struct sc_config *nc)
{
	char	err[600];

	if (nc->keylog_file == NULL) {
		if (old != NULL && old->keylog_file != NULL)
			log_event(LOG_INFO, NULL, NULL, NULL, "TLS key log %s "
			    "closed", old->keylog_file);
		sc_tls_keylog_close();
		keylog_on = 0;
		return 0;
	}
	/* Opened again only when it changed, or a reload could not. */
	if (!keylog_on || old == NULL || !debugaids_same(old->keylog_file,
	    nc->keylog_file)) {
		keylog_on = 0;
		if (sc_tls_keylog_open(nc->keylog_file, err,
		    sizeof(err)) == -1) {
			log_event(LOG_ERROR, NULL, NULL, NULL, "keylog_file: "
			    "%s", err);
			return -1;
		}
		keylog_on = 1;
	}
	debugaids_keylog_warn(nc->keylog_file, "on");
	return 0;
}

static int
debugaids_hep(const struct sc_config *old, const struct sc_config *nc)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[300];

	if (old != NULL && debugaids_same(old->hep, nc->hep) &&
	    old->hep_id == nc->hep_id &&
	    debugaids_same(old->hep_password, nc->hep_password))
		return 0;
	sc_hep_close();
	if (nc->hep == NULL) {
		if (old != NULL && old->hep != NULL)
			log_event(LOG_INFO, NULL, NULL, NULL, "HEP copies to "
			    "%s stopped", old->hep);
		return 0;
	}
	if (config_parse_hep(nc->hep, &ss, &len, err, sizeof(err)) == -1 ||
	    sc_hep_open((struct sockaddr *)&ss, len, nc->hep_id,
	    nc->hep_password, err, sizeof(err)) == -1) {
		log_event(LOG_ERROR, NULL, NULL, NULL, "hep: %s", err);
		return -1;
	}
	log_event(LOG_INFO, NULL, NULL, NULL, "HEP copies of every SIP "
	    "message go to %s (capture agent id %u)", nc->hep, nc->hep_id);
	return 0;
}

int
daemon_debugaids(struct daemon *d, const struct sc_config *old,
    const struct sc_config *nc)
{
	int rc = 0;

	if (debugaids_keylog(old, nc) == -1)
		rc = -1;
	debugaids_reminder(d, rc == 0 && nc->keylog_file != NULL);
	if (debugaids_hep(old, nc) == -1)
		rc = -1;
	return rc;
}

int
daemon_debugaids_metrics_new(struct daemon *d)
{
	d->f_hep_sent = metrics_counter_new(d->m, "sipcanary_hep_sent_total",
	    "SIP messages copied to the HEP collector", NULL);
	d->f_hep_dropped = metrics_counter_new(d->m,
	    "sipcanary_hep_dropped_total", "SIP message copies for the HEP "
	    "collector dropped: it refused them, or the socket buffer was "
	    "full (never waited for)", NULL);
	d->f_keylog = metrics_gauge_new(d->m, "sipcanary_keylog_enabled",
	    "1 while keylog_file writes TLS session keys", NULL);
	return d->f_hep_sent == NULL || d->f_hep_dropped == NULL ||
	    d->f_keylog == NULL ? -1 : 0;
}

void
daemon_debugaids_metrics(struct daemon *d)
{
	(void)metrics_set(d->f_hep_sent, NULL, (double)sc_hep_sent());
	(void)metrics_set(d->f_hep_dropped, NULL, (double)sc_hep_dropped());
	(void)metrics_set(d->f_keylog, NULL, keylog_on);
}
