#!/bin/bash
# certs_output.sh — issue 3, the `sipcanary certs` inventory formats, against
# a real Kamailio serving a good leaf + intermediate (root in --ca-file):
#  - default table: exit 0, names the certificate, no line over 80 columns;
#  - --json: every field of the contract (tls, chain, verified_chain,
#    identity, expiry, future, ocsp, owner), values checked against openssl,
#    and no "sip" key anywhere; Kamailio sees no SIP at all (TLS only);
#  - --csv: the header, one row per certificate, 16 fields, values;
#  - CSV and table for an expired chain (s_server): rows still there,
#    days_left < 0, exit 1;
#  - a handshake failure (--tls-min 1.3 against a TLS 1.2-only server that
#    also serves an expired cert) gives a tls_* verdict, not cert_expired;
#  - usage errors exit 2.
set -eu
# shellcheck source=SCRIPTDIR/../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=SCRIPTDIR/../lib/pki.sh
. "$(dirname "$0")/../lib/pki.sh"
pki_test_init kamailio kamcmd perl
pki_make leaf_good leaf_expired
pki_kamailio good

# csv_split FILE — print each CSV record as fields joined by US (0x1f);
# RFC 4180 quoting ("" inside quotes), CRLF or LF line ends.
csv_split() {
	perl -e '
		local $/; my $s = <>; my @rec; my $f = ""; my @row; my $q = 0; my $i = 0;
		my $n = length $s;
		while ($i < $n) {
			my $c = substr($s, $i, 1);
			if ($q) {
				if ($c eq "\"") {
					if (substr($s, $i + 1, 1) eq "\"") { $f .= "\""; $i++ } else { $q = 0 }
				} else { $f .= $c }
			} elsif ($c eq "\"") { $q = 1 }
			elsif ($c eq ",") { push @row, $f; $f = "" }
			elsif ($c eq "\r") { }
			elsif ($c eq "\n") { push @row, $f; print join("\x1f", @row), "\n"; @row = (); $f = "" }
			else { $f .= $c }
			$i++;
		}
		if ($f ne "" || @row) { push @row, $f; print join("\x1f", @row), "\n" }
		exit($q ? 1 : 0);' "$1"
}
# field N LINE — the Nth (1-based) field of a csv_split line
field() { printf '%s\n' "$2" | cut -d $'\x1f' -f "$1"; }

fp0=$(pki_fp "$PKI/good.pem")
fp1=$(pki_fp "$PKI/int.pem")
fp2=$(pki_fp "$PKI/root.pem")
ser0=$(openssl x509 -in "$PKI/good.pem" -noout -serial | sed 's/^serial=//; s/^0*//')
now=$(pki_now)

# --- the table ---------------------------------------------------------------
pki_sc_certs "$P" --owner voice-sre sips:example.test
tb_expect_rc 0 "table"
[ -s "$TB_OUT" ] || tb_fail "table: nothing on stdout"
grep -q 'example\.test' "$TB_OUT" || tb_fail "table: does not name example.test"
w=$(LC_ALL=C.UTF-8 wc -L <"$TB_OUT")
[ "$w" -le 80 ] || {
	cat "$TB_OUT"; LC_ALL=C.UTF-8 awk 'length($0) > 80 { print "too long (" length($0) "): " $0 }' "$TB_OUT"
	tb_fail "table: a line is $w columns wide (> 80)"; }
tb_ok "table: widest line $w columns ($(wc -l <"$TB_OUT") lines)"

# --- JSON ---------------------------------------------------------------------
pki_sc_certs "$P" --json --owner voice-sre sips:example.test
pki_expect ok 0 "--json"
tb_jq 'type == "object"' "one JSON object"
tb_jq '.target == "sips:example.test" and .owner == "voice-sre"' "target and owner"
tb_jq '[.. | objects | has("sip")] | any | not' "no \"sip\" key anywhere"
tb_jq '.frontends | length == 1' "one frontend"
tb_jq "$F.address == \"127.0.0.1:$P\" and $F.error == null" "frontend address, error null"
tb_jq "$F.tls | (.version | test(\"^TLSv1\\\\.[23]$\")) and (.cipher | type == \"string\" and length > 0)" \
	"tls.version and tls.cipher"
