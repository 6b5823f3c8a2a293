# SPDX-License-Identifier: GPL-2.0-or-later
"""CRC16/ARC of P1 telegrams (poly 0xA001 reflected, init 0), for the
Python test scripts: an oracle written apart from the C framer's."""


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
