#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for the p1-exporter tests: split a capture into telegrams, check
their CRC16/ARC, and print values of the last good one.

  crc.py check FILE          exit 0 if every telegram in FILE is CRC-correct
                             (telegrams without CRC digits count as correct)
  crc.py count FILE          print "good bad" telegram counts
  crc.py last FILE OBIS [N]  print value N (default 1) of OBIS in the last
                             good (or exporter-redacted) telegram, no unit
  crc.py nextline FILE OBIS  print the value on the line after OBIS (DSMR 2.2)
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from p1crc import crc16  # noqa: E402


def telegrams(data):
    for m in re.finditer(rb"/[^!]*!([0-9A-Fa-f]{0,4})\r?\n", data):
        body = data[m.start():m.start(1)]
        digits = m.group(1)
        good = not digits or int(digits, 16) == crc16(body)
        yield m.group(0), good


def usable(data):
    """Telegrams with a good CRC, or redacted by the exporter (equipment
    identifiers replaced by x, which breaks the CRC on purpose)."""
    for t, good in telegrams(data):
        yield t, good or re.search(rb"\(xxxx+\)", t) is not None


def last_good(data):
    last = None
    for t, good in usable(data):
        if good:
            last = t
    return last.decode("latin-1")


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    if cmd == "check":
        return 0 if all(g for _, g in telegrams(data)) else 1
    if cmd == "count":
        tg = list(telegrams(data))
        print(sum(1 for _, g in tg if g), sum(1 for _, g in tg if not g))
        return 0
    text = last_good(data)
    obis = sys.argv[3]
    for i, line in enumerate(text.split("\r\n")):
        if line.startswith(obis + "("):
            if cmd == "nextline":
                print(text.split("\r\n")[i + 1].strip("()"))
                return 0
            n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
            vals = re.findall(r"\(([^)]*)\)", line)
            print(vals[n - 1].split("*")[0])
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
