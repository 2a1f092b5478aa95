/*
 * confparse.c - the part of parsing sipcanary's files that does not
 * depend on what the file means: it owns the workarounds for libconfuse
 * 3.3, the "FILE:LINE: what was expected" messages, and the checks of
 * values common to sipcanary.conf(5) and sipcanary-scenario(5).
 *
 * What libconfuse 3.3 gets wrong, and where it is dealt with:
 *
 *  - Its lexer counts too many lines after every comment, and it takes
 *    the end of the file for a closing brace.  confparse_strip() blanks
 *    the comments out and checks the braces before libconfuse sees the
 *    text.
 *  - It expands ${VAR} from the environment, to "" when VAR is unset, and
 *    it drops a stray '*' without a word.  confparse_strip() refuses both.
 *  - A NUL byte ends its reading early, and the rest of the file is
 *    accepted unread.  confparse_read_file() refuses it.
 *  - It keeps no line per option, and a section's line has moved to its
 *    closing brace by the time the section ends.  The parsers check each
 *    value in a parse callback, while the lexer is on the value's line,
 *    and record that line (confparse_set_once()); the hidden section
 *    CONFPARSE_AT keeps the line of a section's opening brace.
 *  - Its messages are in its own style and name no line.  Its error
 *    function is replaced by one that rewords them.
 *  - Sections with the same title are merged, the second replacing the
 *    first.  The parsers take each titled section out of the tree in the
 *    validate callback that runs when it closes, so that no two titles
 *    ever meet (see scenario_steps.c and conf_sections.c).
 *
 * Its callbacks carry no user pointer, so the parse in progress is a
 * file-static; the lexer is itself global, so parsing was never
 * reentrant.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <confuse.h>

#include "conf/confparse.h"
#include "conf/duration.h"

/* The parse in progress, for the libconfuse callbacks. */
static struct confparse *confparse_cur;

/* The options of CONFPARSE_AT: none.  libconfuse copies them at init. */
static cfg_opt_t confparse_at_opts[] = {
	CFG_END()
};

int
confparse_begin(struct confparse *cp, const char *file, const char *text,
    char *err, size_t errlen)
{
	if (confparse_cur != NULL)
		return -1;
	memset(cp, 0, sizeof(*cp));
	cp->file = file;
	cp->lastline = text != NULL ? confparse_last_line(text) : 0;
	cp->err = err;
	cp->errlen = errlen;
	cp->word = "option";
	cp->envmsg = "${...}: environment variables are not expanded";
	confparse_cur = cp;
	return 0;
}

void
confparse_end(struct confparse *cp)
{
	if (confparse_cur == cp)
		confparse_cur = NULL;
}

struct confparse *
confparse_current(void)
{
	return confparse_cur;
}

void *
confparse_owner(void)
{
	return confparse_cur != NULL ? confparse_cur->owner : NULL;
}

int
confparse_verror(struct confparse *cp, int line, const char *fmt, va_list ap)
{
	size_t	 n, i;
	int	 len;

	if (cp->failed || cp->err == NULL || cp->errlen == 0) {
		cp->failed = 1;
		return -1;
	}
	cp->failed = 1;
	if (cp->lastline > 0 && line > cp->lastline)
		line = cp->lastline;
	len = line > 0 ? snprintf(cp->err, cp->errlen, "%s:%d: ", cp->file,
	    line) : snprintf(cp->err, cp->errlen, "%s: ", cp->file);
	n = len < 0 ? 0 : (size_t)len;
	if (n < cp->errlen)
		vsnprintf(cp->err + n, cp->errlen - n, fmt, ap);
	/* The file name and libconfuse's messages are not quoted by us. */
	for (i = 0; cp->err[i] != '\0'; i++)
		if ((unsigned char)cp->err[i] < 0x20 ||
		    (unsigned char)cp->err[i] == 0x7f)
			cp->err[i] = '?';
	return -1;
}

