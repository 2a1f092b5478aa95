/*
 * test_scenario.c - the scenario file parser: every shipped scenario
 * loads (two of them are checked step by step), defaults and every
 * option come out as documented in sipcanary-scenario(5), repeats nest,
 * and each way a file can be wrong gets its exact "FILE:LINE: ..."
 * message.
 *
 * The shipped scenarios are found in $SRCDIR/scenarios, or else in the
 * SRCDIR the test was compiled with (-DSRCDIR="..."), or else in
 * ./scenarios.  Temporary files go into a fresh directory under $TMPDIR
 * or /tmp.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sipcanary.h"
#include "conf/scenario.h"
#include "unit.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static struct sc_scenario *
load_shipped(const char *name)
{
	struct sc_scenario *sc;
	char		 path[PATH_MAX], err[512];

	snprintf(path, sizeof(path), "%s/scenarios/%s.scn",
	    unit_srcdir(SRCDIR), name);
	if ((sc = scenario_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return sc;
}

/* The parser under test: the one place that names its API. */
UNIT_PARSER(scn_parser, scenario_load_string, scenario_load,
    scenario_free);

/* Loads text that must fail, and checks the whole message. */
static void
expect_error(const char *text, const char *want)
{
	unit_expect_error(&scn_parser, "storm.scn", text, want);
}

static struct sc_scenario *
expect_ok(const char *text)
{
	return unit_expect_ok(&scn_parser, "dir/storm.scn", text);
}

static void
assert_step(const struct sc_step *st, enum sc_step_kind kind, int line,
    const char *label)
{
	assert_int_equal(st->kind, kind);
	assert_int_equal(st->line, line);
	assert_string_equal(st->label, label);
}

/* A persistent flow file, loaded as the daemon loads its own. */
static struct sc_scenario *
load_flow(const char *path, char *err, size_t errlen)
{
	struct sc_scenario *sc;
	char		*text = unit_slurp(path);

	sc = scenario_load_flow_string(strrchr(path, '/') + 1, text, err,
	    errlen);
	free(text);
	return sc;
}

/*
 * persistent-flow is the daemon's flow: these four steps, labelled as the
 * daemon's logs name them, with every timing left to the target's config.
 * A flow must end with a break; as a drill scenario it cannot run.
 */
