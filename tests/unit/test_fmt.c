// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fmt.c - p1i_fmt_g15() writes exactly what snprintf("%.15g") writes:
 * the edges of the fast path, short decimals of every length and scale
 * (what meters send), and random bit patterns (what they do not).
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "p1_fmt.h"

static unsigned long mismatches;

/*
 * snprintf calls made by p1i_fmt_g15 (its fallback): the unit build links
 * this file with -Wl,--wrap=snprintf; other builds (or _FORTIFY_SOURCE's
 * __snprintf_chk) leave the count alone, which wrapped() tells.
 */
static int in_fmt;
static unsigned long fallbacks;

int __wrap_snprintf(char *b, size_t n, const char *f, ...);
int __wrap_snprintf(char *b, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	if (in_fmt)
		fallbacks++;
	va_start(ap, f);
	r = vsnprintf(b, n, f, ap);
	va_end(ap);
	return r;
}

static bool wrapped(void)
{
	char b[8];
	unsigned long before = fallbacks;

	in_fmt = 1;
	snprintf(b, sizeof(b), "%d", 1);
	in_fmt = 0;
	return fallbacks != before;
}

static const double pow10_3[4] = {1, 10, 100, 1000};

/* Fewer values under valgrind (P1_TEST_QUICK). */
static unsigned long count(unsigned long n)
{
	return getenv("P1_TEST_QUICK") ? n / 100 : n;
}

static void same(double x)
{
	char want[64], got[P1I_FMT_G15_MAX + 1];
	size_t n;

	in_fmt = 1;
	n = p1i_fmt_g15(got, x);
	in_fmt = 0;
	assert_true(n < sizeof(got));
	got[n] = 0;
	snprintf(want, sizeof(want), "%.15g", x);
	if (strcmp(want, got) && mismatches++ < 10)
		fprintf(stderr, "%.17g: %%.15g \"%s\", p1i_fmt_g15 \"%s\"\n", x,
			want, got);
}

static uint64_t rnd(uint64_t *s) /* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void edges(void **state)
{
	static const double v[] = {
		0.0,
		-0.0,
		1,
		-1,
		0.1,
		0.5,
		1e-4,
		9.99999999999999e-5,
		1e-5,
		1e15,
		999999999999999,
		999999999999999.5,
		99999999999999.95,
		1e14,
		123456789012345,
		1234567890123456,
		0.1 + 0.2,
		1.0 / 3,
		2.0 / 3,
		229.1,
		4567.891,
		12345.678,
		0.001,
		1.193,
		2.5e-300,
		1e300,
		4.53030343430304e+33,
		9007199254740993.0,
		0.30000000000000004,
		INFINITY,
		-INFINITY,
		NAN,
		5e-324,
		1.7976931348623157e308,
	};
	size_t i;

	(void)state;
	mismatches = 0;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		same(v[i]);
		same(-v[i]);
	}
	assert_int_equal(mismatches, 0);
}

/* r / 10^k for r of 1..17 digits and k = 0..20: the meters' numbers. */
static void decimals(void **state)
{
	uint64_t s = 88172645463325252ull;
	unsigned long i;

	(void)state;
	mismatches = 0;
	for (i = 0; i < count(2000000); i++) {
		unsigned digits = 1 + (unsigned)(rnd(&s) % 17);
		unsigned k = (unsigned)(rnd(&s) % 21);
		uint64_t r = rnd(&s) % 100000000000000000ull, p = 1;
		unsigned j;

		for (j = 0; j < digits; j++)
			p *= 10;
		r %= p;
		same((double)r / pow(10, k));
		same((double)r * 1e-3); /* kWh to Wh and back, not exact */
		same((double)r / 1e3 * 1000);
		same((double)r * pow(10, k + 15)); /* up to 1e52 */
	}
	assert_int_equal(mismatches, 0);
}

/* The three-decimal path: r / 10^k (k <= 3) of every scale in its range
 * [1e-3, 1e12) and past it, both signs, halves of the last digit, the
 * doubles next to each, and its range's edges. */
static void three_decimals(void **state)
{
	static const double edge[] = {
		1e-3,		1e12,	5e-4,	999999999999.999,
		999999999999.5, 0.0015, 0.9995, 1.0005,
		0.999,		1e-4,	1e15,	99999999999.9995,
	};
	uint64_t s = 0x2545f4914f6cdd1dull;
	unsigned long i;
	size_t j;

	(void)state;
	mismatches = 0;
	for (j = 0; j < sizeof(edge) / sizeof(edge[0]); j++) {
		double x = edge[j];

		same(x);
		same(nextafter(x, 0));
		same(nextafter(x, INFINITY));
		same(-x);
		same(-nextafter(x, 0));
		same(-nextafter(x, INFINITY));
	}
	for (i = 0; i < count(3000000); i++) {
		unsigned digits = 1 + (unsigned)(rnd(&s) % 16);
		unsigned k = (unsigned)(rnd(&s) % 4);
		uint64_t r = rnd(&s), p = 1;
		unsigned q;
		double x;

		for (q = 0; q < digits; q++)
			p *= 10;
		r %= p;
		x = (double)r / pow10_3[k];
		if (rnd(&s) & 1)
			x = -x;
		same(x);
		same(nextafter(x, 0));
		same(nextafter(x, INFINITY));
		same(((double)r + 0.5) / 1000); /* a half of the last digit */
		same((double)r * 1e-3);
	}
	assert_int_equal(mismatches, 0);
}

