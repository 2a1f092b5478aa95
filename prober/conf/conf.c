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
 * not into libconfuse's tree.  Each section is taken out of the tree by
 * the validate callback that runs when it closes: a second target with
 * the same name would otherwise replace the first without a word, and a
 * second defaults section would merge into the first.
 *
 * A target inherits each key it does not set from defaults { }, then from
 * the built-in defaults.  That happens once the whole file has been read,
 * since defaults may come after the targets.
 *
 * Sinks (sink "NAME" { type = ... }) are where alert notifications go.
 * They share the keys timeout, ca_file and enabled with targets, with
 * their own meaning and defaults; nothing is inherited from defaults { }.
 * Their secrets (a PagerDuty routing key, a webhook token) are read at
 * load like passwords, and a secret is never sent over plain http but to
 * loopback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>

#include "conf/confparse.h"
#include "conf/conf.h"
#include "conf/duration.h"
#include "alert/httpc.h"
#include "conf/secret.h"
#include "sipcanary.h"
#include "conf/target.h"
#include "conf/defaults.h"

/* Where a key may be set. */
#define IN_TOP		0x1
#define IN_DEFAULTS	0x2
#define IN_TARGET	0x4
#define IN_SINK		0x8

enum cf_key {
	KEY_VANTAGE = 0,
	KEY_LISTEN,
	KEY_STATE_DIR,
	KEY_LOG_FORMAT,
	KEY_URI,
	KEY_USER,
	KEY_PASSWORD_FILE,
	KEY_OWNER,
	KEY_CONNECT,
	KEY_DNS_SERVER,
	KEY_INTERVAL,
	KEY_TIMEOUT,
	KEY_FLOWS,
	KEY_KEEPALIVE,
	KEY_RECONNECT_EVERY,
	KEY_EXPIRES,
	KEY_WARN_DAYS,
	KEY_CRIT_DAYS,
	KEY_CA_FILE,
	KEY_TLS_MIN,
	KEY_ALLOW_MIXED_CERTS,
	KEY_ENABLED,
	KEY_RUNBOOK_URL,
	KEY_FOR,
	KEY_RESOLVE_AFTER,
	KEY_FLAP_WINDOW,
	KEY_RECONNECT_MIN_RATIO,
	KEY_RECONNECT_WINDOW,
	KEY_TYPE,
	KEY_URL,
	KEY_ROUTING_KEY_FILE,
	KEY_TOKEN_FILE,
	KEY_FORMAT,
	KEY_MATCH,
	KEY_OUTBOX_MAX,
	KEY_RESEND_INTERVAL,
	KEY_RETRY_MIN,
	KEY_RETRY_MAX,
	KEY_HTTP_AUTH_FILE,
	KEY_HTTP_TLS_CERT,
	KEY_HTTP_TLS_KEY,
	KEY_INSECURE_SKIP_VERIFY,
	KEY_METRICS_SERIES_LIMIT,
	KEY_NUM
};

/* The order is that of the lists in messages and of sipcanary.conf(5). */
static const struct cf_keydef {
	const char	*name;
	unsigned	 in;
} cf_keys[KEY_NUM] = {
	[KEY_VANTAGE] = { "vantage", IN_TOP },
	[KEY_LISTEN] = { "listen", IN_TOP },
	[KEY_STATE_DIR] = { "state_dir", IN_TOP },
	[KEY_LOG_FORMAT] = { "log_format", IN_TOP },
	[KEY_URI] = { "uri", IN_TARGET },
	[KEY_USER] = { "user", IN_TOP | IN_TARGET },
	[KEY_PASSWORD_FILE] = { "password_file", IN_TARGET },
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
	[KEY_CA_FILE] = { "ca_file", IN_DEFAULTS | IN_TARGET | IN_SINK },
	[KEY_TLS_MIN] = { "tls_min", IN_DEFAULTS | IN_TARGET },
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
};

/* The keys of a sink, in the order of sipcanary.conf(5). */
static const char cf_sink_keys[] = "type, url, routing_key_file, "
    "token_file, format, match, timeout, ca_file, outbox_max, "
    "resend_interval, retry_min, retry_max, enabled";

static const char *const cf_sink_types[] = {
	[SINK_ALERTMANAGER] = "alertmanager",
	[SINK_PAGERDUTY] = "pagerduty",
	[SINK_WEBHOOK] = "webhook",
};

static const char *const cf_sink_formats[] = {
	[SINK_FORMAT_JSON] = "json",
	[SINK_FORMAT_SLACK] = "slack",
};

