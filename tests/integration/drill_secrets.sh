#!/bin/bash
# drill_secrets.sh — issue 5: the -v trace of a drill never shows the
# password or a digest response.  3 clients with a distinctive password
# register, reregister, send OPTIONS, unregister, break, reconnect and
# register again under -v.  Kamailio's own record (sipdump) gives the
# real digest responses it received; none of them, nor the password, nor
# HA1 = MD5(user:realm:password), may appear in the trace (stdout and
# stderr), the JSON report or the HTML report.  The trace must still show
# every Authorization header Kamailio received, with the response
# replaced by x characters.  Then the same with the password from
# SIPCANARY_PASSWORD, and with a wrong password (403).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/drill.sh
. "$(dirname "$0")/../lib/drill.sh"
tb_init
tb_require md5sum
PW="Drill-Pw-$RANDOM$RANDOM-x9"
export TB_KAM_PASSWORD=$PW
drill_setup sipdump

N=3
drill_scn secret <<EOF
description = "every SIP-sending step, traced"
clients = $N
step connect    { }
step register   { expires = 60 }
step reregister { expires = 90 }
step options    { }
step unregister { }
step register   { expires = 60  label = "again" }
step break      { how = rst }
step reconnect  { }
step register   { expires = 60  label = "after-reconnect" }
step unregister { label = "unregister-2" }
EOF

auth_rcvd() { kam_dump_field Authorization | wc -l; }

# check_clean WHAT PASSWORD FILE... — none of the secrets in FILE...
check_clean() {
	local what=$1 pw=$2 f r ha1
	shift 2
	ha1=$(printf '%s' "alice:example.test:$pw" | md5sum | cut -d' ' -f1)
	for f in "$@"; do
		[ -s "$f" ] || tb_fail "$what: $f is empty"
		if grep -qF -- "$pw" "$f"; then tb_fail "$what: the password is in $(basename "$f")"; fi
		if grep -qiF -- "$ha1" "$f"; then tb_fail "$what: HA1 is in $(basename "$f")"; fi
		for r in $(kam_dump_field Authorization | sed -n 's/.*response="\([0-9a-fA-F]*\)".*/\1/p'); do
			if grep -qiF -- "$r" "$f"; then
				tb_fail "$what: digest response $r (received by Kamailio) is in $(basename "$f")"
			fi
		done
	done
	tb_ok "$what: no password, HA1 or digest response in $(for f in "$@"; do printf '%s ' "$(basename "$f")"; done)"
}

# --- password from a file ---------------------------------------------------
a0=$(auth_rcvd)
drill secret -v --report-html "$TB/secret.html"
tb_expect_rc 0 "traced drill"
cat "$TB_OUT" "$TB_ERR" >"$TB/trace-file.txt"
drill_jq "all(.steps[]; .verdicts == {\"ok\": $N})" "every step ok"
sent=$(grep -c '^Authorization: Digest ' "$TB/trace-file.txt") || true
# 6 SIP-sending steps per client answer a challenge or reuse it
has() { [ "$(auth_rcvd)" -ge "$1" ]; }
tb_until 10 has $((a0 + 6 * N)) || tb_fail "sipdump shows $(auth_rcvd) Authorization headers"
rcvd=$(( $(auth_rcvd) - a0 ))
[ "$sent" = "$rcvd" ] || tb_fail "the trace shows $sent Authorization headers, Kamailio received $rcvd"
n=$(grep '^Authorization: Digest ' "$TB/trace-file.txt" | grep -cE 'response="x{32}"') || true
[ "$n" = "$sent" ] || tb_fail "$((sent - n)) of $sent traced responses are not x{32}"
tb_ok "the trace shows all $sent Authorization headers, response=\"xxx...\""
grep -q '^REGISTER sips:example.test SIP/2.0' "$TB/trace-file.txt" &&
	grep -q '^OPTIONS ' "$TB/trace-file.txt" && grep -q '^SIP/2.0 401 ' "$TB/trace-file.txt" ||
	tb_fail "the trace lacks the SIP messages"
check_clean "--password-file" "$PW" "$TB/trace-file.txt" "$TB/secret.json" "$TB/secret.html"

# --- password from the environment -------------------------------------------
_drill_args secret
args=()
for a in "${DR_ARGS[@]}"; do
	case "$a" in --password-file|"$TB/pw") ;; *) args+=("$a") ;; esac
done
DR_JSON=$TB/secret.json
rm -f "$DR_JSON"
a1=$(auth_rcvd)
SIPCANARY_PASSWORD=$PW tb_sc "${args[@]}" -v --report-html "$TB/secret-env.html"
tb_expect_rc 0 "traced drill, password from SIPCANARY_PASSWORD"
cat "$TB_OUT" "$TB_ERR" >"$TB/trace-env.txt"
grep -q '^Authorization: Digest ' "$TB/trace-env.txt" || tb_fail "no Authorization in the trace"
tb_until 10 has $((a1 + 6 * N)) || tb_fail "sipdump shows $(auth_rcvd) Authorization headers"
check_clean "SIPCANARY_PASSWORD" "$PW" "$TB/trace-env.txt" "$DR_JSON" "$TB/secret-env.html"

# --- a wrong password ----------------------------------------------------------
WRONG="Wrong-Pw-$RANDOM$RANDOM-q7"
tb_password_file "$TB/wrong-pw" "$WRONG"
drill_scn wrong <<EOF
clients = $N
step connect  { }
step register { expect = 403 }
EOF
_drill_args wrong
DR_JSON=$TB/wrong.json
tb_sc "${DR_ARGS[@]/"$TB/pw"/"$TB/wrong-pw"}" -v
tb_expect_rc 0 "traced drill with a wrong password (expect = 403)"
grep -q '^SIP/2.0 403 ' "$TB_ERR" "$TB_OUT" || tb_fail "no 403 in the trace"
cat "$TB_OUT" "$TB_ERR" >"$TB/trace-wrong.txt"
check_clean "wrong password" "$WRONG" "$TB/trace-wrong.txt" "$DR_JSON"

tb_pass "no secret in the -v trace or the reports"
