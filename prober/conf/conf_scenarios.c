/*
 * conf_scenarios.c - a target's own scenarios: scenario = FILE (its
 * fresh probe) and flow_scenario = FILE (its persistent flows), in the
 * language drills use (sipcanary-scenario(5)).
 *
 * Each file is read and checked while the config loads, so that `run -n`,
 * start-up and SIGHUP report a broken one as "CONF:LINE: scenario:
 * FILE:LINE: ..." and a reload keeps the old config.  The config keeps
 * the file's text, not the file name alone: the daemon runs what was
 * checked, and a reload that changes the file restarts the target.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "conf/scenario.h"

/* How many different step labels one scenario may give the metrics. */
static int
cf_scenario_labels(const struct sc_step *v, size_t n, const char **seen,
    size_t *nseen)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		if (v[i].kind == SC_STEP_REPEAT) {
			if (cf_scenario_labels(v[i].body, v[i].nbody, seen,
			    nseen) == -1)
				return -1;
			continue;
		}
		for (j = 0; j < *nseen; j++)
			if (strcmp(seen[j], v[i].label) == 0)
				break;
		if (j < *nseen)
			continue;
		if (*nseen == CONFIG_STEP_LABELS_MAX)
			return -1;
		seen[(*nseen)++] = v[i].label;
	}
	return 0;
}

/*
 * Reads one scenario file of a target into *text; it is checked once the
 * config is parsed (config_check_scenarios), as the scenario parser and
 * the config's cannot run at once.
 */
static int
cf_scenario_file(struct cf_parse *p, int id, int line, const char *value,
    char **file, char **text, int *keyline)
{
	const char	*name = cf_keys[id].name;
	char		 e[512];

	if (confparse_text(&p->cp, line, name, value, PATH_MAX - 1) == -1)
		return -1;
	free(*file);
	free(*text);
	*text = NULL;
	*keyline = line;
	if ((*file = confparse_path(p->cp.file, value)) == NULL)
		return cf_error(p, line, "out of memory");
	if ((*text = confparse_read_file(*file, SCENARIO_MAX_FILE, e,
	    sizeof(e))) == NULL)
		return cf_error(p, line, "%s: %s", name, e);
	return 0;
}

int
cf_target_scenario(struct cf_parse *p, int id, int line, const char *value,
    struct target_conf *tc)
{
	switch (id) {
	case KEY_SCENARIO:
		return cf_scenario_file(p, id, line, value, &tc->scenario_file,
		    &tc->scenario_text, &tc->scenario_line);
	case KEY_FLOW_SCENARIO:
		return cf_scenario_file(p, id, line, value,
		    &tc->flow_scenario_file, &tc->flow_scenario_text,
		    &tc->flow_scenario_line);
	}
	return CF_OTHER_GROUP;
}

/* One scenario of a target: it loads, and its labels are few enough. */
static int
cf_scenario_check(const struct sc_config *c, const char *key, int line,
    const char *file, const char *text, int flow, char *err, size_t errlen)
{
	struct sc_scenario	*sc;
	const char		*seen[CONFIG_STEP_LABELS_MAX];
	char			 e[512];
	size_t			 nseen = 0;
	int			 rc = 0;

	if (text == NULL)
		return 0;
	sc = flow ? scenario_load_flow_string(file, text, e, sizeof(e)) :
	    scenario_load_string(file, text, e, sizeof(e));
	if (sc == NULL) {
		snprintf(err, errlen, "%s:%d: %s: %s", c->path, line, key, e);
		return -1;
	}
	if (cf_scenario_labels(sc->steps, sc->nsteps, seen, &nseen) == -1) {
		snprintf(err, errlen, "%s:%d: %s: %s: more than %d different "
		    "step labels (each is a metric label value): give steps "
		    "that do the same thing the same label", c->path, line,
		    key, file, CONFIG_STEP_LABELS_MAX);
		rc = -1;
	}
	scenario_free(sc);
	return rc;
}

int
config_check_scenarios(const struct sc_config *c, char *err, size_t errlen)
{
	const struct target_conf *t;
	size_t			 i;

	for (i = 0; i < c->ntargets; i++) {
		t = &c->targets[i];
		if (cf_scenario_check(c, "scenario", t->scenario_line,
		    t->scenario_file, t->scenario_text, 0, err, errlen) == -1 ||
		    cf_scenario_check(c, "flow_scenario",
		    t->flow_scenario_line, t->flow_scenario_file,
		    t->flow_scenario_text, 1, err, errlen) == -1)
			return -1;
	}
	return 0;
}
