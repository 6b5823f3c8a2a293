// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_json_cache.c - the JSON writer's cache of the objects list
 * (p1i_json_into_cached(), p1_json.h) gives, call after call, byte for
 * byte what the writer without it gives (p1i_json_into()):
 *  - every ordered pair of corpus telegrams, in each zone;
 *  - emulated streams of every profile (p1_emu.h), thousands of
 *    telegrams, at one second and at the profile's interval;
 *  - random mutations of the previous telegram: a digit, any byte,
 *    bytes inserted and deleted, lines swapped, repeated and removed, a
 *    value turned into a number, a text or a time, the zone changed;
 *  - huge telegrams (the list's JSON over the cache's copy), more
 *    objects than kept;
 * with the flags changing between calls and buffers of every kind: a
 * call that fits without the cache fits with it, one that does not fit
 * fails with and without it, and the cache stays right afterwards.
 * Built twice: also against the portable writer (P1_JSON_PORTABLE: no
 * SSE2, no eight bytes at a time, what big-endian hosts build).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "p1_emu.h"
#include "p1_json.h"

#define BIG (1 << 18)

static struct p1i_json_cache cache;
static struct p1_telegram tg;
static char ref[BIG], out[BIG + 64];
static unsigned long calls, objects, hits;
static bool keep_backoff; /* let the cache skip calls as it would */

static const unsigned flag_sets[] = {
	P1_JSON_ALL, P1_JSON_OBJECTS, P1_JSON_ALL | P1_JSON_MEMBERS,
	P1_JSON_OBJECTS | P1_JSON_MEMBERS, P1_JSON_TYPED};
#define NFLAGS (sizeof(flag_sets) / sizeof(flag_sets[0]))

/* A small deterministic generator (xorshift64*). */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return n ? (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 33) % n : 0;
}

static bool quick(void)
{
	return getenv("P1_TEST_QUICK") != NULL;
}

/*
 * The telegram in tg through the cache with flags and a buffer of cap
 * bytes (0: plenty), against the writer without it.
 */
static void check_cap(unsigned flags, size_t cap)
{
	size_t len, n, m;

	len = p1i_json_into(&tg, flags, ref, sizeof(ref));
	assert_true(len > 0);
	if (!cap)
		cap = BIG;
	if (!keep_backoff)
		cache.skip = 0; /* every call through the cache itself */
	memset(out + cap, 'x', 64);
	n = p1i_json_into_cached(&tg, flags, out, cap, &cache);
	calls++;
	if (n && (flags & P1_JSON_OBJECTS)) {
		objects += tg.nobjects;
		hits += cache.hits;
	}
	/* nothing beyond cap */
	for (m = 0; m < 64; m++)
		if (out[cap + m] != 'x')
			fail_msg("byte %zu beyond cap %zu written", m, cap);
	if (cap < len || cap < 4096) {
		assert_int_equal(n, 0);
		return;
	}
	if (cap >= len + P1I_JSON_SPARE)
		assert_int_equal(n, len);
	if (n) {
		if (n != len || memcmp(out, ref, len)) {
			size_t i = 0;

			while (i < len && i < n && out[i] == ref[i])
				i++;
			fail_msg(
				"cached JSON differs at byte %zu (of %zu, %zu):"
				"\n want ...%.80s\n got  ...%.80s",
				i, len, n, ref + (i > 40 ? i - 40 : 0),
				out + (i > 40 ? i - 40 : 0));
		}
	}
}

/* What a call that fits without the cache does with it. */
static void check_fits(unsigned flags, size_t cap)
{
	static char plain[BIG];
	size_t a, b;

	if (!keep_backoff)
		cache.skip = 0;
	a = p1i_json_into(&tg, flags, plain, cap);
	b = p1i_json_into_cached(&tg, flags, out, cap, &cache);
	calls++;
	if (a) {
		assert_int_equal(b, a);
		assert_memory_equal(out, plain, a);
	}
}

