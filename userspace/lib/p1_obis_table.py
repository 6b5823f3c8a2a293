#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate p1_obis_table.c: the OBIS codes libp1's typed view knows, as
meters send them, in an open-addressing hash table keyed by their text
(p1_code.h).

    python3 userspace/lib/p1_obis_table.py |
        clang-format --assume-filename=p1_obis_table.c \
        > userspace/lib/p1_obis_table.c

The hash must stay p1_code.h's p1i_code_hash() (SLOTS_BITS and MUL_H,
which gives each code a slot of its own: one probe finds it or not);
tests/unit/test_code.c finds every entry and compares it with the
field-by-field parser and the typed view of the slow path.
"""

import random
import sys

SLOTS_BITS = 9
# A multiplier that gives every code a slot of its own (perfect hashing:
# one probe); `p1_obis_table.py --search` finds another when codes change.
MUL_H = 0x4598795C827BA863
M64 = (1 << 64) - 1


def key_words(text):
    b = text.encode().ljust(16, b"\0")
    return int.from_bytes(b[:8], "little"), int.from_bytes(b[8:], "little")


def slot_of(k0, k1, mul=MUL_H):
    return ((k0 ^ k1) * mul & M64) >> (64 - SLOTS_BITS)


def perfect(keys, mul):
    slots = {slot_of(k0, k1, mul) for k0, k1 in keys}
    return len(slots) == len(keys)


def search(keys):
    rnd = random.Random(1)
    while True:
        mul = rnd.getrandbits(64) | 1
        if perfect(keys, mul):
            return mul


# The value formats DSMR 5.0.2 gives the codes: (integer digits, decimals,
# unit, enum p1_unit of the unit).  Index 0: none.
SHAPES = [
    None,
    (6, 3, "kWh", "P1_UNIT_KWH"),  # F9(3)
    (2, 3, "kW", "P1_UNIT_KW"),  # F5(3)
    (3, 1, "V", "P1_UNIT_V"),  # F4(1)
    (3, 0, "A", "P1_UNIT_A"),  # F3(0)
    (5, 0, "", "P1_UNIT_NONE"),  # F5(0)
    (4, 0, "", "P1_UNIT_NONE"),  # S4 (tariff)
]
# The quantity a shape's unit is, and its power of ten to the base unit
# (p1_typed.c's p1i_uinfo); Q_PLAIN takes any.
SHAPE_QTY = {
    "P1_UNIT_KWH": ("Q_ENERGY", 3),
    "P1_UNIT_KW": ("Q_POWER", 3),
    "P1_UNIT_V": ("Q_VOLT", 0),
    "P1_UNIT_A": ("Q_AMP", 0),
    "P1_UNIT_NONE": ("Q_PLAIN", 0),
}
KWH, KW, VOLT, AMP, F5, S4 = range(1, 7)

SHAPE_OF = {}


def shape_of(text):
    c = text.split(":")[1]
    a = text.split(":")[0]
    if a == "1-0":
        if c.split(".")[0] in ("1", "2") and c.split(".")[1] == "8":
            return KWH
        if c in ("1.7.0", "2.7.0", "21.7.0", "41.7.0", "61.7.0", "22.7.0",
                 "42.7.0", "62.7.0"):
            return KW
        if c in ("32.7.0", "52.7.0", "72.7.0"):
            return VOLT
        if c in ("31.7.0", "51.7.0", "71.7.0"):
            return AMP
        if c.split(".")[1] in ("32", "36") and c.split(".")[0] in ("32", "52",
                                                                   "72"):
            return F5
    if text in ("0-0:96.7.21", "0-0:96.7.9"):
        return F5
    if text == "0-0:96.14.0":
        return S4
    return 0


def shape_words(shape):
    """template, exact-byte mask and digit-byte mask, two words each"""
    ni, nf, unit, _ = shape
    tmpl, exact, digit = [], [], []
    for _ in range(ni):
        tmpl.append(ord("0")), exact.append(0), digit.append(0x80)
    if nf:
        tmpl.append(ord(".")), exact.append(0xFF), digit.append(0)
        for _ in range(nf):
            tmpl.append(ord("0")), exact.append(0), digit.append(0x80)
    if unit:
        for ch in "*" + unit:
            tmpl.append(ord(ch)), exact.append(0xFF), digit.append(0)
    tmpl.append(ord(")")), exact.append(0xFF), digit.append(0)
    n = len(tmpl)
    assert n <= 16
    pad = 16 - n
    tmpl += [0] * pad
    exact += [0] * pad
    digit += [0] * pad

    def words(b):
        return (int.from_bytes(bytes(b[:8]), "little"),
                int.from_bytes(bytes(b[8:]), "little"))
    return words(tmpl), words(exact), words(digit), n - 1


def codes():
    """(text, kind, qty, seen, offsetof member or None)"""
    out = []

    def num(text, q, member, seen="0"):
        out.append((text, "P1I_CODE_NUM", q, seen, member))

    def other(text):
        out.append((text, "P1I_CODE_OTHER", "Q_PLAIN", "0", None))

    # electricity, 1-0:C.8.E: energies per tariff (E 3, 4: Hungary)
    regs = {1: ("energy_import", "Q_ENERGY", "0"),
            2: ("energy_export", "Q_ENERGY", "0"),
            3: ("reactive_import", "Q_RENERGY", "P1I_SEEN_REACTIVE"),
            4: ("reactive_export", "Q_RENERGY", "P1I_SEEN_REACTIVE")}
    for c, (name, q, seen) in regs.items():
        for e in range(5):
            s = seen
            if e >= 3:
                s = "P1I_SEEN_HU" if s == "0" else s + " | P1I_SEEN_HU"
            num(f"1-0:{c}.8.{e}", q, f"elec.{name}[{e}]", s)
    for c in range(5, 9):
        num(f"1-0:{c}.8.0", "Q_RENERGY", f"elec.reactive_quadrant[{c - 5}]",
            "P1I_SEEN_HU")
    num("1-0:1.7.0", "Q_POWER", "elec.power_import")
    num("1-0:2.7.0", "Q_POWER", "elec.power_export")
    num("1-0:3.7.0", "Q_RPOWER", "elec.reactive_power_import")
    num("1-0:4.7.0", "Q_RPOWER", "elec.reactive_power_export")
    num("1-0:13.7.0", "Q_PLAIN", "elec.power_factor")
    num("1-0:14.7.0", "Q_HZ", "elec.frequency")
    num("1-0:1.4.0", "Q_POWER", "elec.demand")
    num("1-0:31.4.0", "Q_AMP", "elec.fuse")
    other("1-0:1.6.0")
    other("1-0:99.97.0")
    other("1-3:0.2.8")
    # per phase
    for i, base in enumerate((20, 40, 60)):
        ph = f"elec.phase[{i}]"
        num(f"1-0:{base + 1}.7.0", "Q_POWER", ph + ".power_import")
        num(f"1-0:{base + 2}.7.0", "Q_POWER", ph + ".power_export")
        num(f"1-0:{base + 3}.7.0", "Q_RPOWER", ph + ".reactive_import")
        num(f"1-0:{base + 4}.7.0", "Q_RPOWER", ph + ".reactive_export")
        num(f"1-0:{base + 11}.7.0", "Q_AMP", ph + ".current")
        num(f"1-0:{base + 12}.7.0", "Q_VOLT", ph + ".voltage")
        num(f"1-0:{base + 13}.7.0", "Q_PLAIN", ph + ".power_factor")
        num(f"1-0:{base + 1}.8.0", "Q_ENERGY", ph + ".energy_import")
        num(f"1-0:{base + 2}.8.0", "Q_ENERGY", ph + ".energy_export")
        num(f"1-0:{base + 12}.32.0", "Q_PLAIN", ph + ".voltage_sags")
        num(f"1-0:{base + 12}.36.0", "Q_PLAIN", ph + ".voltage_swells")
    # abstract objects, 0-0:
    num("0-0:96.14.0", "Q_PLAIN", "elec.tariff")
    num("0-0:96.7.21", "Q_PLAIN", "elec.failures")
    num("0-0:96.7.9", "Q_PLAIN", "elec.long_failures")
    num("0-0:96.3.10", "Q_PLAIN", "elec.breaker")
    for cde in ("1.0.0", "96.1.1", "96.1.0", "96.1.4", "42.0.0", "96.13.0",
                "96.13.1", "17.0.0", "98.1.0"):
        other("0-0:" + cde)
    # M-Bus channels
    for b in range(1, 5):
        for cde in ("24.1.0", "96.1.0", "96.1.1", "24.2.1", "24.2.3",
                    "24.3.0", "24.4.0"):
            other(f"0-{b}:{cde}")
    return out


def main():
    tab = codes()
    assert len(tab) < 255
    keys = [key_words(text) for text, *_rest in tab]
    if sys.argv[1:] == ["--search"]:
        print(f"MUL_H = {search(keys):#X}")
        return
    if not perfect(keys, MUL_H):
        sys.exit("p1_obis_table.py: MUL_H is no longer perfect: --search")
    slots = [0] * (1 << SLOTS_BITS)
    for i, (text, *_rest) in enumerate(tab):
        assert len(text) < 16
        slots[slot_of(*key_words(text))] = i + 1
    print("""// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_obis_table.c - the OBIS codes p1_code.h finds by their text.
 * GENERATED by p1_obis_table.py: edit that and run it as its docstring
 * says.
 */
