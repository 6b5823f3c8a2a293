// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * p1_framer.c - P1 telegram framing and CRC state machine (see p1_framer.h).
 *
 * States: HUNT (between telegrams), BODY (inside a telegram), TRAILER (after
 * a '!' at a line start, collecting up to four hex digits), EOL (after
 * the trailer's CR, expecting LF), BHDR (the first 14 bytes of a DLMS
 * frame, checked as they arrive), BIN (the rest of it, by length) and BCAND
 * (a text body in which a 0xDB was seen: its DLMS header is checked).
 *
 * Recovery rules:
 *  - '/' at a line start inside a telegram: the telegram is truncated, a new
 *    one starts there.
 *  - '/' in the middle of a line: lost bytes may have glued the start of a
 *    new telegram onto a line of the previous one.  Its offset is kept as a
 *    candidate (the last P1_FR_MAX_CAND of them); if the whole telegram then
 *    fails its CRC but the text from a candidate through '!' matches it, the
 *    candidate is delivered (counted "recovered") and the part before it is
 *    counted truncated.  While hunting, a mid-line '/' starts a tentative
 *    telegram that only counts if its CRC proves it; otherwise its bytes are
 *    garbage.
 *  - A telegram reaching the size limit is shifted to its first candidate if
 *    it has one, otherwise dropped (oversize) and the framer hunts again.
 *  - A '!' line with anything but hex digits and a line end truncates.
 *  - A CR not followed by LF ends the trailer line too (the next byte is
 *    then handed to the next call), as does p1_framer_idle() when the line
 *    stays quiet after it.
 *  - Break and overrun markers are counted and not stored; parity and
 *    framing errors are counted and the byte is stored.  Either makes the
 *    telegram holding it a LINE_ERROR unless a recovered candidate starts
 *    after it.
 *
 * DLMS frames (binary, delimited by length, see p1_framer.h):
 *  - 0xDB while hunting starts one, at a line start or not (frames come
 *    back to back).  Its header is checked byte by byte: title length 8,
 *    0x82, L from P1_DLMS_MIN_L up, security byte 0x30, 13 + L within the
 *    size limit.  A header that fails is no frame: the 0xDB is garbage
 *    (oversize if only the length was too big) and the bytes after it are
 *    scanned again (they are kept in pend[] and fed before new input), so
 *    a '/' or 0xDB among them still starts a telegram or frame.
 *  - 0xDB inside a text telegram: if a whole valid header follows, a frame
 *    starts there and the text telegram is truncated (garbage if it was
 *    tentative), like a '/' at a line start.
 *  - A frame ends after exactly 13 + L bytes.  Bytes lost inside a frame
 *    make it swallow the start of the next one.  If the meter's next
 *    header (0xDB, 0x08, the same system title, 0x82: 11 bytes no
 *    ciphertext repeats by chance) shows up in the body before the
 *    frame's last byte, the frame is cut off there (truncated) and its
 *    bytes from that header on are scanned again.  Otherwise the caller's
 *    GCM tag check fails and it calls p1_framer_reject(): the frame's
 *    bytes after its 0xDB are scanned again.  Either way the bytes (still
 *    in buf, from rd to rend) are fed to step() like pend[], before new
 *    input: the next frame's header (or a telegram's '/') among them
 *    starts it, and the frame so found is counted recovered.
 *    step() stores what it is fed at buf[len], and len stays below rd:
 *    it never stores more bytes than it was fed since the rescan began
 *    at buf[1] with len 0.  Those bytes were counted once, as a frame:
 *    what nothing claims among them is not counted garbage again (rlen:
 *    how many of the bytes in buf came from the rescan; they come first).
 */
#include "p1_framer.h"
#ifndef __KERNEL__
#include <p1/compiler.h>	/* noinline, __cold, __always_inline */
#endif

/*
 * The DLMS paths (noinline __cold) stay out of the per-byte loop: frames
 * and failed headers are rare.  step() has two callers and must be
 * inlined into the loop of p1_framer_push().
 */

enum { ST_HUNT, ST_BODY, ST_TRAILER, ST_EOL, ST_BHDR, ST_BIN, ST_BCAND };

