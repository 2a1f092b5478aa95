#!/bin/bash
# drill_unregister_all.sh — issue 5: the shipped scenario unregister-all
# removes the bindings an interrupted drill left behind.  Its comment:
# "Each client connects and sends a REGISTER with Expires: 0 for its
# user, removing its binding, so that the registrar and anything that
# counts registered phones are back to normal ... It needs no earlier
# register step: the binding to remove is the one the drill left."
# A drill of 3 clients registers (expires 300) and is stopped with
# SIGINT during its hold: Kamailio keeps 3 bindings of alice.  Then
# `sipcanary drill scenarios/unregister-all.scn --clients 3` must leave
# the location table empty.
#
# What it guards: an unregister on a new connection must remove the
# bindings another connection left ("Contact: *" with Expires: 0, RFC 3261
# section 10.2.2, or the old Contact URIs): an Expires: 0 for the new
# local port's Contact alone would be answered 200 OK with all 3 still
# listed.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
tb_require perl
drill_setup

N=3
drill_scn left <<EOF
description = "a drill that is interrupted while registered"
clients = $N
step connect    { }
step register   { expires = 300 }
step hold       { for = 60s  every = 5s }
step unregister { }
EOF
_drill_args left
DR_JSON=$TB/left.json
tb_spawn left perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!\n"' \
	"$(tb_sipcanary)" "${DR_ARGS[@]}"
DR_BG_PID=$TB_LAST_PID
all_saved() { [ "$(kam_count 'SCSAVED ')" -ge "$N" ]; }
tb_until 15 all_saved || tb_fail "the clients never registered"
kill -INT "$DR_BG_PID"
drill_bg_wait 10
drill_jq '.summary.interrupted == true' "the first drill was interrupted"
c=$(kam_contacts)
[ "$(printf '%s\n' "$c" | grep -c .)" = "$N" ] || tb_fail "want $N bindings left behind, got: $c"
printf '%s\n' "$c" | sed 's/^/    left behind: /'

cp "$TB_TOP/scenarios/unregister-all.scn" "$TB/unregister-all.scn"
drill unregister-all --clients $N
tb_expect_rc 0 "unregister-all"
drill_jq "all(.steps[]; .verdicts == {\"ok\": $N})" "unregister-all: every step ok"
c=$(kam_contacts)
[ -z "$c" ] || {
	printf '%s\n' "$c" | sed 's/^/    still registered: /'
	tb_fail "unregister-all left $(printf '%s\n' "$c" | grep -c .) of the $N bindings in place"
}
tb_pass "unregister-all removed the bindings of the interrupted drill"