int
confparse_error(struct confparse *cp, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	confparse_verror(cp, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* confparse_quote(), and with ascii, bytes from 0x80 escaped too. */
static const char *
confparse_quote_some(const char *s, char *buf, size_t len, int ascii)
{
	size_t		 o = 0;
	unsigned char	 c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (o + 8 >= len) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' ||
		    (ascii && c >= 0x80))
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

const char *
confparse_quote(const char *s, char *buf, size_t len)
{
	return confparse_quote_some(s, buf, len, 0);
}

const char *
confparse_quote_ascii(const char *s, char *buf, size_t len)
{
	return confparse_quote_some(s, buf, len, 1);
}

int
confparse_last_line(const char *text)
{
	const char	*s;
	int		 n = 1;

	for (s = text; *s != '\0'; s++)
		if (*s == '\n' && s[1] != '\0')
			n++;
	return n;
}

/*
 * libconfuse's error function.  Its messages about the file are reworded
 * in the style of ours, by the parser for the ones that depend on what
 * the file means; the others are passed on as they are.
 */
static void __attribute__((format(printf, 2, 0)))
confparse_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	struct confparse *cp = confparse_cur;
	static const struct {
		const char		*fmt;
		enum confparse_msg	 msg;
	} reworded[] = {
		{ "no such option '%s'", CONFPARSE_UNKNOWN },
		{ "missing title for section '%s'", CONFPARSE_NO_TITLE },
		{ "missing opening brace for section '%s'",
		    CONFPARSE_NO_BRACE },
	};
	char		 msg[256], q[CONFPARSE_QUOTE];
	const char	*arg;
	va_list		 aq;
	size_t		 i;
	int		 line;

	if (cp == NULL || cp->failed)
		return;
	line = cfg != NULL ? cfg->line : 0;
	va_copy(aq, ap);
	for (i = 0; i < sizeof(reworded) / sizeof(reworded[0]); i++)
		if (strcmp(fmt, reworded[i].fmt) == 0)
			break;
	if (i < sizeof(reworded) / sizeof(reworded[0])) {
		arg = va_arg(aq, const char *);
		if (arg == NULL)
			arg = "";
		if (cp->reword != NULL &&
		    cp->reword(cp, cfg, line, reworded[i].msg, arg))
			;
		else if (reworded[i].msg == CONFPARSE_NO_TITLE)
			confparse_error(cp, line, "%s: expected a name in "
			    "quotes, as in %s \"NAME\" { }", arg, arg);
		else if (reworded[i].msg == CONFPARSE_NO_BRACE &&
		    strcmp(arg, CONFPARSE_AT) != 0)
			confparse_error(cp, line, "expected \"{\" after %s",
			    confparse_quote(arg, q, sizeof(q)));
		else
			confparse_error(cp, line, "unknown %s \"%s\"", cp->word,
			    confparse_quote(arg, q, sizeof(q)));
	} else if (strcmp(fmt, "missing equal sign after option '%s'") == 0) {
		arg = va_arg(aq, const char *);
		confparse_error(cp, line, "expected \"=\" after %s",
		    confparse_quote(arg != NULL ? arg : "", q, sizeof(q)));
	} else if (strcmp(fmt, "unexpected token '%s'") == 0) {
		arg = va_arg(aq, const char *);
		confparse_error(cp, line, "unexpected \"%s\"",
		    confparse_quote(arg != NULL ? arg : "", q, sizeof(q)));
	} else if (strcmp(fmt, "premature end of file") == 0)
		confparse_error(cp, line, "unexpected end of file");
	else if (strcmp(fmt, "unexpected closing brace") == 0)
		confparse_error(cp, line, "unexpected \"}\"");
	else {
		vsnprintf(msg, sizeof(msg), fmt, aq);
		confparse_error(cp, line, "%s", msg);
	}
	va_end(aq);
}

cfg_t *
confparse_init(struct confparse *cp, cfg_opt_t *opts)
{
	cfg_t	*cfg;

	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		confparse_error(cp, 0, "out of memory");
		return NULL;
	}
	cfg_set_error_function(cfg, confparse_cfg_error);
	return cfg;
}

