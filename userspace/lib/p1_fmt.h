/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1_fmt.h - number formatting without the printf family, for the hot
 * output paths (p1_json.c, p1ctl decode).  Internal to libp1 and the
 * programs linked with its static archive (names p1i_*).
 */
#ifndef P1_FMT_H
#define P1_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Longest output of p1i_fmt_g15() ("-1.23456789012345e-308" and NUL). */
#define P1I_FMT_G15_MAX 32

/*
 * x exactly as snprintf("%.15g") writes it, into b (P1I_FMT_G15_MAX bytes,
 * not NUL-terminated); returns the length.  Values with up to 15
 * significant digits in [1e-4, 1e15) (every meter reading) are written
 * without printf; anything else goes to snprintf.
 */
size_t p1i_fmt_g15(char *b, double x);

/* Decimal digits of x at b (up to 20 bytes); returns the length. */
size_t p1i_fmt_u64(char *b, uint64_t x);

/* "00" "01" .. "99" (200 bytes, no NULs). */
extern const char p1i_digits2[200];

/*
 * 1e-3 <= a < 1e12, not an integer: r = a * 1000 rounded; when r / 1000
 * (one correctly rounded division) gives a back, the decimal D = r / 1000
 * is the one the loop of p1i_fmt_g15() finds, written with its trailing
 * zeros stripped: below 1e12 an ulp of a is at most 2^-13 < 10^-3, so no
 * other decimal of at most three decimals rounds to a (two such differ
 * by 10^-3 at least); at k = D's decimals, a * 10^k is within 0.07 +
 * 0.07 of D * 10^k and rounds to it.  0 when r / 1000 is not a (then
 * p1i_fmt_g15() does it).  x is a or -a.
 */
static inline size_t p1i_fmt_dec3(char *b, double x, double a)
{
	int64_t r = (int64_t)(a * 1000 + 0.5);
	uint32_t f;
	size_t n = 0;

	if ((double)r / 1000 != a)
		return 0;
	f = (uint32_t)(r % 1000); /* not 0: a is no integer */
	if (x < 0)
		b[n++] = '-';
	n += p1i_fmt_u64(b + n, (uint64_t)(r / 1000));
	b[n] = '.';
	b[n + 1] = (char)('0' + f / 100);
	memcpy(b + n + 2, p1i_digits2 + 2 * (f % 100), 2);
	return n + 2 + (f % 100 != 0) + (f % 10 != 0);
}

/* How many decimal digits x has (1..20). */
static inline size_t p1i_ndigits(uint64_t x)
{
	size_t n = 1;

	for (;;) {
		if (x < 10)
			return n;
		if (x < 100)
			return n + 1;
		if (x < 1000)
			return n + 2;
		if (x < 10000)
			return n + 3;
		x /= 10000;
		n += 4;
	}
}

#endif
