/*
 * log.c - structured log lines on stderr.  JSON through jansson, so that
 * any byte a server sends us (it ends up in messages) is escaped
 * correctly; logfmt quotes every value for the same reason.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>

#include "common/log.h"

static enum log_format	log_fmt = LOG_JSON;
static enum log_level	log_max = LOG_INFO;

static const char *const log_levels[] = { "error", "warn", "info", "debug" };

void
log_init(enum log_format fmt, enum log_level max)
{
	log_fmt = fmt;
	log_max = max;
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

void
log_event(enum log_level level, const char *target, const char *frontend,
    const char *verdict, const char *fmt, ...)
{
	char		 msg[1024], ts[40];
	struct timeval	 tv;
	struct tm	 tm;
	va_list		 ap;
	json_t		*o;
	char		*s;

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
	if (log_fmt == LOG_LOGFMT) {
		fprintf(stderr, "ts=%s level=%s", ts, log_levels[level]);
		log_logfmt_value(stderr, "target", target);
		log_logfmt_value(stderr, "frontend", frontend);
		log_logfmt_value(stderr, "verdict", verdict);
		log_logfmt_value(stderr, "msg", msg);
		fputc('\n', stderr);
	} else {
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "ts", ts, "level", log_levels[level],
		    "target", target != NULL ? target : "",
		    "frontend", frontend != NULL ? frontend : "",
		    "verdict", verdict != NULL ? verdict : "",
		    "msg", msg);
		if (o != NULL && (s = json_dumps(o, JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) != NULL) {
			fprintf(stderr, "%s\n", s);
			free(s);
		}
		json_decref(o);
	}
	fflush(stderr);
}
