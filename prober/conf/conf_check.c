/*
 * conf_check.c - sipcanary.conf(5) once the whole file is read: what a
 * target inherits from defaults { } and from the built-in defaults
 * (defaults.h), the rules between keys (timeout < interval, crit_days <=
 * warn_days, a sink's type and its keys, ...), and the secret files
 * (passwords, sink secrets, the endpoint's TLS key and users), read or
 * checked at load so that `run -n` and a reload find a bad one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf_internal.h"
#include "conf/confparse.h"
#include "conf/defaults.h"
#include "common/url.h"
#include "conf/secret.h"
#include "sipcanary.h"

/*
 * The line of the setting that made a rule between keys a and b fail:
 * the target's own, or else the defaults'.
 */
static int
cf_rule_line(struct cf_parse *p, const int *l, int a, int b)
{
	const int	*dl = p->defaults.line;

	if (l[a] != 0 || l[b] != 0)
		return l[a] > l[b] ? l[a] : l[b];
	return dl[a] > dl[b] ? dl[a] : dl[b];
}

/* Each key tc did not set, from defaults or the built-in default. */
static int
cf_inherit(struct cf_parse *p, struct target_conf *tc, const int *l)
{
	const struct target_conf *d = &p->defaults.tc;
	const int	*dl = p->defaults.line;

#define CF_INHERIT(key, field, builtin)					\
	do {								\
		if (l[key] == 0)					\
			tc->field = dl[key] != 0 ? d->field : (builtin); \
	} while (0)
	CF_INHERIT(KEY_INTERVAL, interval, CF_INTERVAL);
	CF_INHERIT(KEY_TIMEOUT, timeout, CF_TIMEOUT);
	CF_INHERIT(KEY_FLOWS, flows, CF_FLOWS);
	CF_INHERIT(KEY_KEEPALIVE, keepalive, CF_KEEPALIVE);
	CF_INHERIT(KEY_RECONNECT_EVERY, reconnect_every, CF_RECONNECT_EVERY);
	CF_INHERIT(KEY_EXPIRES, expires, CF_EXPIRES);
	CF_INHERIT(KEY_WARN_DAYS, warn_days, CF_WARN_DAYS);
	CF_INHERIT(KEY_CRIT_DAYS, crit_days, CF_CRIT_DAYS);
	CF_INHERIT(KEY_TLS_MIN, tls_min, sc_tls_parse_version(CF_TLS_MIN));
	CF_INHERIT(KEY_REVOCATION, revocation,
	    sc_revocation_policy_parse(CF_REVOCATION));
	CF_INHERIT(KEY_ALLOW_MIXED_CERTS, allow_mixed_certs, 0);
	CF_INHERIT(KEY_ENABLED, enabled, 1);
	CF_INHERIT(KEY_INSECURE_SKIP_VERIFY, insecure_skip_verify, 0);
	CF_INHERIT(KEY_TRANSPORT, wss, 0);
	if (l[KEY_ALIVE_STATUSES] == 0 && dl[KEY_ALIVE_STATUSES] != 0)
		tc->alive_statuses = d->alive_statuses;
	else if (l[KEY_ALIVE_STATUSES] == 0)
		sc_statuses_default(&tc->alive_statuses);
	CF_INHERIT(KEY_FOR, alert_for, CF_ALERT_FOR);
	CF_INHERIT(KEY_RESOLVE_AFTER, resolve_after, CF_RESOLVE_AFTER);
	CF_INHERIT(KEY_FLAP_WINDOW, flap_window, CF_FLAP_WINDOW);
	CF_INHERIT(KEY_RECONNECT_MIN_RATIO, reconnect_min_ratio,
	    CF_RECONNECT_MIN_RATIO);
	CF_INHERIT(KEY_RECONNECT_WINDOW, reconnect_window,
	    CF_RECONNECT_WINDOW);
#undef CF_INHERIT
	/* No built-in CA file: NULL is the system trust store. */
	if (l[KEY_CA_FILE] == 0 && d->ca_file != NULL &&
	    (tc->ca_file = strdup(d->ca_file)) == NULL)
		return cf_error(p, tc->line, "out of memory");
	if (l[KEY_RUNBOOK_URL] == 0 && d->runbook_url != NULL &&
	    (tc->runbook_url = strdup(d->runbook_url)) == NULL)
		return cf_error(p, tc->line, "out of memory");
	if ((l[KEY_WS_PATH] == 0 && d->ws_path != NULL &&
	    (tc->ws_path = strdup(d->ws_path)) == NULL) ||
	    (l[KEY_ORIGIN] == 0 && d->origin != NULL &&
	    (tc->origin = strdup(d->origin)) == NULL))
		return cf_error(p, tc->line, "out of memory");
	return 0;
}

