/*
 * test_outbox.c - the durable queue of a sink (prober/outbox.c): what is
 * appended is in the file before outbox_append() returns; acks, drops
 * and supersedes survive a reopen; a torn last record is tolerated and
 * logged; compaction keeps exactly the pending entries, their order,
 * the ids and the epoch; the bound drops the oldest first (never the one
 * in flight) and counts it; a failed write keeps the entry in memory;
 * a second process cannot open the same outbox.
 *
 * Files go into a fresh directory under $TMPDIR or /tmp.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "alert/outbox.h"
#include "unit.h"

static char	 dir[300];		/* the state_dir of each test */

static void
logcb(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	unit_log_add(msg);
}

/* A state_dir that does not exist yet: the outbox makes it. */
static int
setup(void **state)
{
	(void)state;
	return unit_tmpdir_state("test_outbox", dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	return unit_rmtree(unit_tmpdir);
}

static struct outbox *
open_ok(size_t max)
{
	struct outbox	*ob;
	char		 err[512];

	if ((ob = outbox_open(dir, "am", max, logcb, NULL, err,
	    sizeof(err))) == NULL)
		fail_msg("outbox_open: %s", err);
	return ob;
}

static struct outbox_entry *
append(struct outbox *ob, const char *kind, const char *key,
    const char *body, int supersede)
{
	struct outbox_rec rec = {
		.kind = kind, .dedup_key = key,
		.alertname = "SipcanaryFrontendDown", .target = "voice-prod",
		.frontend = "10.0.0.7:5061", .vantage = "lab-1",
		.verdict = "cert_expired", .body = body,
		.bodylen = strlen(body), .created = 1700000000,
	};
	struct outbox_entry *e;
	char		 err[512];
	int		 rc;

	if ((rc = outbox_append(ob, &rec, supersede, &e, err,
	    sizeof(err))) != 0)
		fail_msg("outbox_append: %d %s", rc, err);
	return e;
}

/* Trigger records k<from> to k<to>, each with its number as body. */
static void
append_triggers(struct outbox *ob, int from, int to)
{
	char	 key[16], body[16];

	for (; from <= to; from++) {
		snprintf(key, sizeof(key), "k%d", from);
		snprintf(body, sizeof(body), "%d", from);
		append(ob, "trigger", key, body, 0);
	}
}

/* The outbox's file holds want. */
static void
expect_in_file(struct outbox *ob, const char *want)
{
	char	*text = unit_slurp(outbox_path(ob));

	if (strstr(text, want) == NULL)
		fail_msg("%s lacks %s", outbox_path(ob), want);
	free(text);
}

/* "1,3,5": the ids pending, in order. */
static void
expect_ids(struct outbox *ob, const char *want)
{
	struct outbox_entry *e;
	char		 got[256];
	size_t		 o = 0;

	got[0] = '\0';
	for (e = outbox_first(ob); e != NULL; e = outbox_next(e))
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%llu",
		    o ? "," : "", (unsigned long long)e->id);
	if (strcmp(got, want) != 0)
		fail_msg("pending ids: got \"%s\", want \"%s\"", got, want);
}

