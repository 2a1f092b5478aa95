#!/bin/bash
# drill_nofile.sh — a drill checks its descriptor budget before it starts:
# one per client, two per client only when the scenario drops flows
# silently (the dropped socket stays open while the client reconnects),
# plus 64 spare.  Under a hard limit of 200 descriptors (ulimit -n):
#   - 130 clients with rst breaks fit (130 + 64 <= 200): the drill runs;
#   - 150 clients do not (214): exit 2 before any connection, with a
#     message that gives the need and the limit and says how to raise it;
#   - 70 clients with a silent_drop break in a repeat do not (204): exit 2.
# The target is a closed loopback port: a drill that runs gets tcp_refused.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary
P=$(tb_free_port) || tb_fail "no free port"
tb_password_file "$TB/pw" secret

scn() {	# NAME CLIENTS BREAK
	cat >"$TB/$1.scn" <<-EOF
	clients = $2
	step connect { }
	step repeat { count = 1
	  step break { how = $3 }
	  step reconnect { }
	}
	EOF
}
# drill NAME: under ulimit -n 200 (soft and hard)
drill() {
	tb_run bash -c 'ulimit -n 200 && exec "$@"' sh "$(tb_sipcanary)" drill \
		"$TB/$1.scn" --target sips:example.test --connect "127.0.0.1:$P" \
		--user alice --password-file "$TB/pw" --timeout 2 \
		--report-json "$TB/$1.json"
}

scn fit 130 rst
drill fit
grep -q 'file descriptors' "$TB_ERR" &&
	tb_fail "130 clients with rst breaks refused: $(cat "$TB_ERR")"
[ "$TB_RC" = 1 ] || tb_fail "130 clients: exit $TB_RC, want 1 (tcp_refused fails the expectations): $(tail -n 3 "$TB_ERR")"
jq -e '.steps[0].verdicts.tcp_refused == 130' "$TB/fit.json" >/dev/null ||
	tb_fail "130 clients: the report does not show 130 tcp_refused"
tb_ok "130 clients, rst breaks, limit 200: runs (130 tcp_refused)"

scn over 150 rst
drill over
tb_expect_rc 2 "150 clients, limit 200"
grep -q '150 clients need up to 214 file descriptors but the limit is 200: raise it (ulimit -n 214' "$TB_ERR" ||
	tb_fail "150 clients: no clear message: $(cat "$TB_ERR")"
[ ! -e "$TB/over.json" ] || tb_fail "150 clients: a report was written"
tb_ok "150 clients: refused before starting: $(cat "$TB_ERR")"

scn silent 70 silent_drop
drill silent
tb_expect_rc 2 "70 clients with silent_drop, limit 200"
grep -q '70 clients need up to 204 file descriptors' "$TB_ERR" ||
	tb_fail "silent_drop: two per client not counted: $(cat "$TB_ERR")"
tb_ok "70 clients with a silent_drop break: two descriptors each, refused"
tb_pass "the descriptor budget counts one per client, two with silent_drop"
