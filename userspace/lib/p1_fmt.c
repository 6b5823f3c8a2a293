// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_fmt.c - "%.15g" and unsigned integers without the printf family.
 *
 * A double that is the nearest double to a decimal D of at most 15
 * significant digits (DBL_DIG) prints under "%.15g" as D itself: the
 * rounding error of the conversion (at most half an ulp, 1.1e-16
 * relative) is below half a unit of D's 15th digit (5e-16 relative at
 * least).  So: try D = r / 10^k for k = 0, 1, ... with r = x * 10^k
 * rounded, and keep it when r / 10^k (one correctly rounded division of
 * exact numbers: r < 2^53, 10^k <= 10^22) gives x back.  The smallest
 * such k has no trailing zero after the point, as "%g" strips them; in
 * [1e-4, 1e15) "%g" uses the fixed notation.  Most readings have at most
 * three decimals: k = 3 is tried first, once (p1i_fmt_dec3()).
 *
 * From 1e15 to 1e37 (the equipment id some meters send as a number), "%g"
 * writes 15 significant digits and an exponent: t = x / 10^p (p = exponent
 * - 14, 10^p exact) is within 0.07 of the real quotient (half an ulp below
 * 1e15), so when t is not within 0.1 of a half, t rounded to an integer
 * r is the real quotient rounded: the 15 digits.  When t is near a half
 * (one id in five), the exact quotient in 128-bit integers decides
 * (digits15_exact(); 32-bit hosts have no such integers and use
 * snprintf).  No libm: libp1.a users do not all link it.
 *
 * Whatever does not fit goes to snprintf, so the output is always
 * "%.15g"'s.
 */
#include <math.h> /* signbit(), a macro */
#include <stdio.h>
#include <string.h>

#include "p1_fmt.h"
#include "p1_internal.h"

/* "00" "01" .. "99": two digits per step. */
const char p1i_digits2[200] = {
#define P1I_D10(t)                                                             \
	t, '0', t, '1', t, '2', t, '3', t, '4', t, '5', t, '6', t, '7', t,     \
		'8', t, '9'
	P1I_D10('0'), P1I_D10('1'), P1I_D10('2'), P1I_D10('3'), P1I_D10('4'),
	P1I_D10('5'), P1I_D10('6'), P1I_D10('7'), P1I_D10('8'), P1I_D10('9'),
#undef P1I_D10
};

/* x < 10000 at b: 1-4 digits; returns the count. */
static inline size_t fmt_u4(char *b, uint32_t x)
{
	uint32_t hi, lo;

	if (x < 100) {
		if (x < 10) {
			b[0] = (char)('0' + x);
			return 1;
		}
		memcpy(b, p1i_digits2 + 2 * x, 2);
		return 2;
	}
	hi = x / 100;
	lo = x % 100;
	if (x < 1000) {
		b[0] = (char)('0' + hi);
		memcpy(b + 1, p1i_digits2 + 2 * lo, 2);
		return 3;
	}
	memcpy(b, p1i_digits2 + 2 * hi, 2);
	memcpy(b + 2, p1i_digits2 + 2 * lo, 2);
	return 4;
}

/* x < 10000 at b as 4 digits, zeros first. */
static inline void fmt_z4(char *b, uint32_t x)
{
	memcpy(b, p1i_digits2 + 2 * (x / 100), 2);
	memcpy(b + 2, p1i_digits2 + 2 * (x % 100), 2);
}

/* x < 10^8 at b as 8 digits, zeros first. */
static inline void fmt_z8(char *b, uint32_t x)
{
	fmt_z4(b, x / 10000);
	fmt_z4(b + 4, x % 10000);
}

/* x < 10^8 at b: 1-8 digits; returns the count. */
static inline size_t fmt_u8(char *b, uint32_t x)
{
	size_t n;

	if (x < 10000)
		return fmt_u4(b, x);
	n = fmt_u4(b, x / 10000);
	fmt_z4(b + n, x % 10000);
	return n + 4;
}

/* Four digits a step from the top: no digit count first. */
size_t p1i_fmt_u64(char *b, uint64_t x)
{
	size_t n;

	if (x < 100000000)
		return fmt_u8(b, (uint32_t)x);
	if (x < 10000000000000000ull) {
		n = fmt_u8(b, (uint32_t)(x / 100000000));
		fmt_z8(b + n, (uint32_t)(x % 100000000));
		return n + 8;
	}
	n = fmt_u4(b, (uint32_t)(x / 10000000000000000ull));
	x %= 10000000000000000ull;
	fmt_z8(b + n, (uint32_t)(x / 100000000));
	fmt_z8(b + n + 8, (uint32_t)(x % 100000000));
	return n + 16;
}

/*
 * The 15 digits of 1e15 <= a < 1e37 at 10^p, exactly: a = m * 2^e2 (m
 * the 53-bit significand) is N / D with N = m * 2^max(e2, 0) < 2^123 and
 * D = 10^p * 2^max(-e2, 0) (e2 >= -3 from 1e15 on), both in 128 bits.
 * The quotient rounded half to even, as "%.15g" rounds exact ties.
 * Without 128-bit integers (32-bit hosts): false, snprintf does it.
 */
