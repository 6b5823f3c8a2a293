#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A raw-telegram TCP client for the p1-exporter tests.

  tgclient.py read PORT OUT IDLE   connect, write every byte received to
                                   OUT until the server closes or nothing
                                   came for IDLE seconds (after the first)
  tgclient.py stall PORT           connect with a tiny receive buffer and
                                   never read (until killed)
  tgclient.py refused PORT         exit 0 if the server closes the
                                   connection without sending anything
"""
import socket
import sys
import time

mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
if mode == "stall":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
if mode == "stall":
    while True:
        time.sleep(60)
if mode == "refused":
    s.settimeout(5)
    sys.exit(0 if s.recv(1) == b"" else 1)
out, idle = open(sys.argv[3], "wb"), float(sys.argv[4])
s.settimeout(30)  # until the first telegram
while True:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    out.write(b)
    out.flush()
    s.settimeout(idle)
