/*
 * outbox.h - the durable, bounded queue of one alert sink: an
 * append-only file in state_dir that holds every notification from
 * before it is first sent until it is acknowledged, so that neither a
 * crash nor a restart loses a page.
 */
#ifndef SC_OUTBOX_H
#define SC_OUTBOX_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define OUTBOX_EPOCH_LEN	16		/* hex characters */
#define OUTBOX_BODY_MAX		(256 * 1024)	/* bytes of one body */
#define OUTBOX_LINE_MAX		(2 * OUTBOX_BODY_MAX + 8192)

/*
 * What to queue.  Every string may be NULL (stored as "") but kind and
 * body.  body is the HTTP request body as it is to be sent.
 */
struct outbox_rec {
	const char	*kind;		/* "trigger", "resolve", "refresh" */
	const char	*dedup_key;
	const char	*alertname;
	const char	*target;
	const char	*frontend;
	const char	*vantage;
	const char	*verdict;
	const char	*body;
	size_t		 bodylen;
	time_t		 created;	/* 0: now */
};

/* A pending notification.  The strings are never NULL. */
struct outbox_entry {
	TAILQ_ENTRY(outbox_entry) entry;
	uint64_t	 id;		/* unique in the outbox, increasing */
	time_t		 created;
	char		*kind;
	char		*dedup_key;
	char		*alertname;
	char		*target;
	char		*frontend;
	char		*vantage;
	char		*verdict;
	char		*body;
	size_t		 bodylen;
	int		 durable;	/* 0: its record could not be written;
					   kept and sent from memory only */
	/* The sender's, never written: */
	unsigned	 attempts;
	double		 next_try;	/* monotonic seconds; 0: at once */
	int		 inflight;	/* never dropped or superseded */
	int		 superseded;	/* outbox_append()'s, in passing */
};

/*
 * Where the outbox tells about what it tolerated or could not do (a
 * torn record after a crash, a write error); level is an enum
 * log_level (log.h).  The message names the file, never a secret.
 */
typedef void	(*outbox_log_fn)(void *arg, int level, const char *msg);

struct outbox;

/*
 * Opens (or creates, mode 0600, with dir if it is missing) the outbox
 * dir/outbox-NAME.log and replays it: every "add" record without an
 * "ack", "drop" or "skip" is pending again, in order.  A torn last
 * record (a crash in the middle of a write) is logged, ignored and cut
 * off.  At most max entries stay pending: beyond, the oldest are dropped
 * (and counted).  The file is locked: a second process opening it gets
 * an error.  NULL with the reason in err.
 */
struct outbox	*outbox_open(const char *dir, const char *name, size_t max,
		    outbox_log_fn, void *arg, char *err, size_t errlen);

/* Closes the outbox, keeping the file; NULL is fine. */
void		 outbox_free(struct outbox *);

/*
 * Queues a notification: writes its record and fsyncs it (and, when the
 * file was just created, its directory) before returning, so that it is
 * never sent before it is durable.  If this makes more than max entries
 * pending, the oldest not in flight is dropped first (a "drop" record in
 * the same write).  With supersede, pending entries of the same kind and
 * dedup_key not in flight are retired ("skip" records): an Alertmanager
 * refresh makes the older ones pointless.
 *
 * Returns 0 with the new entry in *ep; 1 with the entry in *ep when the
 * record could not be written (err says why: the entry is kept in
 * memory and sent all the same, but a crash loses it); -1 when out of
 * memory or for a body over OUTBOX_BODY_MAX (err says which).
 */
int		 outbox_append(struct outbox *, const struct outbox_rec *,
		    int supersede, struct outbox_entry **ep, char *err,
		    size_t errlen);

/*
 * The id the next outbox_append() will give, so that a body can carry
 * it.  Ids increase across restarts and compactions.
 */
uint64_t	 outbox_next_id(const struct outbox *);

/*
 * A random tag made when the file was created, kept across compactions:
 * with the id, it names a notification uniquely even if state_dir is
 * wiped ("EPOCH-ID", the webhook notification id).
 */
const char	*outbox_epoch(const struct outbox *);

/*
 * Marks e delivered: writes an "ack" record (fsync'd), frees e, and
 * compacts the file when most of it is finished records.  0, or -1 if
 * the record could not be written (logged; e is gone all the same: a
 * restart may then send it once more, which receivers tolerate).
 */
int		 outbox_ack(struct outbox *, struct outbox_entry *);

/* The pending entries, oldest first; NULL at the end. */
struct outbox_entry *outbox_first(struct outbox *);
struct outbox_entry *outbox_next(struct outbox_entry *);

/* The pending entries (sipcanary_alert_outbox_depth). */
size_t		 outbox_depth(const struct outbox *);

/*
 * The entries dropped to keep the bound since the outbox was opened
 * (sipcanary_alert_notifications_dropped_total), replay included.
 */
uint64_t	 outbox_dropped(const struct outbox *);

/*
 * Rewrites the file with the pending entries only: a temporary file,
 * fsync'd, renamed over the outbox, and the directory fsync'd; a crash
 * at any point leaves either file whole.  0, or -1 with err.
 */
int		 outbox_compact(struct outbox *, char *err, size_t errlen);

/* The file's path. */
const char	*outbox_path(const struct outbox *);

#endif /* SC_OUTBOX_H */
