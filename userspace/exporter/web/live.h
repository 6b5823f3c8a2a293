/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live.h - what the live page shows beyond the latest reading: the last
 * hour of power and today's energy and gas.
 *
 *   /api/v1/meters/NAME/history   {"meter", "step", "points": [[t, import
 *                                 W, export W], ...], "today": {...}}
 *
 * Power is averaged over LIVE_STEP-second steps, LIVE_POINTS of them (one
 * hour), in a ring allocated when the meter appears.  "Today" is the
 * difference between the meter's registers now and at the first reading
 * of the local day (midnight in the meter's zone, enum p1_zone).  Those
 * registers are kept in $STATE_DIRECTORY/today-METER (systemd's
 * StateDirectory=), so a restart during the day continues the day;
 * without a state directory it counts from the first reading since, and
 * says so ("since").  Nothing is allocated per telegram.
 */
#ifndef P1X_LIVE_H
#define P1X_LIVE_H

#include "meter.h"
#include "sbuf.h"

#define LIVE_STEP   10
#define LIVE_POINTS 360

/* Registers the sink that feeds the history; call once at start-up. */
void live_init(void);
/* The "today" object of a meter ({} without a reading). */
void live_today_json(struct sbuf *sb, const struct meter *m);
/* 0, or an HTTP status (404 no such meter, 503 no history yet). */
int live_history(struct sbuf *sb, const char *name);
/* Local day number (days since 1970-01-01 in the zone) of a UTC time. */
int64_t live_local_day(int64_t utc, int zone);

#endif