static bool drain(struct p1_framer *f, u64 stamp, struct p1_frame *out);
static bool bin_cut(struct p1_framer *f);

/* Verdicts of dlms_hdr(). */
enum { HDR_MORE, HDR_DONE, HDR_BAD, HDR_BIG };

static void abandon(struct p1_framer *f);

/*
 * The CRC hook p1_crc16().  The kernel build uses the kernel's crc16()
 * (lib/crc16, a module dependency): CRC-16/ARC is exactly it.  Userspace
 * builds link libp1's userspace/lib/p1_crc16.c (carry-less multiplication
 * where the CPU has it, slicing-by-8 otherwise).
 */
#ifdef __KERNEL__
#include <linux/crc16.h>

u16 p1_crc16(u16 crc, const u8 *p, size_t n)
{
	return crc16(crc, p, n);
}
#endif /* __KERNEL__ */

void p1_framer_init(struct p1_framer *f, u8 *buf, u32 cap)
{
	*f = (struct p1_framer){ 0 };
	f->buf = buf;
	f->cap = cap;
	f->max = cap;
	f->state = ST_HUNT;
	f->line_start = true;
}

void p1_framer_reset(struct p1_framer *f)
{
	if (f->state != ST_HUNT)
		abandon(f);
	if (!f->rend)
		f->st.garbage_bytes += f->npend;
	f->npend = 0;
	f->rd = 0;
	f->rend = 0;
	f->rejectable = 0;
	f->pend_bad = 0;
	f->state = ST_HUNT;
	f->len = 0;
	f->ncand = 0;
	f->line_start = true;
}

void p1_framer_set_max(struct p1_framer *f, u32 max)
{
	if (max < 16)
		max = 16;
	if (max > f->cap)
		max = f->cap;
	f->max = max;
}

void p1_framer_set_crc_mode(struct p1_framer *f, u32 mode)
{
	if (mode <= P1_FR_CRC_IGNORE)
		f->crc_mode = (u8)mode;
}

