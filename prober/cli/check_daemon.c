/*
 * check_daemon.c - `sipcanary check --daemon URL --target NAME`: asks a
 * running daemon to probe its configured target NAME now (POST
 * /api/v1/targets/NAME/probe, docs/probe-endpoint.md) and prints the
 * verdicts it answers, as a table, its JSON, or Nagios plugin output,
 * exiting with the Nagios code of the target's verdict.  For runbooks and
 * chat-ops: the probe is the daemon's, from where it runs, and its result
 * lands in the daemon's metrics and alerts too.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "common/url.h"

#define CHECK_DAEMON_MAX_BODY	(1024 * 1024)

struct cdreq {
	struct event_base *base;
	int		 status;	/* HTTP status, 0: none */
	char		*body;
	char		 error[256];
};

static void
check_daemon_done(struct evhttp_request *req, void *arg)
{
	struct cdreq	*r = arg;
	struct evbuffer	*in;
	size_t		 n;

	/* Done: the connection may stay open (keep-alive), the loop not. */
	event_base_loopexit(r->base, NULL);
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		snprintf(r->error, sizeof(r->error), "no answer (connection "
		    "refused, closed or timed out)");
		return;
	}
	r->status = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(in);
	if (n > CHECK_DAEMON_MAX_BODY)
		n = CHECK_DAEMON_MAX_BODY;
	if ((r->body = malloc(n + 1)) != NULL) {
		evbuffer_remove(in, r->body, n);
		r->body[n] = '\0';
	}
}

/* POSTs to the daemon and waits; 0 with r filled, or -1 with r->error. */
static int
check_daemon_post(const struct url *u, const char *name, double timeout,
    struct cdreq *r)
{
	struct event_base		*base = event_base_new();
	struct evhttp_connection	*conn = NULL;
	struct evhttp_request		*req;
	char				*enc = NULL, path[URL_PATH_MAX + 1024];
	int				 rc = -1;

	if (strlen(name) > 256) {
		snprintf(r->error, sizeof(r->error), "--target: a name of at "
		    "most 256 bytes");
		goto done;
	}
	if (base == NULL || (enc = evhttp_uriencode(name, -1, 0)) == NULL ||
	    (conn = evhttp_connection_base_new(base, NULL, u->host,
	    (unsigned short)u->port)) == NULL ||
	    (req = evhttp_request_new(check_daemon_done, r)) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		goto done;
	}
	r->base = base;
	evhttp_connection_set_timeout(conn, (int)timeout + 1);
	(void)snprintf(path, sizeof(path), "%s%sapi/v1/targets/%.*s/probe",
	    u->path, u->path[strlen(u->path) - 1] == '/' ? "" : "/", 256 * 3,
	    enc);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    u->host);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	if (evhttp_make_request(conn, req, EVHTTP_REQ_POST, path) == -1) {
		snprintf(r->error, sizeof(r->error), "cannot send the request");
		goto done;
	}
	event_base_dispatch(base);
	rc = r->status != 0 ? 0 : -1;
done:
	free(enc);
	if (conn != NULL)
		evhttp_connection_free(conn);
	if (base != NULL)
		event_base_free(base);
	return rc;
}

/* A string member, or "" (the answer comes from the network). */
static const char *
check_daemon_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
check_daemon_print(json_t *doc, enum output_format format, int sev)
{
	static const char *const word[] = { "OK", "WARNING", "CRITICAL",
	    "UNKNOWN" };
	json_t		*fes = json_object_get(doc, "frontends"), *fe;
	const char	*v;
	size_t		 i, ok = 0;

	json_array_foreach(fes, i, fe) {
		v = check_daemon_str(fe, "verdict");
		if (strcmp(v, "ok") == 0 || strcmp(v, "cert_expiring") == 0)
			ok++;
	}
	if (format == FMT_NAGIOS) {
		printf("SIPCANARY %s - %s %s (probed by the daemon), %zu/%zu "
		    "frontends ok\n", word[sev], check_daemon_str(doc, "target"),
		    check_daemon_str(doc, "verdict"), ok, json_array_size(fes));
		return;
	}
	printf("target %s: %s (probed now by the daemon)\n",
	    check_daemon_str(doc, "target"), check_daemon_str(doc, "verdict"));
	json_array_foreach(fes, i, fe)
		printf("  %-24s %-22s %s\n", check_daemon_str(fe, "address"),
		    check_daemon_str(fe, "verdict"), check_daemon_str(fe,
		    "error"));
}

int
check_daemon(const char *daemon_url, const char *name, double timeout,
    int format)
{
	struct url	 u;
	struct cdreq	 r;
	json_t		*doc = NULL;
	const char	*sev;
	char		 err[256];
	int		 code = NAGIOS_UNKNOWN;

	memset(&r, 0, sizeof(r));
	if (url_parse(daemon_url, &u, err, sizeof(err)) == -1 || u.tls) {
		fprintf(stderr, "sipcanary check: --daemon: %s\n", u.tls ?
		    "https is not supported: give the daemon's http:// "
		    "address (its listen)" : err);
		return NAGIOS_UNKNOWN;
	}
	if (check_daemon_post(&u, name, timeout, &r) == -1) {
		fprintf(stderr, "sipcanary check: %s: %s\n", u.origin,
		    r.error);
		goto done;
	}
	if (r.status != 200) {
		fprintf(stderr, "sipcanary check: %s answered %d: %s", u.origin,
		    r.status, r.body != NULL ? r.body : "\n");
		goto done;
	}
	if (r.body == NULL || (doc = json_loads(r.body, 0, NULL)) == NULL ||
	    !json_is_string(json_object_get(doc, "verdict")) ||
	    (sev = json_string_value(json_object_get(doc, "severity"))) ==
	    NULL) {
		fprintf(stderr, "sipcanary check: %s: not the JSON of a probe "
		    "on demand\n", u.origin);
		goto done;
	}
	code = strcmp(sev, "ok") == 0 ? NAGIOS_OK : strcmp(sev, "warning") ==
	    0 ? NAGIOS_WARNING : strcmp(sev, "critical") == 0 ?
	    NAGIOS_CRITICAL : NAGIOS_UNKNOWN;
	if (format == FMT_JSON)
		fputs(r.body, stdout);
	else
		check_daemon_print(doc, format, code);
	cli_flush();
done:
	json_decref(doc);
	free(r.body);
	return code;
}
