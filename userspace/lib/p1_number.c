// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_number.c - decimal number parser for telegram values.
 *
 * "[+-]digits[.digits]": the first 19 significant digits are gathered in a
 * 64-bit integer and scaled by an exact power of ten once, so values such
 * as 000123.456 come out correctly rounded (one division of two exact
 * doubles) without strtod or locale lookups.
 */
#include <math.h>

#include "p1_internal.h"

const double p1i_pow10[23] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static double scale10(double v, int e)
{
	while (e > 22) {
		v *= 1e22;
		e -= 22;
	}
	while (e < -22) {
		v /= 1e22;
		e += 22;
	}
	return e >= 0 ? v * p1i_pow10[e] : v / p1i_pow10[-e];
}

double p1i_digits(const char *p, size_t nint, size_t nfrac)
{
	uint64_t m = 0;
	unsigned sig = 0;
	int exp10 = 0;
	size_t i;

#ifdef P1_SWAR
	/* An integer of 20 digits or more (ids without letters): 16 + 3 */
	if (!nfrac && p[0] != '0') {
		m = p1i_value8(p1i_load8(p), 8) * 100000000000ull +
		    p1i_value8(p1i_load8(p + 8), 8) * 1000 +
		    p1i_value8(p1i_load8(p + 16), 3);
		return scale10((double)m, (int)nint - 19);
	}
#endif
	for (i = 0; i < nint && sig < 19; i++) {
		m = m * 10 + (unsigned)(p[i] - '0');
		sig += m != 0;
	}
	exp10 = (int)(nint - i); /* integer digits beyond the 19th */
	p += nint + 1;
	for (i = 0; i < nfrac && sig < 19; i++) {
		m = m * 10 + (unsigned)(p[i] - '0');
		sig += m != 0;
		exp10--;
	}
	return exp10 ? scale10((double)m, exp10) : (double)m;
}

bool p1i_parse_number(const char *s, size_t n, double *out, unsigned *decimals)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	uint64_t m = 0;
	unsigned sig = 0, ndig = 0, dec = 0;
	int exp10 = 0;
	bool neg = false;
	double v;

	if (p < e && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	for (; p < e; p++) {
		unsigned d = (unsigned)*p - '0';

		if (d > 9)
			break;
		ndig++;
		if (sig < 19) {
			m = m * 10 + d;
			sig += m != 0;
		} else {
			exp10++;
		}
	}
	if (p < e && *p == '.') {
		for (p++; p < e; p++) {
			unsigned d = (unsigned)*p - '0';

			if (d > 9)
				break;
			ndig++;
			dec++;
			if (sig < 19) {
				m = m * 10 + d;
				sig += m != 0;
				exp10--;
			}
		}
	}
	if (p != e || !ndig)
		return false;
	v = (double)m;
	if (exp10)
		v = scale10(v, exp10);
	if (isinf(v))
		return false;
	*out = neg ? -v : v;
	*decimals = dec > 255 ? 255 : dec;
	return true;
}
