#!/bin/bash
# sink_https.sh — issue 7: webhooks over HTTPS with certificate
# verification.  A receiver with a certificate for localhost and
# 127.0.0.1 from a test CA: delivered by IP address (the certificate
# must name the IP) and by name (resolved asynchronously, with SNI);
# refused, with the reason logged and nothing sent, when the CA is not
# trusted or the certificate names another host.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/receiver.sh"
tb_init
sd_require
tb_require openssl
perl -MIO::Socket::SSL -e 1 2>/dev/null ||
	tb_skip "perl IO::Socket::SSL missing (libio-socket-ssl-perl)"

pki=$TB/pki
mkdir -p "$pki"
(
	set -e
	cd "$pki"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 30 -subj "/CN=sink test CA" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign 2>/dev/null
	for n in good:"DNS:localhost,IP:127.0.0.1" other:"DNS:other.test"; do
		name=${n%%:*} san=${n#*:}
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$name.ext"
		openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 30 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
	done
) || tb_fail "openssl could not make the test certificates"
printf 'tok-3n\n' >"$TB/token"
chmod 600 "$TB/token"

p1=$(tb_free_port)
rx_start good "$p1" --tls "$pki/good.pem" "$pki/good.key"
p2=$(tb_free_port)
rx_start other "$p2" --tls "$pki/other.pem" "$pki/other.key"

sink() {	# NAME URL [LINES]
	printf 'sink "%s" {\n\ttype = webhook; url = "%s"; token_file = "%s"\n\ttimeout = 2s; retry_min = 200ms; retry_max = 1s\n\t%s\n}\n' \
		"$1" "$2" "$TB/token" "${3:-}"
}

sd_conf "$TB/ok.conf" "$(sink byip "https://127.0.0.1:$p1/in" "ca_file = \"$pki/ca.pem\"")" \
	"$(sink byname "https://localhost:$p1/in" "ca_file = \"$pki/ca.pem\"")"
sd_run -c "$TB/ok.conf" -w 20 trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
tb_expect_rc 0 "delivered over https"
[ "$(rx_count good '.status == 200')" = 2 ] ||
	tb_fail "$(rx_count good '.status == 200') deliveries, expected 2"
tb_jq '.headers.authorization == "Bearer tok-3n"' "the token went over TLS" "$TB/good.jsonl"
[ "$(rx_count good '.sni == "localhost"')" = 1 ] || tb_fail "no SNI for the name"
[ "$(rx_count good '.sni == ""')" = 1 ] || tb_fail "SNI sent for an IP address"
tb_ok "by IP (no SNI) and by name (SNI localhost)"

rm -rf "$TB/state"; mkdir -p "$TB/state"
sd_conf "$TB/bad.conf" "$(sink untrusted "https://127.0.0.1:$p1/in")" \
	"$(sink mismatch "https://127.0.0.1:$p2/in" "ca_file = \"$pki/ca.pem\"")"
sd_run -c "$TB/bad.conf" -w 3 trigger,SipcanaryCertInvalid,voice-prod,10.0.0.7:5061
tb_expect_rc 1 "nothing delivered"
grep -q 'sink untrusted: .*TLS: certificate verify failed: unable to get local issuer certificate' "$TB_ERR" ||
	tb_fail "untrusted CA not logged: $(grep untrusted "$TB_ERR" | tail -n 2)"
grep -q 'sink mismatch: .*TLS: certificate verify failed: IP address mismatch' "$TB_ERR" ||
	tb_fail "name mismatch not logged: $(grep mismatch "$TB_ERR" | tail -n 2)"
[ "$(rx_count other)" = 0 ] || tb_fail "a request went to a server that failed verification"
[ "$(rx_count good)" = 2 ] || tb_fail "a request went to an untrusted server"
if grep -q tok-3n "$TB_ERR" "$TB_OUT"; then
	tb_fail "the token was logged"
fi
tb_pass "https verified: by IP and by name; untrusted and mismatched refused"
