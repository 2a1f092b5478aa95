/*
 * conf.c - sipcanary.conf(5) into the struct sc_config that "sipcanary
 * run" runs.  A config that loads is one the daemon can run: every value,
 * every rule between values (timeout < interval, crit_days <= warn_days,
 * a user has a password, ...) and every password is checked here, at
 * load, so that a reload can parse first and keep the old config when
 * the new one is wrong.  Every error reads "FILE:LINE: what was
 * expected" and names the key.
 *
 * The syntax is libconfuse's; confparse.c deals with what libconfuse 3.3
 * gets wrong.  Here, as in scenario.c, every key has a parse callback that
 * checks and converts its value while the lexer is on its line, and
 * records the line; the values go straight into the struct being built,
 * not into libconfuse's tree (conf_values.c).  Each section is taken out
 * of the tree by the validate callback that runs when it closes: a second
 * target with the same name would otherwise replace the first without a
 * word, and a second defaults section would merge into the first
 * (conf_sections.c).
 *
 * A target inherits each key it does not set from defaults { }, then from
 * the built-in defaults.  That happens once the whole file has been read,
 * since defaults may come after the targets (conf_check.c).
 *
 * Sinks (sink "NAME" { type = ... }) are where alert notifications go.
 * They share the keys timeout, ca_file and enabled with targets, with
 * their own meaning and defaults; nothing is inherited from defaults { }.
 * Their secrets (a PagerDuty routing key, a webhook token) are read at
 * load like passwords, and a secret is never sent over plain http but to
 * loopback.
 *
 * This file owns loading, freeing and comparing configs, the key table
 * and libconfuse's option tables; config_parse_ipport() checks the
 * addresses of listen and dns_server (common/hostport.c splits them).
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "common/hostport.h"
#include "conf/conf_internal.h"
#include "conf/confparse.h"
#include "conf/conf.h"
#include "conf/secret.h"

const struct cf_keydef cf_keys[KEY_NUM] = {
	[KEY_VANTAGE] = { "vantage", IN_TOP },
	[KEY_LISTEN] = { "listen", IN_TOP },
	[KEY_STATE_DIR] = { "state_dir", IN_TOP },
	[KEY_LOG_FORMAT] = { "log_format", IN_TOP },
	[KEY_URI] = { "uri", IN_TARGET },
	[KEY_USER] = { "user", IN_TOP | IN_TARGET | IN_PROFILE },
	[KEY_PASSWORD_FILE] = { "password_file", IN_TARGET | IN_PROFILE },
	[KEY_OWNER] = { "owner", IN_TARGET },
	[KEY_CONNECT] = { "connect", IN_TARGET },
	[KEY_DNS_SERVER] = { "dns_server", IN_TARGET },
	[KEY_INTERVAL] = { "interval", IN_DEFAULTS | IN_TARGET },
	[KEY_TIMEOUT] = { "timeout", IN_DEFAULTS | IN_TARGET | IN_SINK },
	[KEY_FLOWS] = { "flows", IN_DEFAULTS | IN_TARGET },
	[KEY_KEEPALIVE] = { "keepalive", IN_DEFAULTS | IN_TARGET },
	[KEY_RECONNECT_EVERY] = { "reconnect_every", IN_DEFAULTS | IN_TARGET },
	[KEY_EXPIRES] = { "expires", IN_DEFAULTS | IN_TARGET },
	[KEY_WARN_DAYS] = { "warn_days", IN_DEFAULTS | IN_TARGET },
	[KEY_CRIT_DAYS] = { "crit_days", IN_DEFAULTS | IN_TARGET },
	[KEY_CA_FILE] = { "ca_file",
	    IN_DEFAULTS | IN_TARGET | IN_SINK | IN_PROFILE },
	[KEY_TLS_MIN] = { "tls_min", IN_DEFAULTS | IN_TARGET | IN_PROFILE },
	[KEY_ALLOW_MIXED_CERTS] = { "allow_mixed_certs",
	    IN_DEFAULTS | IN_TARGET },
	[KEY_ENABLED] = { "enabled", IN_DEFAULTS | IN_TARGET | IN_SINK },
	[KEY_RUNBOOK_URL] = { "runbook_url", IN_DEFAULTS | IN_TARGET },
	[KEY_FOR] = { "for", IN_DEFAULTS | IN_TARGET },
	[KEY_RESOLVE_AFTER] = { "resolve_after", IN_DEFAULTS | IN_TARGET },
	[KEY_FLAP_WINDOW] = { "flap_window", IN_DEFAULTS | IN_TARGET },
	[KEY_RECONNECT_MIN_RATIO] = { "reconnect_min_ratio",
	    IN_DEFAULTS | IN_TARGET },
	[KEY_RECONNECT_WINDOW] = { "reconnect_window",
	    IN_DEFAULTS | IN_TARGET },
	[KEY_TYPE] = { "type", IN_SINK },
	[KEY_URL] = { "url", IN_SINK },
	[KEY_ROUTING_KEY_FILE] = { "routing_key_file", IN_SINK },
	[KEY_TOKEN_FILE] = { "token_file", IN_SINK },
	[KEY_FORMAT] = { "format", IN_SINK },
	[KEY_MATCH] = { "match", IN_SINK },
	[KEY_OUTBOX_MAX] = { "outbox_max", IN_SINK },
	[KEY_RESEND_INTERVAL] = { "resend_interval", IN_SINK },
	[KEY_RETRY_MIN] = { "retry_min", IN_SINK },
	[KEY_RETRY_MAX] = { "retry_max", IN_SINK },
	[KEY_HTTP_AUTH_FILE] = { "http_auth_file", IN_TOP },
	[KEY_HTTP_TLS_CERT] = { "http_tls_cert", IN_TOP },
	[KEY_HTTP_TLS_KEY] = { "http_tls_key", IN_TOP },
	[KEY_INSECURE_SKIP_VERIFY] = { "insecure_skip_verify",
	    IN_DEFAULTS | IN_TARGET },
	[KEY_METRICS_SERIES_LIMIT] = { "metrics_series_limit", IN_TOP },
	[KEY_HTTP_MAX_CONNECTIONS] = { "http_max_connections", IN_TOP },
	[KEY_HTTP_MAX_PER_SOURCE] = { "http_max_connections_per_source",
	    IN_TOP },
	[KEY_HTTP_HEADER_TIMEOUT] = { "http_header_timeout", IN_TOP },
	[KEY_TLS_MAX] = { "tls_max", IN_PROFILE },
	[KEY_CIPHERS] = { "ciphers", IN_PROFILE },
	[KEY_CIPHERSUITES] = { "ciphersuites", IN_PROFILE },
	[KEY_GROUPS] = { "groups", IN_PROFILE },
	[KEY_SIGALGS] = { "sigalgs", IN_PROFILE },
	[KEY_SNI] = { "sni", IN_PROFILE },
	[KEY_CA_DIR] = { "ca_dir", IN_PROFILE },
	[KEY_CLIENT_CERT] = { "client_cert", IN_PROFILE },
	[KEY_CLIENT_KEY] = { "client_key", IN_PROFILE },
	[KEY_PROFILES] = { "profiles", IN_TARGET },
	[KEY_KEYLOG_FILE] = { "keylog_file", IN_TOP },
	[KEY_HEP] = { "hep", IN_TOP },
	[KEY_HEP_ID] = { "hep_id", IN_TOP },
	[KEY_HEP_PASSWORD_FILE] = { "hep_password_file", IN_TOP },
	[KEY_TRANSPORT] = { "transport", IN_DEFAULTS | IN_TARGET },
	[KEY_WS_PATH] = { "ws_path", IN_DEFAULTS | IN_TARGET },
	[KEY_ORIGIN] = { "origin", IN_DEFAULTS | IN_TARGET },
	[KEY_ALIVE_STATUSES] = { "alive_statuses", IN_DEFAULTS | IN_TARGET },
	[KEY_SCENARIO] = { "scenario", IN_TARGET },
	[KEY_FLOW_SCENARIO] = { "flow_scenario", IN_TARGET },
	[KEY_HTTP_PROBE_OPEN] = { "http_probe_open", IN_TOP },
	[KEY_METRICS_DETAIL] = { "metrics_detail", IN_TOP },
	[KEY_REVOCATION] = { "revocation",
	    IN_DEFAULTS | IN_TARGET | IN_PROFILE },
	[KEY_REVOCATION_CACHE_MIN] = { "revocation_cache_min", IN_TOP },
	[KEY_CRL_MAX_SIZE] = { "crl_max_size", IN_TOP },
};

const char *const cf_sink_types[SINK_WEBHOOK + 1] = {
	[SINK_ALERTMANAGER] = "alertmanager",
	[SINK_PAGERDUTY] = "pagerduty",
	[SINK_WEBHOOK] = "webhook",
};

int
cf_keyid(const char *name)
{
	return confparse_lookup(name, cf_keys, KEY_NUM, sizeof(cf_keys[0]));
}

static void
cf_opts_init(struct cf_parse *p)
{
	cfg_opt_t	*o[5] = {
		p->top_opts, p->defaults_opts, p->target_opts, p->sink_opts,
		p->profile_opts
	};
	const unsigned	 in[5] = {
		IN_TOP, IN_DEFAULTS, IN_TARGET, IN_SINK, IN_PROFILE
	};
	size_t		 n[5] = { 0, 0, 0, 0, 0 };
	int		 i, j;

	for (j = 0; j < 5; j++)
		for (i = 0; i < KEY_NUM; i++)
			if (cf_keys[i].in & in[j])
				o[j][n[j]++] = i == KEY_PROFILES ?
				    (cfg_opt_t)CFG_STR_LIST_CB(cf_keys[i].name,
				    NULL, CFGF_NODEFAULT, cf_key_cb) :
				    (cfg_opt_t)CFG_STR_CB(cf_keys[i].name, NULL,
				    CFGF_NODEFAULT, cf_key_cb);
	for (j = 1; j < 5; j++)
		o[j][n[j]++] = confparse_at_opt();
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("defaults", p->defaults_opts,
	    CFGF_MULTI);
	o[0][n[0]++].validcb = cf_defaults_end;
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("target", p->target_opts,
	    CFGF_MULTI | CFGF_TITLE);
	o[0][n[0]++].validcb = cf_target_end;
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("sink", p->sink_opts,
	    CFGF_MULTI | CFGF_TITLE);
	o[0][n[0]++].validcb = cf_sink_end;
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("profile", p->profile_opts,
	    CFGF_MULTI | CFGF_TITLE);
	o[0][n[0]++].validcb = cf_profile_end;
	for (j = 0; j < 5; j++)
		o[j][n[j]] = (cfg_opt_t)CFG_END();
}

struct sc_config *
config_load_string(const char *name, const char *text, char *err,
    size_t errlen)
{
	struct cf_parse	*p;
	struct sc_config *conf = NULL;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL || text == NULL) {
		snprintf(err, errlen, "%s: no config to load",
		    name != NULL ? name : "config");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	if (confparse_begin(&p->cp, name, text, err, errlen) == -1) {
		snprintf(err, errlen, "%s: another file is being parsed", name);
		free(p);
		return NULL;
	}
	p->cp.word = "key";
	p->cp.envmsg = "${...}: environment variables are not expanded in "
	    "the config (a password can come from " CONFIG_PASSWORD_ENV
	    "<TARGET>)";
	p->cp.semicolons = 1;
	p->cp.reword = cf_reword;
	p->cp.owner = p;
	if ((p->conf = calloc(1, sizeof(*p->conf))) == NULL ||
	    (p->conf->path = strdup(name)) == NULL) {
		cf_error(p, 0, "out of memory");
		goto done;
	}
	cf_opts_init(p);
	if ((p->root = confparse_init(&p->cp, p->top_opts)) == NULL)
		goto done;
	if (confparse_parse(&p->cp, p->root, text) == -1 || cf_finish(p) == -1)
		goto done;
	conf = p->conf;
	p->conf = NULL;

done:
	config_free(p->conf);
	cf_frame_clear(&p->sec);
	cf_frame_clear(&p->defaults);
	free(p->tlines);
	free(p->slines);
	free(p->plines);
	if (p->root != NULL)
		cfg_free(p->root);
	confparse_end(&p->cp);
	free(p);
	/* Scenarios are parsed by their own parser, once this one is done. */
	if (conf != NULL && config_check_scenarios(conf, err, errlen) == -1) {
		config_free(conf);
		conf = NULL;
	}
	return conf;
}

