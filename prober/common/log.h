/*
 * log.h - the daemon's log: one JSON object (or logfmt line) per event on
 * stderr, each carrying the target, the frontend and the verdict code, so
 * that a log search by any of them finds every line about it.
 */
#ifndef SC_LOG_H
#define SC_LOG_H

enum log_format {
	LOG_JSON = 0,
	LOG_LOGFMT
};

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG
};

void	log_init(enum log_format, enum log_level);

/*
 * One event.  target, frontend and verdict may be NULL (written empty);
 * the message must never hold a secret.
 */
void	log_event(enum log_level, const char *target, const char *frontend,
	    const char *verdict, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* How many lines could not be written (or made) since the start. */
unsigned long long log_write_errors(void);

#endif /* SC_LOG_H */
