#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A P1-over-TCP generator for many meters at once (make bench).

Listens on --port; every accepted connection is one meter and gets the
telegrams of --capture one every --interval seconds, in a loop, the
connections spread evenly over the interval.  One thread, a selector;
prints "listening" first, then nothing.
"""
import argparse
import heapq
import selectors
import socket
import time


def telegrams(data):
    out, start = [], 0
    while True:
        i = data.find(b"/", start)
        j = data.find(b"!", i) if i >= 0 else -1
        k = data.find(b"\n", j) if j >= 0 else -1
        if k < 0:
            return out
        out.append(data[i:k + 1])
        start = k + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--capture", required=True)
    ap.add_argument("--interval", type=float, default=1.0)
    a = ap.parse_args()
    with open(a.capture, "rb") as f:
        tgs = telegrams(f.read())
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    print("listening", flush=True)
    due, n = [], 0  # heap of (time, id, socket, next telegram)
    while True:
        now = time.monotonic()
        timeout = max(0.0, due[0][0] - now) if due else None
        for key, _ in sel.select(timeout):
            if key.fileobj is ls:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                n += 1
                start = now + (n * 0.618034 % 1.0) * a.interval
                heapq.heappush(due, (start, n, c, 0))
        now = time.monotonic()
        while due and due[0][0] <= now:
            t, i, c, k = heapq.heappop(due)
            try:
                c.send(tgs[k % len(tgs)])
            except (BlockingIOError, ConnectionError, OSError):
                c.close()
                continue
            heapq.heappush(due, (t + a.interval, i, c, k + 1))


if __name__ == "__main__":
    main()
