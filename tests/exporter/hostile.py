#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""CRC-correct telegrams with hostile or unusual content, for test-hostile.

  hostile.py NAME > FILE    write telegram NAME (CRLF lines, CRC16/ARC)
  hostile.py --list         the names

Each is a valid telegram a meter (or someone on the line) could send: the
framer and the CRC accept it, so whatever it holds reaches the parser and
the exporter's output.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from p1crc import crc16  # noqa: E402

NL5 = [
    b"/ISK5\\2M550T-1012",
    b"",
    b"1-3:0.2.8(50)",
    b"0-0:1.0.0(230701153045S)",
    b"0-0:96.1.1(4530303434303037313331363530363137)",
    b"1-0:1.8.1(012345.678*kWh)",
    b"1-0:1.8.2(010987.654*kWh)",
    b"1-0:2.8.1(001234.567*kWh)",
    b"1-0:2.8.2(002345.678*kWh)",
    b"0-0:96.14.0(0002)",
    b"1-0:1.7.0(01.193*kW)",
    b"1-0:2.7.0(00.000*kW)",
    b"0-0:96.7.21(00011)",
    b"0-0:96.7.9(00002)",
    b"1-0:99.97.0(2)(0-0:96.7.19)(221114063012W)(0000001234*s)"
    b"(230405112233S)(0000000321*s)",
    b"1-0:32.32.0(00003)",
    b"0-0:96.13.0(4F6E646572686F7564206E65746265686565726465722031342D3033"
    b"2030393A30302D31313A3030)",
    b"1-0:32.7.0(229.1*V)",
    b"0-1:24.1.0(003)",
    b"0-1:96.1.0(4730303339303031363532303530323136)",
    b"0-1:24.2.1(230701153000S)(04567.891*m3)",
]


def sub(lines, obis, new):
    """Replace the line of obis with new (bytes); append if absent."""
    if obis.startswith(b"/"):
        return [new] + lines[1:]
    out, done = [], False
    for line in lines:
        if line.startswith(obis + b"("):
            out.append(new)
            done = True
        else:
            out.append(line)
    if not done:
        out.append(new)
    return out


TELEGRAMS = {
    # Bytes >= 0x80 (not UTF-8) in the header and the version line, which
    # become labels, and in the text message.
    "nonutf8": sub(sub(sub(NL5, b"/ISK5", b"/ISK5\\2M550T-1012\xe9\xff"),
                       b"1-3:0.2.8", b"1-3:0.2.8(5\xff\x01)"),
                   b"0-0:96.13.0", b"0-0:96.13.0(\xc0\xaf\xff\x1b[2J)"),
    # An M-Bus device type beyond int, negative registers.
    "bignums": sub(sub(sub(NL5, b"0-1:24.1.0", b"0-1:24.1.0(99999999999)"),
                       b"1-0:1.8.1", b"1-0:1.8.1(-000123.456*kWh)"),
                   b"0-0:96.7.21", b"0-0:96.7.21(-0011)"),
    # Terminal control sequences in values (p1ctl decode prints them).
    "ansi": sub(sub(sub(NL5, b"0-1:24.2.1",
                        b"0-1:24.2.1(230701153000S)(04567.891*m\x1b[2J)"), b"1-3:0.2.8", b"1-3:0.2.8(5\x1b]0;pwned\x07\x1b[2J)"),
                b"/ISK5", b"/ISK5\\2M550T\x1b[2J\x1b]0;pwned\x07"),
}


def corpus(name):
    """The lines of a corpus telegram, without its '!' line."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "corpus", name)
    lines = open(path, "rb").read().replace(b"\r\n", b"\n").split(b"\n")
    return [x for x in lines if x and not x.startswith(b"!")][:1] + [b""] + \
        [x for x in lines[1:] if x and not x.startswith(b"!")]


# The Nordic corpus telegram carries no identifier; Swedish and Norwegian
# meters send their number in 0-0:96.1.0.
TELEGRAMS["nordic-id"] = sub(corpus("se-nordic.txt"), b"0-0:96.1.0",
                             b"0-0:96.1.0(7350012345678901)")


def telegram(lines):
    body = b"\r\n".join(lines[:1] + lines[1:]) + b"\r\n!"
    return body + b"%04X\r\n" % crc16(body)


def main():
    if sys.argv[1] == "--list":
        print("\n".join(TELEGRAMS))
        return 0
    sys.stdout.buffer.write(telegram(TELEGRAMS[sys.argv[1]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
