/*
 * test_alert.c - alert hysteresis, flap damping, severity changes and
 * state that survives a restart (in a fresh directory under $TMPDIR or
 * /tmp).
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
#include <limits.h>
#include <unistd.h>
#include <cmocka.h>

#include "alert/alert.h"
#include "unit.h"

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

/* n failed probes in a row, each of a critical alert. */
static void
down(struct alerts *al, int n, double flap)
{
	while (n-- > 0)
		eval(al, 1, "critical", flap);
}

/* n good probes in a row. */
static void
up(struct alerts *al, int n, double flap)
{
	while (n-- > 0)
		eval(al, 0, NULL, flap);
}

/* Down twice (it fires), then up twice (it resolves), cycles times. */
static void
flap(struct alerts *al, int cycles, double window)
{
	while (cycles-- > 0) {
		down(al, 2, window);
		up(al, 2, window);
	}
}

/* Alerts without a state file, counted into s. */
static struct alerts *
open_memory(struct sent *s)
{
	char	 err[128];

	memset(s, 0, sizeof(*s));
	return alerts_open(NULL, record, s, err, sizeof(err));
}

static void
test_hysteresis(void **state)
{
	struct sent	 s;
	struct alerts	*al = open_memory(&s);

	(void)state;
	up(al, 1, 600);
	down(al, 1, 600);
	assert_int_equal(s.triggers, 0);	/* for = 2 */
	up(al, 1, 600);
	down(al, 1, 600);
	assert_int_equal(s.triggers, 0);	/* not in a row */
	down(al, 1, 600);
	assert_int_equal(s.triggers, 1);
	down(al, 1, 600);
	assert_int_equal(s.triggers, 1);	/* no second page */
	up(al, 1, 600);
	assert_int_equal(s.resolves, 0);	/* resolve_after = 2 */
	up(al, 1, 600);
	assert_int_equal(s.resolves, 1);
	alerts_free(al);
}

static void
test_flapping(void **state)
{
	struct sent	 s;
	struct alerts	*al = open_memory(&s);

	(void)state;
	/* Down and up every probe, many times, within the window. */
	flap(al, 10, 600);
	assert_int_equal(s.triggers, 1);
	assert_int_equal(s.resolves, 1);
	/* A zero window: every fire pages. */
	alerts_free(al);
	al = open_memory(&s);
	flap(al, 3, 0);
	assert_int_equal(s.triggers, 3);
	assert_int_equal(s.resolves, 3);
	alerts_free(al);
}

