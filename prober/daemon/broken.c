/*
 * broken.c - the configured targets the daemon cannot probe (a CA file
 * that went bad after the config was checked, a resolver that cannot be
 * made, ...).  Such a target must never vanish: it keeps a series
 * (sipcanary_target_broken), shows on the status page, fires
 * SipcanaryProbeBroken, and /healthz answers 503 while any is left;
 * /livez stays 200 while the loop runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "daemon/internal.h"
#include "web/httpd.h"

void
daemon_broken_add(struct daemon *d, const struct target_conf *c,
    const char *why)
{
	struct dbroken	*v, *b;

	log_event(LOG_ERROR, c->name, NULL, "config_error", "sipcanary "
	    "cannot probe %s: %s", c->name, why);
	if ((v = reallocarray(d->broken, d->nbroken + 1, sizeof(*v))) == NULL)
		return;
	d->broken = v;
	b = &v[d->nbroken];
	memset(b, 0, sizeof(*b));
	if ((b->name = strdup(c->name)) == NULL ||
	    (b->uri = strdup(c->uri)) == NULL) {
		free(b->name);
		return;
	}
	snprintf(b->reason, sizeof(b->reason), "%s", why);
	d->nbroken++;
}

static void
daemon_broken_free(struct dbroken *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].uri);
	}
	free(v);
}

/* Empties the list before a load fills it again; old keeps what was. */
void
daemon_broken_clear(struct daemon *d)
{
	daemon_broken_free(d->broken, d->nbroken);
	d->broken = NULL;
	d->nbroken = 0;
}

static void
daemon_broken_alert(struct daemon *d, const char *name, const char *reason)
{
	struct alert_eval	 ev;
	char			 summary[800];

	memset(&ev, 0, sizeof(ev));
	snprintf(summary, sizeof(summary), "sipcanary cannot probe %s: %s",
	    name, reason != NULL ? reason : "");
	ev.alertname = "SipcanaryProbeBroken";
	ev.target = name;
	ev.bad = reason != NULL;
	ev.severity = "critical";
	ev.for_n = 1;
	ev.resolve_after = 1;
	ev.verdict = "config_error";
	ev.summary = summary;
	ev.description = "The target is configured but not probed: until "
	    "this is fixed nothing watches it.";
	alerts_eval(d->alerts, &ev);
}

/*
 * After a load: the broken targets fire SipcanaryProbeBroken and carry
 * sipcanary_target_broken 1; those of the load before that are fine now
 * resolve and go to 0.  old (nold) is the list before the load; freed.
 */
void
daemon_broken_done(struct daemon *d, struct dbroken *old, size_t nold)
{
	size_t	 i, j;

	for (i = 0; i < nold; i++) {
		for (j = 0; j < d->nbroken; j++)
			if (strcmp(old[i].name, d->broken[j].name) == 0)
				break;
		if (j < d->nbroken)
			continue;
		daemon_broken_alert(d, old[i].name, NULL);
		(void)metrics_set(d->f_broken,
		    (const char *const[]){ old[i].name }, 0);
	}
	for (j = 0; j < d->nbroken; j++) {
		daemon_broken_alert(d, d->broken[j].name, d->broken[j].reason);
		(void)metrics_set(d->f_broken,
		    (const char *const[]){ d->broken[j].name }, 1);
	}
	daemon_broken_free(old, nold);
}

/* Readiness: 503 with the reasons while a configured target is not probed. */
static void
daemon_healthz(struct evhttp_request *req, void *arg)
{
	struct daemon	*d = arg;
	struct evbuffer	*b;
	size_t		 i;

	if (d->nbroken == 0) {
		httpd_send_text(req, 200, "ok\n");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		httpd_send_text(req, 503, "not probing every target\n");
		return;
	}
	evbuffer_add_printf(b, "not probing %zu configured target%s:\n",
	    d->nbroken, d->nbroken == 1 ? "" : "s");
	for (i = 0; i < d->nbroken; i++)
		evbuffer_add_printf(b, "%s: %s\n", d->broken[i].name,
		    d->broken[i].reason);
	httpd_send(req, 503, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

/* Liveness: the loop answers. */
static void
daemon_livez(struct evhttp_request *req, void *arg)
{
	(void)arg;
	httpd_send_text(req, 200, "ok\n");
}

int
daemon_http_health_routes(struct daemon *d)
{
	return httpd_route_public(d->http, "/healthz", daemon_healthz, d) ==
	    -1 || httpd_route_public(d->http, "/livez", daemon_livez, d) ==
	    -1 ? -1 : 0;
}