static void
test_append_ack_replay(void **state)
{
	struct outbox	*ob;
	struct outbox_entry *e1, *e2, *e3, *e;
	struct stat	 st;
	char		 epoch[OUTBOX_EPOCH_LEN + 1], *text, path[400];

	(void)state;
	ob = open_ok(1000);
	snprintf(path, sizeof(path), "%s/outbox-am.log", dir);
	assert_string_equal(outbox_path(ob), path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(strlen(outbox_epoch(ob)), OUTBOX_EPOCH_LEN);
	assert_int_equal(strspn(outbox_epoch(ob), "0123456789abcdef"),
	    OUTBOX_EPOCH_LEN);
	snprintf(epoch, sizeof(epoch), "%s", outbox_epoch(ob));
	assert_int_equal(outbox_next_id(ob), 1);
	assert_int_equal(outbox_depth(ob), 0);

	e1 = append(ob, "trigger", "k1", "[{\"a\":\"one\\n\"}]", 0);
	assert_int_equal(e1->id, 1);
	/* In the file before outbox_append() returned. */
	text = unit_slurp(path);
	assert_non_null(strstr(text, "\"op\":\"add\",\"id\":1,"));
	assert_non_null(strstr(text, "\"body\":\"[{\\\"a\\\":\\\"one\\\\n\\\"}]\""));
	assert_non_null(strstr(text, "\"alert\":{\"alertname\":"
	    "\"SipcanaryFrontendDown\",\"target\":\"voice-prod\",\"frontend\":"
	    "\"10.0.0.7:5061\",\"vantage\":\"lab-1\",\"verdict\":"
	    "\"cert_expired\"}"));
	free(text);
	e2 = append(ob, "trigger", "k2", "two", 0);
	e3 = append(ob, "resolve", "k1", "three", 0);
	assert_int_equal(e3->id, 3);
	assert_int_equal(outbox_depth(ob), 3);
	expect_ids(ob, "1,2,3");
	assert_int_equal(outbox_ack(ob, e2), 0);
	expect_ids(ob, "1,3");
	text = unit_slurp(path);
	assert_non_null(strstr(text, "{\"op\":\"ack\",\"id\":2}\n"));
	free(text);
	outbox_free(ob);

	/* Replay: 1 and 3, in order, whole; ids and epoch go on. */
	ob = open_ok(1000);
	expect_ids(ob, "1,3");
	assert_string_equal(outbox_epoch(ob), epoch);
	assert_int_equal(outbox_next_id(ob), 4);
	e = outbox_first(ob);
	assert_string_equal(e->body, "[{\"a\":\"one\\n\"}]");
	assert_int_equal(e->bodylen, strlen(e->body));
	assert_string_equal(e->kind, "trigger");
	assert_string_equal(e->dedup_key, "k1");
	assert_string_equal(e->alertname, "SipcanaryFrontendDown");
	assert_string_equal(e->target, "voice-prod");
	assert_string_equal(e->frontend, "10.0.0.7:5061");
	assert_string_equal(e->vantage, "lab-1");
	assert_string_equal(e->verdict, "cert_expired");
	assert_int_equal(e->created, 1700000000);
	assert_int_equal(e->durable, 1);
	assert_int_equal(e->attempts, 0);
	e = outbox_next(e);
	assert_string_equal(e->kind, "resolve");
	assert_string_equal(e->body, "three");
	assert_int_equal(outbox_dropped(ob), 0);
	assert_int_equal(unit_nlogs, 0);
	e = append(ob, "trigger", "k3", "four", 0);
	assert_int_equal(e->id, 4);
	outbox_ack(ob, outbox_first(ob));
	outbox_ack(ob, outbox_first(ob));
	outbox_ack(ob, outbox_first(ob));
	assert_int_equal(outbox_depth(ob), 0);
	assert_null(outbox_first(ob));
	outbox_free(ob);
	ob = open_ok(1000);
	assert_int_equal(outbox_depth(ob), 0);
	assert_int_equal(outbox_next_id(ob), 5);
	outbox_free(ob);
	outbox_free(NULL);
}

/* A crash in the middle of a write leaves a torn last line. */
static void
test_torn_line(void **state)
{
	struct outbox	*ob;
	FILE		*fp;
	char		 path[400], *text;
	struct stat	 st;
	off_t		 size;

	(void)state;
	ob = open_ok(1000);
	append(ob, "trigger", "k1", "one", 0);
	append(ob, "trigger", "k2", "two", 0);
	snprintf(path, sizeof(path), "%s", outbox_path(ob));
	outbox_free(ob);
	assert_int_equal(stat(path, &st), 0);
	size = st.st_size;
	assert_non_null(fp = fopen(path, "a"));
	fputs("{\"op\":\"add\",\"id\":3,\"created\":1,\"kind\":\"tri", fp);
	fclose(fp);

	ob = open_ok(1000);
	expect_ids(ob, "1,2");
	assert_int_equal(unit_nlogs, 1);
	if (strstr(unit_logs[0], "torn last record") == NULL ||
	    strstr(unit_logs[0], path) == NULL)
		fail_msg("logged: %s", unit_logs[0]);
	/* Cut off: the next record starts on a line of its own. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_int_equal(append(ob, "trigger", "k3", "three", 0)->id, 3);
	outbox_free(ob);
	unit_log_clear();
	ob = open_ok(1000);
	expect_ids(ob, "1,2,3");
	assert_int_equal(unit_nlogs, 0);
	outbox_free(ob);

	/* An unreadable whole line in the middle: skipped, logged. */
	text = unit_slurp(path);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "%.*sgarbage\n{\"op\":\"ack\"}\n%s",
	    (int)(strstr(text, "\n") - text + 1), text,
	    strstr(text, "\n") + 1);
	fclose(fp);
	free(text);
	ob = open_ok(1000);
	expect_ids(ob, "1,2,3");
	assert_int_equal(unit_nlogs, 2);
	assert_non_null(strstr(unit_logs[0], ":2: unreadable record"));
	assert_non_null(strstr(unit_logs[1], ":3: unreadable record"));
	/* A notification that may be lost is counted, not just logged. */
	assert_int_equal(outbox_dropped(ob), 2);
	outbox_free(ob);

	/*
	 * A huge id is a damaged record: it must not make every later
	 * record "out of order", nor push the next id past what JSON
	 * numbers hold exactly.
	 */
	unit_log_clear();
	assert_non_null(fp = fopen(path, "a"));
	fputs("{\"op\":\"add\",\"id\":9223372036854775807,\"created\":1,"
	    "\"kind\":\"trigger\",\"dedup_key\":\"kx\",\"alert\":{},"
	    "\"body\":\"x\"}\n", fp);
	fclose(fp);
	ob = open_ok(1000);
	expect_ids(ob, "1,2,3");
	assert_int_equal(outbox_dropped(ob), 3);
	assert_int_equal(append(ob, "trigger", "k4", "four", 0)->id, 4);
	outbox_free(ob);
	unit_log_clear();
	ob = open_ok(1000);
	expect_ids(ob, "1,2,3,4");
	outbox_free(ob);
}

