/*
 * fuzz_config.c - the daemon's config parser: sipcanary.conf(5) through
 * config_load_string() (prober/conf/conf.c, with confparse.c, duration.c,
 * secret.c and target.c).
 *
 * The input is the text of a config file.  config_load_string() needs a
 * NUL-terminated string; confparse_read_file() refuses a file with a NUL
 * byte, so the parser never sees one: here it sees the text up to the
 * first NUL.
 *
 * The config names files: password_file, ca_file and the sinks' secret
 * files, relative to the config's directory.  The config "lives" in
 * $TMPDIR/sipcanary-fuzz-conf-UID (/tmp without TMPDIR), which holds
 *   pw        mode 0600, "Pw-fuzz-file" (loads)
 *   pw-open   mode 0644 (refused: readable by others)
 *   pw-empty  mode 0600, empty (refused)
 * and SIPCANARY_PASSWORD_VOICE_PROD and SIPCANARY_PASSWORD_A are set in
 * the environment, so that both password sources load.  The harness runs
 * as root on a shared machine: a fuzzed password_file outside that
 * directory is answered "No such file or directory" by a wrapper
 * (-Wl,--wrap=secret_read_file) instead of opening whatever device or
 * file the fuzzer spells.
 *
 * Invariants checked besides ASan/UBSan/LSan: either a config or an
 * error "NAME..." comes back, never both or neither; a loaded config
 * obeys the rules conf.h promises (at least one target, timeout <
 * interval, crit_days <= warn_days, a password exactly when there is a
 * user, labels of at most CONFIG_NAME_MAX characters...), and is the
 * same (target_conf_same) when loaded twice; and, once conf.h has alert
 * sinks (CONFIG_SINK_NAME_MAX), the same for sinks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/secret.h"

#include "fuzz_common.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
/* The prototype of secret_read_file() (conf/secret.h), wrapped. */
char	*__wrap_secret_read_file(const char *, const char *, uid_t, int,
	    char *, size_t);
char	*__real_secret_read_file(const char *, const char *, uid_t, int,
	    char *, size_t);

static char	 fuzz_dir[PATH_MAX];
static char	 fuzz_name[PATH_MAX];

/*
 * Writes name in fuzz_dir unless it is already there as wanted: through
 * a temporary file and rename(), so that another fuzzing process never
 * reads it half-written.
 */
static void
fuzz_file(const char *name, mode_t mode, const char *text)
{
	char		 p[PATH_MAX + 16], t[PATH_MAX + 32], buf[64];
	struct stat	 st;
	ssize_t		 n = -1;
	int		 fd;

	snprintf(p, sizeof(p), "%s/%s", fuzz_dir, name);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, buf, sizeof(buf));
		if (fstat(fd, &st) == -1)
			n = -1;
		close(fd);
		if (n == (ssize_t)strlen(text) && memcmp(buf, text, n) == 0 &&
		    (st.st_mode & 07777) == mode)
			return;
	}
	snprintf(t, sizeof(t), "%s.%ld", p, (long)getpid());
	fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FUZZ_CHECK(fd != -1, "%s: %s", t, strerror(errno));
	FUZZ_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text),
	    "write");
	FUZZ_CHECK(fchmod(fd, mode) == 0, "fchmod");
	close(fd);
	FUZZ_CHECK(rename(t, p) == 0, "rename %s: %s", t, strerror(errno));
}

