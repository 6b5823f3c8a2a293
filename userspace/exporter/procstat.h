/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procstat.h - the process_* metrics Prometheus client libraries export,
 * read from /proc/self and getrusage() at scrape time.
 */
#ifndef P1X_PROCSTAT_H
#define P1X_PROCSTAT_H

#include "sbuf.h"

/* Open /proc/self files once (before privileges are dropped). */
void procstat_init(void);
void procstat_render(struct sbuf *sb);

#endif
