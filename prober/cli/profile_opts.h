/*
 * profile_opts.h - the TLS client profile options of check and certs:
 * --profile NAME with -c FILE (a profile of sipcanary.conf(5)), and each
 * profile key as an option of its own (--tls-max, --ciphers, --no-sni,
 * --client-cert, ...), which override the profile's.
 */
#ifndef SC_CLI_PROFILE_OPTS_H
#define SC_CLI_PROFILE_OPTS_H

#include <stddef.h>

#include "conf/conf.h"
#include "sipcanary.h"

enum profile_opt {
	PROFILE_OPT_CONFIG = 'c',
	PROFILE_OPT_PROFILE = 1100,
	PROFILE_OPT_TLS_MAX,
	PROFILE_OPT_CIPHERS,
	PROFILE_OPT_CIPHERSUITES,
	PROFILE_OPT_GROUPS,
	PROFILE_OPT_SIGALGS,
	PROFILE_OPT_NO_SNI,
	PROFILE_OPT_CA_DIR,
	PROFILE_OPT_CLIENT_CERT,
	PROFILE_OPT_CLIENT_KEY
};

#define PROFILE_LONGOPTS						\
	{ "config",	required_argument, NULL, PROFILE_OPT_CONFIG },	\
	{ "profile",	required_argument, NULL, PROFILE_OPT_PROFILE },	\
	{ "tls-max",	required_argument, NULL, PROFILE_OPT_TLS_MAX },	\
	{ "ciphers",	required_argument, NULL, PROFILE_OPT_CIPHERS },	\
	{ "ciphersuites", required_argument, NULL, PROFILE_OPT_CIPHERSUITES }, \
	{ "groups",	required_argument, NULL, PROFILE_OPT_GROUPS },	\
	{ "sigalgs",	required_argument, NULL, PROFILE_OPT_SIGALGS },	\
	{ "no-sni",	no_argument,	   NULL, PROFILE_OPT_NO_SNI },	\
	{ "ca-dir",	required_argument, NULL, PROFILE_OPT_CA_DIR },	\
	{ "client-cert", required_argument, NULL, PROFILE_OPT_CLIENT_CERT }, \
	{ "client-key",	required_argument, NULL, PROFILE_OPT_CLIENT_KEY }

/* Their lines of check's and certs' --help. */
#define PROFILE_HELP							\
"  --tls-max 1.2|1.3       highest TLS version to offer\n"		\
"  --ciphers LIST          TLS 1.2 cipher list (OpenSSL names)\n"	\
"  --ciphersuites LIST     TLS 1.3 suites\n"				\
"  --groups LIST           key exchange groups (X25519:P-256)\n"	\
"  --sigalgs LIST          signature algorithms (RSA+SHA256:ECDSA+SHA256)\n" \
"  --no-sni                send no server name (SNI)\n"			\
"  --ca-dir DIR            trust the CAs of this hashed directory\n"	\
"  --client-cert FILE      client certificate (PEM, with its chain)\n"	\
"  --client-key FILE       its key (mode 0600; default: in --client-cert)\n" \
"  -c, --config FILE       sipcanary.conf holding the --profile\n"	\
"  --profile NAME          probe as this profile of -c FILE (its TLS\n"	\
"                          knobs, trust store, client certificate and\n" \
"                          account); the options above override it\n"

/* What the command line says; the profile, once loaded. */
struct cli_profile {
	const char	*config;	/* -c FILE */
	const char	*name;		/* --profile NAME */
	int		 tls_min_given;	/* --tls-min overrides the profile */
	int		 revocation_given; /* --revocation overrides it too */
	int		 tls_max;
	const char	*ciphers;
	const char	*ciphersuites;
	const char	*groups;
	const char	*sigalgs;
	int		 no_sni;
	const char	*ca_dir;
	const char	*client_cert;
	const char	*client_key;
	struct sc_config *conf;		/* loaded from config, or NULL */
	const struct profile_conf *pf;	/* in conf, or NULL */
};

/* One option: 1 handled, 0 not one of these, -1 bad value (err). */
int	 cli_profile_option(struct cli_profile *, int ch, const char *arg,
	    char *err, size_t errlen);

/*
 * Once the options are read: loads the config and finds the profile
 * (--profile needs -c, "did you mean" for a mistyped name), and checks
 * the client key as a secret file.  0, or -1 with err.
 */
int	 cli_profile_load(struct cli_profile *, char *err, size_t errlen);

/*
 * The library's TLS options: the profile's, then the command line's
 * over them (ca_file and tls_min as the common options give them).
 */
void	 cli_profile_tls(const struct cli_profile *, const char *ca_file,
	    int tls_min, struct sc_tls_opts *);

/*
 * The revocation policy to probe with: --revocation when given (policy),
 * else the profile's revocation = when it sets one, else policy (the
 * default).
 */
int	 cli_profile_revocation(const struct cli_profile *, int policy);

/* The profile's name for reports: --profile, or NULL. */
const char *cli_profile_name(const struct cli_profile *);

/* Frees the loaded config (and wipes its secrets); accepts NULL. */
void	 cli_profile_free(struct cli_profile *);

#endif /* SC_CLI_PROFILE_OPTS_H */