static void
test_shipped_persistent_flow(void **state)
{
	struct sc_scenario *sc;
	const struct sc_step *s;
	char		 path[PATH_MAX], err[512];
	size_t		 i;

	(void)state;
	snprintf(path, sizeof(path), "%s/scenarios/persistent-flow.scn",
	    unit_srcdir(SRCDIR));
	if ((sc = load_flow(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	s = sc->steps;
	assert_string_equal(sc->name, "persistent-flow");
	assert_int_equal(sc->nsteps, 4);
	assert_int_equal(s[0].kind, SC_STEP_RECONNECT);
	assert_string_equal(s[0].label, "reconnect");
	assert_int_equal(s[0].backoff, SC_BACKOFF_RFC5626);
	assert_true(s[0].backoff_base == 1 && s[0].backoff_max == 60);
	assert_int_equal(s[1].kind, SC_STEP_REGISTER);
	assert_string_equal(s[1].label, "register");
	assert_int_equal(s[2].kind, SC_STEP_MAINTAIN);
	assert_string_equal(s[2].label, "maintain");
	assert_int_equal(s[3].kind, SC_STEP_BREAK);
	assert_string_equal(s[3].label, "deliberate-break");
	assert_int_equal(s[3].how, SC_BREAK_RST);
	for (i = 0; i < sc->nsteps; i++) {
		assert_int_equal(s[i].expect_verdict, -1);
		assert_true(s[i].within == 0 && s[i].expires == 0 &&
		    s[i].every == 0 && s[i].duration == 0);
	}
	scenario_free(sc);
	assert_null(scenario_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "nothing to reconnect"));
	assert_null(scenario_load_flow_string("f.scn",
	    "step connect { }\nstep register { }\n", err, sizeof(err)));
	assert_string_equal(err, "f.scn:2: step \"register\": a persistent "
	    "flow must end with a break step, as each pass starts again "
	    "from the first step");
}

/* Every file in scenarios/ loads, and the six promised ones are there. */
static void
test_shipped_all(void **state)
{
	static const char *promised[] = {
		"register-fresh", "register-persistent",
		"reconnect-after-break", "reconnect-storm", "options-ping",
		"unregister-all",
	};
	struct sc_scenario *sc;
	glob_t		 g;
	char		 pat[PATH_MAX], err[512], head[128], want[128];
	const char	*base;
	size_t		 i, j, found = 0;
	FILE		*fp;

	(void)state;
	snprintf(pat, sizeof(pat), "%s/scenarios/*.scn",
	    unit_srcdir(SRCDIR));
	if (glob(pat, 0, NULL, &g) != 0)
		fail_msg("no scenarios at %s (set SRCDIR)", pat);
	for (i = 0; i < g.gl_pathc; i++) {
		base = strrchr(g.gl_pathv[i], '/') + 1;
		if ((sc = strcmp(base, "persistent-flow.scn") == 0 ||
		    strcmp(base, "options-flow.scn") == 0 ?
		    load_flow(g.gl_pathv[i], err, sizeof(err)) :
		    scenario_load(g.gl_pathv[i], err, sizeof(err))) == NULL)
			fail_msg("%s", err);
		assert_int_equal(strlen(sc->name) + 4, strlen(base));
		assert_memory_equal(sc->name, base, strlen(sc->name));
		assert_non_null(sc->description);
		assert_true(sc->nsteps > 0);
		for (j = 0; j < sizeof(promised) / sizeof(promised[0]); j++)
			if (strcmp(sc->name, promised[j]) == 0)
				found++;
		/* Each starts with a comment naming it and what it rehearses. */
		assert_non_null(fp = fopen(g.gl_pathv[i], "r"));
		assert_non_null(fgets(head, sizeof(head), fp));
		fclose(fp);
		snprintf(want, sizeof(want), "# %s - ", sc->name);
		if (strncmp(head, want, strlen(want)) != 0)
			fail_msg("%s starts with %s", base, head);
		scenario_free(sc);
	}
	globfree(&g);
	assert_int_equal(found, sizeof(promised) / sizeof(promised[0]));
}

/* register-fresh is the check probe: exactly these three steps. */
static void
test_shipped_register_fresh(void **state)
{
	struct sc_scenario *sc = load_shipped("register-fresh");
	const struct sc_step *s = sc->steps;

	(void)state;
	assert_string_equal(sc->name, "register-fresh");
	assert_int_equal(sc->clients, 1);
	assert_true(sc->ramp == 0 && sc->duration == 0);
	assert_null(sc->user);
	assert_null(sc->user_template);
	assert_null(sc->password_file);
	assert_int_equal(sc->nsteps, 3);
	assert_step(&s[0], SC_STEP_CONNECT, 21, "connect");
	assert_int_equal(s[0].resume, 0);
	assert_true(s[0].within == 10);
	assert_int_equal(s[0].expect_status, 0);
	assert_int_equal(s[0].expect_verdict, -1);
	assert_step(&s[1], SC_STEP_REGISTER, 22, "register");
	assert_int_equal(s[1].expect_status, 200);
	assert_int_equal(s[1].expect_verdict, -1);
	assert_true(s[1].within == 10);
	assert_int_equal(s[1].expires, 0);
	assert_step(&s[2], SC_STEP_UNREGISTER, 23, "unregister");
	assert_int_equal(s[2].expect_status, 200);
	assert_true(s[2].within == 10);
	scenario_free(sc);
}

/* reconnect-storm: 500 clients, break with a reset, RFC 5626 back. */
static void
test_shipped_reconnect_storm(void **state)
{
	struct sc_scenario *sc = load_shipped("reconnect-storm");
	const struct sc_step *s = sc->steps;

	(void)state;
	assert_int_equal(sc->clients, 500);
	assert_true(sc->ramp == 1000);
	assert_true(sc->duration == 600);
	assert_int_equal(sc->nsteps, 7);
	assert_step(&s[0], SC_STEP_CONNECT, 26, "connect");
	assert_int_equal(s[0].resume, 0);
	assert_true(s[0].within == 10);
	assert_step(&s[1], SC_STEP_REGISTER, 27, "initial");
	assert_int_equal(s[1].expect_status, 200);
	assert_step(&s[2], SC_STEP_HOLD, 28, "hold");
	assert_true(s[2].duration == 5 && s[2].every == 1);
	assert_step(&s[3], SC_STEP_BREAK, 29, "break");
	assert_int_equal(s[3].how, SC_BREAK_RST);
	assert_step(&s[4], SC_STEP_RECONNECT, 30, "reconnect");
	assert_int_equal(s[4].backoff, SC_BACKOFF_RFC5626);
	assert_true(s[4].backoff_base == 1 && s[4].backoff_max == 30);
	assert_true(s[4].within == 60);
	assert_step(&s[5], SC_STEP_REGISTER, 31, "after-reconnect");
	assert_int_equal(s[5].expect_status, 200);
	assert_true(s[5].within == 30);
	assert_step(&s[6], SC_STEP_UNREGISTER, 32, "unregister");
	scenario_free(sc);
}

/* Everything left out takes the default the engine expects. */
static void
test_defaults(void **state)
{
	struct sc_scenario *sc;
	const struct sc_step *s;
	size_t		 i;

	(void)state;
	sc = expect_ok(
	    "step connect { }\n"
	    "step register { }\n"
	    "step reregister { }\n"
	    "step options { }\n"
	    "step keepalive { }\n"
	    "step hold { }\n"
	    "step unregister { }\n"
	    "step break { }\n"
	    "step reconnect { }\n"
	    "step wait { for = 1 }\n"
	    "step repeat { count = 1  step wait { for = 1 } }\n");
	assert_string_equal(sc->name, "storm");
	assert_null(sc->description);
	assert_int_equal(sc->clients, 1);
	assert_true(sc->ramp == 0 && sc->duration == 0);
	assert_null(sc->user);
	assert_null(sc->user_template);
	assert_int_equal(sc->user_first, 1);
	assert_null(sc->password_file);
	assert_int_equal(sc->nsteps, 11);
	for (i = 0; i < sc->nsteps; i++) {
		s = &sc->steps[i];
		assert_int_equal(s->line, (int)i + 1);
		assert_string_equal(s->label, sc_step_kind_str(s->kind));
		assert_int_equal(s->expect_status, 0);
		assert_int_equal(s->expect_verdict, -1);
		assert_true(s->within == 0);
		assert_int_equal(s->resume, 0);
		assert_int_equal(s->expires, 0);
		assert_true(s->every == 0);
		assert_int_equal(s->how, SC_BREAK_RST);
		assert_int_equal(s->backoff, SC_BACKOFF_IMMEDIATE);
		assert_true(s->backoff_base == 0 && s->backoff_max == 0);
		if (s->kind != SC_STEP_WAIT)
			assert_true(s->duration == 0);
		if (s->kind != SC_STEP_REPEAT) {
			assert_int_equal(s->count, 0);
			assert_null(s->body);
			assert_int_equal(s->nbody, 0);
		}
	}
	assert_int_equal(sc->steps[0].kind, SC_STEP_CONNECT);
	assert_int_equal(sc->steps[8].kind, SC_STEP_RECONNECT);
	assert_true(sc->steps[9].duration == 1);
	assert_int_equal(sc->steps[10].count, 1);
	assert_int_equal(sc->steps[10].nbody, 1);
	scenario_free(sc);
}

/* Every setting and every step option, with its value converted. */
static void
test_every_option(void **state)
{
	struct sc_scenario *sc;
	const struct sc_step *s;

	(void)state;
	sc = expect_ok(
	    "description = \"what it rehearses\"\n"
	    "clients = 250\n"
	    "ramp = 12.5            # new clients per second\n"
	    "duration = 1.5h\n"
	    "users = \"probe%04d\"  user_first = 0\n"
	    "password_file = \"pw\"\n"
	    "step connect   { resume = yes  within = 250ms  expect = ok "
	    "label = \"first:connect\" }\n"
	    "step register  { expect = 423  within = 5  expires = 5m }\n"
	    "step keepalive { every = 1s  for = 3s  expect = flow_dead }\n"
	    "step hold      { for = 10s  every = 30s }\n"
	    "step break     { how = silent_drop }\n"
	    "step reconnect { backoff = fixed  base = 2s  resume = no "
	    "expect = \"cert_expired\"  within = 1m }\n"
	    "step reregister { expires = 1d  expect = sip_4xx }\n"
	    "step options   { expect = 200 }\n"
	    "step wait      { for = 2s }\n"
	    "step break     { how = close_notify }\n"
	    "step reconnect { backoff = rfc5626 }\n"
	    "step break     { }\n"
	    "step reconnect { backoff = rfc5626  max = 2m }\n"
	    "step unregister { expect = sip_timeout  label = \"bye\" }\n");
	assert_string_equal(sc->description, "what it rehearses");
	assert_int_equal(sc->clients, 250);
	assert_true(sc->ramp == 12.5);
	assert_true(sc->duration == 5400);
	assert_null(sc->user);
	assert_string_equal(sc->user_template, "probe%04d");
	assert_int_equal(sc->user_first, 0);
	/* Relative to the scenario file's directory. */
	assert_string_equal(sc->password_file, "dir/pw");
	assert_int_equal(sc->nsteps, 14);
	s = sc->steps;
	assert_step(&s[0], SC_STEP_CONNECT, 7, "first:connect");
	assert_int_equal(s[0].resume, 1);
	assert_true(s[0].within == 0.25);
	assert_int_equal(s[0].expect_verdict, SC_OK);
	assert_int_equal(s[0].expect_status, 0);
	assert_int_equal(s[1].expect_status, 423);
	assert_int_equal(s[1].expect_verdict, -1);
	assert_true(s[1].within == 5);
	assert_int_equal(s[1].expires, 300);
	assert_true(s[2].every == 1 && s[2].duration == 3);
	assert_true(s[2].within == 0);
	assert_int_equal(s[2].expect_verdict, SC_FLOW_DEAD);
	assert_true(s[3].duration == 10 && s[3].every == 30);
	assert_int_equal(s[4].how, SC_BREAK_SILENT_DROP);
	assert_int_equal(s[5].backoff, SC_BACKOFF_FIXED);
	assert_true(s[5].backoff_base == 2 && s[5].backoff_max == 0);
	assert_int_equal(s[5].resume, 0);
	assert_int_equal(s[5].expect_verdict, SC_CERT_EXPIRED);
	assert_true(s[5].within == 60);
	assert_int_equal(s[6].expires, 86400);
	assert_int_equal(s[6].expect_verdict, SC_SIP_4XX);
	assert_int_equal(s[7].expect_status, 200);
	assert_true(s[8].duration == 2);
	assert_int_equal(s[9].how, SC_BREAK_CLOSE_NOTIFY);
	/* RFC 5626 section 4.5 base-time and max-time by default. */
	assert_int_equal(s[10].backoff, SC_BACKOFF_RFC5626);
	assert_true(s[10].backoff_base == 30 && s[10].backoff_max == 1800);
	assert_true(s[12].backoff_base == 30 && s[12].backoff_max == 120);
	assert_step(&s[13], SC_STEP_UNREGISTER, 20, "bye");
	assert_int_equal(s[13].expect_verdict, SC_SIP_TIMEOUT);
	scenario_free(sc);
}

/*
 * libconfuse merges sections with the same title; steps of one kind
 * must stay separate and in file order.
 */
static void
test_same_kind_in_order(void **state)
{
	struct sc_scenario *sc;

	(void)state;
	sc = expect_ok(
	    "step connect { }\n"
	    "step register { label = \"a\" }\n"
	    "step register { label = \"b\"  expires = 10 }\n"
	    "step register { label = \"c\" }\n"
	    "step wait { for = 1 }\n"
	    "step register { }\n");
	assert_int_equal(sc->nsteps, 6);
	assert_step(&sc->steps[1], SC_STEP_REGISTER, 2, "a");
	assert_step(&sc->steps[2], SC_STEP_REGISTER, 3, "b");
	assert_int_equal(sc->steps[2].expires, 10);
	assert_step(&sc->steps[3], SC_STEP_REGISTER, 4, "c");
	assert_int_equal(sc->steps[3].expires, 0);
	assert_step(&sc->steps[5], SC_STEP_REGISTER, 6, "register");
	scenario_free(sc);
}

static void
test_nesting(void **state)
{
	struct sc_scenario *sc;
	const struct sc_step *r, *r2, *r3;
	char		 text[4096];
	size_t		 o;
	int		 i;

	(void)state;
	sc = expect_ok(
	    "step connect { }\n"
	    "step repeat {\n"
	    "  count = 3\n"
	    "  step register { }\n"
	    "  step repeat { count = 2\n"
	    "    step options { }\n"
	    "    step repeat {\n"
	    "      step wait { for = 1s }\n"
	    "      step wait { for = 2s }\n"
	    "      count = 4\n"
	    "    }\n"
	    "  }\n"
	    "  step wait { for = 3s }\n"
	    "}\n"
	    "step unregister { }\n");
	assert_int_equal(sc->nsteps, 3);
	r = &sc->steps[1];
	assert_step(r, SC_STEP_REPEAT, 2, "repeat");
	assert_int_equal(r->count, 3);
	assert_int_equal(r->nbody, 3);
	assert_step(&r->body[0], SC_STEP_REGISTER, 4, "register");
	r2 = &r->body[1];
	assert_step(r2, SC_STEP_REPEAT, 5, "repeat");
	assert_int_equal(r2->count, 2);
	assert_int_equal(r2->nbody, 2);
	assert_step(&r2->body[0], SC_STEP_OPTIONS, 6, "options");
	r3 = &r2->body[1];
	assert_step(r3, SC_STEP_REPEAT, 7, "repeat");
	assert_int_equal(r3->count, 4);
	assert_int_equal(r3->nbody, 2);
	assert_true(r3->body[0].duration == 1 && r3->body[1].duration == 2);
	assert_int_equal(r3->body[1].line, 9);
	assert_true(r->body[2].duration == 3);
	assert_step(&sc->steps[2], SC_STEP_UNREGISTER, 15, "unregister");
	scenario_free(sc);

	/* SCENARIO_MAX_DEPTH levels load; one more does not. */
	o = (size_t)snprintf(text, sizeof(text), "step connect { }\n");
	for (i = 1; i < SCENARIO_MAX_DEPTH; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "step repeat { count = 2\n");
	o += (size_t)snprintf(text + o, sizeof(text) - o, "step options { }");
	for (i = 1; i < SCENARIO_MAX_DEPTH; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, " }");
	sc = expect_ok(text);
	for (i = 1, r = &sc->steps[1]; r->kind == SC_STEP_REPEAT; i++)
		r = &r->body[0];
	assert_int_equal(i, SCENARIO_MAX_DEPTH);
	assert_int_equal(r->kind, SC_STEP_OPTIONS);
	scenario_free(sc);
	o = (size_t)snprintf(text, sizeof(text), "step connect { }\n");
	for (i = 0; i < SCENARIO_MAX_DEPTH; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "step repeat { count = 2\n");
	snprintf(text + o, sizeof(text) - o, "step options { } }}}}}}}}");
	expect_error(text, "storm.scn:10: steps nested too deeply (at most 8 "
	    "levels)");
}

/* libconfuse 3.3 miscounts lines after comments; the parser must not. */
static void
test_lines_after_comments(void **state)
{
	(void)state;
	expect_error(
	    "# one\n"
	    "## two\n"
	    "// three\n"
	    "/* four\n"
	    "   five */ step connect { }  # six\n"
	    "description = \"# not a comment\" // seven\n"
	    "password_file = a//b  /* eight */\n"
	    "step regster { }\n",
	    "storm.scn:8: unknown step kind \"regster\" (expected connect, "
	    "register, reregister, unregister, options, keepalive, hold, "
	    "break, reconnect, wait, repeat, maintain)");
}

/* maintain after options: the accountless flow (issue 19) loads. */
static void
test_options_maintain(void **state)
{
	struct sc_scenario	*sc;
	char			 err[256];

	(void)state;
	sc = scenario_load_string("o.scn", "step connect { }\n"
	    "step options { }\nstep maintain { for = 1s }\n", err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nsteps, 3);
	scenario_free(sc);
}

/* Each way a scenario can be wrong, with its exact message. */
static void
test_errors(void **state)
{
	static const struct unit_error_case cases[] = {
		/* the examples of the brief */
		{ "step connect { }\n\n\n\n\n\n\n\n\n\n\n"
		  "step register { expect = 2000 }\n",
		  "storm.scn:12: step \"register\": expect must be a SIP "
		  "status 100-699 or a verdict code, not \"2000\"" },
		{ "description = \"x\"\n\nclinets = 5\n",
		  "storm.scn:3: unknown option \"clinets\"" },
		{ "step connect { }\n\n\n\n\n\nstep regster { }\n",
		  "storm.scn:7: unknown step kind \"regster\" (expected "
		  "connect, register, reregister, unregister, options, "
		  "keepalive, hold, break, reconnect, wait, repeat, maintain)" },
		{ "step connect { }\n\n\n\n\n\n\n\n"
		  "step keepalive { every = \"5 sec\" }\n",
		  "storm.scn:9: every: bad duration \"5 sec\" (examples: 30, "
		  "30s, 250ms, 10m)" },
		/* steps that cannot run where they are */
		{ "step connect { }\nstep maintain { }\n",
		  "storm.scn:2: step \"maintain\": nothing to keep registered: "
		  "no register step (or options step, without an account) "
		  "before it" },
		{ "step connect { }\nstep options { }\nstep break { }\n"
		  "step reconnect { }\nstep maintain { }\n",
		  "storm.scn:5: step \"maintain\": nothing to keep registered: "
		  "no register step (or options step, without an account) "
		  "before it" },
		{ "step register { }\n",
		  "storm.scn:1: step \"register\": no connection: add a "
		  "connect step before it" },
		{ "step wait { for = 1 }\nstep options { }\n",
		  "storm.scn:2: step \"options\": no connection: add a "
		  "connect step before it" },
		{ "step break { }\n",
		  "storm.scn:1: step \"break\": no connection to break: no "
		  "connect step before it" },
		{ "step connect { }\nstep break { }\nstep break { }\n",
		  "storm.scn:3: step \"break\": no connection to break: it "
		  "was broken on line 2" },
		{ "step connect { }\nstep break { }\nstep register { }\n",
		  "storm.scn:3: step \"register\": no connection: it was "
		  "broken on line 2 (add a reconnect step after the break)" },
		{ "step connect { }\nstep break { }\nstep hold { }\n",
		  "storm.scn:3: step \"hold\": no connection: it was broken on "
		  "line 2 (add a reconnect step after the break)" },
		{ "step reconnect { }\n",
		  "storm.scn:1: step \"reconnect\": nothing to reconnect: no "
		  "connect step before it" },
		{ "step connect { }\nstep reconnect { }\n",
		  "storm.scn:2: step \"reconnect\": the connection (line 1) is "
		  "still up; add a break step before it" },
		{ "step connect { }\nstep connect { }\n",
		  "storm.scn:2: step \"connect\": the client is already "
		  "connected (line 1); add a break step before it" },
		{ "step connect { }\nstep reregister { }\n",
		  "storm.scn:2: step \"reregister\": nothing to refresh: no "
		  "register step before it" },
		{ "step connect { }\nstep register { }\nstep unregister { }\n"
		  "step reregister { }\n",
		  "storm.scn:4: step \"reregister\": nothing to refresh: the "
		  "binding was removed on line 3" },
		{ "step repeat { count = 2\n step connect { }\n}\n",
		  "storm.scn:2: step \"connect\": the client is already "
		  "connected (line 2); add a break step before it (when the "
		  "repeat on line 1 runs it again)" },
		{ "step connect { }\nstep repeat { count = 2\n"
		  "  step break { } }\n",
		  "storm.scn:3: step \"break\": no connection to break: it was "
		  "broken on line 3 (when the repeat on line 2 runs it "
		  "again)" },
		/* expect that cannot hold */
		{ "step connect { }\nstep wait { for = 1\n expect = 200 }\n",
		  "storm.scn:3: step \"wait\": expect does not apply to wait "
		  "(it takes for, label)" },
		{ "step connect { }\nstep keepalive {\n expect = 200 }\n",
		  "storm.scn:3: step \"keepalive\": expect = 200 cannot hold: "
		  "no SIP is sent by this step; it ends in ok or flow_dead" },
		{ "step connect { }\nstep keepalive { within = 2s }\n"
		  "step keepalive { for = 5s\n  within = 2s }\n",
		  "storm.scn:4: step \"keepalive\": within only applies "
		  "without for (one ping); with for, each pong must come "
		  "before the next ping" },
		{ "step connect { }\nstep keepalive {\n  every = 2s }\n",
		  "storm.scn:3: step \"keepalive\": every only applies with "
		  "for (without it, the step is one ping)" },
		{ "step connect { }\nstep hold { within = 2s }\n",
		  "storm.scn:2: step \"hold\": within does not apply to hold "
		  "(it takes expect, every, for, label)" },
		{ "step connect { }\nstep hold { expect = sip_5xx }\n",
		  "storm.scn:2: step \"hold\": expect = sip_5xx cannot hold: "
		  "this step ends in ok or flow_dead" },
		{ "step connect { }\nstep register {\n"
		  "  expect = cert_expired }\n",
		  "storm.scn:3: step \"register\": expect = cert_expired "
		  "cannot hold: this step ends in ok or a sip_* verdict (the "
		  "connection and its certificates are checked by connect)" },
		{ "step connect { }\nstep options { expect = flow_dead }\n",
		  "storm.scn:2: step \"options\": expect = flow_dead cannot "
		  "hold: this step ends in ok or a sip_* verdict" },
		{ "step connect { expect = 200 }\n",
		  "storm.scn:1: step \"connect\": expect = 200 cannot hold: no "
		  "SIP is sent by this step; it ends in ok or a dns_*, tcp_*, "
		  "tls_* or cert_* verdict" },
		{ "step connect { expect = sip_timeout }\n",
		  "storm.scn:1: step \"connect\": expect = sip_timeout cannot "
		  "hold: this step ends in ok or a dns_*, tcp_*, tls_* or "
		  "cert_* verdict" },
		{ "step connect { expect = cert_inconsistent }\n",
		  "storm.scn:1: step \"connect\": expect = cert_inconsistent "
		  "cannot hold: cert_inconsistent compares frontends; one "
		  "connection cannot produce it" },
		{ "step connect { }\nstep register { expect = 180 }\n",
		  "storm.scn:2: step \"register\": expect = 180 cannot hold: a "
		  "1xx response is never the end of a request; expect a final "
		  "status 200-699" },
		{ "step connect { }\nstep register { expect = 99 }\n",
		  "storm.scn:2: step \"register\": expect must be a SIP status "
		  "100-699 or a verdict code, not \"99\"" },
		{ "step connect { }\nstep register { expect = okay }\n",
		  "storm.scn:2: step \"register\": expect must be a SIP status "
		  "100-699 or a verdict code, not \"okay\"" },
		{ "step connect { }\nstep register { expect = \"\" }\n",
		  "storm.scn:2: step \"register\": expect must be a SIP status "
		  "100-699 or a verdict code, not \"\"" },
		{ "step connect { }\nstep break { expect = ok }\n",
		  "storm.scn:2: step \"break\": expect does not apply to break "
		  "(it takes how, label)" },
		/* options that do not apply, unknown, or twice */
		{ "step connect { }\nstep register { every = 1s }\n",
		  "storm.scn:2: step \"register\": every does not apply to "
		  "register (it takes expect, within, expires, label)" },
		{ "step connect { how = rst }\n",
		  "storm.scn:1: step \"connect\": how does not apply to "
		  "connect (it takes expect, within, resume, label)" },
		{ "step connect { }\nstep register {\n  exepct = 200 }\n",
		  "storm.scn:3: step \"register\": unknown option \"exepct\" "
		  "(register takes expect, within, expires, label)" },
		{ "step connect { }\nstep repeat { cnt = 2 }\n",
		  "storm.scn:2: step \"repeat\": unknown option \"cnt\" (repeat "
		  "takes count, step, label)" },
		{ "step connect { clients = 2 }\n",
		  "storm.scn:1: step \"connect\": unknown option \"clients\" "
		  "(connect takes expect, within, resume, label)" },
		{ "step regster { exepct = 200 }\n",
		  "storm.scn:1: unknown step kind \"regster\" (expected "
		  "connect, register, reregister, unregister, options, "
		  "keepalive, hold, break, reconnect, wait, repeat, maintain)" },
		{ "step regster {\n  expect = 200 }\n",
		  "storm.scn:1: unknown step kind \"regster\" (expected "
		  "connect, register, reregister, unregister, options, "
		  "keepalive, hold, break, reconnect, wait, repeat, maintain)" },
		{ "step connect { }\nstep Register { }\n",
		  "storm.scn:2: unknown step kind \"Register\" (expected "
		  "connect, register, reregister, unregister, options, "
		  "keepalive, hold, break, reconnect, wait, repeat, maintain)" },
		{ "name = \"storm\"\n",
		  "storm.scn:1: unknown option \"name\" (a scenario is named "
		  "after its file)" },
		{ "step connect { __at { } }\n",
		  "storm.scn:1: unknown option \"__at\"" },
		{ "clients = 5\nclients = 6\n",
		  "storm.scn:2: clients: set twice (first on line 1)" },
		{ "step connect { }\nstep wait { for = 1s\n  for = 2s }\n",
		  "storm.scn:3: for: set twice (first on line 2)" },
		{ "step connect { }\nstep wait { for = 1s\n"
		  "  step wait { for = 1s } }\n",
		  "storm.scn:3: step \"wait\": steps nest only inside repeat, "
		  "not inside wait (line 2)" },
		/* durations and whole numbers */
		{ "step connect { }\nstep register { within = 0 }\n",
		  "storm.scn:2: within: must be more than 0, not \"0\" (leave "
		  "it out for the default)" },
		{ "step connect { }\nstep register { within = 0ms }\n",
		  "storm.scn:2: within: must be more than 0, not \"0ms\" "
		  "(leave it out for the default)" },
		{ "step connect { }\nstep register { within = -5s }\n",
		  "storm.scn:2: within: must be more than 0, not \"-5s\"" },
		{ "step connect { within = 5x }\n",
		  "storm.scn:1: within: bad duration \"5x\" (examples: 30, "
		  "30s, 250ms, 10m)" },
		{ "step connect { }\nstep wait { for = 1e3 }\n",
		  "storm.scn:2: for: bad duration \"1e3\" (examples: 30, 30s, "
		  "250ms, 10m)" },
		{ "duration = 99999999999d\n",
		  "storm.scn:1: duration: bad duration \"99999999999d\" "
		  "(examples: 30, 30s, 250ms, 10m)" },
		{ "step connect { }\nstep register { expires = 1.5s }\n",
		  "storm.scn:2: expires: must be whole seconds, not \"1.5s\"" },
		{ "step connect { }\nstep register { expires = 0 }\n",
		  "storm.scn:2: expires: must be more than 0, not \"0\" (leave "
		  "it out for the default)" },
		{ "step connect { }\nstep repeat { count = 0\n"
		  "  step wait { for = 1 } }\n",
		  "storm.scn:2: count: must be at least 1, not \"0\"" },
		{ "step connect { }\nstep repeat { count = 2.5 }\n",
		  "storm.scn:2: count: expected a whole number, not \"2.5\"" },
		{ "step connect { }\nstep repeat { count = 2 }\n",
		  "storm.scn:2: step \"repeat\": has no steps to repeat" },
		{ "step connect { }\nstep repeat {\n"
		  "  step wait { for = 1 } }\n",
		  "storm.scn:2: step \"repeat\": needs count = N, as in step "
		  "repeat { count = 3 step register { } }" },
		{ "step connect { }\nstep wait { }\n",
		  "storm.scn:2: step \"wait\": needs for = DURATION, as in step "
		  "wait { for = 2s }" },
		/* top-level settings */
		{ "clients = 0\nstep connect { }\n",
		  "storm.scn:1: clients: must be at least 1, not \"0\"" },
		{ "clients = -1\nstep connect { }\n",
		  "storm.scn:1: clients: must be at least 1, not \"-1\"" },
		{ "clients = 010x\n",
		  "storm.scn:1: clients: expected a whole number, not "
		  "\"010x\"" },
		{ "clients = 1000001\n",
		  "storm.scn:1: clients: must be at most 1000000 (shard bigger "
		  "drills with --shard), not \"1000001\"" },
		{ "clients = 184467440737095516160\n",
		  "storm.scn:1: clients: must be at most 1000000 (shard bigger "
		  "drills with --shard), not \"184467440737095516160\"" },
		{ "ramp = -1\n",
		  "storm.scn:1: ramp: expected new clients per second, 0 or "
		  "more (as in 1000 or 0.5; 0: all at once), not \"-1\"" },
		{ "ramp = 10/s\n",
		  "storm.scn:1: ramp: expected new clients per second, 0 or "
		  "more (as in 1000 or 0.5; 0: all at once), not \"10/s\"" },
		{ "users = \"probe%s\"\n",
		  "storm.scn:1: users: \"probe%s\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%n\"\n",
		  "storm.scn:1: users: \"probe%n\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%ld\"\n",
		  "storm.scn:1: users: \"probe%ld\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%*d\"\n",
		  "storm.scn:1: users: \"probe%*d\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%.3d\"\n",
		  "storm.scn:1: users: \"probe%.3d\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%-4d\"\n",
		  "storm.scn:1: users: \"probe%-4d\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%100d\"\n",
		  "storm.scn:1: users: \"probe%100d\": the client number must "
		  "be %d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%x\"\n",
		  "storm.scn:1: users: \"probe%x\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"probe%\"\n",
		  "storm.scn:1: users: \"probe%\": the client number must be "
		  "%d, %u or %0Nd (as in probe%04d)" },
		{ "users = \"p%d-%d\"\n",
		  "storm.scn:1: users: \"p%d-%d\" must contain exactly one %d "
		  "(as in probe%04d)" },
		{ "users = \"p%%%d\"\n",
		  "storm.scn:1: users: \"p%%%d\" must contain exactly one %d "
		  "(as in probe%04d)" },
		{ "users = \"probe\"\n",
		  "storm.scn:1: users: \"probe\" has no %d for the client "
		  "number (as in probe%04d)" },
		{ "users = \"pro be%d\"\n",
		  "storm.scn:1: users: \"pro be%d\" has a character a SIP user "
		  "name cannot carry (allowed: letters, digits and "
		  "-_.!~*'()&=+$,;?/)" },
		{ "users = \"probe%d@x\"\n",
		  "storm.scn:1: users: \"probe%d@x\" has a character a SIP "
		  "user name cannot carry (allowed: letters, digits and "
		  "-_.!~*'()&=+$,;?/)" },
		{ "user = \"alice%d\"\n",
		  "storm.scn:1: user: \"alice%d\" contains %; one user per "
		  "client is set with users = TEMPLATE" },
		{ "user = \"al\\r\\nice\"\n",
		  "storm.scn:1: user: \"al\\x0d\\x0aice\" has a character a SIP "
		  "user name cannot carry (allowed: letters, digits and "
		  "-_.!~*'()&=+$,;?/)" },
		{ "user = \"\"\n",
		  "storm.scn:1: user: must not be empty" },
		{ "user = \"alice\"\nusers = \"probe%d\"\n",
		  "storm.scn:2: users: cannot be combined with user (line 1): "
		  "give one user for every client, or a template" },
		{ "user_first = 3\nstep connect { }\n",
		  "storm.scn:1: user_first: only applies with users = "
		  "TEMPLATE" },
		{ "users = \"p%d\"\nuser_first = -1\n",
		  "storm.scn:2: user_first: must be at least 0, not \"-1\"" },
		{ "clients = 10\nusers = \"p%d\"\nuser_first = 2147483640\n"
		  "step connect { }\n",
		  "storm.scn:3: user_first: 10 clients from 2147483640 run past "
		  "the largest client number, 2147483647" },
		{ "description = \"a\\033[31m\"\n",
		  "storm.scn:1: description: contains a control character" },
		{ "password_file = \"\"\n",
		  "storm.scn:1: password_file: must not be empty" },
		{ "step connect { label = \"two words\" }\n",
		  "storm.scn:1: label: \"two words\" must be 1 to 64 letters, "
		  "digits or -_.:" },
		{ "step connect { resume = maybe }\n",
		  "storm.scn:1: resume: expected yes or no, not \"maybe\"" },
		{ "step connect { }\nstep break { how = reset }\n",
		  "storm.scn:2: how: expected rst, close_notify or silent_drop, "
		  "not \"reset\"" },
		/* reconnect's backoff */
		{ "step connect { }\nstep break { }\n"
		  "step reconnect { backoff = exponential }\n",
		  "storm.scn:3: backoff: expected immediate, fixed or rfc5626, "
		  "not \"exponential\"" },
		{ "step connect { }\nstep break { }\n"
		  "step reconnect {\n  backoff = fixed }\n",
		  "storm.scn:4: step \"reconnect\": backoff = fixed needs base "
		  "= DURATION, the delay before reconnecting" },
		{ "step connect { }\nstep break { }\n"
		  "step reconnect {\n  base = 1s }\n",
		  "storm.scn:4: step \"reconnect\": base only applies to "
		  "backoff = fixed or rfc5626" },
		{ "step connect { }\nstep break { }\n"
		  "step reconnect { backoff = fixed  base = 1s\n  max = 5s }\n",
		  "storm.scn:4: step \"reconnect\": max only applies to "
		  "backoff = rfc5626" },
		{ "step connect { }\nstep break { }\n"
		  "step reconnect { backoff = rfc5626\n  base = 1h }\n",
		  "storm.scn:4: step \"reconnect\": base (3600s) is more than "
		  "max (1800s)" },
		/* the file as a whole, and syntax */
		{ "",
		  "storm.scn:1: no steps: a scenario needs at least one, as in "
		  "step connect { }" },
		{ "# nothing\nclients = 3\n",
		  "storm.scn:2: no steps: a scenario needs at least one, as in "
		  "step connect { }" },
		{ "step connect {\n  within = 5s\n",
		  "storm.scn:1: this \"{\" is never closed (a \"}\" is "
		  "missing)" },
		{ "step connect { }\n}\n",
		  "storm.scn:2: unexpected \"}\"" },
		{ "step { }\n",
		  "storm.scn:1: step: expected a step kind (connect, register, "
		  "reregister, unregister, options, keepalive, hold, break, "
		  "reconnect, wait, repeat, maintain), as in step connect { }" },
		{ "step connect\nstep register { }\n",
		  "storm.scn:2: step: expected \"{\" after the step kind, as "
		  "in step connect { }" },
		{ "clients 5\n",
		  "storm.scn:1: expected \"=\" after clients" },
		{ "clients = \n",
		  "storm.scn:1: unexpected end of file" },
		{ "step connect { within = }\n",
		  "storm.scn:1: unexpected \"}\"" },
		{ "description = \"open\nstep connect { }\n",
		  "storm.scn:1: unterminated string (no closing \")" },
		{ "step connect { } /* open\n",
		  "storm.scn:1: unterminated comment (no closing */)" },
		{ "clients = 5*\n",
		  "storm.scn:1: unexpected \"*\"" },
		{ "user = \"${USER}\"\n",
		  "storm.scn:1: ${...}: environment variables are not expanded "
		  "in scenario files" },
		{ "\nuser = ${USER}\n",
		  "storm.scn:2: ${...}: environment variables are not expanded "
		  "in scenario files" },
		{ "step connect { }\nstep \"reg\\033[2Jster\" { }\n",
		  "storm.scn:2: unknown step kind \"reg\\x1b[2Jster\" (expected "
		  "connect, register, reregister, unregister, options, "
		  "keepalive, hold, break, reconnect, wait, repeat, maintain)" },
	};

	(void)state;
	unit_expect_errors(&scn_parser, "storm.scn", cases,
	    sizeof(cases) / sizeof(cases[0]));
}

static void
test_quotes_and_escapes(void **state)
{
	struct sc_scenario *sc;

	(void)state;
	/* Single quotes do not expand ${...}; a # or // in quotes is text. */
	sc = expect_ok(
	    "description = 'costs ${5} # not // a comment'\n"
	    "step connect { }\n");
	assert_string_equal(sc->description, "costs ${5} # not // a comment");
	scenario_free(sc);
	/* An escaped quote, and a string continued on the next line. */
	sc = expect_ok(
	    "description = \"say \\\"hi\\\" \\\n"
	    "now\"\n"
	    "step connect { }\n");
	assert_string_equal(sc->description, "say \"hi\" now");
	assert_int_equal(sc->steps[0].line, 3);
	scenario_free(sc);
	/* No spaces needed around braces. */
	sc = expect_ok("user = 'bob'\nstep connect{}step register{}\n");
	assert_string_equal(sc->user, "bob");
	assert_int_equal(sc->nsteps, 2);
	assert_int_equal(sc->steps[1].line, 2);
	scenario_free(sc);
}

static void
test_load_file(void **state)
{
	static const char withnul[] = "step connect { }\n\0step regster { }\n";
	struct sc_scenario *sc;
	char		 path[PATH_MAX], err[512], want[PATH_MAX + 64];

	(void)state;
	assert_int_equal(unit_tmpdir_make("test_scenario"), 0);
	unit_write_file("my-drill.scn", "# a drill\npassword_file = "
	    "\"secret.pw\"\nstep connect { }\n", 0644, path, sizeof(path));
	assert_non_null(sc = scenario_load(path, err, sizeof(err)));
	assert_string_equal(sc->name, "my-drill");
	snprintf(want, sizeof(want), "%s/secret.pw", unit_tmpdir);
	assert_string_equal(sc->password_file, want);
	scenario_free(sc);

	/* An absolute password_file stays as it is. */
	unit_write_file("my-drill.scn", "password_file = \"/etc/pw\"\n"
	    "step connect { }\n", 0644, path, sizeof(path));
	assert_non_null(sc = scenario_load(path, err, sizeof(err)));
	assert_string_equal(sc->password_file, "/etc/pw");
	scenario_free(sc);

	/* The path as given is the FILE of the messages. */
	unit_write_file("my-drill.scn", "step connect { }\n\nstep regster "
	    "{ }\n", 0644, path, sizeof(path));
	assert_null(scenario_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: unknown step kind", path);
	assert_memory_equal(err, want, strlen(want));

	/* A NUL byte, too big, missing, and a directory. */
	unit_expect_file_errors(&scn_parser, path, withnul,
	    sizeof(withnul) - 1, SCENARIO_MAX_FILE, unit_tmpdir);
	assert_int_equal(rmdir(unit_tmpdir), 0);
}

static void
test_small_err_buffer(void **state)
{
	char	 err[8];

	(void)state;
	assert_null(scenario_load_string("storm.scn", "step regster { }", err,
	    sizeof(err)));
	assert_string_equal(err, "storm.s");
	assert_null(scenario_load_string("storm.scn", "step regster { }", NULL,
	    0));
	assert_null(scenario_load_string("storm.scn", NULL, err, sizeof(err)));
}

/* The user of each client: a scenario, a client, a buffer's size. */
static void
test_user(void **state)
{
#define PROBE_USERS \
	"users = \"probe%04d\"\nclients = 100\nstep connect { }\n"
	static const struct {
		const char	*text;
		unsigned	 index;
		size_t		 len;
		int		 rc;
		const char	*want;		/* NULL: not looked at */
	} cases[] = {
		{ PROBE_USERS, 0, 64, 0, "probe0001" },
		{ PROBE_USERS, 41, 64, 0, "probe0042" },
		{ PROBE_USERS, 99999, 64, 0, "probe100000" },
		{ PROBE_USERS, 0, 9, -1, NULL },
		{ PROBE_USERS, 0, 10, 0, NULL },
		{ PROBE_USERS, 0x7fffffff, 64, -1, NULL },
		{ "users = \"u%u.x\"\nuser_first = 0\nstep connect { }\n", 7,
		  64, 0, "u7.x" },
		{ "users = \"%12d\"\nstep connect { }\n", 0, 64, 0,
		  "000000000001" },
		{ "user = \"alice\"\nstep connect { }\n", 12, 64, 0, "alice" },
		{ "step connect { }\n", 0, 64, -1, NULL },
	};
#undef PROBE_USERS
	struct sc_scenario *sc;
	char		 buf[64];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc = expect_ok(cases[i].text);
		assert_int_equal(scenario_user(sc, cases[i].index, buf,
		    cases[i].len), cases[i].rc);
		if (cases[i].want != NULL)
			assert_string_equal(buf, cases[i].want);
		scenario_free(sc);
	}
	assert_int_equal(scenario_user(NULL, 0, buf, sizeof(buf)), -1);
}

static void
test_kind_names(void **state)
{
	static const char *names[] = {
		"connect", "register", "reregister", "unregister", "options",
		"keepalive", "hold", "break", "reconnect", "wait", "repeat",
		"maintain",
	};
	size_t	 i;

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]),
	    SC_STEP_KIND_COUNT);
	for (i = 0; i < SC_STEP_KIND_COUNT; i++)
		assert_string_equal(sc_step_kind_str((enum sc_step_kind)i),
		    names[i]);
	assert_string_equal(sc_step_kind_str(SC_STEP_KIND_COUNT), "unknown");
	scenario_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_all),
		cmocka_unit_test(test_shipped_register_fresh),
		cmocka_unit_test(test_shipped_reconnect_storm),
		cmocka_unit_test(test_shipped_persistent_flow),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_same_kind_in_order),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_lines_after_comments),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_options_maintain),
		cmocka_unit_test(test_quotes_and_escapes),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
