/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel_src.h - the kernel source: every /dev/p1-N of the n_p1 module.
 *
 * Devices are found with a dump of the "p1" generic netlink family and
 * followed through its "events" group: a cable attached later appears as
 * a new meter; one unplugged is marked disconnected (its /dev/p1-N returns
 * EOF) and, when a device for the same tty (or of the same name) attaches
 * again, the same meter continues.  If the module is not loaded the
 * exporter looks for the family again every 10 s.
 *
 * Each read() of /dev/p1-N returns one whole telegram the kernel framed
 * and checked; P1_IOC_GET_META gives its receive times (first and last
 * byte, CLOCK_REALTIME).  The framing counters (p1_telegrams_total and
 * p1_line_errors_total) are the kernel's, read with a netlink dump when a
 * scrape needs them (at most once a second).
 */
#ifndef P1X_KERNEL_SRC_H
#define P1X_KERNEL_SRC_H

#include <stdbool.h>

bool kernel_src_start(void);
void kernel_src_stop(void);
/* Refresh the kernel counters if older than a second (before a scrape). */
void kernel_src_refresh(void);

#endif
