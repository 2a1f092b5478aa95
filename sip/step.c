/*
 * step.c - names of scenario step kinds, as scenario files spell them.
 */
#include "config.h"

#include "sipcanary.h"

static const char *const step_names[SC_STEP_KIND_COUNT] = {
	[SC_STEP_CONNECT] = "connect",
	[SC_STEP_REGISTER] = "register",
	[SC_STEP_REREGISTER] = "reregister",
	[SC_STEP_UNREGISTER] = "unregister",
	[SC_STEP_OPTIONS] = "options",
	[SC_STEP_KEEPALIVE] = "keepalive",
	[SC_STEP_HOLD] = "hold",
	[SC_STEP_BREAK] = "break",
	[SC_STEP_RECONNECT] = "reconnect",
	[SC_STEP_WAIT] = "wait",
	[SC_STEP_REPEAT] = "repeat",
	[SC_STEP_MAINTAIN] = "maintain",
};

const char *
sc_step_kind_str(enum sc_step_kind k)
{
	if ((unsigned)k >= SC_STEP_KIND_COUNT)
		return "unknown";
	return step_names[k];
}