/* tg against the uncached writer: flags and buffer picked at random. */
static void check_random(void)
{
	unsigned flags = flag_sets[rnd(4) ? rnd(2) : rnd(NFLAGS)];
	size_t len = p1i_json_into(&tg, flags, ref, sizeof(ref));
	size_t cap = 0;

	switch (rnd(16)) {
	case 0:
		cap = len; /* may fit, may want more to spare */
		break;
	case 1:
		cap = len > 1 ? len - 1 : 1; /* cannot fit */
		break;
	case 2:
		cap = 4096 + rnd((uint32_t)len + 4096);
		break;
	case 3:
		check_fits(flags, len + rnd(P1I_JSON_SPARE));
		return;
	default:
		break;
	}
	check_cap(flags, cap);
}

static int parse(const char *s, size_t n, unsigned zone)
{
	struct p1_parse_opts o = {.zone = zone};

	return p1_parse(s, n, &tg, &o);
}

/* At least pct % of the objects checked since o0, h0 came from the cache. */
static void check_hits(unsigned long o0, unsigned long h0, unsigned pct,
		       const char *what)
{
	printf("  %s: %lu of %lu objects from the cache\n", what, hits - h0,
	       objects - o0);
	if ((hits - h0) * 100 < (objects - o0) * pct)
		fail_msg("%s: too few objects from the cache", what);
}

/* --- the corpus ----------------------------------------------------- */

#define MAXFILES 64
static char files[MAXFILES][P1_MAX_TELEGRAM + 1];
static size_t file_len[MAXFILES];
static unsigned nfiles;

static void load_corpus(void)
{
	DIR *d;
	struct dirent *e;

	if (nfiles)
		return;
	d = opendir(CORPUS_DIR);
	assert_non_null(d);
	while ((e = readdir(d)) && nfiles < MAXFILES) {
		if (!strstr(e->d_name, ".txt"))
			continue;
		file_len[nfiles] =
			corpus_load(e->d_name, files[nfiles], sizeof(files[0]));
		nfiles++;
	}
	closedir(d);
	assert_true(nfiles > 10);
}

/* Every ordered pair (a, b): a into an empty cache, then b. */
static void corpus_pairs(void **state)
{
	unsigned long o0 = objects, h0 = hits;
	unsigned a, b, f, z;

	(void)state;
	load_corpus();
	for (z = 0; z < 3; z++) {
		for (f = 0; f < NFLAGS; f++) {
			for (a = 0; a < nfiles; a++) {
				for (b = 0; b < nfiles; b++) {
					p1i_json_cache_reset(&cache);
					parse(files[a], file_len[a], z);
					check_cap(flag_sets[f], 0);
					parse(files[b], file_len[b], z);
					check_cap(flag_sets[f], 0);
					/* b again: all of it from the cache */
					check_cap(flag_sets[f], 0);
				}
			}
		}
	}
	/* the same pairs in one long run, zones changing */
	p1i_json_cache_reset(&cache);
	for (a = 0; a < nfiles; a++) {
		for (b = 0; b < nfiles; b++) {
			parse(files[a], file_len[a], rnd(3));
			check_random();
			parse(files[b], file_len[b], rnd(3));
			check_random();
		}
	}
	check_hits(o0, h0, 20, "corpus pairs");
}

/* --- emulated meters ------------------------------------------------ */

static void emulated(void **state)
{
	static char buf[4096];
	const unsigned n = quick() ? 300 : 3000;
	unsigned long o0 = objects, h0 = hits;
	unsigned prof;

	(void)state;
	for (prof = P1I_EMU_DSMR5; prof <= P1I_EMU_SMARTY; prof++) {
		struct p1i_emu_params p;
		static struct p1i_emu e;
		double step[2] = {1, p1i_emu_default_interval(
					     (enum p1i_emu_profile)prof)};
		unsigned s, i;

		for (s = 0; s < 2; s++) {
			double t = 1688218245.0; /* 2023-07-01T13:30:45Z */

			p1i_emu_params_default(&p);
			p.profile = (enum p1i_emu_profile)prof;
			p.seed = 7 + s;
			p1i_emu_init(&e, &p, t);
			p1i_json_cache_reset(&cache);
			for (i = 0; i < n; i++) {
				size_t len =
					p1i_emu_next(&e, t, buf, sizeof(buf));

				assert_true(len > 0);
				parse(buf, len, 0);
				if (i % 7 == 3)
					check_random();
				else
					check_cap(P1_JSON_ALL, 0);
				t += step[s];
			}
		}
	}
	check_hits(o0, h0, 60, "emulated meters");
}

