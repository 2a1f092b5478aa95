/*
 * digest.c - HTTP Digest authentication for SIP.  This file owns the
 * choice of one challenge out of a 401/407, the RFC 7616 §3.4.1 response
 * computation, and the Authorization or Proxy-Authorization header of the
 * retried request.
 *
 * MD5 and MD5-sess are answered by Sofia-SIP's auth_client.  Sofia knows
 * nothing newer, so SHA-256 and SHA-512-256 (RFC 7616, RFC 8760) and their
 * -sess forms are computed here with OpenSSL EVP.  Nothing here keeps a
 * password; Sofia keeps its own copy for the MD5 family until the next
 * challenge or sc_digest_free().
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <sofia-sip/su_alloc.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/url.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/auth_client.h>
#include <sofia-sip/auth_client_plugin.h>

#include "util.h"
#include "digest.h"

/*
 * At debug level 5 Sofia's digest module logs H(A1), which answers any
 * challenge of the realm as well as the password does.  Its log object is
 * exported by libsofia-sip-ua but declared in no installed header.
 */
extern su_log_t iptsec_log[];

#define DIGEST_HEXMAX	(2 * EVP_MAX_MD_SIZE + 1)
#define DIGEST_CNONCE	16		/* random bytes in a cnonce */
#define DIGEST_NC_MAX	0xffffffffUL	/* nc is 8 hex digits */

static const struct digest_algdef {
	const char	 *name;
	int		  sess;
	const EVP_MD	*(*md)(void);
} digest_algs[DIGEST_ALG_UNSUPPORTED] = {
	[DIGEST_ALG_MD5] =		{ "MD5", 0, EVP_md5 },
	[DIGEST_ALG_MD5_SESS] =		{ "MD5-sess", 1, EVP_md5 },
	[DIGEST_ALG_SHA256] =		{ "SHA-256", 0, EVP_sha256 },
	[DIGEST_ALG_SHA256_SESS] =	{ "SHA-256-sess", 1, EVP_sha256 },
	[DIGEST_ALG_SHA512_256] =	{ "SHA-512-256", 0, EVP_sha512_256 },
	[DIGEST_ALG_SHA512_256_SESS] =	{ "SHA-512-256-sess", 1,
					    EVP_sha512_256 },
};

/*
 * One chosen challenge and what answering it needs across requests.  A
 * registered flow keeps it for its life, so it holds no su_home of its
 * own (each costs half a kilobyte of bookkeeping): the strings are
 * malloc'ed, and Sofia's auth client is a home of its own (no parent).
 */
struct digest_ch {
	enum digest_alg	 alg;
	int		 proxy;		/* came in Proxy-Authenticate */
	int		 stale;
	int		 qop;		/* 1: qop=auth; 0: RFC 2069 form */
	char		*realm;		/* unquoted */
	char		*nonce;
	char		*opaque;	/* NULL when absent */
	auth_client_t	*auc;		/* MD5 family: Sofia's state, a home */
	char		 cnonce[2 * DIGEST_CNONCE + 1];	/* SHA family */
	unsigned long	 nc;		/* SHA family: last nc sent */
};

struct digest {
	int		 taken;
	struct digest_ch ch;
};

static int	digest_hash(const EVP_MD *, char *, size_t, ...);
static int	digest_qsafe(const char *);
static char	*digest_param(su_home_t *, const msg_auth_t *, const char *);
static int	digest_has_token(const char *, const char *);
static void	digest_offer(char *, size_t, const char *, const char *);
static int	digest_take(struct digest_ch *, su_home_t *, const msg_auth_t *,
		    int, char *, size_t);
static int	digest_same(const struct digest_ch *, const struct digest_ch *);
static int	digest_sofia_challenge(struct digest_ch *, su_home_t *, char *,
		    size_t);
static void	digest_forget(struct digest *);
static void	digest_quiet_sofia(void);
static int	digest_authorize_sofia(struct digest *, msg_t *, sip_t *,
		    const char *, const char *, const char *, const char *,
		    char *, size_t);
static int	digest_authorize_sha(struct digest *, msg_t *, sip_t *,
		    const char *, const char *, const char *, const char *,
		    char *, size_t);