tb_jq "$F.tls | (.group | type == \"string\" and length > 0) and (.peer_signature_algorithm | type == \"string\" and length > 0)" \
	"tls.group and tls.peer_signature_algorithm"
tb_jq "$F.tls.resumed == false" "tls.resumed false"
tb_jq "$F.chain | length == 2" "chain: the 2 certificates sent"
tb_jq "[$F.chain[].depth] == [0, 1]" "chain depths"
tb_jq "[$F.chain[].fingerprint_sha256 | ascii_downcase] == [\"$fp0\", \"$fp1\"]" \
	"chain fingerprints are leaf, intermediate"
tb_jq "$F.chain[0].serial | ascii_upcase | gsub(\":\"; \"\") | ltrimstr(\"0\") == \"$ser0\"" \
	"chain[0].serial = $ser0"
tb_jq "$F.chain[0].subject | test(\"example\\\\.test\")" "chain[0].subject"
tb_jq "$F.chain[0].issuer | test(\"test intermediate\")" "chain[0].issuer"
tb_jq "$F.chain[0].not_before == \"$(pki_not_before "$PKI/good.pem")\"" "chain[0].not_before"
tb_jq "$F.chain[0].not_after == \"$(pki_not_after "$PKI/good.pem")\"" "chain[0].not_after"
tb_jq "$F.chain[0].days_left | type == \"number\" and . > 360 and . <= 366" "chain[0].days_left"
tb_jq "$F.chain[0].signature_algorithm | test(\"ecdsa\"; \"i\")" "chain[0].signature_algorithm"
tb_jq "$F.chain[0].signature_hash | ascii_downcase | test(\"^sha-?256$\")" "chain[0].signature_hash"
tb_jq "$F.chain[0].key_type == \"EC\" and $F.chain[0].key_bits == 256" "chain[0] key EC 256"
tb_jq "$F.chain[0].san == {\"dns\": [\"example.test\"], \"uri\": [\"sip:example.test\"], \"ip\": [], \"email\": []}" \
	"chain[0].san"
tb_jq "$F.chain[0].eku | length == 3 and any(test(\"server\"; \"i\"))" "chain[0].eku"
tb_jq "$F.chain[0].sip_domain_eku == true" "chain[0].sip_domain_eku"
tb_jq "$F.chain[0].is_ca == false and $F.chain[0].self_signed == false" "chain[0] not CA, not self-signed"
tb_jq "$F.chain[1].is_ca == true and $F.chain[1].sip_domain_eku == false and $F.chain[1].eku == []" \
	"chain[1] is a CA without EKU"
tb_jq "$F.verified_chain | length == 3" "verified_chain: leaf, int, root"
tb_jq "[$F.verified_chain[].fingerprint_sha256 | ascii_downcase] == [\"$fp0\", \"$fp1\", \"$fp2\"]" \
	"verified_chain fingerprints"
tb_jq "[$F.verified_chain[].depth] == [0, 1, 2]" "verified_chain depths"
tb_jq "$F.verified_chain[2].self_signed == true and $F.verified_chain[2].is_ca == true" \
	"verified_chain[2] is the self-signed root"
tb_jq "$F.identity.matched == \"sip:example.test\" and $F.identity.source == \"uri_san\"" \
	"identity sip:example.test (uri_san)"
tb_jq "$F.identity.checked | length >= 1 and all(has(\"name\") and has(\"source\"))" \
	"identity.checked"
tb_jq "$F.expiry | .depth == 0 and (.fingerprint_sha256 | ascii_downcase) == \"$fp0\" and .not_after == \"$(pki_not_after "$PKI/good.pem")\"" \
	"expiry is the leaf (earliest notAfter)"
tb_jq "$F.expiry | (.days_left | type == \"number\") and (.subject | test(\"example\"))" \
	"expiry.days_left and subject"
tb_jq "$F.future.warn | .days == 30 and .ok == true and .error == null" \
	"future.warn 30 days ok"
tb_jq "$F.future.crit | .days == 7 and .ok == true and .error == null" "future.crit 7 days ok"
tb_jq "$F.ocsp | .requested == true and .stapled == false and .status == null" \
	"ocsp requested, none stapled"
