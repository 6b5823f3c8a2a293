/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * api.h - the JSON API:
 *   /api/v1/meters                the meters and their status
 *   /api/v1/meters/NAME           the latest reading, typed (libp1 JSON)
 *   /api/v1/meters/NAME/telegram  the latest telegram as received
 */
#ifndef P1X_API_H
#define P1X_API_H

#include "meter.h"
#include "sbuf.h"

void api_meters(struct sbuf *sb);
/* 0, or an HTTP status (404 no such meter, 503 no telegram yet). */
int api_meter(struct sbuf *sb, const char *name);
int api_telegram(struct sbuf *sb, const char *name);
/* p1_write_fn appending to a struct sbuf (ctx). */
int api_write_sb(void *ctx, const char *s, size_t n);
/* The meter's counters as a JSON object (the "counters" of the list). */
void api_counters(struct sbuf *sb, const struct meter *m);

/*
 * The building blocks, also published over MQTT (sinks/mqtt_publish.c) so
 * that both carry one schema: a meter's entry of /api/v1/meters, and its
 * latest reading (the body of /api/v1/meters/NAME, without the newline;
 * only for a meter with a reading).
 */
void api_meter_summary(struct sbuf *sb, const struct meter *m);
void api_reading(struct sbuf *sb, const struct meter *m);

#endif
