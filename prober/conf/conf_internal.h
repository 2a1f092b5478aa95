/*
 * conf_internal.h - what the files of the sipcanary.conf(5) parser share,
 * and nothing else includes: the keys and where each may be set, the
 * state of a parse, and the steps that conf.c calls in turn.
 *
 *   conf.c		loading, freeing and comparing configs; the key
 *			table and libconfuse's option tables
 *   conf_values.c	the parse callback of every key: each value checked
 *			and converted while the lexer is on its line
 *   conf_sections.c	the sections (defaults, target, sink) as they close,
 *			and the wording of libconfuse's messages
 *   conf_check.c	once the file is read: inheritance from defaults and
 *			the built-in defaults, the rules between keys, secrets
 *   conf_profile.c	TLS client profiles: their keys and section, the
 *			targets' profiles lists, their secrets and files
 */
#ifndef SC_CONF_INTERNAL_H
#define SC_CONF_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include <confuse.h>

#include "conf/conf.h"
#include "conf/confparse.h"

/* Where a key may be set. */
#define IN_TOP		0x1
#define IN_DEFAULTS	0x2
#define IN_TARGET	0x4
#define IN_SINK		0x8
#define IN_PROFILE	0x10

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
	KEY_HTTP_MAX_CONNECTIONS,
	KEY_HTTP_MAX_PER_SOURCE,
	KEY_HTTP_HEADER_TIMEOUT,
	KEY_TLS_MAX,
	KEY_CIPHERS,
	KEY_CIPHERSUITES,
	KEY_GROUPS,
	KEY_SIGALGS,
	KEY_SNI,
	KEY_CA_DIR,
	KEY_CLIENT_CERT,
	KEY_CLIENT_KEY,
	KEY_PROFILES,
	KEY_KEYLOG_FILE,
	KEY_HEP,
	KEY_HEP_ID,
	KEY_HEP_PASSWORD_FILE,
	KEY_TRANSPORT,
	KEY_WS_PATH,
	KEY_ORIGIN,
	KEY_ALIVE_STATUSES,
	KEY_SCENARIO,
	KEY_FLOW_SCENARIO,
	KEY_HTTP_PROBE_OPEN,
	KEY_METRICS_DETAIL,
	KEY_REVOCATION,
	KEY_REVOCATION_CACHE_MIN,
	KEY_CRL_MAX_SIZE,
	KEY_NUM
};

struct cf_keydef {
	const char	*name;
	unsigned	 in;		/* IN_* */
};

/* The order is that of the lists in messages and of sipcanary.conf(5). */
extern const struct cf_keydef cf_keys[KEY_NUM];

/* Indexed by enum sink_type. */
extern const char *const cf_sink_types[SINK_WEBHOOK + 1];

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
	struct profile_conf pf;
};

/* One parse of a config file: what is built, and what is remembered. */
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
	uid_t		 secret_owner;	/* secret files may be its or root's */
	size_t		 scap;		/* of conf->sinks and slines */
	int		(*plines)[KEY_NUM]; /* the keys each profile set */
	size_t		 pcap;		/* of conf->profiles and plines */
	cfg_opt_t	 top_opts[KEY_NUM + 5];
	cfg_opt_t	 defaults_opts[KEY_NUM + 2];
	cfg_opt_t	 target_opts[KEY_NUM + 2];
	cfg_opt_t	 sink_opts[KEY_NUM + 2];
	cfg_opt_t	 profile_opts[KEY_NUM + 2];
};

/* confparse_error() for this parse: the first error only, with its line. */
#define cf_error(p, ...)	confparse_error(&(p)->cp, __VA_ARGS__)

/* conf.c */
int		 cf_keyid(const char *name);

/* What a group of keys returns for a key of another group. */
#define CF_OTHER_GROUP	1

/* conf_scenarios.c: scenario and flow_scenario; or CF_OTHER_GROUP */
int		 cf_target_scenario(struct cf_parse *, int id, int line,
		    const char *value, struct target_conf *);
/* Each target's scenarios load: -1 with "CONF:LINE: KEY: FILE:LINE: ..." */
int		 config_check_scenarios(const struct sc_config *, char *err,
		    size_t errlen);
void		 cf_target_clear(struct target_conf *);
void		 cf_sink_clear(struct sink_conf *);

/* conf_values.c */
int		 cf_key_cb(cfg_t *cfg, cfg_opt_t *opt, const char *value,
		    void *result);
int		 cf_strdup(struct cf_parse *, int line, char **dst,
		    const char *s);
int		 cf_label(struct cf_parse *, int line, const char *what,
		    const char *value);

/* conf_sections.c */
unsigned	 cf_where(struct cf_parse *, cfg_t *cfg);
void		 cf_frame_clear(struct cf_frame *);
int		 cf_defaults_end(cfg_t *parent, cfg_opt_t *opt);
int		 cf_target_end(cfg_t *parent, cfg_opt_t *opt);
int		 cf_sink_end(cfg_t *parent, cfg_opt_t *opt);
int		 cf_reword(struct confparse *, cfg_t *cfg, int line,
		    enum confparse_msg, const char *arg);
/*
 * A kind of named section, for cf_named_end(): where its entries go (the
 * vector at vec, each size bytes, with its count, key lines and
 * capacity, first entries at first), the frame's half that becomes one
 * (half), and where an entry holds its name and line.
 */
struct cf_named {
	const char	*what;		/* "target", in messages */
	int		(*name_ok)(struct cf_parse *, int line,
			    const char *title);	/* -1 with the error */
	void		*vec;		/* &conf->targets */
	size_t		 size;
	size_t		*count;
	int		(**lines)[KEY_NUM];
	size_t		*cap;
	size_t		 first;
	void		*half;		/* &p->sec.tc */
	size_t		 name_off;	/* of its char *name */
	size_t		 line_off;	/* of its int line */
};
int		 cf_named_end(struct cf_parse *, cfg_t *parent, cfg_opt_t *opt,
		    const struct cf_named *);

/* conf_profile.c */
int		 cf_profile_value(struct cf_parse *, int id, int line,
		    const char *value, struct profile_conf *);
int		 cf_profiles_value(struct cf_parse *, cfg_t *cfg,
		    cfg_opt_t *opt, const char *value, struct cf_frame *);
int		 cf_profile_end(cfg_t *parent, cfg_opt_t *opt);
int		 cf_profiles_finish(struct cf_parse *);
void		 cf_profile_clear(struct profile_conf *);
int		 profile_conf_same(const struct profile_conf *,
		    const struct profile_conf *);
int		 cf_path(struct cf_parse *, int line, const char *name,
		    const char *value, char **dst);

/* conf_check.c */
int		 cf_finish(struct cf_parse *);

#endif /* SC_CONF_INTERNAL_H */