struct sc_config *
config_load(const char *path, char *err, size_t errlen)
{
	struct sc_config *conf;
	char		*buf;

	if ((buf = confparse_read_file(path, CONFIG_MAX_FILE, err,
	    errlen)) == NULL)
		return NULL;
	conf = config_load_string(path, buf, err, errlen);
	free(buf);
	return conf;
}

void
cf_target_clear(struct target_conf *tc)
{
	free(tc->name);
	free(tc->uri);
	free(tc->user);
	secret_free(tc->password);
	free(tc->password_file);
	free(tc->owner);
	free(tc->connect);
	free(tc->dns_server);
	free(tc->ca_file);
	free(tc->runbook_url);
	while (tc->nprofiles > 0)
		free(tc->profiles[--tc->nprofiles]);
	free(tc->profiles);
	if (tc->pf != NULL) {
		cf_profile_clear(tc->pf);
		free(tc->pf);
	}
	free(tc->ws_path);
	free(tc->origin);
	free(tc->scenario_file);
	free(tc->scenario_text);
	free(tc->flow_scenario_file);
	free(tc->flow_scenario_text);
	memset(tc, 0, sizeof(*tc));
}

void
cf_sink_clear(struct sink_conf *sk)
{
	size_t	 i;

	free(sk->name);
	free(sk->url);
	free(sk->secret_file);
	secret_free(sk->secret);
	for (i = 0; i < sk->nmatch; i++) {
		free(sk->match[i].label);
		free(sk->match[i].value);
	}
	free(sk->match);
	free(sk->ca_file);
	memset(sk, 0, sizeof(*sk));
}

