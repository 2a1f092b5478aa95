/*
 * conf_sections.c - the sections of sipcanary.conf(5) (defaults { },
 * target "NAME" { }, sink "NAME" { }) as they close: each becomes a
 * struct target_conf or sink_conf, or the defaults, and leaves
 * libconfuse's tree at once, so that a second section of the same name
 * is an error instead of a silent merge (cf_named_end(), which closes
 * conf_profile.c's profile "NAME" { } too).  Also the wording of
 * libconfuse's messages about keys and sections for this file.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf/conf_internal.h"
#include "common/suggest.h"
#include "conf/confparse.h"

/* The keys of a sink, in the order of sipcanary.conf(5). */
static const char cf_sink_keys[] = "type, url, routing_key_file, "
    "token_file, format, match, timeout, ca_file, outbox_max, "
    "resend_interval, retry_min, retry_max, enabled";

/* Where cfg is: IN_TOP, IN_DEFAULTS, IN_TARGET or IN_SINK. */
unsigned
cf_where(struct cf_parse *p, cfg_t *cfg)
{
	if (cfg == p->root)
		return IN_TOP;
	if (cfg->name != NULL && strcmp(cfg->name, "defaults") == 0)
		return IN_DEFAULTS;
	if (cfg->name != NULL && strcmp(cfg->name, "sink") == 0)
		return IN_SINK;
	if (cfg->name != NULL && strcmp(cfg->name, "profile") == 0)
		return IN_PROFILE;
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
	for (i = 0; i < KEY_NUM; i++)
		if (cf_keys[i].in & where)
			confparse_list_add(buf, len, &o, cf_keys[i].name);
	return buf;
}
void
cf_frame_clear(struct cf_frame *f)
{
	cf_target_clear(&f->tc);
	cf_sink_clear(&f->sk);
	cf_profile_clear(&f->pf);
	memset(f, 0, sizeof(*f));
}

/*
 * The last section of opt, which has just closed: *n sections with it,
 * the line of its "{" and its title ("" if none).  NULL with the error.
 */
static cfg_t *
cf_closed(struct cf_parse *p, cfg_t *parent, cfg_opt_t *opt, unsigned *n,
    int *line, const char **title)
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
	*line = confparse_at_line(sec);
	*title = cfg_title(sec) != NULL ? cfg_title(sec) : "";
	return sec;
}

/*
 * Room for entry n of a vector (of targets or sinks, each size bytes, at
 * *vp) and of its key lines: both grow together, first entries at first.
 */
static int
cf_grow(struct cf_parse *p, int line, void *vp, size_t size,
    int (**lines)[KEY_NUM], size_t n, size_t *cap, size_t first)
{
	void		*v;
	int		(*lv)[KEY_NUM];
	size_t		 ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	memcpy(&v, vp, sizeof(v));
	if ((v = reallocarray(v, ncap, size)) == NULL)
		return cf_error(p, line, "out of memory");
	memcpy(vp, &v, sizeof(v));
	if ((lv = reallocarray(*lines, ncap, sizeof(*lv))) == NULL)
		return cf_error(p, line, "out of memory");
	*lines = lv;
	*cap = ncap;
	return 0;
}

/*
 * What closing a named section (target, sink, profile) does: its title
 * must be a good name and new among the entries so far; then the frame's
 * half for this kind becomes the next entry of the vector, its key lines
 * those of tlines, slines or plines, and the section leaves the tree.
 */
int
cf_named_end(struct cf_parse *p, cfg_t *parent, cfg_opt_t *opt,
    const struct cf_named *k)
{
	const char	*title, *name;
	char		 q[CONFPARSE_QUOTE], *vec, *e;
	size_t		 i;
	unsigned	 n;
	int		 line, first;

	if (cf_closed(p, parent, opt, &n, &line, &title) == NULL ||
	    k->name_ok(p, line, title) == -1)
		return -1;
	memcpy(&vec, k->vec, sizeof(vec));
	for (i = 0; i < *k->count; i++) {
		e = vec + i * k->size;
		memcpy(&name, e + k->name_off, sizeof(name));
		memcpy(&first, e + k->line_off, sizeof(first));
		if (strcmp(name, title) == 0)
			return cf_error(p, line, "%s \"%s\": defined twice "
			    "(first on line %d)", k->what,
			    confparse_quote(title, q, sizeof(q)), first);
	}
	if (cf_grow(p, line, k->vec, k->size, k->lines, *k->count, k->cap,
	    k->first) == -1)
		return -1;
	memcpy(&vec, k->vec, sizeof(vec));
	e = vec + *k->count * k->size;
	memcpy(e, k->half, k->size);
	memset(k->half, 0, k->size);
	memcpy((*k->lines)[*k->count], p->sec.line, sizeof(p->sec.line));
	/* The frame's other halves are empty here. */
	cf_frame_clear(&p->sec);
	(*k->count)++;
	memcpy(e + k->line_off, &line, sizeof(line));
	if ((name = strdup(title)) == NULL)
		return cf_error(p, line, "out of memory");
	memcpy(e + k->name_off, &name, sizeof(name));
	cfg_opt_rmnsec(opt, n - 1);
	return 0;
}