/* The alert labels a match may test. */
static const char *const cf_match_labels[] = {
	"alertname", "severity", "target", "frontend", "vantage", "owner"
};

static const char *const cf_log_formats[] = {
	[CONFIG_LOG_JSON] = "json",
	[CONFIG_LOG_LOGFMT] = "logfmt",
};

/*
 * The keys set in one section (or at the top level) and where: the
 * values of a target or of defaults go into tc, those of a sink into sk,
 * those of the top level straight into the config.
 */
struct cf_frame {
	cfg_t		*cfg;		/* the section being read, or NULL */
	int		 line[KEY_NUM];	/* 0: not set */
	struct target_conf tc;
	struct sink_conf sk;
};

struct cf_parse {
	struct confparse cp;
	cfg_t		*root;
	struct sc_config *conf;
	struct cf_frame	 top;
	struct cf_frame	 sec;		/* the section being read */
	struct cf_frame	 defaults;	/* once read */
	int		 defaults_line;	/* its "{", 0 if there is none */
	int		(*tlines)[KEY_NUM]; /* the keys each target set */
	size_t		 cap;		/* of conf->targets and tlines */
	int		(*slines)[KEY_NUM]; /* the keys each sink set */
	size_t		 scap;		/* of conf->sinks and slines */
	cfg_opt_t	 top_opts[KEY_NUM + 4];
	cfg_opt_t	 defaults_opts[KEY_NUM + 2];
	cfg_opt_t	 target_opts[KEY_NUM + 2];
	cfg_opt_t	 sink_opts[KEY_NUM + 2];
};

static void	target_conf_clear(struct target_conf *);
static void	sink_conf_clear(struct sink_conf *);

static struct cf_parse *
cf_current(void)
{
	struct confparse *cp = confparse_current();

	return cp != NULL ? cp->owner : NULL;
}

static int __attribute__((format(printf, 3, 4)))
cf_error(struct cf_parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	confparse_verror(&p->cp, line, fmt, ap);
	va_end(ap);
	return -1;
}

static int
cf_keyid(const char *name)
{
	int	 i;

	for (i = 0; i < KEY_NUM; i++)
		if (strcmp(cf_keys[i].name, name) == 0)
			return i;
	return -1;
}

/* Where cfg is: IN_TOP, IN_DEFAULTS, IN_TARGET or IN_SINK. */
static unsigned
cf_where(struct cf_parse *p, cfg_t *cfg)
{
	if (cfg == p->root)
		return IN_TOP;
	if (cfg->name != NULL && strcmp(cfg->name, "defaults") == 0)
		return IN_DEFAULTS;
	if (cfg->name != NULL && strcmp(cfg->name, "sink") == 0)
		return IN_SINK;
	return IN_TARGET;
}

/* "uri, user, ..., enabled": the keys that may be set in where. */
static const char *
cf_key_list(unsigned where, char *buf, size_t len)
{
	size_t	 o = 0;
	int	 i;

	if (where == IN_SINK) {
		snprintf(buf, len, "%s", cf_sink_keys);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < KEY_NUM && o < len; i++)
		if (cf_keys[i].in & where)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? ", " : "", cf_keys[i].name);
	return buf;
}

static int
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
static int
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
static int
cf_path(struct cf_parse *p, int line, const char *name, const char *value,
    char **dst)
{
	if (confparse_text(&p->cp, line, name, value, PATH_MAX - 1) == -1)
		return -1;
	if ((*dst = confparse_path(p->cp.file, value)) == NULL)
		return cf_error(p, line, "out of memory");
	return 0;
}

/* A top-level value, into the config. */
static int
cf_top_value(struct cf_parse *p, int id, int line, const char *value)
{
	struct sc_config *c = p->conf;
	char		 q[CONFPARSE_QUOTE], host[INET6_ADDRSTRLEN];
	unsigned	 port;
	long		 n;
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
			    "in 127.0.0.1:9464 or [::1]:9464), not \"%s\"", q);
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
	}
	return cf_error(p, line, "%s: internal error", cf_keys[id].name);
}