int
confparse_parse(struct confparse *cp, cfg_t *cfg, const char *text)
{
	char	*bare;
	int	 rc;

	if ((bare = confparse_strip(cp, text)) == NULL)
		return -1;
	rc = cfg_parse_buf(cfg, bare);
	free(bare);
	if (rc != CFG_SUCCESS) {
		/* Every way to fail is reported but running out of memory. */
		confparse_error(cp, cfg->line, "cannot parse (out of memory?)");
		return -1;
	}
	return cp->failed ? -1 : 0;
}

/*
 * The quoted string that starts at *sp: *sp moves to its closing quote,
 * and *line past the newlines in it.  0, or -1 with the error recorded
 * (never closed, or "${" in a double-quoted string).
 */
static int
confparse_strip_string(struct confparse *cp, char **sp, int *line)
{
	char	*s = *sp, q = *s;
	int	 start = *line;

	for (s++; *s != q; s++) {
		if (*s == '\0')
			return confparse_error(cp, start, "unterminated string "
			    "(no closing %c)", q);
		if (*s == '\\' && s[1] != '\0') {
			if (*++s == '\n')
				(*line)++;
			continue;
		}
		if (*s == '\n')
			(*line)++;
		if (q == '"' && s[0] == '$' && s[1] == '{')
			return confparse_error(cp, *line, "%s", cp->envmsg);
	}
	*sp = s;
	return 0;
}

/* A # or // comment at *sp, blanked out up to its newline. */
static void
confparse_blank_line(char **sp)
{
	char	*s = *sp;

	while (s[1] != '\0' && s[1] != '\n')
		*s++ = ' ';
	*s = ' ';
	*sp = s;
}

/*
 * A C comment at *sp, blanked out but for its newlines (counted in
 * *line).  0, or -1 with the error recorded if it is never closed.
 */
static int
confparse_blank_block(struct confparse *cp, char **sp, int *line)
{
	char	*s = *sp;
	int	 start = *line;

	*s++ = ' ';
	*s = ' ';
	for (s++; !(s[0] == '*' && s[1] == '/'); s++) {
		if (*s == '\0')
			return confparse_error(cp, start, "unterminated "
			    "comment (no closing */)");
		if (*s == '\n')
			(*line)++;
		else
			*s = ' ';
	}
	*s++ = ' ';
	*s = ' ';
	*sp = s;
	return 0;
}

/*
 * libconfuse 3.3 counts two lines too many for every # or // comment and
 * one too many for every C comment, so it must never see one.  This
 * follows its lexer: # starts a comment anywhere outside quotes, // and
 * slash-star only where a word could start.  It also refuses what that
 * lexer would do silently: expand ${VAR} from the environment (a file
 * must mean the same on every machine, and must not copy a secret into
 * a SIP header or a log) and drop a stray '*'.  With cp->semicolons, a
 * ';' outside quotes separates settings, as in a { b = 1; c = 2 }; the
 * lexer would take it for part of the value.
 *
 * The switch follows the lexer character by character, hence its length.
 */
