/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tgen.h - a deterministic stream of P1 telegrams mixed with the faults
 * n_p1 must count: garbage, bad and missing CRCs, truncated telegrams, a
 * telegram glued into the middle of a line, oversize ones.  Every record
 * says what the kernel must make of it, so readers and counters can be
 * checked exactly.  The CRC here is computed bit by bit, independently of
 * the table-driven one under test.
 */
#ifndef TGEN_H
#define TGEN_H

#include <stddef.h>
#include <stdint.h>

enum tg_kind {
	TG_GOOD,	 /* CRC correct, upper-case, CRLF */
	TG_GOOD_LOWER,	 /* CRC in lower-case hex */
	TG_GOOD_LF,	 /* bare LF line ends */
	TG_GOOD_CRC3,	 /* CRC < 0x1000 written with 3 digits */
	TG_GARBAGE_GOOD, /* garbage line(s), then a good telegram */
	TG_TENTATIVE,	 /* garbage, no line end, then a good one: recovered */
	TG_BAD,		 /* wrong CRC: counted, not delivered */
	TG_NOCRC,	 /* "!" with no digits after a CRC was seen: ditto */
	TG_TRUNC,	 /* telegram cut at a line end, next one starts */
	TG_GLUED,	 /* cut in mid-line, next one glued on: recovered */
	TG_OVERSIZE,	 /* longer than max_telegram_size: dropped */
	TG_TRAILER,	 /* trailing garbage at the end of the stream */
	TG_NKINDS
};

struct tg_rec {
	uint32_t off, len;	 /* this record's bytes in the stream */
	uint32_t tg_off, tg_len; /* the telegram it completes, if any */
	uint64_t seq;		 /* its expected sequence number, 0: none */
	uint32_t status;	 /* its expected enum p1_status */
	uint32_t kind;		 /* enum tg_kind */
};

/* What the device's statistics must say after the whole stream. */
struct tg_expect {
	uint64_t telegrams, crc_errors, crc_missing, truncated, recovered;
	uint64_t oversize, garbage_bytes, rx_bytes;
	uint64_t completed; /* telegrams stored (any status) = last_seq */
	uint64_t good;	    /* of which ordinary readers get */
	uint64_t kinds[TG_NKINDS];
};

struct tg_stream {
	uint8_t *buf;
	size_t len, cap;
	struct tg_rec *rec;
	uint32_t nrec, cap_rec;
	struct tg_expect exp;
	uint64_t rng;
	uint32_t max_size; /* the device's max_telegram_size */
};

/* Generate @nrec records (plus a trailer); 0 on success. */
int tg_generate(struct tg_stream *s, uint32_t nrec, uint64_t seed,
		uint32_t max_size);
void tg_free(struct tg_stream *s);
const char *tg_kind_name(uint32_t kind);

/* CRC-16/ARC, bit by bit. */
uint16_t tg_crc16(const uint8_t *p, size_t n);

#endif /* TGEN_H */