/* A value of a target or of defaults, into tc. */
static int
cf_target_value(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	const char	*name = cf_keys[id].name;
	struct target	 t;
	char		 q[CONFPARSE_QUOTE], e[256], host[INET6_ADDRSTRLEN];
	char		*h;
	unsigned	 port;
	double		 d;
	long		 n;
	int		 v;

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
	case KEY_CA_FILE:
		return cf_path(p, line, name, value, &tc->ca_file);
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
	case KEY_TLS_MIN:
		if ((tc->tls_min = sc_tls_parse_version(value)) == 0)
			return cf_error(p, line, "tls_min: expected \"1.2\" or "
			    "\"1.3\", not \"%s\"", q);
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
	return cf_error(p, line, "%s: internal error", name);
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

/* A value of a sink, into sk. */
static int
cf_sink_value(struct cf_parse *p, int id, int line, const char *value,
    struct sink_conf *sk)
{
	const char	*name = cf_keys[id].name;
	struct httpc_url u;
	char		 q[CONFPARSE_QUOTE], e[256];
	double		 d;
	long		 n;
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
		if (httpc_url_parse(value, &u, e, sizeof(e)) == -1)
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
	return cf_error(p, line, "%s: internal error", name);
}

/*
 * The parse callback of every key: the key must be set once, where it
 * belongs, and its value must be good.
 */
static int
cf_key_cb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct cf_parse	*p = cf_current();
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
	if (confparse_set_once(&p->cp, &f->line[id], cfg->line,
	    opt->name) == -1)
		return -1;
	if (where == IN_TOP)
		return cf_top_value(p, id, cfg->line, value);
	if (where == IN_SINK)
		return cf_sink_value(p, id, cfg->line, value, &f->sk);
	return cf_target_value(p, id, cfg->line, value, &f->tc);
}

static void
cf_frame_clear(struct cf_frame *f)
{
	target_conf_clear(&f->tc);
	sink_conf_clear(&f->sk);
	memset(f, 0, sizeof(*f));
}

/* The last section of opt, which has just closed; NULL with the error. */
static cfg_t *
cf_closed(struct cf_parse *p, cfg_t *parent, cfg_opt_t *opt, unsigned *n)
{
	cfg_t	*sec;

	if ((*n = cfg_opt_size(opt)) == 0 ||
	    (sec = cfg_opt_getnsec(opt, *n - 1)) == NULL) {
		cf_error(p, parent->line, "internal error: lost a section");
		return NULL;
	}
	/* A section with no keys never met the parse callback. */
	if (p->sec.cfg != NULL && p->sec.cfg != sec) {
		cf_error(p, parent->line, "internal error: two sections open");
		return NULL;
	}
	return sec;
}

/* The validate callback of "defaults": it has just closed. */
static int
cf_defaults_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = cf_current();
	cfg_t		*sec;
	unsigned	 n;
	int		 line;

	if (p == NULL || (sec = cf_closed(p, parent, opt, &n)) == NULL)
		return -1;
	line = confparse_at_line(sec);
	if (p->defaults_line != 0)
		return cf_error(p, line, "defaults: given twice (first on line "
		    "%d); put all the defaults in one section",
		    p->defaults_line);
	p->defaults_line = line;
	p->defaults = p->sec;
	memset(&p->sec, 0, sizeof(p->sec));
	cfg_opt_rmnsec(opt, n - 1);
	return 0;
}

/*
 * The validate callback of "target": a target section has just closed.
 * It becomes a struct target_conf and leaves the tree.
 */
static int
cf_target_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = cf_current();
	struct sc_config *c;
	struct target_conf *tc, *v;
	const char	*title;
	char		 q[CONFPARSE_QUOTE];
	int		(*lv)[KEY_NUM];
	cfg_t		*sec;
	size_t		 i, cap;
	unsigned	 n;
	int		 line;

	if (p == NULL || (sec = cf_closed(p, parent, opt, &n)) == NULL)
		return -1;
	c = p->conf;
	line = confparse_at_line(sec);
	title = cfg_title(sec) != NULL ? cfg_title(sec) : "";
	if (cf_label(p, line, "target name", title) == -1)
		return -1;
	for (i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, title) == 0)
			return cf_error(p, line, "target \"%s\": defined twice "
			    "(first on line %d)",
			    confparse_quote(title, q, sizeof(q)),
			    c->targets[i].line);
	if (c->ntargets == p->cap) {
		cap = p->cap ? p->cap * 2 : 8;
		if ((v = reallocarray(c->targets, cap, sizeof(*v))) == NULL)
			return cf_error(p, line, "out of memory");
		c->targets = v;
		if ((lv = reallocarray(p->tlines, cap, sizeof(*lv))) == NULL)
			return cf_error(p, line, "out of memory");
		p->tlines = lv;
		p->cap = cap;
	}
	tc = &c->targets[c->ntargets];
	*tc = p->sec.tc;
	memcpy(p->tlines[c->ntargets], p->sec.line, sizeof(p->sec.line));
	memset(&p->sec, 0, sizeof(p->sec));
	c->ntargets++;
	tc->line = line;
	if ((tc->name = strdup(title)) == NULL)
		return cf_error(p, line, "out of memory");
	cfg_opt_rmnsec(opt, n - 1);
	return 0;
}

