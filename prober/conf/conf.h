/*
 * conf.h - sipcanary.conf(5), the configuration of "sipcanary run":
 * loading it into a struct sc_config that the daemon can run as it is,
 * and telling which targets a reload left unchanged.
 *
 * (This is conf.h, not config.h: config.h is autoconf's, and every source
 * file includes it first, from its own directory before any other.)
 */
#ifndef SC_CONF_H
#define SC_CONF_H

#include <stddef.h>
#include <sys/socket.h>

#include "sipcanary.h"

#define CONFIG_MAX_FILE		(1024 * 1024)
#define CONFIG_NAME_MAX		64	/* characters: target names, vantage,
					   owner (all become label values) */
#define CONFIG_USER_MAX		128
#define CONFIG_FLOWS_MAX	64
#define CONFIG_STEP_LABELS_MAX	32	/* different step labels of one
					   target scenario (metric labels) */
#define CONFIG_EXPIRES_MIN	10
#define CONFIG_EXPIRES_MAX	86400
#define CONFIG_DAYS_MAX		3650
#define CONFIG_JITTER		0.1	/* fresh probes run every interval
					   +-10%; fixed, not a key */
#define CONFIG_PASSWORD_ENV	"SIPCANARY_PASSWORD_"
#define CONFIG_ALERT_COUNT_MAX	100	/* for, resolve_after */
#define CONFIG_RUNBOOK_MAX	2048	/* bytes of a runbook_url */
#define CONFIG_URL_MAX		2048	/* bytes of a sink url */
#define CONFIG_SINK_NAME_MAX	64	/* and only [A-Za-z0-9_.-]: it names
					   a file in state_dir */
#define CONFIG_OUTBOX_MAX	1000000	/* entries per sink */
#define CONFIG_SERIES_LIMIT_MIN	100	/* metrics_series_limit bounds */
#define CONFIG_SERIES_LIMIT_MAX	10000000
#define CONFIG_HTTP_CONNS_MAX	65536	/* http_max_connections and
					   ..._per_source */
#define CONFIG_HTTP_HEADER_MAX	300	/* s, http_header_timeout */
#define CONFIG_REVOCATION_CACHE_MAX 86400 /* s, revocation_cache_min */
#define CONFIG_CRL_MAX_SIZE_MAX	(1024.0 * 1024 * 1024) /* bytes, 1 GiB:
					   crl_max_size */
#define CONFIG_MATCH_MAX	6	/* one per alert label */
#define CONFIG_PAGERDUTY_URL	"https://events.pagerduty.com"

enum config_log_format {
	CONFIG_LOG_JSON = 0,
	CONFIG_LOG_LOGFMT
};

/*
 * One target, with the defaults section and the built-in defaults already
 * applied: every field is set.
 */
