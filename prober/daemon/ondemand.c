/*
 * ondemand.c - POST /api/v1/targets/NAME/probe: "is it fixed now?"  The
 * configured target's next fresh probe of every frontend starts now
 * instead of at its interval, and the request is answered, in JSON, once
 * each frontend has a probe that ended after the request came: the JSON
 * of `check --json` (report_json_frontend) for each frontend.  Those
 * are the target's ordinary probes (probes.c), so their results feed its
 * metrics, status page and alerts at once.
 *
 * The request does not hold pointers into the target while it waits: a
 * reload or a DNS change may free the target or its frontends, so it
 * looks them up by name and address on each check (every 20 ms, as long
 * as at most the target's timeout and a second).  Access follows /probe
 * (probe_endpoint_access); each target is probed on demand at most once
 * every CF_ONDEMAND_EVERY seconds (429 with Retry-After), so that a loop
 * in someone's script cannot make the prober a load generator.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "conf/defaults.h"
#include "daemon/internal.h"
#include "daemon/probe_endpoint.h"
#include "web/httpd.h"

#define ONDEMAND_PREFIX		"/api/v1/targets/"
#define ONDEMAND_SUFFIX		"/probe"
#define ONDEMAND_TICK		0.02	/* s between checks */

/* A frontend waited for: its address and its probe count at the start. */
struct owait {
	char		 address[80];
	unsigned long	 nprobes;
};

struct oreq {
	struct daemon		*d;
	struct evhttp_request	*req;
	char			 name[CONFIG_NAME_MAX * 4 + 1];
	struct owait		*w;
	size_t			 nw;
	double			 until;
	struct event		*tick;
};

static struct dtarget *
ondemand_target(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ntargets; i++)
		if (strcmp(d->targets[i]->conf.name, name) == 0 &&
		    !d->targets[i]->retiring)
			return d->targets[i];
	return NULL;
}

static struct dfront *
ondemand_front(struct dtarget *t, const char *address)
{
	size_t i;

	for (i = 0; i < t->nfe; i++)
		if (strcmp(t->fe[i]->address, address) == 0)
			return t->fe[i];
	return NULL;
}

static void
oreq_free(struct oreq *o)
{
	struct daemon *d = o->d;

	if (o->tick != NULL)
		event_free(o->tick);
	free(o->w);
	free(o);
	d->ondemand_live--;
	daemon_check_stopped(d);
}

/* The answer: the target's verdict (its worst frontend's) and each one's. */
static void
oreq_answer(struct oreq *o, struct dtarget *t)
{
	json_t		*doc = json_object(), *fes = json_array(), *fe;
	struct dfront	*f;
	enum sc_verdict	 worst = SC_OK;
	enum sc_severity sev = SC_SEV_OK;
	struct evbuffer	*b = evbuffer_new();
	char		*s = NULL;
	size_t		 i;

	for (i = 0; i < o->nw; i++) {
		if ((f = ondemand_front(t, o->w[i].address)) == NULL)
			continue;
		f->ondemand_want = 0;
		if (f->nprobes > o->w[i].nprobes && f->ondemand_json != NULL) {
			/* The probe since the request, as check --json has it. */
			fe = f->ondemand_json;
			f->ondemand_json = NULL;
		} else {
			/* Still running at the deadline: what is known. */
			if ((fe = json_object()) == NULL)
				break;
			json_object_set_new(fe, "address", json_string(
			    f->address));
			json_object_set_new(fe, "verdict", json_string(
			    sc_verdict_str(f->verdict)));
			json_object_set_new(fe, "error", f->error[0] != '\0' ?
			    json_string(f->error) : json_null());
		}
		json_array_append_new(fes, fe);
		if (sc_verdict_severity(f->verdict) > sev ||
		    (worst == SC_OK && f->verdict != SC_OK)) {
			if (sc_verdict_severity(f->verdict) >= sev)
				worst = f->verdict;
			if (sc_verdict_severity(f->verdict) > sev)
				sev = sc_verdict_severity(f->verdict);
		}
	}
	if (o->nw == 0) {
		worst = t->dns_verdict != SC_OK ? t->dns_verdict :
		    SC_NOT_PROBED;
		sev = sc_verdict_severity(worst);
	}
	json_object_set_new(doc, "target", json_string(t->conf.name));
	json_object_set_new(doc, "uri", json_string(t->conf.uri));
	json_object_set_new(doc, "owner", t->conf.owner != NULL ?
	    json_string(t->conf.owner) : json_null());
	json_object_set_new(doc, "verdict", json_string(sc_verdict_str(worst)));
	json_object_set_new(doc, "severity", json_string(sev == SC_SEV_OK ?
	    "ok" : sev == SC_SEV_WARNING ? "warning" : sev == SC_SEV_CRITICAL ?
	    "critical" : "unknown"));
	json_object_set_new(doc, "frontends", fes);
	if ((s = json_dumps(doc, JSON_INDENT(2))) == NULL || b == NULL ||
	    evbuffer_add_printf(b, "%s\n", s) == -1)
		httpd_send_text(o->req, 500, "out of memory\n");
	else
		httpd_send(o->req, 200, "application/json", b);
	free(s);
	json_decref(doc);
	evbuffer_free(b);
}