int p1_hexval(u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Of the first @n bytes in buf, those not from a rescan (see rlen). */
static inline u32 fresh(const struct p1_framer *f, u32 n)
{
	return n > f->rlen ? n - f->rlen : 0;
}

/* The first @off bytes of buf are dropped. */
static inline void drop_rescanned(struct p1_framer *f, u32 off)
{
	f->rlen = f->rlen > off ? f->rlen - off : 0;
}

static void start(struct p1_framer *f, u64 stamp, bool tentative)
{
	f->state = ST_BODY;
	f->len = 0;
	f->rlen = 0;
	f->ncand = 0;
	f->dmg_end = 0;
	f->damaged = false;
	f->tentative = tentative;
	f->start_stamp = stamp;
}

/* Give up the telegram in progress; its bytes were a truncated telegram. */
static void abandon(struct p1_framer *f)
{
	if (f->tentative || f->state == ST_BHDR)
		f->st.garbage_bytes += fresh(f, f->len);
	else
		f->st.truncated++;
	f->len = 0;
	f->state = ST_HUNT;
}

/* Drop the bytes before candidate 0 and go on from there, tentatively. */
static void shift_to_candidate(struct p1_framer *f)
{
	u32 off = f->cand[0];
	u32 i;

	for (i = off; i < f->len; i++)
		f->buf[i - off] = f->buf[i];
	f->len -= off;
	if (f->state == ST_TRAILER || f->state == ST_EOL)
		f->bang -= off;
	f->dmg_end = f->dmg_end > off ? f->dmg_end - off : 0;
	f->damaged = f->dmg_end != 0;
	f->start_stamp = f->cand_stamp[0];
	if (f->state == ST_BCAND && f->bin_cand >= off)
		f->bin_cand -= off;
	else if (f->state == ST_BCAND)
		f->state = ST_BODY;
	if (f->tentative)
		f->st.garbage_bytes += fresh(f, off);
	else
		f->st.truncated++;
	drop_rescanned(f, off);
	f->tentative = true;
	for (i = 1; i < f->ncand; i++) {
		f->cand[i - 1] = f->cand[i] - off;
		f->cand_stamp[i - 1] = f->cand_stamp[i];
	}
	f->ncand--;
}

/*
 * At the size limit: go on from the first candidate if there is one, else
 * drop the telegram.  False if it was dropped (@c is then garbage).
 */
static bool overflow(struct p1_framer *f, u8 c)
{
	while (f->len >= f->max) {
		if (!f->ncand) {
			if (f->tentative)
				f->st.garbage_bytes += fresh(f, f->len);
			else
				f->st.oversize++;
			if (!f->rescanning)
				f->st.garbage_bytes++;
			f->len = 0;
			f->state = ST_HUNT;
			f->line_start = c == '\n';
			return false;
		}
		shift_to_candidate(f);
	}
	return true;
}

/* Store one byte; false if the telegram overflowed and was dropped. */
static inline bool append(struct p1_framer *f, u8 c, bool bad)
{
	if (f->len >= f->max && !overflow(f, c))
		return false;
	f->buf[f->len++] = c;
	if (bad) {
		f->damaged = true;
		f->dmg_end = f->len;
	}
	return true;
}

static void add_candidate(struct p1_framer *f, u64 stamp)
{
	u32 i;

	if (f->ncand == P1_FR_MAX_CAND) {
		for (i = 1; i < P1_FR_MAX_CAND; i++) {
			f->cand[i - 1] = f->cand[i];
			f->cand_stamp[i - 1] = f->cand_stamp[i];
		}
		f->ncand--;
	}
	f->cand[f->ncand] = f->len;
	f->cand_stamp[f->ncand] = stamp;
	f->ncand++;
}

/* The trailer line ended: judge the telegram.  True if one is handed out. */
static bool complete(struct p1_framer *f, u64 stamp, struct p1_frame *out)
{
	u32 off = 0, i, status;
	u16 calc = p1_crc16(0, f->buf, f->bang);
	bool has_crc = f->ndigits != 0;

	f->state = ST_HUNT;
	f->line_start = true;
	if (has_crc && calc == f->crc_rx) {
		status = P1_FR_OK;
	} else if (has_crc) {
		/* Recovery first; "ignore" only decides about what is left. */
		status = f->crc_mode == P1_FR_CRC_IGNORE ? P1_FR_UNCHECKED :
							   P1_FR_CRC_ERROR;
		for (i = 0; i < f->ncand; i++) {
			u32 c = f->cand[i];

			if (c >= f->bang || f->dmg_end > c)
				continue;
			if (p1_crc16(0, f->buf + c, f->bang - c) != f->crc_rx)
				continue;
			off = c;
			calc = f->crc_rx;
			status = P1_FR_OK;
			if (f->tentative)
				f->st.garbage_bytes += fresh(f, off);
			else
				f->st.truncated++;
			f->st.recovered++;
			f->start_stamp = f->cand_stamp[i];
			f->tentative = false;
			break;
		}
	} else if (f->crc_mode == P1_FR_CRC_REQUIRE ||
		   (f->crc_mode == P1_FR_CRC_AUTO && f->seen_crc)) {
		status = P1_FR_CRC_MISSING;
	} else {
		status = P1_FR_NO_CRC;
	}
	if (f->dmg_end > off)
		status = P1_FR_LINE_ERROR;
	if (f->tentative && status != P1_FR_OK) {
		f->st.garbage_bytes += fresh(f, f->len);
		f->len = 0;
		return false;
	}
	/* Started at a mid-line '/' (while hunting or by a size shift). */
	if (f->tentative)
		f->st.recovered++;

	if (status == P1_FR_OK)
		f->seen_crc = true;
	switch (status) {
	case P1_FR_OK:
	case P1_FR_NO_CRC:
	case P1_FR_UNCHECKED:
		f->st.telegrams++;
		break;
	case P1_FR_CRC_ERROR:
		f->st.crc_errors++;
		break;
	case P1_FR_CRC_MISSING:
		f->st.crc_missing++;
		break;
	default:
		f->st.line_errors++;
		break;
	}
	out->data = f->buf + off;
	out->len = f->len - off;
	out->status = status;
	out->type = P1_FRAME_TEXT;
	out->has_crc = has_crc;
	out->crc_rx = f->crc_rx;
	out->crc_calc = calc;
	out->start_stamp = f->start_stamp;
	out->end_stamp = stamp;
	f->len = 0;
	return true;
}

/*
 * Byte @i (just received) of a DLMS header @h: HDR_MORE while it may still
 * be one, HDR_DONE when byte 13 completes a valid header, HDR_BAD, or
 * HDR_BIG for a valid header whose frame exceeds @max.
 */
static int dlms_hdr(const u8 *h, u32 i, u32 max)
{
	u32 l;

	switch (i) {
	case 1:
		return h[1] == P1_DLMS_TITLE_LEN ? HDR_MORE : HDR_BAD;
	case 2 + P1_DLMS_TITLE_LEN:
		return h[i] == P1_DLMS_LEN_TAG ? HDR_MORE : HDR_BAD;
	case P1_DLMS_HDR - 1:
		l = (u32)h[11] << 8 | h[12];
		return l >= P1_DLMS_MIN_L ? HDR_MORE : HDR_BAD;
	case P1_DLMS_HDR:
		if (h[i] != P1_DLMS_SEC_AE)
			return HDR_BAD;
		l = (u32)h[11] << 8 | h[12];
		return P1_DLMS_HDR + l > max ? HDR_BIG : HDR_DONE;
	default:
		return HDR_MORE;
	}
}

static noinline __cold void bin_start(struct p1_framer *f, u64 stamp)
{
	f->rescued = f->rescanning;
	f->rlen = 0;
	f->state = ST_BHDR;
	f->len = 0;
	f->ncand = 0;
	f->dmg_end = 0;
	f->damaged = false;
	f->tentative = false;
	f->hdr_bad = 0;
	f->start_stamp = stamp;
}

/*
 * The header in buf[0..len) failed: the 0xDB is no frame.  Put the bytes
 * after it in front of the pending ones, to be scanned again.
 */
static noinline __cold void bin_rescan(struct p1_framer *f)
{
	u32 k = f->len - 1, i;

	if (f->npend + k > sizeof(f->pend)) {
		/* cannot happen (see push); never overflow */
		f->st.garbage_bytes += f->len;
		f->len = 0;
		f->state = ST_HUNT;
		return;
	}
	for (i = f->npend; i--;)
		f->pend[i + k] = f->pend[i];
	for (i = 0; i < k; i++)
		f->pend[i] = f->buf[i + 1];
	f->pend_bad = (u16)(f->pend_bad << k | f->hdr_bad >> 1);
	f->npend += (u8)k;
	f->len = 0;
	f->state = ST_HUNT;
	f->line_start = false;
}

/* One byte of a DLMS frame (ST_BHDR or ST_BIN).  True if it completed. */
static noinline __cold bool bin_step(struct p1_framer *f, u8 c, bool bad,
				     u64 stamp, struct p1_frame *out)
{
	int r;

	/* len < need <= max here: the header check saw to it. */
	f->buf[f->len++] = c;
	if (bad) {
		f->damaged = true;
		if (f->state == ST_BHDR)
			f->hdr_bad |= (u16)(1u << (f->len - 1));
	}
	if (f->state == ST_BHDR) {
		r = dlms_hdr(f->buf, f->len - 1, f->max);
		if (r == HDR_MORE)
			return false;
		if (r == HDR_DONE) {
			f->need = P1_DLMS_HDR + ((u32)f->buf[11] << 8 | f->buf[12]);
			f->state = ST_BIN;
			if (f->rescued)
				f->st.recovered++;
			return false;
		}
		if (r == HDR_BIG)
			f->st.oversize++;
		else
			f->st.garbage_bytes += fresh(f, 1);
		bin_rescan(f);
		return drain(f, stamp, out);
	}
	if (f->len < f->need)
		return false;
	f->state = ST_HUNT;
	f->line_start = true;
	if (f->damaged) {
		out->status = P1_FR_LINE_ERROR;
		f->st.line_errors++;
	} else {
		out->status = P1_FR_OK;
		f->st.dlms_frames++;
	}
	out->data = f->buf;
	out->len = f->len;
	out->type = P1_FRAME_DLMS;
	f->rejectable = f->len;
	out->has_crc = false;
	out->crc_rx = 0;
	out->crc_calc = 0;
	out->start_stamp = f->start_stamp;
	out->end_stamp = stamp;
	f->len = 0;
	return true;
}

/* A 0xDB (just stored) inside a text telegram: follow it (ST_BCAND). */
static void bin_cand_start(struct p1_framer *f, u64 stamp)
{
	f->rescued = f->rescanning;
	f->bin_cand = f->len - 1;
	f->bin_cand_stamp = stamp;
	f->state = ST_BCAND;
}

/*
 * The byte just stored after a 0xDB in a text telegram: if a whole valid
 * DLMS header came after it, the text telegram was cut off and a frame
 * starts there; if not, it is a text telegram as before.
 */
static noinline __cold void bin_cand_check(struct p1_framer *f, u64 stamp)
{
	u32 off = f->bin_cand, i;
	int r;

	r = dlms_hdr(f->buf + off, f->len - 1 - off, f->max);
	if (r == HDR_MORE)
		return;
	f->state = ST_BODY;
	if (r != HDR_DONE) {
		if (f->buf[f->len - 1] == P1_DLMS_TAG)
			bin_cand_start(f, stamp);
		return;
	}
	if (f->tentative)
		f->st.garbage_bytes += fresh(f, off);
	else
		f->st.truncated++;
	drop_rescanned(f, off);
	for (i = off; i < f->len; i++)
		f->buf[i - off] = f->buf[i];
	f->len -= off;
	f->damaged = f->dmg_end > off;
	f->dmg_end = 0;
	f->ncand = 0;
	f->tentative = false;
	f->hdr_bad = 0;
	f->start_stamp = f->bin_cand_stamp;
	f->need = P1_DLMS_HDR + ((u32)f->buf[11] << 8 | f->buf[12]);
	f->state = ST_BIN;
	if (f->rescued)
		f->st.recovered++;
}

/* One stored (not marker) byte.  True if it completed a telegram. */
static __always_inline bool step(struct p1_framer *f, u8 c, bool bad,
				 u64 stamp, struct p1_frame *out)
{
	int h;

again:
	switch (f->state) {
	case ST_HUNT:
		if (c != '/') {
			if (c == P1_DLMS_TAG) {
				bin_start(f, stamp);
				return bin_step(f, c, bad, stamp, out);
			}
			if (!f->rescanning)
				f->st.garbage_bytes++;
			f->line_start = c == '\n';
			return false;
		}
		/* in a rejected frame's bytes, only a good CRC proves one */
		start(f, stamp, !f->line_start || f->rescanning);
		break;
	case ST_BCAND:
	case ST_BODY:
		if (c == '/') {
			if (f->line_start) {
				abandon(f);
				start(f, stamp, f->rescanning);
			} else {
				add_candidate(f, stamp);
			}
		} else if (c == P1_DLMS_TAG && f->state == ST_BODY) {
			if (!append(f, c, bad))
				return false;
			f->line_start = false;
			bin_cand_start(f, stamp);
			return false;
		} else if (c == '!' && f->line_start) {
			if (!append(f, c, bad))
				return false;
			f->bang = f->len;
			f->ndigits = 0;
			f->crc_rx = 0;
			f->state = ST_TRAILER;
			f->line_start = false;
			return false;
		}
		break;
	case ST_TRAILER:
		h = p1_hexval(c);
		if (h >= 0 && f->ndigits < 4) {
			if (append(f, c, bad)) {
				f->crc_rx = (u16)(f->crc_rx << 4 | h);
				f->ndigits++;
			}
			return false;
		}
		if (c == '\r') {
			if (append(f, c, bad))
				f->state = ST_EOL;
			return false;
		}
		if (c == '\n')
			return append(f, c, bad) && complete(f, stamp, out);
		abandon(f);
		f->line_start = false;
		goto again;
	case ST_EOL: /* only LF gets here (see p1_framer_push) */
		return append(f, c, bad) && complete(f, stamp, out);
	case ST_BIN:
		/* the body of a frame: stored as is, up to its last byte */
		if (f->len + 1 < f->need && !bad) {
			f->buf[f->len++] = c;
			if (c == P1_DLMS_LEN_TAG && bin_cut(f))
				return drain(f, stamp, out);
			return false;
		}
		return bin_step(f, c, bad, stamp, out);
	default: /* ST_BHDR */
		return bin_step(f, c, bad, stamp, out);
	}
	if (!append(f, c, bad))
		return false;
	f->line_start = c == '\n';
	if (f->state == ST_BCAND)
		bin_cand_check(f, stamp);
	return false;
}

/* Take the first pending byte (see bin_rescan()). */
static u8 pend_pop(struct p1_framer *f, bool *bad)
{
	u8 c = f->pend[0];
	u32 i;

	*bad = f->pend_bad & 1;
	f->pend_bad >>= 1;
	f->npend--;
	for (i = 0; i < f->npend; i++)
		f->pend[i] = f->pend[i + 1];
	return c;
}

/*
 * Scan buf[from..end) again, then what was still waiting at buf[rd..rend)
 * (below end: moved down behind it).  The telegram in progress is over.
 */
static void rescan(struct p1_framer *f, u32 from, u32 end)
{
	u32 i;

	for (i = f->rd; i < f->rend; i++)
		f->buf[end++] = f->buf[i];
	f->rd = from;
	f->rend = end;
	f->len = 0;
	f->state = ST_HUNT;
	f->line_start = false;
}

/*
 * The byte just stored in a frame's body was 0x82: if it ends the meter's
 * own start of a frame (0xDB, 0x08, this frame's system title, 0x82) at
 * offset 14 or later, bytes were lost in this frame and the next one
 * began there.  This one is cut off (truncated) and the next one's bytes
 * are scanned again; true if so.
 */
static noinline __cold bool bin_cut(struct p1_framer *f)
{
	const u32 sig = 2 + P1_DLMS_TITLE_LEN + 1;
	u32 h = f->len - sig, i;

	if (f->len < P1_DLMS_HDR + 1 + sig || f->npend)
		return false;
	for (i = 0; i < sig; i++)
		if (f->buf[h + i] != f->buf[i])
			return false;
	f->st.truncated++;
	rescan(f, h, f->len);
	return true;
}

/*
 * Feed the bytes of a failed DLMS header (see bin_rescan()): at most 13,
 * already counted; then (the outermost call only) those of a rejected
 * frame (p1_framer_reject()), which come after them.  True if they
 * completed a telegram (the rest, if any, is fed at the next push).  A
 * header failing among them nests one level deeper, at most 13 levels:
 * each takes at least one byte.
 */
static noinline __cold bool drain(struct p1_framer *f, u64 stamp,
				  struct p1_frame *out)
{
	bool outer = !f->draining, bad, done = false;
	u8 c;

	f->draining = true;
	while (!done && (f->npend || (outer && f->rd < f->rend))) {
		c = f->npend ? f->pend[0] : f->buf[f->rd];
		if (f->state == ST_EOL && c != '\n' &&
		    complete(f, stamp, out)) {
			done = true;
			break;
		}
		bad = false;
		f->rescanning = f->rend != 0;
		if (f->npend)
			c = pend_pop(f, &bad);
		else
			f->rd++;
		done = step(f, c, bad, stamp, out);
		if (f->rend)
			f->rlen = f->len;
	}
	f->rescanning = false;
	if (outer) {
		f->draining = false;
		if (f->rd >= f->rend) {
			f->rd = 0;
			f->rend = 0;
		}
	}
	return done;
}

void p1_framer_reject(struct p1_framer *f)
{
	u32 n = f->rejectable;

	f->rejectable = 0;
	if (!n || f->npend || f->state != ST_HUNT || f->len)
		return;
	rescan(f, 1, n);
}

/*
 * Spans.  In a text telegram's body, and between telegrams, a byte that is
 * none of '/', '!' and the DLMS tag (0xDB) changes nothing but line_start
 * (and is stored, in a body): scan for those three a vector or a word at
 * a time and hand the whole span over at once.  Only where step() would do
 * just that: no flags, no 7-bit masking, within the size limit.
 *
 * The userspace build on x86-64 scans 32 bytes at a time with SSE2 (part
 * of every x86-64 CPU), on little-endian arm64 with NEON (part of every
 * arm64 CPU: Raspberry Pi 3, 4 and 5 with a 64-bit OS); every other build
 * (the kernel: no FPU or vector registers there; 32-bit; userspace with
 * P1_FRAMER_PORTABLE, as the tests build it too) scans a 64-bit word at a
 * time.  All stop at exactly the same byte.
 */
#if !defined(__KERNEL__) && !defined(P1_FRAMER_PORTABLE)
#if defined(__SSE2__)
#include <emmintrin.h>
#define P1_SCAN_SSE2 1
#elif defined(__aarch64__) && defined(__ARM_NEON) && defined(__AARCH64EL__)
#include <arm_neon.h>
#define P1_SCAN_NEON 1
#endif
#endif

static inline bool special(u8 c)
{
	return c == '/' || c == '!' || c == P1_DLMS_TAG;
}

#ifdef P1_SCAN_SSE2
/* Byte i all ones if byte i of @v is special(). */
static __always_inline __m128i special16(__m128i v)
{
	return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')),
					 _mm_cmpeq_epi8(v, _mm_set1_epi8('!'))),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)P1_DLMS_TAG)));
}
#elif defined(P1_SCAN_NEON)
/* Byte i all ones if byte i of @v is special(). */
static __always_inline uint8x16_t special16(uint8x16_t v)
{
	return vorrq_u8(vorrq_u8(vceqq_u8(v, vdupq_n_u8('/')),
				 vceqq_u8(v, vdupq_n_u8('!'))),
			vceqq_u8(v, vdupq_n_u8(P1_DLMS_TAG)));
}

