# shellcheck shell=bash
# tests/lib/pki.sh — test certificates with controlled dates, keys,
# digests and names, for the certificate-health tests.
#
# Source it after common.sh:
#     . "$(dirname "$0")/../lib/common.sh"; . "$(dirname "$0")/../lib/pki.sh"
# A certs_*.sh test then starts with
#     pki_test_init [kamailio kamcmd ...]   (tb_init, requirements, $PKI, $F)
#     pki_make CASE...                      (pki_init "$PKI" + named cases)
# and serves certificates with pki_serve (openssl s_server) or pki_kamailio;
# see "scaffolding for the certs_*.sh tests" at the end.
#
# Every certificate is issued with `openssl ca` from a minimal CA directory
# (index.txt, serial), because OpenSSL 3.0's `x509` has no way to set
# notBefore/notAfter; `openssl ca -startdate/-enddate` does.  Keys are
# EC P-256 unless a case needs something else, so a whole PKI takes well
# under a second.  Nothing here touches the network.
#
# Layout of a PKI directory DIR (all names relative to DIR):
#   NAME.pem NAME.key        the certificate and its key (key mode 0600)
#   NAME.chain.pem           what a server should send: NAME.pem followed by
#                            its issuers up to, not including, the root
#   NAME.ca/                 CA database (index.txt, serial) if NAME is a CA
#   ca.pem                   the test root; what --ca-file gets
#
# Generic functions:
#   pki_time OFFSET                 OFFSET (+3d, -2d, 10d, -1h, 90m, now, or
#                                   YYYYMMDDHHMMSSZ) -> GeneralizedTime (UTC)
#   pki_cert DIR NAME ISSUER [k=v]  issue one certificate (see below)
#   pki_revoke DIR NAME             mark NAME revoked in its issuer's index
#   pki_ocsp_responder DIR NAME CA  a delegated OCSP signer issued by CA
#   pki_ocsp_response DIR NAME RESPONDER OUT [NDAYS]
#                                   a DER OCSP response for NAME (status from
#                                   its issuer's index: V good, R revoked, a
#                                   certificate absent from it: unknown),
#                                   signed by RESPONDER (another PKI name),
#                                   thisUpdate now, nextUpdate now+NDAYS (7)
#   pki_init DIR                    root CA "root" (-> ca.pem) and
#                                   intermediate "int"
#   pki_unknown_root DIR            a root CA "unknownroot" that is not in
#                                   ca.pem (made once; later calls reuse it)
#
# The named cases (each after pki_init; the domain is
# example.test unless said otherwise; leaves are issued by "int" and their
# NAME.chain.pem is leaf + int):
#   pki_leaf_good DIR [NAME]        URI:sip:example.test + DNS:example.test,
#                                   EKU serverAuth, clientAuth, sipDomain,
#                                   1 year.  Served ALONE: cert_untrusted
#                                   (its issuer is neither sent, trusted
#                                   nor named by a caIssuers URL).
#   pki_leaf_aia DIR [NAME]         the same with a caIssuers URL (default
#                                   NAME aia): served ALONE,
#                                   cert_chain_incomplete.
#   pki_leaf_expired DIR            expired 2 days ago (valid -30d..-2d)
#   pki_leaf_not_yet_valid DIR      valid from +2d to +365d
#   pki_leaf_expired_int DIR        a good leaf under "int_expired", an
#                                   intermediate that expired 1 day ago
#   pki_leaf_unknown_root DIR       under a root "unknownroot" that is not in
#                                   ca.pem; chain = leaf + unknownroot
#   pki_leaf_self_signed DIR        self-signed leaf (CA:FALSE) for example.test
#   pki_leaf_sha1 DIR               leaf signed ecdsa-with-SHA1 by "int"
#                                   (s_server loads SHA-1, MD5 and RSA-1024
#                                   leaves only with -cipher
#                                   'DEFAULT:@SECLEVEL=0': at Debian's level 2
#                                   it says "ca md too weak" / "ee key too
#                                   small".  An OpenSSL 3 client at level 2
#                                   still completes the handshake; only
#                                   verification fails: 68 "CA signature
#                                   digest algorithm too weak" / 66 "EE
#                                   certificate key too weak")
#   pki_leaf_md5 DIR                leaf signed md5WithRSA by "rsaint" (an
#                                   RSA-2048 intermediate; ECDSA has no MD5)
#   pki_leaf_rsa1024 DIR            RSA-1024 leaf (sha256 signature)
#   pki_leaf_ec224_int DIR          P-256 leaf under "int224", a P-224
#                                   intermediate (EC < 256 bits somewhere in the
#                                   chain; a P-224 leaf cannot be used at all:
#                                   TLS 1.3 has no P-224 signature scheme and
#                                   OpenSSL's client does not offer P-224)
#   pki_leaf_uri_only DIR           SAN URI:sip:example.test only
#   pki_leaf_wildcard DIR           SAN DNS:*.example.test only (probe it as
#                                   sips:sip.example.test: must NOT match)
#   pki_leaf_cn_only DIR            CN=example.test, no SAN extension at all
#   pki_leaf_uri_wins DIR           URI:sip:example.test + DNS:other.test (ok)
#   pki_leaf_uri_loses DIR          URI:sip:other.test + DNS:example.test
#                                   (mismatch: the URI SAN hides the dNSName)
#   pki_leaf_uri_case DIR           URI:sip:EXAMPLE.Test only (case-insensitive)
#   pki_leaf_int10 DIR              1-year leaf under "int10", an intermediate
#                                   that expires in 10 days
#   pki_leaf_days DIR NAME DAYS     good leaf expiring in DAYS days (20: inside
#                                   a 30-day warn window; 3: inside a 7-day
#                                   crit window)
#   pki_rsa2048_leaf DIR            good leaf with an RSA-2048 key
#   pki_clients DIR                 client certificates for mutual TLS:
#                                   CA "clientca" (-> clientca.pem), under
#                                   it "client" (1 year) and "client5d"
#                                   (expires in 5 days); CA "rogueca" (not
#                                   in clientca.pem) and "rogue" under it
#   pki_cross DIR                   the cross-signed root of September
#                                   2021: "oldroot" (expired yesterday),
#                                   "newroot", "newroot_x" (newroot's
#                                   subject and key, issued by oldroot),
#                                   "xint" under newroot, leaf "xleaf"
#                                   under xint; xleaf.chain.pem is xleaf +
#                                   xint + newroot_x (what a server sends
#                                   to reach old and new trust stores)
#   pki_ocsp_setup DIR              responder "ocsp" (delegated, under int),
#                                   leaves "ocspgood" and "ocsprevoked" (the
#                                   latter revoked), "ocspunknown" (issued by
#                                   int, then removed from int's index), a
#                                   responder "ocspwrong" under unknownroot,
#                                   and DER responses:
#                                     ocspgood.resp      good, signed by ocsp
#                                     ocsprevoked.resp   revoked, signed by ocsp
#                                     ocspunknown.resp   unknown, signed by ocsp
#                                     ocspwrong.resp     good for ocspgood, but
#                                                        signed by ocspwrong
#
# pki_cert options (k=v):
#   cn=NAME         subject CN (default: NAME); subject is "/O=sipcanary test/CN=cn"
#   san=LIST        subjectAltName value ("URI:sip:x,DNS:x"); san=none: no SAN
#                   (default for leaves: URI:sip:example.test,DNS:example.test;
#                   default for CAs and responders: none)
#   start=OFFSET    notBefore (default -1d)       see pki_time
#   end=OFFSET      notAfter (default +365d)
#   key=SPEC        ec256 (default), ec384, ec224, rsa1024, rsa2048, ed25519
#   md=DIGEST       signature digest: sha256 (default), sha1, md5, ...
#   type=leaf|ca|ocsp   (default leaf)
#   eku=LIST        extendedKeyUsage of a leaf (default
#                   serverAuth,clientAuth,1.3.6.1.5.5.7.3.20); eku=none: none
#   aia=URL         Authority Information Access caIssuers URL (where the
#                   issuer can be fetched, as public CAs' leaves say)
#   keyof=NAME      reuse the key of NAME (a cross-sign: the same subject
#                   and key as NAME, another issuer)
#   ocsp=URL        Authority Information Access OCSP responder URL
#   crl=URL         CRL Distribution Points URI
#   muststaple=yes  TLS Feature status_request (RFC 7633 Must-Staple)
# ISSUER is "self" or the NAME of a CA made with type=ca in the same DIR.