static void
test_compaction(void **state)
{
	struct outbox	*ob;
	char		 epoch[OUTBOX_EPOCH_LEN + 1], body[32], *text;
	int		 i;

	(void)state;
	ob = open_ok(1000);
	snprintf(epoch, sizeof(epoch), "%s", outbox_epoch(ob));
	for (i = 1; i <= 100; i++) {
		snprintf(body, sizeof(body), "body %d", i);
		append(ob, "trigger", body, body, 0);
	}
	/* Acks of 1..90: compaction when finished records outnumber. */
	for (i = 0; i < 90; i++)
		outbox_ack(ob, outbox_first(ob));
	text = unit_slurp(outbox_path(ob));
	assert_true(unit_count(text, "\"op\":\"add\"") <= 100);
	assert_int_equal(unit_count(text, "\"op\":\"open\""), 1);
	free(text);
	assert_int_equal(outbox_compact(ob, body, sizeof(body)), 0);
	text = unit_slurp(outbox_path(ob));
	/* Only the header and the ten pending. */
	assert_int_equal(unit_count(text, "\n"), 11);
	assert_int_equal(unit_count(text, "\"op\":\"add\""), 10);
	assert_int_equal(unit_count(text, "\"op\":\"ack\""), 0);
	assert_non_null(strstr(text, "\"next\":101"));
	free(text);
	outbox_free(ob);

	ob = open_ok(1000);
	expect_ids(ob, "91,92,93,94,95,96,97,98,99,100");
	assert_string_equal(outbox_first(ob)->body, "body 91");
	assert_string_equal(outbox_epoch(ob), epoch);
	assert_int_equal(outbox_next_id(ob), 101);
	/* All acked and compacted: the ids still go on. */
	while (outbox_first(ob) != NULL)
		outbox_ack(ob, outbox_first(ob));
	assert_int_equal(outbox_compact(ob, body, sizeof(body)), 0);
	outbox_free(ob);
	ob = open_ok(1000);
	assert_int_equal(outbox_depth(ob), 0);
	assert_int_equal(outbox_next_id(ob), 101);
	assert_string_equal(outbox_epoch(ob), epoch);
	outbox_free(ob);
	assert_int_equal(unit_nlogs, 0);
}

/* Beyond max pending: the oldest go first, counted, recorded. */
static void
test_bound(void **state)
{
	struct outbox	*ob;

	(void)state;
	ob = open_ok(3);
	append_triggers(ob, 1, 3);
	assert_int_equal(outbox_dropped(ob), 0);
	append_triggers(ob, 4, 5);
	expect_ids(ob, "3,4,5");
	assert_int_equal(outbox_depth(ob), 3);
	assert_int_equal(outbox_dropped(ob), 2);
	assert_int_equal(unit_nlogs, 2);
	assert_non_null(strstr(unit_logs[0], "dropped notification 1 "));
	assert_non_null(strstr(unit_logs[1], "dropped notification 2 "));
	expect_in_file(ob, "{\"op\":\"drop\",\"id\":1}\n");
	expect_in_file(ob, "{\"op\":\"drop\",\"id\":2}\n");

	/* The entry in flight is never dropped: the next oldest is. */
	outbox_first(ob)->inflight = 1;
	append(ob, "trigger", "k6", "6", 0);
	expect_ids(ob, "3,5,6");
	assert_int_equal(outbox_dropped(ob), 3);
	outbox_free(ob);

	/* Replayed as it was; a smaller bound drops at open. */
	ob = open_ok(3);
	expect_ids(ob, "3,5,6");
	assert_int_equal(outbox_dropped(ob), 0);
	outbox_free(ob);
	ob = open_ok(1);
	expect_ids(ob, "6");
	assert_int_equal(outbox_dropped(ob), 2);
	outbox_free(ob);
	ob = open_ok(1);
	expect_ids(ob, "6");
	outbox_free(ob);
}

