/*
 * conf_values.c - the keys of sipcanary.conf(5) as the lexer reads them:
 * the parse callback of every key checks that it is set once and where
 * it belongs, then checks and converts its value into the struct being
 * built (the config, a target or defaults, a sink), while the lexer is
 * still on the value's line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>

#include "conf/conf_internal.h"
#include "conf/confparse.h"
#include "conf/defaults.h"
#include "conf/duration.h"
#include "common/url.h"
#include "sipcanary.h"
#include "conf/target.h"

/* A group of keys returns CF_OTHER_GROUP (conf_internal.h) for others. */

static const char *const cf_sink_formats[] = {
	[SINK_FORMAT_JSON] = "json",
	[SINK_FORMAT_SLACK] = "slack",
};

/* The alert labels a match may test. */
static const char *const cf_match_labels[] = {
	"alertname", "severity", "target", "frontend", "vantage", "owner",
	"profile"
};

static const char *const cf_log_formats[] = {
	[CONFIG_LOG_JSON] = "json",
	[CONFIG_LOG_LOGFMT] = "logfmt",
};

int
cf_strdup(struct cf_parse *p, int line, char **dst, const char *s)
{
	if ((*dst = strdup(s)) == NULL)
		return cf_error(p, line, "out of memory");
	return 0;
}

/*
 * A value that becomes a Prometheus label value (a target name, the
 * vantage, an owner).  Any UTF-8 is legal there, but a control character
 * would garble logs and terminals, and the length is bounded to keep
 * every series small.
 */
int
cf_label(struct cf_parse *p, int line, const char *what, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	char		 q[CONFPARSE_QUOTE];
	unsigned	 c, min;
	size_t		 chars = 0;
	int		 more;

	confparse_quote(value, q, sizeof(q));
	if (*s == '\0')
		return cf_error(p, line, "%s: must not be empty", what);
	while (*s != '\0') {
		/* The lead byte: how many bytes follow, and its bits. */
		c = *s++;
		if (c < 0x80) {
			more = 0;
			min = 0;
		} else if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			goto utf8;
		/* Overlong forms and surrogates are not UTF-8 either. */
		for (; more > 0; more--, s++) {
			if ((*s & 0xc0) != 0x80)
				goto utf8;
			c = c << 6 | (*s & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			goto utf8;
		/* C0, DEL and C1. */
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			return cf_error(p, line, "%s: \"%s\" contains a "
			    "control character", what,
			    confparse_quote_ascii(value, q, sizeof(q)));
		chars++;
	}
	if (chars > CONFIG_NAME_MAX)
		return cf_error(p, line, "%s: \"%s\" is longer than %d "
		    "characters", what, q, CONFIG_NAME_MAX);
	return 0;

utf8:
	return cf_error(p, line, "%s: \"%s\" is not valid UTF-8", what,
	    confparse_quote_ascii(value, q, sizeof(q)));
}

/* A path, relative to the directory of the config file. */
int
cf_path(struct cf_parse *p, int line, const char *name, const char *value,
    char **dst)
{
	if (confparse_text(&p->cp, line, name, value, PATH_MAX - 1) == -1)
		return -1;
	if ((*dst = confparse_path(p->cp.file, value)) == NULL)
		return cf_error(p, line, "out of memory");
	return 0;
}

/*
 * The top-level keys of revocation fetching, into the config; or
 * CF_OTHER_GROUP.
 */
static int
cf_top_revocation(struct cf_parse *p, int id, int line, const char *value)
{
	struct sc_config *c = p->conf;
	char		 q[CONFPARSE_QUOTE];

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_CRL_MAX_SIZE:
		if (size_parse(value, CONFIG_CRL_MAX_SIZE_MAX,
		    &c->crl_max_size) == -1)
			return cf_error(p, line, "crl_max_size: expected a "
			    "size in bytes, KiB, MiB or GiB (as in 16MiB), up "
			    "to 1GiB, not \"%s\"", q);
		return 0;
	case KEY_REVOCATION_CACHE_MIN:
		if (confparse_duration(&p->cp, line, "revocation_cache_min",
		    value, 0, &c->revocation_cache_min) == -1)
			return -1;
		if (c->revocation_cache_min < 1 ||
		    c->revocation_cache_min > CONFIG_REVOCATION_CACHE_MAX)
			return cf_error(p, line, "revocation_cache_min: "
			    "expected 1s to 1d, not \"%s\"", q);
		return 0;
	}
	return CF_OTHER_GROUP;
}

/* A limit of the HTTP endpoint's connections, into the config. */
static int
cf_http_limit(struct cf_parse *p, int id, int line, const char *value)
{
	struct sc_config *c = p->conf;
	char		 q[CONFPARSE_QUOTE];
	double		 d;
	long		 n;

	if (id != KEY_HTTP_HEADER_TIMEOUT) {
		if (confparse_range(&p->cp, line, cf_keys[id].name, value, 1,
		    CONFIG_HTTP_CONNS_MAX, "", &n) == -1)
			return -1;
		*(id == KEY_HTTP_MAX_CONNECTIONS ? &c->http_max_conns :
		    &c->http_max_per_source) = (unsigned)n;
		return 0;
	}
	if (confparse_duration(&p->cp, line, "http_header_timeout", value, 0,
	    &d) == -1)
		return -1;
	if (d < 0.1 || d > CONFIG_HTTP_HEADER_MAX)
		return cf_error(p, line, "http_header_timeout: expected 100ms "
		    "to %ds, not \"%s\"", CONFIG_HTTP_HEADER_MAX,
		    confparse_quote(value, q, sizeof(q)));
	c->http_header_timeout = d;
	return 0;
}

/* hep = and hep_id =, into the config. */
static int
cf_hep(struct cf_parse *p, int id, int line, const char *value)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 q[CONFPARSE_QUOTE], e[256];
	long			 n;

	if (id == KEY_HEP_ID) {
		if (confparse_range(&p->cp, line, "hep_id", value, 0,
		    4294967295L, "", &n) == -1)
			return -1;
		p->conf->hep_id = (unsigned)n;
		return 0;
	}
	confparse_quote(value, q, sizeof(q));
	if (config_parse_hep(value, &ss, &len, e, sizeof(e)) == -1)
		return cf_error(p, line, "hep: %s, not \"%s\"", e, q);
	return cf_strdup(p, line, &p->conf->hep, value);
}