_pki_log() {
	if command -v tb_log >/dev/null 2>&1; then tb_log "pki: $*"; else echo "pki: $*" >&2; fi
}

# pki_time OFFSET — print OFFSET as a UTC GeneralizedTime YYYYMMDDHHMMSSZ.
pki_time() {
	local o=$1 n unit secs
	case "$o" in
	now) secs=0 ;;
	[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z)
		echo "$o"; return 0 ;;
	*[dhms])
		unit=${o: -1}
		n=${o%?}
		n=${n#+}
		case "$n" in -[0-9]*|[0-9]*) ;; *) _pki_log "bad offset $o"; return 1 ;; esac
		case "$unit" in
		d) secs=$((n * 86400)) ;;
		h) secs=$((n * 3600)) ;;
		m) secs=$((n * 60)) ;;
		s) secs=$n ;;
		esac ;;
	*) _pki_log "bad offset $o"; return 1 ;;
	esac
	date -u -d "@$(( $(date +%s) + secs ))" +%Y%m%d%H%M%SZ
}

# _pki_keygen FILE SPEC
_pki_keygen() {
	local f=$1 spec=$2
	case "$spec" in
	ec256)   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$f" ;;
	ec384)   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$f" ;;
	ec224)   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-224 -out "$f" ;;
	rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$f" ;;
	rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$f" ;;
	ed25519) openssl genpkey -algorithm ED25519 -out "$f" ;;
	*) _pki_log "unknown key spec $spec"; return 1 ;;
	esac 2>/dev/null || return 1
	chmod 600 "$f"
}

