#!/bin/bash
# run_all.sh — runs every tests/integration/check_*.sh (or the ones named
# on the command line), one after the other, prints one PASS/FAIL/SKIP line
# each (a failing test's output follows its line) and ends with
# "N passed, N failed, N skipped".  Exit 0 only if none failed.
# SIPCANARY=PATH selects the binary; TB_KEEP=1 keeps each test's temp dir.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then tests=("$@"); else tests=("$here"/check_*.sh); fi
pass=0 fail=0 skip=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	out=$(mktemp)
	start=$(date +%s.%N)
	timeout -k 5 120 bash "$t" >"$out" 2>&1
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
	case $rc in
	0)  pass=$((pass + 1)); printf 'PASS  %-24s %5ss\n' "$name" "$secs" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-24s %5ss  %s\n' "$name" "$secs" \
		"$(grep -m1 '^SKIP' "$out" | sed 's/^SKIP: [^:]*: //')" ;;
	*)  fail=$((fail + 1)); printf 'FAIL  %-24s %5ss  (exit %s)\n' "$name" "$secs" "$rc"
	    sed 's/^/    /' "$out" ;;
	esac
	rm -f "$out"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
