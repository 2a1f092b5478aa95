/*
 * httpd.c - the daemon's HTTP endpoint: evhttp on the daemon's
 * event_base, a route table, GET/HEAD only, optional basic
 * authentication against crypt(3) hashes, optional TLS.
 *
 * Owns: the listening socket (bound by us, not by evhttp, so that the
 * errors name the address and the cause, and IPv6 sockets are v6-only),
 * the dispatch (404, 405, 401/429, then the handler), the common
 * response headers, the auth users and their verification cache, and
 * the server SSL_CTX.
 *
 * Why these limits: the endpoint shares its thread with the probes, and
 * a probe's timings are only as good as the loop's latency.  So
 * requests are small (headers 8 kB, body 4 kB), idle or slow
 * connections time out after 10 s, and password hashing, which is slow
 * on purpose (bcrypt cost 10 is about 50 ms), is done once per
 * credential: a success is remembered as an HMAC of user and password
 * under a per-process random key, so Prometheus scraping every 15 s
 * costs one HMAC per scrape, and hash computations for credentials not
 * seen before are rate-limited (a token bucket), answered 429 beyond.
 *
 * libevent 2.1 has no limit on concurrent connections, and its timeout
 * counts idle time only: httpd_conn.c caps the connections and gives
 * each request head a deadline; every new connection passes through it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "common/hostport.h"
#include "web/httpd.h"
#include "web/httpd_conn.h"
#include "common/html.h"

#define HTTPD_MAX_HEADERS	8192
#define HTTPD_MAX_BODY		4096
#define HTTPD_TIMEOUT		10		/* seconds */
#define HTTPD_BACKLOG		64
#define HTTPD_REALM		"sipcanary"
#define HTTPD_AUTH_FILE_MAX	65536
#define HTTPD_CRED_MAX		512		/* decoded user:password */
#define HTTPD_AUTH_RATE		5.0		/* hash computations per s */
#define HTTPD_AUTH_BURST	10.0
#define HTTPD_DIGEST_LEN	32		/* HMAC-SHA256 */

struct httpd_route {
	char		*path;
	httpd_handler	 handler;
	void		*arg;
	int		 public;
};

struct httpd_user {
	char		*name;
	char		*hash;
	unsigned char	 ok[HTTPD_DIGEST_LEN];	/* last verified */
	int		 has_ok;
};

struct httpd {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	struct httpd_route		*routes;
	size_t				 nroutes;
	struct httpd_user		*users;
	size_t				 nusers;
	unsigned char			 key[32];	/* of the HMACs */
	double				 tokens;
	struct timespec			 refilled;
	SSL_CTX				*ssl;
	struct hconns			*conns;
};

static void	httpd_healthz(struct evhttp_request *, void *);

/* --- replies --------------------------------------------------------- */

static const char *
httpd_reason(int code)
{
	switch (code) {
	case 200:	return "OK";
	case 204:	return "No Content";
	case 400:	return "Bad Request";
	case 401:	return "Unauthorized";
	case 403:	return "Forbidden";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 429:	return "Too Many Requests";
	case 500:	return "Internal Server Error";
	case 503:	return "Service Unavailable";
	default:	return NULL;	/* libevent's own table */
	}
}

void
httpd_send(struct evhttp_request *req, int code, const char *content_type,
    struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 len[32];

	if (content_type != NULL) {
		evhttp_remove_header(h, "Content-Type");
		evhttp_add_header(h, "Content-Type", content_type);
	}
	/*
	 * libevent 2.1 sends the body of a HEAD reply: on a kept-alive
	 * connection the client would read it as the next response.  Say
	 * the length GET would have, and send nothing.
	 */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD &&
	    body != NULL) {
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_remove_header(h, "Content-Length");
		evhttp_add_header(h, "Content-Length", len);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	evhttp_send_reply(req, code, httpd_reason(code), body);
}

