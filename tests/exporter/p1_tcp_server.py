#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A P1-over-TCP server that misbehaves on purpose, for the exporter tests.

Serves the telegrams of a capture file to each client in turn, one every
--interval seconds.  --drop-after N closes each connection after N
telegrams, the last one cut in half; --silent-after N stops sending after
N telegrams but keeps the connection open until the client closes it
(for the idle timeout).  Each
accepted connection is logged to stdout as "connection K", after a first
line "listening".
"""
import argparse
import socket
import sys
import time


def telegrams(data):
    out, start = [], 0
    while True:
        i = data.find(b"/", start)
        if i < 0:
            return out
        j = data.find(b"!", i)
        if j < 0:
            return out
        k = data.find(b"\n", j)
        if k < 0:
            return out
        out.append(data[i:k + 1])
        start = k + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--capture", required=True)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--drop-after", type=int, default=0)
    ap.add_argument("--silent-after", type=int, default=0)
    ap.add_argument("--connections", type=int, default=1000)
    a = ap.parse_args()
    tgs = telegrams(open(a.capture, "rb").read())
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(4)
    print("listening", flush=True)
    pos = 0
    for k in range(a.connections):
        conn, _ = srv.accept()
        print("connection", k + 1, flush=True)
        sent = 0
        try:
            while True:
                t = tgs[pos % len(tgs)]
                pos += 1
                if a.drop_after and sent == a.drop_after:
                    conn.sendall(t[: len(t) // 2])
                    break
                if a.silent_after and sent == a.silent_after:
                    # Say nothing until the client gives up on us.
                    while conn.recv(4096):
                        pass
                    break
                conn.sendall(t)
                sent += 1
                time.sleep(a.interval)
        except OSError:
            pass
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