/* --- mutations ------------------------------------------------------ */

static char cur[P1_MAX_TELEGRAM + 64], nxt[P1_MAX_TELEGRAM + 64];
static size_t cur_len;

/* Line starts of cur (after the header), at most 512. */
static size_t lines(size_t *at, size_t max)
{
	size_t n = 0, i;

	for (i = 0; i < cur_len && n < max; i++)
		if (i == 0 || cur[i - 1] == '\n')
			at[n++] = i;
	return n;
}

/* Replace cur[a..b) by s[0..n). */
static void splice(size_t a, size_t b, const char *s, size_t n)
{
	size_t k = 0;

	if (cur_len - (b - a) + n > P1_MAX_TELEGRAM)
		return;
	memcpy(nxt, cur, a);
	k = a;
	memcpy(nxt + k, s, n);
	k += n;
	memcpy(nxt + k, cur + b, cur_len - b);
	k += cur_len - b;
	memcpy(cur, nxt, k);
	cur_len = k;
}

static const char *const palette[] = {
	"0",	      "9",
	"(",	      ")",
	"*",	      ".",
	"\r\n",	      "\n",
	":",	      "-",
	"S",	      "W",
	"*kWh",	      "\"",
	"\\",	      "\x01",
	"\xc3\xa9",   "\xff",
	"1-0:1.8.1(", "0-1:24.2.1(",
	")(",	      "230701153045S",
	"*255",	      "!",
	"/",
};

static const char *const new_value[] = {
	"000123.456*kWh",
	"abc",
	"230701153046S",
	"",
	"000101000000W",
	"1.5",
	"-0.25*kW",
	"48656C6C6F",
	"12345678901234567890123",
	"0000",
	"230701153046",
	"2307011530",
	"1e5",
	"+7*A",
	"\t\"x\"",
};

static void mutate(unsigned *zone)
{
	size_t at[512], nl = lines(at, 512), i, j, n;
	const char *s;

	switch (rnd(12)) {
	case 0: /* a digit */
		for (n = 0; n < 64; n++) {
			i = rnd((uint32_t)cur_len);
			if (cur[i] >= '0' && cur[i] <= '9') {
				cur[i] = (char)('0' + rnd(10));
				break;
			}
		}
		break;
	case 1: /* any byte */
		cur[rnd((uint32_t)cur_len)] = (char)rnd(256);
		break;
	case 2: /* bytes in */
		s = palette[rnd(sizeof(palette) / sizeof(palette[0]))];
		i = rnd((uint32_t)cur_len + 1);
		splice(i, i, s, strlen(s));
		break;
	case 3: /* bytes out */
		i = rnd((uint32_t)cur_len);
		n = 1 + rnd(4);
		splice(i, i + n < cur_len ? i + n : cur_len, "", 0);
		break;
	case 4: /* two lines swapped */
		if (nl > 3) {
			static char a[P1_MAX_TELEGRAM], b[P1_MAX_TELEGRAM];
			size_t x = 1 + rnd((uint32_t)nl - 2), la, lb;

			la = at[x + 1] - at[x];
			lb = (x + 2 < nl ? at[x + 2] : cur_len) - at[x + 1];
			memcpy(a, cur + at[x], la);
			memcpy(b, cur + at[x + 1], lb);
			memcpy(cur + at[x], b, lb);
			memcpy(cur + at[x] + lb, a, la);
		}
		break;
	case 5: /* a line repeated */
		if (nl > 2) {
			static char a[P1_MAX_TELEGRAM];
			size_t x = 1 + rnd((uint32_t)nl - 1);
			size_t la = (x + 1 < nl ? at[x + 1] : cur_len) - at[x];

			memcpy(a, cur + at[x], la);
			i = at[1 + rnd((uint32_t)nl - 1)];
			splice(i, i, a, la);
		}
		break;
	case 6: /* a line removed */
		if (nl > 3) {
			size_t x = 1 + rnd((uint32_t)nl - 2);

			splice(at[x], at[x + 1], "", 0);
		}
		break;
	case 7: /* the zone */
		*zone = rnd(3);
		break;
	case 8: /* a value of another kind */
	case 9:
		for (n = 0; n < 16; n++) {
			i = rnd((uint32_t)cur_len);
			if (cur[i] != '(')
				continue;
			for (j = i + 1;
			     j < cur_len && cur[j] != ')' && cur[j] != '\n';
			     j++)
				;
			s = new_value[rnd(sizeof(new_value) /
					  sizeof(new_value[0]))];
			splice(i + 1, j, s, strlen(s));
			break;
		}
		break;
	case 10: /* nothing: the same telegram again */
		break;
	default: /* another telegram */
		j = rnd(nfiles);
		memcpy(cur, files[j], file_len[j]);
		cur_len = file_len[j];
		break;
	}
}