void
httpd_send_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer	*b;

	/* Without memory, still answer: an empty body beats a hang. */
	if ((b = evbuffer_new()) != NULL)
		evbuffer_add(b, text, strlen(text));
	httpd_send(req, code, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

static void
httpd_healthz(struct evhttp_request *req, void *arg)
{
	(void)arg;
	httpd_send_text(req, 200, "ok\n");
}

/* --- authentication -------------------------------------------------- */

static int
httpd_b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64 (RFC 4648, padding optional) into out; returns the
 * length or -1.  Leaves a NUL after the data.
 */
static ssize_t
httpd_b64_decode(const char *in, unsigned char *out, size_t outsz)
{
	uint32_t	acc = 0;
	size_t		n = 0, bits = 0, pad = 0;
	int		v;

	for (; *in != '\0'; in++) {
		if (*in == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = httpd_b64_value((unsigned char)*in)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= outsz)
				return -1;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	if (pad > 2 || bits >= 6)
		return -1;
	out[n] = '\0';
	return (ssize_t)n;
}

static int
httpd_hash_supported(const char *hash)
{
	struct crypt_data	*cd;
	const char		*out;
	int			 ok;

	if (strncmp(hash, "$2b$", 4) != 0 && strncmp(hash, "$2a$", 4) != 0 &&
	    strncmp(hash, "$2y$", 4) != 0 && strncmp(hash, "$5$", 3) != 0)
		return 0;
	/* Well-formed: libcrypt can hash with it as the setting. */
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_rn("", hash, cd, sizeof(*cd));
	ok = out != NULL && out[0] != '*' && strlen(out) == strlen(hash);
	free(cd);
	return ok;
}

static int
httpd_hmac(const struct httpd *h, const char *user, const char *pass,
    unsigned char out[HTTPD_DIGEST_LEN])
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	size_t		 len = 0;
	int		 ok = 0;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* The NUL keeps ("ab", "c") and ("a", "bc") apart. */
	if ((ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, h->key, sizeof(h->key), params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)user,
	    strlen(user) + 1) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)pass,
	    strlen(pass)) == 1 &&
	    EVP_MAC_final(ctx, out, &len, HTTPD_DIGEST_LEN) == 1 &&
	    len == HTTPD_DIGEST_LEN)
		ok = 1;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

/* Takes a token of the hash budget; 0 when it is spent. */
static int
httpd_auth_token(struct httpd *h)
{
	struct timespec	now;
	double		dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - h->refilled.tv_sec) +
	    (double)(now.tv_nsec - h->refilled.tv_nsec) / 1e9;
	h->refilled = now;
	h->tokens += dt * HTTPD_AUTH_RATE;
	if (h->tokens > HTTPD_AUTH_BURST)
		h->tokens = HTTPD_AUTH_BURST;
	if (h->tokens < 1)
		return 0;
	h->tokens -= 1;
	return 1;
}

/* Returns 200 (authenticated), 401 or 429. */
static int
httpd_authenticate(struct httpd *h, struct evhttp_request *req)
{
	struct evkeyvalq	*hdrs = evhttp_request_get_input_headers(req);
	struct crypt_data	*cd = NULL;
	struct httpd_user	*u, *match = NULL;
	const char		*auth, *out;
	unsigned char		 cred[HTTPD_CRED_MAX + 1];
	unsigned char		 mac[HTTPD_DIGEST_LEN];
	char			*pass;
	size_t			 i, ulen;
	ssize_t			 n;
	int			 rc = 401;

	if ((auth = evhttp_find_header(hdrs, "Authorization")) == NULL)
		return 401;
	if (strncasecmp(auth, "Basic", 5) != 0 || (auth[5] != ' ' &&
	    auth[5] != '\t'))
		return 401;
	for (auth += 5; *auth == ' ' || *auth == '\t'; auth++)
		;
	/* A NUL inside would end the password early: "user:pass\0junk". */
	if ((n = httpd_b64_decode(auth, cred, sizeof(cred))) < 0 ||
	    memchr(cred, '\0', (size_t)n) != NULL)
		goto done;
	if ((pass = strchr((char *)cred, ':')) == NULL)
		goto done;
	*pass++ = '\0';

	/* Seen and verified before: one HMAC, no hashing. */
	if (httpd_hmac(h, (char *)cred, pass, mac) == 0) {
		for (i = 0; i < h->nusers; i++) {
			u = &h->users[i];
			if (u->has_ok && CRYPTO_memcmp(u->ok, mac,
			    sizeof(mac)) == 0) {
				rc = 200;
				goto done;
			}
		}
	}
	if (!httpd_auth_token(h)) {
		rc = 429;
		goto done;
	}
	/*
	 * Every user name is compared, and a hash is computed even for an
	 * unknown user, so that timing does not tell which users exist.
	 */
	ulen = strlen((char *)cred);
	for (i = 0; i < h->nusers; i++) {
		u = &h->users[i];
		if (strlen(u->name) == ulen &&
		    CRYPTO_memcmp(u->name, cred, ulen) == 0)
			match = u;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		goto done;
	u = match != NULL ? match : &h->users[0];
	out = crypt_rn(pass, u->hash, cd, sizeof(*cd));
	if (match != NULL && out != NULL && strlen(out) == strlen(u->hash) &&
	    CRYPTO_memcmp(out, u->hash, strlen(u->hash)) == 0) {
		rc = 200;
		if (httpd_hmac(h, (char *)cred, pass, u->ok) == 0)
			u->has_ok = 1;
	}
done:
	OPENSSL_cleanse(cred, sizeof(cred));
	if (cd != NULL) {
		OPENSSL_cleanse(cd, sizeof(*cd));
		free(cd);
	}
	return rc;
}

static void
httpd_users_free(struct httpd_user *users, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(users[i].name);
		free(users[i].hash);
	}
	free(users);
}

