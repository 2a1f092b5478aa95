#!/bin/bash
# run_config_check.sh — issue 6, `sipcanary run -n -c FILE`: a good config
# exits 0 and says what it holds; bad configs exit 2 with FILE:LINE and
# the key named, for an unknown key (top level, defaults and target), a
# bad duration, a world-readable and a group-readable password file, a
# missing password file and a syntax error; `run` without -c (with or
# without -n) exits 2 with a usage message.  The daemon itself (run -c
# without -n) refuses a bad config the same way, before listening.
# Nothing is probed: the configs point at a port where nothing listens.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary
TB_CMD_TIMEOUT=10

HTTP=$(tb_free_port)
KPORT=$(tb_free_port)
tb_password_file "$TB/pw"

# good_conf FILE — a complete, valid config (every key of the issue).
good_conf() {
	cat >"$1" <<-EOF
	vantage   = "lab-1"
	listen    = "127.0.0.1:$HTTP"
	state_dir = "$TB/state"
	defaults {
	  interval = 30s
	  timeout = 10s
	  flows = 1
	  keepalive = 30s
	  reconnect_every = 10m
	  expires = 300
	  warn_days = 30
	  crit_days = 7
	  ca_file = "/etc/ssl/certs/ca-certificates.crt"
	}
	target "voice-prod" {
	  uri = "sips:example.test"
	  user = "alice"
	  password_file = "$TB/pw"
	  owner = "voice-sre"
	  connect = "127.0.0.1:$KPORT"
	  interval = 15s
	}
	EOF
}

# line_of FILE REGEX — the number of the first line of FILE matching REGEX.
line_of() {
	grep -n -E -m1 -- "$2" "$1" | cut -d: -f1
}

# expect_bad NAME KEYTEXT REGEX WHAT — `run -n -c $TB/NAME.conf` exits 2,
# and stderr names $TB/NAME.conf:LINE (LINE: the first line matching
# REGEX) and holds KEYTEXT (how it names the key: 'interval: ',
# 'unknown key "x"').
expect_bad() {
	local f="$TB/$1.conf" key=$2 re=$3 what=$4 line
	line=$(line_of "$f" "$re")
	[ -n "$line" ] || tb_fail "$what: test bug: no line matches $re in $f"
	tb_sc run -n -c "$f"
	tb_expect_rc 2 "$what"
	grep -qF -- "$f:$line:" "$TB_ERR" || {
		cat "$TB_ERR"
		tb_fail "$what: stderr does not name $f:$line"
	}
	grep -qF -- "$key" "$TB_ERR" || {
		cat "$TB_ERR"
		tb_fail "$what: stderr does not name the key $key"
	}
	if [ -s "$TB_OUT" ] && grep -q ': ok' "$TB_OUT"; then
		cat "$TB_OUT"
		tb_fail "$what: stdout says ok"
	fi
	tb_ok "$what: exit 2: $(head -n 1 "$TB_ERR")"
}

# --- good --------------------------------------------------------------------
good_conf "$TB/good.conf"
tb_sc run -n -c "$TB/good.conf"
tb_expect_rc 0 "good config"
grep -q 'ok' "$TB_OUT" || { cat "$TB_OUT"; tb_fail "good config: stdout does not say ok"; }
grep -q 'voice-prod' "$TB_OUT" ||
	{ cat "$TB_OUT"; tb_fail "good config: stdout does not list the target"; }
if grep -q 'secret' "$TB_OUT" "$TB_ERR"; then
	tb_fail "good config: the password appears in the output"
fi
tb_ok "good config: $(head -n 1 "$TB_OUT")"
# -n probes nothing and serves nothing
if [ -n "$(ss -Htln "( sport = :$HTTP )" 2>/dev/null)" ]; then
	tb_fail "run -n left a listener on $HTTP"
fi

# the long options
tb_sc run --check --config "$TB/good.conf"
tb_expect_rc 0 "good config (--check --config)"

# --- unknown keys ------------------------------------------------------------
good_conf "$TB/unknown_target.conf"
sed -i 's/^  owner = /  ownr = /' "$TB/unknown_target.conf"
expect_bad unknown_target 'unknown key "ownr"' '^  ownr = ' "unknown key in a target"
grep -q 'target "voice-prod"' "$TB_ERR" ||
	tb_fail "unknown key in a target: the target is not named"

good_conf "$TB/unknown_defaults.conf"
sed -i 's/^  keepalive = /  keepalived = /' "$TB/unknown_defaults.conf"
expect_bad unknown_defaults 'unknown key "keepalived"' '^  keepalived = ' "unknown key in defaults"