/* A refresh retires the older pending refreshes of the same alert. */
static void
test_supersede(void **state)
{
	struct outbox	*ob;
	struct outbox_entry *e;

	(void)state;
	ob = open_ok(1000);
	append(ob, "trigger", "k1", "t1", 0);
	append(ob, "refresh", "k1", "r1", 1);
	append(ob, "refresh", "k2", "r2", 1);
	e = append(ob, "refresh", "k1", "r3", 1);
	expect_ids(ob, "1,3,4");
	assert_string_equal(e->body, "r3");
	/* Not the one in flight. */
	e->inflight = 1;
	append(ob, "refresh", "k1", "r5", 1);
	expect_ids(ob, "1,3,4,5");
	e->inflight = 0;
	assert_int_equal(outbox_dropped(ob), 0);
	expect_in_file(ob, "{\"op\":\"skip\",\"id\":2}\n");
	outbox_free(ob);
	ob = open_ok(1000);
	expect_ids(ob, "1,3,4,5");
	outbox_free(ob);

	/* With the outbox full, a superseded entry makes the room. */
	ob = open_ok(4);
	append(ob, "refresh", "k2", "r6", 1);
	expect_ids(ob, "1,4,5,6");
	assert_int_equal(outbox_dropped(ob), 0);
	outbox_free(ob);
}

/* Two daemons on one state_dir would interleave records. */
static void
test_lock(void **state)
{
	struct outbox	*a, *b;
	char		 err[512], want[512];

	(void)state;
	a = open_ok(10);
	b = outbox_open(dir, "am", 10, logcb, NULL, err, sizeof(err));
	assert_null(b);
	snprintf(want, sizeof(want), "%s/outbox-am.log is in use by another "
	    "process (another sipcanary with the same state_dir?)", dir);
	assert_string_equal(err, want);
	/* Other names are other files. */
	assert_non_null(b = outbox_open(dir, "pd", 10, logcb, NULL, err,
	    sizeof(err)));
	outbox_free(b);
	/* After a compaction, the new file is locked too. */
	assert_int_equal(outbox_compact(a, err, sizeof(err)), 0);
	assert_null(outbox_open(dir, "am", 10, logcb, NULL, err,
	    sizeof(err)));
	outbox_free(a);
	b = open_ok(10);
	outbox_free(b);

	/* Not a directory. */
	assert_null(outbox_open("/dev/null/x", "am", 10, NULL, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "cannot make /dev/null/x"));
}

/* Disk full: the entry is kept in memory, the file stays whole. */
static void
test_write_failure(void **state)
{
	struct outbox	*ob;
	struct outbox_rec rec;
	struct outbox_entry *e;
	struct rlimit	 rl, old;
	struct stat	 st;
	char		 err[512], big[4096];
	int		 rc;

	(void)state;
	ob = open_ok(10);
	append(ob, "trigger", "k1", "one", 0);
	assert_int_equal(stat(outbox_path(ob), &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)st.st_size + 100;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&rec, 0, sizeof(rec));
	rec.kind = "trigger";
	rec.dedup_key = "k2";
	rec.body = big;
	rec.bodylen = strlen(big);
	rc = outbox_append(ob, &rec, 0, &e, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "cannot write"));
	assert_non_null(e);
	assert_int_equal(e->durable, 0);
	expect_ids(ob, "1,2");
	/* Cut back to the last whole record. */
	assert_int_equal(stat(outbox_path(ob), &st), 0);
	assert_true(st.st_size <= (off_t)rl.rlim_cur);
	assert_int_equal(outbox_ack(ob, e), 0);	/* nothing to write */
	append(ob, "trigger", "k3", "three", 0);
	outbox_free(ob);
	ob = open_ok(10);
	expect_ids(ob, "1,3");
	assert_int_equal(unit_nlogs, 0);
	outbox_free(ob);

	/* Too big a body is refused outright. */
	ob = open_ok(10);
	rec.bodylen = OUTBOX_BODY_MAX + 1;
	assert_int_equal(outbox_append(ob, &rec, 0, &e, err, sizeof(err)),
	    -1);
	assert_null(e);
	outbox_free(ob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_ack_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supersede, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
