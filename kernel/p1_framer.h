/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * p1_framer.h - P1 (DSMR / eMUCs) telegram framing and CRC state machine.
 *
 * Pure C with no kernel or libc calls: the same file builds into n_p1.ko,
 * the KUnit suites, libp1/p1ctl/p1-exporter (raw tty and TCP sources) and
 * the fuzzers.  It owns no memory: the caller hands it a buffer of @cap
 * bytes, the largest telegram it may ever hold.
 *
 * A text telegram starts with '/' at the start of a line (or of the stream)
 * and ends with a line that starts with '!', followed by 0-4 hex digits
 * (either case) and a line end (CRLF or a bare LF).  With digits, the
 * CRC-16/ARC of everything from '/' through '!' must equal them; without,
 * it is a DSMR 2.2/3.0 telegram without CRC.  See p1_framer.c for the
 * recovery rules (truncation, '/' in the middle of a line, oversize).
 *
 * A DLMS general-global-ciphering frame (Luxembourg Smarty, Austrian
 * meters: an encrypted telegram) starts with 0xDB wherever a telegram may
 * start and is delimited by the length in its header:
 *   0xDB, 0x08, system title (8), 0x82, length L (2, big endian),
 *   then L bytes: security byte 0x30, frame counter (4, big endian),
 *   ciphertext (L - 17), GCM tag (12).
 * The framer checks the header and hands out the whole frame as
 * P1_FRAME_DLMS (status OK, or LINE_ERROR if it holds a flagged byte);
 * authenticating and decrypting it is the caller's business.  Bytes lost
 * inside a frame make it run into the next one: if that one's header
 * (same system title) shows up inside it, the frame is cut off there
 * (truncated); if not, a caller whose tag check fails calls
 * p1_framer_reject().  Either way the next one's start is found again.
 *
 * Locking: none.  One framer is fed by one thread at a time; the owner
 * serialises access (n_p1 holds its device spinlock around each push).
 */
#ifndef P1_FRAMER_H
#define P1_FRAMER_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
/* The compiler's own names for uint8_t...uint64_t: no header needed. */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
#endif

/* Per-byte flags, numerically equal to the tty layer's TTY_* flags. */
enum p1_fr_flag {
	P1_FL_NORMAL = 0,
	P1_FL_BREAK = 1,
	P1_FL_FRAME = 2,
	P1_FL_PARITY = 3,
	P1_FL_OVERRUN = 4,
};

/* CRC policy; equal to enum p1_crc_mode of the UAPI header. */
enum p1_fr_crc_mode {
	P1_FR_CRC_AUTO = 0,	/* once a CRC was seen, a missing one is an error */
	P1_FR_CRC_REQUIRE = 1,	/* a telegram without CRC is an error */
	P1_FR_CRC_IGNORE = 2,	/* deliver whatever the CRC says */
};

/* Verdict on a completed telegram; equal to enum p1_status of the UAPI. */
enum p1_fr_status {
	P1_FR_OK = 0,		/* CRC present and correct */
	P1_FR_NO_CRC = 1,	/* no CRC digits, accepted by the policy */
	P1_FR_UNCHECKED = 2,	/* CRC wrong but policy is "ignore" */
	P1_FR_CRC_ERROR = 3,	/* CRC present and wrong */
	P1_FR_CRC_MISSING = 4,	/* no CRC digits, refused by the policy */
	P1_FR_LINE_ERROR = 5,	/* contains a byte the driver flagged */
};

/* Good telegrams are the ones ordinary readers get. */
static inline bool p1_fr_status_good(u32 status)
{
	return status <= P1_FR_UNCHECKED;
}

/* Kinds of frame. */
enum p1_fr_type {
	P1_FRAME_TEXT = 0,	/* '/' ... '!' CRC line end */
	P1_FRAME_DLMS = 1,	/* 0xDB general-global-ciphering frame */
};

/* DLMS general-global-ciphering frame layout (see above). */
#define P1_DLMS_TAG		0xdb	/* general-glo-ciphering */
#define P1_DLMS_TITLE_LEN	8
#define P1_DLMS_LEN_TAG		0x82	/* two length bytes follow */
#define P1_DLMS_SEC_AE		0x30	/* authenticated and encrypted */
#define P1_DLMS_HDR		13	/* 0xDB ... length */
#define P1_DLMS_GCM_TAG		12	/* truncated GCM tag */
/* L covers security byte, frame counter, ciphertext (>= 1 byte), tag. */
#define P1_DLMS_MIN_L		(1 + 4 + 1 + P1_DLMS_GCM_TAG)
#define P1_DLMS_MIN		(P1_DLMS_HDR + P1_DLMS_MIN_L)

struct p1_framer_stats {
	u64 rx_bytes;		/* bytes fed, flag-only markers excluded */
	u64 garbage_bytes;	/* bytes that belonged to no telegram */
	u64 telegrams;		/* good telegrams completed */
	u64 crc_errors;		/* completed with a wrong CRC */
	u64 crc_missing;	/* completed without CRC against policy */
	u64 line_errors;	/* completed but containing flagged bytes */
	u64 truncated;		/* cut short: new '/', bad trailer, DLMS header */
	u64 oversize;		/* longer than the size limit */
	u64 recovered;		/* rescued: mid-line '/', rejected frame */
	u64 parity_errors;
	u64 frame_errors;
	u64 overruns;
	u64 breaks;
	u64 dlms_frames;	/* DLMS (encrypted) frames completed */
};