char *
confparse_strip(struct confparse *cp, const char *text)
{
	char	*out, *s;
	int	 open[CONFPARSE_BRACES];	/* lines of the open braces */
	int	 line = 1, word = 0, depth = 0;

	if ((out = strdup(text)) == NULL) {
		confparse_error(cp, 0, "out of memory");
		return NULL;
	}
	for (s = out; *s != '\0'; s++) {
		switch (*s) {
		case '\n':
			line++;
			word = 0;
			break;
		case '"':
		case '\'':
			if (confparse_strip_string(cp, &s, &line) == -1)
				goto fail;
			word = 0;
			break;
		case '#':
			confparse_blank_line(&s);
			word = 0;
			break;
		case '/':
			if (!word && s[1] == '/')
				confparse_blank_line(&s);
			else if (!word && s[1] == '*') {
				if (confparse_blank_block(cp, &s, &line) == -1)
					goto fail;
			} else
				word = 1;
			break;
		case '*':
		case '$':
			/* What the lexer would drop or expand silently. */
			if (*s == '*' || s[1] == '{') {
				confparse_error(cp, line, "%s", *s == '*' ?
				    "unexpected \"*\"" : cp->envmsg);
				goto fail;
			}
			word = 1;
			break;
		case ';':
			if (cp->semicolons)
				*s = ' ';
			word = !cp->semicolons;
			break;
		case '{':
			if (depth < CONFPARSE_BRACES)
				open[depth] = line;
			depth++;
			word = 0;
			break;
		case '}':
			if (depth > 0)
				depth--;
			word = 0;
			break;
		default:
			/* A separator, or a character of a word. */
			word = strchr(" \t\r=()+,", *s) == NULL;
			break;
		}
	}
	/* libconfuse 3.3 takes the end of the file for a closing brace. */
	if (depth > 0) {
		confparse_error(cp, open[(depth > CONFPARSE_BRACES ?
		    CONFPARSE_BRACES : depth) - 1], "this \"{\" is never "
		    "closed (a \"}\" is missing)");
		goto fail;
	}
	return out;

fail:
	free(out);
	return NULL;
}

