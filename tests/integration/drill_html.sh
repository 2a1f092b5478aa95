#!/bin/bash
# drill_html.sh — issue 5, the drill reports: `sipcanary report html`
# renders a shard report and `sipcanary report merge` merges two, and a
# real browser (headless Debian chromium) loads each page offline.  The
# DOM must have the on-call summary, one verdict row per step, the three
# SVG charts with content, and a <script> planted in the scenario
# description shown as text, never run.  Also: exact merged counts,
# exit 1 when the merged drill fails, exit 2 naming a mismatched file.
# A screenshot of the merged page is left in $TB/merged.png (TB_KEEP=1).
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require jq perl timeout
command -v chromium >/dev/null 2>&1 ||
	tb_skip "missing tool: chromium (apt-get install chromium)"
tb_require_sipcanary

FX="$TB_TOP/tests/fixtures"
A="$FX/drill-report-a.json"
B="$FX/drill-report-b.json"
if [ ! -r "$A" ] || [ ! -r "$B" ]; then tb_fail "fixtures missing in $FX"; fi

# chromium ARGS... — headless, offline, a throwaway profile in $TB;
# stdout in $TB_OUT.  Name lookups fail, so a page that tried to fetch
# something would show it (and the checks below would miss the content).
chromium_run() {
	local profile
	profile=$(mktemp -d "$TB/chromium.XXXXXX")
	TB_CMD_TIMEOUT=90 tb_run chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --host-resolver-rules='MAP * ~NOTFOUND' \
		--user-data-dir="$profile" "$@"
	[ "$TB_RC" = 0 ] || tb_fail "chromium $* exited $TB_RC"
}

# svg_part DOM ID — the serialized <svg id=ID>...</svg> of the DOM.
svg_part() {
	perl -0777 -ne 'print $1 if m{(<svg[^>]*\bid="\Q'"$2"'\E".*?</svg>)}s' "$1"
}

# count_in TEXT REGEX — how many times REGEX matches TEXT.
count_in() {
	printf '%s' "$1" | perl -0777 -ne 'my $n = () = m{'"$2"'}g; print $n'
}

# check_dom DOM JSON WHAT — the DOM checks shared by both pages.
check_dom() {
	local dom=$1 json=$2 what=$3 nsteps n part summary
	[ -s "$dom" ] || tb_fail "$what: empty DOM"
	grep -q '</html>' "$dom" || tb_fail "$what: DOM is not a whole page"

	summary=$(perl -0777 -ne 'print $1 if m{<p id="summary"[^>]*>(.*?)</p>}s' "$dom")
	[ -n "$summary" ] || tb_fail "$what: no <p id=\"summary\">"
	for want in "clients" "expectations failed" "The worst step was step 4" \
		"reconnect" "The most common failure was" "p99"; do
		case "$summary" in *"$want"*) ;;
		*) tb_fail "$what: summary lacks \"$want\": $summary" ;;
		esac
	done
	tb_ok "$what: on-call summary: $(printf '%s' "$summary" |
		sed 's/<[^>]*>//g' | cut -c1-110)..."

	nsteps=$(jq '.steps | length' "$json")
	n=$(grep -o '<tr class="step"' "$dom" | wc -l)
	[ "$n" = "$nsteps" ] || tb_fail "$what: $n step rows, want $nsteps"
	grep -q '<table id="verdicts"' "$dom" || tb_fail "$what: no verdicts table"
	# (column heads may wrap after each "_": <wbr> inside)
	for v in $(jq -r '[.steps[].verdicts | keys[]] | unique | .[]' "$json"); do
		sed 's/<wbr>//g' "$dom" | grep -q "<th class=\"verdict\"[^>]*>$v</th>" ||
			tb_fail "$what: no verdict column $v"
	done
	tb_ok "$what: $n step rows, a column per verdict code"

	# (a) one CDF line per step that has latencies
	part=$(svg_part "$dom" chart-latency)
	n=$(count_in "$part" '<polyline [^>]*points="[0-9]')
	want=$(jq '[.steps[] | select(.latency.count > 0)] | length' "$json")
	[ "$n" = "$want" ] || tb_fail "$what: chart-latency has $n lines, want $want"
	# (b) a bar per second with completed steps, and the active line
	part=$(svg_part "$dom" chart-timeline)
	n=$(count_in "$part" '<rect class="ok"')
	want=$(jq '[.timeline[] | select(.ok > 0)] | length' "$json")
	[ "$n" = "$want" ] || tb_fail "$what: chart-timeline has $n ok bars, want $want"
	[ "$(count_in "$part" '<rect class="failed"')" -ge 1 ] ||
		tb_fail "$what: chart-timeline shows no failures"
	[ "$(count_in "$part" '<polyline class="active"')" = 1 ] ||
		tb_fail "$what: chart-timeline has no active-clients line"
	# (c) a bar per reconnect bucket
	part=$(svg_part "$dom" chart-reconnect)
	n=$(count_in "$part" '<rect class="bucket"')
	want=$(jq '.reconnect.latency.histogram.buckets | length' "$json")
	if [ "$n" != "$want" ] || [ "$n" = 0 ]; then
		tb_fail "$what: chart-reconnect has $n bars, want $want"
	fi
	tb_ok "$what: three SVG charts with content"
}

# --- one shard, with hostile strings, re-rendered by `report html` -------
jq '.scenario.description = "<script>document.title=\"PWNED\"</script> drill & \"stuff\"" |
	.steps[1].label = "register <img src=x onerror=alert(1)>"' "$A" >"$TB/a.json"
