/*
 * log.c - structured log lines on stderr.  JSON through jansson, so that
 * any byte a server sends us (it ends up in messages) is escaped
 * correctly; logfmt quotes every value for the same reason.  Each line is
 * made whole in memory and written with one write loop (fd_write_all):
 * a line that cannot be written (a full disk, a stuck reader) is counted,
 * for sipcanary_log_write_errors_total, never silently lost.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/fdwrite.h"
#include "common/log.h"

/* How long one line may wait for a non-blocking stderr to take it. */
#define LOG_WRITE_WAIT_MS	1000

static enum log_format	log_fmt = LOG_JSON;
static enum log_level	log_max = LOG_INFO;
static unsigned long long log_errors;

static const char *const log_levels[] = { "error", "warn", "info", "debug" };

void
log_init(enum log_format fmt, enum log_level max)
{
	log_fmt = fmt;
	log_max = max;
}

unsigned long long
log_write_errors(void)
{
	return log_errors;
}

static void
log_logfmt_value(FILE *fp, const char *key, const char *v)
{
	fprintf(fp, " %s=\"", key);
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(fp, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*v);
		else
			fputc(*v, fp);
	}
	fputc('"', fp);
}

/* The logfmt line, with its newline: malloc'ed, or NULL. */
static char *
log_logfmt_line(const char *ts, enum log_level level, const char *target,
    const char *frontend, const char *verdict, const char *msg)
{
	FILE	*fp;
	char	*s = NULL;
	size_t	 len;
	int	 bad;

	if ((fp = open_memstream(&s, &len)) == NULL)
		return NULL;
	fprintf(fp, "ts=%s level=%s", ts, log_levels[level]);
	log_logfmt_value(fp, "target", target);
	log_logfmt_value(fp, "frontend", frontend);
	log_logfmt_value(fp, "verdict", verdict);
	log_logfmt_value(fp, "msg", msg);
	fputc('\n', fp);
	bad = ferror(fp);
	if (fclose(fp) == EOF || bad) {
		free(s);
		return NULL;
	}
	return s;
}

/* The JSON line, with its newline: malloc'ed, or NULL. */
static char *
log_json_line(const char *ts, enum log_level level, const char *target,
    const char *frontend, const char *verdict, const char *msg)
{
	json_t	*o;
	char	*s, *line = NULL;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "ts", ts, "level", log_levels[level],
	    "target", target != NULL ? target : "",
	    "frontend", frontend != NULL ? frontend : "",
	    "verdict", verdict != NULL ? verdict : "",
	    "msg", msg);
	if (o != NULL && (s = json_dumps(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) != NULL) {
		if (asprintf(&line, "%s\n", s) == -1)
			line = NULL;
		free(s);
	}
	json_decref(o);
	return line;
}

/*
 * Writes line to stderr, or counts it.  Other code writes to stderr
 * through stdio, which is unbuffered there: nothing is pending to go
 * out of order.  A line cut short gets its newline, so that the next one
 * starts on a line of its own.
 */
static void
log_write(const char *line)
{
	size_t	 len = strlen(line), done = 0;

	if (fd_write_all(STDERR_FILENO, line, len, LOG_WRITE_WAIT_MS, &done) ==
	    0)
		return;
	log_errors++;
	if (done > 0)
		(void)fd_write_all(STDERR_FILENO, "\n", 1, 0, NULL);
}

void
log_event(enum log_level level, const char *target, const char *frontend,
    const char *verdict, const char *fmt, ...)
{
	char		 msg[1024], ts[40];
	struct timeval	 tv;
	struct tm	 tm;
	va_list		 ap;
	char		*line;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ",
	    (long)(tv.tv_usec / 1000));
	line = log_fmt == LOG_LOGFMT ? log_logfmt_line(ts, level, target,
	    frontend, verdict, msg) : log_json_line(ts, level, target,
	    frontend, verdict, msg);
	if (line == NULL) {
		log_errors++;	/* out of memory: lost all the same */
		return;
	}
	log_write(line);
	free(line);
}