struct target_conf {
	char		*name;		/* the section title: a label value */
	int		 line;		/* of the section, for messages */
	char		*uri;		/* "sips:DOMAIN", as written */
	char		*user;		/* NULL: no credentials */
	char		*password;	/* read at load, never logged; wiped
					   by config_free(); NULL with user */
	char		*password_file;	/* NULL: from the environment */
	char		*owner;		/* or NULL */
	char		*connect;	/* "host:port" to probe instead of
					   locating, or NULL */
	char		*dns_server;	/* "ip[:port]", or NULL: the system's */
	char		*ca_file;	/* NULL: the system trust store */
	int		 ca_file_line;	/* where it was set (or inherited) */
	double		 interval;	/* seconds between fresh probes */
	double		 timeout;	/* of one fresh probe; < interval */
	double		 keepalive;	/* CRLF keep-alive period of a flow */
	double		 reconnect_every; /* deliberate flow breaks; 0: never */
	unsigned	 flows;		/* persistent flows per frontend */
	unsigned	 expires;	/* requested registration lifetime, s */
	int		 warn_days;	/* cert_expiring WARNING window */
	int		 crit_days;	/* CRITICAL window; <= warn_days */
	int		 tls_min;	/* TLS1_2_VERSION or TLS1_3_VERSION */
	int		 revocation;	/* enum sc_revocation_policy */
	int		 allow_mixed_certs; /* frontends may serve different
					   certificates */
	int		 enabled;	/* 0: loaded and checked, not probed */
	int		 insecure_skip_verify; /* certificate failures do not
					   stop the probe (reported, logged) */
	int		 wss;		/* transport = wss (RFC 7118) */
	char		*ws_path;	/* WSS: the upgrade's path, or NULL */
	char		*origin;	/* WSS: the Origin header, or NULL */
	struct sc_statuses alive_statuses; /* without a user: the answers
					   to OPTIONS that count as alive */
	char		*scenario_file;	/* scenario = FILE, or NULL: the
					   built-in fresh probe */
	char		*scenario_text;	/*   its text, checked at load */
	int		 scenario_line;
	char		*flow_scenario_file; /* flow_scenario = FILE, or NULL:
					   the built-in flow */
	char		*flow_scenario_text;
	int		 flow_scenario_line;
	/* Alert rules (read by the alert engine, not by the probes): */
	char		*runbook_url;	/* or NULL */
	unsigned	 alert_for;	/* "for": failed fresh probes in a row
					   before SipcanaryFrontendDown */
	unsigned	 resolve_after;	/* good results in a row to resolve */
	double		 flap_window;	/* s; 0: no flap damping */
	double		 reconnect_min_ratio; /* 0..1 */
	double		 reconnect_window; /* s */
	/* TLS client profiles (profile "NAME" { }) to probe as, by name: */
	char		**profiles;	/* none: once, with the defaults */
	size_t		 nprofiles;
	int		 profiles_line;
	/*
	 * Set by config_expand_profiles() only: the one profile this
	 * target probes as (owned copy); its name is "TARGET/PROFILE".
	 */
	struct profile_conf *pf;
};

/*
 * One TLS client profile: profile "NAME" { ... }, a client population of
 * the fleet.  0/NULL fields keep the built-in default (defaults.h) or
 * the target's (ca_file, user, revocation).
 */
struct profile_conf {
	char		*name;		/* the section title: a label value */
	int		 line;		/* of the section, for messages */
	int		 tls_min;	/* TLS1_2_VERSION, TLS1_3_VERSION, 0 */
	int		 tls_max;
	char		*ciphers;	/* TLS 1.2 list */
	char		*ciphersuites;	/* TLS 1.3 suites */
	char		*groups;
	char		*sigalgs;
	int		 no_sni;	/* sni = no */
	char		*ca_file;	/* the profile's own trust store */
	char		*ca_dir;
	char		*client_cert;	/* mutual TLS */
	char		*client_key;	/* NULL: in client_cert */
	char		*user;		/* the fleet's own account, or NULL */
	char		*password_file;
	char		*password;	/* read at load; wiped by config_free */
	int		 has_revocation; /* revocation = set: it replaces the
					   target's for this profile's probes */
	int		 revocation;	/* enum sc_revocation_policy */
	int		 files_line;	/* the last of ca_file, ca_dir,
					   client_cert, client_key, ciphers,
					   ...: where `run -n` points */
};

/* Where alert notifications go: sink "NAME" { type = ... }. */
enum sink_type {
	SINK_ALERTMANAGER = 0,
	SINK_PAGERDUTY,
	SINK_WEBHOOK
};

enum sink_format {
	SINK_FORMAT_JSON = 0,
	SINK_FORMAT_SLACK
};

/* One "label=value" of match: an alert label, compared exactly. */
struct sink_match {
	char		*label;		/* alertname, severity, target,
					   frontend, vantage or owner */
	char		*value;		/* may be "" (frontend of a
					   target-level alert) */
};

/*
 * One sink, with the built-in defaults applied: every field is set but
 * the ones said to be NULL.
 */