/*
 * The password of a target with a user: from password_file, or else from
 * the environment.  Disabled targets too: enabling one must not be the
 * moment its secret turns out to be missing.
 */
static int
cf_password(struct cf_parse *p, struct target_conf *tc, const int *l)
{
	char		 e[512], var[sizeof(CONFIG_PASSWORD_ENV) +
			    CONFIG_NAME_MAX * 4];
	const char	*env;

	if (l[KEY_PASSWORD_FILE] != 0 && l[KEY_USER] == 0)
		return cf_error(p, l[KEY_PASSWORD_FILE], "password_file: set "
		    "without user (the user name to register as)");
	if (l[KEY_ALIVE_STATUSES] != 0 && l[KEY_USER] != 0)
		return cf_error(p, l[KEY_ALIVE_STATUSES], "alive_statuses: "
		    "only for a target without user (probed with OPTIONS); "
		    "a target with a user is probed by registering");
	if (l[KEY_USER] == 0)
		return 0;
	if (l[KEY_PASSWORD_FILE] != 0) {
		if ((tc->password = secret_read_file(tc->password_file,
		    "password file", p->secret_owner, 0, e, sizeof(e))) ==
		    NULL)
			return cf_error(p, l[KEY_PASSWORD_FILE],
			    "password_file: %s", e);
		return 0;
	}
	if (config_password_env(tc->name, var, sizeof(var)) == -1)
		return cf_error(p, tc->line, "internal error: name too long");
	if ((env = getenv(var)) == NULL)
		return cf_error(p, l[KEY_USER], "user: needs a password: set "
		    "password_file = FILE, or %s in the environment", var);
	if (env[0] == '\0')
		return cf_error(p, l[KEY_USER], "user: needs a password: %s is "
		    "empty", var);
	if ((tc->password = strdup(env)) == NULL)
		return cf_error(p, l[KEY_USER], "out of memory");
	return 0;
}

/* A target, once the whole file is read: inheritance and the rules. */
static int
cf_target_finish(struct cf_parse *p, struct target_conf *tc, const int *l)
{
	char	 q[CONFPARSE_QUOTE];

	if (l[KEY_URI] == 0)
		return cf_error(p, tc->line, "target \"%s\": needs uri = "
		    "\"sips:DOMAIN\"", confparse_quote(tc->name, q, sizeof(q)));
	if (cf_inherit(p, tc, l) == -1)
		return -1;
	tc->ca_file_line = cf_rule_line(p, l, KEY_CA_FILE, KEY_CA_FILE);
	if (tc->timeout >= tc->interval)
		return cf_error(p, cf_rule_line(p, l, KEY_TIMEOUT,
		    KEY_INTERVAL), "timeout (%gs) must be shorter than "
		    "interval (%gs)", tc->timeout, tc->interval);
	if (tc->crit_days > tc->warn_days)
		return cf_error(p, cf_rule_line(p, l, KEY_CRIT_DAYS,
		    KEY_WARN_DAYS), "crit_days (%d) must not exceed warn_days "
		    "(%d)", tc->crit_days, tc->warn_days);
	return cf_password(p, tc, l);
}

/* The secret in a sink's routing_key_file or token_file. */
static int
cf_sink_secret(struct cf_parse *p, struct sink_conf *sk, int line,
    const char *key, const char *what)
{
	char		 e[512];

	if ((sk->secret = secret_read_file(sk->secret_file, what,
	    p->secret_owner, 0, e, sizeof(e))) != NULL)
		return 0;
	return cf_error(p, line, "%s: %s", key, e);
}

