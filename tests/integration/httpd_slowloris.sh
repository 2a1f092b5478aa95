#!/bin/bash
# httpd_slowloris.sh — issue 15, finding 2: the daemon's HTTP endpoint
# under attack, against a real Kamailio (fresh probes every second, one
# persistent flow), with the default limits (64 connections, 16 from one
# address, 10 s for a request head).
#   A. 500 slow connections from 127.0.0.1, each dribbling one byte of an
#      endless request head every 2 s (libevent's idle timeout never
#      fires).  Scraped from 127.0.0.2 meanwhile:
#        - /metrics answers, each scrape within 1 s;
#        - at most 16 are held (sipcanary_http_connections, and the
#          daemon's descriptors), the rest are closed at once and counted
#          in sipcanary_http_connections_refused_total{reason="source_cap"};
#        - the 16 are closed by the head deadline, at 10 s (+-2), and
#          counted in sipcanary_http_request_timeouts_total; no
#          connection lives longer;
#        - probes keep their verdict (probe_success 1, flow_up 1, no
#          internal_error), and the log holds no line about accept().
#   B. Descriptors run out anyway: the daemon's soft RLIMIT_NOFILE is
#      lowered (prlimit) to leave it 2 free descriptors, and 200 slow
#      connections keep coming from 127.0.0.1.  accept() fails with
#      EMFILE: the endpoint pauses accepting, logs one line (one a minute
#      at most), while fresh probes still succeed; the limit restored,
#      the endpoint answers again and counted the failures in
#      refused_total{reason="emfile"} (a few, not a busy loop's millions).
# Before the fix, every slow connection stayed open (500 held for the
# whole test), no counter existed, and descriptor exhaustion made the
# daemon spin on accept(), logging "Error from accept() call" each time.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
tb_init
tb_require python3 prlimit
dm_setup
T0=$(date +%s.%N)

# slow.py SRC PORT N EVERY SECS STATUS [reconnect] — N connections from
# SRC to 127.0.0.1:PORT, one byte of a request head each EVERY seconds,
# for SECS seconds at most; STATUS is rewritten every 0.2 s with
# "opened N closed N open N maxlife S long N" (closed: by the server;
# long: lived over 5 s).  With "reconnect", a closed one is replaced.
cat >"$TB/slow.py" <<'EOF'
import os, selectors, socket, sys, time
src, port, n, every, secs, status = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
again = len(sys.argv) > 7
head = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "
sel = selectors.DefaultSelector()
conns = {}
st = {"opened": 0, "closed": 0, "maxlife": 0.0, "long": 0}
end = time.time() + secs

def connect():
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        return
    s.setblocking(False)
    conns[s] = [time.time(), 0]
    sel.register(s, selectors.EVENT_READ)
    st["opened"] += 1

def closed(s):
    life = time.time() - conns.pop(s)[0]
    sel.unregister(s)
    s.close()
    st["closed"] += 1
    st["maxlife"] = max(st["maxlife"], life)
    st["long"] += life > 5

def write_status():
    with open(status + ".tmp", "w") as f:
        f.write("opened %d closed %d open %d maxlife %.1f long %d\n" % (
            st["opened"], st["closed"], len(conns), st["maxlife"],
            st["long"]))
    os.rename(status + ".tmp", status)

def pump(wait):
    for key, _ in sel.select(wait):
        try:
            if key.fileobj.recv(4096) == b"":
                closed(key.fileobj)
        except OSError:
            closed(key.fileobj)

for _ in range(n):
    if time.time() < end:
        connect()
        pump(0)
nextdrip = time.time()
while time.time() < end:
    pump(0.2)
    if time.time() >= nextdrip:
        nextdrip += every
        for s, c in list(conns.items()):
            b = head[c[1]:c[1] + 1] or b"a"
            try:
                s.send(b)
                c[1] += 1
            except OSError:
                closed(s)
    while again and len(conns) < n and time.time() < end:
        connect()
        pump(0)
    write_status()
EOF

