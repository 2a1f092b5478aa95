#!/bin/bash
# drill_bad_scenario.sh — issue 5: a bad scenario file gets an error that
# names the file as given, the line, and what was wrong or expected; the
# drill exits 2 and nothing runs: no report is written and Kamailio sees
# no connection and no SIP.  Each bad file has good steps (connect,
# register, options) before its error, so a drill that started running
# before it had read the whole file would show at Kamailio.
# Cases: unknown option, bad duration, unknown step kind, register before
# connect, register after a break, a setting given twice, a bad break how,
# an expect that cannot hold (a certificate verdict on register, a SIP
# status on connect), a bad expect, ${VAR}, a bad users template, a
# repeat without count, a "{" never closed; then usage errors.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
drill_init
cd "$TB"	# scenario files are given relative, as a user would

GOOD='description = "a bad scenario"
clients = 2
step connect  { resume = no  within = 10s }
step register { expect = 200  expires = 60 }
step options  { expect = 200 }'

# bad NAME LINE REGEX — $TB/NAME.scn is GOOD followed by stdin; the drill
# must exit 2 with "NAME.scn:LINE: " + REGEX (ERE) on stderr and nothing
# else happening.
bad() {
	local name=$1 line=$2 re=$3 msg before
	{ printf '%s\n' "$GOOD"; cat; } >"$TB/$name.scn"
	before=$(kam_count 'SCREG |SCOPTIONS ')
	tb_sc drill "$name.scn" --target sips:example.test \
		--connect "127.0.0.1:$DR_PORT" --ca-file pki/ca.pem --user alice \
		--password-file pw --report-json "$name.json" --report-html "$name.html"
	tb_expect_rc 2 "$name"
	msg=$(cat "$TB_ERR")
	[ "$(printf '%s\n' "$msg" | grep -c .)" = 1 ] ||
		tb_fail "$name: want one line of error, got: $msg"
	printf '%s\n' "$msg" | grep -qE "^sipcanary drill: $name\.scn:$line: $re" ||
		tb_fail "$name: want \"$name.scn:$line: $re\", got: $msg"
	[ ! -e "$TB/$name.json" ] && [ ! -e "$TB/$name.html" ] ||
		tb_fail "$name: a report was written"
	[ "$(kam_count 'SCREG |SCOPTIONS ')" = "$before" ] ||
		tb_fail "$name: Kamailio saw SIP from a scenario that does not load"
	[ -z "$(kam_conns)" ] || tb_fail "$name: a connection is open: $(kam_conns)"
	tb_ok "$name: $msg"
}

bad unknown-option 7 'unknown option "clinets"' <<'EOF'

clinets = 3
EOF
bad bad-duration 7 'every: bad duration "5 sec" \(examples: ' <<'EOF'
step hold { for = 10s
	every = "5 sec" }
EOF
bad unknown-kind 8 'unknown step kind "regster" \(expected connect, register, ' <<'EOF'
step wait { for = 1s }

step regster { }
EOF
# (a file whose error is register before connect cannot start with GOOD)
GOOD_SAVED=$GOOD
GOOD='# register before connect'
bad register-before-connect 3 'step "register": no connection: add a connect step before it' <<'EOF'
clients = 2
step register { expect = 200 }
step connect  { }
step options  { }
EOF
GOOD=$GOOD_SAVED
bad register-after-break 8 'step "register": no connection: it was broken on line 6' <<'EOF'
step break    { how = rst }
step wait     { for = 1s }
step register { }
EOF
bad set-twice 7 'within: set twice \(first on line 7\)' <<'EOF'
step wait { for = 1s }
step options { within = 1s  within = 2s }
EOF
bad bad-how 6 'how: expected rst, close_notify or silent_drop, not "fin"' <<'EOF'
step break { how = fin }
EOF
bad expect-cert-on-register 6 'step "reregister": expect = cert_expired cannot hold' <<'EOF'
step reregister { expect = cert_expired }
EOF
bad expect-sip-on-connect 7 'step "connect": expect = 200 cannot hold: no SIP is sent by this step' <<'EOF'
step break   { how = close_notify }
step connect { expect = 200 }
EOF
bad expect-2000 6 'step "unregister": expect must be a SIP status 100-699 or a verdict code, not "2000"' <<'EOF'
step unregister { expect = 2000 }
EOF
bad env-var 6 '\$\{...\}: environment variables are not expanded' <<'EOF'
user = "${USER}"
EOF
bad users-template 6 'users: "probe%s": the client number must be %d, %u or %0Nd' <<'EOF'
users = "probe%s"
EOF
bad repeat-count 6 'step "repeat": needs count = N' <<'EOF'
step repeat { step options { } }
EOF
bad unclosed 6 'this "\{" is never closed' <<'EOF'
step repeat { count = 2
	step options { }
EOF

# --- usage errors: exit 2, nothing runs -----------------------------------
printf 'step connect { }\nstep options { }\n' >"$TB/fine.scn"
usage() {
	local what=$1 re=$2
	shift 2
	tb_sc drill "$TB/fine.scn" --ca-file "$TB/pki/ca.pem" --report-json "$TB/usage.json" "$@"
	tb_expect_rc 2 "usage: $what"
	grep -qE -- "$re" "$TB_ERR" || tb_fail "usage: $what: want /$re/, got: $(cat "$TB_ERR")"
	[ ! -e "$TB/usage.json" ] || tb_fail "usage: $what: a report was written"
}
usage "no --target" '--target sips:DOMAIN is needed' --connect "127.0.0.1:$DR_PORT"
usage "--clients 0" '--clients takes a whole number from 1' --target sips:example.test \
	--connect "127.0.0.1:$DR_PORT" --clients 0
usage "--shard 2/2" '--shard takes I/N with 0 <= I < N' --target sips:example.test \
	--connect "127.0.0.1:$DR_PORT" --shard 2/2
usage "--ramp -1" '--ramp takes clients per second' --target sips:example.test \
	--connect "127.0.0.1:$DR_PORT" --ramp -1
tb_sc drill nope.scn --target sips:example.test --connect "127.0.0.1:$DR_PORT"
tb_expect_rc 2 "a scenario file that does not exist"
grep -q '^sipcanary drill: nope.scn: cannot open' "$TB_ERR" ||
	tb_fail "missing file: $(cat "$TB_ERR")"
[ "$(kam_count 'SCREG |SCOPTIONS ')" = 0 ] || tb_fail "Kamailio saw SIP"
tb_ok "Kamailio saw no SIP at all"

tb_pass "bad scenario files: FILE:LINE errors, exit 2, nothing ran"
