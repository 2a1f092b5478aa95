#!/usr/bin/env python3
# mkcorpus-ws.py — writes the seeds of fuzz_ws (tests/fuzz/corpus/fuzz_ws):
# one per fault of tests/faults/fxws.pl and a few healthy exchanges, in
# fuzz_ws.c's input layout (flags, seed, server bytes).  Run from anywhere.
import os, struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "fuzz_ws")
os.makedirs(out, exist_ok=True)

def frame(op, data, fin=True, mask=False, rsv=0):
    b0 = (0x80 if fin else 0) | rsv | op
    n = len(data)
    m = 0x80 if mask else 0
    if n < 126:
        h = bytes([b0, m | n])
    elif n < 65536:
        h = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        h = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if not mask:
        return h + data
    k = b"\x01\x02\x03\x04"
    return h + k + bytes(c ^ k[i % 4] for i, c in enumerate(data))

SIP401 = (b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/WSS 127.0.0.1:5;branch=z9hG4bK1\r\n"
          b"From: <sips:alice@example.test>;tag=a\r\nTo: <sips:alice@example.test>;tag=b\r\n"
          b"Call-ID: 1\r\nCSeq: 1 REGISTER\r\n"
          b'WWW-Authenticate: Digest realm="example.test", nonce="n", algorithm=MD5, qop="auth"\r\n'
          b"Content-Length: 0\r\n\r\n")
OPEN = 1 | (1 << 3) * 0  # a correct 101 first, max 65536
seeds = {
    "text_401": (OPEN, frame(1, SIP401)),
    "crlf_in_frame": (OPEN, frame(1, b"\r\n") + frame(1, SIP401)),
    "ping_pong": (OPEN, frame(9, b"are you there") + frame(10, b"sipcanary")),
    "fragments": (OPEN | (1 << 1), frame(1, SIP401[:40], fin=False) +
                  frame(0, SIP401[40:80], fin=False) + frame(0, SIP401[80:])),
    "close_1008": (OPEN, frame(8, struct.pack("!H", 1008) + b"no probes here")),
    "close_empty": (OPEN, frame(8, b"")),
    "masked": (OPEN, frame(1, SIP401, mask=True)),
    "reserved_opcode": (OPEN, frame(3, SIP401)),
    "rsv_bits": (OPEN, frame(1, SIP401, rsv=0x40)),
    "oversized_300": (OPEN | (3 << 3), frame(1, SIP401 + b"x" * 400)),
    "binary_64bit_len": (OPEN, bytes([0x82, 127]) + struct.pack("!Q", 1 << 62) + b"x"),
    "bad_utf8": (OPEN, frame(1, b"SIP/2.0 200 \xff\xfe\r\n\r\n")),
    "http_403": (0, b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
    "http_101_bad_accept": (0, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            b"Connection: Upgrade\r\nSec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            b"Sec-WebSocket-Protocol: sip\r\n\r\n" + frame(1, SIP401)),
    "http_101_no_proto": (0, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          b"Connection: keep-alive, Upgrade\r\n\r\n"),
    "sip_not_http": (0 | (1 << 1), SIP401),
}
for name, (flags, body) in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([flags, 7]) + body)
