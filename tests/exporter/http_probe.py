#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Raw HTTP probes for the exporter tests.

  http_probe.py PORT raw 'BYTES'   send BYTES (Python escapes allowed),
                                   print the status code of the reply
                                   ("closed" if none)
  http_probe.py PORT hold N SECS   open N connections that send half a
                                   request line and then nothing, hold
                                   them SECS seconds; print how many the
                                   server closed by then
  http_probe.py PORT trickle SECS  send a request head one header line
                                   every 0.2 s, never ending it, for at
                                   most SECS seconds; print after how many
                                   seconds the server closed the
                                   connection ("open" if it did not)
"""
import socket
import sys
import time


def status(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(data)
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except OSError:
        buf = b""
    finally:
        s.close()
    if not buf.startswith(b"HTTP/"):
        return "closed"
    return buf.split(b" ")[1].decode()


def hold(port, n, secs):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /metr")
        socks.append(s)
    print("holding", flush=True)
    time.sleep(secs)
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    return closed


def trickle(port, secs):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    t0 = time.monotonic()
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(0.2)
    n = 0
    while time.monotonic() - t0 < secs:
        try:
            if s.recv(4096) == b"":
                return "%.1f" % (time.monotonic() - t0)
        except socket.timeout:
            pass
        except OSError:
            return "%.1f" % (time.monotonic() - t0)
        try:
            s.sendall(b"X-%d: y\r\n" % n)
        except OSError:
            return "%.1f" % (time.monotonic() - t0)
        n += 1
    return "open"


def main():
    port = int(sys.argv[1])
    if sys.argv[2] == "raw":
        data = sys.argv[3].encode("latin-1").decode("unicode_escape")
        print(status(port, data.encode("latin-1")))
    elif sys.argv[2] == "trickle":
        print(trickle(port, float(sys.argv[3])))
    else:
        print(hold(port, int(sys.argv[3]), float(sys.argv[4])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
