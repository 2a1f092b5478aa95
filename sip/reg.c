/*
 * reg.c - the REGISTER client binding.
 *
 * One Call-ID and From tag for the binding's life, CSeq increasing, a new
 * branch per request (RFC 3261 §10.2).  A response is ours only if its top
 * Via branch, Call-ID and CSeq all match the request in flight; anything
 * else is counted and ignored, as a transaction layer would.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_alloc.h>

#include "digest.h"
#include "reg.h"
#include "util.h"

#define REG_MAX_CHALLENGES	3	/* stale nonces may renew; no loops */

struct reg {
	char		*domain;
	char		*user;
	char		*password;
	char		*local_host;	/* bracketed if IPv6 */
	unsigned	 local_port;
	char		*user_agent;
	char		*contact_token;
	int		 star;		/* the request in flight is Contact: * */
	int		 ws;		/* WSS transport (RFC 7118) */
	char		 call_id[40];
	char		 from_tag[20];
	char		 branch[48];	/* of the request in flight */
	sip_method_t	 method;	/* of the request in flight */
	uint32_t	 cseq;
	unsigned	 expires;	/* of the request in flight */
	struct digest	*digest;
	int		 have_challenge;
	int		 sent_credentials;
	int		 challenges;
	int		 raised_423;
	int		 final_status;
	unsigned	 granted;
	unsigned	 unmatched;
};

static char *
reg_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct reg *
sc_reg_new(const struct reg_params *p)
{
	struct reg	*r;
	char		 host[80];

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	sc_util_host_uri(p->local_ip, host, sizeof(host));
	r->domain = reg_strdup(p->domain);
	r->user = reg_strdup(p->user != NULL ? p->user : "sipcanary");
	r->password = reg_strdup(p->password != NULL ? p->password : "");
	r->local_host = reg_strdup(host);
	r->user_agent = reg_strdup(p->user_agent != NULL ? p->user_agent :
	    "sipcanary");
	r->local_port = p->local_port;
	if (p->contact_token != NULL &&
	    (r->contact_token = strdup(p->contact_token)) == NULL)
		goto fail;
	r->ws = p->ws;
	if (r->domain == NULL || r->user == NULL || r->password == NULL ||
	    r->local_host == NULL || r->user_agent == NULL)
		goto fail;
	if ((r->digest = sc_digest_new()) == NULL)
		goto fail;
	sc_util_token(r->call_id, sizeof(r->call_id), 32);
	sc_util_token(r->from_tag, sizeof(r->from_tag), 16);
	return r;
fail:
	sc_reg_free(r);
	return NULL;
}

void
sc_reg_free(struct reg *r)
{
	if (r == NULL)
		return;
	sc_digest_free(r->digest);
	free(r->domain);
	free(r->user);
	if (r->password != NULL) {
		explicit_bzero(r->password, strlen(r->password));
		free(r->password);
	}
	free(r->local_host);
	free(r->user_agent);
	free(r->contact_token);
	free(r);
}

/* Builds method (REGISTER or OPTIONS) for the binding's AOR. */
/* The header values of a request: a new branch, the next CSeq. */
struct reg_lines {
	char	 ruri[300], rline[340], via[200], aor[600], contact[400];
	char	 cseq[40], exp[16];
};

static void
reg_lines(struct reg *r, const char *mname, unsigned expires,
    struct reg_lines *l)
{
	char	tok[24];

	r->cseq++;
	sc_util_token(tok, sizeof(tok), 20);
	snprintf(r->branch, sizeof(r->branch), "z9hG4bK%s", tok);
	snprintf(l->ruri, sizeof(l->ruri), "sips:%s", r->domain);
	snprintf(l->rline, sizeof(l->rline), "%s %s SIP/2.0", mname, l->ruri);
	snprintf(l->via, sizeof(l->via), "SIP/2.0/%s %s:%u;branch=%s;rport",
	    r->ws ? "WSS" : "TLS", r->local_host, r->local_port, r->branch);
	snprintf(l->aor, sizeof(l->aor), "<sips:%s@%s>", r->user, r->domain);
	if (r->contact_token != NULL)
		snprintf(l->contact, sizeof(l->contact),
		    "<sip:%s@%s;transport=%s;sc=%s>", r->user, r->local_host,
		    r->ws ? "ws" : "tls", r->contact_token);
	else
		snprintf(l->contact, sizeof(l->contact),
		    "<sip:%s@%s:%u;transport=%s>", r->user, r->local_host,
		    r->local_port, r->ws ? "ws" : "tls");
	if (r->star)
		snprintf(l->contact, sizeof(l->contact), "*");
	snprintf(l->cseq, sizeof(l->cseq), "%u %s", r->cseq, mname);
	snprintf(l->exp, sizeof(l->exp), "%u", expires);
}

/*
 * The finished message as a string of *len bytes that the caller frees,
 * and a copy with credentials redacted when asked.  NULL when out of
 * memory.
 */