/*
 * A fixed directory, so that messages (and their lengths) are the same
 * from run to run and a crash replays exactly: $TMPDIR or /tmp, then
 * sipcanary-fuzz-conf-UID.  It is kept: other runs may be using it.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");
	struct stat	 st;

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/sipcanary-fuzz-conf-%ld",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", (long)getuid());
	if (mkdir(fuzz_dir, 0700) == -1)
		FUZZ_CHECK(errno == EEXIST && lstat(fuzz_dir, &st) == 0 &&
		    S_ISDIR(st.st_mode) && st.st_uid == getuid(),
		    "%s: not a directory of ours", fuzz_dir);
	fuzz_file("pw", 0600, "Pw-fuzz-file\nsecond line\n");
	fuzz_file("pw-open", 0644, "Pw-fuzz-open\n");
	fuzz_file("pw-empty", 0600, "");
	snprintf(fuzz_name, sizeof(fuzz_name), "%s/sipcanary.conf", fuzz_dir);
	setenv("SIPCANARY_PASSWORD_VOICE_PROD", "Pw-fuzz-env", 1);
	setenv("SIPCANARY_PASSWORD_A", "Pw-fuzz-env-a", 1);
	setenv("SIPCANARY_PASSWORD_EMPTY", "", 1);
	return 0;
}

/* Only files in the harness's own directory are opened. */
char *
__wrap_secret_read_file(const char *path, const char *what, uid_t owner,
    int insecure, char *err, size_t errlen)
{
	size_t	 n = strlen(fuzz_dir);

	if (strncmp(path, fuzz_dir, n) != 0 || path[n] != '/' ||
	    strchr(path + n + 1, '/') != NULL) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, path,
		    strerror(ENOENT));
		return NULL;
	}
	return __real_secret_read_file(path, what, owner, insecure, err,
	    errlen);
}

/* A change of secret_read_file()'s prototype must not build. */
static __typeof__(secret_read_file) *const fuzz_wrap_same
    __attribute__((unused)) = __wrap_secret_read_file;

/* Characters, as cf_label() counts them (UTF-8 lead bytes). */
static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
check_config(const struct sc_config *c)
{
	size_t	 i, j;

	FUZZ_CHECK(c->ntargets >= 1 && c->targets != NULL, "no targets");
	FUZZ_CHECK(c->path != NULL && strcmp(c->path, fuzz_name) == 0, "path");
	FUZZ_CHECK(c->vantage != NULL && c->vantage[0] != '\0' &&
	    utf8_chars(c->vantage) <= CONFIG_NAME_MAX, "vantage");
	FUZZ_CHECK(c->listen != NULL && c->state_dir != NULL &&
	    c->state_dir[0] == '/', "listen, state_dir");
	FUZZ_CHECK(c->log_format == CONFIG_LOG_JSON ||
	    c->log_format == CONFIG_LOG_LOGFMT, "log_format");
	for (i = 0; i < c->ntargets; i++) {
		const struct target_conf *t = &c->targets[i];

		FUZZ_CHECK(t->name != NULL && t->name[0] != '\0' &&
		    utf8_chars(t->name) <= CONFIG_NAME_MAX, "name");
		FUZZ_CHECK(config_target(c, t->name) == t, "names unique");
		FUZZ_CHECK(t->uri != NULL, "uri");
		FUZZ_CHECK((t->user == NULL) == (t->password == NULL),
		    "user %s, password %s", t->user ? "set" : "unset",
		    t->password ? "set" : "unset");
		FUZZ_CHECK(t->user == NULL ||
		    strlen(t->user) <= CONFIG_USER_MAX, "user");
		FUZZ_CHECK(t->password == NULL || t->password[0] != '\0',
		    "empty password");
		FUZZ_CHECK(t->owner == NULL ||
		    utf8_chars(t->owner) <= CONFIG_NAME_MAX, "owner");
		FUZZ_CHECK(t->interval >= 1 && t->timeout > 0 &&
		    t->timeout < t->interval, "timeout %g interval %g",
		    t->timeout, t->interval);
		FUZZ_CHECK(t->keepalive > 0 && t->reconnect_every >= 0,
		    "keepalive");
		FUZZ_CHECK(t->flows <= CONFIG_FLOWS_MAX, "flows");
		FUZZ_CHECK(t->expires >= CONFIG_EXPIRES_MIN &&
		    t->expires <= CONFIG_EXPIRES_MAX, "expires");
		FUZZ_CHECK(t->crit_days >= 1 && t->crit_days <= t->warn_days &&
		    t->warn_days <= CONFIG_DAYS_MAX, "days");
		FUZZ_CHECK(t->tls_min != 0, "tls_min");
		FUZZ_CHECK(t->enabled == 0 || t->enabled == 1, "enabled");
		FUZZ_CHECK(target_conf_same(t, t), "same as itself");
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(c->targets[j].name, t->name) != 0,
			    "duplicate target");
	}
}

