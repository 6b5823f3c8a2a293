/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * autodetect.h - find a P1 line's baud rate and character format from the
 * n_p1 counters (statistics/ in sysfs) while the discipline is attached.
 *
 * Candidates, in order: 115200 8N1 (DSMR 4/5, eMUCs), 115200 7E1, 9600 7E1
 * (DSMR 2.2/3.0).  Each is applied to the tty (n_p1 restarts its framer on
 * a termios change) and judged on the counter deltas since: a good
 * telegram settles it; bytes that make no telegram (garbage, parity or
 * framing errors) reject it; no byte at all means the line is silent
 * whatever the settings (cable, signal inversion, Request line), so the
 * search stops there.  The judgement (autodetect_judge) is a pure function
 * of the deltas and the time spent, for unit tests.
 */
#ifndef P1CTL_AUTODETECT_H
#define P1CTL_AUTODETECT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p1tty.h"

/* The counters detection looks at (files in statistics/). */
enum ad_counter {
	AD_TELEGRAMS,
	AD_RX_BYTES,
	AD_GARBAGE_BYTES,
	AD_PARITY_ERRORS,
	AD_FRAME_ERRORS,
	AD_BREAKS,
	AD_CRC_ERRORS,
	AD_LINE_ERRORS,
	AD_TRUNCATED,
	AD_N_COUNTERS
};

struct ad_counters {
	uint64_t v[AD_N_COUNTERS];
};

/* Read statistics/ under a p1 device directory (/sys/class/p1/p1-N). */
int ad_counters_read(const char *devdir, struct ad_counters *c);
/* now - then, per counter (a counter that went backwards gives 0). */
void ad_counters_delta(const struct ad_counters *now,
		       const struct ad_counters *then, struct ad_counters *d);

/* Time limits, from the longest telegram interval expected (DSMR 2.2/3.0/4
 * send every 10 s, DSMR 5 and eMUCs every second). */
struct ad_limits {
	uint64_t silent_ms;    /* no byte at all this long: silent line */
	uint64_t candidate_ms; /* bytes but no telegram this long: wrong */
	uint64_t junk_bytes;   /* ... or this many bytes without one */
	uint64_t junk_errors;  /* ... or this many parity/frame errors */
};
void ad_limits_for_interval(struct ad_limits *l, unsigned int interval_s);

enum ad_judgement {
	AD_WAIT,   /* not enough seen yet */
	AD_GOOD,   /* telegrams arrive clean: settle */
	AD_WRONG,  /* bytes, but no clean telegram: try the next */
	AD_SILENT, /* not one byte */
};
/*
 * bursts: how many bursts of bytes both began and ended (with an idle gap
 * of AD_GAP_MS either side) since the candidate was applied.  A meter sends
 * a telegram as one burst per interval, so at the right settings a whole
 * burst always makes a telegram; one that does not rejects the candidate
 * after a single interval, without waiting for candidate_ms.
 */
#define AD_GAP_MS 400
enum ad_judgement autodetect_judge(const struct ad_counters *delta,
				   unsigned int bursts, uint64_t elapsed_ms,
				   const struct ad_limits *l);

#define AD_N_CANDIDATES 3
extern const struct p1tty_line ad_candidates[AD_N_CANDIDATES];
/* "DSMR 4/5, eMUCs" for a candidate line. */
const char *ad_line_hint(const struct p1tty_line *line);

enum ad_outcome {
	AD_SETTLED, /* result.line is the line */
	AD_NO_DATA, /* silent at every setting tried */
	AD_ERRORS,  /* bytes at every setting, never a clean telegram */
	AD_HANGUP,  /* the tty hung up (unplugged) */
	AD_STOPPED, /* SIGINT/SIGTERM */
	AD_FAILED,  /* the tty refused every setting, or sysfs unreadable */
};

struct ad_result {
	enum ad_outcome outcome;
	struct p1tty_line line;	 /* settled (or last tried) line */
	uint64_t elapsed_ms;	 /* whole search */
	struct ad_counters seen; /* at the settled line, or summed over all */
	char why[320];		 /* one line: what was seen and what to check */
};

struct ad_ctx {
	int fd;		    /* tty with n_p1 attached */
	const char *name;   /* for messages: "ttyUSB0" */
	const char *devdir; /* /sys/class/p1/p1-N */
	struct ad_limits limits;
	const sigset_t *wait; /* signals allowed while sleeping */
	bool verbose;	      /* say each candidate's outcome on stderr */
};

/* Try the candidates; leaves the tty at the settled line (or, if none, at
 * the first candidate). */
void autodetect_run(const struct ad_ctx *c, struct ad_result *r);

/* sd_notify(3) protocol (notify.c): a datagram to $NOTIFY_SOCKET; no-op
 * without one.  Returns 0, or a negative errno value. */
int p1ctl_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* attach_auto.c: hold the tty with the line detected, re-detecting when it
 * goes bad.  Returns a P1CTL_EXIT_* status. */
int attach_auto_hold(int fd, const char *name, int ldisc, uint32_t index,
		     unsigned int interval_s, const sigset_t *wait);

/* Commands (cmd_probe.c, cmd_udev_rule.c). */
int cmd_probe(int argc, char **argv);
int cmd_udev_rule(int argc, char **argv);

/* cmd_udev_rule.c: the rule for the tty called name ("ttyUSB0") under a
 * sysfs root ("/sys"; tests pass a fake tree).  0, or a negative errno
 * value with a message in err. */
int udev_rule_for(const char *sysfs, const char *name, char *rule, size_t size,
		  char *err, size_t errsize);

#endif /* P1CTL_AUTODETECT_H */
