#!/bin/bash
# httpd_auth_flood.sh — issue 15 (finding 6), password hashing off the
# event loop: `sipcanary run` against a real Kamailio, its endpoint
# behind an auth file of bcrypt hashes (cost 9: tens of ms a hash), is
# flooded with wrong passwords (8 kept-alive connections, 400 requests a
# second, 8 s, then killed by PID; the rate limit is one bucket for the
# whole endpoint, so one source address is enough) while /healthz is
# fetched every 20 ms on new connections:
#   - the worst /healthz latency stays under 100 ms (the hashes ran on
#     the loop before: 300 ms and more), and every fresh probe meanwhile
#     is ok (probe_success 1, no other verdict counted);
#   - alice's right password, verified once before, gets 200 during the
#     flood (the cache of verified credentials, no hash);
#   - an unknown user gets 401 after a delay comparable to a known user
#     with a wrong password (both medians printed; the unknown one is more
#     than half the known one: it hashed too);
#   - after SIGHUP with users of cost 11, the same holds: the dummy hash
#     of unknown users follows the configured cost;
#   - SIGTERM while checks are queued: every client gets an answer (401,
#     429) or, for a check dropped at exit, a closed connection, and the
#     daemon exits 0 (under ASan: no leak, no use after free).
# sipcanary_http_auth_checks_total{result} counts what was queued, limited.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
dm_init
tb_require python3 mkpasswd
T0=$(date +%s.%N)
PASS=Right-pass1

users() { # users COST — alice and bob, bcrypt at COST, into $TB/htpasswd
	{
		printf 'alice:%s\n' "$(mkpasswd -m bcrypt -R "$1" "$PASS")"
		printf 'bob:%s\n' "$(mkpasswd -m bcrypt -R "$1" Bobs-pass2)"
	} >"$TB/htpasswd.new"
	chmod 0600 "$TB/htpasswd.new"
	mv "$TB/htpasswd.new" "$TB/htpasswd"
}
users 9
{
	printf 'http_auth_file = "%s"\n' "$TB/htpasswd"
	dm_config_head "interval = 1s" "timeout = 900ms" "flows = 0"
	dm_target kam
} >"$TB/sc.conf"
dm_start "$TB/sc.conf"

# /metrics asks for credentials: alice's, verified (and then cached).
scrape() {
	curl -sSf --max-time 5 -u "alice:$PASS" -o "$DM_METRICS.tmp" \
		"http://127.0.0.1:$DM_HTTP/metrics" 2>/dev/null || return 1
	mv "$DM_METRICS.tmp" "$DM_METRICS"
}
probing() { scrape && [ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ]; }
tb_until 15 probing || tb_fail "no successful probe (or no 200 for alice) within 15 s"
ok0=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)
all0=$(dm_value sipcanary_probes_total "${DM_L[@]}")
tb_ok "probing, alice verified: $ok0 ok probes"

cat >"$TB/client.py" <<'EOF'
# client.py — the HTTP clients of httpd_auth_flood.sh (standard library).
#   flood PORT SECONDS            8 kept-alive connections, wrong passwords
#   sample PORT SECONDS PASS      /healthz every 20 ms, alice's /metrics
#   timing PORT USER:PASS... N    median seconds to a 401, per credential
import base64, http.client, json, statistics, sys, threading, time

port = int(sys.argv[2])

def get(conn, path, cred=None):
    hdrs = {}
    if cred is not None:
        hdrs["Authorization"] = "Basic " + base64.b64encode(
            cred.encode()).decode()
    conn.request("GET", path, headers=hdrs)
    r = conn.getresponse()
    r.read()
    return r.status