# _pki_ca_dir DIR NAME — create the CA database of NAME (idempotent).
_pki_ca_dir() {
	local d="$1/$2.ca"
	[ -f "$d/ca.cnf" ] && return 0
	mkdir -p "$d/new"
	: >"$d/index.txt"
	printf 'unique_subject = no\n' >"$d/index.txt.attr"
	openssl rand -hex 8 | sed 's/^./1/' >"$d/serial"
	cat >"$d/ca.cnf" <<-EOF
	# generated by tests/lib/pki.sh
	[ca]
	default_ca = CA_default
	[CA_default]
	dir = $d
	database = \$dir/index.txt
	serial = \$dir/serial
	new_certs_dir = \$dir/new
	unique_subject = no
	default_md = sha256
	default_days = 365
	policy = policy_any
	preserve = yes
	email_in_dn = no
	copy_extensions = none
	[policy_any]
	organizationName = optional
	commonName = optional
	EOF
}

# pki_cert DIR NAME ISSUER [k=v...] — see the header.
pki_cert() {
	local dir=$1 name=$2 issuer=$3 kv
	shift 3
	local cn=$name san=default start=-1d end=+365d key=ec256 md=sha256 type=leaf
	local eku=default ku aia= keyof= ocsp= crl= muststaple=
	for kv in "$@"; do
		case "$kv" in
		aia=*) aia=${kv#aia=} ;;
		keyof=*) keyof=${kv#keyof=} ;;
		ocsp=*) ocsp=${kv#ocsp=} ;;
		crl=*) crl=${kv#crl=} ;;
		muststaple=*) muststaple=${kv#muststaple=} ;;
		cn=*) cn=${kv#cn=} ;;
		san=*) san=${kv#san=} ;;
		start=*) start=${kv#start=} ;;
		end=*) end=${kv#end=} ;;
		key=*) key=${kv#key=} ;;
		md=*) md=${kv#md=} ;;
		type=*) type=${kv#type=} ;;
		eku=*) eku=${kv#eku=} ;;
		*) _pki_log "pki_cert: unknown option $kv"; return 1 ;;
		esac
	done
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	case "$key" in rsa*) ku="digitalSignature,keyEncipherment" ;; *) ku=digitalSignature ;; esac
	{
		echo "[ext]"
		case "$type" in
		ca)
			echo "basicConstraints = critical,CA:TRUE"
			echo "keyUsage = critical,keyCertSign,cRLSign,digitalSignature" ;;
		ocsp)
			echo "basicConstraints = critical,CA:FALSE"
			echo "keyUsage = critical,digitalSignature"
			echo "extendedKeyUsage = OCSPSigning" ;;
		leaf)
			echo "basicConstraints = critical,CA:FALSE"
			echo "keyUsage = critical,$ku"
			[ "$eku" = default ] && eku="serverAuth,clientAuth,1.3.6.1.5.5.7.3.20"
			[ "$eku" = none ] || echo "extendedKeyUsage = $eku"
			[ "$san" = default ] && san="URI:sip:example.test,DNS:example.test" ;;
		*) _pki_log "pki_cert: unknown type $type"; return 1 ;;
		esac
		case "$san" in default|none|'') ;; *) echo "subjectAltName = $san" ;; esac
		echo "subjectKeyIdentifier = hash"
		[ "$issuer" = self ] || echo "authorityKeyIdentifier = keyid"
		if [ -n "$aia" ] && [ -n "$ocsp" ]; then
			echo "authorityInfoAccess = caIssuers;URI:$aia,OCSP;URI:$ocsp"
		elif [ -n "$aia" ]; then
			echo "authorityInfoAccess = caIssuers;URI:$aia"
		elif [ -n "$ocsp" ]; then
			echo "authorityInfoAccess = OCSP;URI:$ocsp"
		fi
		[ -z "$crl" ] || echo "crlDistributionPoints = URI:$crl"
		[ "$muststaple" != yes ] || echo "1.3.6.1.5.5.7.1.24 = DER:30:03:02:01:05"
	} >"$dir/$name.ext"
	if [ -n "$keyof" ]; then
		cp "$dir/$keyof.key" "$dir/$name.key" || return 1
	else
		_pki_keygen "$dir/$name.key" "$key" || { _pki_log "keygen $name failed"; return 1; }
	fi
	openssl req -new -key "$dir/$name.key" -subj "/O=sipcanary test/CN=$cn" \
		-out "$dir/$name.csr" 2>"$dir/$name.err" || {
		_pki_log "req $name failed: $(cat "$dir/$name.err")"; return 1; }
	local s e ca_name signkey=() self=()
	s=$(pki_time "$start") && e=$(pki_time "$end") || return 1
	if [ "$issuer" = self ]; then
		ca_name=$name
		self=(-selfsign)
		signkey=(-keyfile "$dir/$name.key")
	else
		ca_name=$issuer
		if [ ! -f "$dir/$issuer.pem" ] || [ ! -f "$dir/$issuer.ca/ca.cnf" ]; then
			_pki_log "pki_cert: $issuer is not a CA in $dir"; return 1
		fi
		signkey=(-keyfile "$dir/$issuer.key" -cert "$dir/$issuer.pem")
	fi
	_pki_ca_dir "$dir" "$ca_name"
	openssl ca -batch -notext -config "$dir/$ca_name.ca/ca.cnf" \
		"${self[@]}" "${signkey[@]}" -md "$md" \
		-startdate "$s" -enddate "$e" \
		-extfile "$dir/$name.ext" -extensions ext \
		-in "$dir/$name.csr" -out "$dir/$name.pem" >"$dir/$name.err" 2>&1 || {
		_pki_log "ca $name failed: $(cat "$dir/$name.err")"; return 1; }
	[ "$type" = ca ] && _pki_ca_dir "$dir" "$name"
	# the chain a server sends: the cert, then its issuers below the root
	if [ "$issuer" = self ]; then
		cp "$dir/$name.pem" "$dir/$name.chain.pem"
	elif [ -f "$dir/$issuer.chain.pem" ] && [ "$(_pki_is_root "$dir/$issuer.pem")" = no ]; then
		cat "$dir/$name.pem" "$dir/$issuer.chain.pem" >"$dir/$name.chain.pem"
	else
		cp "$dir/$name.pem" "$dir/$name.chain.pem"
	fi
	rm -f "$dir/$name.csr" "$dir/$name.err"
}

