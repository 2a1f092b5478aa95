/*
 * scenario_internal.h - what the two files of the sipcanary-scenario(5)
 * parser share, and nothing else includes:
 *
 *   scenario.c		options and their values as the lexer reads them,
 *			libconfuse's option tree and messages, loading
 *   scenario_steps.c	steps as they close, the rules between a step's
 *			options, and the rules between steps (the flow)
 */
#ifndef SC_SCENARIO_INTERNAL_H
#define SC_SCENARIO_INTERNAL_H

#include <stddef.h>

#include <confuse.h>

#include "conf/confparse.h"
#include "conf/scenario.h"

#define SCN_QUOTE	CONFPARSE_QUOTE
#define SCN_LABEL_MAX	64
#define SCN_TEXT_MAX	1000	/* description */

#define K(k)		(1u << (k))
#define K_SIP		(K(SC_STEP_REGISTER) | K(SC_STEP_REREGISTER) | \
			    K(SC_STEP_UNREGISTER) | K(SC_STEP_OPTIONS))
#define K_CONN		(K(SC_STEP_CONNECT) | K(SC_STEP_RECONNECT))
#define K_KA		(K(SC_STEP_KEEPALIVE) | K(SC_STEP_HOLD) | \
			    K(SC_STEP_MAINTAIN))
#define K_ALL		(K(SC_STEP_KIND_COUNT) - 1)
#define K_TOP		0u

enum scn_optid {
	OPT_DESCRIPTION = 0,
	OPT_CLIENTS,
	OPT_RAMP,
	OPT_DURATION,
	OPT_USER,
	OPT_USERS,
	OPT_USER_FIRST,
	OPT_PASSWORD_FILE,
	OPT_EXPECT,
	OPT_WITHIN,
	OPT_RESUME,
	OPT_EXPIRES,
	OPT_EVERY,
	OPT_FOR,
	OPT_HOW,
	OPT_BACKOFF,
	OPT_BASE,
	OPT_MAX,
	OPT_COUNT,
	OPT_LABEL,
	OPT_ALL,
	OPT_NUM
};

/*
 * Every option: its libconfuse type and the step kinds it applies to.
 * The order of the step options is the order of "X takes ..." in
 * messages and of sipcanary-scenario(5).
 */
struct scn_optdef {
	const char	*name;
	cfg_type_t	 type;
	unsigned	 kinds;		/* K() of the step kinds; K_TOP */
};

extern const struct scn_optdef scn_optdefs[OPT_NUM];

/*
 * One open section (the top level, or a step) that has had an option or
 * a nested step: where each option was set, and the steps inside it.
 * Sections open and close in stack order, so the frames are a stack.
 */
struct scn_frame {
	cfg_t		*cfg;
	int		 line[OPT_NUM];	/* 0: not set */
	struct sc_step	*steps;
	size_t		 nsteps;
	size_t		 capsteps;
};

/* One parse of a scenario file. */
struct scn_parse {
	struct confparse cp;
	struct scn_frame frames[SCENARIO_MAX_DEPTH + 1];
	int		 nframes;
	cfg_opt_t	 root_opts[OPT_NUM + 2];
	cfg_opt_t	 step_opts[SCENARIO_MAX_DEPTH][OPT_NUM + 3];
	int		 loop;		/* a persistent flow: the steps run
					   again and again */
};

/* confparse_error() for this parse: the first error only, with its line. */
#define scn_error(p, ...)	confparse_error(&(p)->cp, __VA_ARGS__)

/* scenario.c */
int		 scn_is_step(cfg_t *cfg);
int		 scn_step_kind(struct scn_parse *, cfg_t *sec);
struct scn_frame *scn_frame(struct scn_parse *, cfg_t *cfg);
void		 scn_frame_clear(struct scn_frame *);

/* scenario_steps.c */
int		 scn_expect_parse(const char *value, int *status,
		    int *verdict);
const char	*scn_expect_cannot(int kind, int status, int verdict);
int		 scn_step_end(cfg_t *parent, cfg_opt_t *opt);
struct sc_scenario *scn_scenario(struct scn_parse *, cfg_t *cfg,
		    const char *text);
void		 scn_step_clear(struct sc_step *);

#endif /* SC_SCENARIO_INTERNAL_H */