#include <stddef.h>

#include "p1_code.h"

#ifdef P1_SWAR

_Static_assert(P1I_CODE_SLOTS == %d, "p1_obis_table.py: SLOTS_BITS");
_Static_assert(P1I_CODE_MUL == %#xull, "p1_obis_table.py: MUL_H");

#define D(m)  offsetof(struct p1_data, m)
#define NUM   P1I_CODE_NUM
#define OTHER P1I_CODE_OTHER
#define R     P1I_SEEN_REACTIVE
#define HU    P1I_SEEN_HU

// clang-format off
const struct p1i_code p1i_codes[] = {""" % (1 << SLOTS_BITS, MUL_H))
    for text, kind, q, seen, member in tab:
        k0, k1 = key_words(text)
        a, rest = text.split("-")
        b, rest = rest.split(":")
        c, d, e = rest.split(".")
        kind = kind.replace("P1I_CODE_", "")
        seen = seen.replace("P1I_SEEN_REACTIVE", "R").replace("P1I_SEEN_", "")
        shape = shape_of(text) if kind == "NUM" else 0
        if shape:
            # the typed value is p1i_num_of() of the shaped value
            want_q, _ = SHAPE_QTY[SHAPES[shape][3]]
            assert want_q == q, (text, want_q, q)
        print(f"\t/* {text} */\n"
              f"\t{{{{{k0:#018x}ull, {k1:#x}ull}}, {{{a}, {b}, {c}, {d}, {e}, 255}}, {len(text)},\n"
              f"\t {kind}, {q}, {seen}, {('D(' + member + ')') if member else '0'}, {shape}}},")
    print("};")
    print("// clang-format on\n")
    print("const unsigned p1i_ncodes = sizeof(p1i_codes) / sizeof(p1i_codes[0]);\n")
    print("/* DSMR 5.0.2's value formats: template, exact bytes, digit bytes */")
    print("/* struct p1_value from .off on: len, unit_len, decimals, flags, unit */")
    print("#define TAIL(len, ulen, dec, flags, unit) \\")
    print("\t((uint64_t)(len) << 16 | (uint64_t)(ulen) << 32 | \\")
    print("\t (uint64_t)(dec) << 40 | (uint64_t)(flags) << 48 | (uint64_t)(unit) << 56)")
    print("")
    print("// clang-format off")
    print("const struct p1i_shape p1i_shapes[] = {")
    print("\t{{0, 0}, {0, 0}, {0, 0}, 0, 0, 0, 0, 0, P1_UNIT_NONE, 0},")
    for sh in SHAPES[1:]:
        (t0, t1), (e0, e1), (d0, d1), n = shape_words(sh)
        ni, nf, unit, uenum = sh
        print(f"\t/* {'0' * ni}{'.' + '0' * nf if nf else ''}{'*' + unit if unit else ''}) */")
        vflags = "P1_VAL_NUMBER | P1_VAL_UNIT" if unit else "P1_VAL_NUMBER"
        tail = (f"TAIL({n}, {len(unit)}, {nf}, {vflags}, {uenum})")
        e10 = SHAPE_QTY[uenum][1]
        assert e10 in (0, nf)
        print(f"\t{{{{{t0:#x}ull, {t1:#x}ull}},\n\t {{{e0:#x}ull, {e1:#x}ull}},\n"
              f"\t {{{d0:#x}ull, {d1:#x}ull}},\n\t {tail},\n\t {ni}, {nf}, {n}, {len(unit)}, {uenum}, {int(e10 != 0)}}},")
    print("};")
    print("// clang-format on\n")
    print(f"const uint8_t p1i_code_slots[P1I_CODE_SLOTS] = {{")
    row = []
    for i, v in enumerate(slots):
        row.append(str(v))
        if len(row) == 16:
            print("\t" + ", ".join(row) + ",")
            row = []
    print("};")
    print("""
#endif /* P1_SWAR */""")


if __name__ == "__main__":
    main()