/*
 * The daemon's own top-level keys: its vantage, where it listens, keeps
 * state and logs, and the account it runs as; into the config, or
 * CF_OTHER_GROUP.
 */
static int
cf_top_daemon(struct cf_parse *p, int id, int line, const char *value)
{
	struct sc_config *c = p->conf;
	char		 q[CONFPARSE_QUOTE], host[INET6_ADDRSTRLEN];
	unsigned	 port;
	int		 w;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_VANTAGE:
		if (cf_label(p, line, "vantage", value) == -1)
			return -1;
		return cf_strdup(p, line, &c->vantage, value);
	case KEY_LISTEN:
		if (config_parse_ipport(value, 0, host, sizeof(host),
		    &port) == -1)
			return cf_error(p, line, "listen: expected IP:PORT (as "
			    "in " CF_LISTEN " or [::1]:9464), not \"%s\"", q);
		return cf_strdup(p, line, &c->listen, value);
	case KEY_STATE_DIR:
		if (confparse_text(&p->cp, line, "state_dir", value,
		    PATH_MAX - 1) == -1)
			return -1;
		if (value[0] != '/')
			return cf_error(p, line, "state_dir: must be an "
			    "absolute path, not \"%s\"", q);
		return cf_strdup(p, line, &c->state_dir, value);
	case KEY_LOG_FORMAT:
		if ((w = confparse_word(value, cf_log_formats,
		    sizeof(cf_log_formats) / sizeof(cf_log_formats[0]))) == -1)
			return cf_error(p, line, "log_format: expected json or "
			    "logfmt, not \"%s\"", q);
		c->log_format = w;
		return 0;
	case KEY_USER:
		/* The account the daemon drops to, after binding. */
		if (confparse_text(&p->cp, line, "user", value, 64) == -1)
			return -1;
		if (getpwnam(value) == NULL)
			return cf_error(p, line, "user: no such user \"%s\" "
			    "(create it: adduser --system --group %s)", q, q);
		return cf_strdup(p, line, &c->run_user, value);
	}
	return CF_OTHER_GROUP;
}