good_conf "$TB/unknown_top.conf"
sed -i 's/^vantage /vantgae /' "$TB/unknown_top.conf"
expect_bad unknown_top 'unknown key "vantgae"' '^vantgae ' "unknown top-level key"

# --- bad durations -----------------------------------------------------------
good_conf "$TB/bad_duration.conf"
sed -i 's/^  interval = 30s/  interval = 30x/' "$TB/bad_duration.conf"
expect_bad bad_duration 'interval: ' '^  interval = 30x' "bad duration (30x)"
grep -q '30x' "$TB_ERR" || tb_fail "bad duration: the bad value is not quoted"

good_conf "$TB/bad_duration2.conf"
sed -i 's/^  keepalive = 30s/  keepalive = -5s/' "$TB/bad_duration2.conf"
expect_bad bad_duration2 'keepalive: ' '^  keepalive = -5s' "bad duration (-5s)"

good_conf "$TB/bad_duration3.conf"
sed -i 's/^  interval = 15s/  interval = 1e3/' "$TB/bad_duration3.conf"
expect_bad bad_duration3 'interval: ' '^  interval = 1e3' "bad duration in a target (1e3)"

# --- password files ----------------------------------------------------------
cp "$TB/pw" "$TB/pw644"
chmod 644 "$TB/pw644"
good_conf "$TB/pw_world.conf"
sed -i "s#\"$TB/pw\"#\"$TB/pw644\"#" "$TB/pw_world.conf"
expect_bad pw_world 'password_file: ' '^  password_file = ' "world-readable password file"
grep -qF "$TB/pw644" "$TB_ERR" || tb_fail "world-readable password file: the file is not named"

cp "$TB/pw" "$TB/pw604"
chmod 604 "$TB/pw604"
good_conf "$TB/pw_others.conf"
sed -i "s#\"$TB/pw\"#\"$TB/pw604\"#" "$TB/pw_others.conf"
expect_bad pw_others 'password_file: ' '^  password_file = ' "password file readable by others only (0604)"

cp "$TB/pw" "$TB/pw640"
chmod 640 "$TB/pw640"
good_conf "$TB/pw_group.conf"
sed -i "s#\"$TB/pw\"#\"$TB/pw640\"#" "$TB/pw_group.conf"
expect_bad pw_group 'password_file: ' '^  password_file = ' "group-readable password file"

good_conf "$TB/pw_missing.conf"
sed -i "s#\"$TB/pw\"#\"$TB/no-such.secret\"#" "$TB/pw_missing.conf"
expect_bad pw_missing 'password_file: ' '^  password_file = ' "missing password file"
grep -qF "$TB/no-such.secret" "$TB_ERR" || tb_fail "missing password file: the file is not named"

# --- a syntax error ----------------------------------------------------------
good_conf "$TB/syntax.conf"
sed -i 's/^  expires = 300/  expires = = 300/' "$TB/syntax.conf"
tb_sc run -n -c "$TB/syntax.conf"
tb_expect_rc 2 "syntax error"
grep -qE -- "$TB/syntax.conf:[0-9]+:" "$TB_ERR" ||
	{ cat "$TB_ERR"; tb_fail "syntax error: stderr has no FILE:LINE"; }
tb_ok "syntax error: $(head -n 1 "$TB_ERR")"

# --- the daemon refuses a bad config too, before it listens ------------------
tb_sc run -c "$TB/bad_duration.conf"
tb_expect_rc 2 "run -c with a bad config (no -n)"
grep -qF -- "$TB/bad_duration.conf:$(line_of "$TB/bad_duration.conf" '30x'):" "$TB_ERR" ||
	{ cat "$TB_ERR"; tb_fail "run -c with a bad config: no FILE:LINE"; }

# --- no -c ---------------------------------------------------------------------
tb_sc run
tb_expect_rc 2 "run without -c"
grep -qi 'usage' "$TB_ERR" || { cat "$TB_ERR"; tb_fail "run without -c: no usage message"; }
grep -q -- '-c' "$TB_ERR" || tb_fail "run without -c: the message does not name -c"
tb_sc run -n
tb_expect_rc 2 "run -n without -c"
tb_sc run -n -c "$TB/no-such.conf"
tb_expect_rc 2 "run -n -c with a config file that does not exist"
grep -qF "$TB/no-such.conf" "$TB_ERR" || tb_fail "missing config: the file is not named"

tb_pass "run -n: good config 0; bad configs 2 with FILE:LINE and the key; no -c 2"
