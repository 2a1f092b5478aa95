#!/bin/bash
# hardening_inputs.sh - hostile inputs of the security review (low
# findings): a FIFO as password_file is refused at once by `run -n` (it
# hung it, and froze the daemon on SIGHUP); a password file with a NUL in
# its first line is refused; basic auth "user:pass\0junk" is refused
# (it authenticated as user:pass); a world-readable http_tls_key is
# refused (it was accepted); a secret file that belongs to another user
# (password file, routing key file, TLS key, auth file; `run -n` and
# check) is refused, naming the chown (it was accepted), while one of
# root or of the service user (`user =`) is taken; the drill HTML report
# carries the same Content-Security-Policy as the endpoint, in a meta tag.
# shellcheck disable=SC2317,SC2119
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
tb_require mkpasswd base64

mkfifo -m 600 "$TB/fifo.pw"
printf 'pa\0ss\n' >"$TB/nul.pw"
chmod 600 "$TB/nul.pw"
for f in fifo nul; do
	{
		dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
		dm_target kam | sed "s#password_file = .*#password_file = \"$TB/$f.pw\"#"
	} >"$TB/$f.conf"
done
TB_CMD_TIMEOUT=10 tb_sc run -n -c "$TB/fifo.conf"
[ "$TB_RC" = 2 ] || tb_fail "a FIFO password_file: exit $TB_RC, want 2 (124: it hung)"
grep -q 'password_file: password file .*fifo.pw is not a regular file' "$TB_ERR" ||
	tb_fail "FIFO: $(cat "$TB_ERR")"
tb_sc run -n -c "$TB/nul.conf"
[ "$TB_RC" = 2 ] || tb_fail "a NUL in the password: exit $TB_RC, want 2"
grep -q 'holds a NUL byte' "$TB_ERR" || tb_fail "NUL: $(cat "$TB_ERR")"
tb_ok "run -n: a FIFO and a NUL-bearing password file refused at once"

printf 'prom:%s\n' "$(mkpasswd -m sha-256 'Sc4pe!pass')" >"$TB/htpasswd"
chmod 0600 "$TB/htpasswd"
{
	printf 'http_auth_file = "%s"\n' "$TB/htpasswd"
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
	dm_target kam
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Basic $1" \
	"http://127.0.0.1:$DM_HTTP/metrics" || true; }
good=$(printf 'prom:Sc4pe!pass' | base64 -w0)
junk=$(printf 'prom:Sc4pe!pass\0junk' | base64 -w0)
[ "$(code "$good")" = 200 ] || tb_fail "the right credentials are not 200"
[ "$(code "$junk")" = 401 ] || tb_fail "user:pass\\0junk is not 401"
tb_ok "basic auth: user:pass 200, user:pass\\0junk 401"
dm_stop

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$TB/http.key" -out "$TB/http.pem" -days 2 -subj /CN=127.0.0.1 2>/dev/null
chmod 0644 "$TB/http.key"
{
	printf 'http_tls_cert = "%s"\nhttp_tls_key = "%s"\n' "$TB/http.pem" "$TB/http.key"
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
	dm_target kam
} >"$TB/tls.conf"
tb_sc run -c "$TB/tls.conf"
[ "$TB_RC" = 2 ] || tb_fail "a world-readable TLS key: exit $TB_RC, want 2"
grep -q "http_tls_key: TLS key $TB/http.key is readable by others: chmod 600" "$TB_ERR" ||
	tb_fail "world-readable TLS key: $(cat "$TB_ERR")"
tb_ok "a world-readable http_tls_key is refused, naming the chmod"

# Secret files of another user: its owner can read them, or replace them.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 0600 "$TB/http.key"
	printf 'R0uT1nGkEy-owner-test\n' >"$TB/pd.key"
	cp "$TB/pw" "$TB/pw.own"
	chmod 0600 "$TB/pd.key" "$TB/htpasswd" "$TB/pw.own"
	{
		printf 'http_auth_file = "%s"\n' "$TB/htpasswd"
		printf 'http_tls_cert = "%s"\nhttp_tls_key = "%s"\n' "$TB/http.pem" "$TB/http.key"
		dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
		dm_target kam | sed "s#password_file = .*#password_file = \"$TB/pw.own\"#"
		printf 'sink "pd" {\n\ttype = "pagerduty"\n\turl = "http://127.0.0.1:9"\n'
		printf '\trouting_key_file = "%s"\n}\n' "$TB/pd.key"
	} >"$TB/own.conf"
	tb_sc run -n -c "$TB/own.conf"
	[ "$TB_RC" = 0 ] || tb_fail "root's 0600 secret files: exit $TB_RC, want 0: $(cat "$TB_ERR")"
	for f in "password_file:password file:pw.own" "routing_key_file:routing key file:pd.key" \
		"http_tls_key:TLS key:http.key" "http_auth_file:auth file:htpasswd"; do
		IFS=: read -r key what file <<<"$f"
		chown nobody "$TB/$file"
		tb_sc run -n -c "$TB/own.conf"
		chown root "$TB/$file"
		[ "$TB_RC" = 2 ] || tb_fail "$key of nobody: exit $TB_RC, want 2"
		grep -q "$key: $what $TB/$file belongs to nobody, not to root or the service user root: chown root $TB/$file" \
			"$TB_ERR" || tb_fail "$key of nobody: $(cat "$TB_ERR")"
	done
	tb_ok "run -n: password, routing key, TLS key and auth files of nobody refused, naming the chown"
	chown nobody "$TB/pw.own" "$TB/pd.key" "$TB/http.key" "$TB/htpasswd"
	{ printf 'user = "nobody"\n'; cat "$TB/own.conf"; } >"$TB/own-user.conf"
	tb_sc run -n -c "$TB/own-user.conf"
	[ "$TB_RC" = 0 ] || tb_fail "the service user's secret files: exit $TB_RC, want 0: $(cat "$TB_ERR")"
	tb_sc check --nagios --user alice --password-file "$TB/pw.own" \
		--connect "127.0.0.1:$DM_KAM_PORT" sips:example.test
	[ "$TB_RC" = 3 ] || tb_fail "check, a password file of nobody: exit $TB_RC, want 3"
	grep -q "^SIPCANARY UNKNOWN - check: password file $TB/pw.own belongs to nobody.*: chown root $TB/pw.own" \
		"$TB_OUT" || tb_fail "check, a password file of nobody: $(cat "$TB_OUT")"
	tb_ok "user = nobody: its files taken; check refuses the password file of nobody (UNKNOWN, chown)"
else
	tb_log "not root, or no user nobody: the owner checks are not run"
fi

tb_sc report merge "$TB_TOP/tests/fixtures/drill-report-a.json" \
	"$TB_TOP/tests/fixtures/drill-report-b.json" --report-html "$TB/r.html"
grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" "$TB/r.html" ||
	tb_fail "the drill report has no CSP meta tag"
tb_ok "drill HTML: Content-Security-Policy meta tag"
tb_pass "FIFO, NUL and foreign-owned secrets refused, NUL credentials refused, report CSP"