/*
 * The HTTP endpoint's keys: its authentication, TLS, connection limits
 * and what its metrics and GET /probe show; into the config, or
 * CF_OTHER_GROUP.
 */
static int
cf_top_endpoint(struct cf_parse *p, int id, int line, const char *value)
{
	struct sc_config *c = p->conf;
	char		 q[CONFPARSE_QUOTE];
	long		 n;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_HTTP_AUTH_FILE:
	case KEY_HTTP_TLS_CERT:
	case KEY_HTTP_TLS_KEY:
		if (confparse_text(&p->cp, line, cf_keys[id].name, value,
		    PATH_MAX - 1) == -1)
			return -1;
		if (access(value, R_OK) == -1)
			return cf_error(p, line, "%s: cannot read \"%s\": %s",
			    cf_keys[id].name, q, strerror(errno));
		return cf_strdup(p, line, id == KEY_HTTP_AUTH_FILE ?
		    &c->http_auth_file : id == KEY_HTTP_TLS_CERT ?
		    &c->http_tls_cert : &c->http_tls_key, value);
	case KEY_METRICS_SERIES_LIMIT:
		if (confparse_range(&p->cp, line, "metrics_series_limit",
		    value, CONFIG_SERIES_LIMIT_MIN, CONFIG_SERIES_LIMIT_MAX, "",
		    &n) == -1)
			return -1;
		c->metrics_series_limit = (unsigned)n;
		return 0;
	case KEY_HTTP_MAX_CONNECTIONS:
	case KEY_HTTP_MAX_PER_SOURCE:
	case KEY_HTTP_HEADER_TIMEOUT:
		return cf_http_limit(p, id, line, value);
	case KEY_HTTP_PROBE_OPEN:
		return confparse_bool(&p->cp, line, "http_probe_open", value,
		    &c->http_probe_open);
	case KEY_METRICS_DETAIL:
		return confparse_bool(&p->cp, line, "metrics_detail", value,
		    &c->metrics_detail);
	}
	return CF_OTHER_GROUP;
}

/* A top-level value, into the config. */
static int
cf_top_value(struct cf_parse *p, int id, int line, const char *value)
{
	struct sc_config *c = p->conf;
	int		 rc;

	if ((rc = cf_top_daemon(p, id, line, value)) != CF_OTHER_GROUP ||
	    (rc = cf_top_endpoint(p, id, line, value)) != CF_OTHER_GROUP ||
	    (rc = cf_top_revocation(p, id, line, value)) != CF_OTHER_GROUP)
		return rc;
	/* The debugging aids: the TLS key log and HEP copies. */
	switch (id) {
	case KEY_KEYLOG_FILE:
		return cf_path(p, line, "keylog_file", value, &c->keylog_file);
	case KEY_HEP_PASSWORD_FILE:
		return cf_path(p, line, "hep_password_file", value,
		    &c->hep_password_file);
	case KEY_HEP:
	case KEY_HEP_ID:
		return cf_hep(p, id, line, value);
	}
	return cf_error(p, line, "%s: internal error", cf_keys[id].name);
}

/*
 * A target's URI, credentials, owner and where to reach it, into tc; or
 * CF_OTHER_GROUP.
 */
