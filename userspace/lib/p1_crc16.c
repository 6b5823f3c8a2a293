// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_crc16.c - the framer's CRC hook p1_crc16() in userspace: CRC-16/ARC
 * (polynomial x^16 + x^15 + x^2 + 1, reflected 0xA001, as DSMR uses it).
 * The kernel build of the framer uses the kernel's crc16() instead.
 *
 * Two methods, the same result:
 *  - slicing-by-8: eight bytes with eight table lookups (p1_crc16_tab.h),
 *    about 3.6 instructions a byte, on any CPU and byte order;
 *  - folding with carry-less multiplication (x86-64 PCLMULQDQ, arm64
 *    PMULL: both checked at run time): four 128-bit lanes take 64 bytes a
 *    round, each lane
 *    multiplied forward by x^512 modulo P and the next data XORed in,
 *    about 0.4 instructions a byte.  The lanes are folded into one, the
 *    last 128 bits and the tail (< 16 bytes) go through the tables.
 *
 * Folding, in the reflected bit order of the wire (the first byte's bit 0
 * is the highest power): a 128-bit lane X is H * x^64 + L, with H its low
 * and L its high 64-bit half.  Moving it D bits further,
 * X * x^D = H * x^(D + 64) + L * x^D, and modulo P that is H times
 * (x^(D + 64) mod P) plus L times (x^D mod P): two carry-less products of
 * 64 x 16 bits that fit the 128-bit lane again.  A reflected product
 * comes out one bit lower than it should, so the constants are
 * x^(D + 63) and x^(D - 1) mod P, bit-reversed into 64 bits.  Generated:
 *   c(e) = x^e mod P, as a 16-bit polynomial, bit i -> bit 63 - i.
 * An initial CRC c is the CRC of a message whose first 16 bits were XORed
 * with c: it is XORed into the first lane.
 */
#include "p1_crc16.h"
#include "p1_framer.h"

#include "p1_crc16_tab.h"

uint16_t p1i_crc16_slice8(uint16_t crc, const uint8_t *p, size_t n)
{
	const u16(*t)[256] = crc16_arc_tab;

	for (; n >= 8; n -= 8, p += 8) {
		uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			      (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
			      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

		lo ^= crc;
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (n--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return crc;
}

/* Below this many bytes the tables are as fast as setting up the lanes. */
#define CLMUL_MIN 64

#if defined(__x86_64__) && defined(__GNUC__) && !defined(P1_CRC16_NO_CLMUL)
#include <immintrin.h>

/*
 * c(D + 63) in the low, c(D - 1) in the high half: D = 512 and 128 (the
 * arm64 path below uses the same).
 */
#define K512_LO 0xc450000000000000ull
#define K512_HI 0x8101000000000000ull
#define K128_LO 0xccd0000000000000ull
#define K128_HI 0xc100000000000000ull

#define CLMUL_TARGET __attribute__((target("sse2,pclmul")))

static CLMUL_TARGET inline __m128i fold(__m128i x, __m128i k, __m128i data)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
					   _mm_clmulepi64_si128(x, k, 0x11)),
			     data);
}

static CLMUL_TARGET inline __m128i load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

CLMUL_TARGET uint16_t p1i_crc16_clmul(uint16_t crc, const uint8_t *p, size_t n)
{
	const __m128i k512 =
		_mm_set_epi64x((long long)K512_HI, (long long)K512_LO);
	const __m128i k128 =
		_mm_set_epi64x((long long)K128_HI, (long long)K128_LO);
	__m128i x0, x1, x2, x3;
	uint8_t last[16];

	if (n < CLMUL_MIN)
		return p1i_crc16_slice8(crc, p, n);
	x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(crc));
	x1 = load(p + 16);
	x2 = load(p + 32);
	x3 = load(p + 48);
	for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
		x0 = fold(x0, k512, load(p));
		x1 = fold(x1, k512, load(p + 16));
		x2 = fold(x2, k512, load(p + 32));
		x3 = fold(x3, k512, load(p + 48));
	}
	x0 = fold(x0, k128, x1);
	x0 = fold(x0, k128, x2);
	x0 = fold(x0, k128, x3);
	for (; n >= 16; p += 16, n -= 16)
		x0 = fold(x0, k128, load(p));
	_mm_storeu_si128((__m128i *)(void *)last, x0);
	crc = p1i_crc16_slice8(0, last, sizeof(last));
	return p1i_crc16_slice8(crc, p, n);
}

