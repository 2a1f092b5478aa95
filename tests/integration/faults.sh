#!/bin/bash
# faults.sh — issue 8: the fault-injection matrix.  Runs tests/faults/run
# (every fault against its misbehaving server on loopback, about 90 s),
# which prints the matrix (fault, expected code, got code, seconds) and
# fails on any mismatch, hang, crash or sanitizer report.  Exit status:
# the runner's (0 pass, 1 fail, 77 skip when a tool is missing).
# SIPCANARY=PATH selects the binary (tests/run sets it); FAULTS_K=PATTERN
# runs only the faults whose name contains PATTERN.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${FAULTS_K:-}" ]; then
	exec bash "$here/../faults/run" -k "$FAULTS_K"
fi
exec bash "$here/../faults/run"