static int
cf_target_reach(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	const char	*name = cf_keys[id].name;
	struct target	 t;
	char		 q[CONFPARSE_QUOTE], e[256], host[INET6_ADDRSTRLEN];
	char		*h;
	unsigned	 port;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_URI:
		/* target_parse_uri() would send the user to --user. */
		if (strchr(value, '@') != NULL)
			return cf_error(p, line, "uri: \"%s\" names a user; "
			    "give the domain alone (sips:DOMAIN) and the user "
			    "with user =", q);
		/* It would take "http" for a domain and "//..." for a port. */
		if (strstr(value, "://") != NULL)
			return cf_error(p, line, "uri: \"%s\" is not a SIP URI "
			    "(expected sips:DOMAIN)", q);
		if (target_parse_uri(&t, value, e, sizeof(e)) == -1)
			return cf_error(p, line, "uri: %s", e);
		target_clear(&t);
		return cf_strdup(p, line, &tc->uri, value);
	case KEY_USER:
		if (confparse_sip_user(&p->cp, line, name, value,
		    CONFIG_USER_MAX) == -1)
			return -1;
		return cf_strdup(p, line, &tc->user, value);
	case KEY_PASSWORD_FILE:
		return cf_path(p, line, name, value, &tc->password_file);
	case KEY_OWNER:
		if (cf_label(p, line, name, value) == -1)
			return -1;
		return cf_strdup(p, line, &tc->owner, value);
	case KEY_CONNECT:
		if (target_parse_hostport(value, &h, &port, e,
		    sizeof(e)) == -1)
			return cf_error(p, line, "connect: %s", e);
		free(h);
		return cf_strdup(p, line, &tc->connect, value);
	case KEY_DNS_SERVER:
		if (config_parse_ipport(value, CF_DNS_PORT, host, sizeof(host),
		    &port) == -1)
			return cf_error(p, line, "dns_server: expected an IP "
			    "address and an optional port (as in "
			    "127.0.0.1:5353 or [::1]), not \"%s\"", q);
		return cf_strdup(p, line, &tc->dns_server, value);
	}
	return CF_OTHER_GROUP;
}

/*
 * How a target's connection is made: TLS trust and version, revocation,
 * and SIP over secure WebSocket; into tc, or CF_OTHER_GROUP.
 */
static int
cf_target_transport(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	const char	*name = cf_keys[id].name;
	char		 q[CONFPARSE_QUOTE];

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_CA_FILE:
		return cf_path(p, line, name, value, &tc->ca_file);
	case KEY_TLS_MIN:
		if ((tc->tls_min = sc_tls_parse_version(value)) == 0)
			return cf_error(p, line, "tls_min: expected \"1.2\" or "
			    "\"1.3\", not \"%s\"", q);
		return 0;
	case KEY_TRANSPORT:
		if (strcmp(value, "tls") != 0 && strcmp(value, "wss") != 0)
			return cf_error(p, line, "transport: expected tls or "
			    "wss (SIP over secure WebSocket), not \"%s\"", q);
		tc->wss = strcmp(value, "wss") == 0;
		return 0;
	case KEY_WS_PATH:
		if (confparse_text(&p->cp, line, "ws_path", value, 512) == -1)
			return -1;
		if (value[0] != '/' || strpbrk(value, " \t") != NULL)
			return cf_error(p, line, "ws_path: expected the path of "
			    "the WebSocket URL (\"/ws\"), not \"%s\"", q);
		return cf_strdup(p, line, &tc->ws_path, value);
	case KEY_ORIGIN:
		if (confparse_text(&p->cp, line, "origin", value, 512) == -1)
			return -1;
		return cf_strdup(p, line, &tc->origin, value);
	case KEY_REVOCATION:
		if ((tc->revocation = sc_revocation_policy_parse(value)) < 0)
			return cf_error(p, line, "revocation: expected auto, "
			    "staple, ocsp, crl or off, not \"%s\"", q);
		return 0;
	}
	return CF_OTHER_GROUP;
}

/*
 * A target's timings, flows, thresholds and switches, into tc; or
 * CF_OTHER_GROUP.
 */
