#!/bin/bash
# report_special_files.sh - `sipcanary report merge` writes a report file
# beside its place and renames it in, but writes to a path that is not a
# regular file (a FIFO here; /dev/null or /dev/stdout alike) as it is:
# as root, renaming over /dev/null would replace the device with a file.
# shellcheck disable=SC2317
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
tb_init
tb_require_sipcanary
FX=$TB_TOP/tests/fixtures

mkfifo "$TB/html.fifo"
cat "$TB/html.fifo" >"$TB/html.out" &
reader=$!
tb_sc report merge "$FX/drill-report-a.json" "$FX/drill-report-b.json" \
	--report-html "$TB/html.fifo"
if [ ! -p "$TB/html.fifo" ]; then
	kill "$reader" 2>/dev/null || true	# it waits for a writer forever
	tb_fail "the FIFO was replaced by a file"
fi
[ "$TB_RC" = 0 ] || tb_fail "merge into a FIFO: exit $TB_RC: $(cat "$TB_ERR")"
wait "$reader" || tb_fail "the FIFO's reader failed"
grep -q '<!DOCTYPE html>' "$TB/html.out" || tb_fail "no HTML came through the FIFO"
tb_ok "a FIFO is written through, and stays a FIFO"

tb_sc report merge "$FX/drill-report-a.json" "$FX/drill-report-b.json" \
	--report-json "$TB/m.json"
[ "$TB_RC" = 0 ] && [ -f "$TB/m.json" ] || tb_fail "merge into a new file: exit $TB_RC"
ls "$TB"/m.json.* >/dev/null 2>&1 && tb_fail "a temporary file was left behind"
tb_ok "a regular file is written and renamed into place"
tb_pass "report merge: special files written through, regular files replaced whole"