/* The validate callback of "defaults": it has just closed. */
int
cf_defaults_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = confparse_owner();
	const char	*title;
	unsigned	 n;
	int		 line;

	if (p == NULL || cf_closed(p, parent, opt, &n, &line, &title) == NULL)
		return -1;
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

static int
cf_target_name(struct cf_parse *p, int line, const char *title)
{
	return cf_label(p, line, "target name", title);
}

/*
 * The validate callback of "target": a target section has just closed.
 * It becomes a struct target_conf and leaves the tree.
 */
int
cf_target_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = confparse_owner();
	struct cf_named	 k;

	if (p == NULL)
		return -1;
	k = (struct cf_named){
		.what = "target", .name_ok = cf_target_name,
		.vec = &p->conf->targets, .size = sizeof(*p->conf->targets),
		.count = &p->conf->ntargets, .lines = &p->tlines,
		.cap = &p->cap, .first = 8, .half = &p->sec.tc,
		.name_off = offsetof(struct target_conf, name),
		.line_off = offsetof(struct target_conf, line),
	};
	return cf_named_end(p, parent, opt, &k);
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
int
cf_sink_end(cfg_t *parent, cfg_opt_t *opt)
{
	struct cf_parse	*p = confparse_owner();
	struct cf_named	 k;

	if (p == NULL)
		return -1;
	k = (struct cf_named){
		.what = "sink", .name_ok = cf_sink_name,
		.vec = &p->conf->sinks, .size = sizeof(*p->conf->sinks),
		.count = &p->conf->nsinks, .lines = &p->slines,
		.cap = &p->scap, .first = 4, .half = &p->sec.sk,
		.name_off = offsetof(struct sink_conf, name),
		.line_off = offsetof(struct sink_conf, line),
	};
	return cf_named_end(p, parent, opt, &k);
}

/* A section without its title, or without its "{". 1 if worded here. */
static int
cf_reword_section(struct cf_parse *p, int line, enum confparse_msg msg,
    const char *arg)
{
	if (msg == CONFPARSE_NO_TITLE) {
		if (strcmp(arg, "sink") == 0)
			cf_error(p, line, "sink: expected a name, as in sink "
			    "\"am\" { type = \"alertmanager\" }");
		else if (strcmp(arg, "profile") == 0)
			cf_error(p, line, "profile: expected a name, as in "
			    "profile \"desk-2019\" { tls_max = 1.2 }");
		else
			cf_error(p, line, "target: expected a name, as in "
			    "target \"voice-prod\" { }");
		return 1;
	}
	if (strcmp(arg, "target") == 0)
		cf_error(p, line, "target: expected \"{\" after the name, "
		    "as in target \"voice-prod\" { }");
	else if (strcmp(arg, "sink") == 0)
		cf_error(p, line, "sink: expected \"{\" after the name, as in "
		    "sink \"am\" { type = \"alertmanager\" }");
	else if (strcmp(arg, "defaults") == 0)
		cf_error(p, line, "defaults: expected \"{\", as in defaults "
		    "{ interval = 30s }");
	else if (strcmp(arg, "profile") == 0)
		cf_error(p, line, "profile: expected \"{\" after the name, "
		    "as in profile \"desk-2019\" { tls_max = 1.2 }");
	else
		return 0;
	return 1;
}

/* A known key where it cannot be set (keyin: where it can). */
static void
cf_reword_misplaced(struct cf_parse *p, int line, unsigned where,
    const char *in, const char *arg, unsigned keyin)
{
	if (where == IN_TOP)
		cf_error(p, line, "%s: set it in %s", arg,
		    keyin == IN_SINK ? "a sink" :
		    keyin == IN_PROFILE ? "a profile" :
		    keyin == IN_TARGET ? "a target" :
		    (keyin & IN_PROFILE) && !(keyin & IN_DEFAULTS) ?
		    "a profile or in a target" :
		    (keyin & IN_SINK) ? "defaults { }, in a target "
		    "or in a sink" :
		    (keyin & IN_DEFAULTS) ? "defaults { } or in a "
		    "target" : "a target");
	else if (keyin & IN_TOP)
		cf_error(p, line, "%s%s can only be set at the top level", in,
		    arg);
	else if (keyin == IN_SINK)
		cf_error(p, line, "%s%s can only be set in a sink", in, arg);
	else if (keyin == IN_PROFILE)
		cf_error(p, line, "%s%s can only be set in a profile", in, arg);
	else if (where == IN_PROFILE)
		cf_error(p, line, "%s%s cannot be set in a profile (it takes "
		    "tls_min, tls_max, ciphers, ciphersuites, groups, sigalgs, "
		    "sni, ca_file, ca_dir, client_cert, client_key, user, "
		    "password_file and revocation)", in, arg);
	else if (where == IN_SINK && (keyin & IN_DEFAULTS))
		cf_error(p, line, "%s%s can only be set in defaults { } or in "
		    "a target", in, arg);
	else
		cf_error(p, line, "%s%s can only be set in a target", in, arg);
}