static int
cf_target_timing(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	const char	*name = cf_keys[id].name;
	char		 q[CONFPARSE_QUOTE], err[200];
	double		 d;
	long		 n;
	int		 v;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_INTERVAL:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		if (d < 1)
			return cf_error(p, line, "interval: must be at least "
			    "1s, not \"%s\"", q);
		tc->interval = d;
		return 0;
	case KEY_TIMEOUT:
	case KEY_KEEPALIVE:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		*(id == KEY_TIMEOUT ? &tc->timeout : &tc->keepalive) = d;
		return 0;
	case KEY_RECONNECT_EVERY:
		if (confparse_duration(&p->cp, line, name, value, 1, &d) == -1)
			return -1;
		tc->reconnect_every = d;
		return 0;
	case KEY_EXPIRES:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		if (d != (double)(long)d)
			return cf_error(p, line, "expires: must be whole "
			    "seconds, not \"%s\"", q);
		if (d < CONFIG_EXPIRES_MIN || d > CONFIG_EXPIRES_MAX)
			return cf_error(p, line, "expires: must be from %d to "
			    "%d seconds, not \"%s\"", CONFIG_EXPIRES_MIN,
			    CONFIG_EXPIRES_MAX, q);
		tc->expires = (unsigned)d;
		return 0;
	case KEY_FLOWS:
		if (confparse_range(&p->cp, line, name, value, 0,
		    CONFIG_FLOWS_MAX, "", &n) == -1)
			return -1;
		tc->flows = (unsigned)n;
		return 0;
	case KEY_WARN_DAYS:
	case KEY_CRIT_DAYS:
		if (confparse_range(&p->cp, line, name, value, 1,
		    CONFIG_DAYS_MAX, "", &n) == -1)
			return -1;
		*(id == KEY_WARN_DAYS ? &tc->warn_days : &tc->crit_days) =
		    (int)n;
		return 0;
	case KEY_ALIVE_STATUSES:
		if (sc_statuses_parse(&tc->alive_statuses, value, err,
		    sizeof(err)) == -1)
			return cf_error(p, line, "alive_statuses: %s", err);
		return 0;
	case KEY_ALLOW_MIXED_CERTS:
	case KEY_ENABLED:
	case KEY_INSECURE_SKIP_VERIFY:
		if (confparse_bool(&p->cp, line, name, value, &v) == -1)
			return -1;
		*(id == KEY_ENABLED ? &tc->enabled :
		    id == KEY_INSECURE_SKIP_VERIFY ? &tc->insecure_skip_verify :
		    &tc->allow_mixed_certs) = v;
		return 0;
	}
	return CF_OTHER_GROUP;
}

/* A target's alert rule settings, into tc; or CF_OTHER_GROUP. */
static int
cf_target_alert(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	const char	*name = cf_keys[id].name;
	char		 q[CONFPARSE_QUOTE];
	double		 d;
	long		 n;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_RUNBOOK_URL:
		if (confparse_text(&p->cp, line, name, value,
		    CONFIG_RUNBOOK_MAX) == -1)
			return -1;
		if (strncasecmp(value, "https://", 8) != 0 &&
		    strncasecmp(value, "http://", 7) != 0)
			return cf_error(p, line, "runbook_url: expected an "
			    "http:// or https:// URL, not \"%s\"", q);
		return cf_strdup(p, line, &tc->runbook_url, value);
	case KEY_FOR:
	case KEY_RESOLVE_AFTER:
		if (confparse_range(&p->cp, line, name, value, 1,
		    CONFIG_ALERT_COUNT_MAX, "", &n) == -1)
			return -1;
		*(id == KEY_FOR ? &tc->alert_for : &tc->resolve_after) =
		    (unsigned)n;
		return 0;
	case KEY_FLAP_WINDOW:
		if (confparse_duration(&p->cp, line, name, value, 1, &d) == -1)
			return -1;
		tc->flap_window = d;
		return 0;
	case KEY_RECONNECT_WINDOW:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		tc->reconnect_window = d;
		return 0;
	case KEY_RECONNECT_MIN_RATIO:
		if (duration_parse_decimal(value, &d) == -1 || d > 1)
			return cf_error(p, line, "reconnect_min_ratio: expected "
			    "a number from 0 to 1 (as in 0.9), not \"%s\"", q);
		tc->reconnect_min_ratio = d;
		return 0;
	}
	return CF_OTHER_GROUP;
}

/* A value of a target or of defaults, into tc. */
static int
cf_target_value(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	int	 rc;

	if ((rc = cf_target_reach(p, id, line, value, tc)) != CF_OTHER_GROUP ||
	    (rc = cf_target_transport(p, id, line, value, tc)) !=
	    CF_OTHER_GROUP ||
	    (rc = cf_target_timing(p, id, line, value, tc)) != CF_OTHER_GROUP ||
	    (rc = cf_target_alert(p, id, line, value, tc)) != CF_OTHER_GROUP ||
	    (rc = cf_target_scenario(p, id, line, value, tc)) !=
	    CF_OTHER_GROUP)
		return rc;
	return cf_error(p, line, "%s: internal error", cf_keys[id].name);
}

