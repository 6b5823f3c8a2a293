// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dlms.c - libp1's DLMS decryption (p1/dlms.h) against the vectors
 * tests/corpus/dlms_gen.py made with python3-cryptography: byte-exact
 * plaintext, the Austrian authentication key, a wrong key, one flipped bit
 * anywhere, replays, forgeries that must not move the counter, keys from
 * hex and files, and sealing giving the very same frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p1/dlms.h>

#include "p1_framer.h"
#include "unit.h"

static uint8_t lu_key[16], at_key[16], at_auth[16];
static char frame[4096], plain[4096], text[4096];
static uint8_t out[4096];

static void load_key(const char *name, uint8_t *key)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, name);
	assert_int_equal(p1_dlms_key_from_file(path, key), 0);
}

static int setup(void **state)
{
	(void)state;
	load_key("lu-smarty.key", lu_key);
	load_key("at-plain.key", at_key);
	load_key("at-plain.auth-key", at_auth);
	return 0;
}

static struct p1_dlms *ctx(const uint8_t *key, const uint8_t *auth)
{
	struct p1_dlms *d = p1_dlms_new();

	assert_non_null(d);
	p1_dlms_set_key(d, key);
	p1_dlms_set_auth_key(d, auth);
	return d;
}

static void smarty_plaintext(void **state)
{
	size_t n = corpus_load("lu-smarty.dlms", frame, sizeof(frame));
	size_t pn = corpus_load("lu-smarty.txt", plain, sizeof(plain));
	struct p1_dlms *d = ctx(lu_key, NULL);
	struct p1_dlms_info in;

	(void)state;
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), &in),
		P1_DLMS_OK);
	assert_int_equal(in.plain_len, pn);
	assert_int_equal(in.counter, 0x1234);
	assert_memory_equal(in.title, "SAG\x10\x05\x0b\x87\x21", 8);
	assert_memory_equal(out, plain, pn);
	/* The same frame again: a replay, nothing delivered. */
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_REPLAY);
	/* ... unless the counters were forgotten. */
	p1_dlms_forget(d);
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_OK);
	/* Too small an output buffer. */
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, pn - 1, NULL),
		P1_DLMS_MALFORMED);
	p1_dlms_free(d);
}

static void austrian_auth_key(void **state)
{
	size_t n = corpus_load("at-plain.dlms", frame, sizeof(frame));
	size_t pn = corpus_load("at-plain.txt", plain, sizeof(plain));
	struct p1_dlms *d = ctx(at_key, NULL);

	(void)state;
	/* Smarty's authentication key: the tag does not match. */
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_AUTH_FAILED);
	p1_dlms_set_auth_key(d, at_auth);
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_OK);
	assert_memory_equal(out, plain, pn);
	p1_dlms_free(d);
}

static void wrong_or_no_key(void **state)
{
	size_t n = corpus_load("lu-smarty.dlms", frame, sizeof(frame));
	struct p1_dlms *d = ctx(at_key, NULL);

	(void)state;
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_AUTH_FAILED);
	p1_dlms_set_key(d, NULL);
	assert_false(p1_dlms_has_key(d));
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_NO_KEY);
	p1_dlms_set_key(d, lu_key);
	assert_true(p1_dlms_has_key(d));
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_OK);
	p1_dlms_free(d);
}

/*
 * One flipped bit anywhere: in the header's fixed bytes the frame is
 * malformed; in the title, counter, ciphertext or tag the tag fails.
 */
static void every_bit_flipped(void **state)
{
	size_t n = corpus_load("lu-smarty.dlms", frame, sizeof(frame));
	struct p1_dlms *d = ctx(lu_key, NULL);
	unsigned nauth = 0, nmal = 0;
	size_t i;
	int b;

	(void)state;
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			enum p1_dlms_result r;

			frame[i] ^= (char)(1 << b);
			r = p1_dlms_decrypt(d, (uint8_t *)frame, n, out,
					    sizeof(out), NULL);
			frame[i] ^= (char)(1 << b);
			if (i < 2 || (i >= 10 && i <= 13)) {
				assert_int_equal(r, P1_DLMS_MALFORMED);
				nmal++;
			} else {
				if (r != P1_DLMS_AUTH_FAILED)
					fail_msg("byte %zu bit %d: %s", i, b,
						 p1_dlms_result_name(r));
				nauth++;
			}
		}
	}
	assert_int_equal(nauth + nmal, 8 * n);
	/* None of them moved the counter: the real frame still passes. */
	assert_int_equal(
		p1_dlms_decrypt(d, (uint8_t *)frame, n, out, sizeof(out), NULL),
		P1_DLMS_OK);
	p1_dlms_free(d);
}