static const char cf_top_keys[] = "vantage, listen, state_dir, log_format, "
    "user, http_auth_file, http_tls_cert, http_tls_key, "
    "metrics_series_limit, http_max_connections, "
    "http_max_connections_per_source, http_header_timeout, keylog_file, "
    "hep, hep_id, hep_password_file, http_probe_open, metrics_detail, "
    "revocation_cache_min, crl_max_size, defaults, target, sink or "
    "profile";

/*
 * A word that is no key: the key it is nearest to when one is near
 * ("did you mean"), else the keys that may be set there.  A unit after
 * a space ("interval = 10 s") reads to libconfuse as a key of its own.
 */
static void
cf_reword_unknown(struct cf_parse *p, int line, unsigned where,
    const char *in, const char *arg)
{
	static const char *const units[] = { "ms", "s", "m", "h", "d" };
	char		 q[CONFPARSE_QUOTE], list[400], near[64];
	size_t		 i;

	confparse_quote(arg, q, sizeof(q));
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(arg, units[i]) == 0) {
			cf_error(p, line, "%s\"%s\" after a value: a duration "
			    "is written without a space before its unit, as "
			    "10%s, not 10 %s", in, q, q, q);
			return;
		}
	if (where != IN_TOP && (strcmp(arg, "target") == 0 ||
	    strcmp(arg, "defaults") == 0 || strcmp(arg, "sink") == 0 ||
	    strcmp(arg, "profile") == 0)) {
		cf_error(p, line, "%s%s { } can only be at the top level", in,
		    arg);
		return;
	}
	if (where == IN_TOP)
		snprintf(list, sizeof(list), "%s", cf_top_keys);
	else
		cf_key_list(where, list, sizeof(list));
	if (suggest_from_list(arg, list, near, sizeof(near)) != NULL)
		cf_error(p, line, "%sunknown key \"%s\" (did you mean %s?)",
		    in, q, near);
	else if (where == IN_TOP)
		cf_error(p, line, "unknown key \"%s\" (expected %s)", q,
		    cf_top_keys);
	else
		cf_error(p, line, "%sunknown key \"%s\" (%s takes %s)", in, q,
		    where == IN_TARGET ? "a target" : where == IN_SINK ?
		    "a sink" : where == IN_PROFILE ? "a profile" : "defaults",
		    list);
}

/*
 * Words libconfuse's messages about keys and sections for this file: an
 * unknown key is told with the keys that may be set there, and a known
 * key in the wrong place with where it belongs.
 */
int
cf_reword(struct confparse *cp, cfg_t *cfg, int line, enum confparse_msg msg,
    const char *arg)
{
	struct cf_parse	*p = cp->owner;
	char		 t[CONFPARSE_QUOTE], in[CONFPARSE_QUOTE + 16];
	unsigned	 where;
	int		 id;

	if (msg != CONFPARSE_UNKNOWN)
		return cf_reword_section(p, line, msg, arg);
	where = cfg != NULL ? cf_where(p, cfg) : IN_TOP;
	/* The section it is in, to begin the message with. */
	if (where == IN_TARGET || where == IN_SINK || where == IN_PROFILE)
		snprintf(in, sizeof(in), "%s \"%s\": ", where == IN_SINK ?
		    "sink" : where == IN_PROFILE ? "profile" : "target",
		    confparse_quote(cfg_title(cfg) != NULL ? cfg_title(cfg) :
		    "", t, sizeof(t)));
	else if (where == IN_DEFAULTS)
		snprintf(in, sizeof(in), "defaults: ");
	else
		in[0] = '\0';
	if ((id = cf_keyid(arg)) >= 0 && id < KEY_NUM)
		cf_reword_misplaced(p, line, where, in, arg, cf_keys[id].in);
	else
		cf_reword_unknown(p, line, where, in, arg);
	return 1;
}