/* Every 20 ms: is each frontend's probe since the request done? */
static void
oreq_tick(evutil_socket_t fd, short what, void *arg)
{
	struct oreq	*o = arg;
	struct dtarget	*t = ondemand_target(o->d, o->name);
	struct dfront	*f;
	size_t		 i, done = 0;

	(void)fd; (void)what;
	if (t == NULL || o->d->stopping) {
		httpd_send_text(o->req, 503, "the target went away (a reload "
		    "or a stop) before its probes ended\n");
		oreq_free(o);
		return;
	}
	for (i = 0; i < o->nw; i++)
		if ((f = ondemand_front(t, o->w[i].address)) == NULL ||
		    f->nprobes > o->w[i].nprobes)
			done++;
	if (done == o->nw || sc_clock_now() >= o->until) {
		oreq_answer(o, t);
		oreq_free(o);
		return;
	}
	timer_arm(o->tick, ONDEMAND_TICK);
}

/* NAME of "/api/v1/targets/NAME/probe" into buf; -1 if the path is not. */
static int
ondemand_name(struct evhttp_request *req, char *buf, size_t len)
{
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*path = u != NULL ? evhttp_uri_get_path(u) :
				    NULL;
	size_t			 pl = strlen(ONDEMAND_PREFIX), sl =
				    strlen(ONDEMAND_SUFFIX), n;
	char			*dec;

	if (path == NULL || strncmp(path, ONDEMAND_PREFIX, pl) != 0 ||
	    (n = strlen(path)) <= pl + sl ||
	    strcmp(path + n - sl, ONDEMAND_SUFFIX) != 0 || n - pl - sl >= len)
		return -1;
	memcpy(buf, path + pl, n - pl - sl);
	buf[n - pl - sl] = '\0';
	if ((dec = evhttp_uridecode(buf, 0, NULL)) == NULL)
		return -1;
	snprintf(buf, len, "%s", dec);
	free(dec);
	return strchr(buf, '/') == NULL ? 0 : -1;
}

/* Starts the probes and the wait; -1 after answering. */
static int
oreq_start(struct oreq *o, struct dtarget *t)
{
	size_t i;

	if (t->nfe > 0 && (o->w = calloc(t->nfe, sizeof(*o->w))) == NULL) {
		httpd_send_text(o->req, 500, "out of memory\n");
		return -1;
	}
	for (i = 0; i < t->nfe; i++) {
		snprintf(o->w[i].address, sizeof(o->w[i].address), "%s",
		    t->fe[i]->address);
		o->w[i].nprobes = t->fe[i]->nprobes;
		o->nw++;
	}
	/* After the counts: a probe may end at once (a refused connect). */
	for (i = 0; i < t->nfe; i++) {
		t->fe[i]->ondemand_want = 1;
		dfront_probe_now(t->fe[i]);
	}
	o->until = sc_clock_now() + t->conf.timeout + 1;
	if ((o->tick = evtimer_new(o->d->base, oreq_tick, o)) == NULL) {
		httpd_send_text(o->req, 500, "out of memory\n");
		return -1;
	}
	timer_arm(o->tick, ONDEMAND_TICK);
	log_event(LOG_INFO, t->conf.name, NULL, NULL, "probe on demand of "
	    "%zu frontends", o->nw);
	return 0;
}

static void
ondemand_handler(struct evhttp_request *req, void *arg)
{
	struct daemon	*d = arg;
	struct dtarget	*t;
	struct oreq	*o;
	char		 name[CONFIG_NAME_MAX * 4 + 1], retry[32], text[80];
	double		 now = sc_clock_now(), wait;

	if (probe_endpoint_access(d, req) == -1)
		return;
	if (ondemand_name(req, name, sizeof(name)) == -1) {
		httpd_send_text(req, 404, "expected POST "
		    "/api/v1/targets/NAME/probe\n");
		return;
	}
	if ((t = ondemand_target(d, name)) == NULL || d->stopping) {
		httpd_send_text(req, 404, "no such target running (a target "
		    "of the config, enabled and not broken)\n");
		return;
	}
	if (t->ondemand_at > 0 && (wait = t->ondemand_at + CF_ONDEMAND_EVERY -
	    now) > 0) {
		snprintf(retry, sizeof(retry), "%.0f", ceil(wait));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", retry);
		snprintf(text, sizeof(text), "this target was probed on "
		    "demand less than %d s ago\n", CF_ONDEMAND_EVERY);
		httpd_send_text(req, 429, text);
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		httpd_send_text(req, 500, "out of memory\n");
		return;
	}
	t->ondemand_at = now;
	o->d = d;
	o->req = req;
	snprintf(o->name, sizeof(o->name), "%s", name);
	d->ondemand_live++;
	if (oreq_start(o, t) == -1)
		oreq_free(o);
}

int
ondemand_routes(struct daemon *d)
{
	return httpd_route_post(d->http, ONDEMAND_PREFIX "*",
	    ondemand_handler, d);
}
