/*
 * unit.h - what the unit tests share: a fresh temporary directory per
 * test, writing and reading whole files, an evbuffer as a string,
 * counting matches, capturing what a module logs, and loading a config
 * or a scenario from text that must load, or must fail with an exact
 * message.
 *
 * Every helper asserts through cmocka: a failure fails the test that
 * called it.  Include it after <cmocka.h>.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stddef.h>
#include <sys/types.h>

struct evbuffer;

/* --- temporary files ----------------------------------------------- */

/* The directory of unit_tmpdir_make(); short, so that paths fit. */
extern char	 unit_tmpdir[256];

/* Makes $TMPDIR/PREFIX.XXXXXX (or under /tmp): 0, or -1. */
int	 unit_tmpdir_make(const char *prefix);
/*
 * A cmocka set-up's start: unit_tmpdir_make(prefix), then in statedir a
 * path inside it that does not exist yet, and an empty log: 0, or -1.
 */
int	 unit_tmpdir_state(const char *prefix, char *statedir, size_t len);
/* Removes dir and all that is in it: 0, or -1. */
int	 unit_rmtree(const char *dir);

/* Writes len bytes to path (replacing it) and sets its mode. */
void	 unit_write(const char *path, const void *data, size_t len,
	    mode_t mode);
/* Writes text into unit_tmpdir/name with mode; the path goes to path. */
void	 unit_write_file(const char *name, const char *text, mode_t mode,
	    char *path, size_t pathlen);
/* Removes unit_tmpdir/name, if it is there. */
void	 unit_remove_file(const char *name);
/* Makes path size + 1 bytes long, a newline at the end (a hole before). */
void	 unit_write_sized(const char *path, long size);
/* The whole file at path, NUL-terminated and malloc'ed. */
char	*unit_slurp(const char *path);

/* --- text ------------------------------------------------------------ */

/* What b holds, NUL-terminated and malloc'ed; b is freed. */
char	*unit_evbuffer_take(struct evbuffer *b);
/* How many times needle starts in hay (overlaps count). */
size_t	 unit_count(const char *hay, const char *needle);

/* --- log capture ----------------------------------------------------- */

#define UNIT_LOG_MAX	64

/* What was logged since unit_log_clear(): unit_nlogs messages. */
extern char	 unit_logs[UNIT_LOG_MAX][1100];
extern int	 unit_nlogs;

void	 unit_log_clear(void);
void	 unit_log_add(const char *msg);
/* How many messages contain s. */
int	 unit_logged(const char *s);

/* --- parsers --------------------------------------------------------- */

/*
 * A parser: config_load_string(), config_load() and config_free(), or
 * the scenario ones, behind void pointers (see UNIT_PARSER), so that a
 * test names that API in one place.
 */
struct unit_parser {
	void	*(*load)(const char *name, const char *text, char *err,
		    size_t errlen);
	void	*(*load_file)(const char *path, char *err, size_t errlen);
	void	 (*free)(void *);
};

/*
 * Defines the struct unit_parser name over the parser's own functions:
 * load(name, text, err, len), load_file(path, err, len), free(p).
 */
#define UNIT_PARSER(name, fload, fload_file, ffree)			\
static void *								\
name##_load(const char *n, const char *t, char *e, size_t len)		\
{									\
	return fload(n, t, e, len);					\
}									\
static void *								\
name##_load_file(const char *path, char *e, size_t len)		\
{									\
	return fload_file(path, e, len);				\
}									\
static void								\
name##_free(void *p)							\
{									\
	ffree(p);							\
}									\
static const struct unit_parser name = {				\
	name##_load, name##_load_file, name##_free			\
}

/* A text that must not load, and its whole message. */
struct unit_error_case {
	const char	*text;
	const char	*want;
};

/* Loads text as name; it must load.  The result is the parser's. */
void	*unit_expect_ok(const struct unit_parser *p, const char *name,
	    const char *text);
/* Loads text as name; it must fail with exactly the message want. */
void	 unit_expect_error(const struct unit_parser *p, const char *name,
	    const char *text, const char *want);
/* unit_expect_error() for each of n cases. */
void	 unit_expect_errors(const struct unit_parser *p, const char *name,
	    const struct unit_error_case *cases, size_t n);
/*
 * What can be wrong with path as a file, with its exact message: nul
 * (len bytes, a NUL byte on line 2), more than max bytes, missing (path
 * is removed), and dir, not a regular file.
 */
void	 unit_expect_file_errors(const struct unit_parser *p,
	    const char *path, const void *nul, size_t len, long max,
	    const char *dir);

/* The directory of the sources: $SRCDIR, else def (the build's). */
const char *unit_srcdir(const char *def);

#endif /* UNIT_H */
