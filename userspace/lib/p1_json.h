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
 * What an object's JSON depends on is its key, compared whole: its
 * struct p1_object (flags, OBIS code, code length, number of values) and
 * each of its struct p1_value (flags, number and time bit for bit,
 * lengths, decimals, unit: so a zone change, which changes times, is a
 * different key), all offsets taken relative to the object's span (the
 * telegram bytes from its code to the end of its last value), and the
 * span's bytes.  The writer reads nothing else of the telegram for an
 * object, so an equal key gives equal JSON whatever the flags, and the
 * output is byte for byte p1i_json_into()'s (tests/unit/test_json_cache.c
 * holds the two against each other on long, mutated sequences).
 *
 * The struct is the caller's (about 100 KiB, no pointers): it keeps,
 * from the last successful call, a copy of that telegram's text and
 * values, each object's key and the list's JSON; the next call compares
 * object i with the entry after the last one it matched (or the one
 * after that: an object gone; an object without a match does not move
 * the cursor unless its code is that entry's: a line added), and copies
 * runs of consecutive hits with one memcpy.  Nothing is allocated.  A
 * zeroed struct is an empty cache; so is one after p1i_json_cache_reset().
 * One cache serves one stream (one thread); mixing streams is correct,
 * only slower.  A telegram whose list's JSON is over P1I_JCACHE_OUT bytes
 * is written normally and leaves the cache empty; a call that fails
 * (buf too small) leaves the cache as it was.
 */
#define P1I_JCACHE_OUT	   (48 * 1024)
#define P1I_JCACHE_BACKOFF 32

struct p1i_jcache_ent {
	uint64_t k1;	   /* the OBIS code and flags (struct p1_object) */
	uint64_t k2;	   /* code length, values, region length */
	uint32_t at;	   /* its region: text + at, k2's length */
	uint32_t first;	   /* its values: values[first ..] */
	uint32_t frag;	   /* its JSON: out + frag ... */
	uint32_t frag_len; /* ... frag_len bytes */
};

struct p1i_json_cache {
	uint32_t n;	  /* objects of the last call, 0: empty */
	uint32_t cur;	  /* which ent[] holds them */
	uint32_t out_len; /* bytes of out */
	uint32_t nvalues;
	uint32_t text_len;
	uint32_t skip;	  /* calls left that go without the cache */
	uint32_t backoff; /* the last skip */
	struct p1i_jcache_ent ent[2][P1_MAX_OBJECTS];
	struct p1_value values[P1_MAX_VALUES];
	char text[P1_MAX_TELEGRAM + 16];
	char out[P1I_JCACHE_OUT];
};

void p1i_json_cache_reset(struct p1i_json_cache *c);

/* p1i_json_into() through cache c (same result, same failures). */
size_t p1i_json_into_cached(const struct p1_telegram *t, unsigned flags,
			    char *buf, size_t cap, struct p1i_json_cache *c);

#endif
