#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""p1ctl decode, end to end: decode_test.py P1_DECODE CORPUS_DIR [OTHER]

P1_DECODE behaves like "p1ctl decode" (tests/unit/decode_main.c).  Checks
that every output line is valid JSON with the objects and typed values the
issue asks for, that a wire capture gives one line per telegram found with
the right CRC verdicts, and the text mode and error handling.  With OTHER
(the same decoder built for i386), both must print exactly the same.
P1_DECODE and OTHER are commands split as a shell would ("qemu-aarch64-static
p1ctl decode": the arm64 build, see tests/cross/arm64-user.mk).
"""
import json
import os
import shlex
import subprocess
import tempfile
import sys

DECODE, CORPUS = shlex.split(sys.argv[1]), sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args, stdin=None):
    p = subprocess.run([*DECODE, *args], input=stdin, capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def lines_json(out):
    res = []
    for ln in out.decode("utf-8").splitlines():   # must be UTF-8
        res.append(json.loads(ln))
    return res


def obj(t, code):
    return [o for o in t["objects"] if o["obis"] == code]


# Every corpus file decodes to exactly one valid JSON line.
for name in sorted(os.listdir(CORPUS)):
    if not name.endswith(".txt"):
        continue
    rc, out, err = run("--json", os.path.join(CORPUS, name))
    check(rc == 0, f"{name}: exit {rc}")
    tl = lines_json(out)
    check(len(tl) == 1, f"{name}: {len(tl)} lines")
    t = tl[0]
    check(t["crc"] in ("ok", "none", "bad"), f"{name}: crc {t['crc']}")
    check(len(t["objects"]) > 0, f"{name}: no objects")
    for o in t["objects"]:
        for v in o["values"]:
            check(isinstance(v["raw"], str), f"{name}: raw")
            if "number" in v:
                check(isinstance(v["number"], (int, float)), f"{name}: num")

# The example shapes.
rc, out, _ = run("--json", os.path.join(CORPUS, "nl-dsmr22.txt"))
t = lines_json(out)[0]
check(t["header"] == "ISk5\\2MT382-1000", "header")
check(t["crc"] == "none", "dsmr22 crc")
check(obj(t, "1-0:1.8.1")[0]["values"] ==
      [{"raw": "01234.567*kWh", "number": 1234.567, "unit": "kWh"}], "1.8.1")
g = obj(t, "0-1:24.3.0")[0]
check(g["channel"] == 1, "channel")
check(len(g["values"]) == 7, "24.3.0 values")
check(g["values"][6] == {"raw": "00876.543", "number": 876.543,
                         "next_line": True}, "next-line value")
check(g["values"][0]["time"] == 1337270400, "24.3.0 time")
check(t["mbus"][0]["kind"] == "gas" and t["mbus"][0]["reading"] == 876.543,
      "typed gas")
check(t["electricity"]["energy_import_wh"] == {"1": 1234567, "2": 2345678},
      "typed energy")

rc, out, _ = run("--json", os.path.join(CORPUS, "nl-dsmr50.txt"))
t = lines_json(out)[0]
check(obj(t, "0-0:1.0.0")[0]["values"] ==
      [{"raw": "230701153045S", "time": 1688218245}], "timestamp value")
check(t["time"] == 1688218245, "meter time")
check(t["electricity"]["text"] == "Onderhoud netbeheerder 14-03 09:00-11:00",
      "text")

rc, out, _ = run("--json", os.path.join(CORPUS, "edge-nonascii.txt"))
t = lines_json(out)[0]
check(t["header"] == "FLU5\u00ab\u00ff\u00b3-METER \u00e9t\u00e9",
      f"non-UTF-8 header bytes as \\u00XX: {t['header']!r}")
check(b"\\u00ab\\u00ff\\u00b3" in out, "escaped as \\u00XX")

# Zones.
rc, out, _ = run("--json", "--zone", "Europe/Dublin",
                 os.path.join(CORPUS, "ie-dsmr50.txt"))
check(lines_json(out)[0]["time"] == 1688209200, "Dublin zone")

# A wire capture: one line per telegram found, bad CRCs included.
stream = os.path.join(CORPUS, "stream.bin")
rc, out, err = run("--json", stream)
tl = lines_json(out)
check(rc == 0, "stream exit")
check([t["crc"] for t in tl] == ["ok", "bad", "ok", "ok", "none", "none"],
      f"stream verdicts {[t['crc'] for t in tl]}")
check(tl[1]["electricity"]["energy_import_wh"]["1"] == 912345678,
      "bad-CRC telegram still decoded")
check(b"6 telegrams: 3 CRC ok, 1 CRC bad, 2 without CRC; 1 truncated"
      in err and b"cut off at the end" in err, f"summary: {err!r}")

# Standard input, text mode.
with open(stream, "rb") as f:
    data = f.read()
rc, out, err = run("-", stdin=data)
txt = out.decode().splitlines()
check(rc == 0 and len(txt) == 6, f"text mode: {len(txt)} lines")
check(txt[0].startswith("crc=ok KFM5KAIFA-METER family=dsmr dsmr=4.0 "
                        "time=2015-11-04T19:41:27Z"), txt[0])
check("crc=bad" in txt[1], txt[1])
check("peaks=13" in txt[3] and "water2=56.789m3" in txt[3], txt[3])
rc, out, err = run(stdin=b"")
check(rc == 0 and out == b"" and b"0 telegrams" in err, "empty input")

# Meter times past January 2038 print right where time_t has 32 bits too
# (the i386 build below; gmtime_r() printed 1903-11-26 for this one).
late = (b"/XMX5LGBBFG1009021021\r\n\r\n1-3:0.2.8(42)\r\n"
        b"0-0:1.0.0(400101120000W)\r\n1-0:1.8.1(001234.567*kWh)\r\n!\r\n")
rc, out, _ = run("-", stdin=late)
check(rc == 0 and b" time=2040-01-01T11:00:00Z " in out, f"2040: {out!r}")

# The text line's header: printable ASCII as sent, every other byte as
# \xNN, whatever its place (eight bytes are checked at a time).
def shown(bs):
    return "".join(chr(c) if 0x20 <= c < 0x7f else "\\x%02x" % c
                   for c in bs)


heads, want = b"", []
for i, c in enumerate([x for x in range(1, 256) if x not in (10, 13)]):
    pad = b"ABCDEFGHIJKLMNOPQ"[:i % 17]
    h = pad + bytes([c]) + b"xyz" * (i % 5)
    heads += b"/" + h + b"\r\n\r\n1-0:1.8.1(1*kWh)\r\n!\r\n"
    want.append(shown(h))
rc, out, _ = run("-", stdin=heads)
got = [ln.split(" family=")[0][len("crc=none "):]
       for ln in out.decode("ascii").splitlines()]
check(rc == 0 and got == want,
      "header bytes: " + str([(a, b) for a, b in zip(got, want) if a != b][:3]))

# Errors.
check(run("--bogus")[0] == 2, "bad option exit 2")
check(run("a", "b")[0] == 2, "two files exit 2")
check(run("--zone", "Mars/Base", stream)[0] == 2, "bad zone exit 2")
rc, _, err = run("/nonexistent/file")
check(rc == 1 and b"/nonexistent/file" in err, "missing file exit 1")
rc, out, _ = run("--help")
check(rc == 0 and b"usage" in out, "help")

# Encrypted frames (tests/corpus/dlms_gen.py): with the key, the very same
# output as the plaintext telegram, text and JSON; the summary counts.
def corpus(name):
    return os.path.join(CORPUS, name)


LU_KEY = ["--key-file", corpus("lu-smarty.key")]
AT_KEYS = ["--key-file", corpus("at-plain.key"),
           "--auth-key-file", corpus("at-plain.auth-key")]
for enc, plain, keys in (("lu-smarty.dlms", "lu-smarty.txt", LU_KEY),
                         ("at-plain.dlms", "at-plain.txt", AT_KEYS)):
    for mode in (["--json"], []):
        a = run(*mode, *keys, corpus(enc))
        b = run(*mode, corpus(plain))
        check(a[0] == 0 and a[1] == b[1] and a[1],
              f"{enc} {mode}: not the output of {plain}")
        check(b"1 encrypted frames: 1 decrypted" in a[2], f"{enc}: {a[2]!r}")
with open(corpus("lu-smarty.key")) as f:
    hexkey = f.read().strip()
a = run("--key", hexkey, corpus("lu-smarty.dlms"))
check(a[0] == 0 and a[1] == run(corpus("lu-smarty.txt"))[1], "--key HEX")
# The Austrian frame without its authentication key: the tag fails.
rc, out, err = run("--key-file", corpus("at-plain.key"),
                   corpus("at-plain.dlms"))
check(rc == 0 and out == b"" and b"1 failed authentication" in err and
      b"--auth-key" in err, f"AT without auth key: {err!r}")
# Wrong key.
rc, out, err = run("--key-file", corpus("at-plain.key"),
                   corpus("lu-smarty.dlms"))
check(out == b"" and b"1 failed authentication" in err, f"wrong key {err!r}")
# The mixed stream: 3 frames decoded, a replay, a forgery, a text telegram.
rc, out, err = run("--json", *LU_KEY, corpus("dlms-stream.bin"))
tl = lines_json(out)
check(rc == 0 and len(tl) == 4 and all(t["crc"] == "ok" for t in tl),
      f"dlms stream: {len(tl)} telegrams")
# Garbage: 19 bytes of noise (the forgery is scanned again for a frame it
# swallowed; its bytes stay a frame's, not garbage).
check(b"4 telegrams: 4 CRC ok" in err and b"19 garbage bytes" in err and
      b"5 encrypted frames: 3 decrypted, 1 failed authentication, "
      b"1 replayed, 0 without key" in err, f"dlms stream summary {err!r}")
rc, out, err = run(corpus("dlms-stream.bin"))
check(len(out.splitlines()) == 1 and b"5 without key" in err and
      b"--key-file" in err, f"dlms stream without key {err!r}")
# Bytes lost inside a frame: it runs into the next one.  The next one is
# found again and decrypted (not lost with it): by its header inside the
# cut frame (12 or more bytes lost: the cut frame is truncated), or, when
# that header straddles the cut frame's end, because the cut frame fails
# its tag and is scanned again.
with open(corpus("lu-smarty.dlms"), "rb") as f:
    frame = f.read()
for lost in (1, 11, 12, 13, 100):
    cut = frame[:300] + frame[300 + lost:] + frame
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        tmp.write(cut)
        tmp.flush()
        rc, out, err = run(*LU_KEY, tmp.name)
    want = (b"1 truncated" if lost >= 12 else
            b"2 encrypted frames: 1 decrypted, 1 failed authentication")
    check(rc == 0 and out == run(corpus("lu-smarty.txt"))[1] and
          want in err and b" 0 garbage bytes" in err,
          f"cut frame ({lost} bytes lost): {err!r}")
check(run("--key", "0011", corpus("lu-smarty.dlms"))[0] == 2, "short key")
check(run("--key-file", "/nonexistent", corpus("lu-smarty.dlms"))[0] == 2,
      "missing key file")

# A 32-bit build decodes every file to exactly the same output.
if len(sys.argv) > 3:
    other = shlex.split(sys.argv[3])
    names = sorted(n for n in os.listdir(CORPUS)
                   if n.endswith(".txt") or n.endswith(".bin"))
    for name in names:
        for mode in (["--json"], []):
            args = [*mode, os.path.join(CORPUS, name)]
            a = subprocess.run([*DECODE, *args], capture_output=True)
            b = subprocess.run([*other, *args], capture_output=True)
            check(a.stdout == b.stdout and a.stderr == b.stderr and
                  a.returncode == b.returncode,
                  f"{sys.argv[3]} differs on {name} {mode}")
    for keys, name in ((LU_KEY, "dlms-stream.bin"),
                       (AT_KEYS, "at-plain.dlms")):
        args = [*keys, "--json", corpus(name)]
        a = subprocess.run([*DECODE, *args], capture_output=True)
        b = subprocess.run([*other, *args], capture_output=True)
        check(a.stdout == b.stdout and a.stderr == b.stderr and a.stdout,
              f"{sys.argv[3]} differs on {name} decrypted")
    for mode in (["--json"], []):
        a = subprocess.run([*DECODE, *mode, "-"], input=late,
                           capture_output=True)
        b = subprocess.run([*other, *mode, "-"], input=late,
                           capture_output=True)
        check(a.stdout == b.stdout and a.stderr == b.stderr and
              a.returncode == b.returncode,
              f"{sys.argv[3]} differs on a 2040 time {mode}")

# Byte for byte what the decoder printed before its output paths were
# made fast (issue 17): tests/unit/golden/NAME.json and NAME.txt, the
# standard output of "p1ctl decode [--json] tests/corpus/NAME".  A new
# corpus file gets its pair by running the decoder on it once.
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
compared = 0
for name in sorted(os.listdir(CORPUS)):
    for mode, ext in ((["--json"], ".json"), ([], ".txt")):
        gp = os.path.join(GOLDEN, name + ext)
        if not os.path.exists(gp):
            continue
        rc, out, _ = run(*mode, os.path.join(CORPUS, name))
        with open(gp, "rb") as f:
            want = f.read()
        check(out == want, f"{name}{ext}: output differs from the golden "
              "file")
        compared += 1
check(compared >= 50, f"only {compared} golden files compared")

if failures:
    print(f"decode_test: {failures} failures")
    sys.exit(1)
print("decode_test: all checks passed")