/*
 * NEON has no movemask: of a vector of 0x00 and 0xff bytes, shifting each
 * 16-bit lane right by 4 and narrowing it to 8 bits keeps four bits of
 * each byte, in order.  Bits 4i..4i+3 are set if byte i of @m is.
 */
static __always_inline u64 nibble_mask(uint8x16_t m)
{
	uint8x8_t n = vshrn_n_u16(vreinterpretq_u16_u8(m), 4);

	return vget_lane_u64(vreinterpret_u64_u8(n), 0);
}
#else
#define P1_ONES 0x0101010101010101ull

/* Non-zero if a byte of @w is @c (exact: no false positives). */
static inline u64 zero_byte(u64 w, u8 c)
{
	u64 v = w ^ (P1_ONES * c);

	return (v - P1_ONES) & ~v & (P1_ONES << 7);
}
#endif

/*
 * Length of the run of bytes at @p (at most @n) that are not special(),
 * copied to @d if @copy.  With SSE2 or NEON, up to 31 bytes after the run
 * may be written to @d too (within d[0..n)).
 */
static __always_inline size_t scan(const u8 *p, size_t n, u8 *d, bool copy)
{
	size_t k = 0;
#ifdef P1_SCAN_SSE2
	for (; k + 32 <= n; k += 32) {
		__m128i a = _mm_loadu_si128((const __m128i *)(p + k));
		__m128i b = _mm_loadu_si128((const __m128i *)(p + k + 16));
		__m128i sa = special16(a), sb = special16(b);
		unsigned int m;

		if (copy) {
			_mm_storeu_si128((__m128i *)(d + k), a);
			_mm_storeu_si128((__m128i *)(d + k + 16), b);
		}
		if (!_mm_movemask_epi8(_mm_or_si128(sa, sb)))
			continue;
		m = (unsigned int)_mm_movemask_epi8(sa) |
		    (unsigned int)_mm_movemask_epi8(sb) << 16;
		return k + (size_t)__builtin_ctz(m);
	}
	for (; k + 16 <= n; k += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(p + k));
		int m = _mm_movemask_epi8(special16(a));

		if (copy)
			_mm_storeu_si128((__m128i *)(d + k), a);
		if (m)
			return k + (size_t)__builtin_ctz((unsigned int)m);
	}
