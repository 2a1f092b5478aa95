#!/bin/bash
# run_status_page.sh — issue 6, the status page of `sipcanary run` in a
# real browser: the daemon against a real Kamailio; once the flow is up
# and a few fresh probes were ok, GET / is rendered by headless Debian
# chromium (--dump-dom: the DOM after parsing, no network, no sandbox as
# root) and the DOM shows:
#   - the target "kam" (its section, name, URI, owner) in state ok, the
#     detector not firing, and no script anywhere;
#   - its frontend row 127.0.0.1:PORT with verdict ok, flows "1/1 up", a
#     last success, the days left on the certificate;
#   - the SVG strip of the last 60 probes: 60 cells (data-history has 60
#     digits; the runs it draws, each run*7-1 wide, fill 60*7-1 = 419
#     units), with at least one result (not all "no result"), every
#     result ok, the newest in the last cell.
# And over plain HTTP (curl): GET /healthz 200, GET /nope 404, POST / 405
# with Allow, GET / is text/html.
# shellcheck disable=SC2317,SC2119  # functions called through tb_until; dm_scrape with no FILE
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/daemon.sh
. "$(dirname "$0")/../lib/daemon.sh"
tb_init
tb_require chromium
dm_setup
T0=$(date +%s.%N)

dm_start_kam "interval = 1s" "timeout = 900ms" "keepalive = 2s" \
	"reconnect_every = 0" "flows = 1"

ready() {
	dm_scrape && [ "$(dm_value sipcanary_flow_up "${DM_L[@]}" flow=0)" = 1 ] &&
		[ "$(dm_value sipcanary_probes_total "${DM_L[@]}" verdict=ok)" -ge 3 ] &&
		[ "$(dm_value sipcanary_probe_success "${DM_L[@]}")" = 1 ]
}
tb_until 15 ready || tb_fail "flow_up 1 and 3 ok probes not within 15 s"
nprobes=$(dm_value sipcanary_probes_total "${DM_L[@]}")
tb_ok "flow up, $nprobes fresh probes ok"

# --- plain HTTP ----------------------------------------------------------------
code=$(dm_http GET /healthz)
[ "$code" = 200 ] || tb_fail "GET /healthz: $code, want 200"
code=$(dm_http GET /nope)
[ "$code" = 404 ] || tb_fail "GET /nope: $code, want 404"
curl -sS -D "$TB/post.h" -o /dev/null --max-time 5 -X POST --data 'x=1' \
	"http://127.0.0.1:$DM_HTTP/" || tb_fail "POST / failed"
head -n 1 "$TB/post.h" | grep -q ' 405' || tb_fail "POST /: $(head -n 1 "$TB/post.h"), want 405"
grep -qi '^Allow: .*GET' "$TB/post.h" || tb_fail "POST /: 405 without an Allow header naming GET"
curl -sS -D "$TB/get.h" -o "$TB/page.html" --max-time 5 "http://127.0.0.1:$DM_HTTP/" ||
	tb_fail "GET / failed"
head -n 1 "$TB/get.h" | grep -q ' 200' || tb_fail "GET /: $(head -n 1 "$TB/get.h")"
grep -qi '^Content-Type: text/html' "$TB/get.h" || tb_fail "GET / is not text/html"
tb_ok "GET /healthz 200, GET /nope 404, POST / 405 (Allow), GET / 200 text/html"

# --- chromium --------------------------------------------------------------------
PROFILE=$(mktemp -d "$TB/chromium.XXXXXX")
TB_CMD_TIMEOUT=60 tb_run chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update --disable-sync \
	--no-first-run --user-data-dir="$PROFILE" \
	--dump-dom "http://127.0.0.1:$DM_HTTP/"
# chromium leaves no helper behind (they run with the profile dir in argv)
for p in $(pgrep -f -- "--user-data-dir=$PROFILE" || true); do
	kill -KILL "$p" 2>/dev/null || true
done
[ "$TB_RC" = 0 ] || { tail -n 20 "$TB_ERR"; tb_fail "chromium --dump-dom exited $TB_RC"; }
DOM=$TB/dom.html
cp "$TB_OUT" "$DOM"
[ -s "$DOM" ] || tb_fail "chromium dumped an empty DOM"
grep -q '</html>' "$DOM" || tb_fail "chromium's DOM is incomplete"
tb_ok "chromium rendered GET / ($(wc -c <"$DOM") bytes of DOM)"

