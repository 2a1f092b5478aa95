#!/bin/bash
# faults.sh — issue 8: the fault-injection matrix.  Runs tests/faults/run
# (every fault against its misbehaving server on loopback), dealt into
# FAULTS_SHARDS (default 2) shards that run side by side: most faults
# wait on a timeout or a server, not on the CPU, so two at once halve the
# wall time.  Each shard prints its part of the matrix (fault, expected
# code, got code, seconds) and fails on any mismatch, hang, crash or
# sanitizer report.  Exit status: 0 pass, 1 fail, 77 skip when a tool is
# missing.  SIPCANARY=PATH selects the binary (tests/run sets it);
# FAULTS_K=PATTERN runs only the faults whose name contains PATTERN.
set -u
here=$(cd "$(dirname "$0")" && pwd)
run=$here/../faults/run
k=()
[ -z "${FAULTS_K:-}" ] || k=(-k "$FAULTS_K")
n=${FAULTS_SHARDS:-2}
[ "$n" -gt 1 ] 2>/dev/null || exec bash "$run" "${k[@]}"

out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
pids=()
for i in $(seq 1 "$n"); do
	bash "$run" "${k[@]}" -s "$i/$n" >"$out/$i" 2>&1 &
	pids+=($!)
done
rc=0
for i in $(seq 1 "$n"); do
	wait "${pids[$((i - 1))]}"
	r=$?
	cat "$out/$i"
	echo
	# A skip is a skip only when no shard failed.
	if [ "$r" = 77 ]; then
		[ "$rc" != 0 ] || rc=77
	elif [ "$r" != 0 ]; then
		rc=1
	fi
done
exit "$rc"