/* A completed telegram, valid until the next call into the framer. */
struct p1_frame {
	const u8 *data;		/* '/' ... line end, byte-exact */
	u32 len;		/* 0: no telegram completed */
	u32 status;		/* enum p1_fr_status */
	u32 type;		/* enum p1_fr_type */
	u16 crc_rx;		/* CRC as sent (valid if has_crc) */
	u16 crc_calc;		/* CRC computed over '/' ... '!' */
	bool has_crc;
	u64 start_stamp;	/* caller's stamp of the push holding '/' */
	u64 end_stamp;		/* caller's stamp of the push completing it */
};

#define P1_FR_MAX_CAND 4

struct p1_framer {
	u8 *buf;
	u32 cap;		/* size of buf */
	u32 max;		/* current size limit, <= cap */
	u32 len;		/* bytes of the telegram in progress */
	u32 bang;		/* length through '!' */
	u32 dmg_end;		/* offset after the last flagged byte, 0: none */
	u32 need;		/* DLMS: total length from the header */
	u32 bin_cand;		/* offset of a 0xDB inside a text telegram */
	u64 bin_cand_stamp;
	u32 cand[P1_FR_MAX_CAND];	/* offsets of '/' seen in mid-line */
	u64 cand_stamp[P1_FR_MAX_CAND];
	u64 start_stamp;
	u16 crc_rx;
	u16 hdr_bad;		/* DLMS header: which bytes were flagged */
	u16 pend_bad;
	u8 pend[P1_DLMS_HDR + 1];	/* bytes of a failed header, to rescan */
	u32 rd, rend;		/* buf[rd..rend): a rejected frame, to rescan */
	u32 rejectable;		/* length of the DLMS frame just handed out */
	u8 npend;
	u8 state;
	u8 crc_mode;
	u8 ndigits;
	u8 ncand;
	bool cs7;		/* mask bit 7 (7-bit line) */
	bool line_start;	/* next byte starts a line */
	bool tentative;		/* started in mid-line: only a good CRC counts */
	bool damaged;		/* holds a flagged byte */
	bool seen_crc;		/* the line has sent a good CRC before */
	u32 rlen;		/* buf[0..rlen) came from buf[rd..rend) */
	bool draining;		/* in drain() (which may nest) */
	bool rescanning;	/* step() is fed from buf[rd..rend) */
	bool rescued;		/* the 0xDB followed came from there */
	struct p1_framer_stats st;
};

void p1_framer_init(struct p1_framer *f, u8 *buf, u32 cap);
/* Drop any telegram in progress and start hunting at a line start. */
void p1_framer_reset(struct p1_framer *f);
/* Set the size limit (clamped to 16..cap). */
void p1_framer_set_max(struct p1_framer *f, u32 max);
void p1_framer_set_crc_mode(struct p1_framer *f, u32 mode);
static inline void p1_framer_set_cs7(struct p1_framer *f, bool cs7)
{
	f->cs7 = cs7;
}

/*
 * Feed @n bytes (with optional per-byte @flags, NULL for none).  Returns the
 * number of bytes consumed; stops right after a byte that completes a
 * telegram and describes it in @out (out->len != 0), otherwise consumes
 * everything and sets out->len to 0.  Call again with the rest.  @stamp is
 * an opaque time the caller gives to every byte of this call.  Bytes held
 * back from a failed DLMS header or a rejected frame (p1_framer_pending())
 * are scanned before new input, so a telegram may complete with 0 new
 * bytes consumed; a call with @n == 0 scans them too.
 */
size_t p1_framer_push(struct p1_framer *f, const u8 *p, const u8 *flags,
		      size_t n, u64 stamp, struct p1_frame *out);

/*
 * The caller could not authenticate the DLMS frame that the last call
 * handed out (its GCM tag did not match): bytes lost inside it may have
 * made it swallow the start of the next frame or telegram.  Its bytes
 * after the 0xDB are scanned again, before new input, so that one is
 * found (counted "recovered" if it is).  Its bytes were counted as a
 * frame: those no frame or telegram claims are not garbage.  Only right
 * after p1_framer_push() returned a P1_FRAME_DLMS frame, with the frame
 * still in the buffer; otherwise it does nothing.
 */
void p1_framer_reject(struct p1_framer *f);

/* Bytes of a failed header or a rejected frame wait to be scanned. */
static inline bool p1_framer_pending(const struct p1_framer *f)
{
	return f->npend || f->rd < f->rend;
}

/*
 * The line went quiet: a telegram whose trailer line ended in a bare CR
 * (its LF might still have come) completes now instead of with the next
 * byte.  Returns true and describes it in @out if one did.
 */
bool p1_framer_idle(struct p1_framer *f, u64 stamp, struct p1_frame *out);

/* CRC-16/ARC (poly 0xA001 reflected, init @crc, usually 0). */
u16 p1_crc16(u16 crc, const u8 *p, size_t n);

/* Value of hex digit @c (either case), or -1. */
int p1_hexval(u8 c);

#endif /* P1_FRAMER_H */
