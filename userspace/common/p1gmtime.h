/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p1gmtime.h - Unix seconds (int64_t, as libp1 and the kernel give them)
 * to UTC calendar fields without going through time_t: where time_t has
 * 32 bits (i386, 32-bit Raspberry Pi OS up to bookworm) it ends in
 * January 2038, while meter times run to 2099.
 */
#ifndef P1_COMMON_P1GMTIME_H
#define P1_COMMON_P1GMTIME_H

#include <stdint.h>
#include <string.h>
#include <time.h>

/*
 * Sets tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec and tm_wday of
 * *tm like gmtime_r() (the rest zero), for any t whose year fits an int.
 * The days to a date are H. Hinnant's civil_from_days.
 */
static inline void p1_gmtime(int64_t t, struct tm *tm)
{
	int64_t days = t / 86400, s = t % 86400, era, doe, yoe, doy, mp;

	if (s < 0) {
		s += 86400;
		days--;
	}
	memset(tm, 0, sizeof(*tm));
	tm->tm_hour = (int)(s / 3600);
	tm->tm_min = (int)(s / 60 % 60);
	tm->tm_sec = (int)(s % 60);
	tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01: Thursday */
	days += 719468;				  /* days since 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* months since March */
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_year = (int)(yoe + era * 400 + (tm->tm_mon < 2) - 1900);
}

#endif /* P1_COMMON_P1GMTIME_H */
