/*
 * conf_profile.c - TLS client profiles in sipcanary.conf(5):
 *
 *	profile "desk-2019" { tls_max = 1.2  ciphers = "..."  sni = no }
 *	target "voice" { uri = "sips:..."  profiles = { "modern", "desk-2019" } }
 *
 * A profile is one client population of the fleet: the TLS versions,
 * ciphers, groups and signature algorithms it speaks, whether it sends
 * SNI, the trust store it ships with, its client certificate, the
 * account it registers with, and how it checks revocation.  This file owns the profile keys (each
 * value checked while the lexer is on its line: a cipher string OpenSSL
 * cannot use is an error at load, not at the first probe), the section
 * as it closes, the targets' profiles lists (every name must be a
 * profile, with "did you mean"), the profile's secrets (the password and
 * the client key keep the rule of secret files, secret.c), and the files
 * that `run -n` checks (config_check_profiles).
 */
#include "config.h"

#include <stddef.h>
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
	case KEY_REVOCATION:
		/* A fleet may check less (or more) than the target says. */
		if ((pf->revocation = sc_revocation_policy_parse(value)) < 0)
			return cf_error(p, line, "revocation: expected auto, "
			    "staple, ocsp, crl or off, not \"%s\"", q);
		pf->has_revocation = 1;
		return 0;
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

static int
cf_profile_name(struct cf_parse *p, int line, const char *title)
{
	return cf_label(p, line, "profile name", title);
}

/* The validate callback of "profile": a profile section has just closed. */
int
cf_profile_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = confparse_owner();
	struct cf_named	 k;

	if (p == NULL)
		return -1;
	k = (struct cf_named){
		.what = "profile", .name_ok = cf_profile_name,
		.vec = &p->conf->profiles, .size = sizeof(*p->conf->profiles),
		.count = &p->conf->nprofiles, .lines = &p->plines,
		.cap = &p->pcap, .first = 4, .half = &p->sec.pf,
		.name_off = offsetof(struct profile_conf, name),
		.line_off = offsetof(struct profile_conf, line),
	};
	return cf_named_end(p, parent, opt, &k);
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
		    k != KEY_PASSWORD_FILE && k != KEY_SNI &&
		    k != KEY_REVOCATION)
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

