// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_framer.c - the kernel's framer (kernel/p1_framer.c) as libp1 and
 * p1ctl decode use it: CRC-16/ARC, verdicts equal to p1_parse()'s on the
 * corpus, byte-at-a-time feeding, and a wire capture with garbage.
 */
#include <string.h>

#include "p1_framer.h"
#include "unit.h"

static u8 fbuf[P1_MAX_TELEGRAM];

static void crc_check_value(void **state)
{
	(void)state;
	/* CRC-16/ARC check value */
	assert_int_equal(p1_crc16(0, (const u8 *)"123456789", 9), 0xbb3d);
	assert_int_equal(p1_crc16(0, NULL, 0), 0);
}

struct got {
	unsigned n;
	u32 status[16];
	u32 len[16];
	u8 first[16][8];
};

static void feed(const char *data, size_t n, size_t chunk, struct got *g)
{
	static struct p1_framer f;
	struct p1_frame fr;
	size_t off = 0;

	memset(g, 0, sizeof(*g));
	p1_framer_init(&f, fbuf, sizeof(fbuf));
	while (off < n) {
		size_t k = n - off < chunk ? n - off : chunk;
		size_t used = p1_framer_push(&f, (const u8 *)data + off, NULL,
					     k, off, &fr);

		assert_true(used <= k);
		off += used;
		if (fr.len) {
			assert_true(g->n < 16);
			g->status[g->n] = fr.status;
			g->len[g->n] = fr.len;
			memcpy(g->first[g->n], fr.data, 8);
			g->n++;
		}
	}
}

/* The framer and p1_parse() agree on every corpus telegram. */
static void verdicts_agree(void **state)
{
	static const char *const files[] = {
		"nl-dsmr40.txt",	"nl-dsmr42.txt",
		"nl-dsmr50.txt",	"be-emucs.txt",
		"lu-smarty.txt",	"se-nordic.txt",
		"edge-crc-lower.txt",	"edge-crc-short.txt",
		"edge-lf-only.txt",	"edge-bad-crc.txt",
		"edge-nonascii.txt",	"nl-dsmr22.txt",
		"de-easymeter-q3d.txt",
	};
	static char buf[8192];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n = corpus_load(files[i], buf, sizeof(buf));
		struct p1_telegram *t = corpus_parse(files[i], 0);
		struct got g;
		u32 want;

		feed(buf, n, n, &g);
		if (g.n != 1)
			fail_msg("%s: %u frames", files[i], g.n);
		assert_int_equal(g.len[0], n);
		assert_int_equal(t->len, n);
		want = t->crc == P1_CRC_OK    ? P1_FR_OK
		       : t->crc == P1_CRC_BAD ? P1_FR_CRC_ERROR
					      : P1_FR_NO_CRC;
		if (g.status[0] != want)
			fail_msg("%s: framer %u, parser %u", files[i],
				 g.status[0], t->crc);
	}
}

/* Any chunking gives the same frames. */
static void chunking(void **state)
{
	static char buf[16384];
	size_t n = corpus_load("stream.bin", buf, sizeof(buf));
	static const size_t chunks[] = {1, 2, 3, 7, 64, 1000, 16384};
	struct got ref, g;
	unsigned i;

	(void)state;
	feed(buf, n, n, &ref);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		feed(buf, n, chunks[i], &g);
		assert_int_equal(g.n, ref.n);
		assert_memory_equal(g.status, ref.status, sizeof(g.status));
		assert_memory_equal(g.len, ref.len, sizeof(g.len));
		assert_memory_equal(g.first, ref.first, sizeof(g.first));
	}
}

/*
 * stream.bin (tests/corpus/gen.py): a cut-off telegram, DSMR 4.0 glued
 * onto it, a bad CRC, DSMR 4.2 after line noise, eMUCs, 0xFF bytes,
 * DSMR 2.2 and Q3D without CRC, and a telegram cut off by the end.
 */
static void wire_capture(void **state)
{
	static char buf[16384];
	size_t n = corpus_load("stream.bin", buf, sizeof(buf));
	static const u32 want[] = {
		P1_FR_OK, P1_FR_CRC_ERROR,   P1_FR_OK,
		P1_FR_OK, P1_FR_CRC_MISSING, P1_FR_CRC_MISSING,
	};
	static const char *const hdr[] = {
		"/KFM5KAI",  "/ISK5\\2M", "/ISk5\\2M",
		"/FLU5\\25", "/ISk5\\2M", "/ESY5Q3D",
	};
	struct got g;
	unsigned i;

	(void)state;
	feed(buf, n, 4096, &g);
	assert_int_equal(g.n, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(g.status[i], want[i]);
		assert_memory_equal(g.first[i], hdr[i], 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_check_value),
		cmocka_unit_test(verdicts_agree),
		cmocka_unit_test(chunking),
		cmocka_unit_test(wire_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
