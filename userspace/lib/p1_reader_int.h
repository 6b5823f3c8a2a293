/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1_reader_int.h - the reader's insides, shared by p1_reader.c (the
 * object, options, delivery, the loop) and one file per source kind
 * (p1_rd_kernel.c, p1_rd_serial.c, p1_rd_tcp.c, p1_rd_file.c,
 * p1_rd_emu.c).  Internal symbols are p1i_* (not exported).
 */
#ifndef P1_READER_INT_H
#define P1_READER_INT_H

#include <netdb.h>
#include <p1/p1.h>
#include <p1/reader.h>
#include <stdbool.h>
#include <sys/types.h>

#include "p1_emu.h"
#include "p1_framer.h"

#define P1I_SRC_MAX   256
#define P1I_ERR_MAX   256
#define P1I_READ_SIZE 4096

struct p1_reader;

struct p1i_rd_ops {
	/* Check the source's options (after all were set). */
	int (*prepare)(struct p1_reader *r);
	/* Open (or start connecting); failures: p1i_rd_fail()/retry. */
	void (*open)(struct p1_reader *r);
	/* The fd is ready. */
	void (*io)(struct p1_reader *r, short revents);
	/* The timer expired. */
	void (*timer)(struct p1_reader *r);
	/* Close whatever is open (no callbacks). */
	void (*close)(struct p1_reader *r);
	/* An option of this kind; -ENOENT if not one of its keys. */
	int (*option)(struct p1_reader *r, const char *key, const char *val);
};

enum p1i_pace { P1I_PACE_METER, P1I_PACE_RATE, P1I_PACE_MAX };
enum p1i_tcp_state { P1I_TS_WAIT, P1I_TS_RESOLVE, P1I_TS_CONNECT, P1I_TS_UP };
enum p1i_mark { P1I_MK_NONE, P1I_MK_FF, P1I_MK_FF0 };

struct p1_reader {
	const struct p1i_rd_ops *ops;
	enum p1_reader_kind kind;
	struct p1_reader_callbacks cb;
	void *user;
	char source[P1I_SRC_MAX]; /* as given, without options */
	char errmsg[P1I_ERR_MAX];

	/* common options */
	uint32_t max_size;
	uint32_t crc_mode;
	uint32_t zone;
	bool all;
	bool reopen;
	double backoff_max;

	/* state */
	bool started, ended, open, stopping;
	int fd;
	short events;
	uint64_t deadline; /* CLOCK_MONOTONIC ns, 0: no timer */
	double backoff;	   /* seconds until the next retry */

	/* framing (stream sources) and parsing */
	struct p1_framer fr;
	uint8_t *frbuf;
	uint8_t *in; /* read buffer */
	size_t in_cap;
	struct p1_telegram *tg; /* with a reading callback */
	uint64_t seq;
	struct p1_reader_counters c;

	/* encrypted meters (p1_rd_dlms.c): NULL without a key option */
	struct p1_dlms *dlms;
	uint8_t *plain;	      /* the decrypted telegram */
	struct p1_framer pfr; /* frames and CRC-checks it */
	uint8_t *pfrbuf;
	uint32_t dlms_counter; /* of the frame being delivered */
	uint8_t dlms_title[8]; /* its system title */
	bool dlms_plain;       /* delivering a decrypted telegram */
	bool dlms_told;	       /* "no key" was reported */

	union {
		struct {
			uint32_t baud;
			bool cs7;
			bool autodetect;
			int try; /* index in the auto list */
			double auto_timeout;
			uint64_t good_at_open; /* c.telegrams when opened */
			enum p1i_mark mark;
			uint8_t *flags;
			uint8_t *data;
		} ser;
		struct {
			char host[256];
			char port[32];
			enum p1i_tcp_state state;
			struct gaicb req;
			struct addrinfo hints;
			struct addrinfo *cur;
			bool have_result;
			uint64_t resolve_deadline;
			double connect_timeout;
			double idle_timeout;
		} tcp;
		struct {
			enum p1i_pace pace;
			double rate;
			bool loop;
			bool is_stdin;
			int stdin_flags; /* -1: not changed */
			size_t pos, len;
			struct p1_frame pending;
			bool have_pending;
			uint64_t due, last_due;
			int64_t last_meter_t;
			bool last_meter_valid;
			uint64_t nframes;
			uint64_t pass_telegrams; /* framed in this pass */
		} file;
		struct {
			uint64_t dev_id;
			bool meta_v1; /* the module knows only meta version 1 */
		} kern;
		struct {
			struct p1i_emu emu;
			struct p1i_emu_params p;
			double interval;
			double meter_t;
			bool own_clock;
			double start;
			uint64_t next_due;
		} emu;
	} u;
};

extern const struct p1i_rd_ops p1i_rd_kernel_ops, p1i_rd_serial_ops,
	p1i_rd_tcp_ops, p1i_rd_file_ops, p1i_rd_emu_ops;

/* Clocks, in ns. */
uint64_t p1i_mono_ns(void);
uint64_t p1i_realtime_ns(void);

/* Printf-style message to r->errmsg and the error callback. */
void p1i_rd_error(struct p1_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The source is open: counts, resets the backoff, connected callback. */
void p1i_rd_connected(struct p1_reader *r, const char *detail);
/*
 * The source failed or was lost: close it; if it was open, the closed
 * callback (and a partial telegram is dropped); then a retry after the
 * backoff if reopen is set, else the reader ends.  @err < 0.
 */
void p1i_rd_lost(struct p1_reader *r, int err, const char *why);
/* The source ended normally (end of a capture): closed(final). */
void p1i_rd_end(struct p1_reader *r, const char *why);
/* Set the fd (or -1) and the events to wait for. */
void p1i_rd_set_fd(struct p1_reader *r, int fd, short events);
/* Arm the timer @ns from now (0: due now); p1i_rd_disarm() stops it. */
void p1i_rd_arm(struct p1_reader *r, uint64_t ns);
void p1i_rd_disarm(struct p1_reader *r);
/* Hand a telegram to the callbacks (and parse it for reading). */
void p1i_rd_deliver(struct p1_reader *r, const uint8_t *data,
		    const struct p1_reader_meta *meta);
/* Frame stream bytes (flags may be NULL), delivering what completes. */
void p1i_rd_feed(struct p1_reader *r, const uint8_t *p, const uint8_t *flags,
		 size_t n, uint64_t realtime_ns);
/* A telegram the framer completed. */
void p1i_rd_frame(struct p1_reader *r, const struct p1_frame *f);
/* Encrypted frames (p1_rd_dlms.c): options, buffers, a completed frame. */
int p1i_rd_dlms_option(struct p1_reader *r, const char *key, const char *v);
int p1i_rd_dlms_start(struct p1_reader *r);
void p1i_rd_dlms_free(struct p1_reader *r);
void p1i_rd_dlms_frame(struct p1_reader *r, const struct p1_frame *f);
/* Copy the framer's statistics into the counters. */
void p1i_rd_sync_counters(struct p1_reader *r);

/* Option values. */
int p1i_opt_double(const char *v, double lo, double hi, double *out);
int p1i_opt_bool(const char *v, bool *out);

/* Serial helpers (also used by p1ctl through p1tty.c). */
int p1i_tty_termios(void *termios, uint32_t baud, bool cs7);

#endif
