/*
 * confparse.h - what the libconfuse-based file parsers (sipcanary.conf(5)
 * in conf.c, sipcanary-scenario(5) in scenario.c) share: the workarounds
 * for libconfuse 3.3, "FILE:LINE: what was expected" messages, and the
 * checks of values that both kinds of file hold (durations, whole
 * numbers, yes/no, free text, SIP user names).
 *
 * A parser embeds a struct confparse in its own parse state, points
 * owner at that state, and brackets the parse with confparse_begin() and
 * confparse_end().  libconfuse's callbacks carry no user pointer, so the
 * parse in progress is found with confparse_current(); libconfuse's lexer
 * is itself global, so there is never more than one.
 */
#ifndef SC_CONFPARSE_H
#define SC_CONFPARSE_H

#include <stdarg.h>
#include <stddef.h>

#include <confuse.h>

#define CONFPARSE_QUOTE	80	/* room for a value echoed in a message */
#define CONFPARSE_BRACES 16	/* open braces whose lines are remembered */
#define CONFPARSE_AT	"__at"	/* the hidden section keeping a line */

/* The libconfuse messages a parser may word itself. */
enum confparse_msg {
	CONFPARSE_UNKNOWN,	/* "no such option": arg is the name */
	CONFPARSE_NO_TITLE,	/* a titled section without its title */
	CONFPARSE_NO_BRACE,	/* a section name not followed by "{" */
};

struct confparse;

/*
 * Words one of the messages above for the parser: records it with
 * confparse_error() and returns 1, or returns 0 for the generic wording.
 * line is where libconfuse's lexer is, cfg the section being read.
 */
typedef int	(*confparse_reword)(struct confparse *, cfg_t *cfg, int line,
		    enum confparse_msg, const char *arg);

struct confparse {
	const char	*file;		/* as named in messages */
	int		 lastline;	/* the file's, for errors at its end */
	char		*err;
	size_t		 errlen;
	int		 failed;	/* an error was recorded */
	/* Set by the parser between confparse_begin() and the parse: */
	const char	*word;		/* "option" or "key", in messages */
	const char	*envmsg;	/* the message refusing ${VAR} */
	int		 semicolons;	/* ';' outside quotes ends a value */
	confparse_reword reword;	/* or NULL */
	void		*owner;		/* the parser's own state */
};

/*
 * Starts a parse of text (for its line count) named file in messages,
 * with errors going to err.  Returns -1, leaving err alone, if another
 * parse is in progress.
 */
int		 confparse_begin(struct confparse *, const char *file,
		    const char *text, char *err, size_t errlen);

/* Ends the parse started by confparse_begin(). */
void		 confparse_end(struct confparse *);

/* The parse in progress, for libconfuse callbacks; or NULL. */
struct confparse *confparse_current(void);

/* The owner of the parse in progress (its parser's state); or NULL. */
void		*confparse_owner(void);

/*
 * Records "FILE:LINE: message" (or "FILE: message" when line is 0) and
 * returns -1.  Only the first error is kept: the later ones are usually
 * its echoes.  A line past the end of the file is the last line.
 */
