/*
 * unit.c - the helpers of unit.h, shared by the unit tests: temporary
 * directories and files, whole-file and evbuffer text, log capture, and
 * the load-must-pass / load-must-fail checks of the config and scenario
 * parsers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "unit.h"

char	 unit_tmpdir[256];
char	 unit_logs[UNIT_LOG_MAX][1100];
int	 unit_nlogs;

int
unit_tmpdir_make(const char *prefix)
{
	const char	*t = getenv("TMPDIR");

	snprintf(unit_tmpdir, sizeof(unit_tmpdir), "%s/%s.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp", prefix);
	return mkdtemp(unit_tmpdir) != NULL ? 0 : -1;
}

int
unit_tmpdir_state(const char *prefix, char *statedir, size_t len)
{
	static int	 n;

	if (unit_tmpdir_make(prefix) == -1)
		return -1;
	snprintf(statedir, len, "%s/state%d", unit_tmpdir, n++);
	unit_log_clear();
	return 0;
}

static int
rmtree_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
unit_rmtree(const char *dir)
{
	return nftw(dir, rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
unit_write(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

void
unit_write_file(const char *name, const char *text, mode_t mode,
    char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", unit_tmpdir, name);
	unit_write(path, text, strlen(text), mode);
}

void
unit_remove_file(const char *name)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir, name);
	unlink(path);
}

void
unit_write_sized(const char *path, long size)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fseek(fp, size, SEEK_SET), 0);
	fputs("\n", fp);
	assert_int_equal(fclose(fp), 0);
}

char *
unit_slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	assert_non_null(fp = fopen(path, "r"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) >= 0);
	rewind(fp);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

char *
unit_evbuffer_take(struct evbuffer *b)
{
	char	*s;
	size_t	 len;

	len = evbuffer_get_length(b);
	assert_non_null(s = malloc(len + 1));
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return s;
}

size_t
unit_count(const char *hay, const char *needle)
{
	size_t	 n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

void
unit_log_clear(void)
{
	unit_nlogs = 0;
}

void
unit_log_add(const char *msg)
{
	if (unit_nlogs < UNIT_LOG_MAX)
		snprintf(unit_logs[unit_nlogs++], sizeof(unit_logs[0]), "%s",
		    msg);
}

int
unit_logged(const char *s)
{
	int	 i, n = 0;

	for (i = 0; i < unit_nlogs; i++)
		if (strstr(unit_logs[i], s) != NULL)
			n++;
	return n;
}

void *
unit_expect_ok(const struct unit_parser *p, const char *name,
    const char *text)
{
	void	*v;
	char	 err[1024];

	if ((v = p->load(name, text, err, sizeof(err))) == NULL)
		fail_msg("%s\n--- text:\n%s", err, text);
	return v;
}

void
unit_expect_error(const struct unit_parser *p, const char *name,
    const char *text, const char *want)
{
	void	*v;
	char	 err[1024];

	memset(err, 'x', sizeof(err));
	if ((v = p->load(name, text, err, sizeof(err))) != NULL) {
		p->free(v);
		fail_msg("loaded, but wanted: %s\n--- text:\n%s", want, text);
	}
	if (strcmp(err, want) != 0)
		fail_msg("\n got: %s\nwant: %s\n--- text:\n%s", err, want,
		    text);
}

void
unit_expect_errors(const struct unit_parser *p, const char *name,
    const struct unit_error_case *cases, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		unit_expect_error(p, name, cases[i].text, cases[i].want);
}

/* Loads the file at path; it must fail with the message fmt. */
static void expect_file_error(const struct unit_parser *, const char *,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
expect_file_error(const struct unit_parser *p, const char *path,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 err[PATH_MAX + 256], want[PATH_MAX + 256];

	assert_null(p->load_file(path, err, sizeof(err)));
	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_string_equal(err, want);
}

void
unit_expect_file_errors(const struct unit_parser *p, const char *path,
    const void *nul, size_t len, long max, const char *dir)
{
	/* A NUL byte would end libconfuse's reading early. */
	unit_write(path, nul, len, 0644);
	expect_file_error(p, path, "%s:2: unexpected NUL byte", path);
	unit_write_sized(path, max);
	expect_file_error(p, path, "%s: larger than %ld bytes", path, max);
	assert_int_equal(unlink(path), 0);
	expect_file_error(p, path, "%s: cannot open: No such file or "
	    "directory", path);
	expect_file_error(p, dir, "%s: not a regular file", dir);
}

const char *
unit_srcdir(const char *def)
{
	const char	*s = getenv("SRCDIR");

	return s != NULL && *s != '\0' ? s : def;
}