char *
confparse_read_file(const char *path, size_t max, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL, *nul;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, line;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	/* One byte more than the limit, to notice a file that grew. */
	if ((buf = malloc(max + 2)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	buf[len] = '\0';
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		*nul = '\0';
		line = confparse_last_line(buf) +
		    (nul > buf && nul[-1] == '\n');
		snprintf(err, errlen, "%s:%d: unexpected NUL byte", path, line);
		goto fail;
	}
	close(fd);
	return buf;

fail:
	free(buf);
	close(fd);
	return NULL;
}

char *
confparse_path(const char *file, const char *path)
{
	const char	*slash = strrchr(file, '/');
	size_t		 dirlen, len;
	char		*s;

	if (path[0] == '/' || slash == NULL)
		return strdup(path);
	dirlen = (size_t)(slash - file) + 1;
	len = dirlen + strlen(path) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	memcpy(s, file, dirlen);
	memcpy(s + dirlen, path, strlen(path) + 1);
	return s;
}

cfg_opt_t *
confparse_opt(cfg_t *cfg, const char *name)
{
	cfg_opt_t	*o;

	for (o = cfg->opts; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* CONFPARSE_AT is made by libconfuse only; written in a file, it is unknown. */
static int
confparse_at_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	struct confparse *cp = confparse_cur;

	(void)opt;
	if (cp == NULL)
		return -1;
	return confparse_error(cp, cfg->line, "unknown %s \"%s\"", cp->word,
	    CONFPARSE_AT);
}

cfg_opt_t
confparse_at_opt(void)
{
	cfg_opt_t	 o = CFG_SEC(CONFPARSE_AT, confparse_at_opts,
			    CFGF_NONE);

	o.validcb = confparse_at_cb;
	return o;
}

int
confparse_at_line(cfg_t *sec)
{
	cfg_opt_t	*o;
	cfg_t		*at;

	if ((o = confparse_opt(sec, CONFPARSE_AT)) != NULL &&
	    cfg_opt_size(o) > 0 && (at = cfg_opt_getnsec(o, 0)) != NULL)
		return at->line;
	return sec->line;
}

int
confparse_set_once(struct confparse *cp, int *slot, int line,
    const char *name)
{
	if (*slot != 0)
		return confparse_error(cp, line, "%s: set twice (first on line "
		    "%d)", name, *slot);
	*slot = line;
	return 0;
}

int
confparse_whole(const char *s, long *v)
{
	const char	*p = s;
	long		 n = 0;
	int		 neg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
		return -1;
	/* Past 12 digits it is out of every range: saturate. */
	for (; *p != '\0'; p++)
		n = n < 1000000000000L ? n * 10 + (*p - '0') : n;
	*v = neg ? -n : n;
	return 0;
}

int
confparse_range(struct confparse *cp, int line, const char *name,
    const char *value, long min, long max, const char *toobig, long *v)
{
	char	 q[CONFPARSE_QUOTE];

	confparse_quote(value, q, sizeof(q));
	if (confparse_whole(value, v) == -1)
		return confparse_error(cp, line, "%s: expected a whole number, "
		    "not \"%s\"", name, q);
	if (*v < min)
		return confparse_error(cp, line, "%s: must be at least %ld, "
		    "not \"%s\"", name, min, q);
	if (*v > max)
		return confparse_error(cp, line, "%s: must be at most %ld%s, "
		    "not \"%s\"", name, max, toobig, q);
	return 0;
}

int
confparse_duration(struct confparse *cp, int line, const char *name,
    const char *value, int zero_ok, double *d)
{
	char	 q[CONFPARSE_QUOTE];

	confparse_quote(value, q, sizeof(q));
	if (value[0] == '-')
		return confparse_error(cp, line, "%s: must be %s, not \"%s\"",
		    name, zero_ok ? "0 or more" : "more than 0", q);
	if (duration_parse(value, d) == -1)
		return confparse_error(cp, line, "%s: bad duration \"%s\" "
		    "(examples: 30, 30s, 250ms, 10m)", name, q);
	if (*d <= 0 && !zero_ok)
		return confparse_error(cp, line, "%s: must be more than 0, not "
		    "\"%s\" (leave it out for the default)", name, q);
	return 0;
}

int
confparse_bool(struct confparse *cp, int line, const char *name,
    const char *value, int *b)
{
	char	 q[CONFPARSE_QUOTE];

	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
		*b = 1;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
		*b = 0;
	else
		return confparse_error(cp, line, "%s: expected yes or no, not "
		    "\"%s\"", name, confparse_quote(value, q, sizeof(q)));
	return 0;
}

int
confparse_text(struct confparse *cp, int line, const char *name,
    const char *value, size_t max)
{
	const unsigned char *s;

	if (value[0] == '\0')
		return confparse_error(cp, line, "%s: must not be empty", name);
	if (strlen(value) > max)
		return confparse_error(cp, line, "%s: longer than %zu "
		    "characters", name, max);
	for (s = (const unsigned char *)value; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f)
			return confparse_error(cp, line, "%s: contains a "
			    "control character", name);
	return 0;
}

int
confparse_word(const char *value, const char *const *words, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(value, words[i]) == 0)
			return (int)i;
	return -1;
}

int
confparse_lookup(const char *name, const void *table, size_t n, size_t size)
{
	const char	*entry = table;
	const char	*ename;
	size_t		 i;

	for (i = 0; i < n; i++, entry += size) {
		memcpy(&ename, entry, sizeof(ename));
		if (strcmp(ename, name) == 0)
			return (int)i;
	}
	return -1;
}

void
confparse_list_add(char *buf, size_t len, size_t *o, const char *word)
{
	if (*o >= len)
		return;
	*o += (size_t)snprintf(buf + *o, len - *o, "%s%s", *o ? ", " : "",
	    word);
}

int
confparse_sip_user(struct confparse *cp, int line, const char *name,
    const char *value, size_t max)
{
	char	 q[CONFPARSE_QUOTE];

	confparse_quote(value, q, sizeof(q));
	if (value[0] == '\0')
		return confparse_error(cp, line, "%s: must not be empty", name);
	if (strspn(value, CONFPARSE_USER_CHARS) != strlen(value))
		return confparse_error(cp, line, "%s: \"%s\" has a character a "
		    "SIP user name cannot carry (allowed: letters, digits and "
		    "-_.!~*'()&=+$,;?/)", name, q);
	if (strlen(value) > max)
		return confparse_error(cp, line, "%s: \"%s\" is longer than "
		    "%zu characters", name, q, max);
	return 0;
}