/* match = "label=value,...": every label one of cf_match_labels. */
static int
cf_match(struct cf_parse *p, int line, const char *value,
    struct sink_conf *sk)
{
	char		 q[CONFPARSE_QUOTE];
	char		*buf, *item, *eq, *lab, *val, *save = NULL;
	size_t		 i, n;
	int		 rc = -1;

	if (confparse_text(&p->cp, line, "match", value, 1024) == -1)
		return -1;
	if ((buf = strdup(value)) == NULL ||
	    (sk->match = calloc(CONFIG_MATCH_MAX, sizeof(*sk->match))) ==
	    NULL) {
		free(buf);
		return cf_error(p, line, "out of memory");
	}
	for (item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(item, '=')) == NULL) {
			cf_error(p, line, "match: expected LABEL=VALUE, ... "
			    "(as in \"severity=critical,target=voice-prod\"), "
			    "not \"%s\"", confparse_quote(value, q, sizeof(q)));
			goto done;
		}
		*eq = '\0';
		for (lab = item; *lab == ' '; lab++)
			;
		for (n = strlen(lab); n > 0 && lab[n - 1] == ' '; n--)
			lab[n - 1] = '\0';
		for (val = eq + 1; *val == ' '; val++)
			;
		for (n = strlen(val); n > 0 && val[n - 1] == ' '; n--)
			val[n - 1] = '\0';
		if (confparse_word(lab, cf_match_labels, CONFIG_MATCH_MAX) ==
		    -1) {
			cf_error(p, line, "match: unknown label \"%s\" "
			    "(expected alertname, severity, target, frontend, "
			    "vantage or owner)", confparse_quote(lab, q,
			    sizeof(q)));
			goto done;
		}
		for (i = 0; i < sk->nmatch; i++)
			if (strcmp(sk->match[i].label, lab) == 0) {
				cf_error(p, line, "match: %s given twice", lab);
				goto done;
			}
		if ((sk->match[sk->nmatch].label = strdup(lab)) == NULL ||
		    (sk->match[sk->nmatch].value = strdup(val)) == NULL) {
			free(sk->match[sk->nmatch].label);
			cf_error(p, line, "out of memory");
			goto done;
		}
		sk->nmatch++;
	}
	if (sk->nmatch == 0)
		cf_error(p, line, "match: expected LABEL=VALUE, ... (as in "
		    "\"severity=critical,target=voice-prod\")");
	else
		rc = 0;
done:
	free(buf);
	return rc;
}

/* Where and how a sink delivers, into sk; or CF_OTHER_GROUP. */
static int
cf_sink_delivery(struct cf_parse *p, int id, int line, const char *value,
    struct sink_conf *sk)
{
	const char	*name = cf_keys[id].name;
	struct url	 u;
	char		 q[CONFPARSE_QUOTE], e[256];
	int		 w;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_TYPE:
		if ((w = confparse_word(value, cf_sink_types,
		    sizeof(cf_sink_types) / sizeof(cf_sink_types[0]))) == -1)
			return cf_error(p, line, "type: expected alertmanager, "
			    "pagerduty or webhook, not \"%s\"", q);
		sk->type = w;
		return 0;
	case KEY_URL:
		/* Not echoed: a chat webhook URL holds its token. */
		if (confparse_text(&p->cp, line, name, value,
		    CONFIG_URL_MAX) == -1)
			return -1;
		if (url_parse(value, &u, e, sizeof(e)) == -1)
			return cf_error(p, line, "url: %s", e);
		return cf_strdup(p, line, &sk->url, value);
	case KEY_ROUTING_KEY_FILE:
	case KEY_TOKEN_FILE:
		/* Both set: the type's rule says which is wrong, at the end. */
		free(sk->secret_file);
		sk->secret_file = NULL;
		return cf_path(p, line, name, value, &sk->secret_file);
	case KEY_CA_FILE:
		return cf_path(p, line, name, value, &sk->ca_file);
	case KEY_FORMAT:
		if ((w = confparse_word(value, cf_sink_formats,
		    sizeof(cf_sink_formats) / sizeof(cf_sink_formats[0]))) ==
		    -1)
			return cf_error(p, line, "format: expected json or "
			    "slack, not \"%s\"", q);
		sk->format = w;
		return 0;
	case KEY_MATCH:
		return cf_match(p, line, value, sk);
	}
	return CF_OTHER_GROUP;
}

