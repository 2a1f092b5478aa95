/*
 * conf_profile.c - TLS client profiles in sipcanary.conf(5):
 *
 *	profile "desk-2019" { tls_max = 1.2  ciphers = "..."  sni = no }
 *	target "voice" { uri = "sips:..."  profiles = { "modern", "desk-2019" } }
 *
 * A profile is one client population of the fleet: the TLS versions,
 * ciphers, groups and signature algorithms it speaks, whether it sends
 * SNI, the trust store it ships with, its client certificate, and the
 * account it registers with.  This file owns the profile keys (each
 * value checked while the lexer is on its line: a cipher string OpenSSL
 * cannot use is an error at load, not at the first probe), the section
 * as it closes, the targets' profiles lists (every name must be a
 * profile, with "did you mean"), the profile's secrets (the password and
 * the client key keep the rule of secret files, secret.c), and the files
 * that `run -n` checks (config_check_profiles).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "common/suggest.h"
#include "conf/conf_internal.h"
#include "conf/confparse.h"
#include "conf/secret.h"
#include "sipcanary.h"

void
cf_profile_clear(struct profile_conf *pf)
{
	free(pf->name);
	free(pf->ciphers);
	free(pf->ciphersuites);
	free(pf->groups);
	free(pf->sigalgs);
	free(pf->ca_file);
	free(pf->ca_dir);
	free(pf->client_cert);
	free(pf->client_key);
	free(pf->user);
	free(pf->password_file);
	secret_free(pf->password);
	memset(pf, 0, sizeof(*pf));
}

int
profile_check_tls_list(const char *key, const char *value, char *err,
    size_t errlen)
{
	struct sc_tls_opts o;
	void		*ctx;

	memset(&o, 0, sizeof(o));
	*(strcmp(key, "ciphers") == 0 ? &o.ciphers :
	    strcmp(key, "ciphersuites") == 0 ? &o.ciphersuites :
	    strcmp(key, "groups") == 0 ? &o.groups : &o.sigalgs) = value;
	/* A trust store is needed for no key here: skip the system's. */
	o.ca_dir = "/";
	if ((ctx = sc_tls_ctx_new_opts(&o, err, errlen)) == NULL)
		return -1;
	sc_tls_ctx_free(ctx);
	return 0;
}

/* A cipher, suite, group or sigalgs list, checked (see above). */
static int
cf_profile_tls_string(struct cf_parse *p, int id, int line,
    const char *value, char **dst)
{
	char		 e[400];

	if (confparse_text(&p->cp, line, cf_keys[id].name, value, 2048) == -1)
		return -1;
	if (profile_check_tls_list(cf_keys[id].name, value, e, sizeof(e)) ==
	    -1)
		return cf_error(p, line, "%s: %s", cf_keys[id].name, e);
	return cf_strdup(p, line, dst, value);
}

int
cf_profile_value(struct cf_parse *p, int id, int line, const char *value,
    struct profile_conf *pf)
{
	const char	*name = cf_keys[id].name;
	char		 q[CONFPARSE_QUOTE];
	int		 v;

	confparse_quote(value, q, sizeof(q));
	switch (id) {
	case KEY_TLS_MIN:
	case KEY_TLS_MAX:
		if ((v = sc_tls_parse_version(value)) == 0)
			return cf_error(p, line, "%s: expected \"1.2\" or "
			    "\"1.3\", not \"%s\"", name, q);
		*(id == KEY_TLS_MIN ? &pf->tls_min : &pf->tls_max) = v;
		return 0;
	case KEY_CIPHERS:
		return cf_profile_tls_string(p, id, line, value, &pf->ciphers);
	case KEY_CIPHERSUITES:
		return cf_profile_tls_string(p, id, line, value,
		    &pf->ciphersuites);
	case KEY_GROUPS:
		return cf_profile_tls_string(p, id, line, value, &pf->groups);
	case KEY_SIGALGS:
		return cf_profile_tls_string(p, id, line, value, &pf->sigalgs);
	case KEY_SNI:
		if (confparse_bool(&p->cp, line, name, value, &v) == -1)
			return -1;
		pf->no_sni = !v;
		return 0;
	case KEY_CA_FILE:
		return cf_path(p, line, name, value, &pf->ca_file);
	case KEY_CA_DIR:
		return cf_path(p, line, name, value, &pf->ca_dir);
	case KEY_CLIENT_CERT:
		return cf_path(p, line, name, value, &pf->client_cert);
	case KEY_CLIENT_KEY:
		return cf_path(p, line, name, value, &pf->client_key);
	case KEY_PASSWORD_FILE:
		return cf_path(p, line, name, value, &pf->password_file);
	case KEY_USER:
		if (confparse_sip_user(&p->cp, line, name, value,
		    CONFIG_USER_MAX) == -1)
			return -1;
		return cf_strdup(p, line, &pf->user, value);
	}
	return cf_error(p, line, "%s: internal error", name);
}

