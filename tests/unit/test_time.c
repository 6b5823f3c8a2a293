// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_time.c - meter time to UTC: S/W flags per zone, unflagged times by
 * the EU rules (around each switch), checked against values computed with
 * Python's zoneinfo and, over a century, against glibc's tzdata.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "p1_internal.h"
#include "unit.h"

static int64_t parse_ok(const char *s, unsigned zone)
{
	int64_t t = -1;

	if (p1_time_parse(s, strlen(s), zone, &t))
		fail_msg("'%s' rejected", s);
	return t;
}

static void flags(void **state)
{
	(void)state;
	/* 2023-07-01 12:00:00 local */
	assert_int_equal(parse_ok("230701120000S", P1_ZONE_AMSTERDAM),
			 1688205600);
	assert_int_equal(parse_ok("230701120000S", P1_ZONE_DUBLIN), 1688209200);
	assert_int_equal(parse_ok("230701120000S", P1_ZONE_UTC), 1688212800);
	/* the flag wins over the calendar: W in July is UTC+1 */
	assert_int_equal(parse_ok("230701120000W", P1_ZONE_AMSTERDAM),
			 1688209200);
	assert_int_equal(parse_ok("230101000000W", P1_ZONE_AMSTERDAM),
			 1672527600);
	assert_int_equal(parse_ok("230101000000W", P1_ZONE_DUBLIN), 1672531200);
	assert_int_equal(parse_ok("010101000000W", P1_ZONE_UTC), 978307200);
	assert_int_equal(parse_ok("991231235959W", P1_ZONE_UTC), 4102444799);
	assert_int_equal(parse_ok("240229235959W", P1_ZONE_UTC), 1709251199);
}

/* Unflagged local times near the 2023 switches (zoneinfo, fold=0). */
static void switches(void **state)
{
	static const struct {
		const char *s;
		unsigned zone;
		int64_t t;
	} v[] = {
		{"230326015959", P1_ZONE_AMSTERDAM, 1679792399},
		{"230326023000", P1_ZONE_AMSTERDAM, 1679794200}, /* gap */
		{"230326030000", P1_ZONE_AMSTERDAM, 1679792400},
		{"231029013000", P1_ZONE_AMSTERDAM, 1698535800},
		{"231029023000", P1_ZONE_AMSTERDAM, 1698539400}, /* twice */
		{"231029030000", P1_ZONE_AMSTERDAM, 1698544800},
		{"231029015959", P1_ZONE_AMSTERDAM, 1698537599},
		{"230326005959", P1_ZONE_DUBLIN, 1679792399},
		{"230326013000", P1_ZONE_DUBLIN, 1679794200}, /* gap */
		{"230326020000", P1_ZONE_DUBLIN, 1679792400},
		{"231029003000", P1_ZONE_DUBLIN, 1698535800},
		{"231029013000", P1_ZONE_DUBLIN, 1698539400}, /* twice */
		{"231029020000", P1_ZONE_DUBLIN, 1698544800},
		{"120517180000", P1_ZONE_AMSTERDAM, 1337270400},
		{"130215100000", P1_ZONE_AMSTERDAM, 1360918800},
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t t = parse_ok(v[i].s, v[i].zone);

		if (t != v[i].t)
			fail_msg("%s zone %u: %lld, want %lld", v[i].s,
				 v[i].zone, (long long)t, (long long)v[i].t);
	}
}

static void invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"23070112000",
		"2307011200000",
		"230701120000X",
		"000101000000W",
		"001231235959S",
		"231301000000W",
		"230001000000W",
		"230100000000W",
		"230230000000W",
		"230431000000S",
		"230101240000W",
		"230101236000W",
		"230101235960W",
		"23a701120000W",
		"-30701120000W",
	};
	int64_t t = 42;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!p1_time_parse(bad[i], strlen(bad[i]), 0, &t))
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(t, 42);
	assert_int_equal(p1_time_parse("230101000000W", 13, 7, &t), -1);
}

