/*
 * auth.c - HTTP Basic authentication of the daemon's endpoint.
 *
 * Owns: the users and their crypt(3) hashes, the auth file (its
 * permissions, its parsing), the verification cache and the hash budget.
 *
 * Why the cache and the budget: the endpoint shares its thread with the
 * probes, and a probe's timings are only as good as the loop's latency.
 * Password hashing is slow on purpose (bcrypt cost 10 is about 50 ms),
 * so it is done once per credential: a success is remembered as an HMAC
 * of user and password under a per-process random key, so Prometheus
 * scraping every 15 s costs one HMAC per scrape, and hash computations
 * for credentials not seen before are rate-limited (a token bucket),
 * answered 429 beyond.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "web/auth.h"

#define AUTH_FILE_MAX		65536
#define AUTH_CRED_MAX		512		/* decoded user:password */
#define AUTH_RATE		5.0		/* hash computations per s */
#define AUTH_BURST		10.0
#define AUTH_DIGEST_LEN		32		/* HMAC-SHA256 */

struct auth_user {
	char		*name;
	char		*hash;
	unsigned char	 ok[AUTH_DIGEST_LEN];	/* last verified */
	int		 has_ok;
};

struct auth {
	struct auth_user	*users;
	size_t			 nusers;
	unsigned char		 key[32];	/* of the HMACs */
	double			 tokens;
	struct timespec		 refilled;
};

static int
auth_b64_value(int c)
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
auth_b64_decode(const char *in, unsigned char *out, size_t outsz)
{
	uint32_t	acc = 0;
	size_t		n = 0, bits = 0, pad = 0;
	int		v;

	for (; *in != '\0'; in++) {
		if (*in == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = auth_b64_value((unsigned char)*in)) < 0)
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
auth_hash_supported(const char *hash)
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
auth_hmac(const struct auth *a, const char *user, const char *pass,
    unsigned char out[AUTH_DIGEST_LEN])
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
	    EVP_MAC_init(ctx, a->key, sizeof(a->key), params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)user,
	    strlen(user) + 1) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)pass,
	    strlen(pass)) == 1 &&
	    EVP_MAC_final(ctx, out, &len, AUTH_DIGEST_LEN) == 1 &&
	    len == AUTH_DIGEST_LEN)
		ok = 1;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

/* Takes a token of the hash budget; 0 when it is spent. */
static int
auth_token(struct auth *a)
{
	struct timespec	now;
	double		dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - a->refilled.tv_sec) +
	    (double)(now.tv_nsec - a->refilled.tv_nsec) / 1e9;
	a->refilled = now;
	a->tokens += dt * AUTH_RATE;
	if (a->tokens > AUTH_BURST)
		a->tokens = AUTH_BURST;
	if (a->tokens < 1)
		return 0;
	a->tokens -= 1;
	return 1;
}