void
config_free(struct sc_config *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ntargets; i++)
		cf_target_clear(&c->targets[i]);
	free(c->targets);
	for (i = 0; i < c->nsinks; i++)
		cf_sink_clear(&c->sinks[i]);
	free(c->sinks);
	for (i = 0; i < c->nprofiles; i++)
		cf_profile_clear(&c->profiles[i]);
	free(c->profiles);
	free(c->path);
	free(c->vantage);
	free(c->listen);
	free(c->state_dir);
	free(c->run_user);
	free(c->http_auth_file);
	free(c->http_tls_cert);
	free(c->http_tls_key);
	free(c->keylog_file);
	free(c->hep);
	secret_free(c->hep_password);
	free(c->hep_password_file);
	free(c);
}

const struct target_conf *
config_target(const struct sc_config *c, const char *name)
{
	size_t	 i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, name) == 0)
			return &c->targets[i];
	return NULL;
}

static int
cf_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

const struct sink_conf *
config_sink(const struct sc_config *c, const char *name)
{
	size_t	 i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->nsinks; i++)
		if (strcmp(c->sinks[i].name, name) == 0)
			return &c->sinks[i];
	return NULL;
}

int
sink_conf_same(const struct sink_conf *a, const struct sink_conf *b)
{
	size_t	 i;

	if (a == NULL || b == NULL || a->nmatch != b->nmatch)
		return 0;
	for (i = 0; i < a->nmatch; i++)
		if (strcmp(a->match[i].label, b->match[i].label) != 0 ||
		    strcmp(a->match[i].value, b->match[i].value) != 0)
			return 0;
	return cf_streq(a->name, b->name) && a->type == b->type &&
	    cf_streq(a->url, b->url) && cf_streq(a->secret, b->secret) &&
	    a->format == b->format && a->timeout == b->timeout &&
	    cf_streq(a->ca_file, b->ca_file) &&
	    a->outbox_max == b->outbox_max &&
	    a->resend_interval == b->resend_interval &&
	    a->retry_min == b->retry_min && a->retry_max == b->retry_max &&
	    a->enabled == b->enabled;
}