# Every scrape from 127.0.0.2: 127.0.0.1 is the attacker's address.
scrape2() {
	local t
	t=$(curl -sSf --interface 127.0.0.2 --max-time 5 -o "$DM_METRICS.tmp" \
		-w '%{time_total}' "http://127.0.0.1:$DM_HTTP/metrics" 2>"$TB/curl.err") ||
		return 1
	mv "$DM_METRICS.tmp" "$DM_METRICS"
	SCRAPE_SECS=$t
}
get2() { scrape2 && dm_value "$@"; }
slow() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$TB/slow.status" 2>/dev/null; }
no_internal_error() {
	[ "$(dm_series sipcanary_probes_total verdict=internal_error)" = 0 ] &&
		[ "$(dm_log_count 'internal_error|fresh probe: failed')" = 0 ]
}

dm_start_kam "interval = 1s" "timeout = 900ms" "keepalive = 2s" \
	"reconnect_every = 0" "flows = 1"
dm_wait_steady
grep -q 'http: at most 64 connections, 16 from one address, each request head within 10 s' "$DM_LOG" ||
	tb_fail "the endpoint's limits are not logged at start"
FDS0=$(tb_fds "$DM_PID")
LINES0=$(wc -l <"$DM_LOG")
tb_ok "endpoint limits logged; the daemon holds $FDS0 descriptors"

# --- A: 500 slow connections from one address ------------------------------
OK0=$(get2 sipcanary_probes_total "${DM_L[@]}" verdict=ok) || tb_fail "no scrape from 127.0.0.2"
tb_spawn slow python3 "$TB/slow.py" 127.0.0.1 "$DM_HTTP" 500 2 30 "$TB/slow.status"
SLOW=$TB_LAST_PID
opened() { [ "$(slow opened)" = 500 ]; }
tb_until 15 opened || tb_fail "the attacker opened $(slow opened) connections, not 500"
refused() { [ "$(get2 sipcanary_http_connections_refused_total reason=source_cap)" -ge 484 ]; }
tb_until 10 refused ||
	tb_fail "source_cap refusals: $(dm_value sipcanary_http_connections_refused_total reason=source_cap || echo none), expected 484"
worst=0
for _ in 1 2 3 4 5; do
	scrape2 || tb_fail "a scrape from 127.0.0.2 failed while 127.0.0.1 held its connections: $(cat "$TB/curl.err")"
	worst=$(awk -v a="$worst" -v b="$SCRAPE_SECS" 'BEGIN { print (b > a ? b : a) }')
done
awk -v w="$worst" 'BEGIN { exit !(w < 1) }' || tb_fail "a scrape took $worst s (limit 1 s)"
held=$(dm_value sipcanary_http_connections)
fds=$(tb_fds "$DM_PID")
[ "$held" -le 17 ] || tb_fail "the endpoint holds $held connections (16 from 127.0.0.1 and the scrape at most)"
[ "$fds" -le $((FDS0 + 20)) ] || tb_fail "the daemon holds $fds descriptors, $FDS0 before the attack"
[ "$(slow open)" -le 16 ] || tb_fail "the attacker still has $(slow open) connections open"
tb_ok "500 slow connections: $(slow open) held, $(dm_value sipcanary_http_connections_refused_total reason=source_cap) refused (source_cap); the daemon holds $fds descriptors ($FDS0 before); 5 scrapes from 127.0.0.2, the slowest $worst s"

all_closed() { [ "$(slow open)" = 0 ] && [ "$(slow closed)" = 500 ]; }
tb_until 16 all_closed || tb_fail "$(slow open) slow connections still open $(dm_elapsed "$T0") s in"
timeouts=$(get2 sipcanary_http_request_timeouts_total)
[ "$timeouts" -ge 16 ] || tb_fail "sipcanary_http_request_timeouts_total is $timeouts, expected 16"
maxlife=$(slow maxlife)
awk -v m="$maxlife" 'BEGIN { exit !(m >= 8 && m <= 12.5) }' ||
	tb_fail "the longest slow connection lived $maxlife s, not the 10 s head deadline"
[ "$(slow long)" -le 16 ] || tb_fail "$(slow long) connections lived over 5 s (16 admitted at most)"
tb_ok "the head deadline closed the $(slow long) held connections (longest $maxlife s); request timeouts $timeouts"
tb_stop "$SLOW"

