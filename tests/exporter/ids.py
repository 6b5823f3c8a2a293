#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the identifiers a telegram carries, one per line: the raw value
of every identifier object (x-y:96.1.e, x-y:0.0.e, x-y:42.0.0; not the
eMUCs version 0-0:96.1.4) and its hex-decoded text, for test-hostile's
redaction checks.  Written apart from libp1's p1_redact.c.

  ids.py FILE
"""
import re
import sys

data = open(sys.argv[1], "rb").read()
emucs = b"0-0:96.1.4(" in data
out = set()
for m in re.finditer(rb"^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)(?:\*\d+)?\(([^)]*)\)",
                     data, re.M):
    c, d, e = int(m.group(3)), int(m.group(4)), int(m.group(5))
    ident = ((c, d) == (96, 1) and (e <= 9 or e == 255) and
             not (e == 4 and emucs)) or \
            ((c, d) == (0, 0) and (e <= 9 or e == 255)) or (c, d, e) == (42, 0, 0)
    v = m.group(6)
    if not ident or len(v) < 4:
        continue
    out.add(v.decode("latin-1"))
    if re.fullmatch(rb"([0-9A-Fa-f]{2})+", v):
        dec = bytes.fromhex(v.decode()).decode("latin-1").strip()
        if len(dec) >= 4:
            out.add(dec)
print("\n".join(sorted(out)))