const char *
sink_type_str(int type)
{
	if (type < 0 || (size_t)type >= sizeof(cf_sink_types) /
	    sizeof(cf_sink_types[0]))
		return "?";
	return cf_sink_types[type];
}

int
target_conf_same(const struct target_conf *a, const struct target_conf *b)
{
	size_t	 i;

	if (a == NULL || b == NULL || a->nprofiles != b->nprofiles ||
	    !profile_conf_same(a->pf, b->pf))
		return 0;
	for (i = 0; i < a->nprofiles; i++)
		if (strcmp(a->profiles[i], b->profiles[i]) != 0)
			return 0;
	return cf_streq(a->name, b->name) && cf_streq(a->uri, b->uri) &&
	    cf_streq(a->user, b->user) && cf_streq(a->password, b->password) &&
	    cf_streq(a->connect, b->connect) &&
	    cf_streq(a->dns_server, b->dns_server) &&
	    cf_streq(a->ca_file, b->ca_file) &&
	    a->interval == b->interval && a->timeout == b->timeout &&
	    a->keepalive == b->keepalive &&
	    a->reconnect_every == b->reconnect_every &&
	    a->flows == b->flows && a->expires == b->expires &&
	    a->warn_days == b->warn_days && a->crit_days == b->crit_days &&
	    a->tls_min == b->tls_min && a->revocation == b->revocation &&
	    a->allow_mixed_certs == b->allow_mixed_certs &&
	    a->insecure_skip_verify == b->insecure_skip_verify &&
	    a->wss == b->wss && cf_streq(a->ws_path, b->ws_path) &&
	    cf_streq(a->origin, b->origin) &&
	    memcmp(&a->alive_statuses, &b->alive_statuses,
	    sizeof(a->alive_statuses)) == 0 &&
	    cf_streq(a->scenario_text, b->scenario_text) &&
	    cf_streq(a->flow_scenario_text, b->flow_scenario_text) &&
	    a->enabled == b->enabled;
}

