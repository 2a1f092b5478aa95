/*
 * profile_opts.c - the TLS client profile options of check and certs
 * (profile_opts.h): --profile NAME -c FILE reuses what the daemon probes
 * as, and every profile key has an option that overrides it, so that an
 * on-call engineer can ask "would a desk phone of 2019 connect?" without
 * writing a config.  The values are checked here as the config checks
 * them: a cipher list OpenSSL cannot use is a usage error, not a probe
 * failure, and the client key must be a private file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/profile_opts.h"
#include "common/suggest.h"
#include "conf/secret.h"

/* A TLS list option, checked as the config checks its key. */
static int
profile_tls_string(int ch, const char *arg, const char **dst, char *err,
    size_t errlen)
{
	char		 e[400];
	const char	*name = ch == PROFILE_OPT_CIPHERS ? "ciphers" :
			    ch == PROFILE_OPT_CIPHERSUITES ? "ciphersuites" :
			    ch == PROFILE_OPT_GROUPS ? "groups" : "sigalgs";

	if (profile_check_tls_list(name, arg, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "--%s: %s", name, e);
		return -1;
	}
	*dst = arg;
	return 1;
}

int
cli_profile_option(struct cli_profile *cp, int ch, const char *arg,
    char *err, size_t errlen)
{
	switch (ch) {
	case PROFILE_OPT_CONFIG:
		cp->config = arg;
		return 1;
	case PROFILE_OPT_PROFILE:
		cp->name = arg;
		return 1;
	case PROFILE_OPT_TLS_MAX:
		if ((cp->tls_max = sc_tls_parse_version(arg)) == 0) {
			snprintf(err, errlen, "--tls-max takes 1.2 or 1.3, not "
			    "\"%s\"", arg);
			return -1;
		}
		return 1;
	case PROFILE_OPT_CIPHERS:
		return profile_tls_string(ch, arg, &cp->ciphers, err, errlen);
	case PROFILE_OPT_CIPHERSUITES:
		return profile_tls_string(ch, arg, &cp->ciphersuites, err,
		    errlen);
	case PROFILE_OPT_GROUPS:
		return profile_tls_string(ch, arg, &cp->groups, err, errlen);
	case PROFILE_OPT_SIGALGS:
		return profile_tls_string(ch, arg, &cp->sigalgs, err, errlen);
	case PROFILE_OPT_NO_SNI:
		cp->no_sni = 1;
		return 1;
	case PROFILE_OPT_CA_DIR:
		cp->ca_dir = arg;
		return 1;
	case PROFILE_OPT_CLIENT_CERT:
		cp->client_cert = arg;
		return 1;
	case PROFILE_OPT_CLIENT_KEY:
		cp->client_key = arg;
		return 1;
	}
	return 0;
}

/* The profile called cp->name in cp->conf, with "did you mean". */
static int
profile_find(struct cli_profile *cp, char *err, size_t errlen)
{
	char	 names[1024], near[256];
	size_t	 i, o = 0;

	if ((cp->pf = config_profile(cp->conf, cp->name)) != NULL)
		return 0;
	names[0] = '\0';
	for (i = 0; i < cp->conf->nprofiles; i++)
		o += (size_t)snprintf(names + o, o < sizeof(names) ?
		    sizeof(names) - o : 0, "%s%s", i ? ", " : "",
		    cp->conf->profiles[i].name);
	if (cp->conf->nprofiles == 0)
		snprintf(err, errlen, "--profile %s: %s defines no profile",
		    cp->name, cp->config);
	else if (suggest_from_list(cp->name, names, near, sizeof(near)) !=
	    NULL)
		snprintf(err, errlen, "--profile %s: no such profile in %s "
		    "(did you mean %s?)", cp->name, cp->config, near);
	else
		snprintf(err, errlen, "--profile %s: no such profile in %s "
		    "(it has %s)", cp->name, cp->config, names);
	return -1;
}

int
cli_profile_load(struct cli_profile *cp, char *err, size_t errlen)
{
	const char	*key;
	char		 e[512];

	if (cp->name != NULL && cp->config == NULL) {
		snprintf(err, errlen, "--profile needs -c FILE (the "
		    "sipcanary.conf that defines it)");
		return -1;
	}
	if (cp->config != NULL && cp->name == NULL) {
		snprintf(err, errlen, "-c FILE needs --profile NAME (which of "
		    "its profiles to probe as)");
		return -1;
	}
	if (cp->client_key != NULL && cp->client_cert == NULL) {
		snprintf(err, errlen, "--client-key needs --client-cert");
		return -1;
	}
	if (cp->config != NULL) {
		if ((cp->conf = config_load(cp->config, e, sizeof(e))) ==
		    NULL) {
			snprintf(err, errlen, "%s", e);
			return -1;
		}
		if (profile_find(cp, err, errlen) == -1)
			return -1;
	}
	/* The key, or the certificate file holding it: a secret file. */
	key = cp->client_key != NULL ? cp->client_key : cp->client_cert;
	if (key != NULL && secret_check_file(key, "client key",
	    secret_owner(NULL), SECRET_PRIVATE, err, errlen) == -1)
		return -1;
	return 0;
}

void
cli_profile_tls(const struct cli_profile *cp, const char *ca_file,
    int tls_min, struct sc_tls_opts *o)
{
	profile_tls_opts(cp->pf, NULL, o);
	if (cp->pf == NULL || cp->tls_min_given || o->min_version == 0)
		o->min_version = tls_min;
	if (ca_file != NULL || cp->ca_dir != NULL) {
		o->ca_file = ca_file;
		o->ca_dir = cp->ca_dir;
	}
#define PROFILE_OVERRIDE(f)	do { if (cp->f) o->f = cp->f; } while (0)
	PROFILE_OVERRIDE(ciphers);
	PROFILE_OVERRIDE(ciphersuites);
	PROFILE_OVERRIDE(groups);
	PROFILE_OVERRIDE(sigalgs);
	PROFILE_OVERRIDE(no_sni);
#undef PROFILE_OVERRIDE
	if (cp->tls_max != 0)
		o->max_version = cp->tls_max;
	if (cp->client_cert != NULL) {
		o->client_cert = cp->client_cert;
		o->client_key = cp->client_key;
	}
}

int
cli_profile_revocation(const struct cli_profile *cp, int policy)
{
	if (cp->revocation_given || cp->pf == NULL || !cp->pf->has_revocation)
		return policy;
	return cp->pf->revocation;
}

const char *
cli_profile_name(const struct cli_profile *cp)
{
	return cp->name;
}

void
cli_profile_free(struct cli_profile *cp)
{
	if (cp == NULL)
		return;
	config_free(cp->conf);
	cp->conf = NULL;
	cp->pf = NULL;
}