bool p1i_crc16_have_clmul(void)
{
	return __builtin_cpu_supports("pclmul");
}
#elif defined(__aarch64__) && defined(__AARCH64EL__) && defined(__GNUC__) &&   \
	!defined(P1_CRC16_NO_CLMUL)
/*
 * arm64 (Raspberry Pi 3, 4 and 5 with a 64-bit OS): PMULL, the same
 * folding with the same constants.  A 128-bit vector holds the bytes in
 * memory order, as on x86-64: lane 0 is the low half.  PMULL is part of
 * the Cryptography Extension, which not every arm64 CPU has (the
 * Raspberry Pi's BCM2711 and BCM2837 lack it); the kernel says so in
 * AT_HWCAP.
 */
#include <arm_neon.h>
#include <sys/auxv.h>

#define K512_LO 0xc450000000000000ull
#define K512_HI 0x8101000000000000ull
#define K128_LO 0xccd0000000000000ull
#define K128_HI 0xc100000000000000ull

#define CLMUL_TARGET __attribute__((target("+crypto")))

/* x.lo * k.lo ^ x.hi * k.hi ^ data (k: lane 0 low, lane 1 high). */
static CLMUL_TARGET inline uint8x16_t fold(uint8x16_t x, poly64x2_t k,
					   uint8x16_t data)
{
	poly64x2_t xp = vreinterpretq_p64_u8(x);
	uint8x16_t lo = vreinterpretq_u8_p128(
		vmull_p64(vgetq_lane_p64(xp, 0), vgetq_lane_p64(k, 0)));
	uint8x16_t hi = vreinterpretq_u8_p128(vmull_high_p64(xp, k));

	return veorq_u8(veorq_u8(lo, hi), data);
}

static CLMUL_TARGET inline poly64x2_t konst(uint64_t lo, uint64_t hi)
{
	return vcombine_p64(vcreate_p64(lo), vcreate_p64(hi));
}

CLMUL_TARGET uint16_t p1i_crc16_clmul(uint16_t crc, const uint8_t *p, size_t n)
{
	const poly64x2_t k512 = konst(K512_LO, K512_HI);
	const poly64x2_t k128 = konst(K128_LO, K128_HI);
	uint8x16_t x0, x1, x2, x3;
	uint8_t last[16];

	if (n < CLMUL_MIN)
		return p1i_crc16_slice8(crc, p, n);
	x0 = veorq_u8(vld1q_u8(p), vreinterpretq_u8_u64(vcombine_u64(
					   vcreate_u64(crc), vcreate_u64(0))));
	x1 = vld1q_u8(p + 16);
	x2 = vld1q_u8(p + 32);
	x3 = vld1q_u8(p + 48);
	for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
		x0 = fold(x0, k512, vld1q_u8(p));
		x1 = fold(x1, k512, vld1q_u8(p + 16));
		x2 = fold(x2, k512, vld1q_u8(p + 32));
		x3 = fold(x3, k512, vld1q_u8(p + 48));
	}
	x0 = fold(x0, k128, x1);
	x0 = fold(x0, k128, x2);
	x0 = fold(x0, k128, x3);
	for (; n >= 16; p += 16, n -= 16)
		x0 = fold(x0, k128, vld1q_u8(p));
	vst1q_u8(last, x0);
	crc = p1i_crc16_slice8(0, last, sizeof(last));
	return p1i_crc16_slice8(crc, p, n);
}

bool p1i_crc16_have_clmul(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_PMULL) != 0;
}
#else
uint16_t p1i_crc16_clmul(uint16_t crc, const uint8_t *p, size_t n)
{
	return p1i_crc16_slice8(crc, p, n);
}

bool p1i_crc16_have_clmul(void)
{
	return false;
}
#endif

u16 p1_crc16(u16 crc, const u8 *p, size_t n)
{
	if (n >= CLMUL_MIN && p1i_crc16_have_clmul())
		return p1i_crc16_clmul(crc, p, n);
	return p1i_crc16_slice8(crc, p, n);
}
