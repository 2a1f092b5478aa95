/*
 * check_daemon.c - `sipcanary check --daemon URL --target NAME`: asks a
 * running daemon to probe its configured target NAME now (POST
 * /api/v1/targets/NAME/probe, docs/probe-endpoint.md) and prints the
 * verdicts it answers, as a table, its JSON, or Nagios plugin output,
 * exiting with the Nagios code of the target's verdict.  For runbooks and
 * chat-ops: the probe is the daemon's, from where it runs, and its result
 * lands in the daemon's metrics and alerts too.
 *
 * The request goes through the alert sinks' client (alert/httpc.c): http,
 * or https with the certificate verified against --ca-file or the
 * system store and the host name (or IP address) checked, for a daemon
 * serving https itself or behind a TLS reverse proxy; a timeout for the
 * whole request; and a reason for every failure (refused, certificate,
 * name).  Basic authentication (the daemon's http_auth_file): the user is
 * --daemon-user, the password the first line of --daemon-password-file
 * (a secret file: secret_read_file()'s rules) or SIPCANARY_DAEMON_PASSWORD,
 * never an argument.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "alert/httpc.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "common/url.h"
#include "conf/secret.h"

#define CHECK_DAEMON_MAX_BODY	(1024 * 1024)
#define CHECK_DAEMON_NAME_MAX	256
#define CHECK_DAEMON_PW_ENV	"SIPCANARY_DAEMON_PASSWORD"

/* What the daemon answered; the body and error are copies. */
struct cdreq {
	struct event_base *base;
	int		 status;	/* HTTP status, 0: none */
	char		*body;
	char		 error[256];
};

/*
 * A failure, on stderr; with --nagios, also the UNKNOWN line on standard
 * output, which is what the monitoring system shows.
 */
static void __attribute__((format(printf, 2, 3)))
check_daemon_fail(const struct check_daemon_opts *o, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sipcanary check: %s\n", msg);
	if (o->format == FMT_NAGIOS) {
		printf("SIPCANARY UNKNOWN - %s\n", msg);
		cli_flush();
	}
}

static void
check_daemon_done(const struct httpc_result *res, void *arg)
{
	struct cdreq	*r = arg;

	event_base_loopexit(r->base, NULL);
	r->status = res->status;
	if (res->status == 0) {
		snprintf(r->error, sizeof(r->error), "%s", res->error);
		return;
	}
	if ((r->body = strdup(res->body)) == NULL)
		snprintf(r->error, sizeof(r->error), "out of memory");
}

/*
 * The password of --daemon-user: from --daemon-password-file, else
 * SIPCANARY_DAEMON_PASSWORD.  NULL after saying why.
 */
static char *
check_daemon_password(const struct check_daemon_opts *o)
{
	const char	*env = getenv(CHECK_DAEMON_PW_ENV);
	char		*pw, err[512];

	if (o->password_file != NULL) {
		if ((pw = secret_read_file(o->password_file, "password file",
		    secret_owner(NULL), o->insecure, err, sizeof(err))) == NULL)
			check_daemon_fail(o, "--daemon-password-file: %s", err);
		return pw;
	}
	if (env == NULL || env[0] == '\0') {
		check_daemon_fail(o, "--daemon-user needs a password: "
		    "--daemon-password-file FILE (its first line) or "
		    CHECK_DAEMON_PW_ENV " in the environment");
		return NULL;
	}
	if ((pw = strdup(env)) == NULL)
		check_daemon_fail(o, "out of memory");
	return pw;
}

/*
 * The "Authorization: Basic ..." header line of o's user into *out (NULL
 * without a user): 0, or -1 after saying why.  The password is wiped.
 */
static int
check_daemon_auth(const struct check_daemon_opts *o, char **out)
{
	static const char prefix[] = "Authorization: Basic ";
	char		*pw, *cred = NULL, *line = NULL;
	size_t		 n;

	*out = NULL;
	if (o->user == NULL)
		return 0;
	if (strchr(o->user, ':') != NULL) {
		/* RFC 7617: the first colon ends the user name. */
		check_daemon_fail(o, "--daemon-user: a basic authentication "
		    "user name has no ':'");
		return -1;
	}
	if ((pw = check_daemon_password(o)) == NULL)
		return -1;
	if (asprintf(&cred, "%s:%s", o->user, pw) == -1)
		cred = NULL;
	secret_free(pw);
	n = cred != NULL ? strlen(cred) : 0;
	if (cred == NULL || (line = malloc(sizeof(prefix) + 4 * (n / 3 + 1)))
	    == NULL) {
		secret_free(cred);
		check_daemon_fail(o, "out of memory");
		return -1;
	}
	memcpy(line, prefix, sizeof(prefix));
	(void)EVP_EncodeBlock((unsigned char *)line + sizeof(prefix) - 1,
	    (unsigned char *)cred, (int)n);
	secret_free(cred);
	*out = line;
	return 0;
}

