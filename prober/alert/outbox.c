/*
 * outbox.c - the durable queue of one alert sink.
 *
 * Owns the file state_dir/outbox-NAME.log, its lock, and the list of
 * pending entries.  The file is a log of JSON records, one a line:
 *
 *   {"op":"open","version":1,"epoch":"...","next":N}	first line
 *   {"op":"add","id":N,"created":T,"kind":"trigger","dedup_key":"...",
 *    "alert":{"alertname":...,"target":...,"frontend":...,"vantage":...,
 *    "verdict":...},"body":"<the HTTP body, as sent>"}
 *   {"op":"ack","id":N}	delivered (a 2xx)
 *   {"op":"drop","id":N}	dropped to keep the bound
 *   {"op":"skip","id":N}	superseded by a newer refresh
 *
 * Why a log and not a file per entry or a database: one write and one
 * fdatasync() per notification is the cheapest durable operation there
 * is, a half-written record can only be the last line (we only append,
 * one writer, under flock), and replay is a single pass.  The file grows
 * with finished records until they are the larger share; then it is
 * rewritten with the pending entries only (temporary file, fsync,
 * rename, directory fsync), which a crash cannot leave half done.
 *
 * Why the record is fsync'd before the first send: a page that went out
 * and was then lost to a crash before it was recorded cannot be
 * resolved later.  Sending twice is the lesser evil: receivers
 * deduplicate (PagerDuty by dedup_key, Alertmanager by labels, webhooks
 * by the notification id), so the "ack" record needs no more care than
 * an fsync after the 2xx.
 *
 * A failed write (disk full) must not lose the page either: the entry
 * is kept in memory and sent, the file is cut back to its last whole
 * record, and the caller is told so it can log it.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/fdwrite.h"
#include "common/log.h"
#include "alert/outbox.h"

#define OUTBOX_VERSION		1
#define OUTBOX_COMPACT_MIN	64	/* finished records before compacting */

TAILQ_HEAD(outbox_list, outbox_entry);

/*
 * Ids are bounded well inside what JSON numbers carry exactly (2^53): a
 * damaged record with a huge id must not push every later one "out of
 * order" or wrap the next id.
 */
#define OUTBOX_ID_MAX	((json_int_t)1 << 52)

struct outbox {
	char		*dir;
	char		*path;
	int		 fd;
	off_t		 size;		/* of the whole records written */
	struct outbox_list pending;
	size_t		 depth;
	size_t		 max;
	size_t		 finished;	/* records of finished entries in the
					   file (add + its ack/drop/skip) */
	uint64_t	 next_id;
	uint64_t	 last_add;	/* at replay: the last id added */
	uint64_t	 dropped;
	char		 epoch[OUTBOX_EPOCH_LEN + 1];
	outbox_log_fn	 log;
	void		*logarg;
};

