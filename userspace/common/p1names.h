/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p1names.h - stable text names for the values of include/uapi/linux/p1.h:
 * statistics counters (the same names as /sys/class/p1/p1-N/statistics/),
 * telegram status and CRC policy.  Tools print these names; scripts and
 * tests grep for them, so they never change once released.
 */
#ifndef P1_COMMON_P1NAMES_H
#define P1_COMMON_P1NAMES_H

#include <linux/p1.h>

/* "telegrams", "crc_errors", ...; NULL for an unknown counter. */
const char *p1_stat_name(int stat);

/* "ok", "no_crc", "unchecked", "crc_error", "crc_missing", "line_error";
 * "unknown" for a value this build does not know. */
const char *p1_status_name(unsigned int status);

/* "auto", "require", "ignore"; "unknown" otherwise. */
const char *p1_crc_mode_name(unsigned int mode);

#endif /* P1_COMMON_P1NAMES_H */