tb_jq "$F.ocsp | has(\"this_update\") and has(\"next_update\") and has(\"verified\") and has(\"error\")" \
	"ocsp has every key"

# no SIP went to Kamailio (OPTIONS and REGISTER are both logged as SC*;
# the test bed's own mark, a later request, is not sipcanary's)
tb_kamailio_mark "$TB/kam" "127.0.0.1:$P" || tb_fail "test bed: kamailio did not log a later OPTIONS"
if grep 'NOTICE: <script>: SC' "$TB/kam/kamailio.log" | grep -qv "$TB_KAM_MARK"; then
	grep 'NOTICE: <script>: SC' "$TB/kam/kamailio.log" | grep -v "$TB_KAM_MARK" | head -n 5
	tb_fail "certs sent SIP to Kamailio"
fi
tb_ok "no SIP request reached Kamailio (TLS only)"

# --- CSV ------------------------------------------------------------------------
hdr='target,frontend,verdict,depth,subject,issuer,serial,fingerprint_sha256,not_before,not_after,days_left,signature_algorithm,key_type,key_bits,self_signed,owner'
pki_sc_certs "$P" --csv --owner voice-sre sips:example.test
tb_expect_rc 0 "--csv"
[ "$(head -n 1 "$TB_OUT" | tr -d '\r')" = "$hdr" ] ||
	tb_fail "--csv: header is '$(head -n 1 "$TB_OUT")'"
tb_ok "--csv: header"
csv_split "$TB_OUT" >"$TB/csv.rows" || tb_fail "--csv: unbalanced quotes"
[ "$(wc -l <"$TB/csv.rows")" = 3 ] || { cat "$TB_OUT"; tb_fail "--csv: expected header + 2 rows"; }
while IFS= read -r line; do
	n=$(printf '%s\n' "$line" | awk -F $'\x1f' '{ print NF }')
	[ "$n" = 16 ] || { cat "$TB_OUT"; tb_fail "--csv: a record has $n fields: $line"; }
done <"$TB/csv.rows"
tb_ok "--csv: 2 rows of 16 fields"
r1=$(sed -n 2p "$TB/csv.rows")
r2=$(sed -n 3p "$TB/csv.rows")
[ "$(field 1 "$r1")" = sips:example.test ] || tb_fail "--csv: target '$(field 1 "$r1")'"
[ "$(field 2 "$r1")" = "127.0.0.1:$P" ] || tb_fail "--csv: frontend '$(field 2 "$r1")'"
[ "$(field 3 "$r1")" = ok ] || tb_fail "--csv: verdict '$(field 3 "$r1")'"
if [ "$(field 4 "$r1")" != 0 ] || [ "$(field 4 "$r2")" != 1 ]; then tb_fail "--csv: depths"; fi
field 5 "$r1" | grep -q 'example\.test' || tb_fail "--csv: subject '$(field 5 "$r1")'"
field 6 "$r1" | grep -q 'test intermediate' || tb_fail "--csv: issuer '$(field 6 "$r1")'"
[ "$(field 7 "$r1" | tr -d : | tr a-f A-F | sed 's/^0*//')" = "$ser0" ] ||
	tb_fail "--csv: serial '$(field 7 "$r1")'"
[ "$(field 8 "$r1" | tr A-F a-f)" = "$fp0" ] || tb_fail "--csv: fingerprint '$(field 8 "$r1")'"
[ "$(field 8 "$r2" | tr A-F a-f)" = "$fp1" ] || tb_fail "--csv: row 2 fingerprint"
[ "$(field 9 "$r1")" = "$(pki_not_before "$PKI/good.pem")" ] || tb_fail "--csv: not_before '$(field 9 "$r1")'"
[ "$(field 10 "$r1")" = "$(pki_not_after "$PKI/good.pem")" ] || tb_fail "--csv: not_after '$(field 10 "$r1")'"
awk -v d="$(field 11 "$r1")" 'BEGIN { exit !(d + 0 > 360 && d + 0 <= 366) }' ||
	tb_fail "--csv: days_left '$(field 11 "$r1")'"
