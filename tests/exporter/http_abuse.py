#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Scrapes under hostile connections, for the exporter tests and benchmarks.

  http_abuse.py PORT [--idle N] [--slow N] [--attack-from ADDR]
                [--scrape-from ADDR] [--scrapes M] [--warmup SECS]
                [--path P] [--auth USER:PASS] [--guess-rate N]
                [--no-reopen] [--guess-user USER]

An attacker thread opens --idle connections that send nothing and --slow
connections that send a request header one short line a second and never
finish it (slowloris), all from --attack-from; a connection the server
closes is opened again at once (not with --no-reopen).  With --guess-rate it also sends that many
requests a second with wrong basic-auth passwords for --guess-user
(default admin), each on a new connection, not waiting for the answers.
After --warmup seconds the main thread scrapes --path --scrapes times in
a row from --scrape-from, each on a new connection with a 2 s limit, and
prints one line:

  scrapes=M failed=F p50_ms=.. p99_ms=.. max_ms=.. open=N reopened=N

open: attacker connections open at the end; reopened: how many the server
closed and the attacker opened again.
"""
import argparse
import base64
import errno
import os
import resource
import selectors
import socket
import threading
import time


class Attacker(threading.Thread):
    def __init__(self, port, addr, idle, slow, guess_rate, path, reopen):
        super().__init__(daemon=True)
        self.reopen = reopen
        self.guess_user = "admin"
        self.port, self.addr = port, addr
        self.idle, self.slow = idle, slow
        self.guess_rate, self.path = guess_rate, path
        self.sel = selectors.DefaultSelector()
        self.stop = False
        self.reopened = 0
        self.open = 0
        self.guesses = 0
        self.guess_codes = {}

    def connect(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((self.addr, 0))
            r = s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            return False
        if r not in (0, errno.EINPROGRESS):
            s.close()
            return False
        st = {"kind": kind, "next": time.monotonic(), "sent": 0}
        self.sel.register(s, selectors.EVENT_READ, st)
        return True

    def guess(self):
        """One wrong password on a new connection; the answer is read
        when it comes (guesses overlap: the rate does not wait for it)."""
        auth = base64.b64encode(b"%s:guess%d" % (
            self.guess_user.encode(), self.guesses)).decode()
        self.guesses += 1
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=2,
                                         source_address=(self.addr, 0))
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
                       "%s\r\n\r\n" % (self.path, auth)).encode())
            s.setblocking(False)
        except OSError:
            self.count("closed")
            return
        self.sel.register(s, selectors.EVENT_READ, {"kind": "guess"})

    def count(self, code):
        self.guess_codes[code] = self.guess_codes.get(code, 0) + 1

    def run(self):
        for _ in range(self.idle):
            self.connect("idle")
        for _ in range(self.slow):
            self.connect("slow")
        next_guess = time.monotonic()
        while not self.stop:
            now = time.monotonic()
            for key, _ in self.sel.select(timeout=0.05):
                s, st = key.fileobj, key.data
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if st["kind"] == "guess":
                    try:
                        self.count(data.split(b" ")[1].decode())
                    except IndexError:
                        self.count("closed")
                    self.sel.unregister(s)
                    s.close()
                    continue
                if not data:
                    self.sel.unregister(s)
                    s.close()
                    if self.reopen:
                        self.reopened += 1
                        self.connect(st["kind"])
            for key in list(self.sel.get_map().values()):
                st = key.data
                if st["kind"] != "slow" or st["next"] > now:
                    continue
                st["next"] = now + 1.0
                line = (b"GET / HTTP/1.1\r\nHost: x\r\n" if st["sent"] == 0
                        else b"X-%d: y\r\n" % st["sent"])
                st["sent"] += 1
                try:
                    key.fileobj.send(line)
                except OSError:
                    pass
            if self.guess_rate and now >= next_guess:
                next_guess = now + 1.0 / self.guess_rate
                self.guess()
        self.open = sum(1 for k in self.sel.get_map().values()
                        if k.data["kind"] != "guess")


def scrape(port, addr, path, auth, timeout):
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                     source_address=(addr, 0))
        req = "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % path
        if auth:
            req += "Authorization: Basic %s\r\n" % base64.b64encode(
                auth.encode()).decode()
        s.sendall((req + "\r\n").encode())
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        s.close()
    except OSError:
        return None
    if not buf.startswith(b"HTTP/1.1 200"):
        return None
    return (time.monotonic() - t0) * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--idle", type=int, default=0)
    p.add_argument("--slow", type=int, default=0)
    p.add_argument("--attack-from", default="127.0.0.2")
    p.add_argument("--scrape-from", default="127.0.0.1")
    p.add_argument("--scrapes", type=int, default=200)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--path", default="/metrics")
    p.add_argument("--auth", default="")
    p.add_argument("--guess-rate", type=float, default=0)
    p.add_argument("--no-reopen", action="store_true")
    p.add_argument("--guess-user", default="admin")
    # a scrape not answered within this (s) counts as failed
    p.add_argument("--timeout", type=float, default=2.0)
    a = p.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    att = Attacker(a.port, a.attack_from, a.idle, a.slow, a.guess_rate,
                   a.path, not a.no_reopen)
    att.guess_user = a.guess_user
    att.start()
    time.sleep(a.warmup)
    times, failed = [], 0
    for _ in range(a.scrapes):
        t = scrape(a.port, a.scrape_from, a.path, a.auth, a.timeout)
        if t is None:
            failed += 1
            t = a.timeout * 1000
        times.append(t)
        time.sleep(0.01)
    att.stop = True
    att.join()
    times.sort()
    pct = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    line = ("scrapes=%d failed=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f "
            "open=%d reopened=%d" % (a.scrapes, failed, pct(0.5), pct(0.99),
                                     times[-1], att.open, att.reopened))
    if a.guess_rate:
        line += " guesses=%d codes=%s" % (
            att.guesses, ",".join("%s:%d" % kv for kv in
                                  sorted(att.guess_codes.items())))
    print(line, flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
