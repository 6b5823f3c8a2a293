// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_framer.c - the kernel's framer (kernel/p1_framer.c) as libp1 and
 * p1ctl decode use it: CRC-16/ARC, verdicts equal to p1_parse()'s on the
 * corpus, byte-at-a-time feeding, and a wire capture with garbage.
 * DLMS (encrypted) frames: the .dlms files and dlms-stream.bin, made
 * by tests/corpus/dlms_gen.py; every split point, frames inside text,
 * oversize, flagged bytes, false headers.
 */
#include <string.h>

#include "p1_framer.h"
#include "unit.h"

static u8 fbuf[P1_MAX_TELEGRAM];
static struct p1_framer f;

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
	u32 type[16];
	u8 first[16][8];
};

static void feed_from(const char *data, size_t n, size_t chunk, struct got *g,
		      size_t off)
{
	struct p1_frame fr;

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
			g->type[g->n] = fr.type;
			memcpy(g->first[g->n], fr.data, 8);
			g->n++;
		}
	}
}

static void feed_max(const char *data, size_t n, size_t chunk, struct got *g,
		     u32 max)
{
	memset(g, 0, sizeof(*g));
	p1_framer_init(&f, fbuf, sizeof(fbuf));
	p1_framer_set_max(&f, max);
	feed_from(data, n, chunk, g, 0);
}

static void feed(const char *data, size_t n, size_t chunk, struct got *g)
{
	feed_max(data, n, chunk, g, sizeof(fbuf));
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

/* One frame: byte-exact, counted as a DLMS frame, at any split point. */
static void dlms_frame(void **state)
{
	static const char *const files[] = {"lu-smarty.dlms", "at-plain.dlms"};
	static char buf[4096];
	unsigned i;
	size_t k;

	(void)state;
	for (i = 0; i < 2; i++) {
		size_t n = corpus_load(files[i], buf, sizeof(buf));
		struct p1_frame fr;
		struct got g;

		p1_framer_init(&f, fbuf, sizeof(fbuf));
		assert_int_equal(
			p1_framer_push(&f, (const u8 *)buf, NULL, n, 1, &fr),
			n);
		assert_int_equal(fr.len, n);
		assert_int_equal(fr.type, P1_FRAME_DLMS);
		assert_int_equal(fr.status, P1_FR_OK);
		assert_false(fr.has_crc);
		assert_memory_equal(fr.data, buf, n);
		assert_int_equal(f.st.dlms_frames, 1);
		assert_int_equal(f.st.telegrams, 0);
		assert_int_equal(f.st.garbage_bytes, 0);
		assert_int_equal(f.st.rx_bytes, n);
		for (k = 1; k < n; k++) {
			memset(&g, 0, sizeof(g));
			p1_framer_init(&f, fbuf, sizeof(fbuf));
			feed_from(buf, k, k, &g, 0);
			assert_int_equal(g.n, 0);
			feed_from(buf, n, n, &g, k);
			assert_int_equal(g.n, 1);
			assert_int_equal(g.len[0], n);
			assert_int_equal(g.type[0], P1_FRAME_DLMS);
			assert_int_equal(f.st.garbage_bytes, 0);
		}
	}
}

/*
 * dlms-stream.bin (tests/corpus/dlms_gen.py): noise, a lone 0xDB, a false
 * header, five frames (one a replay, one forged: the framer cannot tell)
 * and a text telegram, at every chunk size.
 */
static void dlms_stream(void **state)
{
	static char buf[16384];
	size_t n = corpus_load("dlms-stream.bin", buf, sizeof(buf));
	static const u32 types[] = {P1_FRAME_DLMS, P1_FRAME_TEXT,
				    P1_FRAME_DLMS, P1_FRAME_DLMS,
				    P1_FRAME_DLMS, P1_FRAME_DLMS};
	struct got g;
	size_t chunk;
	unsigned i;

	(void)state;
	for (chunk = 1; chunk <= n;
	     chunk = chunk < 40 ? chunk + 1 : chunk * 3) {
		feed(buf, n, chunk, &g);
		assert_int_equal(g.n, 6);
		for (i = 0; i < 6; i++) {
			assert_int_equal(g.type[i], types[i]);
			assert_int_equal(g.status[i], P1_FR_OK);
		}
		assert_memory_equal(g.first[1], "/ISK5\\2M", 8);
		assert_int_equal(f.st.dlms_frames, 5);
		assert_int_equal(f.st.telegrams, 1);
		assert_int_equal(f.st.garbage_bytes, 19);
		assert_int_equal(f.st.truncated, 0);
		assert_int_equal(f.st.oversize, 0);
		assert_int_equal(f.st.rx_bytes, n);
	}
}

/* Bytes of a text and a frame glued: "a" then "b", whole. */
static size_t glue(char *out, size_t cap, const char *a, size_t na,
		   const char *b, size_t nb)
{
	assert_true(na + nb <= cap);
	memcpy(out, a, na);
	memcpy(out + na, b, nb);
	return na + nb;
}

/* A frame right after half a text telegram truncates it. */
static void dlms_cuts_text(void **state)
{
	static char t[8192], d[4096], s[16384];
	size_t nt = corpus_load("nl-dsmr50.txt", t, sizeof(t));
	size_t nd = corpus_load("lu-smarty.dlms", d, sizeof(d));
	size_t n = glue(s, sizeof(s), t, nt / 2, d, nd), k;
	struct got g;

	(void)state;
	for (k = 1; k <= n; k++) {
		feed(s, n, k, &g);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.type[0], P1_FRAME_DLMS);
		assert_int_equal(g.len[0], nd);
		assert_int_equal(f.st.truncated, 1);
		assert_int_equal(f.st.garbage_bytes, 0);
	}
	/* Also mid-line while hunting: the tentative text is garbage. */
	n = glue(s, sizeof(s), "xx/abc", 6, d, nd);
	feed(s, n, n, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.type[0], P1_FRAME_DLMS);
	assert_int_equal(f.st.truncated, 0);
	assert_int_equal(f.st.garbage_bytes, 6);
}