void
httpd_clear_basic_auth(struct httpd *h)
{
	httpd_users_free(h->users, h->nusers);
	h->users = NULL;
	h->nusers = 0;
}

static int
httpd_user_add(struct httpd_user **users, size_t *n, const char *user,
    const char *hash)
{
	struct httpd_user	*u;

	if (*user == '\0' || strchr(user, ':') != NULL ||
	    !httpd_hash_supported(hash)) {
		errno = EINVAL;
		return -1;
	}
	if ((u = reallocarray(*users, *n + 1, sizeof(*u))) == NULL)
		return -1;
	*users = u;
	u = &u[*n];
	memset(u, 0, sizeof(*u));
	if ((u->name = strdup(user)) == NULL ||
	    (u->hash = strdup(hash)) == NULL) {
		free(u->name);
		return -1;
	}
	(*n)++;
	return 0;
}

int
httpd_set_basic_auth(struct httpd *h, const char *user, const char *hash)
{
	return httpd_user_add(&h->users, &h->nusers, user, hash);
}

/*
 * The contents of the auth file path, open on fd: a malloc'ed string,
 * or NULL with err.  Refused if it is not a regular file, if its group
 * or others may write it, or if it is larger than HTTPD_AUTH_FILE_MAX.
 */
static char *
httpd_read_auth(int fd, const char *path, char *err, size_t errlen)
{
	struct stat		 st;
	char			*buf;
	ssize_t			 len;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "auth file %s is not a regular file",
		    path);
		return NULL;
	}
	/* Whoever can write it can let themselves in. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "auth file %s is writable by %s: "
		    "chmod go-w %s", path, (st.st_mode & S_IWOTH) ? "others" :
		    "its group", path);
		return NULL;
	}
	if ((buf = malloc(HTTPD_AUTH_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((len = read(fd, buf, HTTPD_AUTH_FILE_MAX + 1)) < 0)
		snprintf(err, errlen, "cannot read auth file %s: %s", path,
		    strerror(errno));
	else if (len > HTTPD_AUTH_FILE_MAX)
		snprintf(err, errlen, "auth file %s is larger than %d bytes",
		    path, HTTPD_AUTH_FILE_MAX);
	else {
		buf[len] = '\0';
		return buf;
	}
	free(buf);
	return NULL;
}

/*
 * The user:hash lines of buf (the file path) added to *users; blank
 * lines and # comments skipped.  -1 with err (FILE:LINE: why).
 */
static int
httpd_parse_auth(char *buf, const char *path, struct httpd_user **users,
    size_t *nusers, char *err, size_t errlen)
{
	char			*line, *next, *colon;
	size_t			 lineno = 0;

	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL) {
			snprintf(err, errlen, "%s:%zu: expected user:hash",
			    path, lineno);
			return -1;
		}
		*colon = '\0';
		if (httpd_user_add(users, nusers, line, colon + 1) == -1) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno,
			    errno == EINVAL ? "expected a bcrypt ($2b$) or "
			    "SHA-256-crypt ($5$) hash" : strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
httpd_load_basic_auth(struct httpd *h, const char *path, char *err,
    size_t errlen)
{
	struct httpd_user	*users = NULL;
	char			*buf;
	size_t			 nusers = 0;
	int			 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "cannot open auth file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf = httpd_read_auth(fd, path, err, errlen);
	close(fd);
	if (buf == NULL)
		return -1;
	if (httpd_parse_auth(buf, path, &users, &nusers, err, errlen) == -1)
		goto done;
	if (nusers == 0) {
		snprintf(err, errlen, "auth file %s has no users", path);
		goto done;
	}
	httpd_clear_basic_auth(h);
	h->users = users;
	h->nusers = nusers;
	users = NULL;
	nusers = 0;
	rc = 0;
done:
	httpd_users_free(users, nusers);
	free(buf);
	return rc;
}

/* --- dispatch -------------------------------------------------------- */

