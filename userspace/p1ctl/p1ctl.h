/* SPDX-License-Identifier: GPL-2.0-or-later */
/* p1ctl.h - p1ctl subcommands, their option parsers and output helpers. */
#ifndef P1CTL_H
#define P1CTL_H

#include <linux/p1.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "p1nl.h"
#include "p1tty.h"

/* Exit status of every command. */
#define P1CTL_EXIT_OK	  0 /* done, or stopped by SIGINT/SIGTERM */
#define P1CTL_EXIT_FAIL	  1 /* an error, told in one line on stderr */
#define P1CTL_EXIT_USAGE  2 /* bad command line */
#define P1CTL_EXIT_HANGUP 3 /* attach: the tty hung up under us */

/* p1ctl decode [--json] [FILE|-]: decode a byte stream of telegrams. */
int cmd_decode(int argc, char **argv);

/* Each command gets argv[0] = its own name. */
int cmd_list(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_read(int argc, char **argv);

/* What an option parser concluded. */
enum p1ctl_parsed {
	P1CTL_RUN,   /* options are valid: run the command */
	P1CTL_HELP,  /* --help was printed: exit 0 */
	P1CTL_USAGE, /* an error was printed: exit P1CTL_EXIT_USAGE */
};

/* The exit status a parse result asks for, or -1 to run the command. */
static inline int p1ctl_parsed_exit(enum p1ctl_parsed r)
{
	if (r == P1CTL_RUN)
		return -1;
	return r == P1CTL_HELP ? P1CTL_EXIT_OK : P1CTL_EXIT_USAGE;
}

struct list_opts {
	bool json;
};
enum p1ctl_parsed list_parse(int argc, char **argv, struct list_opts *o);
/* One device: two lines of text, or one line of JSON. */
void list_print_text(FILE *f, const struct p1nl_dev *dev);
void list_print_json(FILE *f, const struct p1nl_dev *dev);

struct watch_opts {
	bool telegrams;
};
enum p1ctl_parsed watch_parse(int argc, char **argv, struct watch_opts *o);
/* One event; now_ns (CLOCK_REALTIME) stamps events without a time. */
void watch_print_event(FILE *f, const struct p1nl_event *ev,
		       const struct watch_opts *o, uint64_t now_ns);

struct attach_opts {
	const char *tty;
	struct p1tty_line line;
	int ready_fd;		   /* reserved for readiness notification; -1 */
	bool auto_line;		   /* detect the line (no --baud/--mode) */
	unsigned long interval_s;  /* --interval: for detection, default 10 */
	const char *key_file;	   /* --key-file: encrypted meters */
	const char *auth_key_file; /* --auth-key-file */
};
enum p1ctl_parsed attach_parse(int argc, char **argv, struct attach_opts *o);

#define P1CTL_PATH_MAX 4096

struct read_opts {
	char path[P1CTL_PATH_MAX]; /* /dev/p1-N */
	const char *name;	   /* for messages: "p1-N" */
	unsigned long count;	   /* 0: no limit */
	bool meta;
	bool all;
};
enum p1ctl_parsed read_parse(int argc, char **argv, struct read_opts *o);
/* "p1-3", "/dev/p1-3" or "3" -> "/dev/p1-3"; another path with a '/' is
 * taken as it is.  -EINVAL for anything else. */
int read_device_path(const char *arg, char *path, size_t size);
void read_print_meta(FILE *f, const char *name,
		     const struct p1_telegram_meta *m);

/* util.c */
void p1ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Strict unsigned decimal: digits only, no sign, no overflow. */
int p1ctl_parse_ulong(const char *s, unsigned long *v);
/* Report an unknown option or a missing argument after getopt's '?'/':'. */
enum p1ctl_parsed p1ctl_bad_option(const char *cmd, char **argv, int optind_,
				   int optopt_);
/* SIGINT/SIGTERM set p1ctl_stop.  They are blocked on return; pass *wait
 * to ppoll() so they are only delivered while it sleeps. */
extern volatile sig_atomic_t p1ctl_stop;
int p1ctl_signals(sigset_t *wait);
uint64_t p1ctl_now_ns(void);
/* The one-line message for a p1nl failure (family missing: module not
 * loaded). */
void p1ctl_nl_err(const struct p1nl *nl, int ret);

/* At most one message per interval; counts what it suppressed. */
struct p1ctl_ratelimit {
	uint64_t last_ns;
	unsigned long suppressed;
};
bool p1ctl_ratelimit(struct p1ctl_ratelimit *rl, uint64_t interval_ns);

/* out.c: text output.  All of it bounded and safe for a terminal. */
/* Printable ASCII as is, any other byte as \xHH. */
void out_text(FILE *f, const char *s);
/* A JSON string with quotes; bytes >= 0x80 as \u00HH (Latin-1). */
void out_json_string(FILE *f, const char *s);
/* 2026-01-31T12:34:56.123456Z */
void out_time(FILE *f, uint64_t realtime_ns);
/* Telegram bytes as received; with escape (for a terminal), bytes other
 * than printable ASCII, CR, LF and TAB as \xHH.  Ends with a newline. */
void out_telegram(FILE *f, const uint8_t *data, size_t len, bool escape);

#endif /* P1CTL_H */