expect_dom() {	# expect_dom FIXED-STRING WHAT [FILE]
	grep -qF -- "$1" "${3:-$DOM}" || tb_fail "DOM: $2 (no '$1')"
}
if grep -qi '<script' "$DOM"; then tb_fail "DOM: the page has a script"; fi
expect_dom 'id="target-kam"' "no section for the target"
expect_dom 'data-target="kam"' "the target is not named"
expect_dom 'data-state="ok"' "the target is not in state ok"
expect_dom '<span class="uri">sips:example.test</span>' "the target's URI is not shown"
expect_dom '<span class="owner">voice-sre</span>' "the owner is not shown"
expect_dom 'new_connection_outage: not firing' "the detector's state is not shown"
if grep -q 'id="outage-kam"' "$DOM"; then tb_fail "DOM: an outage block while all is well"; fi
tb_ok "DOM: target kam, state ok, URI, owner, detector not firing, no script"

# the frontend row, from its <tr> to its </tr>
awk -v fe="data-frontend=\"$DM_FE\"" 'index($0, fe) { on = 1 } on { print } on && /<\/tr>/ { exit }' \
	"$DOM" >"$TB/row.html"
[ -s "$TB/row.html" ] || tb_fail "DOM: no row for frontend $DM_FE"
expect_dom 'data-verdict="ok"' "the frontend's verdict is not ok" "$TB/row.html"
expect_dom "<td class=\"addr\">$DM_FE</td>" "the frontend's address is not shown" "$TB/row.html"
expect_dom '<span class="verdict v-ok">ok</span>' "the verdict ok is not shown" "$TB/row.html"
grep -qE '<td class="flows f-up">1/1 up</td>' "$TB/row.html" ||
	tb_fail "DOM: the flows cell is not '1/1 up': $(grep -o '<td class="flows[^<]*</td>' "$TB/row.html")"
grep -qE '<td class="last"><time datetime="[0-9T:Z-]+"' "$TB/row.html" ||
	tb_fail "DOM: no last success time"
grep -qE '<td class="days">(36[0-5]|3[0-5][0-9]) days</td>' "$TB/row.html" ||
	tb_fail "DOM: the certificate's days left (about 365) are not shown: $(grep -o '<td class="days[^<]*</td>' "$TB/row.html")"
tb_ok "DOM: frontend $DM_FE: verdict ok, flows 1/1 up, last success, $(grep -o '[0-9]* days' "$TB/row.html")"

# the strip
tr '\n' ' ' <"$TB/row.html" | grep -o '<svg class="strip"[^>]*>.*</svg>' | sed 's#</svg>.*#</svg>#' >"$TB/strip.svg"
[ -s "$TB/strip.svg" ] || tb_fail "DOM: the frontend has no SVG strip"
hist=$(grep -o 'data-history="[0-9]*"' "$TB/strip.svg" | head -n 1 | sed 's/.*="\([0-9]*\)"/\1/')
[ "${#hist}" = 60 ] || tb_fail "DOM: the strip's data-history has ${#hist} cells, want 60: $hist"
expect_dom 'viewBox="0 0 419 16"' "the strip is not 60 cells of 6+1 units" "$TB/strip.svg"
expect_dom '<title>last 60 probes' "the strip has no accessible title" "$TB/strip.svg"
results=$(printf '%s' "$hist" | tr -d '0' | wc -c)
[ "$results" -ge 1 ] || tb_fail "DOM: the strip shows no result at all: $hist"
case $hist in *[23]*) tb_fail "DOM: the strip shows a failed or warning probe: $hist" ;; esac
case $hist in *1) ;; *) tb_fail "DOM: the newest probe is not in the last cell: $hist" ;; esac
# the drawn runs cover the 60 cells exactly: sum(width + 1) == 60 * 7
cover=$(grep -o '<rect [^>]*>' "$TB/strip.svg" | grep -o 'width="[0-9]*"' |
	awk -F'"' '{ s += $2 + 1; n++ } END { print s + 0 }')
[ "$cover" = 420 ] || tb_fail "DOM: the strip's cells cover $cover units, want 420 (60 x 7)"
nrect=$(grep -o '<rect class="c1"' "$TB/strip.svg" | wc -l)
[ "$nrect" -ge 1 ] || tb_fail "DOM: no ok cell drawn (class c1)"
tb_ok "DOM: SVG strip of 60 cells, $results with a result (all ok, newest last): $hist"

dm_stop
[ "$DM_RC" = 0 ] || tb_fail "the daemon exited $DM_RC after SIGTERM"
tb_pass "status page in chromium: target, frontend ok, flows 1/1, 60-cell strip; /healthz 200, 404, 405 ($(dm_elapsed "$T0") s)"
