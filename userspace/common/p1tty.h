/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p1tty.h - the tty side of attaching n_p1: find the discipline's number
 * by name, open the tty, put it in raw mode at the meter's line settings,
 * and switch the discipline.
 *
 * Line settings are a value (struct p1tty_line) that can be applied again
 * while the discipline is attached (n_p1 passes termios ioctls through and
 * restarts its framer on a change), so a caller can try several settings.
 *
 * Functions return 0 (or a non-negative result) or a negative errno value.
 */
#ifndef P1_COMMON_P1TTY_H
#define P1_COMMON_P1TTY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <termios.h>

#define P1TTY_LDISCS_PATH "/proc/tty/ldiscs"
#define P1TTY_SYSFS_CLASS "/sys/class/p1"

enum p1tty_framing {
	P1TTY_8N1, /* DSMR 4/5, eMUCs */
	P1TTY_7E1, /* DSMR 2.2/3.0 (and some 4.x meters) */
};

struct p1tty_line {
	unsigned int baud; /* 115200 or 9600 */
	enum p1tty_framing framing;
};

#define P1TTY_LINE_DEFAULT ((struct p1tty_line){115200, P1TTY_8N1})

/* "115200" / "9600"; anything else is -EINVAL. */
int p1tty_parse_baud(const char *s, unsigned int *baud);
/* "8N1" / "7E1", either case; anything else is -EINVAL. */
int p1tty_parse_framing(const char *s, enum p1tty_framing *framing);
const char *p1tty_framing_name(enum p1tty_framing framing);

/*
 * Turn *t into raw mode at the line settings: no echo, no signals, no
 * translation, receiver on, modem lines ignored (CLOCAL), no flow
 * control, 1 stop bit, VMIN 1.  8N1 is CS8; 7E1 is CS7|PARENB (even).
 * INPCK is on so the driver flags parity (and framing) errors to the
 * discipline; IGNPAR, PARMRK and ISTRIP are off so flagged bytes reach it
 * unaltered (n_p1 masks bit 7 itself in CS7 mode).  -EINVAL for an
 * unsupported baud rate.
 */
int p1tty_termios(struct termios *t, const struct p1tty_line *line);

/* tcgetattr + p1tty_termios + tcsetattr, then read back: -EINVAL if the
 * driver did not take the settings (e.g. no 7-bit mode). */
int p1tty_apply(int fd, const struct p1tty_line *line);

/*
 * Number of the line discipline called name in a /proc/tty/ldiscs-format
 * stream ("<name> <number>" per line): >= 0, or -ENOENT if not listed.
 * Malformed and overlong lines are skipped.
 */
int p1tty_ldisc_lookup(FILE *f, const char *name);
/* The same from a file (P1TTY_LDISCS_PATH); -ENOENT also if it is absent. */
int p1tty_ldisc_find(const char *path, const char *name);

/* "ttyUSB0" -> "/dev/ttyUSB0"; an argument with a '/' is taken as is.
 * -ENAMETOOLONG if it does not fit, -EINVAL if empty. */
int p1tty_resolve(const char *arg, char *path, size_t size);

/* Open a tty for attaching (read-write, non-blocking, not as controlling
 * terminal); -ENOTTY if it is not a tty.  Returns the fd. */
int p1tty_open(const char *path);

/* TIOCGETD / TIOCSETD */
int p1tty_get_ldisc(int fd);
int p1tty_set_ldisc(int fd, int ldisc);

/*
 * The N of /dev/p1-N that n_p1 created for this tty: P1_TIOC_DEVINDEX,
 * or, if the module lacks it, the p1-N under sysclass whose "tty"
 * attribute names the tty at path.
 */
int p1tty_devindex(int fd, const char *path, const char *sysclass,
		   uint32_t *index);
/* The sysfs scan alone (for tests): ttyname as the kernel names it. */
int p1tty_devindex_sysfs(const char *sysclass, const char *ttyname,
			 uint32_t *index);
/* The kernel's name for the tty at path: "ttyUSB0", "pts/3" -> "pts3". */
int p1tty_kernel_name(const char *path, char *name, size_t size);

#endif /* P1_COMMON_P1TTY_H */