/* A sink's timeouts, outbox and retries, into sk; or CF_OTHER_GROUP. */
static int
cf_sink_timing(struct cf_parse *p, int id, int line, const char *value,
    struct sink_conf *sk)
{
	const char	*name = cf_keys[id].name;
	char		 q[CONFPARSE_QUOTE];
	double		 d;
	long		 n;
	int		 w;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_TIMEOUT:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		if (d > CF_SINK_TIMEOUT_MAX)
			return cf_error(p, line, "timeout: must be at most "
			    "%ds, not \"%s\"", CF_SINK_TIMEOUT_MAX, q);
		sk->timeout = d;
		return 0;
	case KEY_OUTBOX_MAX:
		if (confparse_range(&p->cp, line, name, value, 1,
		    CONFIG_OUTBOX_MAX, "", &n) == -1)
			return -1;
		sk->outbox_max = (unsigned)n;
		return 0;
	case KEY_RESEND_INTERVAL:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		if (d < 1)
			return cf_error(p, line, "resend_interval: must be at "
			    "least 1s, not \"%s\"", q);
		sk->resend_interval = d;
		return 0;
	case KEY_RETRY_MIN:
	case KEY_RETRY_MAX:
		if (confparse_duration(&p->cp, line, name, value, 0, &d) == -1)
			return -1;
		if (d > CF_RETRY_LIMIT)
			return cf_error(p, line, "%s: must be at most 1d, not "
			    "\"%s\"", name, q);
		*(id == KEY_RETRY_MIN ? &sk->retry_min : &sk->retry_max) = d;
		return 0;
	case KEY_ENABLED:
		if (confparse_bool(&p->cp, line, name, value, &w) == -1)
			return -1;
		sk->enabled = w;
		return 0;
	}
	return CF_OTHER_GROUP;
}

/* A value of a sink, into sk. */
static int
cf_sink_value(struct cf_parse *p, int id, int line, const char *value,
    struct sink_conf *sk)
{
	int	 rc;

	if ((rc = cf_sink_delivery(p, id, line, value, sk)) != CF_OTHER_GROUP ||
	    (rc = cf_sink_timing(p, id, line, value, sk)) != CF_OTHER_GROUP)
		return rc;
	return cf_error(p, line, "%s: internal error", cf_keys[id].name);
}

/*
 * The parse callback of every key: the key must be set once, where it
 * belongs, and its value must be good.
 */
int
cf_key_cb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct cf_parse	*p = confparse_owner();
	struct cf_frame	*f;
	unsigned	 where;
	int		 id;

	if (p == NULL || value == NULL || (id = cf_keyid(opt->name)) == -1)
		return -1;
	/* libconfuse keeps a copy; nothing reads it. */
	*(const char **)result = value;
	where = cf_where(p, cfg);
	/* Only reachable with libconfuse's "section|key" paths. */
	if ((cf_keys[id].in & where) == 0)
		return cf_error(p, cfg->line, "%s: cannot be set here",
		    opt->name);
	if (where == IN_TOP)
		f = &p->top;
	else {
		f = &p->sec;
		if (f->cfg == NULL)
			f->cfg = cfg;
		else if (f->cfg != cfg)
			return cf_error(p, cfg->line, "internal error: two "
			    "sections open");
	}
	/* A list: one call per element, the first one of a setting alone. */
	if (id == KEY_PROFILES)
		return cf_profiles_value(p, cfg, opt, value, f);
	if (confparse_set_once(&p->cp, &f->line[id], cfg->line,
	    opt->name) == -1)
		return -1;
	if (where == IN_PROFILE)
		return cf_profile_value(p, id, cfg->line, value, &f->pf);
	if (where == IN_TOP)
		return cf_top_value(p, id, cfg->line, value);
	if (where == IN_SINK)
		return cf_sink_value(p, id, cfg->line, value, &f->sk);
	return cf_target_value(p, id, cfg->line, value, &f->tc);
}