/* A false header hides no telegram: the bytes after 0xDB are rescanned. */
static void dlms_false_header(void **state)
{
	static char t[8192], s[16384];
	size_t nt = corpus_load("nl-dsmr50.txt", t, sizeof(t));
	size_t n, k;
	struct got g;

	(void)state;
	/* 0xDB 0x08 then a telegram: fails at byte 10 (no 0x82). */
	n = glue(s, sizeof(s), "\xdb\x08", 2, t, nt);
	for (k = 1; k <= n; k++) {
		feed(s, n, k, &g);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.type[0], P1_FRAME_TEXT);
		assert_int_equal(g.status[0], P1_FR_OK);
		assert_int_equal(g.len[0], nt);
		assert_int_equal(f.st.garbage_bytes, 2);
		assert_int_equal(f.st.recovered, 1); /* it started mid-line */
		assert_int_equal(f.st.rx_bytes, n);
	}
}

/* A frame longer than the size limit: oversize, and nothing lost after. */
static void dlms_oversize(void **state)
{
	static char t[8192], d[4096], s[16384];
	size_t nt = corpus_load("at-plain.txt", t, sizeof(t));
	size_t nd = corpus_load("lu-smarty.dlms", d, sizeof(d));
	size_t n = glue(s, sizeof(s), d, nd, t, nt);
	struct got g;

	(void)state;
	feed_max(s, n, 7, &g, (u32)nd - 1);
	assert_int_equal(f.st.oversize, 1);
	assert_int_equal(f.st.dlms_frames, 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.type[0], P1_FRAME_TEXT);
	feed_max(s, n, 7, &g, (u32)nd);
	assert_int_equal(f.st.oversize, 0);
	assert_int_equal(g.n, 2);
}