struct sink_conf {
	char		*name;		/* the section title: the "sink" label
					   and the outbox file name */
	int		 line;		/* of the section, for messages */
	int		 type;		/* enum sink_type */
	char		*url;		/* as written; PagerDuty: the default
					   CONFIG_PAGERDUTY_URL if not set */
	char		*secret_file;	/* routing_key_file (pagerduty) or
					   token_file (webhook), or NULL */
	char		*secret;	/* read at load, never logged; wiped
					   by config_free(); NULL with it */
	int		 format;	/* enum sink_format (webhook) */
	struct sink_match *match;	/* all must hold; none: every alert */
	size_t		 nmatch;
	double		 timeout;	/* of one HTTP request, s */
	char		*ca_file;	/* NULL: the system trust store */
	int		 ca_file_line;	/* where it was set (or inherited) */
	unsigned	 outbox_max;	/* pending entries kept */
	double		 resend_interval; /* alertmanager: re-send while
					   firing, s */
	double		 retry_min;	/* first retry delay, s */
	double		 retry_max;	/* longest retry delay, s */
	int		 enabled;
};

struct sc_config {
	char		*path;		/* the file, as given */
	char		*vantage;	/* the vantage label */
	char		*listen;	/* "ip:port" of /metrics and the page */
	char		*state_dir;	/* absolute */
	int		 log_format;	/* enum config_log_format */
	char		*run_user;	/* top-level "user": drop to it */
	char		*http_auth_file; /* htpasswd-style users, or NULL */
	char		*http_tls_cert;	/* serve HTTPS with these, or NULL */
	char		*http_tls_key;
	unsigned	 metrics_series_limit; /* per family; 0: the default */
	unsigned	 http_max_conns; /* the endpoint's, at once */
	unsigned	 http_max_per_source; /* at once, from one address */
	double		 http_header_timeout; /* a request head, whole, s */
	char		*keylog_file;	/* TLS key log (debugging), or NULL */
	char		*hep;		/* "udp://IP:PORT" collector, or NULL */
	unsigned	 hep_id;	/* HEP capture agent id */
	char		*hep_password_file;
	char		*hep_password;	/* read at load, or NULL */
	int		 http_probe_open; /* probes on demand for anyone, even
					   without http_auth_file */
	int		 metrics_detail; /* per-frontend histograms */
	double		 revocation_cache_min; /* s a CRL/OCSP answer is kept
					   at least */
	size_t		 crl_max_size;	/* bytes: the largest CRL fetched */
	struct target_conf *targets;	/* in file order; at least one */
	size_t		 ntargets;
	struct sink_conf *sinks;	/* in file order; may be none */
	size_t		 nsinks;
	struct profile_conf *profiles;	/* in file order; may be none */
	size_t		 nprofiles;
};

/*
 * Loads the config file at path, and reads the password of every target
 * that has a user.  A relative password_file or ca_file is taken relative
 * to the file's directory.  Returns NULL with a message of the form
 * "FILE:LINE: what was expected" in err if the file cannot be read or is
 * not a config the daemon can run; nothing is logged.
 */
struct sc_config *config_load(const char *path, char *err, size_t errlen);

/*
 * Checks the files the config names that the daemon reads later: each
 * target's ca_file holds at least one certificate.  Returns 0, or -1 with
 * "FILE:LINE: ..." in err.  For `run -n`, start-up and reloads alike.
 */
int		 config_check_files(const struct sc_config *, char *err,
		    size_t errlen);

/*
 * Builds the TLS context of every profile once (trust store, cipher
 * lists, client certificate and its key): 0, or -1 with "FILE:LINE:
 * profile ..." in err.  Part of config_check_files().
 */
int		 config_check_profiles(const struct sc_config *, char *err,
		    size_t errlen);

/*
 * As config_load(), from text in memory (tests, fuzzing).  name stands
 * for the file name, in messages and for relative paths.
 */
struct sc_config *config_load_string(const char *name, const char *text,
		    char *err, size_t errlen);

/* Frees a config and wipes its passwords; accepts NULL. */
void		 config_free(struct sc_config *);

/* The target called name, or NULL. */
const struct target_conf *config_target(const struct sc_config *,
		    const char *name);

