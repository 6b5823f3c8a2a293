#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A DSMR-reader stand-in for the p1-exporter tests: its remote datalogger
API, POST /api/v1/datalogger/dsmrreading with header "Authorization: Token
KEY" and form field "telegram", answering 201.

  dsmrreader_standin.py PORT TOKEN OUT [--status CODE]

Every request is checked: the path, the token (401 if wrong), the form
(exactly one field "telegram", 400 otherwise) and the telegram's CRC16
(400 if it does not verify).  Accepted telegrams are appended to OUT
byte-exact, one after the other; one line per request goes to OUT.log
("201 LEN TIME", "401 bad token TIME", ...).  --status CODE answers CODE to every
request that passes the checks, without keeping the telegram (to play an
overloaded or misconfigured DSMR-reader).  It can be stopped (SIGTERM) and
started again on the same port and OUT: it appends.  SIGTERM during a
request ends it once the answer is sent: a telegram kept and logged is
always answered (else the exporter would rightly send it again).
"""
import http.server
import os
import re
import signal
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from p1crc import crc16  # noqa: E402

PATH = "/api/v1/datalogger/dsmrreading"
PORT, TOKEN, OUT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
STATUS = int(sys.argv[sys.argv.index("--status") + 1]) \
    if "--status" in sys.argv else 201


busy = stopping = False


def on_term(signum, frame):
    global stopping
    stopping = True
    if not busy:
        os._exit(0)


def crc_ok(tg):
    m = re.fullmatch(rb"(/[^!]*!)([0-9A-F]{4})\r\n", tg)
    return bool(m) and int(m.group(2), 16) == crc16(m.group(1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as DSMR-reader's server

    def setup(self):
        super().setup()
        # headers and body are two writes: no Nagle delay between them
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def answer(self, code, why):
        with open(OUT + ".log", "a") as f:
            f.write(f"{code} {why} {time.time():.3f}\n")
        body = (why + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_POST(self):
        global busy
        busy = True
        try:
            self.post()
        finally:
            busy = False
            if stopping:
                os._exit(0)

    def post(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        if self.path != PATH:
            return self.answer(404, "not found")
        if self.headers.get("Authorization") != "Token " + TOKEN:
            return self.answer(401, "bad token")
        if self.headers.get("Content-Type") != \
                "application/x-www-form-urlencoded":
            return self.answer(400, "bad content type")
        form = urllib.parse.parse_qs(data.decode("ascii"),
                                     keep_blank_values=True,
                                     strict_parsing=True, encoding="latin-1")
        if list(form) != ["telegram"] or len(form["telegram"]) != 1:
            return self.answer(400, "bad form")
        tg = form["telegram"][0].encode("latin-1")
        if not crc_ok(tg):
            return self.answer(400, "bad crc")
        if STATUS != 201:
            return self.answer(STATUS, "told to")
        with open(OUT, "ab") as f:
            f.write(tg)
        self.answer(201, f"{len(tg)}")


signal.signal(signal.SIGTERM, on_term)
http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