#ifdef CONFIG_SINK_NAME_MAX
/* Alert sinks (conf.h with sink_conf). */
static void
check_sinks(const struct sc_config *c)
{
	size_t	 i, j;

	FUZZ_CHECK(c->nsinks == 0 || c->sinks != NULL, "sinks");
	for (i = 0; i < c->nsinks; i++) {
		const struct sink_conf *k = &c->sinks[i];

		FUZZ_CHECK(k->name != NULL && k->name[0] != '\0' &&
		    strlen(k->name) <= CONFIG_SINK_NAME_MAX &&
		    strchr(k->name, '/') == NULL && strcmp(k->name, ".") != 0 &&
		    strcmp(k->name, "..") != 0, "sink name");
		FUZZ_CHECK(config_sink(c, k->name) == k, "sink names unique");
		FUZZ_CHECK(k->type >= SINK_ALERTMANAGER &&
		    k->type <= SINK_WEBHOOK &&
		    strcmp(sink_type_str(k->type), "?") != 0, "sink type");
		FUZZ_CHECK((k->secret_file == NULL) == (k->secret == NULL),
		    "sink secret");
		FUZZ_CHECK(k->secret == NULL || k->secret[0] != '\0',
		    "empty sink secret");
		FUZZ_CHECK(k->nmatch <= CONFIG_MATCH_MAX &&
		    (k->nmatch == 0 || k->match != NULL), "match");
		for (j = 0; j < k->nmatch; j++)
			FUZZ_CHECK(k->match[j].label != NULL &&
			    k->match[j].value != NULL, "match %zu", j);
		FUZZ_CHECK(k->timeout > 0 && k->retry_min > 0 &&
		    k->retry_min <= k->retry_max, "sink times");
		FUZZ_CHECK(k->outbox_max <= CONFIG_OUTBOX_MAX, "outbox_max");
		FUZZ_CHECK(sink_conf_same(k, k), "sink same as itself");
	}
}

static void
check_sinks_same(const struct sc_config *a, const struct sc_config *b)
{
	size_t	 i;

	FUZZ_CHECK(a->nsinks == b->nsinks, "sinks differ");
	for (i = 0; i < a->nsinks; i++)
		FUZZ_CHECK(sink_conf_same(&a->sinks[i], &b->sinks[i]),
		    "sink %zu differs", i);
}
#else
static void check_sinks(const struct sc_config *c) { (void)c; }
static void
check_sinks_same(const struct sc_config *a, const struct sc_config *b)
{
	(void)a;
	(void)b;
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_config *c, *c2;
	char		*text, err[1024], err2[1024];
	size_t		 i;

	if ((text = fuzz_text(data, size, CONFIG_MAX_FILE)) == NULL)
		return 0;

	memset(err, 'x', sizeof(err));
	c = config_load_string(fuzz_name, text, err, sizeof(err));
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s\n", c != NULL ? "loaded" : err);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "err");
	if (c == NULL) {
		FUZZ_CHECK(strncmp(err, fuzz_name, strlen(fuzz_name)) == 0,
		    "error does not start with the file name: \"%s\"", err);
	} else {
		FUZZ_CHECK(err[0] == '\0', "config and error \"%s\"", err);
		check_config(c);
		check_sinks(c);
		/* A reload of the same text keeps every target. */
		c2 = config_load_string(fuzz_name, text, err2, sizeof(err2));
		FUZZ_CHECK(c2 != NULL && c2->ntargets == c->ntargets,
		    "second load differs: %s", err2);
		for (i = 0; i < c->ntargets; i++)
			FUZZ_CHECK(target_conf_same(&c->targets[i],
			    &c2->targets[i]), "target %zu differs", i);
		check_sinks_same(c, c2);
		config_free(c2);
	}
	config_free(c);
	free(text);
	return 0;
}
