/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * meter.h - one named meter: its latest reading and its health counters.
 *
 * Everything a telegram touches is allocated once when the meter is
 * created (its parse result, the framer buffer) or with the first meter
 * (the one spare result all meters parse into and swap with theirs);
 * taking in a telegram allocates nothing.  Meters live until the process exits;
 * a kernel device that goes away keeps its meter (marked disconnected) so a
 * replugged cable continues the same series.
 */
#ifndef P1X_METER_H
#define P1X_METER_H

#include <stdbool.h>
#include <stdint.h>

#include "p1_framer.h"

struct p1_reader_counters;
struct p1_telegram;
struct source;

/* Meters of one exporter (a building, a pilot project): every per-meter
 * table is either pointers or a few bytes a meter, indexed by
 * meter->index; a meter's own state is allocated when it is created. */
#define METER_MAX      4096
#define METER_NAME_MAX 64

/* p1_telegrams_total{result} */
enum meter_result {
	RES_OK,		 /* good, delivered (CRC correct or none sent) */
	RES_CRC_ERROR,	 /* CRC present and wrong */
	RES_CRC_MISSING, /* no CRC where one was expected */
	RES_LINE_ERROR,	 /* held bytes the UART flagged */
	RES_TRUNCATED,	 /* cut short */
	RES_OVERSIZE,	 /* longer than the size limit */
	RES_PARSE_ERROR, /* framed but not a telegram the parser accepts */
	RES_DROPPED,	 /* kernel: completed but not queued (no memory) */
	RES_OVERRUN,	 /* kernel: this reader fell behind the ring */
	RES_MAX
};

/* p1_encrypted_frames_total{result}: the reader's or the kernel's */
enum meter_enc {
	ENC_DECRYPTED,	 /* authenticated and decrypted */
	ENC_AUTH_FAILED, /* GCM tag wrong: wrong key or auth key, or altered */
	ENC_REPLAY,	 /* frame counter not above the last one */
	ENC_NO_KEY,	 /* no key-file set for this meter */
	ENC_MAX
};

/* p1_line_errors_total{kind} */
enum meter_line_error { LE_PARITY, LE_FRAMING, LE_OVERRUN, LE_BREAK, LE_MAX };

enum meter_state {
	MS_CONNECTING,	 /* opening / connecting / waiting to retry */
	MS_CONNECTED,	 /* reading */
	MS_DISCONNECTED, /* lost; kernel devices: unplugged */
	MS_FINISHED,	 /* replay reached the end */
};

struct meter {
	int index; /* in meters[]: meters are never removed */
	char name[METER_NAME_MAX];
	const char *kind; /* "kernel", "serial", "tcp", "replay", "emulator" */
	char source[256]; /* what it reads, for the JSON list */
	int zone;	  /* enum p1_zone */
	enum meter_state state;
	char state_detail[128]; /* last error, for the JSON list */
	struct source *src;

	/* our own counters (framing ones: the framer's or the kernel's) */
	uint64_t reconnects;
	uint64_t anomalies; /* telegrams the parser found something odd in */
	uint64_t parse_errors;
	uint64_t overruns; /* kernel: -EPIPE seen by this reader */

	/* kernel meters: the device's counters (P1_STAT_*), last read, and
	 * the sum of those of the devices it had before (replugs), so the
	 * exported counters never go backwards */
	bool kernel;
	uint64_t kstats[32];
	uint64_t kbase[32];
	uint64_t read_calls; /* read()/recv() calls on the source */

	/* framing: a libp1 reader's (rc), or meter_feed()'s own framer */
	const struct p1_reader_counters *rc;
	struct p1_framer fr;
	uint8_t *frbuf;

	bool has_key; /* encrypted meter: key-file= given */

	/* the latest good telegram (swapped with the shared spare) */
	struct p1_telegram *tg;
	bool have_reading;
	uint64_t seq;	      /* good telegrams taken in */
	uint64_t rx_first_ns; /* CLOCK_REALTIME of its first byte */
	uint64_t rx_last_ns;  /* ... and of its last byte */
	uint64_t rx_mono_ns;  /* CLOCK_MONOTONIC when taken in */
	bool stale;	      /* no good telegram for stale-after */
};

extern struct meter *meters[METER_MAX];
extern int nmeters;
/* Bumped whenever anything a scrape shows changes (render cache key). */
extern uint64_t meters_generation;

/* Names: [A-Za-z0-9_.-], 1..63 characters. */
bool meter_name_valid(const char *name);
struct meter *meter_find(const char *name);
/* Create (or, for kernel devices, find again) a meter; NULL on failure. */
struct meter *meter_new(const char *name, const char *kind, const char *source);

/* Feed raw stream bytes (flags may be NULL) through the meter's framer. */
void meter_feed(struct meter *m, const uint8_t *p, const uint8_t *flags,
		size_t n, uint64_t realtime_ns);
/* A frame completed by the meter's framer (good or not). */
struct p1_frame;
void meter_frame(struct meter *m, const struct p1_frame *fr);
/* Drop a partial telegram (connection lost); counted as truncated. */
void meter_reset_framer(struct meter *m);
/* A whole telegram with its framing verdict (enum p1_fr_status). */
void meter_telegram(struct meter *m, const uint8_t *data, size_t len,
		    uint32_t status, bool has_crc, uint64_t first_ns,
		    uint64_t last_ns);
void meter_set_state(struct meter *m, enum meter_state st, const char *detail);
/* p1_up: connected (or finished) and a good telegram came recently. */
bool meter_up(const struct meter *m);
/* Re-evaluate staleness; called from a periodic timer. */
void meters_check_stale(void);

/* Counters as exported: from the framer or the kernel, plus ours. */
struct meter_counters {
	uint64_t results[RES_MAX];
	uint64_t line_errors[LE_MAX];
	uint64_t rx_bytes, garbage_bytes, recovered;
	uint64_t encrypted[ENC_MAX];
};
void meter_counters(const struct meter *m, struct meter_counters *c);

/* Names for labels and JSON. */
const char *meter_result_name(int r);
const char *meter_line_error_name(int k);
const char *meter_enc_name(int r);
const char *meter_state_name(enum meter_state st);

#endif
