#!/bin/bash
# drill_duration.sh — issue 5: the drill's duration bounds the run.
# sipcanary(1): "--duration SECONDS  Stop the drill after this long; steps
# cut short fail."  sipcanary-scenario(5), duration: "when it passes, the
# clients that are still running are stopped".
#   1. 50 clients register and hold for 30 s, then unregister; --duration 2:
#      the drill ends within seconds with exit 1, every hold fails (it
#      was cut short) and no unregister runs.
#   2. duration = 2s in the scenario, and a wait for = 30s: the drill ends
#      within seconds, the wait cut short.
# Every check runs; the failures are listed at the end.
#
# What it guards: the deadline must cut a hold even when the deadline
# timer fires a hair early (libevent's cached time), so no cut hold counts
# as ok and no client unregisters after the duration; and a wait step is
# capped at the deadline like every other step.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init


# --- 1. --duration cuts a hold short -----------------------------------------
N=50
drill_scn hold <<EOF
clients = $N
step connect    { }
step register   { expires = 60 }
step hold       { for = 30s  every = 1s }
step unregister { }
EOF
TB_CMD_TIMEOUT=20
drill hold --duration 2
[ "$TB_RC" != 124 ] && [ "$TB_RC" != 137 ] || tb_fail "--duration 2: still running after 20 s"
awk -v w="$TB_WALL" 'BEGIN{exit !(w < 10)}' || tb_fail "--duration 2: the drill took ${TB_WALL}s"
tb_ok "--duration 2: the drill ended after ${TB_WALL}s"
tb_expect_rc 1 "--duration 2 with 30 s holds"
jq -c '.steps[] | {step: .label, attempts, verdicts}' "$DR_JSON" | sed 's/^/    /'
drill_check ".settings.duration_seconds == 2 and .summary.passed == false" "--duration 2: not passed"
drill_check "[.steps[0], .steps[1] | .verdicts] == [{\"ok\": $N}, {\"ok\": $N}]" \
	"connect and register done before the duration"
drill_check ".steps[2].attempts == $N and .steps[2].ok == 0 and .steps[2].failed == $N" \
	"every hold cut short by the duration failed"
drill_check '.steps[3].attempts == 0' "no client went on to unregister after the duration"

# --- 2. duration = 2s cuts a wait short -----------------------------------------
drill_scn wait <<'EOF'
duration = 2s
clients = 3
step connect { }
step wait    { for = 30s }
step options { }
EOF
TB_CMD_TIMEOUT=40
drill wait
jq -c '.steps[] | {step: .label, attempts, verdicts, max: .latency.max}' "$DR_JSON" | sed 's/^/    /'
if awk -v w="$TB_WALL" 'BEGIN{exit !(w < 10)}'; then
	tb_ok "duration = 2s: the drill ended after ${TB_WALL}s"
else
	drill_defer "duration = 2s: the drill took ${TB_WALL}s (a 30 s wait)" \
		"duration = 2s did not cut a 30 s wait short (${TB_WALL}s)"
fi
drill_check '.steps[1].ok == 0 and .steps[1].failed == 3 and .steps[2].attempts == 0' \
	"duration = 2s: the wait failed, cut short; options never ran"

drill_done "the duration stops the clients; steps cut short fail"
