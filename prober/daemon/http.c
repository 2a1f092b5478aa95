/*
 * http.c - what the daemon serves (web/httpd.h does the serving): the
 * metrics page, the status page with its table of firing alerts, and
 * the alert state as JSON.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "common/html.h"
#include "web/httpd.h"
#include "web/status_html.h"
#include "daemon/internal.h"
#include "daemon/probe_endpoint.h"

static void
daemon_http_metrics(struct evhttp_request *req, void *arg)
{
	struct daemon	*d = arg;
	struct evbuffer	*b = evbuffer_new();

	daemon_metrics_refresh(d);
	if (b == NULL || metrics_write(d->m, b) == -1) {
		evbuffer_free(b);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	httpd_send(req, 200, METRICS_CONTENT_TYPE, b);
	evbuffer_free(b);
}

static void
daemon_alert_row(const struct alert_state *a, enum alert_event ev, void *arg)
{
	struct evbuffer		*b = arg;
	char			 text[1024];
	/* Each a piece of HTML, then a value to escape (NULL: neither). */
	const char *const	 parts[][2] = {
		{ "<li class=\"alert\" data-alertname=\"", a->alertname },
		{ "\" data-severity=\"", a->severity },
		{ "\"><b>", a->alertname },
		{ "</b> (", a->severity },
		{ ") ", a->target },
		{ " ", a->frontend[0] != '\0' ? a->frontend : NULL },
		{ ": ", a->summary },
		{ " <span class=\"delivery\">(", text },
	};
	size_t			 i;

	(void)ev;
	/* Inhibited, waiting, delivered to whom and when, or nowhere. */
	alert_delivery_text(a, text, sizeof(text));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i][1] != NULL) {
			evbuffer_add_printf(b, "%s", parts[i][0]);
			html_escape_evbuffer(b, parts[i][1]);
		}
	evbuffer_add_printf(b, ")</span>%s</li>\n", a->flapping ?
	    " (flapping)" : "");
}

/* The firing alerts as a list for the status page; NULL when none. */
static char *
daemon_alerts_html(struct daemon *d)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s = NULL;
	size_t		 len;

	if (b == NULL)
		return NULL;
	evbuffer_add_printf(b, "<ul class=\"alerts\">\n");
	len = evbuffer_get_length(b);
	alerts_each_active(d->alerts, daemon_alert_row, b);
	if (evbuffer_get_length(b) > len) {
		evbuffer_add_printf(b, "</ul>\n");
		len = evbuffer_get_length(b);
		if ((s = malloc(len + 1)) != NULL) {
			evbuffer_remove(b, s, len);
			s[len] = '\0';
		}
	}
	evbuffer_free(b);
	return s;
}

/* The state the status page shows for the target. */
static const char *
dtarget_state(const struct dtarget *t)
{
	size_t	i;
	int	up = 0, down = 0, warn = 0, top_up = 0, probed = 0;
	unsigned top = t->nfe > 0 ? t->fe[0]->fe.priority : 0;

	if (t->nfe == 0)
		return t->dns_verdict == SC_OK ? "unknown" : "critical";
	for (i = 0; i < t->nfe; i++) {
		const struct dfront *f = t->fe[i];

		if (!f->probed)
			continue;
		probed++;
		if (dverdict_up(f->verdict)) {
			up++;
			warn += f->verdict != SC_OK;
			top_up |= f->fe.priority == top;
		} else
			down++;
	}
	if (probed == 0)
		return "unknown";
	if (down > 0 && !top_up)
		return "critical";
	if (down > 0 || warn > 0 || t->outage)
		return t->outage ? "critical" : "warning";
	return "ok";
}

/* A frontend as the status page shows it. */
static void
dfront_status(const struct dfront *f, struct status_frontend *sf)
{
	sf->address = f->address;
	sf->verdict = f->probed ? sc_verdict_str(f->verdict) : NULL;
	sf->error = f->error[0] != '\0' ? f->error : NULL;
	sf->last_success = f->last_success;
	sf->days_left = f->days_left;
	sf->revocation = f->revocation[0] != '\0' ? f->revocation : NULL;
	sf->flows_up = dfront_flows_up(f);
	sf->flows_total = (int)f->nflows;
	sf->history = f->hist;
	sf->nhistory = f->nhist;
}

