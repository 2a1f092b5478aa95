/*
 * auth.c - HTTP Basic authentication of the daemon's endpoint.
 *
 * Owns: the users and their crypt(3) hashes, the dummy hash of unknown
 * users, the auth file (its permissions, its parsing), the verification
 * cache, the hash budget, and the password checks on their worker
 * thread (common/workq.c).
 *
 * Why the cache and the budget: the endpoint shares its thread with the
 * probes, and a probe's timings are only as good as the loop's latency.
 * Password hashing is slow on purpose (bcrypt cost 10 is about 50 ms),
 * so it is done once per credential: a success is remembered as an HMAC
 * of user and password under a per-process random key, so Prometheus
 * scraping every 15 s costs one HMAC per scrape, and hash computations
 * for credentials not seen before are rate-limited (a token bucket),
 * answered 429 beyond.  Those hashes run on a thread of their own, so
 * that even within the budget (5 a second, bursts of 10) the loop never
 * waits for one: the request waits, and goes on when its hash is done.
 * At most AUTH_QUEUE_MAX checks wait or run; beyond, 503 at once.
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

#include "common/workq.h"
#include "web/auth.h"

#define AUTH_FILE_MAX		65536
#define AUTH_CRED_MAX		512		/* decoded user:password */
#define AUTH_RATE		5.0		/* hash computations per s */
#define AUTH_BURST		10.0
#define AUTH_DIGEST_LEN		32		/* HMAC-SHA256 */
#define AUTH_QUEUE_MAX		16		/* checks waiting or running */
#define AUTH_SHA256_ROUNDS	5000		/* "$5$" without rounds= */

struct auth_user {
	char		*name;
	char		*hash;
	unsigned char	 ok[AUTH_DIGEST_LEN];	/* last verified */
	int		 has_ok;
};

struct auth {
	struct auth_user	*users;
	size_t			 nusers;
	char			*dummy;		/* setting for unknown users */
	unsigned char		 key[32];	/* of the HMACs */
	double			 tokens;
	struct timespec		 refilled;
	struct workq		*q;
	auth_done_cb		 done;
	void			*done_arg;
	struct auth_stats	 stats;
};

/*
 * One password check.  The thread reads cred and hash and writes ok;
 * nothing else of the job, and nothing of struct auth (a reload may
 * replace the users meanwhile: hash is a copy).
 */