/*
 * A sink name: the "sink" label value and part of a file name in
 * state_dir, so letters, digits, '_', '.' and '-' only.
 */
static int
cf_sink_name(struct cf_parse *p, int line, const char *name)
{
	char	 q[CONFPARSE_QUOTE];
	size_t	 n = strlen(name);

	confparse_quote(name, q, sizeof(q));
	if (n == 0)
		return cf_error(p, line, "sink name: must not be empty");
	if (n > CONFIG_SINK_NAME_MAX)
		return cf_error(p, line, "sink name: \"%s\" is longer than %d "
		    "characters", q, CONFIG_SINK_NAME_MAX);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") != n || name[0] == '.' || name[0] == '-')
		return cf_error(p, line, "sink name: \"%s\": only letters, "
		    "digits, '_', '.' and '-', not first '.' or '-' (it names "
		    "a file in state_dir)", confparse_quote_ascii(name, q,
		    sizeof(q)));
	return 0;
}

/* The validate callback of "sink": a sink section has just closed. */
static int
cf_sink_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = cf_current();
	struct sc_config *c;
	struct sink_conf *sk, *v;
	const char	*title;
	int		(*lv)[KEY_NUM];
	cfg_t		*sec;
	size_t		 i, cap;
	unsigned	 n;
	int		 line;

	if (p == NULL || (sec = cf_closed(p, parent, opt, &n)) == NULL)
		return -1;
	c = p->conf;
	line = confparse_at_line(sec);
	title = cfg_title(sec) != NULL ? cfg_title(sec) : "";
	if (cf_sink_name(p, line, title) == -1)
		return -1;
	for (i = 0; i < c->nsinks; i++)
		if (strcmp(c->sinks[i].name, title) == 0)
			return cf_error(p, line, "sink \"%s\": defined twice "
			    "(first on line %d)", title, c->sinks[i].line);
	if (c->nsinks == p->scap) {
		cap = p->scap ? p->scap * 2 : 4;
		if ((v = reallocarray(c->sinks, cap, sizeof(*v))) == NULL)
			return cf_error(p, line, "out of memory");
		c->sinks = v;
		if ((lv = reallocarray(p->slines, cap, sizeof(*lv))) == NULL)
			return cf_error(p, line, "out of memory");
		p->slines = lv;
		p->scap = cap;
	}
	sk = &c->sinks[c->nsinks];
	*sk = p->sec.sk;
	memcpy(p->slines[c->nsinks], p->sec.line, sizeof(p->sec.line));
	/* A target's or defaults' half of the frame is empty here. */
	target_conf_clear(&p->sec.tc);
	memset(&p->sec, 0, sizeof(p->sec));
	c->nsinks++;
	sk->line = line;
	if ((sk->name = strdup(title)) == NULL)
		return cf_error(p, line, "out of memory");
	cfg_opt_rmnsec(opt, n - 1);
	return 0;
}

/*
 * Words libconfuse's messages about keys and sections for this file: an
 * unknown key is told with the keys that may be set there, and a known
 * key in the wrong place with where it belongs.
 */
