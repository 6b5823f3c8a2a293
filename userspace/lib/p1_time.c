// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_time.c - meter timestamps to UTC.
 *
 * Meters print local time YYMMDDhhmmss, from DSMR 4 on with a flag: S for
 * summer (daylight saving) time, W for winter (standard) time.  The zones
 * libp1 knows all follow the EU rule: summer time from the last Sunday of
 * March to the last Sunday of October, switching at 01:00 UTC.  Unflagged
 * (DSMR 2.2/3.0) times are placed by that rule; in the repeated autumn
 * hour the earlier (summer) instant wins, a time in the skipped spring
 * hour is read as winter time.  No tzdata is needed.
 */
#include <string.h>

#include "p1_internal.h"

static const uint16_t days_before[12] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
};

static inline __attribute__((always_inline)) int64_t
days(unsigned year, unsigned month, unsigned day)
{
	/* 1972 is the first leap year after 1970; 2100 is out of range. */
	int64_t d = (int64_t)(year - 1970) * 365 + (year - 1969) / 4 +
		    days_before[month - 1] + day - 1;

	if (month > 2 && year % 4 == 0)
		d++;
	return d;
}

int64_t p1i_days(unsigned year, unsigned month, unsigned day)
{
	return days(year, month, day);
}

/* UTC second at which summer time starts (March) or ends (October). */
static int64_t eu_switch(unsigned year, unsigned month)
{
	int64_t d = p1i_days(year, month, 31);

	d -= (d + 4) % 7; /* back to Sunday; 1970-01-01 was a Thursday */
	return d * 86400 + 3600;
}

static inline __attribute__((always_inline)) int64_t
local_to_utc(unsigned zone, unsigned year, unsigned mon, unsigned day,
	     unsigned hh, unsigned mm, unsigned ss, int flag)
{
	int64_t local = days(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	int64_t std, t;

	if (zone == P1_ZONE_UTC)
		return local;
	std = zone == P1_ZONE_DUBLIN ? 0 : 3600;
	if (flag == 'S')
		return local - std - 3600;
	if (flag == 'W')
		return local - std;
	t = local - std - 3600;
	if (t >= eu_switch(year, 3) && t < eu_switch(year, 10))
		return t;
	return local - std;
}

int64_t p1i_local_to_utc(unsigned zone, unsigned year, unsigned mon,
			 unsigned day, unsigned hh, unsigned mm, unsigned ss,
			 int flag)
{
	return local_to_utc(zone, year, mon, day, hh, mm, ss, flag);
}

#ifndef P1_SWAR
static unsigned two(const char *s)
{
	return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}
#endif

/* Validate the fields of a timestamp and convert it. */
static inline __attribute__((always_inline)) int
tst_fields(unsigned yy, unsigned mo, unsigned dd, unsigned hh, unsigned mi,
	   unsigned ss, int flag, unsigned zone, int64_t *utc)
{
	static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31};

	/* Year 2000 is what meters with an unset clock print. */
	if (yy == 0 || mo < 1 || mo > 12 || dd < 1 || dd > mdays[mo - 1] ||
	    (mo == 2 && dd == 29 && yy % 4) || hh > 23 || mi > 59 || ss > 59)
		return -1;
	*utc = local_to_utc(zone, 2000 + yy, mo, dd, hh, mi, ss, flag);
	return 0;
}

/*
 * The stamp check and conversion without the cache below (the reference
 * the cache is tested against; also its miss path).
 */
int p1i_tst_nocache(const char *s, size_t n, unsigned zone, int64_t *utc)
{
	int flag = 0;

	if (n == 13) {
		flag = s[12];
		if (flag != 'S' && flag != 'W')
			return -2;
	} else if (n != 12) {
		return -2;
	}
#ifdef P1_SWAR
	{
		/* YYMMDDhh and mmss, as pairs of digits in the even bytes */
		uint64_t a = p1i_load8(s), b = 0x3030303000000000ull;
		uint32_t b4;

		memcpy(&b4, s + 8, 4);
		b |= b4;
		if (p1i_digits8(a) != 8 || p1i_digits8(b) != 8)
			return -2;
		a -= 0x3030303030303030ull;
		a = a * 10 + (a >> 8);
		b -= 0x3030303030303030ull;
		b = b * 10 + (b >> 8);
		return tst_fields(a & 0xff, a >> 16 & 0xff, a >> 32 & 0xff,
				  a >> 48 & 0xff, b & 0xff, b >> 16 & 0xff,
				  flag, zone, utc);
	}
#else
	{
		unsigned i;

		for (i = 0; i < 12; i++)
			if ((unsigned)(s[i] - '0') > 9)
				return -2;
		return tst_fields(two(s), two(s + 2), two(s + 4), two(s + 6),
				  two(s + 8), two(s + 10), flag, zone, utc);
	}
#endif
}

#ifdef P1_SWAR
/* The cache of hours p1i_tst_at() reads (p1_internal.h). */
_Thread_local struct p1i_tst_hour p1i_tst_cache[P1I_TST_CACHE];

int p1i_tst_miss(const char *s, size_t n, unsigned zone, int64_t *utc,
		 struct p1i_tst_hour *h, uint32_t tag, unsigned mmss)
{
	int r = p1i_tst_nocache(s, n, zone, utc);

	if (r)
		return r;
	h->key = p1i_load8(s);
	h->tag = tag;
	h->hours = (int32_t)((*utc - mmss) / 3600);
	return 0;
}

int p1i_tst(const char *s, size_t n, unsigned zone, int64_t *utc)
{
	return p1i_tst_at(s, n, zone, utc, P1I_TST_CACHE - 1);
}
#else
int p1i_tst(const char *s, size_t n, unsigned zone, int64_t *utc)
{
	return p1i_tst_nocache(s, n, zone, utc);
}
#endif

int p1_time_parse(const char *s, size_t n, unsigned zone, int64_t *utc)
{
	if (!s || !utc || zone > P1_ZONE_UTC)
		return -1;
	return p1i_tst(s, n, zone, utc) == 0 ? 0 : -1;
}

int p1_zone_from_name(const char *name)
{
	static const char *const cet[] = {
		"Europe/Amsterdam",  "Europe/Brussels",	 "Europe/Luxembourg",
		"Europe/Stockholm",  "Europe/Oslo",	 "Europe/Copenhagen",
		"Europe/Vienna",     "Europe/Budapest",	 "Europe/Berlin",
		"Europe/Paris",	     "Europe/Zurich",	 "Europe/Prague",
		"Europe/Warsaw",     "Europe/Rome",	 "Europe/Madrid",
		"Europe/Bratislava", "Europe/Ljubljana", "CET",
	};
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < sizeof(cet) / sizeof(cet[0]); i++)
		if (!strcmp(name, cet[i]))
			return P1_ZONE_AMSTERDAM;
	if (!strcmp(name, "Europe/Dublin") || !strcmp(name, "Europe/London"))
		return P1_ZONE_DUBLIN;
	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))
		return P1_ZONE_UTC;
	return -1;
}