static void	digest_err(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static void
digest_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
sc_digest_alg_name(enum digest_alg alg)
{
	/* The cast keeps an out-of-range value from indexing the table. */
	if ((unsigned)alg >= DIGEST_ALG_UNSUPPORTED)
		return NULL;
	return digest_algs[alg].name;
}

enum digest_alg
sc_digest_alg_parse(const char *s)
{
	unsigned	i;

	if (s == NULL || *s == '\0')
		return DIGEST_ALG_MD5;
	for (i = 0; i < DIGEST_ALG_UNSUPPORTED; i++)
		if (strcasecmp(s, digest_algs[i].name) == 0)
			return (enum digest_alg)i;
	return DIGEST_ALG_UNSUPPORTED;
}

/*
 * Lowercase hex of H(part1:part2:...); the parts end with NULL.  Fed piece
 * by piece so that no joined copy of a password is left in memory.
 */
static int
digest_hash(const EVP_MD *md, char *hex, size_t hexlen, ...)
{
	static const char	 xd[] = "0123456789abcdef";
	unsigned char		 raw[EVP_MAX_MD_SIZE];
	unsigned int		 rawlen = 0, i;
	EVP_MD_CTX		*ctx;
	const char		*part;
	va_list			 ap;
	int			 first = 1, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
		goto done;
	va_start(ap, hexlen);
	while ((part = va_arg(ap, const char *)) != NULL) {
		if ((!first && EVP_DigestUpdate(ctx, ":", 1) != 1) ||
		    EVP_DigestUpdate(ctx, part, strlen(part)) != 1) {
			va_end(ap);
			goto done;
		}
		first = 0;
	}
	va_end(ap);
	if (EVP_DigestFinal_ex(ctx, raw, &rawlen) != 1 ||
	    hexlen < 2 * (size_t)rawlen + 1)
		goto done;
	for (i = 0; i < rawlen; i++) {
		hex[2 * i] = xd[raw[i] >> 4];
		hex[2 * i + 1] = xd[raw[i] & 0xf];
	}
	hex[2 * rawlen] = '\0';
	rc = 0;
done:
	OPENSSL_cleanse(raw, sizeof(raw));
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
sc_digest_response(enum digest_alg alg, const char *user, const char *realm,
    const char *password, const char *method, const char *uri,
    const char *nonce, const char *nc, const char *cnonce, const char *qop,
    char *out, size_t outlen)
{
	char		 ha1[DIGEST_HEXMAX], base[DIGEST_HEXMAX];
	char		 ha2[DIGEST_HEXMAX];
	const EVP_MD	*md;
	int		 auth, sess, mdlen, rc = -1;

	if ((unsigned)alg >= DIGEST_ALG_UNSUPPORTED)
		return -1;
	md = digest_algs[alg].md();
	sess = digest_algs[alg].sess;
	if (md == NULL || (mdlen = EVP_MD_get_size(md)) <= 0)
		return -1;
	if (out == NULL || outlen < 2 * (size_t)mdlen + 1)
		return -1;
	if (user == NULL || realm == NULL || password == NULL ||
	    method == NULL || uri == NULL || nonce == NULL)
		return -1;

	/* auth-int would need the body's hash; we never offer it. */
	auth = qop != NULL && *qop != '\0';
	if (auth && strcasecmp(qop, "auth") != 0)
		return -1;
	if ((auth && (nc == NULL || cnonce == NULL)) ||
	    (sess && cnonce == NULL))
		return -1;

	if (sess) {
		if (digest_hash(md, base, sizeof(base), user, realm, password,
		    (char *)NULL) == -1 ||
		    digest_hash(md, ha1, sizeof(ha1), base, nonce, cnonce,
		    (char *)NULL) == -1)
			goto done;
	} else if (digest_hash(md, ha1, sizeof(ha1), user, realm, password,
	    (char *)NULL) == -1)
		goto done;
	if (digest_hash(md, ha2, sizeof(ha2), method, uri, (char *)NULL) == -1)
		goto done;
	if (auth)
		rc = digest_hash(md, out, outlen, ha1, nonce, nc, cnonce,
		    "auth", ha2, (char *)NULL);
	else
		rc = digest_hash(md, out, outlen, ha1, nonce, ha2,
		    (char *)NULL);
done:
	/* H(A1) opens the realm as well as the password does. */
	OPENSSL_cleanse(ha1, sizeof(ha1));
	OPENSSL_cleanse(base, sizeof(base));
	return rc;
}

struct digest *
sc_digest_new(void)
{
	return calloc(1, sizeof(struct digest));
}

void
sc_digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	digest_forget(d);
	free(d);
}

const char *
sc_digest_algorithm(const struct digest *d)
{
	if (d == NULL || !d->taken)
		return NULL;
	return sc_digest_alg_name(d->ch.alg);
}

static void
digest_ch_clear(struct digest_ch *ch)
{
	free(ch->realm);
	free(ch->nonce);
	free(ch->opaque);
	if (ch->auc != NULL)
		su_home_unref(ch->auc->ca_home);
	memset(ch, 0, sizeof(*ch));
}

static void
digest_forget(struct digest *d)
{
	digest_ch_clear(&d->ch);
	d->taken = 0;
}

/*
 * Whether s can go between double quotes as it is.  Escaping would be
 * legal, but Sofia echoes realm and nonce unescaped and servers disagree
 * on quoted-pairs, so such values are refused rather than mangled.  CR and
 * LF would also let a value inject headers.
 */
static int
digest_qsafe(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* The unquoted value of parameter name, on home; NULL when absent. */
static char *
digest_param(su_home_t *home, const msg_auth_t *au, const char *name)
{
	const char	*p;
	size_t		 n = strlen(name), i;

	if (au->au_params == NULL)
		return NULL;
	for (i = 0; (p = au->au_params[i]) != NULL; i++) {
		if (strncasecmp(p, name, n) != 0 || p[n] != '=')
			continue;
		p += n + 1;
		return *p == '"' ? msg_unquote_dup(home, p) :
		    su_strdup(home, p);
	}
	return NULL;
}

/* Whether the comma-separated list holds token, ignoring case and blanks. */
static int
digest_has_token(const char *list, const char *token)
{
	size_t		 n = strlen(token), len;
	const char	*p = list;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == n && strncasecmp(p, token, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
}

/*
 * Appends "label" or "label (why)" to the offered list.  The text comes
 * from the server and ends up in logs, so anything unprintable is masked.
 */
static void
digest_offer(char *buf, size_t buflen, const char *label, const char *why)
{
	size_t		 len = strlen(buf);
	char		*p;

	if (len + 1 >= buflen)
		return;
	(void)snprintf(buf + len, buflen - len, "%s%s%s%s%s",
	    len > 0 ? ", " : "", label, why ? " (" : "", why ? why : "",
	    why ? ")" : "");
	for (p = buf + len; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
}

/*
 * Fills ch from one challenge if we can answer it; otherwise says what it
 * offered and returns -1.  The parameters are parsed on tmp; only what
 * later requests need is copied into ch.
 */
static int
digest_take(struct digest_ch *ch, su_home_t *tmp, const msg_auth_t *au,
    int proxy, char *offered, size_t offlen)
{
	char		 why[64];
	const char	*label;
	char		*alg, *realm, *nonce, *opaque, *qop, *stale;
	enum digest_alg	 a;

	if (au->au_scheme == NULL || strcasecmp(au->au_scheme, "Digest")) {
		digest_offer(offered, offlen,
		    au->au_scheme ? au->au_scheme : "no scheme", NULL);
		return -1;
	}
	alg = digest_param(tmp, au, "algorithm");
	label = alg != NULL && *alg != '\0' ? alg : "MD5";
	if ((a = sc_digest_alg_parse(alg)) == DIGEST_ALG_UNSUPPORTED) {
		digest_offer(offered, offlen, label, NULL);
		return -1;
	}
	realm = digest_param(tmp, au, "realm");
	nonce = digest_param(tmp, au, "nonce");
	opaque = digest_param(tmp, au, "opaque");
	qop = digest_param(tmp, au, "qop");
	stale = digest_param(tmp, au, "stale");

	why[0] = '\0';
	if (realm == NULL)
		(void)snprintf(why, sizeof(why), "no realm");
	else if (nonce == NULL || *nonce == '\0')
		(void)snprintf(why, sizeof(why), "no nonce");
	else if (!digest_qsafe(realm) || !digest_qsafe(nonce) ||
	    (opaque != NULL && !digest_qsafe(opaque)))
		(void)snprintf(why, sizeof(why), "unquotable parameter");
	else if (qop != NULL && !digest_has_token(qop, "auth"))
		(void)snprintf(why, sizeof(why), "qop %s", qop);
	else if (qop == NULL && digest_algs[a].sess)
		/* RFC 2617 sends a cnonce only with a qop; -sess needs one. */
		(void)snprintf(why, sizeof(why), "no qop");
	if (why[0] != '\0') {
		digest_offer(offered, offlen, label, why);
		return -1;
	}

	ch->alg = a;
	ch->proxy = proxy;
	ch->stale = stale != NULL && strcasecmp(stale, "true") == 0;
	ch->qop = qop != NULL;
	ch->realm = strdup(realm);
	ch->nonce = strdup(nonce);
	ch->opaque = opaque != NULL ? strdup(opaque) : NULL;
	if (ch->realm == NULL || ch->nonce == NULL ||
	    (opaque != NULL && ch->opaque == NULL)) {
		digest_ch_clear(ch);
		digest_offer(offered, offlen, label, "out of memory");
		return -1;
	}
	return 0;
}

static int
digest_same(const struct digest_ch *a, const struct digest_ch *b)
{
	if (a->alg != b->alg || a->proxy != b->proxy || a->qop != b->qop)
		return 0;
	if (strcmp(a->realm, b->realm) != 0 || strcmp(a->nonce, b->nonce) != 0)
		return 0;
	if (a->opaque == NULL || b->opaque == NULL)
		return a->opaque == b->opaque;
	return strcmp(a->opaque, b->opaque) == 0;
}

/*
 * Sofia fails a whole list as soon as one challenge in it names an
 * algorithm it lacks, and it answers qop="auth,auth-int" with auth-int.
 * So it gets a list of one challenge, restated (on tmp) with just what we
 * chose; Sofia copies what it keeps to the auth client's home.
 */
static int
digest_sofia_challenge(struct digest_ch *ch, su_home_t *tmp, char *err,
    size_t errlen)
{
	msg_hclass_t	*hc, *cr;
	msg_header_t	*h;

	hc = ch->proxy ? sip_proxy_authenticate_class :
	    sip_www_authenticate_class;
	cr = ch->proxy ? sip_proxy_authorization_class :
	    sip_authorization_class;
	h = msg_header_format(tmp, hc,
	    "Digest realm=\"%s\", nonce=\"%s\"%s%s%s, algorithm=%s%s",
	    ch->realm, ch->nonce,
	    ch->opaque ? ", opaque=\"" : "", ch->opaque ? ch->opaque : "",
	    ch->opaque ? "\"" : "", sc_digest_alg_name(ch->alg),
	    ch->qop ? ", qop=\"auth\"" : "");
	if (h == NULL) {
		digest_err(err, errlen, "cannot restate the %s challenge",
		    sc_digest_alg_name(ch->alg));
		return -1;
	}
	/*
	 * No parent home: the client is one of its own, freed with
	 * su_home_unref() (digest_ch_clear).
	 */
	if (auc_challenge(&ch->auc, NULL, (msg_auth_t *)h, cr) < 1 ||
	    ch->auc == NULL) {
		digest_err(err, errlen, "Sofia-SIP refused the %s challenge",
		    sc_digest_alg_name(ch->alg));
		return -1;
	}
	return 0;
}

/*
 * RFC 7616 §3.7: takes into ch the first challenge of resp we can
 * answer, WWW-Authenticate first.  -1 with the reason in err if none.
 */
static int
digest_pick(struct digest_ch *ch, su_home_t *tmp, const sip_t *resp,
    char *err, size_t errlen)
{
	const msg_auth_t	*au;
	char			 offered[256];
	int			 status, pass, any = 0;

	offered[0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		au = pass == 0 ? resp->sip_www_authenticate :
		    resp->sip_proxy_authenticate;
		for (; au != NULL; au = au->au_next) {
			any = 1;
			if (digest_take(ch, tmp, au, pass == 1, offered,
			    sizeof(offered)) == 0)
				return 0;
		}
	}
	status = resp->sip_status ? resp->sip_status->st_status : 0;
	if (any)
		digest_err(err, errlen,
		    "no supported digest challenge (offered: %s)", offered);
	else if (status == 401)
		digest_err(err, errlen, "401 without WWW-Authenticate");
	else if (status == 407)
		digest_err(err, errlen, "407 without Proxy-Authenticate");
	else if (status != 0)
		digest_err(err, errlen, "%d response without a challenge",
		    status);
	else
		digest_err(err, errlen, "message without a challenge");
	return -1;
}

/*
 * Readies a new challenge for answers: Sofia's state for MD5, our own
 * cnonce for SHA-256.
 */
static int
digest_prepare(struct digest_ch *ch, su_home_t *tmp, char *err,
    size_t errlen)
{
	unsigned char	rnd[DIGEST_CNONCE];
	size_t		i;

	if (ch->alg == DIGEST_ALG_MD5 || ch->alg == DIGEST_ALG_MD5_SESS)
		return digest_sofia_challenge(ch, tmp, err, errlen);
	if (sc_util_random(rnd, sizeof(rnd)) == -1) {
		digest_err(err, errlen, "no randomness for a cnonce");
		return -1;
	}
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(ch->cnonce + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

int
sc_digest_challenge(struct digest *d, const sip_t *resp, char *err,
    size_t errlen)
{
	struct digest_ch	 ch;
	su_home_t		*tmp = NULL;	/* what only taking needs */

	memset(&ch, 0, sizeof(ch));
	if (d == NULL || resp == NULL) {
		digest_err(err, errlen, "no response to take a challenge from");
		goto fail;
	}
	if ((tmp = su_home_new(sizeof(*tmp))) == NULL) {
		digest_err(err, errlen, "out of memory");
		goto fail;
	}
	if (digest_pick(&ch, tmp, resp, err, errlen) == -1)
		goto fail;

	/*
	 * The same nonce again (a repeated 401, or stale=true naming the
	 * nonce we used): keep cnonce and nc running, since the server
	 * counts requests per nonce and may refuse an nc it saw.
	 */
	if (d->taken && digest_same(&d->ch, &ch)) {
		d->ch.stale = ch.stale;
		digest_ch_clear(&ch);
		su_home_unref(tmp);
		return 0;
	}
	if (digest_prepare(&ch, tmp, err, errlen) == -1)
		goto fail;
	su_home_unref(tmp);

	digest_forget(d);
	d->ch = ch;
	d->taken = 1;
	return 0;
fail:
	digest_ch_clear(&ch);
	if (tmp != NULL)
		su_home_unref(tmp);
	/* Answering an older challenge after this one failed would be wrong. */
	if (d != NULL)
		digest_forget(d);
	return -1;
}

/*
 * Keeps Sofia's digest module below debug level 5, where it would print
 * H(A1).  Checked on every use since anyone may raise the level.
 */
static void
digest_quiet_sofia(void)
{
	unsigned	level;

	su_log_init(iptsec_log);
	level = iptsec_log->log_init > 1 ? iptsec_log->log_level :
	    su_log_default->log_level;
	if (level > 4)
		su_log_set_level(iptsec_log, 4);
}

static int
digest_authorize_sofia(struct digest *d, msg_t *req, sip_t *sip,
    const char *user, const char *password, const char *method,
    const char *uri, char *err, size_t errlen)
{
	su_home_t	*tmp;
	url_t		*url;
	char		*qrealm;
	int		 rc = -1;

	if ((tmp = su_home_new(sizeof(*tmp))) == NULL) {
		digest_err(err, errlen, "out of memory");
		return -1;
	}
	if ((url = url_make(tmp, uri)) == NULL) {
		digest_err(err, errlen, "request URI does not parse");
		goto done;
	}
	/*
	 * Sofia matches credentials against the realm parameter's raw text,
	 * quotes included; an unquoted realm silently matches nothing.  It
	 * may hash them right away, so it is quieted first.
	 */
	if ((qrealm = su_sprintf(tmp, "\"%s\"", d->ch.realm)) == NULL) {
		digest_err(err, errlen, "out of memory");
		goto done;
	}
	digest_quiet_sofia();
	if (auc_all_credentials(&d->ch.auc, "Digest", qrealm, user,
	    password) < 0 || !auc_has_authorization(&d->ch.auc)) {
		digest_err(err, errlen,
		    "Sofia-SIP took no credentials for the %s challenge",
		    sc_digest_alg_name(d->ch.alg));
		goto done;
	}
	if (auc_authorization(&d->ch.auc, req, (msg_pub_t *)sip, method, url,
	    sip->sip_payload) != 1) {
		digest_err(err, errlen, "Sofia-SIP could not build %s",
		    d->ch.proxy ? "Proxy-Authorization" : "Authorization");
		goto done;
	}
	rc = 0;
done:
	su_home_unref(tmp);
	return rc;
}

static int
digest_authorize_sha(struct digest *d, msg_t *req, sip_t *sip,
    const char *user, const char *password, const char *method,
    const char *uri, char *err, size_t errlen)
{
	struct digest_ch	*ch = &d->ch;
	msg_hclass_t		*hc;
	msg_header_t		**hh;
	su_home_t		*tmp;
	char			 resp[DIGEST_HEXMAX], nc[9], *hdr;
	int			 rc = -1;

	if (ch->nc >= DIGEST_NC_MAX) {
		digest_err(err, errlen, "nonce count exhausted");
		return -1;
	}
	/* RFC 7616 §3.4: nc counts our requests under this nonce. */
	ch->nc++;
	(void)snprintf(nc, sizeof(nc), "%08lx", ch->nc);
	if (sc_digest_response(ch->alg, user, ch->realm, password, method, uri,
	    ch->nonce, ch->qop ? nc : NULL, ch->qop ? ch->cnonce : NULL,
	    ch->qop ? "auth" : NULL, resp, sizeof(resp)) == -1) {
		digest_err(err, errlen, "cannot compute the %s response",
		    sc_digest_alg_name(ch->alg));
		return -1;
	}
	if ((tmp = su_home_new(sizeof(*tmp))) == NULL) {
		digest_err(err, errlen, "out of memory");
		return -1;
	}
	hdr = su_sprintf(tmp, "Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s"
	    "%s%s%s%s%s%s%s",
	    user, ch->realm, ch->nonce, uri, resp, sc_digest_alg_name(ch->alg),
	    ch->qop ? ", cnonce=\"" : "", ch->qop ? ch->cnonce : "",
	    ch->qop ? "\", qop=auth, nc=" : "", ch->qop ? nc : "",
	    ch->opaque ? ", opaque=\"" : "", ch->opaque ? ch->opaque : "",
	    ch->opaque ? "\"" : "");
	if (hdr == NULL) {
		digest_err(err, errlen, "out of memory");
		goto done;
	}

	/* Replace what an earlier attempt added, as Sofia does. */
	if (ch->proxy) {
		hc = sip_proxy_authorization_class;
		hh = (msg_header_t **)&sip->sip_proxy_authorization;
	} else {
		hc = sip_authorization_class;
		hh = (msg_header_t **)&sip->sip_authorization;
	}
	while (*hh != NULL)
		if (msg_header_remove(req, (msg_pub_t *)sip, *hh) == -1) {
			digest_err(err, errlen, "cannot remove old %s",
			    hc->hc_name);
			goto done;
		}
	if (sip_add_make(req, sip, hc, hdr) == -1) {
		digest_err(err, errlen, "cannot add %s", hc->hc_name);
		goto done;
	}
	rc = 0;
done:
	su_home_unref(tmp);
	return rc;
}

int
sc_digest_authorize(struct digest *d, msg_t *req, sip_t *reqsip,
    const char *user, const char *password, const char *method,
    const char *uri, char *err, size_t errlen)
{
	if (d == NULL || !d->taken) {
		digest_err(err, errlen, "no digest challenge taken");
		return -1;
	}
	if (req == NULL || (reqsip == NULL && (reqsip = sip_object(req)) ==
	    NULL)) {
		digest_err(err, errlen, "no request to authorize");
		return -1;
	}
	if (user == NULL || *user == '\0') {
		digest_err(err, errlen, "no username");
		return -1;
	}
	if (password == NULL) {
		digest_err(err, errlen, "no password");
		return -1;
	}
	/* Both go into the header between quotes, unescaped. */
	if (!digest_qsafe(user)) {
		digest_err(err, errlen,
		    "username holds a quote, backslash or control character");
		return -1;
	}
	if (uri == NULL || *uri == '\0' || !digest_qsafe(uri)) {
		digest_err(err, errlen, "bad request URI");
		return -1;
	}
	if (method == NULL || *method == '\0' ||
	    method[strcspn(method, " \t\"\\\r\n")] != '\0') {
		digest_err(err, errlen, "bad request method");
		return -1;
	}

	if (d->ch.alg == DIGEST_ALG_MD5 || d->ch.alg == DIGEST_ALG_MD5_SESS)
		return digest_authorize_sofia(d, req, reqsip, user, password,
		    method, uri, err, errlen);
	return digest_authorize_sha(d, req, reqsip, user, password, method,
	    uri, err, errlen);
}
