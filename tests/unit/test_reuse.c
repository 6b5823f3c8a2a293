// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reuse.c - p1_parse() with P1_PARSE_REUSE gives exactly what a parse
 * without it gives.
 *
 * Differential: every telegram of a sequence is parsed into one persistent
 * result with P1_PARSE_REUSE (so each parse starts from the one before)
 * and into a fresh, zeroed result without it; everything a caller can see
 * must be equal: the scalar fields, objects[0..nobjects), values[0..
 * nvalues), text[0..len], the typed view (data_equal()) and the JSON of
 * all of it (P1_JSON_ALL, byte for byte), also when written through the
 * previous telegram's JSON (p1i_parse_kept() and p1i_json_into_prev():
 * the objects taken over are copied from it; now and then a telegram's
 * JSON is not written, or written twice).  Sequences: every ordered pair
 * of corpus telegrams (DSMR 2.2 with continuation lines, eMUCs, broken
 * ones), the emulator's streams of every profile, and chains of random
 * mutations of the previous telegram (digits, any byte, inserted and
 * deleted bytes, swapped, doubled and dropped lines, a broken ')', CRLF to
 * LF, invalid timestamps, a cut end), in each zone and with both CRC modes.
 * A result the caller scribbled over (breaking the contract) may give
 * anything but must not make the parser read or write out of bounds
 * (valgrind and the sanitizer layer run this suite).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p1_code.h"
#include "p1_emu.h"
#include "p1_json.h"
#include "unit.h"

#define MAXTG	20000
#define JSONCAP (1024 * 1024)

static struct p1_telegram reused, fresh;
static struct p1i_json_prev jp; /* reused's */
static char json_a[JSONCAP], json_b[JSONCAP];
static size_t json_b_len;
static unsigned long long parses, clean_before, copied, objects_seen;

static unsigned iterations(unsigned full)
{
	return getenv("P1_TEST_QUICK") ? full / 10 + 1 : full;
}

/* The telegram before the current one, shown when they differ. */
static char prev[MAXTG], last[MAXTG];
static size_t prev_len, last_len;