static int
cf_reword(struct confparse *cp, cfg_t *cfg, int line, enum confparse_msg msg,
    const char *arg)
{
	struct cf_parse	*p = cp->owner;
	char		 q[CONFPARSE_QUOTE], t[CONFPARSE_QUOTE], list[400];
	char		 in[CONFPARSE_QUOTE + 16];
	unsigned	 where;
	int		 id;

	switch (msg) {
	case CONFPARSE_NO_TITLE:
		if (strcmp(arg, "sink") == 0)
			cf_error(p, line, "sink: expected a name, as in sink "
			    "\"am\" { type = \"alertmanager\" }");
		else
			cf_error(p, line, "target: expected a name, as in "
			    "target \"voice-prod\" { }");
		return 1;
	case CONFPARSE_NO_BRACE:
		if (strcmp(arg, "target") == 0)
			cf_error(p, line, "target: expected \"{\" after the "
			    "name, as in target \"voice-prod\" { }");
		else if (strcmp(arg, "sink") == 0)
			cf_error(p, line, "sink: expected \"{\" after the "
			    "name, as in sink \"am\" { type = "
			    "\"alertmanager\" }");
		else if (strcmp(arg, "defaults") == 0)
			cf_error(p, line, "defaults: expected \"{\", as in "
			    "defaults { interval = 30s }");
		else
			return 0;
		return 1;
	case CONFPARSE_UNKNOWN:
		break;
	}
	confparse_quote(arg, q, sizeof(q));
	where = cfg != NULL ? cf_where(p, cfg) : IN_TOP;
	if (where == IN_TARGET || where == IN_SINK)
		snprintf(in, sizeof(in), "%s \"%s\": ", where == IN_SINK ?
		    "sink" : "target", confparse_quote(cfg_title(cfg) != NULL ?
		    cfg_title(cfg) : "", t, sizeof(t)));
	else if (where == IN_DEFAULTS)
		snprintf(in, sizeof(in), "defaults: ");
	else
		in[0] = '\0';
	id = cf_keyid(arg);
	if (where == IN_TOP && id != -1)
		cf_error(p, line, "%s: set it in %s", arg,
		    cf_keys[id].in == IN_SINK ? "a sink" :
		    (cf_keys[id].in & IN_SINK) ? "defaults { }, in a target "
		    "or in a sink" :
		    (cf_keys[id].in & IN_DEFAULTS) ? "defaults { } or in a "
		    "target" : "a target");
	else if (where == IN_TOP)
		cf_error(p, line, "unknown key \"%s\" (expected vantage, "
		    "listen, state_dir, log_format, user, http_auth_file, "
		    "http_tls_cert, http_tls_key, metrics_series_limit, "
		    "defaults, target or sink)",
		    q);
	else if (id != -1 && (cf_keys[id].in & IN_TOP))
		cf_error(p, line, "%s%s can only be set at the top level", in,
		    arg);
	else if (id != -1 && cf_keys[id].in == IN_SINK)
		cf_error(p, line, "%s%s can only be set in a sink", in, arg);
	else if (id != -1 && where == IN_SINK &&
	    (cf_keys[id].in & IN_DEFAULTS))
		cf_error(p, line, "%s%s can only be set in defaults { } or in "
		    "a target", in, arg);
	else if (id != -1)
		cf_error(p, line, "%s%s can only be set in a target", in, arg);
	else if (strcmp(arg, "target") == 0 || strcmp(arg, "defaults") == 0 ||
	    strcmp(arg, "sink") == 0)
		cf_error(p, line, "%s%s { } can only be at the top level", in,
		    arg);
	else
		cf_error(p, line, "%sunknown key \"%s\" (%s takes %s)", in, q,
		    where == IN_TARGET ? "a target" : where == IN_SINK ?
		    "a sink" : "defaults",
		    cf_key_list(where, list, sizeof(list)));
	return 1;
}