/* POSTs to the daemon and waits; 0 with r filled, or -1 with r->error. */
static int
check_daemon_post(const struct check_daemon_opts *o, const struct url *u,
    const char *auth, struct cdreq *r)
{
	struct url		 req = *u;
	struct httpc		*c = NULL;
	const char		*headers[] = { auth, NULL };
	char			*enc = NULL;
	int			 n, rc = -1;

	if ((r->base = event_base_new()) == NULL ||
	    (enc = evhttp_uriencode(o->target, -1, 0)) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		goto done;
	}
	n = snprintf(req.path, sizeof(req.path), "%s%sapi/v1/targets/%s/probe",
	    u->path, u->path[strlen(u->path) - 1] == '/' ? "" : "/", enc);
	if (n < 0 || (size_t)n >= sizeof(req.path)) {
		snprintf(r->error, sizeof(r->error), "the URL's path is too "
		    "long");
		goto done;
	}
	if ((c = httpc_new(r->base, o->ca_file, r->error, sizeof(r->error)))
	    == NULL)
		goto done;
	httpc_keep_body(c, CHECK_DAEMON_MAX_BODY);
	if (httpc_post(c, &req, auth != NULL ? headers : NULL, "", 0,
	    o->timeout, check_daemon_done, r) == NULL) {
		snprintf(r->error, sizeof(r->error), "cannot send the request");
		goto done;
	}
	event_base_dispatch(r->base);
	rc = r->status != 0 ? 0 : -1;
done:
	free(enc);
	httpc_free(c);
	if (r->base != NULL)
		event_base_free(r->base);
	r->base = NULL;
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

/* A refusal of the daemon, said with what to do about it. */
static void
check_daemon_refused(const struct check_daemon_opts *o, const struct url *u,
    const struct cdreq *r)
{
	if (r->status == 401 && o->user == NULL)
		check_daemon_fail(o, "%s answered 401: the daemon asks for a "
		    "user and password (its http_auth_file): give "
		    "--daemon-user USER and --daemon-password-file FILE",
		    u->origin);
	else if (r->status == 401)
		check_daemon_fail(o, "%s answered 401: user \"%s\" and the "
		    "password of %s were refused: check them against the "
		    "daemon's http_auth_file", u->origin, o->user,
		    o->password_file != NULL ? o->password_file :
		    CHECK_DAEMON_PW_ENV);
	else
		check_daemon_fail(o, "%s answered %d: %.*s", u->origin,
		    r->status, (int)strcspn(r->body != NULL ? r->body : "",
		    "\n"), r->body != NULL ? r->body : "");
}

/* The request's URL, checked; -1 after saying why. */
static int
check_daemon_url(const struct check_daemon_opts *o, struct url *u)
{
	char	 err[256];

	if (url_parse(o->url, u, err, sizeof(err)) == -1) {
		check_daemon_fail(o, "--daemon: %s", err);
		return -1;
	}
	if (strlen(o->target) > CHECK_DAEMON_NAME_MAX) {
		check_daemon_fail(o, "--target: a name of at most %d bytes",
		    CHECK_DAEMON_NAME_MAX);
		return -1;
	}
	if (o->user != NULL && !u->tls && !url_loopback(u))
		fprintf(stderr, "sipcanary check: warning: the password goes "
		    "to %s unencrypted (http://): use the daemon's https:// "
		    "address, or its TLS proxy's\n", u->origin);
	return 0;
}

int
check_daemon(const struct check_daemon_opts *o)
{
	struct url	 u;
	struct cdreq	 r;
	json_t		*doc = NULL;
	const char	*sev;
	char		*auth = NULL;
	int		 code = NAGIOS_UNKNOWN;

	memset(&r, 0, sizeof(r));
	if (check_daemon_url(o, &u) == -1 || check_daemon_auth(o, &auth) == -1)
		goto done;
	if (check_daemon_post(o, &u, auth, &r) == -1) {
		check_daemon_fail(o, "%s: %s%s", u.origin, r.error, u.tls &&
		    o->ca_file == NULL && strstr(r.error, "certificate verify "
		    "failed") != NULL ? " (--ca-file FILE: the CA of the "
		    "daemon's or its proxy's certificate)" : "");
		goto done;
	}
	if (r.status != 200) {
		check_daemon_refused(o, &u, &r);
		goto done;
	}
	if (r.body == NULL || (doc = json_loads(r.body, 0, NULL)) == NULL ||
	    !json_is_string(json_object_get(doc, "verdict")) ||
	    (sev = json_string_value(json_object_get(doc, "severity"))) ==
	    NULL) {
		check_daemon_fail(o, "%s: not the JSON of a probe on demand",
		    u.origin);
		goto done;
	}
	code = strcmp(sev, "ok") == 0 ? NAGIOS_OK : strcmp(sev, "warning") ==
	    0 ? NAGIOS_WARNING : strcmp(sev, "critical") == 0 ?
	    NAGIOS_CRITICAL : NAGIOS_UNKNOWN;
	if (o->format == FMT_JSON)
		fputs(r.body, stdout);
	else
		check_daemon_print(doc, o->format, code);
	cli_flush();
done:
	json_decref(doc);
	free(r.body);
	secret_free(auth);
	return code;
}
