#!/bin/bash
# run_reload_secrets.sh - SIGHUP reads the endpoint's secrets again: a
# user removed from http_auth_file loses access and a new one gets it; a
# renewed certificate and key are served to new connections without a
# restart; an auth file that no longer loads keeps the users loaded
# before, and the log says so.  (They were read only at start, while the
# log said "reloaded".)
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
tb_require mkpasswd openssl curl
users() { # users NAME:PASSWORD... — write the auth file
	local u
	: >"$TB/htpasswd.new"
	for u in "$@"; do
		printf '%s:%s\n' "${u%%:*}" "$(mkpasswd -m sha-256 "${u#*:}")" >>"$TB/htpasswd.new"
	done
	chmod 0600 "$TB/htpasswd.new"
	mv "$TB/htpasswd.new" "$TB/htpasswd"
}
cert() { # cert CN — write the endpoint's certificate and key
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TB/http.key" -out "$TB/http.pem" -days 2 -subj "/CN=$1" \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null
	chmod 0600 "$TB/http.key"
}
users old:Old-pass1
cert first
{
	printf 'http_auth_file = "%s"\n' "$TB/htpasswd"
	printf 'http_tls_cert = "%s"\nhttp_tls_key = "%s"\n' "$TB/http.pem" "$TB/http.key"
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
	dm_target kam
} >"$TB/sc.conf"
dm_spawn "$TB/sc.conf"
code() { curl -sk -o /dev/null -w '%{http_code}' --max-time 5 -u "$1" \
	"https://127.0.0.1:$DM_HTTP/metrics" || true; }
served_cn() { openssl s_client -connect "127.0.0.1:$DM_HTTP" </dev/null 2>/dev/null |
	openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//'; }
tb_until 10 eval '[ "$(code old:Old-pass1)" = 200 ]' || tb_fail "old user not 200 at start"
[ "$(served_cn)" = first ] || tb_fail "not serving the first certificate"

users new:New-pass2
cert second
kill -HUP "$DM_PID"
tb_until 10 eval '[ "$(code new:New-pass2)" = 200 ]' || tb_fail "the new user is not let in after SIGHUP"
[ "$(code old:Old-pass1)" = 401 ] || tb_fail "the removed user still gets in"
tb_until 10 eval '[ "$(served_cn)" = second ]' || tb_fail "the renewed certificate is not served"
tb_ok "SIGHUP: removed user 401, new user 200, renewed certificate served"

: >"$TB/htpasswd"
kill -HUP "$DM_PID"
tb_until 10 grep -q 'reload: auth file .* has no users: the users loaded before stay in force' "$DM_LOG" ||
	tb_fail "a broken auth file on reload is not logged as kept"
[ "$(code new:New-pass2)" = 200 ] || tb_fail "the users loaded before were dropped"
tb_ok "an auth file that does not load: the users before stay, and the log says so"
dm_stop
tb_pass "secrets are reloaded on SIGHUP; a bad one keeps the one before"