static struct httpd_route *
httpd_route_find(const struct httpd *h, const char *path)
{
	size_t	i;

	for (i = 0; i < h->nroutes; i++)
		if (strcmp(h->routes[i].path, path) == 0)
			return &h->routes[i];
	return NULL;
}

static void
httpd_dispatch(struct evhttp_request *req, void *arg)
{
	struct httpd		*h = arg;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct httpd_route	*r;
	const char		*path = NULL;
	int			 cmd;

	hconns_request(h->conns, req);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	/* Only the status page is HTML: inline CSS, nothing to fetch. */
	evhttp_add_header(out, "Content-Security-Policy",
	    HTML_CSP "; frame-ancestors 'none'");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");

	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	if ((r = httpd_route_find(h, path)) == NULL) {
		httpd_send_text(req, 404, "not found\n");
		return;
	}
	cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(out, "Allow", "GET, HEAD");
		httpd_send_text(req, 405, "method not allowed\n");
		return;
	}
	if (!r->public && h->nusers > 0) {
		switch (httpd_authenticate(h, req)) {
		case 200:
			break;
		case 429:
			evhttp_add_header(out, "Retry-After", "1");
			httpd_send_text(req, 429, "too many authentication "
			    "attempts\n");
			return;
		default:
			evhttp_add_header(out, "WWW-Authenticate", "Basic "
			    "realm=\"" HTTPD_REALM "\", charset=\"UTF-8\"");
			httpd_send_text(req, 401, "unauthorized\n");
			return;
		}
	}
	r->handler(req, r->arg);
}

static int
httpd_route_add(struct httpd *h, const char *path, httpd_handler handler,
    void *arg, int public)
{
	struct httpd_route	*r;
	char			*p;

	if ((r = httpd_route_find(h, path)) != NULL) {
		r->handler = handler;
		r->arg = arg;
		r->public = public;
		return 0;
	}
	if ((p = strdup(path)) == NULL)
		return -1;
	if ((r = reallocarray(h->routes, h->nroutes + 1, sizeof(*r))) == NULL) {
		free(p);
		return -1;
	}
	h->routes = r;
	r = &r[h->nroutes++];
	r->path = p;
	r->handler = handler;
	r->arg = arg;
	r->public = public;
	return 0;
}

int
httpd_route(struct httpd *h, const char *path, httpd_handler handler,
    void *arg)
{
	return httpd_route_add(h, path, handler, arg, 0);
}

int
httpd_route_public(struct httpd *h, const char *path, httpd_handler handler,
    void *arg)
{
	return httpd_route_add(h, path, handler, arg, 1);
}

/* --- TLS ------------------------------------------------------------- */

static struct bufferevent *
httpd_tls_bev(struct httpd *h)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(h->ssl)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(h->base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Clients that just close are normal, not errors. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/*
 * evhttp's bufferevent callback, at every accept: a TLS one once
 * httpd_set_tls() was called, else a plain one as evhttp makes
 * (options 0: evhttp closes the socket itself); and the connection is
 * handed to httpd_conn.c.  On failure evhttp falls back to a plain
 * bufferevent, unwatched: a TLS client then fails its handshake, which
 * is the right outcome, and idle time still ends it.
 */
static struct bufferevent *
httpd_bev(struct event_base *base, void *arg)
{
	struct httpd		*h = arg;
	struct bufferevent	*bev;

	if (h->ssl != NULL)
		bev = httpd_tls_bev(h);
	else
		bev = bufferevent_socket_new(base, -1, 0);
	if (bev != NULL)
		hconns_accepted(h->conns, bev);
	return bev;
}

static void
httpd_ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
	unsigned long	e = ERR_peek_last_error();
	char		buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s %s: %s", what, path, e ? buf : "failed");
	ERR_clear_error();
}

