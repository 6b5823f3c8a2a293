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

/*
 * A stream of telegrams parsed one after the other into one struct with
 * p1i_parse_kept() and each written with p1i_json_into_prev(): an object
 * the parse took over unchanged from the telegram before (P1_PARSE_REUSE)
 * is copied from that telegram's JSON rather than written again.  Start
 * it all zero; it holds the last two telegrams' lists of objects (a list
 * longer than P1I_JSON_PREV_CAP bytes is not kept).
 */
#define P1I_JSON_PREV_CAP 16384
struct p1i_json_prev {
	uint64_t kept[P1_MAX_OBJECTS / 64]; /* bit i: object i taken over */
	uint64_t parses;		    /* p1i_parse_kept() calls */
	uint64_t built; /* parses when slot[cur] was written; 0: never */
	unsigned cur;
	struct p1i_json_objs {
		uint32_t n; /* objects: i's JSON is buf[at[i] .. at[i+1]-1) */
		uint32_t at[P1_MAX_OBJECTS + 1];
		char buf[P1I_JSON_PREV_CAP];
	} slot[2];
};

/* p1_parse() that notes in jp->kept the objects it took over. */
int p1i_parse_kept(const void *buf, size_t len, struct p1_telegram *t,
		   const struct p1_parse_opts *opts, struct p1i_json_prev *jp);

/* p1i_json_into() through jp (see above). */
size_t p1i_json_into_prev(const struct p1_telegram *t, unsigned flags,
			  char *buf, size_t cap, struct p1i_json_prev *jp);

#endif
