/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1/reader.h - libp1's reader: open a meter, get events.
 *
 * A reader is opened from a source string and reports what happens on it
 * through callbacks:
 *
 *   connected  the source is open (again) and reading
 *   telegram   a framed telegram: its bytes and metadata (receive times,
 *              CRC verdict, sequence number); rejected ones too
 *   reading    a good telegram, parsed (struct p1_telegram of p1/p1.h)
 *   error      something went wrong; the reader carries on (opening
 *              the source failed: it is retried with backoff)
 *   closed     the open source was lost (a retry follows unless @final),
 *              or the reader has ended (end of a capture, a source that
 *              cannot be opened and is not retried, p1_reader_stop())
 *
 * Sources ("SOURCE[,KEY=VALUE]..."):
 *
 *   /dev/p1-N            a telegram device of the n_p1 kernel module: one
 *                        read() per telegram, framed, checked and time
 *                        stamped by the kernel (P1_IOC_GET_META)
 *   /dev/ttyUSB0         a raw serial line, framed in userspace by the same
 *                        framer code; baud=115200|9600|auto, mode=8N1|7E1
 *                        (auto tries 115200 8N1, 9600 7E1, 115200 7E1 and
 *                        9600 8N1 until telegrams come)
 *   tcp:HOST:PORT        a raw byte stream (ser2net, a network P1 dongle);
 *   tcp:[V6ADDR]:PORT    reconnects with backoff; connect-timeout=SECONDS,
 *                        idle-timeout=SECONDS
 *   file:PATH, -         a capture file (or standard input, "-"), paced:
 *                        rate=meter (the meter clock's gaps), max, or N
 *                        telegrams a second; loop (start over at the end)
 *   emulator[:PROFILE]   the built-in emulated meter: dsmr5 (default),
 *                        dsmr4, dsmr22, emucs, smarty (encrypted with the
 *                        key options); interval=SECONDS, seed=N,
 *                        start=TIME (YYYY-MM-DDThh:mm:ssZ or @UNIX),
 *                        import-kwh, export-kwh, gas-m3, load-w, solar-w,
 *                        gas-rate (m3/h), noise (0..1)
 *
 * A path is a kernel device if its name is p1-N, a capture if it names a
 * regular file or a FIFO, and a serial line otherwise ("serial:",
 * "kernel:" and "file:" force the kind).  Options every source takes:
 * max-size=BYTES (largest telegram, 16384 by default), crc=auto|require|
 * ignore (stream sources), zone=NAME (the meter clock's zone, for parsing
 * and pacing; tz= is the same), reopen=yes|no (retry a lost source;
 * default yes except for captures), backoff-max=SECONDS (retries start
 * after 1 s and double up to this, 30 by default), all (kernel devices:
 * also hand over telegrams that failed their checks), key=HEX or
 * key-file=PATH and auth-key=HEX or auth-key-file=PATH (stream sources:
 * an encrypted meter's 16-byte key from the grid operator and its
 * authentication key, default Smarty's; see p1/dlms.h).  Options can also
 * be given one by one with p1_reader_set_option(); new ones are added
 * without changing this ABI.
 *
 * Event loop: the reader has at most one file descriptor at a time and
 * one timer.  After p1_reader_start() and after every p1_reader_process(),
 * ask p1_reader_fd() (it may change: reconnects) and p1_reader_timeout(),
 * wait, and call p1_reader_process() with what poll() returned (or 0 when
 * the timeout expired).  p1_reader_process() does a bounded amount of work
 * whatever the source delivers (a timeout of 0 then says there is more).
 * p1_reader_run() is that loop for programs with nothing else to do.
 *
 * Rules: no threads are created (name lookups use getaddrinfo_a(3), which
 * runs in glibc's own helper thread); buffers are allocated by
 * p1_reader_start() and nothing is allocated per telegram; nothing is
 * printed: every problem goes to the error callback.  A reader is used
 * from one thread at a time.  Callbacks may call p1_reader_stop() but not
 * p1_reader_free().  Functions returning int give 0 (or a non-negative
 * value) on success and a negative errno value on failure.
 */
#ifndef P1_READER_H
#define P1_READER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct p1_reader;
struct p1_telegram;

enum p1_reader_kind {
	P1_READER_KERNEL = 1,	/* /dev/p1-N of the n_p1 module */
	P1_READER_SERIAL = 2,	/* a raw tty */
	P1_READER_TCP = 3,	/* tcp:HOST:PORT */
	P1_READER_FILE = 4,	/* a capture file or a pipe */
	P1_READER_EMULATOR = 5, /* the built-in emulated meter */
};

/* Telegram verdicts (equal to enum p1_status of the kernel's UAPI). */
enum p1_reader_status {
	P1_READER_OK = 0,	   /* CRC present and correct */
	P1_READER_NO_CRC = 1,	   /* no CRC (DSMR 2.2/3.0), accepted */
	P1_READER_UNCHECKED = 2,   /* CRC wrong, crc=ignore */
	P1_READER_CRC_ERROR = 3,   /* CRC present and wrong */
	P1_READER_CRC_MISSING = 4, /* no CRC where one is required */
	P1_READER_LINE_ERROR = 5,  /* holds a byte the UART flagged */
	P1_READER_ENCRYPTED = 6,   /* kernel, "all": a raw encrypted frame,
				      n_p1 has no key */
};

/* Good telegrams (the ones the reading callback gets). */
#define P1_READER_STATUS_GOOD(s) ((s) <= P1_READER_UNCHECKED)

/*
 * Metadata of one telegram, valid during the callback.  The library owns
 * it and only ever adds fields at the end, so a program built against an
 * older header reads the fields it knows.
 */
struct p1_reader_meta {
	uint64_t seq;		    /* kernel: the device's sequence number;
				       others: telegrams framed, from 1 */
	uint64_t realtime_first_ns; /* CLOCK_REALTIME of the first byte */
	uint64_t realtime_last_ns;  /* ... and of the last byte */
	uint64_t boottime_first_ns; /* CLOCK_BOOTTIME (kernel only, else 0) */
	uint64_t boottime_last_ns;
	uint32_t len;		/* bytes */
	uint32_t status;	/* enum p1_reader_status */
	uint16_t crc_rx;	/* CRC as sent (if has_crc) */
	uint16_t crc_calc;	/* CRC computed over '/' ... '!' */
	uint8_t has_crc;	/* CRC digits were sent */
	uint8_t kernel;		/* framed, checked and stamped by n_p1 */
	uint8_t encrypted;	/* came in a DLMS frame, authenticated and
				   decrypted (key options) */
	uint32_t frame_counter; /* that frame's counter (if encrypted) */
	/* added after 0.1.0 (kernel: n_p1 with P1_TELEGRAM_META_SIZE_V2) */
	uint8_t system_title[8]; /* that frame's system title (if encrypted;
				    else zeros) */
};

/*
 * Counters since p1_reader_new() (they survive reconnects).  Framing
 * counters are the userspace framer's; a kernel source leaves them 0 (the
 * kernel's own are in /sys/class/p1/p1-N/ and on netlink).  Fields are
 * only ever added at the end.
 */
struct p1_reader_counters {
	uint64_t telegrams;	/* good telegrams */
	uint64_t crc_errors;	/* CRC present and wrong */
	uint64_t crc_missing;	/* no CRC against the policy */
	uint64_t line_errors;	/* telegrams holding flagged bytes */
	uint64_t truncated;	/* cut short */
	uint64_t oversize;	/* longer than max-size */
	uint64_t recovered;	/* rescued from a '/' in mid-line */
	uint64_t rx_bytes;	/* bytes received */
	uint64_t garbage_bytes; /* bytes outside any telegram */
	uint64_t parity_errors; /* serial: bytes the UART flagged */
	uint64_t frame_errors;
	uint64_t uart_overruns;
	uint64_t breaks;
	uint64_t parse_errors; /* good CRC, but not a telegram p1_parse()
				  understands (with a reading callback) */
	uint64_t overruns;     /* kernel: this reader fell behind (EPIPE) */
	uint64_t connects;     /* times the source was opened */
	uint64_t disconnects;  /* times it was lost */
	uint64_t read_calls;   /* read()/recv() calls */
	uint64_t cut_at_end;   /* captures: a telegram cut off by the end of
				  the input */
	/* encrypted meters (DLMS frames; options key, key-file, auth-key,
	 * auth-key-file): frames authenticated and decrypted, frames whose
	 * tag failed (wrong key or auth key, altered), frames with an old
	 * frame counter (replays), frames that came while no key was set */
	uint64_t dlms_decrypted;
	uint64_t dlms_auth_failed;
	uint64_t dlms_replayed;
	uint64_t dlms_no_key;
};

struct p1_reader_callbacks {
	/* @detail: e.g. "open at 115200 8N1", "connected", may be "" */
	void (*connected)(struct p1_reader *r, void *user, const char *detail);
	/* Every framed telegram, good or rejected (kernel: good ones unless
	 * the "all" option); @data holds meta->len bytes. */
	void (*telegram)(struct p1_reader *r, void *user, const uint8_t *data,
			 const struct p1_reader_meta *meta);
	/* A good telegram, parsed with the reader's zone.  Only set this if
	 * you want it: parsing is skipped without it. */
	void (*reading)(struct p1_reader *r, void *user,
			const struct p1_telegram *t,
			const struct p1_reader_meta *meta);
	/* @err: a negative errno value; @msg: one line, no newline. */
	void (*error)(struct p1_reader *r, void *user, int err,
		      const char *msg);
	/* The source is gone: @final if no retry follows (end of a
	 * capture, reopen=no, p1_reader_stop()); @err 0 for a normal end. */
	void (*closed)(struct p1_reader *r, void *user, int final, int err,
		       const char *why);
};

/* A reader for @source (see the top).  NULL with errno set: EINVAL (see
 * @err, when not NULL, for why), ENOMEM.  @cb is copied; any member may be
 * NULL. */
struct p1_reader *p1_reader_new(const char *source,
				const struct p1_reader_callbacks *cb,
				void *user, char *err, size_t errsize);
/* Set one option before p1_reader_start(): -EINVAL (unknown key or bad
 * value, see p1_reader_errmsg()), -EBUSY once started. */
int p1_reader_set_option(struct p1_reader *r, const char *key,
			 const char *value);
/* The last error message (set_option, start, the error callback's). */
const char *p1_reader_errmsg(const struct p1_reader *r);

/* Allocate the buffers and open the source (a failure to open is reported
 * through the callbacks and retried, so this fails only for -ENOMEM or if
 * already started). */
int p1_reader_start(struct p1_reader *r);
/* Close the source for good; closed(final) is called if it was open. */
void p1_reader_stop(struct p1_reader *r);
/* Stop and free. */
void p1_reader_free(struct p1_reader *r);

/* The descriptor to wait on (-1: none now) and the poll() events for it
 * (POLLIN or POLLOUT) in *events if not NULL. */
int p1_reader_fd(const struct p1_reader *r, short *events);
/* Milliseconds until p1_reader_process() is due without any I/O: -1 for
 * none, 0 for now. */
int p1_reader_timeout(const struct p1_reader *r);
/* Do what is due; @revents: what poll() reported for the fd (0 if none).
 * Returns 1 once the reader has ended (capture done, stopped), else 0. */
int p1_reader_process(struct p1_reader *r, short revents);
/* poll() and process until the reader ends (returns 0) or a signal
 * interrupts the wait (-EINTR: the caller decides whether to go on). */
int p1_reader_run(struct p1_reader *r);

/* What was opened: the kind, and the source as given (without options). */
enum p1_reader_kind p1_reader_kind(const struct p1_reader *r);
const char *p1_reader_source(const struct p1_reader *r);
/* "kernel", "serial", "tcp", "file", "emulator" */
const char *p1_reader_kind_name(enum p1_reader_kind kind);
/* "ok", "no-crc", "unchecked", "crc-error", "crc-missing", "line-error" */
const char *p1_reader_status_name(uint32_t status);
/* The counters, kept current; valid until p1_reader_free(). */
const struct p1_reader_counters *
p1_reader_get_counters(const struct p1_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* P1_READER_H */
