/*
 * test_alert.c - alert hysteresis, flap damping, severity changes and
 * state that survives a restart.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "alert/alert.h"

struct sent {
	int	 triggers;
	int	 resolves;
	char	 last_severity[12];
};

static void
record(const struct alert_state *a, enum alert_event ev, void *arg)
{
	struct sent *s = arg;

	if (ev == ALERT_TRIGGER) {
		s->triggers++;
		snprintf(s->last_severity, sizeof(s->last_severity), "%s",
		    a->severity);
	} else
		s->resolves++;
}

static void
eval(struct alerts *al, int bad, const char *sev, double flap)
{
	struct alert_eval ev = {
		.alertname = "SipcanaryFrontendDown", .target = "voice",
		.frontend = "127.0.0.1:5061", .bad = bad, .severity = sev,
		.for_n = 2, .resolve_after = 2, .flap_window = flap,
		.summary = "down", .verdict = "tcp_refused",
	};

	alerts_eval(al, &ev);
}

static void
test_hysteresis(void **state)
{
	struct sent	 s = { 0 };
	char		 err[128];
	struct alerts	*al = alerts_open(NULL, record, &s, err, sizeof(err));

	(void)state;
	eval(al, 0, NULL, 600);
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 0);	/* for = 2 */
	eval(al, 0, NULL, 600);
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 0);	/* not in a row */
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 1);
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 1);	/* no second page */
	eval(al, 0, NULL, 600);
	assert_int_equal(s.resolves, 0);	/* resolve_after = 2 */
	eval(al, 0, NULL, 600);
	assert_int_equal(s.resolves, 1);
	alerts_free(al);
}

static void
test_flapping(void **state)
{
	struct sent	 s = { 0 };
	char		 err[128];
	struct alerts	*al = alerts_open(NULL, record, &s, err, sizeof(err));
	int		 i;

	(void)state;
	/* Down and up every probe, many times, within the window. */
	for (i = 0; i < 10; i++) {
		eval(al, 1, "critical", 600);
		eval(al, 1, "critical", 600);
		eval(al, 0, NULL, 600);
		eval(al, 0, NULL, 600);
	}
	assert_int_equal(s.triggers, 1);
	assert_int_equal(s.resolves, 1);
	/* A zero window: every fire pages. */
	memset(&s, 0, sizeof(s));
	alerts_free(al);
	al = alerts_open(NULL, record, &s, err, sizeof(err));
	for (i = 0; i < 3; i++) {
		eval(al, 1, "critical", 0);
		eval(al, 1, "critical", 0);
		eval(al, 0, NULL, 0);
		eval(al, 0, NULL, 0);
	}
	assert_int_equal(s.triggers, 3);
	assert_int_equal(s.resolves, 3);
	alerts_free(al);
}

static void
test_severity_change(void **state)
{
	struct sent	 s = { 0 };
	char		 err[128];
	struct alerts	*al = alerts_open(NULL, record, &s, err, sizeof(err));

	(void)state;
	eval(al, 1, "warning", 600);
	eval(al, 1, "warning", 600);
	assert_int_equal(s.triggers, 1);
	assert_string_equal(s.last_severity, "warning");
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 2);
	assert_string_equal(s.last_severity, "critical");
	alerts_free(al);
}

static void
test_restart(void **state)
{
	struct sent	 s = { 0 };
	char		 err[128], path[] = "/tmp/test_alert.XXXXXX";
	char		 file[64];
	struct alerts	*al;
	int		 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(file, sizeof(file), "%s", path);
	al = alerts_open(file, record, &s, err, sizeof(err));
	assert_non_null(al);
	eval(al, 1, "critical", 600);
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 1);
	alerts_free(al);

	/* Restarted while firing: no second page, and the resolve comes. */
	memset(&s, 0, sizeof(s));
	al = alerts_open(file, record, &s, err, sizeof(err));
	assert_non_null(al);
	eval(al, 1, "critical", 600);
	eval(al, 1, "critical", 600);
	assert_int_equal(s.triggers, 0);
	eval(al, 0, NULL, 600);
	eval(al, 0, NULL, 600);
	assert_int_equal(s.resolves, 1);
	alerts_free(al);

	/* A broken state file is an error, not an empty state. */
	fd = open(file, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{not json", 9), 9);
	close(fd);
	assert_null(alerts_open(file, record, &s, err, sizeof(err)));
	assert_non_null(strstr(err, file));
	unlink(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_severity_change),
		cmocka_unit_test(test_restart),
	};

	alerts_free(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