static void
cf_opts_init(struct cf_parse *p)
{
	cfg_opt_t	*o[4] = {
		p->top_opts, p->defaults_opts, p->target_opts, p->sink_opts
	};
	const unsigned	 in[4] = { IN_TOP, IN_DEFAULTS, IN_TARGET, IN_SINK };
	size_t		 n[4] = { 0, 0, 0, 0 };
	int		 i, j;

	for (j = 0; j < 4; j++)
		for (i = 0; i < KEY_NUM; i++)
			if (cf_keys[i].in & in[j])
				o[j][n[j]++] = (cfg_opt_t)CFG_STR_CB(
				    cf_keys[i].name, NULL, CFGF_NODEFAULT,
				    cf_key_cb);
	o[1][n[1]++] = confparse_at_opt();
	o[2][n[2]++] = confparse_at_opt();
	o[3][n[3]++] = confparse_at_opt();
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("defaults", p->defaults_opts,
	    CFGF_MULTI);
	o[0][n[0]++].validcb = cf_defaults_end;
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("target", p->target_opts,
	    CFGF_MULTI | CFGF_TITLE);
	o[0][n[0]++].validcb = cf_target_end;
	o[0][n[0]] = (cfg_opt_t)CFG_SEC("sink", p->sink_opts,
	    CFGF_MULTI | CFGF_TITLE);
	o[0][n[0]++].validcb = cf_sink_end;
	for (j = 0; j < 4; j++)
		o[j][n[j]] = (cfg_opt_t)CFG_END();
}

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
	CF_INHERIT(KEY_ALLOW_MIXED_CERTS, allow_mixed_certs, 0);
	CF_INHERIT(KEY_ENABLED, enabled, 1);
	CF_INHERIT(KEY_INSECURE_SKIP_VERIFY, insecure_skip_verify, 0);
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
	if (l[KEY_USER] == 0)
		return 0;
	if (l[KEY_PASSWORD_FILE] != 0) {
		if ((tc->password = secret_read_file(tc->password_file, 0, e,
		    sizeof(e))) == NULL)
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

/*
 * The secret in a sink's routing_key_file or token_file.  secret.c words
 * its messages for password files; what is wrong is said of this file.
 */
static int
cf_sink_secret(struct cf_parse *p, struct sink_conf *sk, int line,
    const char *key, const char *what)
{
	char		 e[512], m[600];
	const char	*pw;
	size_t		 o;

	if ((sk->secret = secret_read_file(sk->secret_file, 0, e,
	    sizeof(e))) != NULL)
		return 0;
	if ((pw = strstr(e, "password file")) != NULL) {
		o = (size_t)(pw - e);
		snprintf(m, sizeof(m), "%.*s%s%s", (int)o, e, what,
		    pw + strlen("password file"));
	} else
		snprintf(m, sizeof(m), "%s", e);
	return cf_error(p, line, "%s: %s", key, m);
}

/* A sink, once the whole file is read: the rules between its keys. */
static int
cf_sink_finish(struct cf_parse *p, struct sink_conf *sk, const int *l)
{
	struct httpc_url u;
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
	if (httpc_url_parse(sk->url, &u, e, sizeof(e)) == -1)
		return cf_error(p, l[KEY_URL], "url: %s", e);
	if (sk->type != SINK_WEBHOOK && strchr(u.path, '?') != NULL)
		return cf_error(p, l[KEY_URL], "url: no query (?...) for %s "
		    "sinks: give the base URL; the API path is appended",
		    tname);
	/* A secret in clear text on a network is a leaked secret. */
	if (sk->secret_file != NULL && !u.tls && !httpc_url_loopback(&u))
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

/* The top level, once the whole file is read. */
static int
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
	for (i = 0; i < c->ntargets; i++)
		if (cf_target_finish(p, &c->targets[i], p->tlines[i]) == -1)
			return -1;
	for (i = 0; i < c->nsinks; i++)
		if (cf_sink_finish(p, &c->sinks[i], p->slines[i]) == -1)
			return -1;
	return 0;
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
	if (p->root != NULL)
		cfg_free(p->root);
	confparse_end(&p->cp);
	free(p);
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

static void
target_conf_clear(struct target_conf *tc)
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
	memset(tc, 0, sizeof(*tc));
}

static void
sink_conf_clear(struct sink_conf *sk)
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
		target_conf_clear(&c->targets[i]);
	free(c->targets);
	for (i = 0; i < c->nsinks; i++)
		sink_conf_clear(&c->sinks[i]);
	free(c->sinks);
	free(c->path);
	free(c->vantage);
	free(c->listen);
	free(c->state_dir);
	free(c->run_user);
	free(c->http_auth_file);
	free(c->http_tls_cert);
	free(c->http_tls_key);
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
	if (a == NULL || b == NULL)
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
	    a->tls_min == b->tls_min &&
	    a->allow_mixed_certs == b->allow_mixed_certs &&
	    a->insecure_skip_verify == b->insecure_skip_verify &&
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
	const char	*end, *ps;
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 hlen;
	unsigned long	 v;
	int		 af;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		s++;
		hlen = (size_t)(end - s);
		ps = end + 1;
		af = AF_INET6;
	} else {
		hlen = strcspn(s, ":");
		ps = s + hlen;
		af = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(buf) || hlen >= hostlen)
		return -1;
	memcpy(buf, s, hlen);
	buf[hlen] = '\0';
	if (inet_pton(af, buf, addr) != 1)
		return -1;
	if (*ps == '\0') {
		if (defport == 0)
			return -1;
		v = defport;
	} else {
		/* Digits only: strtoul() would take a sign and spaces. */
		if (*ps++ != ':' || *ps == '\0' || strlen(ps) > 5 ||
		    strspn(ps, "0123456789") != strlen(ps))
			return -1;
		v = strtoul(ps, NULL, 10);
		if (v == 0 || v > 65535)
			return -1;
	}
	memcpy(host, buf, hlen + 1);
	*port = (unsigned)v;
	return 0;
}
