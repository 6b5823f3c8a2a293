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
