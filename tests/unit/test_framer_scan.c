// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_framer_scan.c - the framer's fast paths against its byte-at-a-time
 * state machine, and the CRC methods against the definition.
 *
 * Without flags the framer hands runs of ordinary bytes to a scan (SSE2
 * on x86-64, NEON on arm64 (check-arm64-user runs this suite under
 * qemu-aarch64), a 64-bit word at a time elsewhere and in the portable build
 * of this suite, test_framer_scan_portable); with a flag array (all
 * P1_FL_NORMAL) every byte goes through the state machine.  Both must
 * give the same frames and counters for every push size from 1 to 4096
 * bytes, every alignment of the input, special bytes ('/', '!', 0xDB, CR,
 * LF) at every offset within a vector, and spans crossing pushes.
 *
 * The CRC hook (slicing-by-8, and carry-less multiplication where the CPU
 * has it: PCLMULQDQ, PMULL; P1_TEST_EXPECT_CLMUL set makes its absence a
 * failure) must equal a bit-at-a-time CRC-16/ARC for random lengths,
 * alignments and initial values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p1_crc16.h"
#include "p1_framer.h"
#include "unit.h"

#define CAP 16384

static u8 fbuf[CAP];
static struct p1_framer f;

/* --- CRC --------------------------------------------------------------- */

static u64 rng = 0x9e3779b97f4a7c15ull;

static u32 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)(rng >> 16);
}

/* CRC-16/ARC by its definition, one bit at a time. */
static u16 crc_ref(u16 crc, const u8 *p, size_t n)
{
	int b;

	while (n--) {
		crc ^= *p++;
		for (b = 0; b < 8; b++)
			crc = (crc & 1) ? (u16)(crc >> 1 ^ 0xa001) : crc >> 1;
	}
	return crc;
}

static void crc_methods(void **state)
{
	static u8 data[8192 + 64];
	const bool quick = getenv("P1_TEST_QUICK") != NULL;
	unsigned i, rounds = quick ? 300 : 3000;
	size_t n, a;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (u8)rnd();
	/* every length up to 300 at every alignment of 16 */
	for (n = 0; n <= 300; n++)
		for (a = 0; a < 16; a++) {
			u16 want = crc_ref(0x1234, data + a, n);

			assert_int_equal(p1_crc16(0x1234, data + a, n), want);
			assert_int_equal(p1i_crc16_slice8(0x1234, data + a, n),
					 want);
			if (p1i_crc16_have_clmul())
				assert_int_equal(
					p1i_crc16_clmul(0x1234, data + a, n),
					want);
		}
	/* random lengths up to 8 KiB, alignments and initial values */
	for (i = 0; i < rounds; i++) {
		u16 init = (u16)rnd(), want;

		n = rnd() % 8193;
		a = rnd() % 64;
		want = crc_ref(init, data + a, n);
		assert_int_equal(p1_crc16(init, data + a, n), want);
		assert_int_equal(p1i_crc16_slice8(init, data + a, n), want);
		if (p1i_crc16_have_clmul())
			assert_int_equal(p1i_crc16_clmul(init, data + a, n),
					 want);
	}
	/* split anywhere: the CRC goes on from where it stopped */
	for (i = 0; i < 200; i++) {
		size_t cut;

		n = rnd() % 4096;
		cut = n ? rnd() % n : 0;
		assert_int_equal(
			p1_crc16(p1_crc16(0, data, cut), data + cut, n - cut),
			crc_ref(0, data, n));
	}
	assert_int_equal(p1_crc16(0, (const u8 *)"123456789", 9), 0xbb3d);
	/* a layer that means to test the folding path says so */
	if (getenv("P1_TEST_EXPECT_CLMUL"))
		assert_true(p1i_crc16_have_clmul());
	if (!p1i_crc16_have_clmul())
		print_message("(no carry-less multiplication here: "
			      "slicing-by-8 only)\n");
}

/* --- framer: scan against byte at a time ------------------------------- */

struct result {
	unsigned frames;
	u64 hash; /* status, type, length and bytes of every frame */
	struct p1_framer_stats st;
};

