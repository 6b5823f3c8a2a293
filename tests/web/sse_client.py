#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A Server-Sent Events client for the tests.

usage: sse_client.py URL SECONDS   print each event's data for SECONDS
                                   (reading events: the data line; other
                                   events: "EVENT data")
       sse_client.py URL stall     connect with a tiny receive buffer, read
                                   the headers and then nothing, until the
                                   server closes the connection
"""
import socket
import sys
import time
import urllib.parse


def connect(url, rcvbuf=None):
    u = urllib.parse.urlsplit(url)
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((u.hostname, u.port))
    path = u.path + ("?" + u.query if u.query else "")
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\n"
              "Accept: text/event-stream\r\n\r\n".encode())
    return s


def main():
    url, mode = sys.argv[1], sys.argv[2]
    if mode == "stall":
        s = connect(url, rcvbuf=4096)
        s.recv(200)
        time.sleep(60)
        return 0
    s = connect(url)
    s.settimeout(0.2)
    end = time.monotonic() + float(mode)
    buf = b""
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        if not d:
            break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    # chunked transfer: strip the chunk size lines
    text, rest = b"", body
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        try:
            n = int(size, 16)
        except ValueError:
            break
        text += rest[:n]
        rest = rest[n + 2:]
    for ev in text.decode("utf-8", "replace").split("\n\n"):
        name, data = "message", ""
        for line in ev.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        if data:
            print(data if name == "reading" else f"{name} {data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