/* The targets and their frontends (in sf, in order) as the page shows. */
static void
daemon_status_targets(struct daemon *d, struct status_target *st,
    struct status_frontend *sf)
{
	size_t	i, j, k = 0;

	for (i = 0; i < d->ntargets; i++) {
		const struct dtarget *t = d->targets[i];

		st[i].name = t->conf.name;
		st[i].uri = t->conf.uri;
		st[i].owner = t->conf.owner;
		st[i].state = dtarget_state(t);
		st[i].outage = t->outage;
		st[i].insecure = t->conf.insecure_skip_verify;
		st[i].frontends = &sf[k];
		st[i].nfrontends = t->nfe;
		for (j = 0; j < t->nfe; j++, k++)
			dfront_status(t->fe[j], &sf[k]);
	}
}

static void
daemon_http_status(struct evhttp_request *req, void *arg)
{
	struct daemon		*d = arg;
	struct status_target	*st;
	struct status_frontend	*sf;
	struct status_view	 v;
	struct status_broken	 broken[STATUS_BROKEN_MAX];
	struct evbuffer		*b;
	char			*alerts_html;
	size_t			 i, nfe = 0;

	for (i = 0; i < d->ntargets; i++)
		nfe += d->targets[i]->nfe;
	st = calloc(d->ntargets + 1, sizeof(*st));
	sf = calloc(nfe + 1, sizeof(*sf));
	b = evbuffer_new();
	if (st == NULL || sf == NULL || b == NULL) {
		free(st);
		free(sf);
		evbuffer_free(b);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	daemon_status_targets(d, st, sf);
	memset(&v, 0, sizeof(v));
	v.vantage = d->conf->vantage;
	v.version = PACKAGE_VERSION;
	v.now = time(NULL);
	v.started = d->started;
	v.targets = st;
	v.ntargets = d->ntargets;
	alerts_html = daemon_alerts_html(d);
	v.alerts_html = alerts_html;
	v.no_sinks = d->nsinks == 0;
	for (i = 0; i < d->nbroken && i < STATUS_BROKEN_MAX; i++) {
		broken[i].name = d->broken[i].name;
		broken[i].uri = d->broken[i].uri;
		broken[i].reason = d->broken[i].reason;
	}
	v.broken = broken;
	v.nbroken = i;
	if (d->reload_failed_at != 0) {
		v.reload_error = d->reload_error;
		v.reload_failed_at = d->reload_failed_at;
	}
	status_html_write(b, &v);
	free(alerts_html);
	httpd_send(req, 200, "text/html; charset=utf-8", b);
	evbuffer_free(b);
	free(st);
	free(sf);
}

static void
daemon_http_alerts(struct evhttp_request *req, void *arg)
{
	struct daemon	*d = arg;
	struct evbuffer	*b = evbuffer_new();
	json_t		*doc = alerts_json(d->alerts), *a;
	char		*s;
	size_t		 i;

	/* Paged means handed to the sinks: with none, say it went nowhere. */
	json_array_foreach(doc, i, a)
		if (d->nsinks == 0 && json_is_null(json_object_get(a,
		    "inhibited_by")))
			json_object_set_new(a, "delivery", json_string(
			    "nowhere: no sink is configured"));
	s = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (b == NULL || s == NULL || evbuffer_add(b, s, strlen(s)) == -1) {
		free(s);
		evbuffer_free(b);
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	free(s);
	httpd_send(req, 200, "application/json", b);
	evbuffer_free(b);
}

/* The pages the daemon serves. */
int
daemon_http_routes(struct daemon *d)
{
	if (httpd_route(d->http, "/metrics", daemon_http_metrics, d) == -1 ||
	    httpd_route(d->http, "/", daemon_http_status, d) == -1 ||
	    httpd_route(d->http, "/alerts", daemon_http_alerts, d) == -1 ||
	    daemon_http_health_routes(d) == -1 ||
	    probe_endpoint_routes(d) == -1 || ondemand_routes(d) == -1)
		return -1;
	return 0;
}
