#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the encrypted (DLMS general-global-ciphering) test vectors.

Each frame encrypts one of our own corpus telegrams with AES-128-GCM
(python3-cryptography, i.e. OpenSSL), exactly as Luxembourg Smarty and
Austrian meters send theirs:
    0xDB 0x08 <system title, 8> 0x82 <L, 2 BE>
    0x30 <frame counter, 4 BE> <ciphertext> <GCM tag, first 12 bytes>
    IV = title || counter, AAD = 0x30 || authentication key.
Run after editing:
    python3 tests/corpus/dlms_gen.py
check-unit runs it with --check: the committed files must be what it makes.
The files are committed; the unit tests, p1ctl tests and fuzzers read them:
  lu-smarty.dlms   lu-smarty.txt, key lu-smarty.key, Smarty's auth key
  at-plain.dlms    at-plain.txt, key at-plain.key, auth key at-plain.auth-key
  dlms-stream.bin  noise, frames, a text telegram, a replay, a forgery
                   (layout and expected counts in DLMS_STREAM below)
"""
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))

SMARTY_AUTH = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
LU_KEY = bytes.fromhex("5A1E0C9B37F2D4468E0B71A3C5D92F64")
LU_TITLE = b"SAG\x10\x05\x0b\x87\x21"
AT_KEY = bytes.fromhex("36C66639E48A8CA4D6BC8B282A793BBB")
AT_AUTH = bytes.fromhex("D0C4A5B3E2F1A0998877665544332211")
AT_TITLE = b"SAG\x44\x00\x2a\x19\x07"


def frame(key, auth, title, counter, plain):
    """One general-global-ciphering frame."""
    iv = title + struct.pack(">I", counter)
    ct_tag = AESGCM(key).encrypt(iv, plain, b"\x30" + auth)
    body = b"\x30" + struct.pack(">I", counter) + ct_tag[:-4]  # 12-byte tag
    assert len(body) == 5 + len(plain) + 12
    return b"\xdb\x08" + title + b"\x82" + struct.pack(">H", len(body)) + body


def read(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


CHECK = "--check" in sys.argv[1:]
DIFFER = []


def write(name, data):
    if CHECK:
        if read(name) != data:
            DIFFER.append(name)
        return
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    lu = read("lu-smarty.txt")
    at = read("at-plain.txt")
    text = read("nl-dsmr50.txt")
    write("lu-smarty.key", LU_KEY.hex().upper().encode() + b"\n")
    write("at-plain.key", AT_KEY.hex().upper().encode() + b"\n")
    write("at-plain.auth-key", AT_AUTH.hex().upper().encode() + b"\n")
    write("lu-smarty.dlms", frame(LU_KEY, SMARTY_AUTH, LU_TITLE, 0x1234, lu))
    write("at-plain.dlms", frame(AT_KEY, AT_AUTH, AT_TITLE, 77, at))

    def f(counter):
        return frame(LU_KEY, SMARTY_AUTH, LU_TITLE, counter, lu)
    forged = bytearray(f(102))
    forged[40] ^= 0x01  # one ciphertext bit
    # DLMS_STREAM: what a decoder with LU_KEY must report for it.
    #   5 DLMS frames, 3 good (counters 100, 101, 103), 1 replay (101),
    #   1 authentication failure (102), 1 text telegram (CRC ok),
    #   garbage: 3 noise + 14 of a false header + 2 = 19 bytes
    stream = (b"\x00\xff\xdb" +                   # noise, lone 0xDB
              b"\xdb\x08ABCDEFGH\x82\x00\x40\x31" +  # bad security byte
              f(100) + text + f(101) + f(101) + bytes(forged) + f(103) +
              b"\xff\xfe")
    write("dlms-stream.bin", stream)
    if DIFFER:
        print("dlms_gen: differ from the generator:", *DIFFER)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