static void __attribute__((format(printf, 3, 4)))
outbox_log(struct outbox *ob, int level, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	if (ob->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ob->log(ob->logarg, level, msg);
}

static void
outbox_entry_free(struct outbox_entry *e)
{
	if (e == NULL)
		return;
	free(e->kind);
	free(e->dedup_key);
	free(e->alertname);
	free(e->target);
	free(e->frontend);
	free(e->vantage);
	free(e->verdict);
	free(e->body);
	free(e);
}

static int
outbox_dup(char **dst, const char *s)
{
	return (*dst = strdup(s != NULL ? s : "")) == NULL ? -1 : 0;
}

static struct outbox_entry *
outbox_entry_new(uint64_t id, time_t created, const char *kind,
    const char *dedup_key, const char *alertname, const char *target,
    const char *frontend, const char *vantage, const char *verdict,
    const char *body, size_t bodylen)
{
	struct outbox_entry *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->id = id;
	e->created = created;
	e->durable = 1;
	if (outbox_dup(&e->kind, kind) == -1 ||
	    outbox_dup(&e->dedup_key, dedup_key) == -1 ||
	    outbox_dup(&e->alertname, alertname) == -1 ||
	    outbox_dup(&e->target, target) == -1 ||
	    outbox_dup(&e->frontend, frontend) == -1 ||
	    outbox_dup(&e->vantage, vantage) == -1 ||
	    outbox_dup(&e->verdict, verdict) == -1 ||
	    (e->body = malloc(bodylen + 1)) == NULL) {
		outbox_entry_free(e);
		return NULL;
	}
	memcpy(e->body, body, bodylen);
	e->body[bodylen] = '\0';
	e->bodylen = bodylen;
	return e;
}

/* -------------------------------------------------------------------- */
/* records */

/* A malloc'ed line ("...\n"), or NULL when out of memory. */
static char *
outbox_line(json_t *o, size_t *len)
{
	char	*s, *line;
	size_t	 n;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((line = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

static char *
outbox_add_line(const struct outbox_entry *e, size_t *len)
{
	json_t	*body;

	/* json_stringn: a body is JSON text, but need not be UTF-8 clean. */
	if ((body = json_stringn(e->body, e->bodylen)) == NULL)
		return NULL;
	return outbox_line(json_pack("{s:s, s:I, s:I, s:s, s:s, "
	    "s:{s:s, s:s, s:s, s:s, s:s}, s:o}",
	    "op", "add", "id", (json_int_t)e->id,
	    "created", (json_int_t)e->created, "kind", e->kind,
	    "dedup_key", e->dedup_key, "alert",
	    "alertname", e->alertname, "target", e->target,
	    "frontend", e->frontend, "vantage", e->vantage,
	    "verdict", e->verdict, "body", body), len);
}

static char *
outbox_op_line(const char *op, uint64_t id, size_t *len)
{
	return outbox_line(json_pack("{s:s, s:I}", "op", op, "id",
	    (json_int_t)id), len);
}

static char *
outbox_open_line(const struct outbox *ob, size_t *len)
{
	return outbox_line(json_pack("{s:s, s:i, s:s, s:I}", "op", "open",
	    "version", OUTBOX_VERSION, "epoch", ob->epoch, "next",
	    (json_int_t)ob->next_id), len);
}

/* -------------------------------------------------------------------- */
/* the file */

/*
 * Appends buf (whole records) to the file and makes it durable.  On an
 * error the file is cut back to its last whole record, so that the next
 * record does not start in the middle of a line.
 */
static int
outbox_write(struct outbox *ob, const char *buf, size_t len, char *err,
    size_t errlen)
{
	int	 saved;

	if (ob->fd == -1) {
		snprintf(err, errlen, "%s is not open", ob->path);
		return -1;
	}
	if (fd_write_all(ob->fd, buf, len, 0, NULL) == -1 ||
	    fdatasync(ob->fd) == -1) {
		saved = errno;
		/* If this fails too, replay cuts the torn record off. */
		(void)!ftruncate(ob->fd, ob->size);
		snprintf(err, errlen, "cannot write %s: %s", ob->path,
		    strerror(saved));
		errno = saved;
		return -1;
	}
	ob->size += (off_t)len;
	return 0;
}

static int
outbox_lock(int fd, const char *path, char *err, size_t errlen)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "%s is in use by another process "
			    "(another sipcanary with the same state_dir?)",
			    path);
		else
			snprintf(err, errlen, "cannot lock %s: %s", path,
			    strerror(errno));
		return -1;
	}
	return 0;
}

static struct outbox_entry *
outbox_find(struct outbox *ob, uint64_t id)
{
	struct outbox_entry *e;

	TAILQ_FOREACH(e, &ob->pending, entry)
		if (e->id == id)
			return e;
	return NULL;
}

static void
outbox_remove(struct outbox *ob, struct outbox_entry *e)
{
	TAILQ_REMOVE(&ob->pending, e, entry);
	ob->depth--;
	ob->finished += 2;
	outbox_entry_free(e);
}

/*
 * An unreadable record may be a notification that will now never be
 * sent: an error, and counted with the dropped ones, so that the loss
 * shows in sipcanary_alert_notifications_dropped_total.
 */
static void
outbox_unreadable(struct outbox *ob, unsigned lineno)
{
	outbox_log(ob, LOG_ERROR, "%s:%u: unreadable record, skipped and "
	    "counted as dropped", ob->path, lineno);
	ob->dropped++;
}

/* One record of the file, at replay. */
static void
outbox_replay_record(struct outbox *ob, json_t *o, unsigned lineno)
{
	const char	*op = NULL, *epoch = NULL, *kind = NULL;
	const char	*key = "", *an = "", *tg = "", *fe = "", *va = "";
	const char	*vd = "", *body = NULL;
	json_int_t	 id = 0, created = 0, next = 0;
	struct outbox_entry *e;
	json_error_t	 je;
	size_t		 bodylen = 0;
	int		 version = 0;

	if (json_unpack_ex(o, &je, 0, "{s:s}", "op", &op) == -1)
		goto bad;
	if (strcmp(op, "open") == 0) {
		if (json_unpack_ex(o, &je, 0, "{s:i, s:s, s:I}", "version",
		    &version, "epoch", &epoch, "next", &next) == -1 ||
		    strlen(epoch) != OUTBOX_EPOCH_LEN || next < 1 ||
		    next > OUTBOX_ID_MAX)
			goto bad;
		if (version != OUTBOX_VERSION) {
			outbox_log(ob, LOG_WARN, "%s:%u: outbox version %d, "
			    "expected %d; reading it all the same", ob->path,
			    lineno, version, OUTBOX_VERSION);
		}
		memcpy(ob->epoch, epoch, OUTBOX_EPOCH_LEN + 1);
		if ((uint64_t)next > ob->next_id)
			ob->next_id = (uint64_t)next;
		return;
	}
	if (strcmp(op, "add") == 0) {
		if (json_unpack_ex(o, &je, 0, "{s:I, s:I, s:s, s:s, "
		    "s:{s?s, s?s, s?s, s?s, s?s}, s:s%}", "id", &id,
		    "created", &created, "kind", &kind, "dedup_key", &key,
		    "alert", "alertname", &an, "target", &tg, "frontend", &fe,
		    "vantage", &va, "verdict", &vd, "body", &body,
		    &bodylen) == -1 || id < 1 || id > OUTBOX_ID_MAX)
			goto bad;
		if ((uint64_t)id <= ob->last_add) {
			outbox_log(ob, LOG_WARN, "%s:%u: record %lld out of "
			    "order, ignored", ob->path, lineno, (long long)id);
			return;
		}
		if ((e = outbox_entry_new((uint64_t)id, (time_t)created, kind,
		    key, an, tg, fe, va, vd, body, bodylen)) == NULL) {
			outbox_log(ob, LOG_ERROR, "%s:%u: out of memory; "
			    "record %lld lost", ob->path, lineno,
			    (long long)id);
			return;
		}
		TAILQ_INSERT_TAIL(&ob->pending, e, entry);
		ob->depth++;
		ob->last_add = (uint64_t)id;
		if ((uint64_t)id >= ob->next_id)
			ob->next_id = (uint64_t)id + 1;
		return;
	}
	if (strcmp(op, "ack") == 0 || strcmp(op, "drop") == 0 ||
	    strcmp(op, "skip") == 0) {
		if (json_unpack_ex(o, &je, 0, "{s:I}", "id", &id) == -1 ||
		    id < 1 || id > OUTBOX_ID_MAX)
			goto bad;
		if ((e = outbox_find(ob, (uint64_t)id)) != NULL)
			outbox_remove(ob, e);
		return;
	}
bad:
	outbox_unreadable(ob, lineno);
}

/*
 * Reads the file: the records, in order.  A last line without its
 * newline is a record torn by a crash: it is ignored, and cut off so
 * that the next record starts on a line of its own.
 */
static int
outbox_replay(struct outbox *ob, char *err, size_t errlen)
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	off_t		 whole = 0;
	unsigned	 lineno = 0;
	json_t		*o;
	json_error_t	 je;
	int		 fd;

	if ((fd = open(ob->path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot read %s: %s", ob->path,
		    strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		snprintf(err, errlen, "cannot read %s: %s", ob->path,
		    strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (line[n - 1] != '\n') {
			outbox_log(ob, LOG_WARN, "%s:%u: torn last record "
			    "(%zd bytes, no newline: a crash while writing "
			    "it), ignored", ob->path, lineno, n);
			break;
		}
		whole += n;
		if (n == 1)
			continue;
		if ((size_t)n > OUTBOX_LINE_MAX ||
		    (o = json_loadb(line, (size_t)n - 1, 0, &je)) == NULL) {
			outbox_unreadable(ob, lineno);
			continue;
		}
		outbox_replay_record(ob, o, lineno);
		json_decref(o);
	}
	free(line);
	if (ferror(fp)) {
		snprintf(err, errlen, "cannot read %s: %s", ob->path,
		    strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	ob->size = whole;
	if (ftruncate(ob->fd, whole) == -1) {
		snprintf(err, errlen, "cannot cut the torn record off %s: %s",
		    ob->path, strerror(errno));
		return -1;
	}
	/* Every record but the pending adds is finished business. */
	ob->finished = lineno > ob->depth ? lineno - ob->depth : 0;
	return 0;
}

static int
outbox_new_epoch(struct outbox *ob, char *err, size_t errlen)
{
	unsigned char	 r[OUTBOX_EPOCH_LEN / 2];
	size_t		 i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(r); i++)
		snprintf(ob->epoch + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/* The oldest entry not in flight, or NULL. */
static struct outbox_entry *
outbox_oldest(struct outbox *ob)
{
	struct outbox_entry *e;

	TAILQ_FOREACH(e, &ob->pending, entry)
		if (!e->inflight)
			return e;
	return NULL;
}

/*
 * Makes dir if it is missing, and opens and locks ob->path in it; *created
 * says whether the file is new.  -1 with err.
 */
static int
outbox_open_file(struct outbox *ob, const char *dir, int *created,
    char *err, size_t errlen)
{
	struct stat	 st;

	*created = 0;
	if (mkdir(dir, 0700) == 0) {
		/* The new directory's entry must be durable too. */
		if (fd_fsync_parent(dir) == -1)
			outbox_log(ob, LOG_WARN, "cannot sync the directory "
			    "above %s: %s", dir, strerror(errno));
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (stat(ob->path, &st) == -1) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", ob->path,
			    strerror(errno));
			return -1;
		}
		*created = 1;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", ob->path);
		return -1;
	}
	if ((ob->fd = open(ob->path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", ob->path,
		    strerror(errno));
		return -1;
	}
	return outbox_lock(ob->fd, ob->path, err, errlen);
}

/*
 * A new file, or one whose first record was lost: a new epoch, and the
 * file started over with it.  -1 with err.
 */
static int
outbox_start_over(struct outbox *ob, int created, char *err, size_t errlen)
{
	char		*line;
	size_t		 len;

	if (outbox_new_epoch(ob, err, errlen) == -1)
		return -1;
	if (!created || ob->depth > 0)
		return outbox_compact(ob, err, errlen);
	if ((line = outbox_open_line(ob, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (outbox_write(ob, line, len, err, errlen) == -1) {
		free(line);
		return -1;
	}
	free(line);
	if (fd_fsync_dir(ob->dir) == -1) {
		snprintf(err, errlen, "cannot sync %s: %s", ob->dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* A smaller bound than before: the oldest go.  -1 with err. */
static int
outbox_shrink(struct outbox *ob, char *err, size_t errlen)
{
	struct outbox_entry *e;
	char		*line = NULL;
	size_t		 len;

	while (ob->depth > ob->max && (e = outbox_oldest(ob)) != NULL) {
		if ((line = outbox_op_line("drop", e->id, &len)) == NULL ||
		    outbox_write(ob, line, len, err, errlen) == -1) {
			free(line);
			return -1;
		}
		free(line);
		outbox_log(ob, LOG_WARN, "%s: dropped notification %llu "
		    "(%s %s): more than %zu pending", ob->path,
		    (unsigned long long)e->id, e->kind, e->alertname,
		    ob->max);
		outbox_remove(ob, e);
		ob->dropped++;
	}
	return 0;
}

struct outbox *
outbox_open(const char *dir, const char *name, size_t max, outbox_log_fn log,
    void *arg, char *err, size_t errlen)
{
	struct outbox	*ob;
	int		 created = 0;

	if ((ob = calloc(1, sizeof(*ob))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ob->fd = -1;
	ob->max = max > 0 ? max : 1;
	ob->next_id = 1;
	ob->log = log;
	ob->logarg = arg;
	TAILQ_INIT(&ob->pending);
	if ((ob->dir = strdup(dir)) == NULL ||
	    asprintf(&ob->path, "%s/outbox-%s.log", dir, name) == -1) {
		ob->path = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (outbox_open_file(ob, dir, &created, err, errlen) == -1)
		goto fail;
	if (!created && outbox_replay(ob, err, errlen) == -1)
		goto fail;
	if ((ob->epoch[0] == '\0' || created) &&
	    outbox_start_over(ob, created, err, errlen) == -1)
		goto fail;
	if (outbox_shrink(ob, err, errlen) == -1)
		goto fail;
	if (ob->finished >= OUTBOX_COMPACT_MIN &&
	    ob->finished > ob->depth && outbox_compact(ob, err, errlen) == -1)
		goto fail;
	return ob;

fail:
	outbox_free(ob);
	return NULL;
}

void
outbox_free(struct outbox *ob)
{
	struct outbox_entry *e;

	if (ob == NULL)
		return;
	while ((e = TAILQ_FIRST(&ob->pending)) != NULL) {
		TAILQ_REMOVE(&ob->pending, e, entry);
		outbox_entry_free(e);
	}
	if (ob->fd != -1)
		close(ob->fd);	/* and the lock */
	free(ob->path);
	free(ob->dir);
	free(ob);
}

int
outbox_compact(struct outbox *ob, char *err, size_t errlen)
{
	struct outbox_entry *e;
	char		*tmp = NULL, *line;
	size_t		 len;
	off_t		 size = 0;
	int		 fd = -1, saved;

	if (asprintf(&tmp, "%s.tmp", ob->path) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	if (outbox_lock(fd, tmp, err, errlen) == -1)
		goto fail;
	if ((line = outbox_open_line(ob, &len)) == NULL)
		goto nomem;
	for (e = NULL;;) {
		if (fd_write_all(fd, line, len, 0, NULL) == -1) {
			free(line);
			goto ioerr;
		}
		size += (off_t)len;
		free(line);
		e = e == NULL ? TAILQ_FIRST(&ob->pending) :
		    TAILQ_NEXT(e, entry);
		if (e == NULL)
			break;
		if ((line = outbox_add_line(e, &len)) == NULL)
			goto nomem;
	}
	if (fdatasync(fd) == -1)
		goto ioerr;
	if (rename(tmp, ob->path) == -1)
		goto ioerr;
	if (fd_fsync_dir(ob->dir) == -1)
		outbox_log(ob, LOG_WARN, "cannot sync %s: %s", ob->dir,
		    strerror(errno));
	if (ob->fd != -1)
		close(ob->fd);
	ob->fd = fd;
	ob->size = size;
	ob->finished = 0;
	TAILQ_FOREACH(e, &ob->pending, entry)
		e->durable = 1;
	free(tmp);
	return 0;

ioerr:
	saved = errno;
	snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(saved));
	goto fail;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	return -1;
}

/* The records of one write. */
struct outbox_buf {
	char		*p;
	size_t		 len;
};

/* Adds line (len bytes; freed) to b.  -1 if line is NULL or out of memory. */
static int
outbox_buf_add(struct outbox_buf *b, char *line, size_t len)
{
	char		*tmp;

	if (line == NULL || (tmp = realloc(b->p, b->len + len + 1)) == NULL) {
		free(line);
		return -1;
	}
	b->p = tmp;
	memcpy(b->p + b->len, line, len + 1);
	b->len += len;
	free(line);
	return 0;
}

/*
 * What appending e does, as records in b: the entries it supersedes
 * ("skip", marked superseded), the one dropped to keep max ("drop", in
 * *dropp, or NULL), then its own "add".  -1 when out of memory or a
 * record cannot be encoded.
 */
static int
outbox_plan(struct outbox *ob, struct outbox_entry *e, int supersede,
    struct outbox_buf *b, struct outbox_entry **dropp)
{
	struct outbox_entry *x, *drop = NULL;
	char		*line;
	size_t		 len, nsuper = 0;

	*dropp = NULL;
	TAILQ_FOREACH(x, &ob->pending, entry) {
		x->superseded = supersede && !x->inflight &&
		    strcmp(x->kind, e->kind) == 0 &&
		    strcmp(x->dedup_key, e->dedup_key) == 0;
		if (x->superseded) {
			nsuper++;
			line = outbox_op_line("skip", x->id, &len);
			if (outbox_buf_add(b, line, len) == -1)
				return -1;
		} else if (drop == NULL && !x->inflight)
			drop = x;
	}
	if (ob->depth - nsuper >= ob->max && drop != NULL) {
		line = outbox_op_line("drop", drop->id, &len);
		if (outbox_buf_add(b, line, len) == -1)
			return -1;
	} else
		drop = NULL;
	line = outbox_add_line(e, &len);
	if (outbox_buf_add(b, line, len) == -1)
		return -1;
	*dropp = drop;
	return 0;
}

/* After the write: the superseded and the dropped go, e is pending. */
static void
outbox_apply(struct outbox *ob, struct outbox_entry *e,
    struct outbox_entry *drop)
{
	struct outbox_entry *x, *nx;

	for (x = TAILQ_FIRST(&ob->pending); x != NULL; x = nx) {
		nx = TAILQ_NEXT(x, entry);
		if (x->superseded)
			outbox_remove(ob, x);
	}
	if (drop != NULL) {
		outbox_log(ob, LOG_WARN, "%s: dropped notification %llu (%s "
		    "%s %s): more than %zu pending", ob->path,
		    (unsigned long long)drop->id, drop->kind,
		    drop->alertname, drop->target, ob->max);
		outbox_remove(ob, drop);
		ob->dropped++;
	}
	TAILQ_INSERT_TAIL(&ob->pending, e, entry);
	ob->depth++;
}

int
outbox_append(struct outbox *ob, const struct outbox_rec *rec, int supersede,
    struct outbox_entry **ep, char *err, size_t errlen)
{
	struct outbox_entry *e, *x, *drop;
	struct outbox_buf buf = { NULL, 0 };
	int		 rc = 0;

	*ep = NULL;
	if (rec->kind == NULL || rec->body == NULL) {
		snprintf(err, errlen, "no kind or no body");
		return -1;
	}
	if (rec->bodylen > OUTBOX_BODY_MAX) {
		snprintf(err, errlen, "notification body of %zu bytes, more "
		    "than %d", rec->bodylen, OUTBOX_BODY_MAX);
		return -1;
	}
	if ((e = outbox_entry_new(ob->next_id, rec->created != 0 ?
	    rec->created : time(NULL), rec->kind, rec->dedup_key,
	    rec->alertname, rec->target, rec->frontend, rec->vantage,
	    rec->verdict, rec->body, rec->bodylen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* One write for everything this append does. */
	if (outbox_plan(ob, e, supersede, &buf, &drop) == -1) {
		free(buf.p);
		TAILQ_FOREACH(x, &ob->pending, entry)
			x->superseded = 0;
		outbox_entry_free(e);
		/* jansson refuses strings that are not UTF-8, too. */
		snprintf(err, errlen, "cannot encode the record (out of "
		    "memory, or a name that is not UTF-8)");
		return -1;
	}
	if (outbox_write(ob, buf.p, buf.len, err, errlen) == -1) {
		/* Kept and sent from memory: better than no page. */
		e->durable = 0;
		rc = 1;
	}
	free(buf.p);
	ob->next_id++;
	outbox_apply(ob, e, drop);
	*ep = e;
	return rc;
}

int
outbox_ack(struct outbox *ob, struct outbox_entry *e)
{
	char		 err[512];
	char		*line;
	size_t		 len;
	int		 rc = 0;

	if (e->durable) {
		if ((line = outbox_op_line("ack", e->id, &len)) == NULL ||
		    outbox_write(ob, line, len, err, sizeof(err)) == -1) {
			if (line == NULL)
				snprintf(err, sizeof(err), "out of memory");
			outbox_log(ob, LOG_ERROR, "%s: notification %llu was "
			    "delivered but its ack not recorded (a restart "
			    "sends it again): %s", ob->path,
			    (unsigned long long)e->id, err);
			rc = -1;
		}
		free(line);
	}
	outbox_remove(ob, e);
	if (ob->finished >= OUTBOX_COMPACT_MIN && ob->finished > ob->depth &&
	    outbox_compact(ob, err, sizeof(err)) == -1)
		outbox_log(ob, LOG_WARN, "cannot compact %s: %s", ob->path,
		    err);
	return rc;
}

struct outbox_entry *
outbox_first(struct outbox *ob)
{
	return TAILQ_FIRST(&ob->pending);
}

struct outbox_entry *
outbox_next(struct outbox_entry *e)
{
	return TAILQ_NEXT(e, entry);
}

uint64_t
outbox_next_id(const struct outbox *ob)
{
	return ob->next_id;
}

const char *
outbox_epoch(const struct outbox *ob)
{
	return ob->epoch;
}

size_t
outbox_depth(const struct outbox *ob)
{
	return ob != NULL ? ob->depth : 0;
}

uint64_t
outbox_dropped(const struct outbox *ob)
{
	return ob != NULL ? ob->dropped : 0;
}

const char *
outbox_path(const struct outbox *ob)
{
	return ob->path;
}
