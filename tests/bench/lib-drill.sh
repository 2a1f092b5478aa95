# shellcheck shell=bash
# tests/bench/lib-drill.sh — shared helpers of the drill-* benchmarks.
#
# Source it after tests/lib/common.sh and tb_init:
#     . "$(dirname "$0")/../lib/common.sh"
#     . "$(dirname "$0")/lib-drill.sh"
#
# Provides:
#   bd_kamailio_start DIR PORT CERT KEY MAXCONN
#                         the test bed's registrar (tb_kamailio_start,
#                         tests/lib/kamailio.sh) sized for MAXCONN
#                         concurrent TLS connections (TB_KAM_MAXCONN) and
#                         accepting many users (alice and probe<digits>,
#                         TB_KAM_USERS=probes), one binding per user; it
#                         logs SCREG, SCFORBIDDEN and SCSAVED only.  Sets
#                         TB_KAM_PID.
#   bd_kam_registered DIR current registered users (usrloc statistic)
#   bd_kam_stat DIR NAME  one Kamailio statistic by name (kex); "" if none
#   bd_kam_count DIR WORD log lines carrying WORD (SCREG, SCSAVED)
#   bd_established PORT   ESTABLISHED TCP connections to 127.0.0.1:PORT
#   bd_raise_nofile       raise the soft RLIMIT_NOFILE to the hard limit
#   bd_scn FILE TEXT      write a scenario file
#   bd_header             print the tool versions and host limits ($SC set)
#   bd_div A B [FMT]      A / B with awk (n/a if B is 0)
# (CPU and memory of processes: tb_cpu, tb_tree, tb_rss ... in
# tests/lib/proc.sh.)
#
# Why tb_kamailio_start alone is not enough for 10,000 flows:
#   - tcp_max_connections and tls_max_connections default to 2048: new
#     connections beyond that are refused;
#   - every TLS connection costs Kamailio shared memory (about 60-70 kB
#     per idle TLS 1.3 connection measured here);
#   - Kamailio's tcp_main holds one descriptor per connection;
#   - one TCP worker (TB_KAM_TCP_CHILDREN; kamailio/kamailio#3791) does all
#     handshakes, so the server side, not the client, bounds the connect
#     rate;
#   - usrloc hash_size 14 (16k buckets);
#   - the ordinary test registrar only lets alice register; with one user,
#     N clients would make one address of record with N contacts, and each
#     200 OK would list all of them (hundreds of kB).  Here any user named
#     alice or probe<digits> registers with the password "secret"
#     (pv_auth_check with the user-check flag: the digest user must be the
#     From user), so a drill uses users = "probe%05d".

# bd_kamailio_start DIR PORT CERT KEY MAXCONN — see above.
bd_kamailio_start() {
	TB_KAM_MAXCONN=$5 TB_KAM_USERS=probes TB_KAM_XLOG=counts \
		TB_KAM_EXTRA='modparam("usrloc", "hash_size", 14)' \
		tb_kamailio_start "$1" "$2" "$3" "$4"
}

# bd_kam_stat DIR NAME — one statistic by its bare name (not "group:name").
bd_kam_stat() {
	kamcmd -s "unix:$1/kamailio.ctl" stats.get_statistics "$2" 2>/dev/null |
		sed -n 's/.*= *\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# bd_kam_registered DIR — users with a binding now (usrloc).
bd_kam_registered() {
	local n
	n=$(bd_kam_stat "$1" registered_users)
	echo "${n:-0}"
}

# bd_kam_count DIR WORD — how many log lines carry WORD (SCREG, SCSAVED).
bd_kam_count() { tb_kam_count "$1" "$2 "; }

# bd_established PORT — ESTABLISHED connections to PORT (client side).
bd_established() {
	ss -Htn state established "( dport = :$1 )" 2>/dev/null | wc -l
}

# bd_raise_nofile — soft RLIMIT_NOFILE to the hard limit; prints it.
bd_raise_nofile() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	ulimit -n
}

# bd_scn FILE TEXT — write a scenario file.
bd_scn() { printf '%s\n' "$2" >"$1"; }

# bd_div A B [FMT] — A / B, or n/a.
bd_div() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" \
		'BEGIN { if (b + 0 == 0) print "n/a"; else printf f "\n", a / b }'
}

# bd_header — versions and host ($SC: the sipcanary binary).
bd_header() {
	echo "  kamailio : $(kamailio -v 2>/dev/null | head -n 1)"
	echo "  openssl  : $(openssl version)"
	echo "  sipcanary: $SC ($("$SC" --version 2>/dev/null | head -n 1 || true))"
	echo "  host     : $(nproc) CPUs, $(uname -sr)," \
		"RLIMIT_NOFILE $(ulimit -n) (hard $(ulimit -Hn))," \
		"ephemeral ports $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range)"
}