int
config_password_env(const char *name, char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t		 o;

	if (len < sizeof(CONFIG_PASSWORD_ENV))
		return -1;
	memcpy(buf, CONFIG_PASSWORD_ENV, sizeof(CONFIG_PASSWORD_ENV));
	o = sizeof(CONFIG_PASSWORD_ENV) - 1;
	for (; *s != '\0'; s++) {
		/* One '_' per character: skip UTF-8 continuation bytes. */
		if ((*s & 0xc0) == 0x80)
			continue;
		if (o + 1 >= len)
			return -1;
		if (*s >= 'a' && *s <= 'z')
			buf[o++] = (char)(*s - 'a' + 'A');
		else if ((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
			buf[o++] = (char)*s;
		else
			buf[o++] = '_';
	}
	buf[o] = '\0';
	return 0;
}

int
config_parse_ipport(const char *s, unsigned defport, char *host,
    size_t hostlen, unsigned *port)
{
	unsigned char	 addr[sizeof(struct in6_addr)];
	char		 buf[INET6_ADDRSTRLEN];
	struct hostport	 hp;

	if (hostport_parse(s, strlen(s), 0, &hp) != HOSTPORT_OK ||
	    hp.hostlen == 0 || hp.hostlen >= sizeof(buf) ||
	    hp.hostlen >= hostlen)
		return -1;
	memcpy(buf, hp.host, hp.hostlen);
	buf[hp.hostlen] = '\0';
	/* Addresses only; brackets for IPv6, and only for it. */
	if (inet_pton(hp.bracketed ? AF_INET6 : AF_INET, buf, addr) != 1)
		return -1;
	if (!hp.has_port && defport == 0)
		return -1;
	memcpy(host, buf, hp.hostlen + 1);
	*port = hp.has_port ? hp.port : defport;
	return 0;
}