static char *
reg_serialize(msg_t *msg, sip_t *sip, size_t *len, char **redacted)
{
	char	*wire, *s;
	size_t	 n;

	if (sip_complete_message(msg) < 0 ||
	    msg_serialize(msg, (msg_pub_t *)sip) < 0 ||
	    (s = msg_as_string(msg_home(msg), msg, NULL, 0, &n)) == NULL)
		return NULL;
	if ((wire = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(wire, s, n + 1);
	*len = n;
	if (redacted != NULL &&
	    (*redacted = sc_util_redact_auth(wire, n)) == NULL) {
		free(wire);
		return NULL;
	}
	return wire;
}

static char *
reg_request(struct reg *r, sip_method_t method, unsigned expires,
    size_t *len, char **redacted, char *err, size_t errlen)
{
	msg_t			*msg = NULL;
	sip_t			*sip;
	char			*wire;
	struct reg_lines	 l;
	const char		*mname = method == sip_method_options ?
				    "OPTIONS" : "REGISTER";

	if (redacted != NULL)
		*redacted = NULL;
	if (method == sip_method_register)
		r->expires = expires;
	r->method = method;
	reg_lines(r, mname, expires, &l);

	if ((msg = msg_create(sip_default_mclass(), 0)) == NULL)
		goto nomem;
	sip = sip_object(msg);
	if (sip_add_tl(msg, sip,
	    SIPTAG_REQUEST_STR(l.rline),
	    SIPTAG_VIA_STR(l.via),
	    SIPTAG_MAX_FORWARDS_STR("70"),
	    SIPTAG_FROM_STR(l.aor),
	    SIPTAG_TO_STR(l.aor),
	    SIPTAG_CALL_ID_STR(r->call_id),
	    SIPTAG_CSEQ_STR(l.cseq),
	    SIPTAG_USER_AGENT_STR(r->user_agent),
	    TAG_IF(method == sip_method_register,
	    SIPTAG_CONTACT_STR(l.contact)),
	    TAG_IF(method == sip_method_register, SIPTAG_EXPIRES_STR(l.exp)),
	    TAG_END()) < 0)
		goto nomem;
	/* sip_add_tl() does not say which tag failed; check what we need. */
	if (sip->sip_request == NULL || sip->sip_from == NULL ||
	    sip->sip_via == NULL ||
	    (method == sip_method_register && sip->sip_contact == NULL)) {
		snprintf(err, errlen, "cannot build %s (bad user or "
		    "domain?)", mname);
		goto fail;
	}
	sip_from_tag(msg_home(msg), sip->sip_from, r->from_tag);
	r->sent_credentials = 0;
	if (r->have_challenge) {
		if (sc_digest_authorize(r->digest, msg, sip, r->user,
		    r->password, mname, l.ruri, err, errlen) == -1)
			goto fail;
		r->sent_credentials = 1;
	}
	if ((wire = reg_serialize(msg, sip, len, redacted)) == NULL)
		goto nomem;
	msg_destroy(msg);
	return wire;
nomem:
	snprintf(err, errlen, "out of memory building %s", mname);
fail:
	msg_destroy(msg);
	return NULL;
}

char *
sc_reg_build(struct reg *r, unsigned expires, size_t *len, char **redacted,
    char *err, size_t errlen)
{
	return reg_request(r, sip_method_register, expires, len, redacted, err,
	    errlen);
}

char *
sc_reg_build_remove_all(struct reg *r, size_t *len, char **redacted, char *err,
    size_t errlen)
{
	char *w;

	r->star = 1;
	w = reg_request(r, sip_method_register, 0, len, redacted, err, errlen);
	r->star = 0;
	return w;
}

char *
sc_reg_build_options(struct reg *r, size_t *len, char **redacted, char *err,
    size_t errlen)
{
	return reg_request(r, sip_method_options, 0, len, redacted, err,
	    errlen);
}

/* Is this response to the request in flight? */
static int
reg_matches(const struct reg *r, const sip_t *sip)
{
	return sip->sip_status != NULL && sip->sip_via != NULL &&
	    sip->sip_via->v_branch != NULL &&
	    strcmp(sip->sip_via->v_branch, r->branch) == 0 &&
	    sip->sip_call_id != NULL &&
	    strcmp(sip->sip_call_id->i_id, r->call_id) == 0 &&
	    sip->sip_cseq != NULL && sip->sip_cseq->cs_seq == r->cseq &&
	    sip->sip_cseq->cs_method == r->method;
}

/* The expiry granted to our Contact (RFC 3261 §10.2.4). */
static unsigned
reg_granted_from(const struct reg *r, const sip_t *sip)
{
	const sip_contact_t	*m;
	char			 port[12];

	snprintf(port, sizeof(port), "%u", r->local_port);
	for (m = sip->sip_contact; m != NULL; m = m->m_next) {
		if (r->contact_token != NULL) {
			const char *sc = m->m_url->url_params != NULL ?
			    strstr(m->m_url->url_params, "sc=") : NULL;

			if (sc == NULL || strncmp(sc + 3, r->contact_token,
			    strlen(r->contact_token)) != 0)
				continue;
		} else if (m->m_url->url_host == NULL ||
		    strcasecmp(m->m_url->url_host, r->local_host) != 0 ||
		    m->m_url->url_port == NULL ||
		    strcmp(m->m_url->url_port, port) != 0)
			continue;
		if (m->m_expires != NULL)
			return (unsigned)strtoul(m->m_expires, NULL, 10);
		break;
	}
	if (sip->sip_expires != NULL)
		return (unsigned)sip->sip_expires->ex_delta;
	return r->expires;
}

/*
 * A 401 or 407: answer the challenge (REG_RESEND), unless there are no
 * credentials, or the registrar rejected those already sent.
 */
static enum reg_action
reg_challenged(struct reg *r, const sip_t *sip, int st,
    enum sc_verdict *verdict, char *why, size_t whylen)
{
	const msg_auth_t	*au = st == 401 ? sip->sip_www_authenticate :
				    sip->sip_proxy_authenticate;
	const char		*sv;
	int			 stale;

	if (r->password[0] == '\0') {
		snprintf(why, whylen, "%d: the registrar requires "
		    "authentication and no credentials were given", st);
		*verdict = SC_SIP_AUTH_REJECTED;
		return REG_DONE;
	}
	if (sc_digest_challenge(r->digest, sip, why, whylen) == -1) {
		*verdict = SC_SIP_AUTH_REJECTED;
		return REG_DONE;
	}
	/* A stale nonce is no rejection of the credentials (RFC 2617). */
	sv = au != NULL ? msg_params_find(au->au_params, "stale=") : NULL;
	stale = sv != NULL && strncasecmp(sv, "true", 4) == 0;
	if ((r->sent_credentials && !stale) ||
	    ++r->challenges > REG_MAX_CHALLENGES) {
		snprintf(why, whylen, "%d: the registrar rejected the "
		    "credentials (challenged again)", st);
		*verdict = SC_SIP_AUTH_REJECTED;
		return REG_DONE;
	}
	r->have_challenge = 1;
	return REG_RESEND;
}

/* A 423 to a REGISTER: ask again once, for Min-Expires. */
static enum reg_action
reg_too_brief(struct reg *r, const sip_t *sip, enum sc_verdict *verdict,
    char *why, size_t whylen)
{
	if (sip->sip_min_expires == NULL) {
		snprintf(why, whylen, "423 Interval Too Brief without "
		    "Min-Expires");
		*verdict = SC_SIP_4XX;
		return REG_DONE;
	}
	if (r->raised_423 || sip->sip_min_expires->me_delta <= r->expires) {
		snprintf(why, whylen, "423 Interval Too Brief again "
		    "(Min-Expires %lu)",
		    (unsigned long)sip->sip_min_expires->me_delta);
		*verdict = SC_SIP_4XX;
		return REG_DONE;
	}
	r->raised_423 = 1;
	r->expires = (unsigned)sip->sip_min_expires->me_delta;
	return REG_RESEND;
}

/*
 * "503 Service Unavailable" for messages: the reason phrase is the
 * server's text, so it is shown as valid UTF-8 with anything else
 * escaped, and cut on a character boundary.
 */
static void
reg_status_text(int st, const char *phrase, char *why, size_t whylen)
{
	char	*p = phrase != NULL ? sc_util_printable(phrase,
		    strlen(phrase)) : NULL;

	snprintf(why, whylen, "%d %s", st, p != NULL ? p : "");
	sc_util_utf8_cut(why);
	free(p);
}


enum reg_action
sc_reg_response(struct reg *r, msg_t *msg, enum sc_verdict *verdict, char *why,
    size_t whylen)
{
	sip_t	*sip = sip_object(msg);
	int	 st;

	why[0] = '\0';
	if (sip == NULL || !reg_matches(r, sip)) {
		r->unmatched++;
		return REG_IGNORE;
	}
	st = sip->sip_status->st_status;
	if (st < 200)
		return REG_PROVISIONAL;
	r->final_status = st;

	if (st >= 200 && st < 300) {
		if (r->method == sip_method_register)
			r->granted = reg_granted_from(r, sip);
		*verdict = SC_OK;
		return REG_DONE;
	}
	if (st == 401 || st == 407)
		return reg_challenged(r, sip, st, verdict, why, whylen);
	if (st == 423 && r->method == sip_method_register)
		return reg_too_brief(r, sip, verdict, why, whylen);
	reg_status_text(st, sip->sip_status->st_phrase, why, whylen);
	*verdict = st == 403 ? SC_SIP_AUTH_REJECTED :
	    sc_verdict_from_status(st);
	return REG_DONE;
}

unsigned
sc_reg_expires(const struct reg *r)
{
	return r->expires;
}

int
sc_reg_final_status(const struct reg *r)
{
	return r->final_status;
}

unsigned
sc_reg_granted(const struct reg *r)
{
	return r->granted;
}

const char *
sc_reg_auth_algorithm(const struct reg *r)
{
	return r->sent_credentials ? sc_digest_algorithm(r->digest) : NULL;
}

unsigned
sc_reg_unmatched(const struct reg *r)
{
	return r->unmatched;
}