static void
test_severity_change(void **state)
{
	struct sent	 s;
	struct alerts	*al = open_memory(&s);

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
	char		 err[PATH_MAX + 128], file[PATH_MAX];
	struct alerts	*al;
	int		 fd;

	(void)state;
	assert_int_equal(unit_tmpdir_make("test_alert"), 0);
	snprintf(file, sizeof(file), "%s/alerts.json", unit_tmpdir);
	al = alerts_open(file, record, &s, err, sizeof(err));
	assert_non_null(al);
	down(al, 2, 600);
	assert_int_equal(s.triggers, 1);
	alerts_free(al);

	/* Restarted while firing: no second page, and the resolve comes. */
	memset(&s, 0, sizeof(s));
	al = alerts_open(file, record, &s, err, sizeof(err));
	assert_non_null(al);
	down(al, 2, 600);
	assert_int_equal(s.triggers, 0);
	up(al, 2, 600);
	assert_int_equal(s.resolves, 1);
	alerts_free(al);

	/*
	 * A damaged state file does not stop a start: it is moved aside
	 * (kept, with the time in its name) and said so; the alert that
	 * still holds fires again: a duplicate page, never a lost one.
	 */
	fd = open(file, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{not json", 9), 9);
	close(fd);
	memset(&s, 0, sizeof(s));
	al = alerts_open(file, record, &s, err, sizeof(err));
	assert_non_null(al);
	assert_non_null(alerts_damaged(al));
	assert_non_null(strstr(alerts_damaged(al), "moved aside to"));
	assert_int_equal(access(file, F_OK), -1);
	down(al, 2, 600);
	assert_int_equal(s.triggers, 1);
	alerts_free(al);
	assert_int_equal(unit_rmtree(unit_tmpdir), 0);
}

/* --- the hierarchy: one page per incident ------------------------------ */

static const struct alert_inhibit rules[] = {
	{ "Outage", "TargetDown", 0 },
	{ "Outage", "CertInvalid", 0 },
	{ "TargetDown", "CertInvalid", 0 },
};

/* Names of what was paged, in order, for the hierarchy tests. */
struct pages {
	char	 log[512];
};

static void
record_pages(const struct alert_state *a, enum alert_event ev, void *arg)
{
	struct pages *p = arg;

	snprintf(p->log + strlen(p->log), sizeof(p->log) - strlen(p->log),
	    "%s%s ", ev == ALERT_TRIGGER ? "+" : "-", a->alertname);
}

static void
heval(struct alerts *al, const char *name, const char *fe, int bad,
    unsigned for_n)
{
	struct alert_eval ev = {
		.alertname = name, .target = "voice", .frontend = fe,
		.bad = bad, .severity = "critical", .for_n = for_n,
		.resolve_after = 1, .summary = name,
	};

	alerts_eval(al, &ev);
}

/* Queues every paged alert to sink "pd" (as the daemon would). */
static void
queue_all(const struct alert_state *a, enum alert_event ev, void *arg)
{
	(void)ev;
	if (a->paged)
		alerts_queued(arg, a, "pd", "trigger");
}

static void
delivery_of(const struct alert_state *a, enum alert_event ev, void *arg)
{
	(void)ev;
	if (strcmp(a->alertname, "CertInvalid") == 0)
		alert_delivery_text(a, arg, 256);
}

static int	 woken;
static void	 wake(void *arg) { (void)arg; woken++; }

static void
test_hierarchy(void **state)
{
	struct pages	 p = { "" };
	char		 err[128], text[256];
	struct alerts	*al;
	json_t		*doc;

	(void)state;
	al = alerts_open(NULL, record_pages, &p, err, sizeof(err));
	assert_non_null(al);
	alerts_set_hierarchy(al, rules, 3, wake, NULL);

	/* One probe finds the root cause and its symptoms: one page. */
	heval(al, "CertInvalid", "fe1", 1, 1);
	heval(al, "TargetDown", "", 1, 1);
	heval(al, "Outage", "", 1, 1);
	assert_true(woken >= 3);
	assert_string_equal(p.log, "");		/* decided at settle */
	alerts_settle(al);
	assert_string_equal(p.log, "+Outage ");
	doc = alerts_json(al);
	assert_int_equal(json_array_size(doc), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(doc, 0), "inhibited_by")), "Outage");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(doc, 0), "delivery")),
	    "not paged: inhibited by Outage");
	assert_true(json_is_null(json_object_get(json_array_get(doc, 2),
	    "inhibited_by")));
	json_decref(doc);

	/* The root resolves while a symptom holds: that one pages now. */
	heval(al, "Outage", "", 0, 1);
	heval(al, "TargetDown", "", 1, 1);
	heval(al, "CertInvalid", "fe1", 1, 1);
	alerts_settle(al);
	assert_string_equal(p.log, "+Outage -Outage +TargetDown ");

	/* An inhibited alert never paged: resolving it sends nothing. */
	heval(al, "CertInvalid", "fe1", 0, 1);
	heval(al, "TargetDown", "", 0, 1);
	alerts_settle(al);
	assert_string_equal(p.log, "+Outage -Outage +TargetDown -TargetDown ");

	/*
	 * A symptom (for 1) waits while its explanation (for 2) is bad but
	 * not firing yet; it is then explained, not paged.
	 */
	p.log[0] = '\0';
	heval(al, "CertInvalid", "fe1", 1, 1);
	heval(al, "TargetDown", "", 1, 2);
	alerts_settle(al);
	assert_string_equal(p.log, "");
	doc = alerts_json(al);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(doc, 0), "delivery")), "not paged yet: waiting "
	    "for the alerts that would explain it");
	json_decref(doc);
	heval(al, "CertInvalid", "fe1", 1, 1);
	heval(al, "TargetDown", "", 1, 2);
	alerts_settle(al);
	assert_string_equal(p.log, "+TargetDown ");

	/* Its explanation turns good before firing: the symptom pages. */
	p.log[0] = '\0';
	heval(al, "TargetDown", "", 0, 2);
	heval(al, "CertInvalid", "fe1", 0, 1);
	alerts_settle(al);
	heval(al, "TargetDown", "", 1, 2);
	heval(al, "CertInvalid", "fe1", 1, 1);
	alerts_settle(al);
	assert_string_equal(p.log, "-TargetDown ");
	heval(al, "TargetDown", "", 0, 2);
	alerts_settle(al);
	assert_string_equal(p.log, "-TargetDown +CertInvalid ");

	/* Deliveries: queued, then delivered by that sink. */
	heval(al, "CertInvalid", "fe1", 1, 1);
	alerts_each(al, queue_all, al);
	alerts_delivered(al, "CertInvalid", "voice", "fe1", "pd", "trigger",
	    (time_t)1796600000);
	alerts_each(al, delivery_of, text);
	assert_string_equal(text, "trigger delivered to pd at "
	    "2026-12-06T23:33:20Z");
	alerts_free(al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_severity_change),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_hierarchy),
	};

	alerts_free(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