/*
 * One element of a target's profiles = { "a", "b" }: libconfuse calls
 * once per element, the list holding the elements so far, so the first
 * element of a setting is where "set twice" is told.
 */
int
cf_profiles_value(struct cf_parse *p, cfg_t *cfg, cfg_opt_t *opt,
    const char *value, struct cf_frame *f)
{
	struct target_conf *tc = &f->tc;
	char		 q[CONFPARSE_QUOTE];
	char		**v;
	size_t		 i;

	if (cfg_opt_size(opt) <= 1 && confparse_set_once(&p->cp,
	    &f->line[KEY_PROFILES], cfg->line, opt->name) == -1)
		return -1;
	confparse_quote(value, q, sizeof(q));
	if (cf_label(p, cfg->line, "profiles", value) == -1)
		return -1;
	for (i = 0; i < tc->nprofiles; i++)
		if (strcmp(tc->profiles[i], value) == 0)
			return cf_error(p, cfg->line, "profiles: \"%s\" given "
			    "twice", q);
	if ((v = reallocarray(tc->profiles, tc->nprofiles + 1,
	    sizeof(*v))) == NULL)
		return cf_error(p, cfg->line, "out of memory");
	tc->profiles = v;
	if ((v[tc->nprofiles] = strdup(value)) == NULL)
		return cf_error(p, cfg->line, "out of memory");
	tc->nprofiles++;
	tc->profiles_line = f->line[KEY_PROFILES];
	return 0;
}

/* The validate callback of "profile": a profile section has just closed. */
int
cf_profile_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = confparse_owner();
	struct sc_config *c;
	struct profile_conf *pf;
	const char	*title;
	char		 q[CONFPARSE_QUOTE];
	size_t		 i;
	unsigned	 n;
	int		 line;

	if (p == NULL || cf_closed(p, parent, opt, &n, &line, &title) == NULL)
		return -1;
	c = p->conf;
	if (cf_label(p, line, "profile name", title) == -1)
		return -1;
	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, title) == 0)
			return cf_error(p, line, "profile \"%s\": defined twice "
			    "(first on line %d)",
			    confparse_quote(title, q, sizeof(q)),
			    c->profiles[i].line);
	if (cf_grow(p, line, &c->profiles, sizeof(*c->profiles), &p->plines,
	    c->nprofiles, &p->pcap, 4) == -1)
		return -1;
	pf = &c->profiles[c->nprofiles];
	*pf = p->sec.pf;
	memcpy(p->plines[c->nprofiles], p->sec.line, sizeof(p->sec.line));
	/* The target's and sink's halves of the frame are empty here. */
	cf_target_clear(&p->sec.tc);
	cf_sink_clear(&p->sec.sk);
	memset(&p->sec, 0, sizeof(p->sec));
	c->nprofiles++;
	pf->line = line;
	if ((pf->name = strdup(title)) == NULL)
		return cf_error(p, line, "out of memory");
	cfg_opt_rmnsec(opt, n - 1);
	return 0;
}

/* The rules between a profile's keys, and its secrets. */
static int
cf_profile_finish(struct cf_parse *p, struct profile_conf *pf, const int *l)
{
	char		 e[512];
	int		 k;

	if (pf->tls_min != 0 && pf->tls_max != 0 && pf->tls_max < pf->tls_min)
		return cf_error(p, l[KEY_TLS_MAX] > l[KEY_TLS_MIN] ?
		    l[KEY_TLS_MAX] : l[KEY_TLS_MIN], "tls_max must not be "
		    "below tls_min");
	if (l[KEY_CLIENT_KEY] != 0 && l[KEY_CLIENT_CERT] == 0)
		return cf_error(p, l[KEY_CLIENT_KEY], "client_key: set without "
		    "client_cert (the certificate the key belongs to)");
	if (l[KEY_PASSWORD_FILE] != 0 && l[KEY_USER] == 0)
		return cf_error(p, l[KEY_PASSWORD_FILE], "password_file: set "
		    "without user (the user name to register as)");
	if (l[KEY_USER] != 0 && l[KEY_PASSWORD_FILE] == 0)
		return cf_error(p, l[KEY_USER], "user: a profile's user needs "
		    "password_file = FILE");
	if (l[KEY_USER] != 0 && (pf->password = secret_read_file(
	    pf->password_file, "password file", p->secret_owner, 0, e,
	    sizeof(e))) == NULL)
		return cf_error(p, l[KEY_PASSWORD_FILE], "password_file: %s",
		    e);
	/* The key, or the certificate file holding it, is a secret file. */
	if (pf->client_cert != NULL) {
		k = l[KEY_CLIENT_KEY] != 0 ? KEY_CLIENT_KEY : KEY_CLIENT_CERT;
		if (secret_check_file(pf->client_key != NULL ?
		    pf->client_key : pf->client_cert, "client key",
		    p->secret_owner, SECRET_PRIVATE, e, sizeof(e)) == -1)
			return cf_error(p, l[k], "%s: %s", cf_keys[k].name, e);
	}
	for (k = 0; k < KEY_NUM; k++)
		if (l[k] > pf->files_line && k != KEY_USER &&
		    k != KEY_PASSWORD_FILE && k != KEY_SNI)
			pf->files_line = l[k];
	if (pf->files_line == 0)
		pf->files_line = pf->line;
	return 0;
}