struct auth_job {
	struct workq_job	 job;		/* first: a workq_job * is one */
	struct auth		*a;
	struct evhttp_request	*req;
	char			*hash;
	int			 known;		/* hash is the user's */
	int			 ok;
	size_t			 passoff;	/* cred + passoff: password */
	char			 cred[AUTH_CRED_MAX + 1];
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

/*
 * The request's Basic credentials decoded into cred as "user\0password":
 * the password, or NULL.
 */
static char *
auth_credentials(struct evhttp_request *req, unsigned char *cred,
    size_t credsz)
{
	struct evkeyvalq	*hdrs = evhttp_request_get_input_headers(req);
	const char		*auth;
	char			*pass;
	ssize_t			 n;

	if ((auth = evhttp_find_header(hdrs, "Authorization")) == NULL)
		return NULL;
	if (strncasecmp(auth, "Basic", 5) != 0 || (auth[5] != ' ' &&
	    auth[5] != '\t'))
		return NULL;
	for (auth += 5; *auth == ' ' || *auth == '\t'; auth++)
		;
	/* A NUL inside would end the password early: "user:pass\0junk". */
	if ((n = auth_b64_decode(auth, cred, credsz)) < 0 ||
	    memchr(cred, '\0', (size_t)n) != NULL)
		return NULL;
	if ((pass = strchr((char *)cred, ':')) == NULL)
		return NULL;
	*pass++ = '\0';
	return pass;
}

/* Seen and verified before: one HMAC, no hashing. */
static int
auth_cached(const struct auth *a, const char *user, const char *pass)
{
	unsigned char	mac[AUTH_DIGEST_LEN];
	size_t		i;
	int		hit = 0;

	if (auth_hmac(a, user, pass, mac) == -1)
		return 0;
	for (i = 0; i < a->nusers; i++)
		if (a->users[i].has_ok && CRYPTO_memcmp(a->users[i].ok, mac,
		    sizeof(mac)) == 0)
			hit = 1;
	OPENSSL_cleanse(mac, sizeof(mac));
	return hit;
}

/*
 * The user named name, or NULL.  Every name is compared, whole, so that
 * timing does not tell which users exist.
 */
static struct auth_user *
auth_user_find(const struct auth *a, const char *name)
{
	struct auth_user	*u, *match = NULL;
	size_t			 i, len = strlen(name);

	for (i = 0; i < a->nusers; i++) {
		u = &a->users[i];
		if (strlen(u->name) == len &&
		    CRYPTO_memcmp(u->name, name, len) == 0)
			match = u;
	}
	return match;
}

static void
auth_job_free(struct auth_job *j)
{
	OPENSSL_cleanse(j->cred, sizeof(j->cred));
	free(j->hash);
	free(j);
}

/* On the worker thread: the hash, the slow part. */
static void
auth_job_work(struct workq_job *wj)
{
	struct auth_job		*j = (struct auth_job *)wj;
	struct crypt_data	*cd;
	const char		*out;
	size_t			 len = strlen(j->hash);

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return;		/* not verified: 401 */
	out = crypt_rn(j->cred + j->passoff, j->hash, cd, sizeof(*cd));
	j->ok = j->known && out != NULL && strlen(out) == len &&
	    CRYPTO_memcmp(out, j->hash, len) == 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
}

/*
 * Back on the loop: a verified password counts only if its user still
 * has the hash it was checked against (a reload may have changed it),
 * and is then remembered.  The request goes on in the done callback: 200,
 * 401, or 503 when the check was dropped at auth_free().
 */
static void
auth_job_done(struct workq_job *wj, int ran)
{
	struct auth_job		*j = (struct auth_job *)wj;
	struct auth		*a = j->a;
	struct evhttp_request	*req = j->req;
	struct auth_user	*u;
	int			 code = ran ? 401 : 503;

	if (ran && j->ok && (u = auth_user_find(a, j->cred)) != NULL &&
	    strcmp(u->hash, j->hash) == 0) {
		code = 200;
		if (auth_hmac(a, j->cred, j->cred + j->passoff, u->ok) == 0)
			u->has_ok = 1;
	}
	auth_job_free(j);
	a->done(req, code, a->done_arg);
}

/*
 * A check of user and pass against the user's hash, or the dummy for an
 * unknown user, queued for the worker.  0, or -1 (503: no memory, the
 * queue is full, or the thread cannot start).
 */
static int
auth_submit(struct auth *a, struct evhttp_request *req, const char *user,
    const char *pass)
{
	struct auth_job		*j;
	struct auth_user	*u = auth_user_find(a, user);

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->job.work = auth_job_work;
	j->job.done = auth_job_done;
	j->a = a;
	j->req = req;
	j->known = u != NULL;
	j->passoff = strlen(user) + 1;
	/* user and pass come from a buffer of the same size. */
	memcpy(j->cred, user, j->passoff);
	memcpy(j->cred + j->passoff, pass, strlen(pass) + 1);
	if ((j->hash = strdup(u != NULL ? u->hash : a->dummy)) == NULL ||
	    workq_submit(a->q, &j->job) == -1) {
		auth_job_free(j);
		return -1;
	}
	return 0;
}

int
auth_check(struct auth *a, struct evhttp_request *req)
{
	unsigned char	 cred[AUTH_CRED_MAX + 1];
	char		*pass;
	int		 rc = 401;

	if ((pass = auth_credentials(req, cred, sizeof(cred))) == NULL)
		goto done;
	if (auth_cached(a, (char *)cred, pass)) {
		rc = 200;
		goto done;
	}
	if (!auth_token(a)) {
		a->stats.limited++;
		rc = 429;
		goto done;
	}
	if (auth_submit(a, req, (char *)cred, pass) == -1) {
		a->tokens += 1;		/* nothing was hashed */
		a->stats.refused++;
		rc = 503;
		goto done;
	}
	a->stats.queued++;
	rc = AUTH_PENDING;
done:
	OPENSSL_cleanse(cred, sizeof(cred));
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
	free(a->dummy);
	a->dummy = NULL;
}

/* The length of hash's scheme prefix ("$2b$", "$5$"). */
static size_t
auth_hash_scheme(const char *hash)
{
	return hash[1] == '2' ? 4 : 3;
}

/* The cost of a supported hash: bcrypt's log2 rounds, SHA-crypt's rounds. */
static unsigned long
auth_hash_cost(const char *hash)
{
	const char	*p = hash + auth_hash_scheme(hash);

	if (hash[1] == '2')
		return strtoul(p, NULL, 10);
	if (strncmp(p, "rounds=", 7) == 0)
		return strtoul(p + 7, NULL, 10);
	return AUTH_SHA256_ROUNDS;
}

/*
 * The setting an unknown user's password is hashed with, so that their
 * 401 takes as long as a known user's: a fresh salt, in the scheme of
 * the first user, at the highest cost a user of that scheme has.  NULL
 * with errno.
 */
static char *
auth_dummy_new(const struct auth_user *users, size_t n)
{
	char		 prefix[8], out[CRYPT_GENSALT_OUTPUT_SIZE];
	size_t		 i, plen = auth_hash_scheme(users[0].hash);
	unsigned long	 cost = 0;

	for (i = 0; i < n; i++)
		if (strncmp(users[i].hash, users[0].hash, plen) == 0 &&
		    auth_hash_cost(users[i].hash) > cost)
			cost = auth_hash_cost(users[i].hash);
	memcpy(prefix, users[0].hash, plen);
	prefix[plen] = '\0';
	if (crypt_gensalt_rn(prefix, cost, NULL, 0, out, sizeof(out)) == NULL)
		return NULL;
	return strdup(out);
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
	char	*dummy;

	if (auth_user_append(&a->users, &a->nusers, user, hash) == -1)
		return -1;
	if ((dummy = auth_dummy_new(a->users, a->nusers)) == NULL) {
		a->nusers--;
		free(a->users[a->nusers].name);
		free(a->users[a->nusers].hash);
		return -1;
	}
	free(a->dummy);
	a->dummy = dummy;
	return 0;
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
	char			*buf, *dummy;
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
	if ((dummy = auth_dummy_new(users, nusers)) == NULL) {
		snprintf(err, errlen, "auth file %s: cannot make a salt for the "
		    "dummy hash of unknown users: %s", path, strerror(errno));
		goto done;
	}
	auth_clear(a);
	a->users = users;
	a->nusers = nusers;
	a->dummy = dummy;
	users = NULL;
	nusers = 0;
	rc = 0;
done:
	auth_users_free(users, nusers);
	free(buf);
	return rc;
}

struct auth *
auth_new(struct event_base *base, auth_done_cb done, void *arg, char *err,
    size_t errlen)
{
	struct auth	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->done = done;
	a->done_arg = arg;
	a->tokens = AUTH_BURST;
	clock_gettime(CLOCK_MONOTONIC, &a->refilled);
	if (RAND_bytes(a->key, sizeof(a->key)) != 1) {
		snprintf(err, errlen, "no randomness for the auth cache key");
		goto fail;
	}
	if ((a->q = workq_new(base, AUTH_QUEUE_MAX, err, errlen)) == NULL)
		goto fail;
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
	/* Checks not handed back are answered 503 now, users or not. */
	workq_free(a->q);
	auth_clear(a);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a);
}

int
auth_enabled(const struct auth *a)
{
	return a->nusers > 0;
}

void
auth_get_stats(const struct auth *a, struct auth_stats *st)
{
	*st = a->stats;
}
