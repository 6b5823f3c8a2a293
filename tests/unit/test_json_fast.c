// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_json_fast.c - the JSON writer's fast paths give what its byte-wise
 * paths give:
 *  - strings checked and copied 16 bytes at a time: every byte value at
 *    every position of values of length 0..80 (and units), against
 *    p1_json_string() (which escapes byte by byte);
 *  - numbers written from their own digits: every length of integer and
 *    fraction part, leading zeros and signs, against the rule written
 *    out here (and the %.15g fallback beyond 17 digits);
 *  - p1i_json_into() (straight into a caller's buffer, p1ctl decode)
 *    against p1_json_emit() on the whole corpus, and at every buffer size
 *    around the result's length.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "p1_json.h"

static char tg[4096], js[1 << 17];
static struct p1_telegram t;

static int cat(void *ctx, const char *s, size_t n)
{
	size_t *len = ctx;

	assert_true(*len + n < sizeof(js));
	memcpy(js + *len, s, n);
	*len += n;
	return 0;
}

/* p1_json_string(s, n) into b (NUL-terminated). */
static void ref_string(const char *s, size_t n, char *b, size_t cap)
{
	size_t len = 0;

	assert_int_equal(p1_json_string(s, n, cat, &len), 0);
	assert_true(len < cap);
	memcpy(b, js, len);
	b[len] = 0;
}

/* The telegram with one object 0-0:96.13.0 whose value is raw[0..n). */
static void parse_value(const char *raw, size_t n)
{
	size_t k = 0;

	k += (size_t)snprintf(tg, sizeof(tg), "/XYZ5\r\n\r\n0-0:96.13.0(");
	memcpy(tg + k, raw, n);
	k += n;
	k += (size_t)snprintf(tg + k, sizeof(tg) - k, ")\r\n!\r\n");
	assert_int_equal(p1_parse(tg, k, &t, NULL), 0);
}

static const char *json_of(void)
{
	size_t n = p1_json_write(&t, P1_JSON_OBJECTS, js, sizeof(js));

	assert_true(n < sizeof(js));
	return js;
}

/* Every raw text and unit of t appears in its JSON as escaped alone. */
static void check_strings(void)
{
	static char want[1024], out[1 << 17];
	uint32_t i;

	strcpy(out, json_of());
	for (i = 0; i < t.nvalues; i++) {
		const struct p1_value *v = &t.values[i];
		size_t k;

		memcpy(want, "{\"raw\":", 7);
		ref_string(t.text + v->off, v->len, want + 7, sizeof(want) - 7);
		if (!strstr(out, want)) {
			fprintf(stderr, "missing %s in %s\n", want, out);
			fail();
		}
		if (!(v->flags & P1_VAL_UNIT))
			continue;
		k = (size_t)snprintf(want, sizeof(want), ",\"unit\":");
		ref_string(p1_value_unit(&t, v), v->unit_len, want + k,
			   sizeof(want) - k);
		if (!strstr(out, want)) {
			fprintf(stderr, "missing %s in %s\n", want, out);
			fail();
		}
	}
}

/* Every byte for short values; the bytes at the edges of the classes
 * for the longer ones (fewer under valgrind: P1_TEST_QUICK). */
static bool try_byte(size_t n, unsigned c)
{
	static const char edges[] = "\x01\x1f \"\\~\x7f\x80\xc2\xff";

	if (c == ')' || c == '\n' || c == '(')
		return false;
	return n <= 18 || !c || memchr(edges, (int)c, sizeof(edges) - 1);
}

static void strings(void **state)
{
	size_t n, pos, max = getenv("P1_TEST_QUICK") ? 40 : 80;
	char raw[96];
	unsigned c;

	(void)state;
	for (n = 0; n <= max; n++) {
		for (pos = 0; pos < n || (!n && !pos); pos++) {
			for (c = 0; c < 256; c++) {
				if (!try_byte(n, c))
					continue;
				memset(raw, 'a' + (int)(n % 26), n);
				if (n)
					raw[pos] = (char)c;
				parse_value(raw, n);
				check_strings();
				if (!n)
					break;
			}
		}
	}
	/* units: "1*" and a unit with every byte at every place */
	for (n = 1; n <= 12; n++) {
		for (pos = 0; pos < n; pos++) {
			for (c = 1; c < 256; c++) {
				if (!try_byte(n + 10, c))
					continue;
				memcpy(raw, "12.5*", 5);
				memset(raw + 5, 'k', n);
				raw[5 + pos] = (char)c;
				parse_value(raw, 5 + n);
				check_strings();
			}
		}
	}
	/* UTF-8 that is valid (copied) and cut (escaped), at the edges of
	 * the 16-byte blocks */
	for (n = 0; n <= 40; n++) {
		memset(raw, 'b', n);
		memcpy(raw + n, "\xc2\xb3m\xe2\x82\xac", 6);
		parse_value(raw, n + 6);
		check_strings();
		parse_value(raw, n + 1);
		check_strings();
	}
}

/* The header (written by the 16-byte escaping path when it needs
 * escapes) as p1_json_string() writes it: every byte at every place, and
 * UTF-8 cut and whole across the 16-byte blocks. */
static void check_header(const char *h, size_t n)
{
	static char want[1024], out[1 << 17];
	size_t k = 0;

	k += (size_t)snprintf(tg, sizeof(tg), "/");
	memcpy(tg + k, h, n);
	k += n;
	k += (size_t)snprintf(tg + k, sizeof(tg) - k,
			      "\r\n\r\n0-0:96.13.0(1)\r\n!\r\n");
	p1_parse(tg, k, &t, NULL);
	strcpy(out, json_of());
	memcpy(want, "\"header\":", 9);
	ref_string(t.text + t.header_off, t.header_len, want + 9,
		   sizeof(want) - 9);
	if (!strstr(out, want)) {
		fprintf(stderr, "missing %s in %s\n", want, out);
		fail();
	}
}

static void headers(void **state)
{
	size_t n, pos, max = getenv("P1_TEST_QUICK") ? 20 : 40;
	char h[96];
	unsigned c;

	(void)state;
	for (n = 1; n <= max; n++) {
		for (pos = 0; pos < n; pos++) {
			for (c = 1; c < 256; c++) {
				if (c == '\r' || c == '\n' ||
				    (pos == 0 && c == '!'))
					continue;
				memset(h, 'A' + (int)(n % 26), n);
				h[pos] = (char)c;
				h[0] = pos ? '\\' : h[0]; /* one escape first */
				check_header(h, n);
			}
		}
	}
	for (n = 0; n <= 40; n++) {
		memset(h, 'b', n);
		memcpy(h + n, "\\\xc2\xb3m\xe2\x82\xac", 7);
		check_header(h, n + 7);
		check_header(h, n + 2);
	}
}

/* What the writer must print for a number sent as s (digits only). */
static void want_number(const char *s, char *b, size_t cap)
{
	const char *dot = strchr(s, '.'), *ie;
	size_t nd, k = 0;
	bool neg = *s == '-';

	if (*s == '-' || *s == '+')
		s++;
	ie = dot ? dot : s + strlen(s);
	while (s + 1 < ie && *s == '0')
		s++;
	nd = (size_t)(ie - s) + (dot ? strlen(dot + 1) : 0);
	if (nd > 17) { /* the parsed double, shortest form */
		double x = t.values[0].number;

		if (fabs(x) < 9007199254740992.0 && x == (double)(int64_t)x)
			snprintf(b, cap, "%lld", (long long)x);
		else
			snprintf(b, cap, "%.15g", x);
		return;
	}
	if (neg)
		b[k++] = '-';
	if (s == ie)
		b[k++] = '0';
	memcpy(b + k, s, (size_t)(ie - s));
	k += (size_t)(ie - s);
	if (dot && dot[1]) {
		strcpy(b + k, dot);
		k += strlen(dot);
	}
	b[k] = 0;
}

/* A number of ni integer digits (z of them leading zeros), nf fraction
 * digits (a bare point if dot and none), with a sign and maybe a unit. */
static void one_number(const char *sign, unsigned ni, unsigned z, unsigned nf,
		       bool dot, bool unit)
{
	char raw[80], num[64], want[96];
	size_t k, i;

	k = (size_t)snprintf(num, sizeof(num), "%s", sign);
	for (i = 0; i < ni; i++)
		num[k++] = i < z ? '0' : (char)('1' + (i + nf) % 9);
	if (nf || dot)
		num[k++] = '.';
	for (i = 0; i < nf; i++)
		num[k++] = (char)('0' + (i * 7 + ni) % 10);
	num[k] = 0;
	snprintf(raw, sizeof(raw), "%s%s", num, unit ? "*kWh" : "");
	parse_value(raw, strlen(raw));
	if (!(t.values[0].flags & P1_VAL_NUMBER))
		return;
	memcpy(want, ",\"number\":", 10);
	want_number(num, want + 10, sizeof(want) - 10);
	if (!strstr(json_of(), want)) {
		fprintf(stderr, "%s: missing %s in %s\n", raw, want, js);
		fail();
	}
}

static void numbers(void **state)
{
	static const char *const sign[] = {"", "-", "+"};
	unsigned ni, nf, z, sg, u;

	(void)state;
	for (sg = 0; sg < 3; sg++)
		for (ni = 0; ni <= 20; ni++)
			for (nf = 0; nf <= 20; nf++)
				for (z = 0; z <= ni && z <= 9; z++)
					for (u = 0; u < 4; u++)
						one_number(sign[sg], ni, z, nf,
							   u & 1, u & 2);
}

/* Long digit strings (ids sent as numbers): "%.15g" of the parsed double
 * however the digits round, written from the digits or not. */
static void long_numbers(void **state)
{
	static const char *const tails[] = {"",	    "5",    "50", "49", "4999",
					    "5001", "9999", "0",  "00", "1"};
	unsigned nd, i, k, seed = 12345, n = 0;
	char num[64];

	(void)state;
	for (nd = 16; nd <= 40; nd++) {
		for (i = 0; i < 60; i++) {
			const char *tail = tails[i % 10];
			size_t tl = strlen(tail), j;

			for (j = 0; j < nd; j++) {
				seed = seed * 1103515245u + 12345u;
				num[j] = (char)('0' + (seed >> 16) % 10);
			}
			if (i % 3 == 0)
				num[0] = '1' + (char)(i % 9);
			/* digits 15.. (the rounding ones) set by the tail,
			 * the 15th sometimes a 9 (carry) */
			if (nd > 15 + tl)
				memcpy(num + 15, tail, tl);
			if (i % 4 == 1)
				for (k = 9; k < 15; k++)
					num[k] = '9';
			if (i % 7 == 2)
				for (k = 1; k < 15; k++)
					num[k] = '0';
			num[nd] = 0;
			for (k = 0; k < 2; k++) {
				char raw[80], want[96];

				snprintf(raw, sizeof(raw), "%s%s", k ? "-" : "",
					 num);
				parse_value(raw, strlen(raw));
				if (!(t.values[0].flags & P1_VAL_NUMBER))
					continue;
				n++;
				memcpy(want, ",\"number\":", 10);
				want_number(raw, want + 10, sizeof(want) - 10);
				strcat(want, "}");
				if (!strstr(json_of(), want)) {
					fprintf(stderr,
						"%s: missing %s in %s\n", raw,
						want, js);
					fail();
				}
			}
		}
	}
	assert_true(n > 2000);
}

/* A code parsed as A-B:C.D.E[*F] is written in its canonical form, with
 * or without leading zeros, spaces or a suffix in the telegram. */
static void obis_codes(void **state)
{
	static const unsigned vals[] = {0, 1, 9, 10, 42, 99, 100, 255};
	static const char *const fmt[] = {"%u", "%02u", "%03u"};
	unsigned i, f;

	(void)state;
	for (i = 0; i < 8 * 8 * 8 * 3 * 4; i++) {
		unsigned a = vals[i % 8], c = vals[i / 8 % 8],
			 e = vals[i / 64 % 8], z = i / 512 % 3, sfx = i / 1536;
		char code[64], want[96], fa[8], fc[8], fe[8];
		size_t k;

		f = z; /* leading zeros on one field in turn */
		snprintf(fa, sizeof(fa), fmt[f == 0 && a < 100 ? 1 : 0], a);
		snprintf(fc, sizeof(fc), fmt[f == 1 && c < 10 ? 2 : 0], c);
		snprintf(fe, sizeof(fe), fmt[f == 2 && e < 100 ? 1 : 0], e);
		if (!sfx)
			snprintf(fa, sizeof(fa), "%u", a);
		k = (size_t)snprintf(
			tg, sizeof(tg),
			"/XYZ5\r\n\r\n%s-%u:%s.8.%s%s%s(1)\r\n!\r\n", fa, a % 3,
			fc, fe,
			sfx == 2   ? "*255"
			: sfx == 3 ? "*07"
				   : "",
			sfx == 1 ? " " : "");
		assert_int_equal(p1_parse(tg, k, &t, NULL), 0);
		assert_int_equal(t.nobjects, 1);
		if (!(t.objects[0].flags & P1_OBJ_OBIS))
			continue;
		snprintf(code, sizeof(code), "%u-%u:%u.8.%u%s", a, a % 3, c, e,
			 sfx == 3 ? "*7" : "");
		snprintf(want, sizeof(want), "{\"obis\":\"%s\"", code);
		if (!strstr(json_of(), want)) {
			fprintf(stderr, "%s: missing %s in %s\n", tg, want, js);
			fail();
		}
	}
}

/* The typed strings from small arrays (the version, an M-Bus unit),
 * copied into zeros for the 16-byte path: every byte at every place,
 * against p1_json_string(). */
static void small_arrays(void **state)
{
	static char want[256];
	size_t n, pos, k;
	unsigned c;
	char s[16];

	(void)state;
	for (n = 1; n <= 15; n++) {
		for (pos = 0; pos < n; pos++) {
			for (c = 1; c < 256; c++) {
				if (c == ')' || c == '(' || c == '\n' ||
				    c == '*')
					continue;
				memset(s, 'v', n);
				s[pos] = (char)c;
				k = (size_t)snprintf(
					tg, sizeof(tg),
					"/XYZ5\r\n\r\n1-3:0.2.8(%.*s)"
					"\r\n0-1:24.2.1(230701153000S)"
					"(1.5*%.*s)\r\n!\r\n",
					(int)n, s, (int)(n < 8 ? n : 7), s);
				assert_int_equal(p1_parse(tg, k, &t, NULL), 0);
				assert_true(p1_json_write(&t, P1_JSON_TYPED, js,
							  sizeof(js)) <
					    sizeof(js));
				if (t.data.version[0]) {
					k = (size_t)snprintf(want, sizeof(want),
							     "\"version\":");
					ref_string(
						t.data.version,
						strnlen(t.data.version,
							sizeof(t.data.version)),
						want + k, sizeof(want) - k);
					if (!strstr(js, want)) {
						fprintf(stderr,
							"missing %s in %s\n",
							want, js);
						fail();
					}
				}
				if (t.data.mbus[0].reading.present) {
					const char *u = t.data.mbus[0].unit;

					k = (size_t)snprintf(want, sizeof(want),
							     "\"unit\":");
					ref_string(u, strnlen(u, 8), want + k,
						   sizeof(want) - k);
					if (!strstr(js, want)) {
						fprintf(stderr,
							"missing %s in %s\n",
							want, js);
						fail();
					}
				}
			}
		}
	}
}

/* Typed members written with one room check and taken back when absent
 * (phases, tariffs): every subset of a few of them, the electricity
 * object against the one written out here. */
static void sparse_typed(void **state)
{
	static const char *const line[] = {
		"1-0:1.8.2(000001.500*kWh)", "1-0:52.7.0(230.4*V)",
		"1-0:72.32.0(00001)",	     "1-0:21.7.0(00.612*kW)",
		"1-0:2.8.1(000002.000*kWh)", "0-0:96.14.0(0002)",
	};
	unsigned m, i;

	(void)state;
	for (m = 0; m < 64; m++) {
		char want[512];
		size_t k = 0, n;
		const char *sep = "";

#define ADD(...)                                                               \
	(k += (size_t)snprintf(want + k, sizeof(want) - k, __VA_ARGS__))
		n = (size_t)snprintf(tg, sizeof(tg), "/XYZ5\r\n\r\n");
		for (i = 0; i < 6; i++)
			if (m & (1u << i))
				n += (size_t)snprintf(tg + n, sizeof(tg) - n,
						      "%s\r\n", line[i]);
		n += (size_t)snprintf(tg + n, sizeof(tg) - n, "!\r\n");
		assert_int_equal(p1_parse(tg, n, &t, NULL), 0);
		ADD("\"electricity\":{");
		if (m & 1) {
			ADD("\"energy_import_wh\":{\"2\":1500}");
			sep = ",";
		}
		if (m & 16) {
			ADD("%s\"energy_export_wh\":{\"1\":2000}", sep);
			sep = ",";
		}
		if (m & 14) {
			const char *s2 = "";

			ADD("%s\"phases\":[", sep);
			if (m & 8) {
				ADD("{\"phase\":1,\"power_import_w\":612}");
				s2 = ",";
			}
			if (m & 2) {
				ADD("%s{\"phase\":2,\"voltage_v\":230.4}", s2);
				s2 = ",";
			}
			if (m & 4)
				ADD("%s{\"phase\":3,\"voltage_sags\":1}", s2);
			ADD("]");
			sep = ",";
		}
		if (m & 32)
			ADD("%s\"tariff\":2", sep);
		ADD("},\"mbus\"");
#undef ADD
		assert_true(p1_json_write(&t, P1_JSON_TYPED, js, sizeof(js)) <
			    sizeof(js));
		if (!strstr(js, want)) {
			fprintf(stderr, "%s: missing %s in %s\n", tg, want, js);
			fail();
		}
	}
}

/* p1i_json_into() == p1_json_emit(), whole or not at all. */
static void into(void **state)
{
	static char buf[1 << 17], ref[1 << 17];
	static const unsigned flags[] = {P1_JSON_ALL, P1_JSON_OBJECTS,
					 P1_JSON_TYPED,
					 P1_JSON_ALL | P1_JSON_MEMBERS};
	DIR *d = opendir(CORPUS_DIR);
	struct dirent *e;
	unsigned files = 0, f;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		struct p1_telegram *pt;

		if (!strstr(e->d_name, ".txt"))
			continue;
		pt = corpus_parse(e->d_name, 0);
		files++;
		for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			size_t len = 0, n, cap;

			assert_int_equal(p1_json_emit(pt, flags[f], cat, &len),
					 0);
			memcpy(ref, js, len);
			n = p1i_json_into(pt, flags[f], buf, sizeof(buf));
			assert_int_equal(n, len);
			assert_memory_equal(buf, ref, len);
			/* every size around it: all of it or nothing */
			for (cap = 0; cap <= len + 24;
			     cap = cap == 1		       ? 4095
				   : cap == 4096 && len > 4120 ? len - 24
							       : cap + 1) {
				memset(buf, 'x', sizeof(buf));
				n = p1i_json_into(pt, flags[f], buf, cap);
				/* (it may want P1I_JSON_SPARE bytes to
				 * spare) */
				if (cap < 4096 || cap < len)
					assert_int_equal(n, 0);
				else if (cap >= len + P1I_JSON_SPARE)
					assert_int_equal(n, len);
				if (n) {
					assert_int_equal(n, len);
					assert_memory_equal(buf, ref, len);
				}
				assert_int_equal(buf[cap], 'x');
			}
			/* with that much to spare (and 4096), always */
			cap = len + P1I_JSON_SPARE;
			n = p1i_json_into(pt, flags[f], buf,
					  cap < 4096 ? 4096 : cap);
			assert_int_equal(n, len);
			assert_memory_equal(buf, ref, len);
		}
	}
	closedir(d);
	assert_true(files > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings),	cmocka_unit_test(headers),
		cmocka_unit_test(numbers),	cmocka_unit_test(long_numbers),
		cmocka_unit_test(obis_codes),	cmocka_unit_test(sparse_typed),
		cmocka_unit_test(small_arrays), cmocka_unit_test(into),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