[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] || tb_fail "probe_success is not 1 after the attack"
[ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] || tb_fail "the flow is not up after the attack"
no_internal_error || tb_fail "a probe failed during the attack: $(grep -E 'internal_error|probe: failed' "$DM_LOG" | head -3)"
OK1=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)
lines=$(($(wc -l <"$DM_LOG") - LINES0))
[ "$(dm_log_count 'accept')" = 0 ] || tb_fail "the log speaks of accept(): $(grep accept "$DM_LOG" | head -2)"
[ "$lines" -le $((OK1 - OK0 + 10)) ] || tb_fail "$lines log lines during the attack for $((OK1 - OK0)) probes"
tb_ok "probes went on: $((OK1 - OK0)) ok, none failed, probe_success 1, flow_up 1; $lines log lines, none about accept()"

# --- B: descriptors run out anyway -----------------------------------------
# The soft limit that leaves exactly 2 descriptor numbers free.
nofile_for_two_free() {
	find "/proc/$DM_PID/fd" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n |
		awk 'BEGIN { n = 0; free = 0 } { used[$1] = 1 }
		END { for (n = 0; free < 3; n++) if (!(n in used)) free++; print n - 1 }'
}
SOFT0=$(prlimit --pid "$DM_PID" --nofile --noheadings --output SOFT | tr -d " ")
HARD0=$(prlimit --pid "$DM_PID" --nofile --noheadings --output HARD | tr -d " ")
EMF0=$(get2 sipcanary_http_connections_refused_total reason=emfile)
OK2=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)
LIM=$(nofile_for_two_free)
prlimit --pid "$DM_PID" --nofile="$LIM:$HARD0" || tb_fail "prlimit failed"
TB1=$(date +%s.%N)
tb_spawn slow2 python3 "$TB/slow.py" 127.0.0.1 "$DM_HTTP" 200 2 30 "$TB/slow.status" reconnect
SLOW=$TB_LAST_PID
EMLINE='http: accept: Too many open files: new connections paused'
emfile_logged() { [ "$(dm_log_count "$EMLINE")" -ge 1 ]; }
tb_until 10 emfile_logged || tb_fail "no log line about accept() failing with EMFILE (limit $LIM)"
probes_ok=$(dm_log_count 'fresh probe: ok')
more_probes() { [ "$(dm_log_count 'fresh probe: ok')" -ge $((probes_ok + 6)) ]; }
tb_until 12 more_probes || tb_fail "fresh probes stopped while descriptors ran out"
no_internal_error || tb_fail "a probe failed while descriptors ran out: $(grep -E 'internal_error|probe: failed' "$DM_LOG" | head -3)"
[ "$(dm_log_count "$EMLINE")" = 1 ] || tb_fail "$(dm_log_count "$EMLINE") EMFILE lines in $(dm_elapsed "$TB1") s, expected 1 (one a minute)"
[ "$(dm_log_count 'Error from accept')" = 0 ] || tb_fail "libevent logged accept() errors itself"
tb_ok "descriptors out (soft limit $LIM, 2 free): one EMFILE line in $(dm_elapsed "$TB1") s, 6 more probes ok, none failed"
tb_stop "$SLOW"
prlimit --pid "$DM_PID" --nofile="$SOFT0:$HARD0" || tb_fail "prlimit failed"
answers() { scrape2; }
tb_until 10 answers || tb_fail "no scrape from 127.0.0.2 after the limit was restored"
emf=$(($(dm_value sipcanary_http_connections_refused_total reason=emfile) - EMF0))
if [ "$emf" -lt 3 ] || [ "$emf" -gt 500 ]; then
	tb_fail "$emf emfile refusals (expected a few pauses: 3 to 500)"
fi
OK3=$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)
[ $((OK3 - OK2)) -ge 6 ] || tb_fail "only $((OK3 - OK2)) probes ok across the exhaustion"
[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ] || tb_fail "probe_success is not 1 after the exhaustion"
no_internal_error || tb_fail "a probe failed: $(grep -E 'internal_error|probe: failed' "$DM_LOG" | head -3)"
tb_ok "limit restored: /metrics answers; $emf emfile refusals counted, $((OK3 - OK2)) probes ok, none failed"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC"
tb_pass "slow connections capped and cut at the head deadline, scrapes answered, probes unharmed, EMFILE paused and logged once ($(dm_elapsed "$T0") s)"