static u64 mix(u64 h, u64 v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static const u8 normal[CAP * 4];

/*
 * Feed @n bytes at @p in pushes of @chunk, with an all-normal flag array
 * if @bytewise (no scan), limit @max.
 */
static void run(const u8 *p, size_t n, size_t chunk, bool bytewise, u32 max,
		struct result *r)
{
	struct p1_frame fr;
	size_t off = 0;

	assert_true(n <= sizeof(normal));
	memset(r, 0, sizeof(*r));
	r->hash = 0xcbf29ce484222325ull;
	p1_framer_init(&f, fbuf, sizeof(fbuf));
	p1_framer_set_max(&f, max);
	while (off < n) {
		size_t k = n - off < chunk ? n - off : chunk;
		size_t used = p1_framer_push(
			&f, p + off, bytewise ? normal : NULL, k, off, &fr);
		u32 i;

		assert_true(used <= k);
		assert_true(fr.len || used == k);
		off += used;
		if (!fr.len)
			continue;
		r->frames++;
		r->hash = mix(r->hash, fr.status);
		r->hash = mix(r->hash, fr.type);
		r->hash = mix(r->hash, fr.len);
		for (i = 0; i < fr.len; i++)
			r->hash = mix(r->hash, fr.data[i]);
	}
	r->st = f.st;
}

static void same(const struct result *a, const struct result *b, size_t chunk,
		 size_t align)
{
	if (a->frames != b->frames || a->hash != b->hash ||
	    memcmp(&a->st, &b->st, sizeof(a->st)))
		fail_msg("push size %zu, alignment %zu: %u frames, expected "
			 "%u (or other bytes or counters)",
			 chunk, align, a->frames, b->frames);
}

/* Append a text telegram: header, @body, '!', CRC (if @crc), CRLF. */
static size_t telegram(u8 *out, size_t cap, const char *body, size_t nbody,
		       bool crc)
{
	static const char hdr[] = "/TST5\\2SCAN-01\r\n\r\n";
	size_t n = sizeof(hdr) - 1;
	char tail[16];
	int k;

	assert_true(n + nbody + 8 <= cap);
	memcpy(out, hdr, n);
	memcpy(out + n, body, nbody);
	n += nbody;
	out[n++] = '!';
	k = crc ? snprintf(tail, sizeof(tail), "%04X\r\n", crc_ref(0, out, n))
		: snprintf(tail, sizeof(tail), "\r\n");
	memcpy(out + n, tail, (size_t)k);
	return n + (size_t)k;
}

/*
 * A stream with each of the special bytes at every offset 0..63 of a
 * line, mid-line and at the start of a line, and noise between some of
 * the telegrams.
 */
static size_t special_stream(u8 *s, size_t cap)
{
	static const u8 specials[] = {'/', '!', P1_DLMS_TAG, '\r', '\n'};
	char body[256];
	size_t n = 0, i, k, m;

	for (i = 0; i < sizeof(specials); i++)
		for (k = 0; k < 64; k++) {
			/* mid-line at offset k */
			m = (size_t)snprintf(body, sizeof(body), "1-0:1.8.1(");
			memset(body + m, '0' + (int)(k % 10), k);
			m += k;
			body[m++] = (char)specials[i];
			m += (size_t)snprintf(body + m, sizeof(body) - m,
					      "*kWh)\r\n");
			/* then at the start of the next line */
			body[m++] = (char)specials[i];
			m += (size_t)snprintf(body + m, sizeof(body) - m,
					      "0-0:96.1.1(%zu)\r\n", k);
			n += telegram(s + n, cap - n, body, m, (i + k) % 7);
			if (k % 5 == 0) {
				assert_true(n + k + 1 <= cap);
				memset(s + n, k % 2 ? 'x' : '\n', k);
				n += k;
			}
		}
	return n;
}

/* Every push size and alignment against byte-at-a-time feeding. */
static void check_stream(const u8 *s, size_t n, u32 max)
{
	static u8 al[CAP * 4 + 64];
	const bool quick = getenv("P1_TEST_QUICK") != NULL;
	struct result ref, got;
	size_t chunk, a;

	assert_true(n + 64 <= sizeof(al));
	run(s, n, 1, true, max, &ref);
	for (chunk = 1; chunk <= 4096; chunk += quick && chunk > 70 ? 61 : 1) {
		a = chunk % 61;
		memcpy(al + a, s, n);
		run(al + a, n, chunk, false, max, &got);
		same(&got, &ref, chunk, a);
	}
	for (a = 0; a < 64; a++) {
		memcpy(al + a, s, n);
		run(al + a, n, n, false, max, &got);
		same(&got, &ref, n, a);
	}
}

static void specials_at_every_offset(void **state)
{
	static u8 s[CAP * 4];
	size_t n = special_stream(s, sizeof(s));

	(void)state;
	check_stream(s, n, CAP);
	assert_true(f.st.telegrams > 100);
	assert_true(f.st.truncated > 100);
	assert_true(f.st.recovered > 0);
}

/* Small size limits: the scan stops at the limit like the bytes do. */
static void specials_small_limit(void **state)
{
	static u8 s[CAP * 4];
	size_t n = special_stream(s, sizeof(s));

	(void)state;
	check_stream(s, n, 100);
	assert_true(f.st.oversize > 0);
	check_stream(s, n, 61);
	assert_true(f.st.oversize > 0);
}

/* The corpus streams: noise, cut telegrams, DLMS frames, false headers. */
static void corpus_streams(void **state)
{
	static const char *const files[] = {"stream.bin", "dlms-stream.bin",
					    "be-emucs.txt"};
	static char s[CAP];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t n = corpus_load(files[i], s, sizeof(s));

		check_stream((const u8 *)s, n, CAP);
		check_stream((const u8 *)s, n, 600);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_methods),
		cmocka_unit_test(specials_at_every_offset),
		cmocka_unit_test(specials_small_limit),
		cmocka_unit_test(corpus_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