static void bit_patterns(void **state)
{
	uint64_t s = 2463534242ull;
	unsigned long i;

	(void)state;
	mismatches = 0;
	for (i = 0; i < count(1000000); i++) {
		uint64_t b = rnd(&s);
		double x;

		/* exponents around [1e-5, 1e16] most of the time */
		if (i & 1)
			b = (b & 0x800fffffffffffffull) |
			    (uint64_t)(1006 + rnd(&s) % 120) << 52;
		memcpy(&x, &b, sizeof(x));
		same(x);
	}
	assert_int_equal(mismatches, 0);
}

/*
 * Equipment and M-Bus ids that some meters send as a 34-digit number
 * (the hex of an ASCII id whose bytes have no a-f): "%.15g" of them
 * without snprintf on 64-bit hosts, the 15th digit exactly rounded even
 * when the rest is near a half (one id in five); then random numbers
 * from 1e15 to 1e37 and exact ties (...5 and zeros: half to even).
 */
static void big_numbers(void **state)
{
	static const char ok[] = "0123456789@PQRSTUVWXY"; /* hex: digits */
	uint64_t s = 0x2545f4914f6cdd1dull;
	unsigned long i, near_half = 0;
	char id[40];
	bool w = wrapped();

	(void)state;
	mismatches = 0;
	fallbacks = 0;
	for (i = 0; i < count(100000); i++) {
		unsigned k;
		double x, t;

		/* 'E' (equipment) or 'G' (gas) and 16 more bytes */
		snprintf(id, sizeof(id), "%02X", i & 1 ? 'E' : 'G');
		for (k = 1; k < 17; k++)
			snprintf(id + 2 * k, 3, "%02X",
				 (unsigned char)ok[rnd(&s) % (sizeof(ok) - 1)]);
		x = strtod(id, NULL);
		t = x / 1e19;
		if (fabs(t - floor(t) - 0.5) < 0.1)
			near_half++;
		same(x);
	}
	assert_int_equal(mismatches, 0);
	/* the case the fast estimate leaves to the exact quotient */
	assert_true(near_half > count(100000) / 10);
	if (w && sizeof(void *) == 8)
		assert_int_equal(fallbacks, 0);
	for (i = 0; i < count(200000); i++) {
		uint64_t b = (rnd(&s) & 0x800fffffffffffffull) |
			     (uint64_t)(1073 + rnd(&s) % 50) << 52;
		double x, q;

		memcpy(&x, &b, sizeof(x));
		if (fabs(x) < 1e15 || fabs(x) >= 1e37)
			continue;
		same(x);
		/* q * 10 + 5 (16 digits, exact): a tie at the 15th */
		q = (double)(100000000000000ull + rnd(&s) % 800000000000000ull);
		same(q * 10 + 5);
		same(-(q * 10 + 5));
		same(q * 100 + 50);
	}
	assert_int_equal(mismatches, 0);
}

static void u64(void **state)
{
	static const uint64_t v[] = {
		0, 1, 9, 10, 99, 100, 4294967295u, 18446744073709551615u};
	char b[21], want[32];
	size_t i, n;
	uint64_t p = 1, x, s = 0x9e3779b97f4a7c15ull;
	unsigned k, j;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = p1i_fmt_u64(b, v[i]);
		b[n] = 0;
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v[i]);
		assert_string_equal(b, want);
	}
	/* every length (two digits a step: odd and even counts), its
	 * edges and random values of it */
	for (k = 0; k < 20; k++, p *= 10) {
		for (j = 0; j < 64; j++) {
			x = j == 0   ? p - 1
			    : j == 1 ? p
			    : j == 2 ? p + 1
			    : k < 19
				    ? p + rnd(&s) % (p * 9)
				    : p + rnd(&s) % (18446744073709551615u - p);
			n = p1i_fmt_u64(b, x);
			assert_true(n < sizeof(b));
			b[n] = 0;
			snprintf(want, sizeof(want), "%llu",
				 (unsigned long long)x);
			assert_string_equal(b, want);
			/* the integer fast path of %.15g, both signs */
			if (x < 1000000000000000ull) {
				mismatches = 0;
				same((double)x);
				same(-(double)x);
				assert_int_equal(mismatches, 0);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edges),
		cmocka_unit_test(decimals),
		cmocka_unit_test(three_decimals),
		cmocka_unit_test(bit_patterns),
		cmocka_unit_test(big_numbers),
		cmocka_unit_test(u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
