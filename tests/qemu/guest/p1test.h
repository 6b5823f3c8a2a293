/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p1test.h - the guest side of the qemu test layer: shared helpers.
 *
 * Output protocol (one line each, on stdout, which the init script points at
 * the second serial port the host reads):
 *   P1T: ok <what>            a check passed
 *   P1T: not ok <what>: why   a check failed (the subcommand then exits 1)
 *   P1T: FIG <key>=<value>    a figure the host collects for the report
 *   P1T: MARK <word>          a step the host acts on (FTDI test)
 */
#ifndef P1TEST_H
#define P1TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define T_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Lines of the protocol above; check() returns @ok. */
void t_log(const char *fmt, ...) T_PRINTF(1, 2);
bool check(bool ok, const char *fmt, ...) T_PRINTF(2, 3);
void t_fig(const char *fmt, ...) T_PRINTF(1, 2);
void t_mark(const char *word);
/* Number of failed checks so far in this process. */
extern int t_failures;

/* Monotonic time in seconds. */
double t_now(void);
void t_sleep_ms(int ms);

/* Read a sysfs attribute: as text (trailing newline cut) or as a number. */
int sysfs_read(const char *path, char *buf, size_t size);
int sysfs_u64(const char *path, uint64_t *v);
/* Wait until @path exists (@exists) or is gone; false on timeout. */
bool wait_path(const char *path, bool exists, int timeout_ms);

/* Wait until process @pid has @path open. */
bool wait_open(pid_t pid, const char *path, int timeout_ms);

/* The number of line discipline @name in /proc/tty/ldiscs, or -1. */
int ldisc_number(const char *name);
/* Open a pty pair, both raw; the slave's path goes to @slave_path. */
int pty_open(int *master, int *slave, char *slave_path, size_t size);
/* Set raw mode at @baud on a tty fd. */
int tty_raw(int fd, unsigned int baud);
/* Attach n_p1 with TIOCSETD; returns the N of /dev/p1-N or -1. */
int attach_ioctl(int tty_fd);
/* Put N_TTY back. */
int detach_ioctl(int tty_fd);

/* Start "p1ctl attach TTY [args]"; wait for the new device.  *index gets N. */
pid_t p1ctl_attach(const char *tty, const char *const extra[], int *index,
		   int timeout_ms);
/* Start a program with stdout and stderr to @out_path (NULL: inherit). */
pid_t spawn_cmd(const char *const argv[], const char *out_path);
/* The same, to completion: its exit status (wait_child). */
int run_cmd(const char *const argv[], const char *out_path, int timeout_ms);
/* Read a whole (small) file, NUL-terminated; its length or -1. */
int read_file(const char *path, char *buf, size_t size);
/* Wait for a child; its exit status, or -1 on timeout (it is then killed). */
int wait_child(pid_t pid, int timeout_ms);
bool have_p1ctl(void);

/* Subcommands. */
int cmd_module(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_ftdi(int argc, char **argv);
int cmd_p1ctl(int argc, char **argv);
int cmd_reader(int argc, char **argv);
int cmd_crypt(int argc, char **argv);
int cmd_crypt_p1ctl(int argc, char **argv);
int cmd_dump_intr(int argc, char **argv);
int cmd_privacy(int argc, char **argv);
int cmd_runas(int argc, char **argv);

#endif /* P1TEST_H */
