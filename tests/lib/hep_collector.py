#!/usr/bin/env python3
# hep_collector.py PORT OUT [DROP] — a HEPv3 collector for tests, written
# from the HEP3 chunk list (sipcapture.org) independently of sipcanary's
# encoder: binds 127.0.0.1:PORT (UDP; 0: a free port the kernel picks,
# so that no other test can hold it), decodes each packet and appends
# one JSON line to OUT: family, ipproto, src, dst, sport, dport, secs,
# usecs, proto_type, agent_id, auth_key, payload (hex), and "error" for
# a packet that is not well-formed HEPv3.  Prints "listening PORT" once
# bound.
import ipaddress, json, socket, struct, sys

port, out = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("listening %d" % s.getsockname()[1], flush=True)
NAMES = {1: "family", 2: "ipproto", 3: "src", 4: "dst", 5: "src", 6: "dst",
         7: "sport", 8: "dport", 9: "secs", 10: "usecs", 11: "proto_type",
         12: "agent_id", 14: "auth_key", 15: "payload"}

def decode(pkt):
    if pkt[:4] != b"HEP3":
        return {"error": "no HEP3 magic"}
    (total,) = struct.unpack("!H", pkt[4:6])
    if total != len(pkt):
        return {"error": "total length %d, datagram %d" % (total, len(pkt))}
    rec, off = {}, 6
    while off < total:
        if off + 6 > total:
            return {"error": "truncated chunk header"}
        vendor, typ, ln = struct.unpack("!HHH", pkt[off:off + 6])
        if ln < 6 or off + ln > total:
            return {"error": "bad chunk length"}
        v = pkt[off + 6:off + ln]
        name = NAMES.get(typ, "chunk_%d" % typ)
        if vendor != 0:
            name = "vendor_%d_%d" % (vendor, typ)
        if typ in (3, 4, 5, 6):
            rec[name] = str(ipaddress.ip_address(v))
        elif typ in (1, 2, 11):
            rec[name] = v[0]
        elif typ in (7, 8):
            rec[name] = struct.unpack("!H", v)[0]
        elif typ in (9, 10, 12):
            rec[name] = struct.unpack("!I", v)[0]
        elif typ == 14:
            rec[name] = v.decode()
        else:
            rec[name] = v.hex()
        off += ln
    return rec

while True:
    pkt = s.recv(70000)
    with open(out, "a") as f:
        f.write(json.dumps(decode(pkt)) + "\n")
