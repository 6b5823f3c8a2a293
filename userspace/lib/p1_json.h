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
 * A cache of the "objects" list for a stream of telegrams (p1ctl decode
 * --json): consecutive telegrams of a meter repeat most of their lines,
 * and an object whose JSON depends on nothing that changed is copied from
 * the previous output instead of being written again.
 *
 * Object i is compared with object i of the previous telegram.  What its
 * JSON depends on is its key, compared whole: its struct p1_object
 * (code, flags, code length, number of values), each of its struct
 * p1_value (flags, number and time bit for bit, lengths, decimals, unit:
 * so a zone change, which changes times, is a different key), the
 * offsets relative to its region (its text up to the next object's; the
 * last one's up to the end of its last value), which must hold its
 * values, and the region's bytes (where the line kept its place, through
 * a map of the bytes that differ, made 16 bytes at a time).  The writer
 * reads nothing else of the telegram for an object, so an equal key
 * gives equal JSON whatever the flags, and the output is byte for byte
 * p1i_json_into()'s (tests/unit/test_json_cache.c holds the two against
 * each other on long, mutated sequences; fuzz_parse too).  Runs of
 * consecutive hits are copied with one memcpy.  An object added or
 * removed costs the hits of the objects after it for one telegram.
 *
 * The struct is the caller's (about 110 KiB, no pointers): it keeps,
 * from the last successful call, a copy of that telegram's text, objects
 * and values and the list's JSON.  Nothing is allocated.  A zeroed
 * struct is an empty cache; so is one after p1i_json_cache_reset().  One
 * cache serves one stream (one thread); mixing streams is correct, only
 * slower, and after a telegram that shares less than a quarter of its
 * objects with the one before, the cache is left aside for 1, 2, 4 ...
 * P1I_JCACHE_BACKOFF calls.  A telegram whose list's JSON is over
 * P1I_JCACHE_OUT bytes is written normally and leaves the cache empty; a
 * call that fails (buf too small) returns 0 as p1i_json_into() does and
 * leaves the cache as it was; a call that fits without the cache fits
 * with it.
 */
#define P1I_JCACHE_OUT	   (48 * 1024)
#define P1I_JCACHE_BACKOFF 32

struct p1i_json_cache {
	uint32_t n;	  /* objects of the last call, 0: empty */
	uint32_t cur;	  /* which frag_end[] holds them */
	uint32_t out_len; /* bytes of out */
	uint32_t nvalues;
	uint32_t text_len;
	uint32_t last_end; /* end of the last object's region */
	uint32_t skip;	   /* calls left that go without the cache */
	uint32_t backoff;  /* the last skip */
	uint32_t hits;	   /* objects copied by the last call */
	/* object i's JSON: out[i ? frag_end[i - 1] + 1 : 0, frag_end[i]) */
	uint32_t frag_end[2][P1_MAX_OBJECTS];
	struct p1_object objects[P1_MAX_OBJECTS];
	struct p1_value values[P1_MAX_VALUES];
	uint64_t map[P1_MAX_TELEGRAM / 64 + 1]; /* scratch: bytes that differ */
	char text[P1_MAX_TELEGRAM + 16];
	char out[P1I_JCACHE_OUT];
};

void p1i_json_cache_reset(struct p1i_json_cache *c);

/* p1i_json_into() through cache c (same result, same failures). */
size_t p1i_json_into_cached(const struct p1_telegram *t, unsigned flags,
			    char *buf, size_t cap, struct p1i_json_cache *c);

#endif