def flood(secs):
    end = time.monotonic() + secs
    codes = {}
    lock = threading.Lock()
    def one(k):
        conn, i = None, 0
        while time.monotonic() < end:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port,
                                                      timeout=10)
                c = get(conn, "/metrics", "alice:guess-%d-%d" % (k, i))
            except (OSError, http.client.HTTPException):
                conn, c = None, "error"
            with lock:
                codes[c] = codes.get(c, 0) + 1
            i += 1
            time.sleep(0.02)
    ts = [threading.Thread(target=one, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps({str(k): v for k, v in codes.items()}), flush=True)

def sample(secs, password):
    end = time.monotonic() + secs
    worst, lat, bad, good, n = 0.0, [], 0, 0, 0
    keep = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < end:
        t = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        if get(conn, "/healthz") != 200:
            bad += 1
        conn.close()
        lat.append(time.monotonic() - t)
        n += 1
        if n % 10 == 0 and get(keep, "/metrics", "alice:" + password) == 200:
            good += 1
        time.sleep(0.02)
    lat.sort()
    print(json.dumps({"n": len(lat), "max_ms": round(lat[-1] * 1000, 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1),
        "not_200": bad, "alice_200": good, "alice_tries": n // 10}))

def timing(creds, rounds):
    took = {c: [] for c in creds}
    for _ in range(rounds):
        for c in creds:
            # A 429 (the hash budget is spent) is not timed: try again.
            for _ in range(100):
                conn = http.client.HTTPConnection("127.0.0.1", port,
                                                  timeout=10)
                conn.connect()
                t = time.monotonic()
                code = get(conn, "/metrics", c)
                dt = time.monotonic() - t
                conn.close()
                if code != 429:
                    break
                time.sleep(0.1)
            if code != 401:
                sys.exit("%s: HTTP %d, want 401" % (c.split(":")[0], code))
            took[c].append(dt)
    print(" ".join("%.1f" % (statistics.median(v) * 1000)
                   for v in took.values()))

if sys.argv[1] == "flood":
    flood(float(sys.argv[3]))
elif sys.argv[1] == "sample":
    sample(float(sys.argv[3]), sys.argv[4])
else:
    timing(sys.argv[3:-1], int(sys.argv[-1]))
EOF

# --- the flood -------------------------------------------------------------
tb_spawn flood python3 "$TB/client.py" flood "$DM_HTTP" 8
FLOOD=$TB_LAST_PID
TB_CMD_TIMEOUT=20 tb_run python3 "$TB/client.py" sample "$DM_HTTP" 6 "$PASS"
[ "$TB_RC" = 0 ] || tb_fail "the /healthz sampler failed: $(cat "$TB_ERR")"
S=$(cat "$TB_OUT")
tb_until 10 grep -q '^{' "$TB/flood.log" || tb_fail "the flood did not end within 10 s"
tb_stop "$FLOOD"
F=$(grep '^{' "$TB/flood.log")
tb_log "flood: $F"
tb_log "/healthz during the flood: $S"
jf() { printf '%s' "$1" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2', 0))"; }
[ "$(jf "$F" 401)" -ge 1 ] || tb_fail "the flood was never answered 401: $F"
[ "$(jf "$F" 429)" -ge 100 ] || tb_fail "the flood did not run past the rate limit: $F"
[ "$(jf "$S" not_200)" = 0 ] || tb_fail "/healthz failed during the flood: $S"
[ "$(jf "$S" alice_200)" = "$(jf "$S" alice_tries)" ] ||
	tb_fail "alice's verified password was refused during the flood: $S"
max=$(jf "$S" max_ms)
awk -v m="$max" 'BEGIN { exit !(m < 100) }' ||
	tb_fail "/healthz took $max ms during the flood (bound 100 ms): the loop hashed passwords: $S"
tb_ok "flood of wrong passwords ($F): /healthz worst $max ms (p50 $(jf "$S" p50_ms), p99 $(jf "$S" p99_ms)), alice 200 throughout"

tb_until 10 scrape || tb_fail "no scrape after the flood"
queued=$(dm_value sipcanary_http_auth_checks_total result=queued) || queued=0
limited=$(dm_value sipcanary_http_auth_checks_total result=limited) || limited=0
if [ "$queued" -lt 10 ] || [ "$limited" -lt 100 ]; then
	tb_fail "sipcanary_http_auth_checks_total: queued $queued, limited $limited; want 10 and 100 or more"
fi
tb_ok "sipcanary_http_auth_checks_total: queued $queued, limited $limited"
ok1=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)
all1=$(dm_value sipcanary_probes_total "${DM_L[@]}")
[ "$((ok1 - ok0))" -ge 4 ] || tb_fail "$((ok1 - ok0)) ok probes during the flood, want 4 or more"
[ "$((all1 - all0))" = "$((ok1 - ok0))" ] ||
	tb_fail "$((all1 - all0 - ok1 + ok0)) probes failed during the flood"
[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] || tb_fail "probe_success is not 1"
tb_ok "probes during the flood: $((ok1 - ok0)) ok, none failed"

# --- unknown users hash too --------------------------------------------------
# timed COST — the median 401 of a wrong password for alice and of an
# unknown user; the unknown one must have hashed (over half the time).
timed() {
	TB_CMD_TIMEOUT=40 tb_run python3 "$TB/client.py" timing "$DM_HTTP" \
		alice:wrong-pass mallory:wrong-pass 5
	[ "$TB_RC" = 0 ] || tb_fail "cost $1 timing: $(cat "$TB_ERR")"
	read -r known unknown <"$TB_OUT"
	tb_log "cost $1: 401 after $known ms (alice, wrong password), $unknown ms (unknown user)"
	awk -v k="$known" -v u="$unknown" 'BEGIN { exit !(u > 0.5 * k) }' ||
		tb_fail "cost $1: an unknown user's 401 took $unknown ms, a known user's $known ms: the unknown user did not hash alike"
	tb_ok "cost $1: unknown user 401 in $unknown ms, known user $known ms"
}
timed 9
users 11
kill -HUP "$DM_PID"
tb_until 10 grep -q 'reload: users read again' "$DM_LOG" || tb_fail "no reload within 10 s"
alice_in() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "alice:$PASS" --max-time 5 \
		"http://127.0.0.1:$DM_HTTP/metrics")" = 200 ]
}
tb_until 10 alice_in || tb_fail "alice is not let in after the reload"
timed 11

# --- checks pending at exit ----------------------------------------------------
tb_until 10 scrape || tb_fail "no scrape before the exit"
q0=$(dm_value sipcanary_http_auth_checks_total result=queued)
late=()
for i in 1 2 3 4 5 6 7 8; do
	tb_spawn "late$i" curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
		-u "bob:late-$i" "http://127.0.0.1:$DM_HTTP/metrics"
	late+=("$TB_LAST_PID")
done
more_queued() { scrape && [ "$(dm_value sipcanary_http_auth_checks_total result=queued)" -gt "$q0" ]; }
tb_until 10 more_queued || tb_fail "none of 8 late guesses was queued within 10 s"
dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM with checks queued"
ended() { local p; for p in "${late[@]}"; do ! _tb_alive "$p" || return 1; done; }
tb_until 10 ended || tb_fail "a client still waits 10 s after the daemon exited"
codes=$(for i in 1 2 3 4 5 6 7 8; do tail -n 1 "$TB/late$i.log"; done | sort | uniq -c | awk '{ printf "%s%s x%s", s, $2, $1; s = ", " }')
for i in 1 2 3 4 5 6 7 8; do
	case $(tail -n 1 "$TB/late$i.log") in
	401 | 429 | 503 | 000) ;;
	*) tb_fail "late guess $i: $(tail -n 1 "$TB/late$i.log") at exit" ;;
	esac
done
tb_ok "SIGTERM with checks queued: exit 0; the clients got $codes"
tb_pass "password checks off the event loop: /healthz worst $max ms under a flood, probes ok, unknown users hash alike ($(dm_elapsed "$T0") s)"