/* Into $P1_REUSE_DUMP.prev and .cur when that is set. */
static void show(void)
{
	const char *d = getenv("P1_REUSE_DUMP");
	char path[256];
	FILE *f;

	if (!d)
		return;
	snprintf(path, sizeof(path), "%s.prev", d);
	f = fopen(path, "wb");
	if (f) {
		fwrite(prev, 1, prev_len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s.cur", d);
	f = fopen(path, "wb");
	if (f) {
		fwrite(last, 1, last_len, f);
		fclose(f);
	}
}

/* Everything visible of a and b is equal; what differs is printed. */
static void check_same(const struct p1_telegram *a, const struct p1_telegram *b,
		       const char *what)
{
	unsigned i;
	size_t na, nb;

#define SAME(f)                                                                \
	do {                                                                   \
		if (a->f != b->f) {                                            \
			print_error("%s: " #f " %llu != %llu\n", what,         \
				    (unsigned long long)a->f,                  \
				    (unsigned long long)b->f);                 \
			show();                                                \
			fail();                                                \
		}                                                              \
	} while (0)
	SAME(crc);
	SAME(has_crc);
	SAME(crc_rx);
	SAME(crc_calc);
	SAME(anomalies);
	SAME(bad_lines);
	SAME(bad_times);
	SAME(header_off);
	SAME(header_len);
	SAME(len);
	SAME(nobjects);
	SAME(nvalues);
	for (i = 0; i < a->nobjects; i++) {
		SAME(objects[i].obis.a);
		SAME(objects[i].obis.b);
		SAME(objects[i].obis.c);
		SAME(objects[i].obis.d);
		SAME(objects[i].obis.e);
		SAME(objects[i].obis.f);
		SAME(objects[i].flags);
		SAME(objects[i].off);
		SAME(objects[i].len);
		SAME(objects[i].first);
		SAME(objects[i].nvalues);
	}
#undef SAME
	for (i = 0; i < a->nvalues; i++)
		if (memcmp(&a->values[i], &b->values[i],
			   sizeof(a->values[i]))) {
			print_error("%s: value %u differs\n", what, i);
			show();
			fail();
		}
	if (memcmp(a->text, b->text, a->len + 1u)) {
		print_error("%s: text differs\n", what);
		show();
		fail();
	}
	if (!data_equal(&a->data, &b->data)) {
		print_error("%s: typed view differs\n", what);
		show();
		fail();
	}
	na = p1i_json_into(a, P1_JSON_ALL, json_a, JSONCAP);
	nb = p1i_json_into(b, P1_JSON_ALL, json_b, JSONCAP);
	assert_true(na > 0);
	if (na != nb || memcmp(json_a, json_b, na)) {
		print_error("%s: JSON differs\n%.*s\n%.*s\n", what, (int)na,
			    json_a, (int)nb, json_b);
		show();
		fail();
	}
	json_b_len = nb;
}

/*
 * reused's JSON through jp is json_b (fresh's, as check_same() left it);
 * one telegram in 16 is not written that way (the next one then may not
 * use jp), one in 16 twice.
 */
static void json_prev(const char *what)
{
	/* the parse's number, scrambled: 0..15 */
	unsigned r = (unsigned)(parses * 0x9e3779b97f4a7c15ull >> 60), k, i;
	size_t na;

	if (r == 0)
		return;
	for (k = r == 1 ? 2 : 1; k; k--) {
		if (jp.built && jp.built + 1 == jp.parses) /* jp is used */
			for (i = 0; i < reused.nobjects; i++)
				copied += jp.kept[i / 64] >> (i % 64) & 1;
		objects_seen += reused.nobjects;
		na = p1i_json_into_prev(&reused, P1_JSON_ALL, json_a, JSONCAP,
					&jp);
		if (na != json_b_len || memcmp(json_a, json_b, na)) {
			print_error("%s: JSON through the previous one "
				    "differs\n%.*s\n%.*s\n",
				    what, (int)na, json_a, (int)json_b_len,
				    json_b);
			show();
			fail();
		}
	}
}

/* Parse tg both ways and compare. */
static void feed(const char *tg, size_t n, const struct p1_parse_opts *o,
		 const char *what)
{
	struct p1_parse_opts ro = *o;
	int ra, rb;

	memcpy(prev, last, last_len);
	prev_len = last_len;
	last_len = n < MAXTG ? n : MAXTG;
	memcpy(last, tg, last_len);

	if (!(reused.anomalies & ~P1_ANOM_GARBAGE) && reused.nobjects)
		clean_before++;

	ro.flags |= P1_PARSE_REUSE;
	ra = p1i_parse_kept(tg, n, &reused, &ro, &jp);
	memset(&fresh, 0, sizeof(fresh));
	rb = p1_parse(tg, n, &fresh, o);
	assert_int_equal(ra, rb);
	parses++;
	check_same(&reused, &fresh, what);
	json_prev(what);
}

static const struct p1_parse_opts modes[] = {
	{.zone = P1_ZONE_AMSTERDAM},
	{.zone = P1_ZONE_DUBLIN},
	{.zone = P1_ZONE_UTC},
	{.zone = P1_ZONE_AMSTERDAM,
	 .flags = P1_PARSE_CRC_GIVEN,
	 .crc = P1_CRC_OK},
	{.zone = P1_ZONE_UTC, .flags = P1_PARSE_CRC_GIVEN, .crc = P1_CRC_BAD},
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* --- corpus ----------------------------------------------------------- */

#define NCORPUS 64
static char corpus[NCORPUS][MAXTG];
static size_t corpus_len[NCORPUS];
static char corpus_name[NCORPUS][64];
static unsigned ncorpus;

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void load_corpus(void)
{
	static char names[NCORPUS][64];
	struct dirent *e;
	unsigned n = 0, i;
	DIR *d;

	if (ncorpus)
		return;
	d = opendir(CORPUS_DIR);
	assert_non_null(d);
	while ((e = readdir(d)) && n < NCORPUS) {
		size_t l = strlen(e->d_name);

		if (l > 4 && l < 64 && !strcmp(e->d_name + l - 4, ".txt"))
			memcpy(names[n++], e->d_name, l + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		corpus_len[i] = corpus_load(names[i], corpus[i], MAXTG);
		memcpy(corpus_name[i], names[i], 64);
	}
	ncorpus = n;
	assert_true(ncorpus >= 20);
}

/* Every ordered pair A, B as A B B A, from an all-zero result. */
static void test_corpus_pairs(void **state)
{
	unsigned a, b, m;
	char what[200];

	(void)state;
	load_corpus();
	for (m = 0; m < NMODES; m++)
		for (a = 0; a < ncorpus; a++)
			for (b = 0; b < ncorpus; b++) {
				snprintf(what, sizeof(what),
					 "%.60s then %.60s mode %u",
					 corpus_name[a], corpus_name[b], m);
				memset(&reused, 0, sizeof(reused));
				feed(corpus[a], corpus_len[a], &modes[m], what);
				feed(corpus[b], corpus_len[b], &modes[m], what);
				feed(corpus[b], corpus_len[b], &modes[m], what);
				feed(corpus[a], corpus_len[a], &modes[m], what);
			}
}

/*
 * Telegrams that differ in what the typed view of a kept result depends
 * on: every ordered pair of them.  Each is a base with some lines
 * replaced: the same code twice and codes that write the same field
 * (1.7.255, 1-1:, *255, leading zeros) after a line that changes (in
 * place: the same length) or stops being a number, the meter time made
 * invalid or doubled, the identification (family), no version or no CRC
 * digits (the family of a DSMR 2.2 meter), an object more or less, values
 * on continuation lines, a changed M-Bus reading.
 */
static const char *const craft_base =
	"/ISK5\\2M550T-1012\r\n\r\n%s"
	"0-0:1.0.0(230701153045S)\r\n"
	"0-0:96.1.1(4530303434303037313331363530363137)\r\n"
	"%s"
	"1-0:1.8.2(010987.654*kWh)\r\n"
	"0-0:96.14.0(0002)\r\n"
	"%s"
	"1-0:2.7.0(00.000*kW)\r\n"
	"%s"
	"1-0:32.7.0(229.1*V)\r\n"
	"1-0:21.7.0(00.612*kW)\r\n"
	"0-1:24.1.0(003)\r\n"
	"0-1:24.2.1(230701153000S)(04567.891*m3)\r\n"
	"%s"
	"!%s\r\n";

#define V50  "1-3:0.2.8(50)\r\n"
#define E181 "1-0:1.8.1(012345.678*kWh)\r\n"
#define P170 "1-0:1.7.0(01.193*kW)\r\n"
static const char *const craft_lines[][6] = {
	/* version, 1.8.1 line, 1.7.0 line, middle, last, CRC */
	{V50, E181, P170, "", "", "1234"},
	{V50, E181, "1-0:1.7.0(01.194*kW)\r\n", "", "", "1234"},
	{V50, E181, "1-0:1.7.0(xx.xxx*kW)\r\n", "", "", "1234"},
	{V50, E181, P170, "1-0:1.7.0(02.000*kW)\r\n", "", "1234"},
	{V50, E181, "1-0:1.7.0(01.194*kW)\r\n", "1-0:1.7.0(02.000*kW)\r\n", "",
	 "1234"},
	{V50, E181, "1-0:1.7.0(xx.xxx*kW)\r\n", "1-0:1.7.0(02.000*kW)\r\n", "",
	 "1234"},
	{V50, E181, P170, "1-0:1.7.255(03.00*kW)\r\n", "", "1234"},
	{V50, E181, "1-0:1.7.0(01.194*kW)\r\n", "1-0:1.7.255(03.00*kW)\r\n", "",
	 "1234"},
	{V50, E181, "1-0:1.7.0(xx.xxx*kW)\r\n", "1-0:1.7.255(03.00*kW)\r\n", "",
	 "1234"},
	{V50, E181, P170, "1-1:1.7.0(04.000*kW)\r\n", "", "1234"},
	{V50, E181, "1-0:1.7.0(01.194*kW)\r\n", "1-1:1.7.0(04.000*kW)\r\n", "",
	 "1234"},
	{V50, E181, P170, "1-0:1.7.0*255(5.00*kW)\r\n", "", "1234"},
	{V50, E181, "1-0:1.7.0(01.194*kW)\r\n", "1-0:1.7.0*255(5.00*kW)\r\n",
	 "", "1234"},
	{V50, E181, P170, "01-0:1.7.0(06.000*kW)\r\n", "", "1234"},
	{V50, E181, "1-0:1.7.0(01.194*kW)\r\n", "01-0:1.7.0(06.000*kW)\r\n", "",
	 "1234"},
	{V50, "1-0:1.8.1(012345.679*kWh)\r\n", P170, "", "", "1234"},
	{V50, "1-0:1.8.1(zzzzzz.zzz*kWh)\r\n", P170, "", "", "1234"},
	{V50, E181, P170, "0-0:1.0.0(230701153046S)\r\n", "", "1234"},
	{V50, E181, P170, "0-0:1.0.0(231301153046S)\r\n", "", "1234"},
	{V50, E181, P170, "0-0:1.0.255(230701153047S)\r\n", "", "1234"},
	{V50, E181, P170, "1-0:32.7.0(229.2*V)\r\n", "", "1234"},
	{V50, E181, P170, "1-0:3.8.1(000001.000*kvarh)\r\n", "", "1234"},
	{V50, E181, P170, "1-0:3.8.1(000002.000*kvarh)\r\n", "", "1234"},
	{V50, E181, P170, "1-0:1.8.3(000001.000*kWh)\r\n", "", "1234"},
	{V50, E181, P170 "(7)\r\n", "", "", "1234"},
	{V50, E181, P170, "", "(7)\r\n", "1234"},
	{V50, E181, P170, "", "0-1:24.2.1(230701154000S)(04567.991*m3)\r\n",
	 "1234"},
	{V50, E181, P170, "", "1-0:2.7.0(00.001*kW)\r\n", "1234"},
	{V50, E181, P170, "", "", ""},
	{"", E181, P170, "", "", "1234"},
	{"", E181, P170, "", "", ""},
	{"", "1-0:1.8.1(zzzzzz.zzz*kWh)\r\n", P170, "", "", ""},
	{"", "1-0:1.8.1(012345.679*kWh)\r\n", P170, "", "", ""},
	{"", "1-0:1.8.1(zzzzzz.zzz*kWh)\r\n", P170, "", "", "1234"},
	{"1-3:0.2.8(42)\r\n", E181, P170, "", "", "1234"},
	{"0-0:96.1.4(50217)\r\n", E181, P170, "", "", "1234"},
	/* the last two with another identification (craft()) */
	{V50, E181, P170, "", "", "1234"},
	{"", E181, P170, "", "", "1234"},
};
#define NCRAFT (sizeof(craft_lines) / sizeof(craft_lines[0]))

static size_t craft(unsigned i, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, craft_base, craft_lines[i][0],
			 craft_lines[i][1], craft_lines[i][2],
			 craft_lines[i][3], craft_lines[i][4],
			 craft_lines[i][5]);

	assert_true(n > 0 && (size_t)n < cap);
	/* a different identification for the last two */
	if (i >= NCRAFT - 2)
		memcpy(buf + 1, "FLU5", 4);
	return (size_t)n;
}

/*
 * A, A's neighbour in the list, B, B's neighbour: neighbours mostly differ
 * in a value, so the first two fill the per-thread cache of fields_own()
 * and the last two are checked against it.
 */
static void test_crafted(void **state)
{
	static char a[4096];
	const unsigned n = NCRAFT;
	unsigned i, j, m;
	char what[100];

	(void)state;
	for (m = 0; m < NMODES; m += getenv("P1_TEST_QUICK") ? 3 : 1)
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++) {
				const unsigned seq[] = {
					i, i, (i + 1) % n, j, (j + 1) % n, i};
				unsigned k;

				snprintf(what, sizeof(what),
					 "crafted %u then %u mode %u", i, j, m);
				memset(&reused, 0, sizeof(reused));
				for (k = 0; k < sizeof(seq) / sizeof(seq[0]);
				     k++) {
					size_t na = craft(seq[k], a, sizeof(a));

					feed(a, na, &modes[m], what);
				}
			}
}

/* --- emulator streams ------------------------------------------------- */

static void test_emulator(void **state)
{
	static const enum p1i_emu_profile profiles[] = {
		P1I_EMU_DSMR5, P1I_EMU_DSMR4, P1I_EMU_DSMR22, P1I_EMU_EMUCS,
		P1I_EMU_SMARTY};
	unsigned n = iterations(3000), pi, m, i;
	static char buf[4096];
	char what[100];

	(void)state;
	for (pi = 0; pi < sizeof(profiles) / sizeof(profiles[0]); pi++)
		for (m = 0; m < NMODES; m += 2) {
			struct p1i_emu_params p;
			struct p1i_emu e;
			/* 2023-03-26 00:30 UTC: across a DST switch */
			double t = 1679790600;

			p1i_emu_params_default(&p);
			p.profile = profiles[pi];
			p.seed = 7 + pi;
			p1i_emu_init(&e, &p, t);
			memset(&reused, 0, sizeof(reused));
			for (i = 0; i < n; i++) {
				size_t len;

				/* mostly 1 s apart, now and then an hour */
				t += i % 97 == 0 ? 3600 : 1;
				len = p1i_emu_next(&e, t, buf, sizeof(buf));
				assert_true(len > 0);
				snprintf(what, sizeof(what),
					 "emulator %.20s mode %u telegram %u",
					 p1i_emu_profile_name(profiles[pi]), m,
					 i);
				feed(buf, len, &modes[m], what);
			}
		}
}

/* --- mutations -------------------------------------------------------- */

static uint64_t rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Offsets of line starts of s[0..n) into ls; returns how many. */
static unsigned lines(const char *s, size_t n, size_t *ls, unsigned cap)
{
	unsigned k = 0;
	size_t i;

	ls[k++] = 0;
	for (i = 0; i + 1 < n && k < cap; i++)
		if (s[i] == '\n')
			ls[k++] = i + 1;
	return k;
}

/* One random change of s[0..*n) (capacity MAXTG). */
static void mutate(char *s, size_t *n)
{
	static const char bytes[] = "0123456789()*!/\n\r :.-SWx\0";
	static char tmp[MAXTG];
	size_t ls[512], i, len = *n;
	unsigned k, a, b;

	if (!len)
		return;
	i = rnd((unsigned)len);
	switch (rnd(16)) {
	case 0:
	case 1:
	case 2:
	case 3: /* a digit somewhere changes (what meters do) */
		for (k = 0; k < 64; k++) {
			size_t j = (i + k) % len;

			if (s[j] >= '0' && s[j] <= '9') {
				s[j] = (char)('0' + rnd(10));
				break;
			}
		}
		break;
	case 4: /* any byte */
		s[i] = bytes[rnd(sizeof(bytes))];
		break;
	case 5: /* insert a byte */
		if (len + 1 < MAXTG) {
			memmove(s + i + 1, s + i, len - i);
			s[i] = bytes[rnd(sizeof(bytes))];
			len++;
		}
		break;
	case 6: /* delete a byte */
		memmove(s + i, s + i + 1, len - i - 1);
		len--;
		break;
	case 7:
	case 8: /* swap two lines, or double one, or drop one */
		k = lines(s, len, ls, 512);
		if (k < 3)
			break;
		a = 1 + rnd(k - 1);
		b = 1 + rnd(k - 1);
		{
			size_t ae = a + 1 < k ? ls[a + 1] : len;
			size_t al = ae - ls[a];

			memcpy(tmp, s + ls[a], al);
			if (rnd(3) == 0) { /* drop */
				memmove(s + ls[a], s + ae, len - ae);
				len -= al;
			} else if (rnd(2) == 0 && len + al < MAXTG) {
				/* double line a before line b */
				memmove(s + ls[b] + al, s + ls[b], len - ls[b]);
				memcpy(s + ls[b], tmp, al);
				len += al;
			} else if (a != b) { /* move line a before line b */
				memmove(s + ls[a], s + ae, len - ae);
				len -= al;
				if (ls[b] > ls[a])
					ls[b] -= al;
				memmove(s + ls[b] + al, s + ls[b], len - ls[b]);
				memcpy(s + ls[b], tmp, al);
				len += al;
			}
		}
		break;
	case 9: /* break a ')' */
		for (k = 0; k < 200; k++)
			if (s[(i + k) % len] == ')') {
				s[(i + k) % len] = rnd(2) ? 'x' : '\n';
				break;
			}
		break;
	case 10: /* CRLF to LF: one line, or all */
		for (k = 0, a = rnd(2); i + 1 < len; i++)
			if (s[i] == '\r' && s[i + 1] == '\n') {
				memmove(s + i, s + i + 1, len - i - 1);
				len--;
				if (!a)
					break;
			}
		break;
	case 11: /* a timestamp turned invalid: month 13, or no flag */
		for (k = 0; k + 14 < len; k++) {
			size_t j = (i + k) % (len - 14);

			if (s[j] == '(' &&
			    (s[j + 13] == 'S' || s[j + 13] == 'W') &&
			    s[j + 14] == ')') {
				if (rnd(2)) {
					s[j + 3] = '1';
					s[j + 4] = '3';
				} else {
					s[j + 13] = 'X';
				}
				break;
			}
		}
		break;
	case 12: /* cut the end */
		len = i + 1;
		break;
	case 13: /* a value grows by one digit (shifts what follows) */
		for (k = 0; k < 64 && len + 1 < MAXTG; k++) {
			size_t j = (i + k) % len;

			if (s[j] == '(') {
				memmove(s + j + 2, s + j + 1, len - j - 1);
				s[j + 1] = '0';
				len++;
				break;
			}
		}
		break;
	case 14: /* a continuation line "(...)" after some line */
		k = lines(s, len, ls, 512);
		if (k > 2 && len + 8 < MAXTG) {
			a = 1 + rnd(k - 1);
			memmove(s + ls[a] + 7, s + ls[a], len - ls[a]);
			memcpy(s + ls[a], "(12.5)\n", 7);
			len += 7;
		}
		break;
	default: /* nothing: the same telegram again */
		break;
	}
	*n = len;
}

static void test_mutations(void **state)
{
	static char cur[MAXTG];
	unsigned n = iterations(20000), i, m, k;
	size_t len = 0;
	char what[200];

	(void)state;
	load_corpus();
	for (m = 0; m < NMODES; m++) {
		unsigned base = 0;

		memset(&reused, 0, sizeof(reused));
		for (i = 0; i < n; i++) {
			if (i % 50 == 0) { /* a fresh start now and then */
				base = rnd(ncorpus);
				len = corpus_len[base];
				memcpy(cur, corpus[base], len);
			} else {
				/* a chain of changes, or a change of the base
				 */
				if (rnd(2)) {
					len = corpus_len[base];
					memcpy(cur, corpus[base], len);
				}
				for (k = rnd(3) + 1; k; k--)
					mutate(cur, &len);
			}
			snprintf(what, sizeof(what),
				 "mutation %u of %.60s mode %u", i,
				 corpus_name[base], m);
			feed(cur, len, &modes[m], what);
		}
	}
}

/* Mutations of the emulator's telegrams, each from the last good one. */
static void test_emulator_mutations(void **state)
{
	static char buf[4096], cur[MAXTG];
	unsigned n = iterations(2000), i, m;
	struct p1i_emu_params p;
	struct p1i_emu e;
	double t = 1688218245;
	size_t len;
	char what[100];

	(void)state;
	for (m = 0; m < NMODES; m++) {
		p1i_emu_params_default(&p);
		p.seed = m;
		p1i_emu_init(&e, &p, t);
		memset(&reused, 0, sizeof(reused));
		for (i = 0; i < n; i++) {
			len = p1i_emu_next(&e, t += 1, buf, sizeof(buf));
			memcpy(cur, buf, len);
			snprintf(what, sizeof(what),
				 "emulator mutation %u mode %u", i, m);
			if (i % 3 == 0)
				mutate(cur, &len);
			feed(cur, len, &modes[m], what);
		}
	}
}

/*
 * A result the caller changed (breaking the contract): anything may come
 * out, but the parser stays within its buffers (valgrind, ASan) and the
 * next parse without the flag is right again.
 */
static void test_scribbled(void **state)
{
	unsigned n = iterations(3000), i, k;
	const struct p1_parse_opts o = {.flags = P1_PARSE_REUSE};

	(void)state;
	load_corpus();
	for (i = 0; i < n; i++) {
		unsigned c = rnd(ncorpus);
		unsigned char *raw = (unsigned char *)&reused;

		p1i_parse_kept(corpus[c], corpus_len[c], &reused, &o, &jp);
		p1i_json_into_prev(&reused, P1_JSON_ALL, json_a, JSONCAP, &jp);
		for (k = rnd(20) + 1; k; k--) {
			size_t at =
				rnd(3) ? rnd(offsetof(struct p1_telegram, text))
				       : rnd(sizeof(reused));

			raw[at] = (unsigned char)rnd(256);
		}
		if (rnd(4) == 0) {
			reused.nobjects = rnd(2 * P1_MAX_OBJECTS);
			reused.nvalues = rnd(2 * P1_MAX_VALUES);
			reused.len = rnd(2 * P1_MAX_TELEGRAM);
		}
		c = rnd(ncorpus);
		if (rnd(2)) {
			p1_parse(corpus[c], corpus_len[c], &reused, &o);
			continue;
		}
		/* and the JSON through a scribbled jp */
		p1i_parse_kept(corpus[c], corpus_len[c], &reused, &o, &jp);
		raw = (unsigned char *)&jp;
		for (k = rnd(20) + 1; k; k--)
			raw[rnd(offsetof(struct p1i_json_prev, slot[0].buf))] =
				(unsigned char)rnd(256);
		if (rnd(4) == 0) {
			jp.slot[jp.cur & 1].at[rnd(P1_MAX_OBJECTS)] =
				(uint32_t)rnd(1u << 31);
			jp.built = jp.parses - 1;
		}
		p1i_json_into_prev(&reused, P1_JSON_ALL, json_a, JSONCAP, &jp);
	}
	memset(&fresh, 0, sizeof(fresh));
	p1_parse(corpus[0], corpus_len[0], &fresh, NULL);
	p1_parse(corpus[0], corpus_len[0], &reused, NULL);
	check_same(&reused, &fresh, "after scribbling");
}

/*
 * Lines are really taken over (else the tests above prove nothing): a
 * mark put on every value of the previous result (breaking the contract on
 * purpose) survives in the unchanged lines of the emulator's next
 * telegram, and only there.
 */
static void test_takes_over(void **state)
{
	static char buf[4096];
	const struct p1_parse_opts o = {.flags = P1_PARSE_REUSE};
	struct p1i_emu_params p;
	struct p1i_emu e;
	double t = 1688218245;
	unsigned i, k, marked = 0, total = 0;
	size_t len;

	(void)state;
	p1i_emu_params_default(&p);
	p1i_emu_init(&e, &p, t);
	memset(&reused, 0, sizeof(reused));
	for (i = 0; i < 20; i++) {
		len = p1i_emu_next(&e, t += 1, buf, sizeof(buf));
		p1_parse(buf, len, &reused, &o);
		assert_int_equal(reused.anomalies, 0);
		memset(&fresh, 0, sizeof(fresh));
		p1_parse(buf, len, &fresh, NULL);
		for (k = 0; k < reused.nvalues; k++) {
			const struct p1_value *v = &reused.values[k];

			total++;
			if (v->decimals != 77)
				continue;
			marked++;
			/* only values whose text is the same as before */
			assert_memory_equal(reused.text + v->off,
					    fresh.text + v->off, v->len);
		}
		for (k = 0; k < reused.nvalues; k++)
			reused.values[k].decimals = 77;
	}
	printf("[ reuse    ] %u of %u values taken over; %llu telegrams "
	       "compared, %llu after a clean one; %llu of %llu objects' JSON "
	       "copied from the telegram before\n",
	       marked, total, parses, clean_before, copied, objects_seen);
	assert_true(marked > total / 2);
	assert_true(copied > objects_seen / 4);
}

/*
 * A kept typed view clears the field of a plain number parsed again to
 * what p1_parse() starts from (zero): every such field is a struct p1_num
 * in the part of the typed view that is cleared for each telegram.
 */
static void test_num_fields(void **state)
{
#ifdef P1_SWAR
	const size_t lo = offsetof(struct p1_data, elec),
		     hi = lo + offsetof(struct p1_elec, failure_log);
	unsigned i, n = 0;

	for (i = 0; i < p1i_ncodes; i++) {
		const struct p1i_code *c = &p1i_codes[i];

		if (c->kind != P1I_CODE_NUM)
			continue;
		assert_true(c->off >= lo &&
			    c->off + sizeof(struct p1_num) <= hi);
		assert_int_equal((c->off - lo) % _Alignof(struct p1_num), 0);
		n++;
	}
	assert_true(n > 20);
#endif
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_pairs),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_emulator),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_emulator_mutations),
		cmocka_unit_test(test_scribbled),
		cmocka_unit_test(test_takes_over),
		cmocka_unit_test(test_num_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
