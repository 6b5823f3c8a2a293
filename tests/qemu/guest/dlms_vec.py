#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write tests/qemu/guest/dlms_vec.h: DLMS frames for the guest's crypt test.

20 short telegrams (CRC-correct), each encrypted with AES-128-GCM by
python3-cryptography into a general-global-ciphering frame with frame
counter 100 + i, system title "SAG\\x10\\x05\\x0b\\x87\\x21", the key of
tests/corpus/lu-smarty.key and Smarty's authentication key.  Committed;
run after editing:  python3 tests/qemu/guest/dlms_vec.py
"""
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from p1crc import crc16  # noqa: E402

KEY = bytes.fromhex("5A1E0C9B37F2D4468E0B71A3C5D92F64")
AUTH = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
TITLE = b"SAG\x10\x05\x0b\x87\x21"
N = 20


def telegram(i):
    body = ("/Lux5\\Guest-%02u\r\n\r\n0-0:1.0.0(230511%06uS)\r\n"
            "1-0:1.8.0(%06u.%03u*kWh)\r\n1-0:1.7.0(%02u.%03u*kW)\r\n!"
            % (i, 120000 + i, 1000 + i, i, i % 7, i * 37 % 1000)).encode()
    return body + ("%04X\r\n" % crc16(body)).encode()


def frame(counter, plain):
    iv = TITLE + struct.pack(">I", counter)
    ct = AESGCM(KEY).encrypt(iv, plain, b"\x30" + AUTH)
    b = b"\x30" + struct.pack(">I", counter) + ct[:-4]
    return b"\xdb\x08" + TITLE + b"\x82" + struct.pack(">H", len(b)) + b


def c_bytes(data):
    return "".join("\\x%02x" % x for x in data)


def main():
    out = ["/* SPDX-License-Identifier: GPL-2.0-or-later */",
           "/* dlms_vec.h - made by dlms_vec.py (python3-cryptography);"
           " do not edit. */",
           "#ifndef DLMS_VEC_H", "#define DLMS_VEC_H", "",
           '#define DLMS_VEC_KEY "%s"' % KEY.hex().upper(),
           "#define DLMS_VEC_N %d" % N, "",
           "static const struct {", "\tconst char *frame;",
           "\tunsigned int frame_len;", "\tconst char *plain;",
           "\tunsigned int plain_len;", "} dlms_vec[DLMS_VEC_N] = {"]
    for i in range(N):
        p = telegram(i)
        f = frame(100 + i, p)
        out.append('\t{"%s",\n\t %d,\n\t "%s",\n\t %d},'
                   % (c_bytes(f), len(f), c_bytes(p), len(p)))
    out += ["};", "", "#endif"]
    with open(os.path.join(HERE, "dlms_vec.h"), "w") as fh:
        fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
