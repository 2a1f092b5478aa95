/*
 * scenario.h - loading scenario files (sipcanary-scenario(5)) into the
 * struct sc_scenario that the scenario engine runs.  Nothing here runs
 * anything: a scenario that loads is one the engine can run.
 */
#ifndef SC_SCENARIO_H
#define SC_SCENARIO_H

#include <stddef.h>

#include "sipcanary.h"

#define SCENARIO_MAX_DEPTH	8	/* steps nested in repeats, counting
					   the top level as 1 */
#define SCENARIO_MAX_CLIENTS	1000000	/* beyond: shard the drill */
#define SCENARIO_MAX_FILE	(1024 * 1024)
#define SCENARIO_USER_MAX	128	/* a user name, after the template */

/*
 * Loads the scenario file at path.  The scenario is named after the file,
 * without its directory and ".scn"; a relative password_file is taken
 * relative to the file's directory.  Returns NULL with a message of the
 * form "FILE:LINE: what was expected" in err if the file cannot be read
 * or is not a scenario that can run.
 */
struct sc_scenario *scenario_load(const char *path, char *err,
		    size_t errlen);

/*
 * As scenario_load(), from text in memory: for the built-in scenarios and
 * tests.  name stands for the file name, in messages and for the
 * scenario's name (its last component, without ".scn").
 */
struct sc_scenario *scenario_load_string(const char *name, const char *text,
		    char *err, size_t errlen);

/*
 * As scenario_load_string(), for a persistent flow: the daemon runs its
 * steps again and again, each pass right after the one before.  So the
 * steps must end with a break, and the flow is checked from there: a
 * pass may begin with a reconnect.
 */
struct sc_scenario *scenario_load_flow_string(const char *name,
		    const char *text, char *err, size_t errlen);

/* Frees a scenario and everything in it; accepts NULL. */
void		 scenario_free(struct sc_scenario *);

/*
 * Writes the user name of client index (0-based) into buf: the scenario's
 * user, or its users template applied to user_first + index.  The
 * template was checked when the scenario loaded and is never handed to
 * printf as a format.  Returns 0, or -1 if the scenario names no user,
 * the index is out of range, or buf is too small.
 */
int		 scenario_user(const struct sc_scenario *, unsigned index,
		    char *buf, size_t len);

#endif /* SC_SCENARIO_H */
