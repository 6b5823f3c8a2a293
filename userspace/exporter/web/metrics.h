/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics.h - the Prometheus text exposition (format 0.0.4).
 *
 * The meters' part is rendered into a cache when something changed since
 * the last scrape (meters_generation); each scrape copies the cache and
 * appends the process metrics, which change all the time.
 */
#ifndef P1X_METRICS_H
#define P1X_METRICS_H

#include "sbuf.h"

bool metrics_init(void);
/* Write the whole exposition to out (reset first). */
void metrics_render(struct sbuf *out);

#endif