/* "a, b or c": the names of the profiles, for "did you mean". */
static void
cf_profile_names(const struct sc_config *c, char *buf, size_t len)
{
	size_t	 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < c->nprofiles; i++)
		confparse_list_add(buf, len, &o, c->profiles[i].name);
}

/* A target's profiles: each one defined. */
static int
cf_target_profiles(struct cf_parse *p, const struct target_conf *tc)
{
	char		 names[1024], near[CONFIG_NAME_MAX * 4 + 1];
	char		 q[CONFPARSE_QUOTE];
	size_t		 i;

	cf_profile_names(p->conf, names, sizeof(names));
	for (i = 0; i < tc->nprofiles; i++) {
		if (config_profile(p->conf, tc->profiles[i]) != NULL)
			continue;
		confparse_quote(tc->profiles[i], q, sizeof(q));
		if (p->conf->nprofiles == 0)
			return cf_error(p, tc->profiles_line, "profiles: no "
			    "profile \"%s\" (define it, as in profile \"%s\" "
			    "{ tls_max = 1.2 })", q, q);
		if (suggest_from_list(tc->profiles[i], names, near,
		    sizeof(near)) != NULL)
			return cf_error(p, tc->profiles_line, "profiles: no "
			    "profile \"%s\" (did you mean %s?)", q, near);
		return cf_error(p, tc->profiles_line, "profiles: no profile "
		    "\"%s\" (the profiles are %s)", q, names);
	}
	return 0;
}

int
cf_profiles_finish(struct cf_parse *p)
{
	struct sc_config *c = p->conf;
	size_t		 i;

	for (i = 0; i < c->nprofiles; i++)
		if (cf_profile_finish(p, &c->profiles[i], p->plines[i]) == -1)
			return -1;
	for (i = 0; i < c->ntargets; i++)
		if (cf_target_profiles(p, &c->targets[i]) == -1)
			return -1;
	return 0;
}

const struct profile_conf *
config_profile(const struct sc_config *c, const char *name)
{
	size_t	 i;

	if (c == NULL || name == NULL)
		return NULL;
	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

void
profile_tls_opts(const struct profile_conf *pf, const struct target_conf *tc,
    struct sc_tls_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (tc != NULL) {
		o->ca_file = tc->ca_file;
		o->min_version = tc->tls_min;
	}
	if (pf == NULL)
		return;
	if (pf->ca_file != NULL || pf->ca_dir != NULL) {
		o->ca_file = pf->ca_file;
		o->ca_dir = pf->ca_dir;
	}
	if (pf->tls_min != 0)
		o->min_version = pf->tls_min;
	o->max_version = pf->tls_max;
	o->ciphers = pf->ciphers;
	o->ciphersuites = pf->ciphersuites;
	o->groups = pf->groups;
	o->sigalgs = pf->sigalgs;
	o->no_sni = pf->no_sni;
	o->client_cert = pf->client_cert;
	o->client_key = pf->client_key;
}

/*
 * For `run -n`, start-up and reloads: every profile's context can be
 * built (trust store, client certificate and key, which must match).
 */
int
config_check_profiles(const struct sc_config *c, char *err, size_t errlen)
{
	struct sc_tls_opts o;
	char		 e[512];
	void		*ctx;
	size_t		 i;

	for (i = 0; i < c->nprofiles; i++) {
		profile_tls_opts(&c->profiles[i], NULL, &o);
		if ((ctx = sc_tls_ctx_new_opts(&o, e, sizeof(e))) == NULL) {
			snprintf(err, errlen, "%s:%d: profile \"%s\": %s",
			    c->path, c->profiles[i].files_line,
			    c->profiles[i].name, e);
			return -1;
		}
		sc_tls_ctx_free(ctx);
	}
	return 0;
}