/* A sink, once the whole file is read: the rules between its keys. */
static int
cf_sink_finish(struct cf_parse *p, struct sink_conf *sk, const int *l)
{
	struct url	 u;
	char		 e[256];
	const char	*tname;

	if (l[KEY_TYPE] == 0)
		return cf_error(p, sk->line, "sink \"%s\": needs type = "
		    "alertmanager, pagerduty or webhook", sk->name);
	tname = cf_sink_types[sk->type];
#define CF_ONLY(key, t, what)						\
	do {								\
		if (l[key] != 0 && sk->type != (t))			\
			return cf_error(p, l[key], "%s: only for %s "	\
			    "sinks, not %s", cf_keys[key].name, what,	\
			    tname);					\
	} while (0)
	CF_ONLY(KEY_ROUTING_KEY_FILE, SINK_PAGERDUTY, "pagerduty");
	CF_ONLY(KEY_TOKEN_FILE, SINK_WEBHOOK, "webhook");
	CF_ONLY(KEY_FORMAT, SINK_WEBHOOK, "webhook");
	CF_ONLY(KEY_RESEND_INTERVAL, SINK_ALERTMANAGER, "alertmanager");
#undef CF_ONLY
	if (sk->type == SINK_PAGERDUTY && l[KEY_ROUTING_KEY_FILE] == 0)
		return cf_error(p, sk->line, "sink \"%s\": needs "
		    "routing_key_file = FILE (the integration's routing key)",
		    sk->name);
	if (sk->type != SINK_PAGERDUTY && l[KEY_URL] == 0)
		return cf_error(p, sk->line, "sink \"%s\": needs url = "
		    "\"%s\"", sk->name, sk->type == SINK_ALERTMANAGER ?
		    "http://127.0.0.1:9093" : "https://...");
	if (sk->url == NULL &&
	    cf_strdup(p, sk->line, &sk->url, CONFIG_PAGERDUTY_URL) == -1)
		return -1;
	if (url_parse(sk->url, &u, e, sizeof(e)) == -1)
		return cf_error(p, l[KEY_URL], "url: %s", e);
	if (sk->type != SINK_WEBHOOK && strchr(u.path, '?') != NULL)
		return cf_error(p, l[KEY_URL], "url: no query (?...) for %s "
		    "sinks: give the base URL; the API path is appended",
		    tname);
	/* A secret in clear text on a network is a leaked secret. */
	if (sk->secret_file != NULL && !u.tls && !url_loopback(&u))
		return cf_error(p, l[KEY_URL] != 0 ? l[KEY_URL] : sk->line,
		    "url: http:// would send the %s in clear text: use "
		    "https:// (http:// is for loopback only)",
		    sk->type == SINK_PAGERDUTY ? "routing key" : "token");
	if (l[KEY_TIMEOUT] == 0)
		sk->timeout = CF_SINK_TIMEOUT;
	if (l[KEY_OUTBOX_MAX] == 0)
		sk->outbox_max = CF_OUTBOX_MAX;
	if (l[KEY_RESEND_INTERVAL] == 0)
		sk->resend_interval = CF_RESEND_INTERVAL;
	if (l[KEY_RETRY_MIN] == 0)
		sk->retry_min = CF_RETRY_MIN;
	if (l[KEY_RETRY_MAX] == 0)
		sk->retry_max = sk->retry_min > CF_RETRY_MAX ? sk->retry_min :
		    CF_RETRY_MAX;
	if (l[KEY_ENABLED] == 0)
		sk->enabled = 1;
	if (sk->retry_min > sk->retry_max)
		return cf_error(p, l[KEY_RETRY_MIN] > l[KEY_RETRY_MAX] ?
		    l[KEY_RETRY_MIN] : l[KEY_RETRY_MAX], "retry_min (%gs) "
		    "must not exceed retry_max (%gs)", sk->retry_min,
		    sk->retry_max);
	/* Disabled sinks too: enabling one must not reveal a bad file. */
	if (l[KEY_ROUTING_KEY_FILE] != 0)
		return cf_sink_secret(p, sk, l[KEY_ROUTING_KEY_FILE],
		    "routing_key_file", "routing key file");
	if (l[KEY_TOKEN_FILE] != 0)
		return cf_sink_secret(p, sk, l[KEY_TOKEN_FILE], "token_file",
		    "token file");
	return 0;
}

static int	cf_hep_secret(struct cf_parse *);

/*
 * The endpoint's secret files, read later by the HTTP server: the TLS key
 * (in the certificate file when http_tls_key is not set) keeps the rule
 * of password files; the users file holds only hashes, so others may read
 * it, but no one but its owner may change it.
 */
