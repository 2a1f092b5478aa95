#!/usr/bin/env python3
# hep_collector.py LOG — the listening end of a HEP collector for tests:
# binds a free UDP port of 127.0.0.1 (the kernel picks it, so that no
# other test can hold it), prints "listening PORT" once bound, and
# appends one line, the datagram's length, to LOG per datagram.  It
# decodes nothing: tests/lib/hep.sh captures the port and tshark decodes
# the capture (tests/lib/hep3.lua).  It only has to be there, so that
# the copies are received rather than refused by ICMP.
import socket, sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("listening %d" % s.getsockname()[1], flush=True)
while True:
    n = len(s.recv(70000))
    with open(sys.argv[1], "a") as f:
        f.write("%d\n" % n)