/* A flagged byte in a frame: delivered as a line error. */
static void dlms_flagged(void **state)
{
	static char d[4096];
	static u8 fl[4096];
	size_t nd = corpus_load("lu-smarty.dlms", d, sizeof(d));
	struct p1_frame fr;

	(void)state;
	memset(fl, 0, sizeof(fl));
	fl[100] = P1_FL_PARITY;
	p1_framer_init(&f, fbuf, sizeof(fbuf));
	assert_int_equal(p1_framer_push(&f, (const u8 *)d, fl, nd, 0, &fr), nd);
	assert_int_equal(fr.type, P1_FRAME_DLMS);
	assert_int_equal(fr.status, P1_FR_LINE_ERROR);
	assert_int_equal(f.st.line_errors, 1);
	assert_int_equal(f.st.dlms_frames, 0);
	assert_int_equal(f.st.parity_errors, 1);
}

/*
 * Feed @s in pushes of @chunk like a caller that checks every DLMS frame
 * (here: is it byte for byte one of @good or @good2) and, if @reject,
 * rejects those that fail.  Counts the good frames and text telegrams.
 */
static void feed_checking(const char *s, size_t n, size_t chunk, bool reject,
			  const char *good, size_t ng, const char *good2,
			  size_t ng2, struct got *g)
{
	struct p1_frame fr;
	size_t off = 0;

	memset(g, 0, sizeof(*g));
	p1_framer_init(&f, fbuf, sizeof(fbuf));
	while (off < n || p1_framer_pending(&f)) {
		size_t k = n - off < chunk ? n - off : chunk;

		off += p1_framer_push(&f, (const u8 *)s + off, NULL, k, off,
				      &fr);
		if (!fr.len)
			continue;
		if (fr.type == P1_FRAME_DLMS &&
		    !(fr.len == ng && !memcmp(fr.data, good, ng)) &&
		    !(fr.len == ng2 && !memcmp(fr.data, good2, ng2))) {
			if (reject)
				p1_framer_reject(&f);
			continue;
		}
		assert_true(g->n < 16);
		g->type[g->n] = fr.type;
		g->len[g->n] = fr.len;
		g->status[g->n] = fr.status;
		memcpy(g->first[g->n], fr.data, 8);
		g->n++;
	}
}

/*
 * Bytes lost inside a frame make it run into the next one.  The caller's
 * tag check fails and it rejects the frame: the frame (or telegram) whose
 * start it swallowed is found again, however many bytes were lost and
 * however the stream is cut into pushes.  Without the rejection that
 * frame is lost.
 */
