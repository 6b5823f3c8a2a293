/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1_json.h - libp1's JSON writer written straight into a caller's
 * buffer, for p1ctl decode (linked with the static archive).  Internal:
 * not in the shared library's symbol map.
 */
#ifndef P1_JSON_H
#define P1_JSON_H

#include <p1/p1.h>

/*
 * p1_json_emit()'s output into buf[0..cap) with no copy through a
 * staging buffer; returns its length, or 0 when it did not fit (it may
 * want up to P1I_JSON_SPARE bytes to spare; cap < 4096 never does): then buf
 * holds nothing useful.  Nothing is written beyond cap; no NUL is added.
 */
#define P1I_JSON_SPARE 2048
size_t p1i_json_into(const struct p1_telegram *t, unsigned flags, char *buf,
		     size_t cap);

#endif
