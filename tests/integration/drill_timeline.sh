#!/bin/bash
# drill_timeline.sh — issue 5: the report's per-second timeline puts each
# client start in the second it happened.  "timeline (one entry per
# second: started, ok, failed, active)" (sipcanary(1), DRILL REPORTS).
#   * 5 clients with ramp 0 start at once, at 0 s: timeline[0].started
#     must be 5, and the steps they complete in second 0 must not come
#     with 0 clients active;
#   * 5 clients with ramp 1.25 start at 0, 0.8, 1.6, 2.4 and 3.2 s (every
#     start 0.2 s or more from a second's boundary): started per second
#     must be 2, 1, 1, 1.
# Totals are checked too (they are right).
#
# What it guards: clients started between two progress ticks are filed
# under the second they started in, not the second of the tick that
# counted them (drill_sample(), prober/drill/drill.c), and "active" is
# counted for that same second.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init

drill_scn at-once <<'EOF'
clients = 5
step connect { }
step options { }
step wait    { for = 2500ms }
EOF
drill at-once
tb_expect_rc 0 "5 clients at once"
jq -c '.timeline[]' "$DR_JSON" | sed 's/^/    /'
drill_jq '([.timeline[] | .started] | add) == 5 and ([.timeline[] | .ok] | add) == 15 and
	([.timeline[] | .failed] | add) == 0' "totals: 5 started, 15 steps ok"
drill_jq '.timeline[0].ok >= 10' "connect and options of all 5 done in second 0"
drill_jq '.timeline[0].started == 5' "timeline[0].started == 5: all clients started in second 0"
drill_jq '.timeline[0].active > 0' "second 0, when 10 steps completed, had clients active"

drill_scn ramp <<'EOF'
clients = 5
ramp = 1.25
step connect { }
step options { }
step wait    { for = 1s }
EOF
drill ramp
tb_expect_rc 0 "5 clients at 1.25 a second"
jq -c '.timeline[]' "$DR_JSON" | sed 's/^/    /'
drill_jq '[.timeline[] | .started][0:4] == [2, 1, 1, 1]' \
	"starts at 0, 0.8 | 1.6 | 2.4 | 3.2 s: started per second 2, 1, 1, 1"

tb_pass "each start is filed under the second it happened"