field 12 "$r1" | grep -qi ecdsa || tb_fail "--csv: signature_algorithm '$(field 12 "$r1")'"
if [ "$(field 13 "$r1")" != EC ] || [ "$(field 14 "$r1")" != 256 ]; then
	tb_fail "--csv: key '$(field 13 "$r1")' '$(field 14 "$r1")'"
fi
field 15 "$r1" | grep -Eqi '^(false|no|0)$' || tb_fail "--csv: self_signed '$(field 15 "$r1")'"
if [ "$(field 16 "$r1")" != voice-sre ] || [ "$(field 16 "$r2")" != voice-sre ]; then
	tb_fail "--csv: owner '$(field 16 "$r1")'"
fi
tb_ok "--csv: row values match the served chain"

# --- a failed verification still fills the CSV and the table --------------------
pki_serve expired
pki_sc_certs "$P" --csv sips:example.test
tb_expect_rc 1 "--csv, expired leaf"
csv_split "$TB_OUT" >"$TB/csv3.rows" || tb_fail "--csv expired: unbalanced quotes"
r1=$(sed -n 2p "$TB/csv3.rows")
[ "$(field 3 "$r1")" = cert_expired ] || tb_fail "--csv expired: verdict '$(field 3 "$r1")'"
awk -v d="$(field 11 "$r1")" 'BEGIN { exit !(d + 0 < 0) }' ||
	tb_fail "--csv expired: days_left '$(field 11 "$r1")' is not negative"
[ "$(field 10 "$r1")" \< "$now" ] || tb_fail "--csv expired: not_after '$(field 10 "$r1")'"
tb_ok "--csv expired: row kept, days_left $(field 11 "$r1")"
pki_sc_certs "$P" sips:example.test
tb_expect_rc 1 "table, expired leaf"
grep -q cert_expired "$TB_OUT" || tb_fail "table, expired: does not say cert_expired"
w=$(LC_ALL=C.UTF-8 wc -L <"$TB_OUT")
[ "$w" -le 80 ] || { cat "$TB_OUT"; tb_fail "table, expired: a line is $w columns (> 80)"; }
tb_ok "table, expired: says cert_expired, widest line $w"

# --- 80 columns with long names (64-char CN, a 54-char domain) ------------------
long="long-frontend-name-for-the-80-columns.sip.example.test"
cn64=$(printf 'sipcanary-very-long-common-name-%032d' 0)
pki_cert "$PKI" long int cn="$cn64" san="URI:sip:$long,DNS:$long" ||
	tb_fail "could not make the long-name certificate"
pki_serve long
pki_sc_certs "$P" --owner voice-sre "sips:$long"
tb_expect_rc 0 "table, long names"
w=$(LC_ALL=C.UTF-8 wc -L <"$TB_OUT")
[ "$w" -le 80 ] || { cat "$TB_OUT"; tb_fail "table, long names: a line is $w columns (> 80)"; }
tb_ok "table, long names: widest line $w"

# --- handshake failure comes before any certificate verdict ----------------------
pki_serve expired -tls1_2
pki_sc_certs "$P" --json --tls-min 1.3 sips:example.test
tb_expect_rc 1 "--tls-min 1.3 against a TLS 1.2 server"
tb_jq "$F.verdict | test(\"^tls_\")" "handshake failure: a tls_* verdict, not cert_expired"
pki_sc_certs "$P" --json --tls-min 1.2 sips:example.test
pki_expect cert_expired 1 "--tls-min 1.2 against the same server"
tb_jq "$F.tls.version == \"TLSv1.2\"" "tls.version TLSv1.2"

# --- usage ------------------------------------------------------------------------
tb_sc certs
tb_expect_rc 2 "no URI"
tb_sc certs --bogus-option sips:example.test
tb_expect_rc 2 "unknown option"
tb_sc certs --warn-days abc sips:example.test
tb_expect_rc 2 "--warn-days abc"
tb_sc certs --tls-min 1.1 sips:example.test
tb_expect_rc 2 "--tls-min 1.1"

tb_pass "certs: 80-column table, JSON fields, CSV shape, TLS only, usage"