/* p1i_tst_at (cached hours) must agree with p1i_tst_nocache exactly. */
static void same_as_nocache(const char *s, size_t n, unsigned zone,
			    unsigned slot)
{
	int64_t want = 42, got = 42;
	int rw = p1i_tst_nocache(s, n, zone, &want);
	int rg = p1i_tst_at(s, n, zone, &got, slot);

	if (rw != rg || want != got)
		fail_msg("'%.*s' zone %u slot %u: %d %lld, want %d %lld",
			 (int)n, s, zone, slot, rg, (long long)got, rw,
			 (long long)want);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state >> 32) % n;
}

/*
 * Every hour of the switch days (and the days around them) in each zone,
 * unflagged, S and W (whichever contradicts the date too), at the hour's
 * first, middle and last second and at invalid minutes and seconds; each
 * through an entry last filled by another hour, zone or flag, and again
 * through the same entry (a hit).
 */
static void cache_day(const char *day, unsigned zone)
{
	static const char *const mmss[] = {"0000", "3000", "5959",
					   "6000", "0060", "5a00"};
	unsigned hh, m, f;
	char b[16];

	for (hh = 0; hh < 26; hh++)
		for (f = 0; f < 3; f++)
			for (m = 0; m < 6; m++) {
				snprintf(b, sizeof(b), "%s%02u%s%c", day, hh,
					 mmss[m], "\0SW"[f]);
				same_as_nocache(b, f ? 13 : 12, zone, hh % 3);
				same_as_nocache(b, f ? 13 : 12, zone, hh % 3);
			}
}

static void cache_switch_days(void **state)
{
	static const char *const days[] = {
		"230325", "230326", "230327", "231028", "231029", "231030",
		"240331", "241027", "000326", "230230", "230229", "240229",
		"991231", "010101", "211031", "220327",
	};
	unsigned d, zone;

	(void)state;
	for (zone = 0; zone <= P1_ZONE_UTC; zone++)
		for (d = 0; d < sizeof(days) / sizeof(days[0]); d++)
			cache_day(days[d], zone);
}

/*
 * Random stamps, valid and not (months 0..13, days 0..32, hours 0..25,
 * minutes and seconds 0..61, year 00, stray bytes), in runs that share
 * their hour and through few entries, so that hits, misses and evictions
 * all happen; each must equal the uncached conversion.
 */
static void cache_random(void **state)
{
	char b[16];
	unsigned i, k;

	(void)state;
	for (i = 0; i < 20000; i++) {
		unsigned yy = rnd(8) ? 1 + rnd(99) : 0, mo = rnd(14),
			 dd = rnd(33), hh = rnd(26), zone = rnd(3),
			 run = 1 + rnd(6), slot = rnd(4);

		if (rnd(2)) { /* near a switch */
			mo = rnd(2) ? 3 : 10;
			dd = 24 + rnd(8);
			hh = rnd(4);
		}
		for (k = 0; k < run; k++) {
			unsigned f = rnd(4);
			size_t n;

			snprintf(b, sizeof(b), "%02u%02u%02u%02u%02u%02u%c", yy,
				 mo, dd, hh, rnd(62), rnd(62), "\0SWX"[f]);
			n = f ? 13 : 12;
			if (!rnd(16))
				b[rnd(12)] = (char)(' ' + rnd(64));
			if (!rnd(8))
				zone = rnd(3);
			same_as_nocache(b, n, zone, slot);
		}
	}
}

static void zone_names(void **state)
{
	(void)state;
	assert_int_equal(p1_zone_from_name("Europe/Amsterdam"),
			 P1_ZONE_AMSTERDAM);
	assert_int_equal(p1_zone_from_name("Europe/Brussels"),
			 P1_ZONE_AMSTERDAM);
	assert_int_equal(p1_zone_from_name("Europe/Luxembourg"),
			 P1_ZONE_AMSTERDAM);
	assert_int_equal(p1_zone_from_name("Europe/Stockholm"),
			 P1_ZONE_AMSTERDAM);
	assert_int_equal(p1_zone_from_name("Europe/Vienna"), P1_ZONE_AMSTERDAM);
	assert_int_equal(p1_zone_from_name("Europe/Budapest"),
			 P1_ZONE_AMSTERDAM);
	assert_int_equal(p1_zone_from_name("Europe/Dublin"), P1_ZONE_DUBLIN);
	assert_int_equal(p1_zone_from_name("UTC"), P1_ZONE_UTC);
	assert_int_equal(p1_zone_from_name("Mars/Olympus"), -1);
	assert_int_equal(p1_zone_from_name(NULL), -1);
}