tb_sc report html "$TB/a.json" --report-html "$TB/a.html"
tb_expect_rc 0 "report html"
[ -s "$TB/a.html" ] || tb_fail "report html wrote nothing"
if grep -o 'https\?://[^" ]*' "$TB/a.html" | grep -v '^http://www.w3.org/2000/svg$'; then
	tb_fail "the page refers to the network"
fi
tb_ok "self-contained: no URL but the SVG namespace"

chromium_run --dump-dom "file://$TB/a.html"
cp "$TB_OUT" "$TB/a.dom.html"
check_dom "$TB/a.dom.html" "$TB/a.json" "shard page"
# the planted script is text in the description, not an element, and
# did not run (it would have changed the title)
grep -q '<script' "$TB/a.dom.html" && tb_fail "a <script> element is in the DOM"
grep -q '<img' "$TB/a.dom.html" && tb_fail "an <img> element is in the DOM"
grep -q 'PWNED · \|<title>PWNED' "$TB/a.dom.html" && tb_fail "the planted script ran"
grep -q '<title>PASSED · reconnect-storm · sipcanary drill</title>' "$TB/a.dom.html" ||
	tb_fail "title is not 'PASSED · reconnect-storm · sipcanary drill'"
grep -q '<p id="description" class="description">&lt;script&gt;document.title="PWNED"&lt;/script&gt; drill &amp; "stuff"</p>' \
	"$TB/a.dom.html" || {
	grep -m1 'id="description"' "$TB/a.dom.html"
	tb_fail "the description is not shown escaped"
}
grep -q 'register &lt;img src=x onerror=alert(1)&gt;' "$TB/a.dom.html" ||
	tb_fail "the step label is not shown escaped"
tb_ok "<script> in the description and <img> in a label are text, not run"

# --- two shards merged ----------------------------------------------------
tb_sc report merge "$A" "$B" --report-json "$TB/merged.json" \
	--report-html "$TB/merged.html"
tb_expect_rc 0 "report merge"
grep -q 'merged 2 reports: 80 clients, 5 failed' "$TB_OUT" ||
	tb_fail "merge did not say what it merged: $(cat "$TB_OUT")"
tb_jq '.summary == {"clients": 80, "clients_ok": 75, "clients_failed": 5,
	"expectations": 547, "expectations_failed": 5,
	"failure_ratio": (5 / 547), "passed": true, "interrupted": false}' \
	"merged summary: exact counts" "$TB/merged.json"
tb_jq '[.steps[] | .attempts] == [80, 79, 79, 79, 79, 76, 75] and
	.steps[4].verdicts == {"ok": 76, "tls_handshake_failed": 3} and
	.steps[5].verdicts == {"ok": 75, "sip_timeout": 1} and
	.steps[0].verdicts.tcp_refused == 1' \
	"merged steps: exact counts and verdicts" "$TB/merged.json"
tb_jq '(.timeline | length) == 8 and
	([.timeline[] | .ok + .failed] | add) == ([.steps[].attempts] | add) and
	.timeline[1] == {"second": 1, "started": 40, "ok": 80, "failed": 0, "active": 59}' \
	"merged timeline: aligned on wall-clock time" "$TB/merged.json"
tb_jq '.environment.shards == 2 and .environment.started == "2026-11-28T12:00:00Z" and
	.environment.ended == "2026-11-28T12:00:08Z" and .reconnect.count == 75' \
	"merged environment and reconnects" "$TB/merged.json"

chromium_run --dump-dom "file://$TB/merged.html"
cp "$TB_OUT" "$TB/merged.dom.html"
check_dom "$TB/merged.dom.html" "$TB/merged.json" "merged page"
grep -q 'from 2 shards' "$TB/merged.dom.html" || tb_fail "merged summary does not say 2 shards"

chromium_run --screenshot="$TB/merged.png" --window-size=1100,2600 \
	--hide-scrollbars "file://$TB/merged.html"
[ "$(head -c 8 "$TB/merged.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	tb_fail "no PNG screenshot"
tb_ok "screenshot: $TB/merged.png ($(stat -c %s "$TB/merged.png") bytes)"

# --- the exit statuses of merge ------------------------------------------
jq '.settings.max_failure_ratio = 0.005' "$A" >"$TB/a-strict.json"
jq '.settings.max_failure_ratio = 0.005' "$B" >"$TB/b-strict.json"
tb_sc report merge "$TB/a-strict.json" "$TB/b-strict.json" --report-json "$TB/strict.json"
tb_expect_rc 1 "merged drill above --max-failure-ratio"
tb_jq '.summary.passed == false' "merged verdict recomputed" "$TB/strict.json"

jq '.scenario.name = "register-fresh"' "$B" >"$TB/other.json"
tb_sc report merge "$A" "$TB/other.json" --report-html "$TB/never.html"
tb_expect_rc 2 "shards of different scenarios"
grep -q "other.json: scenario is \"register-fresh\"" "$TB_ERR" ||
	tb_fail "the error does not name the file and the difference: $(cat "$TB_ERR")"
[ ! -e "$TB/never.html" ] || tb_fail "a report was written despite the error"
tb_ok "mismatch: $(head -n 1 "$TB_ERR")"

tb_sc report merge "$A" "$A" --report-json "$TB/never.json"
tb_expect_rc 2 "the same shard twice"
tb_sc report merge "$A"
tb_expect_rc 2 "merge without an output"
tb_sc report --help
tb_expect_rc 0 "report --help"
grep -q 'examples:' "$TB_OUT" || tb_fail "report --help has no examples"

tb_pass "report html and merge: DOM checked in headless chromium"
