// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dlms.c - libFuzzer target for the encrypted-frame path: the framer
 * (kernel/p1_framer.c) delimiting DLMS frames, libp1's decryption
 * (p1_dlms_decrypt, OpenSSL) and the parser on what it decrypts.
 *
 * The first input byte picks the mode:
 *  - even: a byte stream with a fixed key (the key of the corpus vectors,
 *    tests/corpus/lu-smarty.key): every DLMS frame the framer hands out is
 *    decrypted, every telegram parsed.  Only seeds carry valid tags; the
 *    rest exercises the header and tag checks.
 *  - odd: the rest of the input is a plaintext; it is sealed into a frame
 *    (counter from byte 0), fed through the framer in chunks of a size
 *    taken from the input, and must come back byte-exact: the frame
 *    whole, the plaintext after decryption; a replay of it must be
 *    refused, and so must a copy with one bit flipped (position taken
 *    from the input).
 * Any other outcome aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <p1/dlms.h>
#include <p1/p1.h>

#include "p1_framer.h"

#define CAP 16384

static u8 fbuf[CAP], frame[CAP + 64], plain[CAP];
static struct p1_telegram tg;
static struct p1_dlms *dec, *enc;

static const uint8_t key[16] = {0x5a, 0x1e, 0x0c, 0x9b, 0x37, 0xf2, 0xd4, 0x46,
				0x8e, 0x0b, 0x71, 0xa3, 0xc5, 0xd9, 0x2f, 0x64};
static const uint8_t title[8] = "SAG\x10\x05\x0b\x87\x21";

static void setup(void)
{
	if (dec)
		return;
	dec = p1_dlms_new();
	enc = p1_dlms_new();
	if (!dec || !enc)
		abort();
	p1_dlms_set_key(dec, key);
	p1_dlms_set_key(enc, key);
}

static void stream(const uint8_t *p, size_t n)
{
	static struct p1_framer f;
	struct p1_parse_opts o = {0};
	struct p1_dlms_info in;
	struct p1_frame fr;
	size_t off = 0;

	p1_dlms_forget(dec);
	p1_framer_init(&f, fbuf, CAP);
	while (off < n || p1_framer_pending(&f)) {
		off += p1_framer_push(&f, p + off, NULL, n - off, 0, &fr);
		if (!fr.len || fr.type != P1_FRAME_DLMS)
			continue;
		if (p1_dlms_decrypt(dec, fr.data, fr.len, plain, sizeof(plain),
				    &in) != P1_DLMS_OK) {
			/* as the reader does: bytes lost may hide a frame */
			p1_framer_reject(&f);
			continue;
		}
		if (in.plain_len + 30 != fr.len)
			abort();
		p1_parse(plain, in.plain_len, &tg, &o);
	}
}

static void roundtrip(const uint8_t *p, size_t n, uint32_t counter,
		      size_t chunk, size_t flip)
{
	static struct p1_framer f;
	struct p1_frame fr;
	size_t off = 0, got = 0;
	int m;

	if (!n || n > CAP - 64)
		return;
	m = p1_dlms_seal(enc, title, counter, p, n, frame, sizeof(frame));
	if (m != (int)n + 30)
		abort();
	p1_framer_init(&f, fbuf, CAP);
	while (off < (size_t)m) {
		size_t k = (size_t)m - off < chunk ? (size_t)m - off : chunk;

		off += p1_framer_push(&f, frame + off, NULL, k, 0, &fr);
		if (!fr.len)
			continue;
		if (fr.type != P1_FRAME_DLMS || fr.len != (u32)m ||
		    memcmp(fr.data, frame, (size_t)m) || got++)
			abort();
	}
	if (got != 1 || f.st.garbage_bytes)
		abort();
	p1_dlms_forget(dec);
	if (p1_dlms_decrypt(dec, frame, (size_t)m, plain, sizeof(plain),
			    NULL) != P1_DLMS_OK ||
	    memcmp(plain, p, n))
		abort();
	if (p1_dlms_decrypt(dec, frame, (size_t)m, plain, sizeof(plain),
			    NULL) != P1_DLMS_REPLAY)
		abort();
	p1_dlms_forget(dec);
	flip %= (size_t)m * 8;
	frame[flip / 8] ^= (u8)(1u << (flip % 8));
	switch (p1_dlms_decrypt(dec, frame, (size_t)m, plain, sizeof(plain),
				NULL)) {
	case P1_DLMS_AUTH_FAILED:
	case P1_DLMS_MALFORMED:
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		stream(data + 1, size - 1);
		return 0;
	}
	if (size < 4)
		return 0;
	roundtrip(data + 4, size - 4, data[0] * 0x01010101u, 1 + data[1] % 61,
		  (size_t)data[2] << 8 | data[3]);
	return 0;
}