static int
cf_endpoint_secrets(struct cf_parse *p)
{
	const struct sc_config *c = p->conf;
	const int	*l = p->top.line;
	char		 e[512];
	int		 kl = l[KEY_HTTP_TLS_KEY] != 0 ? KEY_HTTP_TLS_KEY :
			    KEY_HTTP_TLS_CERT;
	const char	*key = c->http_tls_key != NULL ? c->http_tls_key :
			    c->http_tls_cert;

	if (key != NULL && secret_check_file(key, "TLS key", p->secret_owner,
	    SECRET_PRIVATE, e, sizeof(e)) == -1)
		return cf_error(p, l[kl], "%s: %s", cf_keys[kl].name, e);
	if (c->http_auth_file != NULL && secret_check_file(c->http_auth_file,
	    "auth file", p->secret_owner, SECRET_NO_WRITE, e, sizeof(e)) == -1)
		return cf_error(p, l[KEY_HTTP_AUTH_FILE], "http_auth_file: %s",
		    e);
	return cf_hep_secret(p);
}

/* hep_id and hep_password_file go with hep; the password is read now. */
static int
cf_hep_secret(struct cf_parse *p)
{
	struct sc_config *c = p->conf;
	const int	*l = p->top.line;
	char		 e[512];
	int		 k = l[KEY_HEP_ID] != 0 ? KEY_HEP_ID :
			    KEY_HEP_PASSWORD_FILE;

	if (c->hep == NULL && l[k] != 0)
		return cf_error(p, l[k], "%s: there is no hep = collector to "
		    "send to (hep = \"udp://IP:9060\")", cf_keys[k].name);
	if (c->hep_password_file == NULL)
		return 0;
	if ((c->hep_password = secret_read_file(c->hep_password_file,
	    "HEP password file", p->secret_owner, 0, e, sizeof(e))) == NULL)
		return cf_error(p, l[KEY_HEP_PASSWORD_FILE],
		    "hep_password_file: %s", e);
	return 0;
}

/* The top level, once the whole file is read. */
int
cf_finish(struct cf_parse *p)
{
	struct sc_config *c = p->conf;
	char		 host[256];
	size_t		 i;

	if (c->ntargets == 0)
		return cf_error(p, p->cp.lastline, "no targets: nothing to "
		    "probe (add one, as in target \"voice-prod\" { uri = "
		    "\"sips:voice.example.com\" })");
	if (c->vantage == NULL) {
		/* The host name is what tells vantages apart by default. */
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		if (host[0] == '\0')
			return cf_error(p, 0, "vantage: not set, and the host "
			    "name is unknown");
		if (cf_label(p, 0, "vantage (the host name)", host) == -1 ||
		    cf_strdup(p, 0, &c->vantage, host) == -1)
			return -1;
	}
	if ((c->listen == NULL &&
	    cf_strdup(p, 0, &c->listen, CF_LISTEN) == -1) ||
	    (c->state_dir == NULL &&
	    cf_strdup(p, 0, &c->state_dir, CF_STATE_DIR) == -1))
		return -1;
	if (c->http_max_conns == 0)
		c->http_max_conns = CF_HTTP_MAX_CONNECTIONS;
	if (c->http_max_per_source == 0)
		c->http_max_per_source = CF_HTTP_MAX_PER_SOURCE;
	if (c->http_header_timeout == 0)
		c->http_header_timeout = CF_HTTP_HEADER_TIMEOUT;
	if (c->revocation_cache_min == 0)
		c->revocation_cache_min = CF_REVOCATION_CACHE_MIN;
	if (c->crl_max_size == 0)
		c->crl_max_size = CF_CRL_MAX_SIZE;
	/* Secret files may belong to the user the daemon becomes. */
	p->secret_owner = secret_owner(c->run_user);
	if (cf_endpoint_secrets(p) == -1)
		return -1;
	for (i = 0; i < c->ntargets; i++)
		if (cf_target_finish(p, &c->targets[i], p->tlines[i]) == -1)
			return -1;
	for (i = 0; i < c->nsinks; i++)
		if (cf_sink_finish(p, &c->sinks[i], p->slines[i]) == -1)
			return -1;
	return cf_profiles_finish(p);
}