#elif defined(P1_SCAN_NEON)
	for (; k + 32 <= n; k += 32) {
		uint8x16_t a = vld1q_u8(p + k), b = vld1q_u8(p + k + 16);
		uint8x16_t sa = special16(a), sb = special16(b);
		u64 m;

		if (copy) {
			vst1q_u8(d + k, a);
			vst1q_u8(d + k + 16, b);
		}
		if (!nibble_mask(vorrq_u8(sa, sb)))
			continue;
		m = nibble_mask(sa);
		if (m)
			return k + (size_t)__builtin_ctzll(m) / 4;
		return k + 16 + (size_t)__builtin_ctzll(nibble_mask(sb)) / 4;
	}
	for (; k + 16 <= n; k += 16) {
		uint8x16_t a = vld1q_u8(p + k);
		u64 m = nibble_mask(special16(a));

		if (copy)
			vst1q_u8(d + k, a);
		if (m)
			return k + (size_t)__builtin_ctzll(m) / 4;
	}
#else
	u64 w;

	for (; k + 8 <= n; k += 8) {
		__builtin_memcpy(&w, p + k, 8);
		if (zero_byte(w, '/') | zero_byte(w, '!') |
		    zero_byte(w, P1_DLMS_TAG))
			break;
		if (copy)
			__builtin_memcpy(d + k, &w, 8);
	}