/*
 * 1 if a and b probe the same way: same name, URI, credentials (the
 * password itself, not its file), connect, dns_server, ca_file, timings,
 * flows, expires, thresholds, tls_min, allow_mixed_certs, enabled, the
 * profiles list and the profile (pf) it probes as.
 * The line, the owner and the alert rule settings (runbook_url, for,
 * resolve_after, flap_window, reconnect_*) do not count: a reload that
 * only moves a target or changes them keeps its flows.  0 otherwise, or
 * if either is NULL.
 */
int		 target_conf_same(const struct target_conf *,
		    const struct target_conf *);

/* The profile called name, or NULL. */
const struct profile_conf *config_profile(const struct sc_config *,
		    const char *name);

/*
 * The library's TLS options of profile pf (NULL: none) for a target
 * (NULL: no target): the profile's trust store, else the target's
 * ca_file.  The strings stay owned by the config.
 */
struct sc_tls_opts;
void		 profile_tls_opts(const struct profile_conf *pf,
		    const struct target_conf *tc, struct sc_tls_opts *o);

/*
 * For the daemon: every target with profiles = { ... } becomes one
 * target per profile, named "TARGET/PROFILE" (its label value), with
 * pf set and the profile's user and password, and its revocation
 * policy, if it has them; a target without profiles stays as it is.  0, or -1 with err (a name that
 * clashes with a configured target's).
 */
int		 config_expand_profiles(struct sc_config *, char *err,
		    size_t errlen);

/* config_expand_profiles() on a copy, for run -n: 0, or -1 with err. */
int		 config_expand_profiles_check(const struct sc_config *,
		    char *err, size_t errlen);

/* A deep copy of src into dst (pf and profiles too): 0, or -1. */
int		 target_conf_copy(struct target_conf *dst,
		    const struct target_conf *src);
/* Frees what a target_conf owns, wipes its password; dst zeroed. */
void		 target_conf_clear(struct target_conf *);

/*
 * Whether OpenSSL can use value as the TLS list key says ("ciphers",
 * "ciphersuites", "groups" or "sigalgs"), tried on a context of its
 * own: 0, or -1 with the reason in err.  The config and the command
 * line check lists alike.
 */
int		 profile_check_tls_list(const char *key, const char *value,
		    char *err, size_t errlen);

/* The sink called name, or NULL. */
const struct sink_conf *config_sink(const struct sc_config *,
		    const char *name);

/*
 * 1 if a and b deliver the same way: every field but the line (the
 * secret itself counts, not its file).  A reload may keep such a sink,
 * its connection state and its retry timers.  0 otherwise, or if either
 * is NULL.
 */
int		 sink_conf_same(const struct sink_conf *,
		    const struct sink_conf *);

/* "alertmanager", "pagerduty", "webhook"; "?" for anything else. */
const char	*sink_type_str(int);

/*
 * Writes the name of the environment variable that can hold the password
 * of target name: SIPCANARY_PASSWORD_ and the name upper-cased, each
 * character other than an ASCII letter or digit made '_'
 * ("voice-prod" -> SIPCANARY_PASSWORD_VOICE_PROD).  0, or -1 if buf is
 * too small.
 */
int		 config_password_env(const char *name, char *buf, size_t len);

/*
 * Parses "IPv4:port" or "[IPv6]:port" (addresses only: no host names),
 * or the address alone when defport is not 0, by the rules of
 * hostport_parse() (port 0 is refused).  Writes the address without
 * brackets into host.  0, or -1 if s is not one.
 */
int		 config_parse_ipport(const char *s, unsigned defport,
		    char *host, size_t hostlen, unsigned *port);

/*
 * The HEP collector of hep = and --hep: "udp://IP[:PORT]" (conf/hep.c).
 * 0, or -1 with the expected form in err.
 */
struct sockaddr_storage;
int		 config_parse_hep(const char *url, struct sockaddr_storage *,
		    socklen_t *len, char *err, size_t errlen);

#endif /* SC_CONF_H */