/* Counters per system title; sealing gives python's frame byte-exact. */
static void seal_and_replay(void **state)
{
	size_t n = corpus_load("lu-smarty.dlms", frame, sizeof(frame));
	size_t pn = corpus_load("lu-smarty.txt", plain, sizeof(plain));
	struct p1_dlms *e = ctx(lu_key, NULL), *d = ctx(lu_key, NULL);
	static uint8_t f2[4096];
	static const uint8_t t1[8] = "SAG\x10\x05\x0b\x87\x21";
	static const uint8_t t2[8] = "OTHERMTR";
	int m;

	(void)state;
	m = p1_dlms_seal(e, t1, 0x1234, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(m, (int)n);
	assert_memory_equal(f2, frame, n);
	/* Counter 10 from t1, then 9 (replay), 10 (replay), 11 (ok). */
	m = p1_dlms_seal(e, t1, 10, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_OK);
	m = p1_dlms_seal(e, t1, 9, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_REPLAY);
	/* Another title has its own counter. */
	m = p1_dlms_seal(e, t2, 9, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_OK);
	m = p1_dlms_seal(e, t1, 10, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_REPLAY);
	m = p1_dlms_seal(e, t1, 11, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_OK);
	/* A forgery with a huge counter does not block what follows. */
	m = p1_dlms_seal(e, t1, 0xfffffff0u, (uint8_t *)plain, pn, f2,
			 sizeof(f2));
	f2[m - 1] ^= 0x80;
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_AUTH_FAILED);
	m = p1_dlms_seal(e, t1, 12, (uint8_t *)plain, pn, f2, sizeof(f2));
	assert_int_equal(
		p1_dlms_decrypt(d, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_OK);
	/* Decrypting and sealing with one context both still work. */
	assert_int_equal(
		p1_dlms_decrypt(e, f2, (size_t)m, out, sizeof(out), NULL),
		P1_DLMS_OK);
	/* No key, too small a buffer. */
	assert_int_equal(
		p1_dlms_seal(e, t1, 1, (uint8_t *)plain, pn, f2, pn + 29), -1);
	p1_dlms_set_key(e, NULL);
	assert_int_equal(
		p1_dlms_seal(e, t1, 1, (uint8_t *)plain, pn, f2, sizeof(f2)),
		-1);
	p1_dlms_free(e);
	p1_dlms_free(d);
}

/* The framer and the decrypter together on dlms-stream.bin. */
static void stream_counts(void **state)
{
	static char s[16384];
	static u8 fb[P1_MAX_TELEGRAM];
	size_t n = corpus_load("dlms-stream.bin", s, sizeof(s)), off = 0;
	size_t tn = corpus_load("lu-smarty.txt", text, sizeof(text));
	struct p1_dlms *d = ctx(lu_key, NULL);
	unsigned res[P1_DLMS_ERROR + 1] = {0};
	struct p1_framer f;
	struct p1_frame fr;

	(void)state;
	p1_framer_init(&f, fb, sizeof(fb));
	while (off < n) {
		off += p1_framer_push(&f, (const u8 *)s + off, NULL, n - off, 0,
				      &fr);
		if (!fr.len || fr.type != P1_FRAME_DLMS)
			continue;
		enum p1_dlms_result r = p1_dlms_decrypt(d, fr.data, fr.len, out,
							sizeof(out), NULL);
		res[r]++;
		if (r == P1_DLMS_OK)
			assert_memory_equal(out, text, tn);
	}
	assert_int_equal(res[P1_DLMS_OK], 3);
	assert_int_equal(res[P1_DLMS_REPLAY], 1);
	assert_int_equal(res[P1_DLMS_AUTH_FAILED], 1);
	assert_int_equal(f.st.telegrams, 1);
	p1_dlms_free(d);
}

static void keys(void **state)
{
	static const uint8_t want[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
					 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
					 0xcc, 0xdd, 0xee, 0xff};
	static const char *const good[] = {
		"00112233445566778899AABBCCDDEEFF",
		"00112233445566778899aabbccddeeff\n",
		"00112233445566778899aabbccddeeff\r\n",
		"00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF",
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
	};
	static const char *const bad[] = {
		"",
		"00112233445566778899AABBCCDDEE",
		"00112233445566778899AABBCCDDEEFF00",
		"00112233445566778899AABBCCDDEEFG",
		" 00112233445566778899AABBCCDDEEFF",
		"00112233445566778899AABBCCDDEEFF\nxx",
		"0x00112233445566778899AABBCCDDEEFF",
	};
	char path[] = "/tmp/p1-dlms-key-XXXXXX";
	uint8_t k[16];
	unsigned i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(k, 0, sizeof(k));
		if (p1_dlms_key_from_hex(good[i], k))
			fail_msg("refused '%s'", good[i]);
		assert_memory_equal(k, want, 16);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!p1_dlms_key_from_hex(bad[i], k))
			fail_msg("took '%s'", bad[i]);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "00112233445566778899aabbccddeeff\n", 33),
			 33);
	close(fd);
	assert_int_equal(p1_dlms_key_from_file(path, k), 0);
	assert_memory_equal(k, want, 16);
	unlink(path);
	assert_int_equal(p1_dlms_key_from_file(path, k), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smarty_plaintext),
		cmocka_unit_test(austrian_auth_key),
		cmocka_unit_test(wrong_or_no_key),
		cmocka_unit_test(every_bit_flipped),
		cmocka_unit_test(seal_and_replay),
		cmocka_unit_test(stream_counts),
		cmocka_unit_test(keys),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
