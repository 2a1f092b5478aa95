# shellcheck shell=bash
# tests/bench/lib-daemon-bench.sh — shared helpers of the `sipcanary run`
# benchmarks (tests/bench/daemon-scale, tests/bench/soak).
#
# Source it after tests/lib/{common,pki,dns,daemon}.sh and tb_init:
#     . "$(dirname "$0")/lib-daemon-bench.sh"
#
# Provides:
#   db_kamailio_start DIR CERT KEY MAXCONN ADDR:PORT...
#                         the test bed's registrar (tb_kamailio,
#                         tests/lib/kamailio.sh) listening on every
#                         ADDR:PORT given, sized for MAXCONN concurrent TLS
#                         connections (TB_KAM_MAXCONN), and accepting the
#                         users alice and probe<digits> (TB_KAM_USERS=
#                         probes: the From user must be the digest user),
#                         so that each target of a benchmark has an
#                         address of record of its own.  Sets TB_KAM_PID.
#   db_sipcanary          copy the binary under test into $TB and print
#                         the copy's path (a rebuild in the source tree
#                         during a long run cannot touch the process)
#   db_cpu_pct TICKS SECS TICKS per SECS of wall time as % of one core
#   db_mb KB              kB as MB with one decimal
#   db_series FILE NAME LABEL...
#                         from a /metrics scrape FILE: one line per series
#                         NAME, the values of the given labels then the
#                         sample value, tab-separated (a missing label is
#                         printed as "-")
#   db_sum FILE NAME [LABEL=VALUE...]
#                         the sum of the matching series (0 if none)
#   db_scrape FILE        GET /metrics of the daemon ($DM_HTTP) into FILE;
#                         false if it fails (longer bound than dm_scrape)
#   db_header             tool versions and host ($SC: the binary)
#   db_loadavg            the 1-minute load average
# (ticks, RSS, peak RSS and descriptors of a process: tb_ticks,
# tb_tree_ticks, tb_uticks, tb_rss, tb_rss_anon, tb_hwm, tb_fds in
# tests/lib/proc.sh.)
#
# The registrar beyond tb_kamailio's defaults: debug=1 and no per-request
# log lines (at 100 probes per second its own logging would be a large
# part of its work), usrloc hash_size 12, and a ctl binrpc body of 16 MB
# so that ul.dump lists every binding.

# db_kamailio_start DIR CERT KEY MAXCONN ADDR:PORT... — see above.
db_kamailio_start() {
	local dir=$1 cert=$2 key=$3 maxconn=$4
	shift 4
	TB_KAM_MAXCONN=$maxconn TB_KAM_USERS=probes TB_KAM_XLOG=none \
		TB_KAM_DEBUG=1 TB_KAM_RPC_BODY=16384 \
		TB_KAM_EXTRA='modparam("usrloc", "hash_size", 12)' \
		tb_kamailio "$dir" "$cert" "$key" "$@"
}

# db_sipcanary — see above.
db_sipcanary() {
	local src
	src=$(tb_sipcanary)
	cp "$src" "$TB/sipcanary" && chmod 755 "$TB/sipcanary" &&
		echo "$TB/sipcanary"
}

# db_cpu_pct TICKS SECS — see above.
db_cpu_pct() {
	awk -v t="$1" -v s="$2" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { if (s <= 0) print "n/a"; else printf "%.2f\n", 100 * t / hz / s }'
}

db_mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# db_loadavg — see above.
db_loadavg() { cut -d' ' -f1 /proc/loadavg; }

# db_series FILE NAME LABEL... — see above.
db_series() {
	local f=$1 name=$2
	shift 2
	awk -v name="$name" -v want="$*" "$_DM_PARSE"'
	BEGIN { nw = split(want, w, " ") }
	/^#/ || NF == 0 { next }
	{
		parse($0)
		if (mname != name) next
		out = ""
		for (i = 1; i <= nw; i++)
			out = out ((w[i] in lab) ? lab[w[i]] : "-") "\t"
		print out mval
	}' <(_dm_samples "$f" "$name")
}

# db_sum FILE NAME [LABEL=VALUE...] — see above (_dm_match on FILE).
db_sum() {
	local f=$1 r
	shift
	r=$(DM_METRICS=$f _dm_match "$@")
	awk -v v="${r#* }" 'BEGIN { printf "%.15g\n", v + 0 }'
}

# db_scrape FILE — see above.
db_scrape() {
	curl -sSf --max-time 20 -o "$1.tmp" "http://127.0.0.1:$DM_HTTP/metrics" \
		2>/dev/null || return 1
	mv "$1.tmp" "$1"
}

# db_header — see above.
db_header() {
	echo "  kamailio : $(kamailio -v 2>/dev/null | head -n 1)"
	echo "  openssl  : $(openssl version)"
	echo "  sipcanary: $("$SC" --version 2>/dev/null | head -n 1 || true) ($(tb_sipcanary), run from a copy)"
	echo "  host     : $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
		"RLIMIT_NOFILE $(ulimit -n)"
}