static bool digits15_exact(double a, unsigned p, double *r)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 n, d = 1, q, rem;
	uint64_t bits, m;
	int e2;
	unsigned i;

	memcpy(&bits, &a, sizeof(bits));
	m = (bits & 0xfffffffffffffull) | 1ull << 52;
	e2 = (int)((bits >> 52) & 0x7ff) - 1075;
	for (i = 0; i < p; i++)
		d *= 10;
	if (e2 >= 0) {
		n = (unsigned __int128)m << e2;
	} else {
		n = m;
		d <<= -e2;
	}
	q = n / d;
	rem = n - q * d;
	if (2 * rem > d || (2 * rem == d && (q & 1)))
		q++;
	*r = (double)(uint64_t)q;
	return q < 1000000000000000ull;
#else
	(void)a;
	(void)p;
	(void)r;
	return false;
#endif
}

/* 1e15 <= a < 1e37: d.ddde+XX, or 0 when snprintf must do it. */
static size_t fmt_exp(char *b, double x, double a)
{
	double t, r;
	char d[20];
	size_t n = 0, nd;
	unsigned e = 15, p;
	uint64_t bits;
	int e2;

	/* Start below the exponent: floor(log10(2^e2)) - 1 <= log10(a) - 1,
	 * so the powers skipped are all far below a. */
	memcpy(&bits, &a, sizeof(bits));
	e2 = (int)((bits >> 52) & 0x7ff) - 1023;
	if (e2 > 0 && (e2 * 78913 >> 18) - 1 > (int)e)
		e = (unsigned)((e2 * 78913 >> 18) - 1);
	/* 10^(e+1) as a double: exact up to 1e22; a product above (the
	 * range check of r below catches a boundary it misplaces) */
	while (e < 36 && a >= (e + 1 <= 22 ? p1i_pow10[e + 1]
					   : p1i_pow10[22] * p1i_pow10[e - 21]))
		e++;
	p = e - 14;
	t = a / p1i_pow10[p];
	r = (double)(uint64_t)(t + 0.5);
	if (t - r > 0.4 || r - t > 0.4) {
		/* t near a half: the exact quotient decides */
		if (!digits15_exact(a, p, &r))
			return 0;
	}
	if (r < 1e14 || r >= 1e15)
		return 0;
	nd = p1i_fmt_u64(d, (uint64_t)r);
	while (nd > 1 && d[nd - 1] == '0')
		nd--;
	if (x < 0)
		b[n++] = '-';
	b[n++] = d[0];
	if (nd > 1) {
		b[n++] = '.';
		memcpy(b + n, d + 1, nd - 1);
		n += nd - 1;
	}
	memcpy(b + n, "e+", 2);
	n += 2;
	return n + p1i_fmt_u64(b + n, e);
}

size_t p1i_fmt_g15(char *b, double x)
{
	double a = x < 0 ? -x : x;
	size_t n = 0;
	unsigned k;

	if (a == 0) {
		if (signbit(x))
			b[n++] = '-';
		b[n++] = '0';
		return n;
	}
	/* (int64_t conversions below 10^15: exact, and cheaper than the
	 * unsigned ones) */
	if (a >= 1 && a < 1e15 && a == (double)(int64_t)a) {
		/* an integer (most readings in base units): k = 0 below */
		if (x < 0)
			b[n++] = '-';
		return n + p1i_fmt_u64(b + n, (uint64_t)(int64_t)a);
	}
	if (a >= 1e-3 && a < 1e12) {
		/* at most three decimals (most non-integer readings): see
		 * p1i_fmt_dec3() */
		n = p1i_fmt_dec3(b, x, a);
		if (n)
			return n;
	}
	if (a >= 1e-4 && a < 1e15) {
		/* from 1 on, k = 0 (an integer) was taken above */
		for (k = a >= 1; k < 19; k++) {
			double m = a * p1i_pow10[k];
			uint64_t r;
			char d[32];
			size_t nd, lead;

			if (m >= 1e15)
				break;
			r = (uint64_t)(int64_t)(m + 0.5);
			if ((double)(int64_t)r / p1i_pow10[k] != a)
				continue;
			if (x < 0)
				b[n++] = '-';
			nd = p1i_fmt_u64(d, r);
			if (nd <= k) { /* 0.000ddd */
				lead = k - nd;
				memcpy(b + n, "0.", 2);
				n += 2;
				memset(b + n, '0', lead);
				n += lead;
				memcpy(b + n, d, nd);
				return n + nd;
			}
			/* nd <= 15 (r < 1e15), n <= 1: constant-size copies
			 * stay within b's P1I_FMT_G15_MAX (32) bytes */
			memcpy(b + n, d, 16);
			n += nd - k;
			if (k) {
				b[n++] = '.';
				memcpy(b + n, d + nd - k, 16);
				n += k;
			}
			return n;
		}
	}
	if (a >= 1e15 && a < 1e37) {
		n = fmt_exp(b, x, a);
		if (n)
			return n;
	}
	return (size_t)snprintf(b, P1I_FMT_G15_MAX, "%.15g", x);
}