static void mutations(void **state)
{
	const unsigned n = quick() ? 3000 : 60000;
	unsigned long o0 = objects, h0 = hits;
	unsigned i, k, zone = 0;

	(void)state;
	load_corpus();
	p1i_json_cache_reset(&cache);
	memcpy(cur, files[0], file_len[0]);
	cur_len = file_len[0];
	for (i = 0; i < n; i++) {
		for (k = rnd(3); k > 0; k--)
			mutate(&zone);
		if (cur_len == 0) {
			memcpy(cur, files[1], file_len[1]);
			cur_len = file_len[1];
		}
		if (parse(cur, cur_len, zone) < 0) {
			memcpy(cur, files[2], file_len[2]);
			cur_len = file_len[2];
			parse(cur, cur_len, zone);
		}
		check_random();
	}
	check_hits(o0, h0, keep_backoff ? 20 : 50, "mutations");
}

/* The same with the cache left to skip calls after unlike telegrams. */
static void mutations_backoff(void **state)
{
	keep_backoff = true;
	mutations(state);
	keep_backoff = false;
}

/* --- beyond the cache's room ---------------------------------------- */

/* A telegram of nobj objects each with a value of vlen bytes of byte c. */
static size_t big_telegram(char *b, size_t cap, unsigned nobj, size_t vlen,
			   char c)
{
	size_t k = (size_t)snprintf(b, cap, "/XYZ5 big\r\n\r\n");
	unsigned i;

	for (i = 0; i < nobj && k + vlen + 40 < cap; i++) {
		k += (size_t)snprintf(b + k, cap - k, "0-0:96.13.%u(", i % 256);
		memset(b + k, c, vlen);
		b[k + vlen / 2] = (char)('0' + i % 10); /* lines differ */
		k += vlen;
		k += (size_t)snprintf(b + k, cap - k, ")\r\n");
	}
	k += (size_t)snprintf(b + k, cap - k, "!\r\n");
	return k;
}

static void huge(void **state)
{
	static char b[P1_MAX_TELEGRAM + 4096];
	size_t n;
	unsigned r;

	(void)state;
	load_corpus();
	p1i_json_cache_reset(&cache);
	for (r = 0; r < 6; r++) {
		/* 16 KiB of control bytes: each is \u00XX in the JSON,
		 * about 96 KiB, more than the cache keeps */
		n = big_telegram(b, sizeof(b), 60, 250, '\x01');
		parse(b, n, 0);
		check_cap(P1_JSON_ALL, 0);
		assert_true(p1i_json_into(&tg, P1_JSON_OBJECTS, ref,
					  sizeof(ref)) > P1I_JCACHE_OUT);
		check_cap(P1_JSON_ALL, 0);
		/* more objects than kept (P1_MAX_OBJECTS) */
		n = big_telegram(b, sizeof(b), 400, 3, '7');
		parse(b, n, 0);
		assert_true(tg.anomalies & P1_ANOM_OBJECTS);
		check_cap(P1_JSON_ALL, 0);
		check_cap(P1_JSON_OBJECTS, 0);
		/* the cache after a call too big for it */
		parse(files[r % nfiles], file_len[r % nfiles], 0);
		check_cap(P1_JSON_ALL, 0);
		check_cap(P1_JSON_ALL, 0);
		/* and after a call that failed */
		check_cap(P1_JSON_ALL, 4096);
		check_cap(P1_JSON_ALL, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus_pairs),
		cmocka_unit_test(emulated),
		cmocka_unit_test(mutations),
		cmocka_unit_test(mutations_backoff),
		cmocka_unit_test(huge),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	printf("%lu cached calls checked\n", calls);
	return rc;
}