int		 confparse_error(struct confparse *, int line, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
int		 confparse_verror(struct confparse *, int line, const char *fmt,
		    va_list) __attribute__((format(printf, 3, 0)));

/*
 * Copies s into buf for a message, with control characters, quotes and
 * backslashes escaped (a message must not be a way to send escape
 * sequences to a terminal) and long values shortened.  Returns buf.
 */
const char	*confparse_quote(const char *s, char *buf, size_t len);

/*
 * As confparse_quote(), with every byte from 0x80 escaped as well: for
 * text that is not valid UTF-8, or that holds a C1 control character
 * (U+0080 to U+009F, which some terminals obey as escapes).
 */
const char	*confparse_quote_ascii(const char *s, char *buf, size_t len);

/* The number of lines of text, for errors about the file as a whole. */
int		 confparse_last_line(const char *text);

/*
 * A cfg_t for opts with the error function that rewords libconfuse's
 * messages; NULL with the error recorded.  Free it with cfg_free().
 */
cfg_t		*confparse_init(struct confparse *, cfg_opt_t *opts);

/*
 * Parses text into cfg after confparse_strip().  0, or -1 with the error
 * recorded (by the parser's callbacks, or here).
 */
int		 confparse_parse(struct confparse *, cfg_t *cfg,
		    const char *text);

/*
 * Returns a copy of text that libconfuse 3.3 reads correctly, or NULL
 * with the error recorded: comments blanked out (newlines kept), and
 * refused what its lexer would get wrong silently (see confparse.c).
 */
char		*confparse_strip(struct confparse *, const char *text);

/*
 * Reads the file at path, of at most max bytes and without NUL bytes,
 * into a malloc'ed string.  NULL with "PATH: why" in err.
 */
char		*confparse_read_file(const char *path, size_t max, char *err,
		    size_t errlen);

/*
 * path as named in file: a relative path is taken relative to the
 * directory of file.  malloc'ed, NULL if out of memory.
 */
char		*confparse_path(const char *file, const char *path);

/* The option called name in cfg, or NULL. */
cfg_opt_t	*confparse_opt(cfg_t *cfg, const char *name);

/*
 * The hidden sub-section CONFPARSE_AT, to be put in the options of a
 * section whose opening line is wanted.  libconfuse creates it when the
 * section opens, and nothing moves its line afterwards.  Written in a
 * file, it is an unknown option.
 */
cfg_opt_t	 confparse_at_opt(void);

/* The line of the opening brace of a section that has CONFPARSE_AT. */
int		 confparse_at_line(cfg_t *sec);

/*
 * The "set twice" check of an option: *slot is 0 or the line where it
 * was set before; it becomes line.  0, or -1 with the error recorded.
 */
int		 confparse_set_once(struct confparse *, int *slot, int line,
		    const char *name);

/*
 * A whole number in *v: a leading '-' gives a negative number and a huge
 * one saturates, so that a range check can say what is wrong.  0, or -1
 * if s is not one.
 */
int		 confparse_whole(const char *s, long *v);

/* A whole number from min to max; toobig is appended to "at most". */
int		 confparse_range(struct confparse *, int line, const char *name,
		    const char *value, long min, long max, const char *toobig,
		    long *v);

/*
 * A duration (duration_parse()), more than 0, or 0 or more if zero_ok.
 * 0, or -1 with the error recorded.
 */
int		 confparse_duration(struct confparse *, int line,
		    const char *name, const char *value, int zero_ok,
		    double *d);

/* yes/true or no/false into *b.  0, or -1 with the error recorded. */
int		 confparse_bool(struct confparse *, int line, const char *name,
		    const char *value, int *b);

/* Free text, not empty, of at most max bytes, with no control characters. */
int		 confparse_text(struct confparse *, int line, const char *name,
		    const char *value, size_t max);

/* The index of value in words[n], or -1. */
int		 confparse_word(const char *value, const char *const *words,
		    size_t n);

/*
 * The index in table[n] of the entry called name, or -1: each entry is
 * size bytes long and starts with its name, a const char *.  For the
 * parsers' tables of keys.
 */
int		 confparse_lookup(const char *name, const void *table,
		    size_t n, size_t size);

/*
 * Appends word to the list "a, b, c" in buf[len], of which *o bytes are
 * used; once the list is cut short, nothing more is added.
 */
void		 confparse_list_add(char *buf, size_t len, size_t *o,
		    const char *word);

/* The characters RFC 3261 allows unescaped in the user part of a URI. */
#define CONFPARSE_USER_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789-_.!~*'()&=+$,;?/"

/*
 * A SIP user name of at most max characters, made of
 * CONFPARSE_USER_CHARS only: it goes into URIs and headers as it is.
 * 0, or -1 with the error recorded.
 */
int		 confparse_sip_user(struct confparse *, int line,
		    const char *name, const char *value, size_t max);

#endif /* SC_CONFPARSE_H */