static void dlms_cut_rescan(void **state)
{
	static char a[4096], b[4096], t[8192], s[32768];
	size_t na = corpus_load("lu-smarty.dlms", a, sizeof(a));
	size_t nb = corpus_load("at-plain.dlms", b, sizeof(b));
	size_t nt = corpus_load("nl-dsmr50.txt", t, sizeof(t));
	static const size_t chunks[] = {1, 7, 64, 4096};
	size_t lost, n, c;
	struct got g;

	(void)state;
	assert_true(na > 200 + 80);
	for (lost = 1; lost <= 80; lost++) {
		/* a cut, b, a cut, the telegram, a */
		n = glue(s, sizeof(s), a, 200, a + 200 + lost, na - 200 - lost);
		n += glue(s + n, sizeof(s) - n, b, nb, a, 150);
		n += glue(s + n, sizeof(s) - n, a + 150 + lost, na - 150 - lost,
			  t, nt);
		n += glue(s + n, sizeof(s) - n, a, na, "", 0);
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			feed_checking(s, n, chunks[c], true, a, na, b, nb, &g);
			if (g.n != 3)
				fail_msg("%zu lost, push %zu: %u found", lost,
					 chunks[c], g.n);
			assert_int_equal(g.type[0], P1_FRAME_DLMS);
			assert_int_equal(g.len[0], nb);
			assert_int_equal(g.type[1], P1_FRAME_TEXT);
			assert_int_equal(g.status[1], P1_FR_OK);
			assert_int_equal(g.len[1], nt);
			assert_int_equal(g.type[2], P1_FRAME_DLMS);
			assert_int_equal(g.len[2], na);
			assert_int_equal(f.st.recovered, 2);
			assert_int_equal(f.st.rx_bytes, n);
			/* cut frames: a frame's bytes, not garbage */
			assert_int_equal(f.st.garbage_bytes, 0);
		}
		/* Not rejected: b (another meter) and the telegram are lost. */
		feed_checking(s, n, 4096, false, a, na, b, nb, &g);
		assert_int_equal(g.n, 1);
		/*
		 * The same meter's next frame is found by its header (0xDB,
		 * 0x08, system title, 0x82) inside the cut one, without a tag
		 * check, once those 11 bytes are inside it (12 or more lost).
		 */
		n = glue(s, sizeof(s), a, 200, a + 200 + lost, na - 200 - lost);
		n += glue(s + n, sizeof(s) - n, a, na, "", 0);
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			feed_checking(s, n, chunks[c], false, a, na, b, nb, &g);
			if (g.n != (lost >= 12 ? 1u : 0u))
				fail_msg("%zu lost, push %zu, not rejected: "
					 "%u found",
					 lost, chunks[c], g.n);
			assert_int_equal(f.st.truncated, lost >= 12 ? 1 : 0);
			assert_int_equal(f.st.recovered, lost >= 12 ? 1 : 0);
			assert_int_equal(f.st.dlms_frames, 1);
			/* else the rest of the lost frame is garbage */
			assert_true((f.st.garbage_bytes == 0) == (lost >= 12));
		}
	}
}

/* Rejecting anything but a DLMS frame just handed out does nothing. */
static void dlms_reject_ignored(void **state)
{
	static char a[4096], t[8192];
	size_t na = corpus_load("lu-smarty.dlms", a, sizeof(a));
	size_t nt = corpus_load("nl-dsmr50.txt", t, sizeof(t));
	struct p1_frame fr;

	(void)state;
	p1_framer_init(&f, fbuf, sizeof(fbuf));
	p1_framer_reject(&f);
	assert_false(p1_framer_pending(&f));
	assert_int_equal(p1_framer_push(&f, (const u8 *)t, NULL, nt, 0, &fr),
			 nt);
	assert_int_equal(fr.len, nt);
	p1_framer_reject(&f); /* a text telegram */
	assert_false(p1_framer_pending(&f));
	assert_int_equal(p1_framer_push(&f, (const u8 *)a, NULL, 100, 0, &fr),
			 100);
	p1_framer_reject(&f); /* half a frame */
	assert_false(p1_framer_pending(&f));
	assert_int_equal(
		p1_framer_push(&f, (const u8 *)a + 100, NULL, na - 100, 0, &fr),
		na - 100);
	assert_int_equal(fr.len, na);
	p1_framer_reject(&f);
	assert_true(p1_framer_pending(&f));
	p1_framer_reject(&f); /* twice: once */
	assert_int_equal(p1_framer_push(&f, NULL, NULL, 0, 0, &fr), 0);
	assert_int_equal(fr.len, 0);
	assert_false(p1_framer_pending(&f));
	/* counted as a frame, so not as garbage */
	assert_int_equal(f.st.garbage_bytes, 0);
	assert_int_equal(f.st.rx_bytes, nt + na);
	assert_int_equal(f.st.dlms_frames, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dlms_frame),
		cmocka_unit_test(dlms_stream),
		cmocka_unit_test(dlms_cuts_text),
		cmocka_unit_test(dlms_false_header),
		cmocka_unit_test(dlms_oversize),
		cmocka_unit_test(dlms_flagged),
		cmocka_unit_test(dlms_cut_rescan),
		cmocka_unit_test(dlms_reject_ignored),
		cmocka_unit_test(crc_check_value),
		cmocka_unit_test(verdicts_agree),
		cmocka_unit_test(chunking),
		cmocka_unit_test(wire_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