#endif
	for (; k < n && !special(p[k]); k++)
		if (copy)
			d[k] = p[k];
	return k;
}

/* A run of body bytes (see scan()): stored.  How many were taken. */
static size_t body_run(struct p1_framer *f, const u8 *p, size_t n)
{
	size_t k, lim = f->max > f->len ? f->max - f->len : 0;

	k = scan(p, lim < n ? lim : n, f->buf + f->len, true);
	if (k) {
		f->len += (u32)k;
		f->st.rx_bytes += k;
		f->line_start = p[k - 1] == '\n';
	}
	return k;
}

/* A run of bytes between telegrams (see scan()): garbage. */
static size_t hunt_run(struct p1_framer *f, const u8 *p, size_t n)
{
	size_t k = scan(p, n, NULL, false);

	if (k) {
		f->st.rx_bytes += k;
		f->st.garbage_bytes += k;
		f->line_start = p[k - 1] == '\n';
	}
	return k;
}

size_t p1_framer_push(struct p1_framer *f, const u8 *p, const u8 *flags,
		      size_t n, u64 stamp, struct p1_frame *out)
{
	size_t i;

	out->len = 0;
	f->rejectable = 0;
	if (p1_framer_pending(f) && drain(f, stamp, out))
		return 0;
	for (i = 0; i < n; i++) {
		u8 c;
		u8 fl = flags ? flags[i] : P1_FL_NORMAL;
		bool bad = false;

		if (!flags && !f->cs7) {
			if (f->state == ST_BODY)
				i += body_run(f, p + i, n - i);
			else if (f->state == ST_HUNT)
				i += hunt_run(f, p + i, n - i);
			if (i == n)
				break;
		}
		c = p[i];

		if (fl == P1_FL_BREAK || fl == P1_FL_OVERRUN) {
			if (fl == P1_FL_BREAK)
				f->st.breaks++;
			else
				f->st.overruns++;
			if (f->state != ST_HUNT) {
				f->damaged = true;
				f->dmg_end = f->len;
			}
			continue;
		}
		if (f->cs7)
			c &= 0x7f;
		if (f->state == ST_EOL && c != '\n' && complete(f, stamp, out))
			return i;
		f->st.rx_bytes++;
		if (fl == P1_FL_PARITY) {
			f->st.parity_errors++;
			bad = true;
		} else if (fl == P1_FL_FRAME) {
			f->st.frame_errors++;
			bad = true;
		}
		if (step(f, c, bad, stamp, out))
			return i + 1;
	}
	return n;
}

bool p1_framer_idle(struct p1_framer *f, u64 stamp, struct p1_frame *out)
{
	out->len = 0;
	f->rejectable = 0;
	return f->state == ST_EOL && complete(f, stamp, out);
}