# _pki_is_root PEM — "yes" if subject == issuer.
_pki_is_root() {
	local s i
	s=$(openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
	i=$(openssl x509 -in "$1" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
	if [ "$s" = "$i" ]; then echo yes; else echo no; fi
}

# _pki_issuer_of DIR NAME — the CA NAME whose database lists NAME.pem.
_pki_issuer_of() {
	local dir=$1 name=$2 serial d
	serial=$(openssl x509 -in "$dir/$name.pem" -noout -serial | sed 's/^serial=//')
	for d in "$dir"/*.ca; do
		[ -f "$d/index.txt" ] || continue
		if awk -F'\t' -v s="$serial" 'toupper($4) == toupper(s) { f = 1 } END { exit !f }' \
			"$d/index.txt"; then
			# a self-signed CA lists itself in its own index
			basename "$d" .ca
			return 0
		fi
	done
	return 1
}

# pki_revoke DIR NAME — revoke NAME in its issuer's database.
pki_revoke() {
	local dir=$1 name=$2 ca
	ca=$(_pki_issuer_of "$dir" "$name") || { _pki_log "no issuer for $name"; return 1; }
	openssl ca -batch -config "$dir/$ca.ca/ca.cnf" -keyfile "$dir/$ca.key" \
		-cert "$dir/$ca.pem" -revoke "$dir/$name.pem" -crl_reason keyCompromise \
		>"$dir/$name.revoke.log" 2>&1 || {
		_pki_log "revoke $name failed: $(cat "$dir/$name.revoke.log")"; return 1; }
}

# pki_gencrl DIR CA OUT [LAST NEXT] [KEYOF] — the CRL of CA's database as
# DER in OUT, lastUpdate/nextUpdate at LAST/NEXT (pki_time offsets; default
# now and +7d), signed with the key and certificate of KEYOF (default CA:
# another CA of the same name makes a CRL "signed by the wrong key").
pki_gencrl() {
	local dir=$1 ca=$2 out=$3 last=${4:-now} next=${5:-+7d} k=${6:-$2} l n
	l=$(pki_time "$last") && n=$(pki_time "$next") || return 1
	openssl ca -batch -gencrl -config "$dir/$ca.ca/ca.cnf" -keyfile "$dir/$k.key" \
		-cert "$dir/$k.pem" -crl_lastupdate "$l" -crl_nextupdate "$n" \
		-out "$out.pem" >"$out.log" 2>&1 &&
		openssl crl -in "$out.pem" -outform DER -out "$out" 2>>"$out.log" || {
		_pki_log "gencrl $ca failed: $(cat "$out.log")"; return 1; }
}

# pki_ocsp_responder DIR NAME CA — a delegated OCSP signing certificate.
pki_ocsp_responder() {
	pki_cert "$1" "$2" "$3" type=ocsp cn="$2 OCSP responder"
}

# pki_ocsp_response DIR NAME RESPONDER OUT [NDAYS] [ISSUER]
pki_ocsp_response() {
	local dir=$1 name=$2 rs=$3 out=$4 ndays=${5:-7} ca=${6:-}
	[ -n "$ca" ] || ca=$(_pki_issuer_of "$dir" "$name") ||
		{ _pki_log "no issuer for $name"; return 1; }
	openssl ocsp -index "$dir/$ca.ca/index.txt" -CA "$dir/$ca.pem" \
		-rsigner "$dir/$rs.pem" -rkey "$dir/$rs.key" \
		-issuer "$dir/$ca.pem" -cert "$dir/$name.pem" -no_nonce \
		-ndays "$ndays" -respout "$out" >"$out.log" 2>&1 || {
		_pki_log "ocsp response for $name failed: $(cat "$out.log")"; return 1; }
}

# ---------------------------------------------------------------------------
# the named cases

# pki_init DIR — root and intermediate; DIR/ca.pem is the root.
pki_init() {
	local dir=$1
	pki_cert "$dir" root self type=ca cn="sipcanary test root" end=+3650d || return 1
	pki_cert "$dir" int root type=ca cn="sipcanary test intermediate" end=+1825d || return 1
	cp "$dir/root.pem" "$dir/ca.pem"
}

pki_leaf_good() {
	pki_cert "$1" "${2:-good}" int cn=example.test
}

# A good leaf that names where its issuer lives (never fetched).
pki_leaf_aia() {
	pki_cert "$1" "${2:-aia}" int cn=example.test \
		aia=http://127.0.0.1:9/sipcanary-test-intermediate.crt
}

pki_leaf_expired() {
	pki_cert "$1" expired int cn=example.test start=-30d end=-2d
}

pki_leaf_not_yet_valid() {
	pki_cert "$1" notyet int cn=example.test start=+2d end=+365d
}

pki_leaf_expired_int() {
	pki_cert "$1" int_expired root type=ca cn="sipcanary test expired intermediate" \
		start=-60d end=-1d || return 1
	pki_cert "$1" expiredint int_expired cn=example.test
}

# pki_unknown_root DIR — the root "unknownroot", not in ca.pem (idempotent).
pki_unknown_root() {
	[ -f "$1/unknownroot.pem" ] && return 0
	pki_cert "$1" unknownroot self type=ca cn="sipcanary unknown root" end=+3650d
}

pki_leaf_unknown_root() {
	pki_unknown_root "$1" || return 1
	pki_cert "$1" unknown unknownroot cn=example.test || return 1
	cat "$1/unknown.pem" "$1/unknownroot.pem" >"$1/unknown.chain.pem"
}

pki_leaf_self_signed() {
	pki_cert "$1" selfsigned self cn=example.test
}

pki_leaf_sha1() {
	pki_cert "$1" sha1 int cn=example.test md=sha1
}

pki_leaf_md5() {
	if [ ! -f "$1/rsaint.pem" ]; then
		pki_cert "$1" rsaint root type=ca key=rsa2048 \
			cn="sipcanary test RSA intermediate" end=+1825d || return 1
	fi
	pki_cert "$1" md5 rsaint cn=example.test md=md5
}

pki_leaf_rsa1024() {
	pki_cert "$1" rsa1024 int cn=example.test key=rsa1024
}

pki_leaf_ec224_int() {
	pki_cert "$1" int224 root type=ca key=ec224 \
		cn="sipcanary test P-224 intermediate" end=+1825d || return 1
	pki_cert "$1" ec224int int224 cn=example.test
}

pki_leaf_uri_only() {
	pki_cert "$1" urionly int cn="sipcanary uri-only" san=URI:sip:example.test
}

pki_leaf_wildcard() {
	pki_cert "$1" wildcard int cn="sipcanary wildcard" san='DNS:*.example.test'
}

pki_leaf_cn_only() {
	pki_cert "$1" cnonly int cn=example.test san=none
}

pki_leaf_uri_wins() {
	pki_cert "$1" uriwins int cn="sipcanary uri-wins" \
		san=URI:sip:example.test,DNS:other.test
}

pki_leaf_uri_loses() {
	pki_cert "$1" uriloses int cn=example.test \
		san=URI:sip:other.test,DNS:example.test
}

pki_leaf_uri_case() {
	pki_cert "$1" uricase int cn="sipcanary uri-case" san=URI:sip:EXAMPLE.Test
}

pki_leaf_int10() {
	pki_cert "$1" int10 root type=ca cn="sipcanary test 10-day intermediate" \
		end=+10d || return 1
	pki_cert "$1" int10leaf int10 cn=example.test end=+365d
}

pki_leaf_days() {
	pki_cert "$1" "$2" int cn=example.test end="+$3d"
}

# pki_clients DIR — see the header.
pki_clients() {
	local d=$1
	pki_cert "$d" clientca self type=ca cn="sipcanary test client CA" end=+3650d &&
	pki_cert "$d" client clientca cn=probe-carrier-x eku=clientAuth san=none &&
	pki_cert "$d" client5d clientca cn=probe-5d eku=clientAuth san=none end=+5d &&
	pki_cert "$d" rogueca self type=ca cn="sipcanary rogue CA" end=+3650d &&
	pki_cert "$d" rogue rogueca cn=probe-rogue eku=clientAuth san=none
}

# pki_cross DIR — see the header.
pki_cross() {
	local d=$1
	pki_cert "$d" oldroot self type=ca cn="sipcanary old root" start=-3650d end=-1d &&
	pki_cert "$d" newroot self type=ca cn="sipcanary new root" end=+3650d &&
	pki_cert "$d" newroot_x oldroot type=ca cn="sipcanary new root" keyof=newroot end=+1000d &&
	pki_cert "$d" xint newroot type=ca cn="sipcanary cross intermediate" end=+1825d &&
	pki_cert "$d" xleaf xint cn=example.test &&
	cat "$d/xleaf.pem" "$d/xint.pem" "$d/newroot_x.pem" >"$d/xleaf.chain.pem"
}

pki_rsa2048_leaf() {
	pki_cert "$1" rsa2048 int cn=example.test key=rsa2048
}

pki_ocsp_setup() {
	local dir=$1
	pki_ocsp_responder "$dir" ocsp int || return 1
	pki_cert "$dir" ocspgood int cn=example.test || return 1
	pki_cert "$dir" ocsprevoked int cn=example.test || return 1
	pki_cert "$dir" ocspunknown int cn=example.test || return 1
	pki_revoke "$dir" ocsprevoked || return 1
	# forget ocspunknown: the responder then answers "unknown" for it
	local serial
	serial=$(openssl x509 -in "$dir/ocspunknown.pem" -noout -serial | sed 's/^serial=//')
	awk -F'\t' -v s="$serial" 'toupper($4) != toupper(s)' "$dir/int.ca/index.txt" \
		>"$dir/int.ca/index.txt.new" && mv "$dir/int.ca/index.txt.new" "$dir/int.ca/index.txt"
	pki_unknown_root "$dir" || return 1
	pki_ocsp_responder "$dir" ocspwrong unknownroot || return 1
	pki_ocsp_response "$dir" ocspgood ocsp "$dir/ocspgood.resp" 7 int || return 1
	pki_ocsp_response "$dir" ocsprevoked ocsp "$dir/ocsprevoked.resp" 7 int || return 1
	pki_ocsp_response "$dir" ocspunknown ocsp "$dir/ocspunknown.resp" 7 int || return 1
	pki_ocsp_response "$dir" ocspgood ocspwrong "$dir/ocspwrong.resp" 7 int || return 1
}

# ---------------------------------------------------------------------------
# servers (need common.sh)

# pki_s_server PORT CERTCHAIN KEY [ARGS...] — openssl s_server on
# 127.0.0.1:PORT serving CERTCHAIN (leaf first, then what else it should
# send) with KEY; extra ARGS are passed on (-status_file F, -tls1_2,
# -cipher 'DEFAULT:@SECLEVEL=0', -cert2/-key2/-servername ...).  -www: it
# answers nothing unless asked "GET /", and never reads stdin.
# Log: $TB/s_server-PORT.log; PID in $TB_LAST_PID (also $PKI_SERVER_PID).
pki_s_server() {
	local port=$1 cert=$2 key=$3 chain=()
	shift 3
	# s_server takes the leaf from -cert and the rest from -cert_chain
	if [ "$(grep -c 'BEGIN CERTIFICATE' "$cert")" -gt 1 ]; then
		awk -v f="$TB/s_server-$port.extra.pem" '
			/BEGIN CERTIFICATE/ { n++ } n > 1 { print > f }' "$cert"
		chain=(-cert_chain "$TB/s_server-$port.extra.pem")
	fi
	tb_spawn "s_server-$port" openssl s_server -accept "127.0.0.1:$port" \
		-cert "$cert" -key "$key" "${chain[@]}" -www -no_dhe "$@"
	PKI_SERVER_PID=$TB_LAST_PID
	tb_wait_port "$port" 10 "$PKI_SERVER_PID"
}

# ---------------------------------------------------------------------------
# helpers for the certs_*.sh tests (need common.sh)

# pki_sc_certs PORT ARGS... — tb_sc `sipcanary certs --connect
# 127.0.0.1:PORT --ca-file $PKI_CA --timeout 10 ARGS...` ($PKI_CA defaults
# to $PKI/ca.pem).
pki_sc_certs() {
	local p=$1
	shift
	tb_sc certs --connect "127.0.0.1:$p" --ca-file "${PKI_CA:-$PKI/ca.pem}" \
		--timeout 10 "$@"
}

# pki_sc_check PORT ARGS... — tb_sc `sipcanary check` with alice's
# password file ($TB/pw, made on first use) against 127.0.0.1:PORT.
pki_sc_check() {
	local p=$1
	shift
	[ -f "$TB/pw" ] || tb_password_file "$TB/pw" "${TB_KAM_PASSWORD:-secret}"
	tb_sc check --connect "127.0.0.1:$p" --ca-file "${PKI_CA:-$PKI/ca.pem}" \
		--user alice --password-file "$TB/pw" --timeout 10 "$@"
}

# pki_fp PEM — the SHA-256 fingerprint, lower-case hex without colons.
pki_fp() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
		tr 'A-F' 'a-f'
}

# pki_not_after PEM / pki_not_before PEM — as YYYY-MM-DDTHH:MM:SSZ.
pki_not_after() {
	date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ
}
pki_not_before() {
	date -u -d "$(openssl x509 -in "$1" -noout -startdate | sed 's/^notBefore=//')" +%Y-%m-%dT%H:%M:%SZ
}

# pki_now — the current time as YYYY-MM-DDTHH:MM:SSZ.
pki_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# pki_expect CODE EXIT WHAT — the last run exited EXIT and its --json says
# CODE for the target and for frontends[0].
pki_expect() {
	tb_expect_rc "$2" "$3"
	tb_expect_verdict "$1"
}

# pki_certs_twice PORT CODE WHAT — `certs --json` probing the frontend at
# PORT twice in one process (issue 16): the first verifies the chain and
# makes its report, the second gets both from the TLS context's cache
# (sip/certcache.c) and must say exactly what the first said, the
# verdict CODE, error, path and chains (timings, cert_cache and days_left,
# which moves with the clock, aside).
pki_certs_twice() {
	local norm='walk(if type == "object" then with_entries(select(.key |
		test("_seconds$|^cert_cache$|^days_left$") | not)) else . end)'
	pki_sc_certs "$1" --json sips:example.test sips:example.test
	tb_jq "length == 2 and ([.[].frontends[0].verdict] | unique) == [\"$2\"]" \
		"$3, twice in one process: $2 both times"
	tb_jq '[.[].frontends[0].cert_cache] == ["miss", "hit"]' \
		"$3: the second from the context's cache"
	tb_jq "(.[0] | $norm) == (.[1] | $norm)" \
		"$3: the cached verification and report are the first's"
}

# ---------------------------------------------------------------------------
# scaffolding for the certs_*.sh tests (need common.sh)
#
#   pki_test_init [CMD...]      start the test: tb_init; skip unless CMD...,
#                               openssl, jq and the sipcanary binary exist;
#                               set PKI=$TB/pki and F='.frontends[0]' (the
#                               jq path of the one frontend probed)
#   pki_make [CASE...]          pki_init "$PKI", then each CASE, a named case
#                               without its pki_ prefix and DIR, with its
#                               other arguments as further words ("leaf_good",
#                               "leaf_days d20 20"); a failure fails the test
#   pki_serve NAME [ARGS...]    openssl s_server (pki_s_server) on a free port
#                               P serving $PKI/NAME.chain.pem ($PKI_CHAIN if
#                               set) with $PKI/NAME.key; ARGS go to s_server
#   pki_kamailio NAME           the Kamailio registrar (tb_kamailio_start,
#                               $TB/kam) on a free port P, serving copies of
#                               NAME.chain.pem and NAME.key in $TB/served
#   pki_kamailio_swap NAME      rewrite $TB/served with NAME and tls.reload
#                               (connections stay up)
#   pki_expect_no_register WHAT fail if that Kamailio ($TB/kam on port $P)
#                               has seen a REGISTER
#   pki_not_after_day PEM       notAfter as YYYY-MM-DD (what errors quote)

# pki_test_init [CMD...] — see above.
# shellcheck disable=SC2120  # CMD... are the extra tools, not the script's $@
pki_test_init() {
	tb_init
	tb_require "$@" openssl jq
	tb_require_sipcanary
	PKI=$TB/pki
	# shellcheck disable=SC2034  # read by the tests
	F='.frontends[0]'
}

# pki_make [CASE...] — see above.
pki_make() {
	local spec words
	pki_init "$PKI" || tb_fail "could not make certificates (pki_init)"
	for spec in "$@"; do
		read -r -a words <<<"$spec"
		[ ${#words[@]} -gt 0 ] || continue
		declare -F "pki_${words[0]}" >/dev/null ||
			tb_fail "pki_make: no certificate case pki_${words[0]}"
		"pki_${words[0]}" "$PKI" "${words[@]:1}" ||
			tb_fail "could not make certificates (pki_$spec)"
	done
}

# pki_serve NAME [ARGS...] — see above.
pki_serve() {
	local n=$1
	shift
	P=$(tb_free_port)
	pki_s_server "$P" "${PKI_CHAIN:-$PKI/$n.chain.pem}" "$PKI/$n.key" "$@" ||
		tb_fail "s_server ($n) did not start"
}

# _pki_served NAME — copy NAME's chain and key to what Kamailio serves.
_pki_served() {
	mkdir -p "$TB/served"
	cp "$PKI/$1.chain.pem" "$TB/served/cert.pem"
	cp "$PKI/$1.key" "$TB/served/key.pem"
	chmod 600 "$TB/served/key.pem"
}

# pki_kamailio NAME — see above.
pki_kamailio() {
	_pki_served "$1"
	P=$(tb_free_port)
	tb_kamailio_start "$TB/kam" "$P" "$TB/served/cert.pem" "$TB/served/key.pem" ||
		tb_fail "kamailio did not start"
}

# pki_kamailio_swap NAME — see above.
pki_kamailio_swap() {
	_pki_served "$1"
	tb_kamailio_tls_reload "$TB/kam" >"$TB/reload.out" 2>&1 ||
		{ cat "$TB/reload.out"; tb_fail "kamcmd tls.reload ($1) failed"; }
	tb_ok "tls.reload ($1): $(tr '\n' ' ' <"$TB/reload.out")"
}

# pki_expect_no_register WHAT — once Kamailio has logged a later request
# (tb_kamailio_mark), fail unless it saw no REGISTER at all ("...
# REGISTERs over WHAT").
pki_expect_no_register() {
	local n
	tb_kamailio_mark "$TB/kam" "127.0.0.1:$P" || tb_fail "test bed: kamailio did not log a later OPTIONS"
	n=$(tb_kamailio_register_count "$TB/kam")
	[ "$n" = 0 ] || tb_fail "kamailio saw $n REGISTERs over $1"
	tb_ok "kamailio saw no REGISTER"
}

# pki_not_after_day PEM — see above.
pki_not_after_day() {
	local d
	d=$(pki_not_after "$1") || return 1
	echo "${d%%T*}"
}