int
auth_check(struct auth *a, struct evhttp_request *req)
{
	struct evkeyvalq	*hdrs = evhttp_request_get_input_headers(req);
	struct crypt_data	*cd = NULL;
	struct auth_user	*u, *match = NULL;
	const char		*auth, *out;
	unsigned char		 cred[AUTH_CRED_MAX + 1];
	unsigned char		 mac[AUTH_DIGEST_LEN];
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
	if ((n = auth_b64_decode(auth, cred, sizeof(cred))) < 0 ||
	    memchr(cred, '\0', (size_t)n) != NULL)
		goto done;
	if ((pass = strchr((char *)cred, ':')) == NULL)
		goto done;
	*pass++ = '\0';

	/* Seen and verified before: one HMAC, no hashing. */
	if (auth_hmac(a, (char *)cred, pass, mac) == 0) {
		for (i = 0; i < a->nusers; i++) {
			u = &a->users[i];
			if (u->has_ok && CRYPTO_memcmp(u->ok, mac,
			    sizeof(mac)) == 0) {
				rc = 200;
				goto done;
			}
		}
	}
	if (!auth_token(a)) {
		rc = 429;
		goto done;
	}
	/*
	 * Every user name is compared, and a hash is computed even for an
	 * unknown user, so that timing does not tell which users exist.
	 */
	ulen = strlen((char *)cred);
	for (i = 0; i < a->nusers; i++) {
		u = &a->users[i];
		if (strlen(u->name) == ulen &&
		    CRYPTO_memcmp(u->name, cred, ulen) == 0)
			match = u;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		goto done;
	u = match != NULL ? match : &a->users[0];
	out = crypt_rn(pass, u->hash, cd, sizeof(*cd));
	if (match != NULL && out != NULL && strlen(out) == strlen(u->hash) &&
	    CRYPTO_memcmp(out, u->hash, strlen(u->hash)) == 0) {
		rc = 200;
		if (auth_hmac(a, (char *)cred, pass, u->ok) == 0)
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
auth_users_free(struct auth_user *users, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(users[i].name);
		free(users[i].hash);
	}
	free(users);
}

void
auth_clear(struct auth *a)
{
	auth_users_free(a->users, a->nusers);
	a->users = NULL;
	a->nusers = 0;
}

static int
auth_user_append(struct auth_user **users, size_t *n, const char *user,
    const char *hash)
{
	struct auth_user	*u;

	if (*user == '\0' || strchr(user, ':') != NULL ||
	    !auth_hash_supported(hash)) {
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
auth_user_add(struct auth *a, const char *user, const char *hash)
{
	return auth_user_append(&a->users, &a->nusers, user, hash);
}

/*
 * The contents of the auth file path, open on fd: a malloc'ed string,
 * or NULL with err.  Refused if it is not a regular file, if its group
 * or others may write it, or if it is larger than AUTH_FILE_MAX.
 */
static char *
auth_read(int fd, const char *path, char *err, size_t errlen)
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
	if ((buf = malloc(AUTH_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((len = read(fd, buf, AUTH_FILE_MAX + 1)) < 0)
		snprintf(err, errlen, "cannot read auth file %s: %s", path,
		    strerror(errno));
	else if (len > AUTH_FILE_MAX)
		snprintf(err, errlen, "auth file %s is larger than %d bytes",
		    path, AUTH_FILE_MAX);
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
auth_parse(char *buf, const char *path, struct auth_user **users,
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
		if (auth_user_append(users, nusers, line, colon + 1) == -1) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno,
			    errno == EINVAL ? "expected a bcrypt ($2b$) or "
			    "SHA-256-crypt ($5$) hash" : strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
auth_load(struct auth *a, const char *path, char *err,
    size_t errlen)
{
	struct auth_user	*users = NULL;
	char			*buf;
	size_t			 nusers = 0;
	int			 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "cannot open auth file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf = auth_read(fd, path, err, errlen);
	close(fd);
	if (buf == NULL)
		return -1;
	if (auth_parse(buf, path, &users, &nusers, err, errlen) == -1)
		goto done;
	if (nusers == 0) {
		snprintf(err, errlen, "auth file %s has no users", path);
		goto done;
	}
	auth_clear(a);
	a->users = users;
	a->nusers = nusers;
	users = NULL;
	nusers = 0;
	rc = 0;
done:
	auth_users_free(users, nusers);
	free(buf);
	return rc;
}

struct auth *
auth_new(char *err, size_t errlen)
{
	struct auth	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->tokens = AUTH_BURST;
	clock_gettime(CLOCK_MONOTONIC, &a->refilled);
	if (RAND_bytes(a->key, sizeof(a->key)) != 1) {
		snprintf(err, errlen, "no randomness for the auth cache key");
		goto fail;
	}
	return a;
fail:
	auth_free(a);
	return NULL;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	auth_clear(a);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a);
}

int
auth_enabled(const struct auth *a)
{
	return a->nusers > 0;
}
