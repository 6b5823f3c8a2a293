// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_framer.c - libFuzzer target for the kernel's framer
 * (kernel/p1_framer.c) as built into libp1.
 *
 * The input is a byte stream; some of its bytes also become per-byte tty
 * flags (parity, frame, break, overrun), and the framer's size limit and
 * CRC mode come from the input too.  Properties checked:
 *  - no crash or sanitizer report;
 *  - every text frame starts with '/', ends with LF or CR, fits the limit,
 *    has a known status, and a frame reported OK really has that CRC;
 *  - every DLMS frame has a valid header whose length is the frame's;
 *  - feeding the stream whole or in any chunking gives the same frames
 *    and the same counters (the kernel gets arbitrary chunks from the tty
 *    layer);
 *  - without flags, the same as with a flag array of P1_FL_NORMAL: the
 *    span scan (vector or word at a time) stops where the byte-at-a-time
 *    state machine would act;
 *  - DLMS frames whose last byte is odd are rejected as a caller whose
 *    tag check failed would (p1_framer_reject()): their bytes are scanned
 *    again, with the same results at any chunking.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p1_framer.h"

#define CAP 4096

struct run {
	uint64_t hash; /* over every frame: status, length, bytes */
	unsigned frames;
	struct p1_framer_stats st;
};

static u8 buf[CAP];

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static void check_dlms(const struct p1_frame *f, u32 max)
{
	const u8 *d = f->data;

	if (f->len < P1_DLMS_MIN || f->len > max || d[0] != P1_DLMS_TAG ||
	    d[1] != P1_DLMS_TITLE_LEN || d[10] != P1_DLMS_LEN_TAG ||
	    d[13] != P1_DLMS_SEC_AE ||
	    f->len != P1_DLMS_HDR + ((u32)d[11] << 8 | d[12]) ||
	    (f->status != P1_FR_OK && f->status != P1_FR_LINE_ERROR) ||
	    f->has_crc)
		abort();
}

static void check_frame(const struct p1_frame *f, u32 max)
{
	u32 bang = 0, i;

	if (f->type == P1_FRAME_DLMS) {
		check_dlms(f, max);
		return;
	}
	if (f->type != P1_FRAME_TEXT || !f->len || f->len > max ||
	    f->data[0] != '/' ||
	    (f->data[f->len - 1] != '\n' && f->data[f->len - 1] != '\r') ||
	    f->status > P1_FR_LINE_ERROR)
		abort();
	if (f->status != P1_FR_OK)
		return;
	for (i = f->len; i-- > 0;)
		if (f->data[i] == '!') {
			bang = i + 1;
			break;
		}
	if (!bang || !f->has_crc || p1_crc16(0, f->data, bang) != f->crc_rx ||
	    f->crc_rx != f->crc_calc)
		abort();
}

static void run(const u8 *p, const u8 *fl, size_t n, size_t chunk, u32 max,
		u32 mode, bool cs7, struct run *r)
{
	static struct p1_framer f;
	struct p1_frame fr;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	r->hash = 0xcbf29ce484222325ull;
	p1_framer_init(&f, buf, CAP);
	p1_framer_set_max(&f, max);
	p1_framer_set_crc_mode(&f, mode);
	p1_framer_set_cs7(&f, cs7);
	while (off < n || p1_framer_pending(&f)) {
		size_t k = n - off < chunk ? n - off : chunk;
		size_t used = p1_framer_push(&f, p + off, fl ? fl + off : NULL,
					     k, off, &fr);

		if (used > k || (!fr.len && used != k))
			abort();
		off += used;
		if (!fr.len)
			continue;
		check_frame(&fr, f.max);
		if (fr.type == P1_FRAME_DLMS && (fr.data[fr.len - 1] & 1)) {
			p1_framer_reject(&f);
			r->hash = mix(r->hash, 0x5e);
		}
		r->frames++;
		r->hash = mix(r->hash, fr.status);
		r->hash = mix(r->hash, fr.type);
		r->hash = mix(r->hash, fr.len);
		for (u32 i = 0; i < fr.len; i++)
			r->hash = mix(r->hash, fr.data[i]);
	}
	r->st = f.st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 flags[1 << 16];
	static const u8 normal[1 << 16];
	struct run whole, part, bytewise;
	const u8 *fl = NULL;
	u32 max, mode;
	size_t chunk, i;
	bool cs7;

	if (size < 4 || size > sizeof(flags))
		return 0;
	/* header: limit, mode, chunk size, flag density */
	max = 16 + (u32)data[0] * 16;
	mode = data[1] % 3;
	cs7 = data[1] & 0x80;
	chunk = 1 + data[2] % 97;
	if (data[3] & 1) {
		for (i = 4; i < size; i++) {
			u8 c = data[i];

			flags[i - 4] = (c == 0xfe)   ? P1_FL_PARITY
				       : (c == 0xfd) ? P1_FL_BREAK
				       : (c == 0xfc) ? P1_FL_FRAME
				       : (c == 0xfb) ? P1_FL_OVERRUN
						     : P1_FL_NORMAL;
		}
		fl = flags;
	}
	data += 4;
	size -= 4;
	run(data, fl, size, size ? size : 1, max, mode, cs7, &whole);
	run(data, fl, size, chunk, max, mode, cs7, &part);
	if (whole.frames != part.frames || whole.hash != part.hash ||
	    memcmp(&whole.st, &part.st, sizeof(whole.st)))
		abort();
	if (whole.st.rx_bytes > size)
		abort();
	if (!fl) {
		run(data, normal, size, chunk, max, mode, cs7, &bytewise);
		if (whole.frames != bytewise.frames ||
		    whole.hash != bytewise.hash ||
		    memcmp(&whole.st, &bytewise.st, sizeof(whole.st)))
			abort();
	}
	return 0;
}