static int
cf_streq0(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
profile_conf_same(const struct profile_conf *a, const struct profile_conf *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return cf_streq0(a->name, b->name) && a->tls_min == b->tls_min &&
	    a->tls_max == b->tls_max && cf_streq0(a->ciphers, b->ciphers) &&
	    cf_streq0(a->ciphersuites, b->ciphersuites) &&
	    cf_streq0(a->groups, b->groups) &&
	    cf_streq0(a->sigalgs, b->sigalgs) && a->no_sni == b->no_sni &&
	    cf_streq0(a->ca_file, b->ca_file) &&
	    cf_streq0(a->ca_dir, b->ca_dir) &&
	    cf_streq0(a->client_cert, b->client_cert) &&
	    cf_streq0(a->client_key, b->client_key) &&
	    cf_streq0(a->user, b->user) &&
	    cf_streq0(a->password, b->password) &&
	    a->has_revocation == b->has_revocation &&
	    (!a->has_revocation || a->revocation == b->revocation);
}

/* *dst = a copy of src (NULL stays NULL): 0, or -1. */
static int
cf_dup(char **dst, const char *src)
{
	*dst = NULL;
	return src != NULL && (*dst = strdup(src)) == NULL ? -1 : 0;
}

static struct profile_conf *
profile_conf_dup(const struct profile_conf *src)
{
	struct profile_conf *pf;

	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return NULL;
	*pf = *src;
	if (cf_dup(&pf->name, src->name) == -1 ||
	    cf_dup(&pf->ciphers, src->ciphers) == -1 ||
	    cf_dup(&pf->ciphersuites, src->ciphersuites) == -1 ||
	    cf_dup(&pf->groups, src->groups) == -1 ||
	    cf_dup(&pf->sigalgs, src->sigalgs) == -1 ||
	    cf_dup(&pf->ca_file, src->ca_file) == -1 ||
	    cf_dup(&pf->ca_dir, src->ca_dir) == -1 ||
	    cf_dup(&pf->client_cert, src->client_cert) == -1 ||
	    cf_dup(&pf->client_key, src->client_key) == -1 ||
	    cf_dup(&pf->user, src->user) == -1 ||
	    cf_dup(&pf->password_file, src->password_file) == -1 ||
	    cf_dup(&pf->password, src->password) == -1)
		goto fail;
	return pf;
fail:
	/* The pointers not yet copied still point into src: drop them. */
	cf_profile_clear(pf);
	free(pf);
	return NULL;
}

int
target_conf_copy(struct target_conf *dst, const struct target_conf *src)
{
	size_t	 i;

	*dst = *src;
	/* dst owns nothing of src's: a failure half way frees copies only. */
	dst->name = dst->uri = dst->user = dst->password = NULL;
	dst->password_file = dst->owner = dst->connect = NULL;
	dst->dns_server = dst->ca_file = dst->runbook_url = NULL;
	dst->ws_path = dst->origin = NULL;
	dst->scenario_file = dst->scenario_text = NULL;
	dst->flow_scenario_file = dst->flow_scenario_text = NULL;
	dst->profiles = NULL;
	dst->nprofiles = 0;
	dst->pf = NULL;
	if (cf_dup(&dst->ws_path, src->ws_path) == -1 ||
	    cf_dup(&dst->scenario_file, src->scenario_file) == -1 ||
	    cf_dup(&dst->scenario_text, src->scenario_text) == -1 ||
	    cf_dup(&dst->flow_scenario_file, src->flow_scenario_file) == -1 ||
	    cf_dup(&dst->flow_scenario_text, src->flow_scenario_text) == -1 ||
	    cf_dup(&dst->origin, src->origin) == -1 ||
	    cf_dup(&dst->name, src->name) == -1 ||
	    cf_dup(&dst->uri, src->uri) == -1 ||
	    cf_dup(&dst->user, src->user) == -1 ||
	    cf_dup(&dst->password, src->password) == -1 ||
	    cf_dup(&dst->password_file, src->password_file) == -1 ||
	    cf_dup(&dst->owner, src->owner) == -1 ||
	    cf_dup(&dst->connect, src->connect) == -1 ||
	    cf_dup(&dst->dns_server, src->dns_server) == -1 ||
	    cf_dup(&dst->ca_file, src->ca_file) == -1 ||
	    cf_dup(&dst->runbook_url, src->runbook_url) == -1)
		goto fail;
	if (src->pf != NULL && (dst->pf = profile_conf_dup(src->pf)) == NULL)
		goto fail;
	if (src->nprofiles > 0 && (dst->profiles = calloc(src->nprofiles,
	    sizeof(*dst->profiles))) == NULL)
		goto fail;
	for (i = 0; i < src->nprofiles; i++, dst->nprofiles++)
		if (cf_dup(&dst->profiles[i], src->profiles[i]) == -1)
			goto fail;
	return 0;
fail:
	target_conf_clear(dst);
	return -1;
}

void
target_conf_clear(struct target_conf *tc)
{
	cf_target_clear(tc);
}

/*
 * Target tc as profile pf: "NAME/PROFILE", the profile's account and
 * revocation policy.
 */
static int
cf_expand_one(struct target_conf *dst, const struct target_conf *tc,
    const struct profile_conf *pf)
{
	char	*name;

	if (target_conf_copy(dst, tc) == -1)
		return -1;
	while (dst->nprofiles > 0)
		free(dst->profiles[--dst->nprofiles]);
	free(dst->profiles);
	dst->profiles = NULL;
	if (asprintf(&name, "%s/%s", tc->name, pf->name) == -1)
		goto fail;
	free(dst->name);
	dst->name = name;
	if ((dst->pf = profile_conf_dup(pf)) == NULL)
		goto fail;
	if (pf->has_revocation)
		dst->revocation = pf->revocation;
	if (pf->user != NULL) {
		free(dst->user);
		secret_free(dst->password);
		dst->user = dst->password = NULL;
		if ((dst->user = strdup(pf->user)) == NULL ||
		    (dst->password = strdup(pf->password)) == NULL)
			goto fail;
	}
	return 0;
fail:
	target_conf_clear(dst);
	return -1;
}

int
config_expand_profiles(struct sc_config *c, char *err, size_t errlen)
{
	struct target_conf *v;
	size_t		 i, j, n = 0, o = 0, profiled = 0;

	for (i = 0; i < c->ntargets; i++) {
		n += c->targets[i].nprofiles > 0 ? c->targets[i].nprofiles : 1;
		profiled += c->targets[i].nprofiles > 0;
	}
	if (profiled == 0)
		return 0;
	snprintf(err, errlen, "%s: out of memory", c->path);
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	/* Copies, so that a failure leaves the config as it was. */
	for (i = 0; i < c->ntargets; i++) {
		const struct target_conf *tc = &c->targets[i];

		if (tc->nprofiles == 0 && target_conf_copy(&v[o++], tc) == -1)
			goto fail;
		for (j = 0; j < tc->nprofiles; j++)
			if (cf_expand_one(&v[o++], tc, config_profile(c,
			    tc->profiles[j])) == -1)
				goto fail;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(v[i].name, v[j].name) == 0) {
				snprintf(err, errlen, "%s:%d: target \"%s\": "
				    "the name of another target and of a "
				    "target's profile (TARGET/PROFILE): rename "
				    "one", c->path, v[i].line, v[i].name);
				goto fail;
			}
	for (i = 0; i < c->ntargets; i++)
		target_conf_clear(&c->targets[i]);
	free(c->targets);
	c->targets = v;
	c->ntargets = n;
	return 0;
fail:
	for (i = 0; i < o; i++)
		target_conf_clear(&v[i]);
	free(v);
	return -1;
}

int
config_expand_profiles_check(const struct sc_config *c, char *err,
    size_t errlen)
{
	struct sc_config copy;
	size_t		 i;
	int		 rc;

	/* Only the targets are expanded: a shallow copy of the rest. */
	copy = *c;
	if ((copy.targets = calloc(c->ntargets, sizeof(*copy.targets))) ==
	    NULL) {
		snprintf(err, errlen, "%s: out of memory", c->path);
		return -1;
	}
	for (i = 0; i < c->ntargets; i++)
		if (target_conf_copy(&copy.targets[i], &c->targets[i]) == -1)
			break;
	copy.ntargets = i;
	if (i < c->ntargets) {
		snprintf(err, errlen, "%s: out of memory", c->path);
		rc = -1;
	} else
		rc = config_expand_profiles(&copy, err, errlen);
	for (i = 0; i < copy.ntargets; i++)
		target_conf_clear(&copy.targets[i]);
	free(copy.targets);
	return rc;
}
