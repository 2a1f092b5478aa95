#!/usr/bin/env python3
"""mkcorpus.py - writes the seed corpora of tests/fuzz/corpus/<harness>/.

    tests/fuzz/mkcorpus.py

Sources, all in the tree:
  captures/sip/*.sip   real Kamailio responses (capture/sip-kamailio.sh)
  captures/dns/*.dns   real dnsmasq answers (capture/dns-dnsmasq.sh)
  scenarios/*.scn, docs/sipcanary.conf.example
  and the hand-written cases below (the faults of issue 8: 100 then
  silence, 503 with Retry-After, 3xx, wrong Call-ID/CSeq/branch, a
  malformed status line, a header without a colon, a short body, ...).

Each harness's input layout is described at the top of its .c file.
Seeds are named after what they hold; the directories are rewritten.
"""
import os
import re
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(TOP, "tests", "fuzz")

# The fixed tokens of fuzz_stream.c (its sc_util_token wrapper).
CALL_ID = "0123456789abcdef0123456789abcdef"
FROM_TAG = "0123456789abcdef"
BRANCH = "z9hG4bK0123456789abcdef0123"


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def write_dir(name, seeds):
    d = os.path.join(FUZZ, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    for fname, data in seeds:
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    print("%-14s %3d seeds" % (name, len(seeds)))


def captures(kind):
    d = os.path.join(FUZZ, "captures", kind)
    return {f: read(os.path.join(d, f)) for f in sorted(os.listdir(d))}


def normalize(resp, cseq=None):
    """A captured response, made to match fuzz_stream.c's requests."""
    s = resp.decode()
    s = re.sub(r"branch=z9hG4bK[0-9a-f]+", "branch=" + BRANCH, s)
    s = re.sub(r"(?m)^Call-ID: .*$", "Call-ID: " + CALL_ID + "\r", s)
    s = re.sub(r"(?m)^(From: [^\r]*;tag=)[0-9a-f]+", r"\g<1>" + FROM_TAG, s)
    s = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:40000", s)
    s = re.sub(r"rport=\d+", "rport=40000", s)
    s = s.replace("\r\r", "\r")
    if cseq is not None:
        s = re.sub(r"(?m)^CSeq: \d+ ", "CSeq: %d " % cseq, s)
    return s.encode()


def resp(status, phrase, cseq="1 REGISTER", extra="", body="", cl=None,
         branch=BRANCH, call_id=CALL_ID):
    """A hand-written response in Kamailio's style."""
    if cl is None:
        cl = len(body.encode())
    return ("SIP/2.0 %d %s\r\n"
            "Via: SIP/2.0/TLS 127.0.0.1:40000;branch=%s;rport=40000;"
            "received=127.0.0.1\r\n"
            "From: <sips:alice@example.test>;tag=%s\r\n"
            "To: <sips:alice@example.test>;tag=srv1\r\n"
            "Call-ID: %s\r\n"
            "CSeq: %s\r\n"
            "%s"
            "Server: sipcanary-testbed\r\n"
            "Content-Length: %d\r\n\r\n%s"
            % (status, phrase, branch, FROM_TAG, call_id, cseq, extra, cl,
               body)).encode()


CH_MD5 = ('WWW-Authenticate: Digest realm="example.test", '
          'nonce="awtyjGsLcWBur8VX2hYEGGkwRVV2ggKJ", qop="auth"\r\n')


def stream_seeds():
    cap = captures("sip")
    n = lambda f, c=None: normalize(cap[f], c)
    ok200 = lambda c, extra="": resp(200, "OK", c, extra)
    seeds = []

    def add(name, data, flags=(0x00, 0x01, 0x02, 0x03), seed=7):
        for fl in flags:
            seeds.append(("%s-f%02x" % (name, fl), bytes([fl, seed]) + data))

    # Real conversations: REGISTER, 401, REGISTER, 200; refresh 200;
    # OPTIONS 200; unregister 200 (fuzz_stream's step order).
    md5 = (n("md5-1.sip") + n("md5-2.sip") + n("md5-3.sip") +
           n("misc-1.sip", 1) + n("md5-3.sip", 4))
    add("kam-md5-conversation", md5)
    add("kam-md5-pongs", n("md5-1.sip") + b"\r\n" + n("md5-2.sip") +
        b"\r\n\r\n" + n("md5-3.sip") + b"\n", flags=(0x00, 0x01, 0x03))
    add("kam-md5-contact-token", n("md5-1.sip") + n("md5-2.sip").replace(
        b"transport=tls>", b"transport=tls;sc=0123456789ab>"),
        flags=(0x08, 0x0b))
    add("kam-md5-v6", n("md5-1.sip").replace(b"127.0.0.1", b"[::1]") +
        n("md5-2.sip").replace(b"127.0.0.1", b"[::1]"), flags=(0x10,))
    add("kam-forbidden", n("forbidden-1.sip") + n("forbidden-2.sip"))
    add("kam-401-again", n("again401-1.sip") + n("again401-2.sip"))
    add("kam-sha256", n("sha256-1.sip") + n("sha256-2.sip") +
        n("sha256-3.sip"))
    add("kam-407", n("proxy407-1.sip") + n("proxy407-2.sip"))
    add("kam-423-500", n("misc-1.sip") + n("misc-2.sip") +
        n("misc-3.sip") + n("misc-4.sip") + n("misc-5.sip"),
        flags=(0x80, 0x81))
    add("kam-options", n("misc-1.sip"), flags=(0x80,))
    add("kam-no-password", n("md5-1.sip"), flags=(0x04,))
    add("kam-md5-small-max", md5, flags=(0x40, 0x60, 0x63))

    # Hand-written faults.
    add("100-then-silence", resp(100, "Trying"))
    add("100-then-200", resp(100, "Trying") + ok200("1 REGISTER",
        "Contact: <sip:alice@127.0.0.1:40000;transport=tls>;expires=60\r\n"
        "Expires: 120\r\n"))
    add("503-retry-after", resp(503, "Service Unavailable",
        extra="Retry-After: 30\r\n"))
    add("500", resp(500, "Server Internal Error"))
    add("302", resp(302, "Moved Temporarily",
        extra="Contact: <sips:alice@other.test>\r\n"))
    add("404", resp(404, "Not Found"))
    add("603", resp(603, "Decline"))
    add("423-min-expires", resp(423, "Interval Too Brief",
        extra="Min-Expires: 7200\r\n") + ok200("2 REGISTER"))
    add("423-no-min-expires", resp(423, "Interval Too Brief"))
    add("423-twice", resp(423, "Interval Too Brief",
        extra="Min-Expires: 7200\r\n") + resp(423, "Interval Too Brief",
        "2 REGISTER", "Min-Expires: 9000\r\n"))
    add("wrong-call-id", resp(200, "OK", call_id="someone-else"))
    add("wrong-cseq", resp(200, "OK", "999 REGISTER"))
    add("wrong-method", resp(200, "OK", "1 OPTIONS"))
    add("wrong-branch", resp(200, "OK", branch="z9hG4bKforged"))
    add("malformed-status", b"SIP/2.0 2OO OK\r\n" + resp(200, "OK")[15:])
    add("header-no-colon", resp(200, "OK", extra="Foo bar baz\r\n"))
    add("endless-header", b"SIP/2.0 200 OK\r\nX-Long: " + b"a" * 5000,
        flags=(0x00, 0x40, 0x60))
    add("short-body", resp(200, "OK", body="abc", cl=300))
    add("body", resp(200, "OK", extra="Content-Type: text/plain\r\n",
        body="hello world\r\n"))
    add("no-content-length", resp(200, "OK").replace(
        b"Content-Length: 0\r\n", b""))
    add("garbage", bytes(range(256)) * 2)
    add("stray-cr", b"\r" + resp(200, "OK"))
    add("crlf-pongs", b"\r\n\r\n\n\r\n" + resp(200, "OK") + b"\r\n")
    add("request-from-server", (
        "OPTIONS sip:alice@127.0.0.1:40000;transport=tls SIP/2.0\r\n"
        "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKsrv\r\n"
        "From: <sip:example.test>;tag=s\r\nTo: <sip:alice@example.test>\r\n"
        "Call-ID: srv-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ).encode() + resp(200, "OK"))
    add("two-challenges", resp(401, "Unauthorized", extra=(
        'WWW-Authenticate: Digest realm="example.test", nonce="n1", '
        'algorithm=SHA-512-256, qop="auth"\r\n' + CH_MD5)) +
        ok200("2 REGISTER"))
    add("stale", resp(401, "Unauthorized", extra=CH_MD5) +
        resp(401, "Unauthorized", "2 REGISTER", extra=CH_MD5.replace(
            'qop="auth"', 'qop="auth", stale=true').replace("awty", "bwty")) +
        ok200("3 REGISTER"))
    add("many-contacts", resp(100, "Trying") + ok200("1 REGISTER", (
        "Contact: <sip:alice@10.0.0.1:5060>;expires=30\r\n"
        "Contact: <sip:alice@127.0.0.1:40000;transport=tls;sc=0123456789ab>"
        ";expires=77, <sip:alice@127.0.0.1:40000;transport=tls>;expires=99\r\n"
        "Expires: 3600\r\n")), flags=(0x00, 0x08))
    return seeds


def digest_seeds():
    cap = captures("sip")
    seeds = []

    def add(name, data, flags=(0x00, 0x10)):
        for fl in flags:
            seeds.append(("%s-f%02x" % (name, fl), bytes([fl]) + data))

    for f in ("md5-1.sip", "sha256-1.sip", "proxy407-1.sip"):
        add("kam-" + f[:-4], cap[f].replace(b"\r\r", b"\r"),
            flags=(0x00, 0x08, 0x10, 0x12, 0x13, 0x15, 0x20))
    ch = lambda h, v: resp(401 if h == "WWW" else 407,
                           "Unauthorized" if h == "WWW" else
                           "Proxy Authentication Required",
                           extra="%s-Authenticate: %s\r\n" % (h, v))
    base = 'Digest realm="example.test", nonce="n0nce"'
    add("md5-sess", ch("WWW", base + ', algorithm=MD5-sess, qop="auth"'))
    add("md5-rfc2069", ch("WWW", base))
    add("md5-opaque", ch("WWW", base + ', opaque="0p4que", qop="auth"'))
    add("md5-auth-int", ch("WWW", base + ', qop="auth,auth-int"'))
    add("only-auth-int", ch("WWW", base + ', qop="auth-int"'))
    add("sha256-sess", ch("WWW", base +
                          ', algorithm=SHA-256-sess, qop="auth"'))
    add("sha512-256", ch("WWW", base + ', algorithm=SHA-512-256, qop=auth'))
    add("sha512-256-sess-noqop", ch("WWW", base +
                                    ', algorithm=SHA-512-256-sess'))
    add("sha1-then-md5", resp(401, "Unauthorized", extra=(
        "WWW-Authenticate: %s, algorithm=SHA-1\r\n"
        "WWW-Authenticate: %s, algorithm=MD5\r\n" % (base, base))))
    add("basic-then-digest", resp(401, "Unauthorized", extra=(
        'WWW-Authenticate: Basic realm="x"\r\n'
        "WWW-Authenticate: %s\r\n" % base)))
    add("www-and-proxy", resp(407, "Proxy Authentication Required", extra=(
        "WWW-Authenticate: %s, algorithm=FOO\r\n"
        "Proxy-Authenticate: %s, algorithm=SHA-256, qop=\"auth\"\r\n"
        % (base, base))))
    add("stale", ch("WWW", base + ', qop="auth", stale=TRUE'))
    add("no-realm", ch("WWW", 'Digest nonce="n"'))
    add("empty-nonce", ch("WWW", 'Digest realm="r", nonce=""'))
    add("escaped-realm", ch("WWW", r'Digest realm="a\"b", nonce="n"'))
    add("unquoted", ch("WWW", "Digest realm=example.test, nonce=abc, "
                       "algorithm=md5, qop=auth"))
    add("no-challenge", resp(401, "Unauthorized"))
    add("200", resp(200, "OK"))
    add("utf8-realm", ch("WWW", 'Digest realm="r\xe9alm", nonce="n"'))
    return seeds


CONF_MIN = """target "voice-prod" {
	uri = "sips:voice.example.com"
	user = "probe1"
	password_file = "pw"
}
"""

CONF_SEEDS = {
    "minimal": 'target "a" { uri = "sips:a.example" }\n',
    "env-password": 'vantage = "v"\ntarget "a" { uri = "sips:a.example"  '
                    'user = "alice" }\n',
    "file-password": CONF_MIN,
    "open-password": CONF_MIN.replace('"pw"', '"pw-open"'),
    "empty-password": CONF_MIN.replace('"pw"', '"pw-empty"'),
    "missing-password": CONF_MIN.replace('"pw"', '"nope"'),
    "defaults-after": CONF_MIN + "defaults { interval = 1m; timeout = 5s; "
    "flows = 0; keepalive = 250ms; reconnect_every = 0; expires = 86400; "
    "warn_days = 3650; crit_days = 1; tls_min = \"1.3\"; "
    "allow_mixed_certs = yes; enabled = no; ca_file = \"ca.pem\" }\n",
    "everything": """// every key
vantage = "lab-\u00e9t\u00e9"
listen = "[::1]:9464"
state_dir = "/var/lib/sipcanary"
log_format = "logfmt"
/* defaults */
defaults { interval = 30; timeout = 10s; flows = 64 }
target "voice-prod" {
	uri = "sips:voice.example.com:5061"
	user = "u;x=1&y"
	password_file = "pw"
	owner = "voice-sre"
	connect = "[2001:db8::1]:5061"
	dns_server = "127.0.0.1"
	interval = 1d
	timeout = 1h
	keepalive = 1.5s
	reconnect_every = 10m
	expires = 10
	warn_days = 30
	crit_days = 7
	ca_file = "/etc/ssl/certs/ca-certificates.crt"
	tls_min = "1.2"
	allow_mixed_certs = false
	enabled = true
}
target "a" { uri = "sips:b.example"; user = "alice"; connect = "host:5061" }
""",
    "sinks": CONF_MIN + """sink "am" { type = "alertmanager"; url = "http://127.0.0.1:9093" }
sink "pd" { type = "pagerduty"; routing_key_file = "pw"; match = "severity=critical,target=voice-prod" }
sink "hook.1" { type = "webhook"; url = "https://hooks.example/x"; token_file = "pw"; format = "slack"
	timeout = 5s; outbox_max = 1000; retry_min = 1s; retry_max = 5m; enabled = no; ca_file = "ca.pem" }
sink "am2" { type = "alertmanager"; url = "http://[::1]:9093"; resend_interval = 1m }
""",
    "alert-rules": CONF_MIN.replace("}", """	runbook_url = "https://wiki.example/voice"
	for = 3
	resolve_after = 2
	flap_window = 10m
	reconnect_min_ratio = 0.5
	reconnect_window = 1h
}"""),
    "revocation": 'revocation_cache_min = 1h\ncrl_max_size = 1.5MiB\n'
                  'profile "p" { revocation = off }\n'
                  'profile "q" { revocation = crl  tls_max = 1.2 }\n'
                  'target "a" { uri = "sips:a.example"  revocation = ocsp\n'
                  '  profiles = { "p", "q" } }\n',
    "errors-revocation": 'crl_max_size = 0.5KiB\ncrl_max_size = 2GiB\n'
                         'profile "p" { revocation = maybe }\n'
                         'target "a" { uri = "sips:a.example" }\n',
    "errors-twice": 'target "a" { uri = "sips:a" }\ntarget "a" { uri = "sips:a" }\n',
    "errors-rules": 'target "a" { uri = "sips:a"; timeout = 40s; crit_days = 40 }\n',
    "errors-unknown": 'foo = 1\ntarget "a" { bar = 2; uri = "sips:a" }\n',
    "errors-envvar": 'target "a" { uri = "sips:${HOME}" }\n',
    "errors-braces": 'target "a" { uri = "sips:a" \ndefaults {\n',
    "errors-uri": 'target "a" { uri = "sips:alice@a" }\ntarget "b" { uri = '
                  '"http://a" }\n',
}


def config_seeds():
    seeds = [("sipcanary.conf.example",
              read(os.path.join(TOP, "docs", "sipcanary.conf.example")))]
    ex = seeds[0][1].decode()
    seeds.append(("sipcanary.conf.example-pw",
                  re.sub(r'"/etc/sipcanary/probe\d.secret"', '"pw"', ex)))
    seeds += sorted(CONF_SEEDS.items())
    return seeds


SCN_SEEDS = {
    "users-template": """description = "template"
clients = 1000
users = "probe%04d"
user_first = 2147482648
password_file = "pw"
step connect { }
step register { expires = 60 }
""",
    "users-template-wide": 'clients = 3\nusers = "a%099u"\nstep connect { }\n',
    "user": 'user = "alice"\nstep connect { resume = yes }\nstep options '
            '{ expect = sip_timeout }\n',
    "nested": """clients = 2
ramp = 0.5
duration = 1h
step connect { }
step repeat { count = 3
  step repeat { count = 2
    step repeat { count = 2 label = "inner"
      step keepalive { within = 2s }
      step hold { for = 3s  every = 1s }
      step wait { for = 250ms }
    }
  }
}
step register { }
step maintain { for = 1m every = 30s expires = 120 expect = flow_dead }
step break { how = silent_drop }
step reconnect { backoff = fixed base = 1s }
step reregister { expect = 423 }
""",
    "errors": 'step register { }\nstep connect { expect = 100 }\n'
              'step bogus { }\n',
    "errors-user": 'users = "a%s"\nstep connect { }\n',
}


def scenario_seeds():
    d = os.path.join(TOP, "scenarios")
    seeds = [(f, read(os.path.join(d, f))) for f in sorted(os.listdir(d))
             if f.endswith(".scn")]
    seeds += sorted(SCN_SEEDS.items())
    return seeds


def dns_msg(qname, qtype, answers, rcode=0, ancount=None):
    """A hand-encoded reply; answers are (name, type, rdata)."""
    def name(n):
        return b"".join(bytes([len(l)]) + l.encode()
                        for l in n.split(".") if l) + b"\0"
    h = struct.pack(">HHHHHH", 0x1234, 0x8580 | rcode, 1,
                    len(answers) if ancount is None else ancount, 0, 0)
    q = name(qname) + struct.pack(">HH", qtype, 1)
    a = b"".join(name(n) + struct.pack(">HHIH", t, 1, 60, len(r)) + r
                 for n, t, r in answers)
    return h + q + a


def dns_seeds():
    cap = captures("dns")
    c = lambda n: cap[n + ".dns"]
    A, AAAA, CNAME, SRV, NAPTR = 1, 28, 5, 33, 35

    def msg(m, sel=0):
        return bytes([sel << 3]) + struct.pack(">H", len(m)) + m

    def err(kind, sel=0):
        return bytes([(sel << 3) | kind])

    seeds = []

    def add(name, flags, *answers):
        seeds.append((name, bytes([flags]) + b"".join(answers)))

    # NAPTR -> two SRV names -> four hosts -> A and AAAA of each.
    add("naptr-full", 0x00,
        msg(c("example.test.NAPTR")),
        msg(c("_sips._tcp.pool.example.test.SRV")),
        msg(c("_sips._tcp.example.test.SRV")),
        msg(c("fe1.example.test.A")), msg(c("fe1.example.test.AAAA")),
        msg(c("fe2.example.test.A")), msg(c("fe2.example.test.AAAA")),
        msg(c("fe3.example.test.A")), msg(c("fe3.example.test.A")),
        msg(c("fe1.example.test.A")), msg(c("fe1.example.test.AAAA")))
    add("naptr-full-hosts-file", 0x10,
        msg(c("example.test.NAPTR")),
        msg(c("_sips._tcp.pool.example.test.SRV")),
        msg(c("_sips._tcp.example.test.SRV")),
        msg(c("fe1.example.test.A")), msg(c("fe2.example.test.AAAA")))
    add("naptr-then-timer", 0x04, msg(c("example.test.NAPTR")),
        msg(c("_sips._tcp.pool.example.test.SRV")),
        msg(c("fe2.example.test.A"), 2))
    add("naptr-nxdomain", 0x00, msg(c("nx.example.test.NAPTR")))
    add("naptr-nodata-srv-many", 0x00, msg(c("fe1.example.test.NAPTR")),
        msg(c("_sips._tcp.many.example.test.SRV")),
        msg(c("fe1.example.test.A"), 5), msg(c("fe2.example.test.A"), 9))
    add("srv-none", 0x00, msg(c("fe1.example.test.NAPTR")),
        msg(c("_sips._tcp.none.example.test.SRV")))
    # RFC 2782: "." alone means "decidedly not available"; locate.c
    # then falls back to A/AAAA of the domain on 5061.
    add("srv-dot-then-a", 0x00, msg(c("fe1.example.test.NAPTR")),
        msg(c("_sips._tcp.none.example.test.SRV")),
        msg(c("fe2.example.test.A")))
    add("srv-nodata-fallback", 0x00, msg(c("fe1.example.test.NAPTR")),
        msg(c("fe1.example.test.SRV")), msg(c("fe1.example.test.A")),
        msg(c("fe1.example.test.AAAA")))
    add("naptr-timeout", 0x00, err(1))
    add("naptr-refused", 0x00, err(2))
    add("srv-servfail", 0x00, msg(c("fe1.example.test.NAPTR")), err(3))
    servfail = bytearray(c("_sips._tcp.example.test.SRV"))
    servfail[3] = (servfail[3] & 0xf0) | 2
    add("srv-servfail-rcode", 0x00, msg(c("fe1.example.test.NAPTR")),
        msg(bytes(servfail)))
    add("explicit-a-aaaa", 0x01, msg(c("fe2.example.test.A")),
        msg(c("fe2.example.test.AAAA")))
    add("explicit-cname", 0x01, msg(c("alias.example.test.A")), err(1))
    add("explicit-nxdomain", 0x01, msg(c("nx.example.test.A")),
        msg(c("nx.example.test.A")))
    add("explicit-v6only", 0x01, msg(c("fe3.example.test.A")),
        msg(c("v6only.example.test.AAAA")))
    add("explicit-badresp", 0x01, err(4), err(5))
    add("explicit-truncated", 0x01, msg(c("fe2.example.test.A")[:20]),
        msg(c("fe2.example.test.AAAA")[:40]))
    add("explicit-timer", 0x05, msg(c("fe2.example.test.A")))
    add("ipv4-literal", 0x02)
    add("ipv6-literal", 0x03)
    add("dns-new-fails", 0x08)
    loop = dns_msg("example.test", A, [
        ("example.test", CNAME, b"\x02b1\x07example\x04test\x00"),
        ("b1.example.test", CNAME, b"\x07example\x04test\x00"),
        ("example.test", A, b"\x7f\x00\x00\x05")])
    add("explicit-cname-loop", 0x01, msg(loop), err(1))
    srv0 = dns_msg("_sips._tcp.example.test", SRV, [
        ("_sips._tcp.example.test", SRV,
         struct.pack(">HHH", 0, 0, 0) + b"\x07example\x04test\x00"),
        ("_sips._tcp.example.test", SRV,
         struct.pack(">HHH", 65535, 65535, 65535) + b"\x00")])
    add("srv-port0-root", 0x00, msg(c("fe1.example.test.NAPTR")), msg(srv0),
        msg(c("fe1.example.test.A")))
    naptr_bad = dns_msg("example.test", NAPTR, [
        ("example.test", NAPTR, struct.pack(">HH", 1, 1) +
         b"\x01s\x08SIPS+D2T\x00" + b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 +
         b"\x3f" + b"c" * 63 + b"\x3d" + b"d" * 61 + b"\x00")] * 9)
    add("naptr-long-replacement", 0x00, msg(naptr_bad), err(1, 3))
    return seeds


def main():
    write_dir("fuzz_stream", stream_seeds())
    write_dir("fuzz_digest", digest_seeds())
    write_dir("fuzz_config", config_seeds())
    write_dir("fuzz_scenario", scenario_seeds())
    write_dir("fuzz_dns", dns_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