int
httpd_set_tls(struct httpd *h, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	SSL_CTX		*ctx;
	struct stat	 st;

	/* A private key is a secret file: the same rule as passwords. */
	if (stat(key_file, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "TLS key %s is readable by %s: chmod 600 "
		    "%s", key_file, (st.st_mode & S_IRWXO) ? "others" :
		    "its group", key_file);
		return -1;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		httpd_ssl_err(err, errlen, "TLS context", "");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		httpd_ssl_err(err, errlen, "TLS certificate", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		httpd_ssl_err(err, errlen, "TLS key", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		httpd_ssl_err(err, errlen, "TLS key does not match", cert_file);
		goto fail;
	}
	/* Connections in progress hold their own reference. */
	SSL_CTX_free(h->ssl);
	h->ssl = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return -1;
}

/* --- the socket ------------------------------------------------------ */

/*
 * Splits "host:port" / "[v6]:port" into its parts, in place, by the
 * rules of hostport_parse(); port 0 binds any free port.
 */
static int
httpd_parse_listen(char *s, char **host, char **port)
{
	struct hostport	 hp;

	if (hostport_parse(s, strlen(s), HOSTPORT_PORT0, &hp) != HOSTPORT_OK ||
	    hp.hostlen == 0 || !hp.has_port)
		return -1;
	*host = s + (hp.host - s);
	*port = *host + hp.hostlen + (hp.bracketed ? 2 : 1);
	(*host)[hp.hostlen] = '\0';
	return 0;
}

static int
httpd_bind(const char *listen_on, char *err, size_t errlen)
{
	struct addrinfo	 hints, *ai = NULL;
	char		*s, *host, *port;
	int		 fd = -1, one = 1, e;

	if ((s = strdup(listen_on)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (httpd_parse_listen(s, &host, &port) == -1) {
		snprintf(err, errlen, "listen \"%s\": expected ADDRESS:PORT, "
		    "e.g. 127.0.0.1:9464 or [::1]:9464", listen_on);
		goto done;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen \"%s\": %s (a numeric IPv4 or "
		    "[IPv6] address is expected)", listen_on, gai_strerror(e));
		goto done;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
		snprintf(err, errlen, "listen %s: socket: %s", listen_on,
		    strerror(errno));
		goto done;
	}
	/* Restarts must not wait for TIME_WAIT to clear. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:9464 means IPv6 only; say 0.0.0.0 as well to get both. */
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, HTTPD_BACKLOG) == -1) {
		snprintf(err, errlen, "listen %s: %s", listen_on,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
done:
	if (ai != NULL)
		freeaddrinfo(ai);
	free(s);
	return fd;
}

struct httpd *
httpd_start(struct event_base *base, const char *listen_on, char *err,
    size_t errlen)
{
	struct httpd	*h;
	int		 fd = -1;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	h->tokens = HTTPD_AUTH_BURST;
	clock_gettime(CLOCK_MONOTONIC, &h->refilled);
	if (RAND_bytes(h->key, sizeof(h->key)) != 1) {
		snprintf(err, errlen, "no randomness for the auth cache key");
		goto fail;
	}
	if ((fd = httpd_bind(listen_on, err, errlen)) == -1)
		goto fail;
	if ((h->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, HTTPD_MAX_BODY);
	evhttp_set_timeout(h->http, HTTPD_TIMEOUT);
	evhttp_set_default_content_type(h->http, "text/plain; charset=utf-8");
	/* Every method reaches the dispatch, which answers 405 with Allow. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, httpd_dispatch, h);
	if ((h->sock = evhttp_accept_socket_with_handle(h->http, fd)) == NULL) {
		snprintf(err, errlen, "listen %s: cannot accept: %s", listen_on,
		    strerror(errno));
		goto fail;
	}
	fd = -1;	/* evhttp owns it now */
	if ((h->conns = hconns_new(base, evhttp_bound_socket_get_listener(
	    h->sock))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evhttp_set_bevcb(h->http, httpd_bev, h);
	if (httpd_route_public(h, "/healthz", httpd_healthz, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return h;
fail:
	if (fd != -1)
		close(fd);
	httpd_free(h);
	return NULL;
}

int
httpd_bound_port(const struct httpd *h)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (h == NULL || h->sock == NULL || getsockname(
	    evhttp_bound_socket_get_fd(h->sock), (struct sockaddr *)&ss,
	    &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int
httpd_set_limits(struct httpd *h, const struct httpd_limits *lim)
{
	return hconns_set_limits(h->conns, lim);
}

void
httpd_get_limits(const struct httpd *h, struct httpd_limits *lim)
{
	hconns_get_limits(h->conns, lim);
}

void
httpd_get_stats(const struct httpd *h, struct httpd_stats *st)
{
	hconns_get_stats(h->conns, st);
}

void
httpd_set_log(struct httpd *h, void (*fn)(void *, const char *), void *arg)
{
	hconns_set_log(h->conns, fn, arg);
}

void
httpd_free(struct httpd *h)
{
	size_t	i;

	if (h == NULL)
		return;
	/* Closes the listener and every connection, without callbacks. */
	hconns_free(h->conns);
	if (h->http != NULL)
		evhttp_free(h->http);
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	free(h->routes);
	httpd_clear_basic_auth(h);
	SSL_CTX_free(h->ssl);
	OPENSSL_cleanse(h->key, sizeof(h->key));
	free(h);
}
