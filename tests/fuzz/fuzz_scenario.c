/*
 * fuzz_scenario.c - the scenario parser: sipcanary-scenario(5) through
 * scenario_load_string() (prober/conf/scenario.c, with confparse.c and
 * duration.c), and the user names a loaded scenario hands its clients
 * (scenario_user(), whose template reaches snprintf()).
 *
 * The input is the text of a scenario file, cut at the first NUL byte
 * (confparse_read_file() refuses a file with one).  Loading reads no
 * file: password_file is only recorded.
 *
 * Invariants checked besides ASan/UBSan/LSan: a scenario or an error
 * "NAME..." comes back, never both or neither; a loaded scenario has
 * steps of known kinds, nested at most SCENARIO_MAX_DEPTH deep, with
 * expectations that are a final status or a known verdict, finite
 * non-negative times; between 1 and SCENARIO_MAX_CLIENTS clients; and
 * when it names a user or a template, scenario_user() gives the first
 * and the last client a name of at most SCENARIO_USER_MAX characters,
 * made only of the characters a SIP user part may carry.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/confparse.h"
#include "conf/scenario.h"
#include "sipcanary.h"

#include "fuzz_common.h"

#define FUZZ_NAME	"fuzz.scn"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
time_ok(double d)
{
	return isfinite(d) && d >= 0;
}

static void
check_steps(const struct sc_step *steps, size_t n, int depth)
{
	size_t	 i;

	FUZZ_CHECK(depth <= SCENARIO_MAX_DEPTH, "depth %d", depth);
	FUZZ_CHECK(n == 0 || steps != NULL, "steps");
	for (i = 0; i < n; i++) {
		const struct sc_step *s = &steps[i];

		FUZZ_CHECK((unsigned)s->kind < SC_STEP_KIND_COUNT, "kind %d",
		    (int)s->kind);
		FUZZ_CHECK(sc_step_kind_str(s->kind) != NULL, "kind name");
		FUZZ_CHECK(s->expect_status == 0 ||
		    (s->expect_status >= 100 && s->expect_status <= 699),
		    "expect_status %d", s->expect_status);
		FUZZ_CHECK(s->expect_verdict >= -1 &&
		    s->expect_verdict < SC_VERDICT_COUNT, "expect_verdict %d",
		    s->expect_verdict);
		FUZZ_CHECK(time_ok(s->within) && time_ok(s->every) &&
		    time_ok(s->duration) && time_ok(s->backoff_base) &&
		    time_ok(s->backoff_max), "times");
		FUZZ_CHECK(s->label == NULL || strlen(s->label) <= 64, "label");
		FUZZ_CHECK(s->kind == SC_STEP_REPEAT || s->nbody == 0,
		    "a body outside repeat");
		if (s->kind == SC_STEP_REPEAT)
			check_steps(s->body, s->nbody, depth + 1);
	}
}

static void
check_user(const struct sc_scenario *sc, unsigned index)
{
	char	 buf[SCENARIO_USER_MAX + 1];
	int	 rc;

	memset(buf, 'x', sizeof(buf));
	rc = scenario_user(sc, index, buf, sizeof(buf));
	if (sc->user == NULL && sc->user_template == NULL) {
		FUZZ_CHECK(rc == -1, "a user from nothing");
		return;
	}
	FUZZ_CHECK(rc == 0, "no user name for client %u of %u (template "
	    "\"%s\", first %u)", index, sc->clients,
	    sc->user_template ? sc->user_template : "", sc->user_first);
	FUZZ_CHECK(buf[0] != '\0' && strlen(buf) <= SCENARIO_USER_MAX,
	    "user name length %zu", strlen(buf));
	FUZZ_CHECK(strspn(buf, CONFPARSE_USER_CHARS) == strlen(buf),
	    "user name \"%s\" has a character a SIP user cannot carry", buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_scenario *sc;
	char		*text, err[1024];

	if ((text = fuzz_text(data, size, SCENARIO_MAX_FILE)) == NULL)
		return 0;

	memset(err, 'x', sizeof(err));
	sc = scenario_load_string(FUZZ_NAME, text, err, sizeof(err));
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s\n", sc != NULL ? "loaded" : err);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "err");
	if (sc == NULL) {
		FUZZ_CHECK(strncmp(err, FUZZ_NAME, strlen(FUZZ_NAME)) == 0,
		    "error does not start with the file name: \"%s\"", err);
	} else {
		FUZZ_CHECK(sc->name != NULL && strcmp(sc->name, "fuzz") == 0,
		    "name");
		FUZZ_CHECK(sc->nsteps >= 1, "no steps");
		FUZZ_CHECK(sc->clients >= 1 &&
		    sc->clients <= SCENARIO_MAX_CLIENTS, "clients %u",
		    sc->clients);
		FUZZ_CHECK(time_ok(sc->ramp) && time_ok(sc->duration),
		    "ramp, duration");
		check_steps(sc->steps, sc->nsteps, 1);
		check_user(sc, 0);
		check_user(sc, sc->clients - 1);
		/* One past the last client, into a short buffer: no check
		 * of the result, only of memory. */
		(void)scenario_user(sc, sc->clients, err, 8);
	}
	scenario_free(sc);
	free(text);
	return 0;
}