/* Local broken-down time of t in the process's TZ (t fits in time_t). */
static void tz_local(int64_t t, struct tm *tm)
{
	const time_t tt = (time_t)t;

	assert_true((int64_t)tt == t);
	assert_non_null(localtime_r(&tt, tm));
}

static void fmt(char *b, const struct tm *tm, char flag)
{
	snprintf(b, 80, "%02d%02d%02d%02d%02d%02d%c", tm->tm_year - 100,
		 tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min,
		 tm->tm_sec, flag);
}

/*
 * Every instant on a grid over 2001-2099 (dense in March and October),
 * printed as local time by glibc from tzdata, must come back: flagged
 * always (S = summer by the UTC offset, as tzdata models Irish winter
 * time as negative DST), unflagged unless the wall time occurs twice.
 * With a 32-bit time_t (i386, 32-bit Raspberry Pi OS up to bookworm)
 * glibc stops at 2038: the grid ends with 2037 there (libp1 itself
 * counts in int64_t; the 64-bit and the _TIME_BITS=64 builds check the
 * rest).  P1_TEST_QUICK (set under valgrind) thins the grid.
 */
static void against_tzdata_zone(const char *tz, unsigned zone, long std)
{
	/* A step is at most max_step * scale seconds. */
	const int64_t start = 978307200, max_step = 7 * 3600 + 780,
		      end = sizeof(time_t) < 8 ? 2145916800  /* 2038-01-01 */
					       : 4102444800; /* 2100-01-01 */
	const int64_t scale = getenv("P1_TEST_QUICK") ? 40 : 1;
	int64_t t, step, checked = 0;

	setenv("TZ", tz, 1);
	tzset();
	for (t = start; t < end;) {
		struct tm tm, before, after;
		bool summer, twice;
		char b[80];
		int64_t got;

		tz_local(t, &tm);
		tz_local(t - 3600, &before);
		tz_local(t + 3600, &after);
		summer = zone != P1_ZONE_UTC && tm.tm_gmtoff > std;
		fmt(b, &tm, summer ? 'S' : 'W');
		got = parse_ok(b, zone);
		if (got != t)
			fail_msg("%s %s: %lld, want %lld", tz, b,
				 (long long)got, (long long)t);
		twice = (tm.tm_gmtoff > std && after.tm_gmtoff == std) ||
			(tm.tm_gmtoff == std && before.tm_gmtoff > std);
		if (!twice) {
			b[12] = 0;
			got = parse_ok(b, zone);
			if (got != t)
				fail_msg("%s %s: %lld, want %lld", tz, b,
					 (long long)got, (long long)t);
		}
		checked++;
		step = max_step;
		if (tm.tm_mon == 2 || tm.tm_mon == 9) /* around the switches */
			step = 3600 + 1020;
		t += scale * step;
	}
	/* The whole range was walked: 120 000 points and more over 2001-2099,
	 * 45 000 and more over 2001-2037 (a 40th of that when quick). */
	assert_true(checked >= (end - start) / (max_step * scale));
}

static void against_tzdata(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/Europe/Amsterdam", R_OK) ||
	    access("/usr/share/zoneinfo/Europe/Dublin", R_OK))
		fail_msg("tzdata missing (apt-get install tzdata)");
	against_tzdata_zone("Europe/Amsterdam", P1_ZONE_AMSTERDAM, 3600);
	against_tzdata_zone("Europe/Dublin", P1_ZONE_DUBLIN, 0);
	against_tzdata_zone("UTC", P1_ZONE_UTC, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flags),
		cmocka_unit_test(switches),
		cmocka_unit_test(invalid),
		cmocka_unit_test(zone_names),
		cmocka_unit_test(against_tzdata),
		cmocka_unit_test(cache_switch_days),
		cmocka_unit_test(cache_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
