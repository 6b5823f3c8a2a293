/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1_crc16.h - the two userspace implementations behind the framer's CRC
 * hook p1_crc16() (p1_framer.h), for the tests that hold them against
 * each other.  Not installed.
 */
#ifndef P1_CRC16_H
#define P1_CRC16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CRC-16/ARC, eight bytes at a time with eight table lookups. */
uint16_t p1i_crc16_slice8(uint16_t crc, const uint8_t *p, size_t n);

/*
 * CRC-16/ARC folded 64 bytes at a time with carry-less multiplication
 * (x86-64 PCLMULQDQ, arm64 PMULL).  Call only when p1i_crc16_have_clmul().
 */
uint16_t p1i_crc16_clmul(uint16_t crc, const uint8_t *p, size_t n);

/* Whether this build and this CPU can run p1i_crc16_clmul(). */
bool p1i_crc16_have_clmul(void);

#endif /* P1_CRC16_H */
