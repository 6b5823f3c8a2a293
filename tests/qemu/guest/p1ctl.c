// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p1ctl.c - "p1test p1ctl": the p1ctl tool against the real module.
 * "p1ctl watch" runs throughout and must report the attach, every telegram
 * (with its status) and the detach with final counters; "p1ctl list" shows
 * the device and its counters (text and JSON); "p1ctl read" returns a
 * telegram byte-exact; attach refuses a tty already attached and a non-tty;
 * SIGTERM makes "p1ctl attach" detach and exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/p1.h>

#include "p1test.h"
#include "tgen.h"

#define WATCH_OUT "/tmp/p1ctl-watch.out"
#define CMD_OUT	  "/tmp/p1ctl-cmd.out"
#define READ_OUT  "/tmp/p1ctl-read.out"

static char out[65536];

/* A small telegram with a correct (or, @bad, a wrong) CRC. */
static size_t make_telegram(char *buf, unsigned seq, bool bad)
{
	int n = sprintf(buf,
			"/KFM5KAIFA-METER\r\n\r\n1-3:0.2.8(42)\r\n"
			"0-0:96.13.1(%u)\r\n1-0:1.8.1(%06u.000*kWh)\r\n!",
			seq, seq);
	uint16_t crc = tg_crc16((const uint8_t *)buf, (size_t)n);

	n += sprintf(buf + n, "%04X\r\n", bad ? crc ^ 0x1234 : crc);
	return (size_t)n;
}

static bool send(int master, unsigned seq, bool bad, char *copy)
{
	char buf[256];
	size_t n = make_telegram(buf, seq, bad);

	if (copy)
		memcpy(copy, buf, n + 1);
	return write(master, buf, n) == (ssize_t)n;
}

static bool wait_seq(int index, uint64_t want)
{
	char path[96];
	uint64_t v = 0;
	int i;

	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/last_seq", index);
	for (i = 0; i < 500 && (sysfs_u64(path, &v) || v < want); i++)
		t_sleep_ms(10);
	return v == want;
}

static bool file_has(const char *path, const char *what)
{
	return read_file(path, out, sizeof(out)) >= 0 && strstr(out, what);
}

/* Wait until @path contains @what. */
static bool wait_file_has(const char *path, const char *what, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (file_has(path, what))
			return true;
		t_sleep_ms(10);
	}
	return false;
}

static int count_lines(const char *path, const char *what)
{
	const char *p;
	int n = 0;

	if (read_file(path, out, sizeof(out)) < 0)
		return -1;
	for (p = out; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void check_watch(int index, const char *kname)
{
	static const char *const status[] = {
		"ok", "ok", "crc_error", "ok", "ok", "ok", "ok",
	};
	char want[160];
	int i;

	snprintf(want, sizeof(want), " attached p1-%d tty=%s\n", index, kname);
	check(file_has(WATCH_OUT, want), "watch: attach event (%s)", kname);
	for (i = 0; i < 7; i++) {
		snprintf(want, sizeof(want),
			 " telegram p1-%d seq=%d status=%s len=", index, i + 1,
			 status[i]);
		if (!check(file_has(WATCH_OUT, want),
			   "watch: telegram seq %d "
			   "status %s",
			   i + 1, status[i]))
			t_log("watch output:\n%.2000s", out);
	}
	snprintf(want, sizeof(want), " telegram p1-%d ", index);
	check(count_lines(WATCH_OUT, want) == 7, "watch: exactly 7 telegram "
						 "events");
	snprintf(want, sizeof(want),
		 " detached p1-%d tty=%s telegrams=6 crc_errors=1 ", index,
		 kname);
	check(file_has(WATCH_OUT, want), "watch: detach event with counters");
}

int cmd_p1ctl(int argc, char **argv)
{
	const char *const watch[] = {"/bin/p1ctl", "watch", NULL};
	const char *const extra[] = {"--baud", "115200", NULL};
	char slave[64], kname[64], dev[32], want[160], sent[256];
	const char *list_json[] = {"/bin/p1ctl", "list", "--json", NULL};
	const char *list[] = {"/bin/p1ctl", "list", NULL};
	const char *read_cmd[] = {"/bin/p1ctl", "read", dev,
				  "--count",	"1",	NULL};
	const char *again[] = {"/bin/p1ctl", "attach", slave,
			       "--baud",     "115200", NULL};
	const char *notty[] = {"/bin/p1ctl", "attach", "/dev/null",
			       "--baud",     "115200", NULL};
	pid_t wpid, holder, rpid;
	int master, sfd, index, st, ld = -1;
	unsigned s;

	(void)argc;
	(void)argv;
	if (!have_p1ctl()) {
		t_log("SKIP p1ctl: not in the image");
		return 0;
	}
	wpid = spawn_cmd(watch, WATCH_OUT);
	if (!check(wait_file_has(WATCH_OUT, "watching p1 events", 5000),
		   "p1ctl watch subscribed"))
		return 1;
	if (!check(pty_open(&master, &sfd, slave, sizeof(slave)) == 0,
		   "open a pty"))
		return 1;
	snprintf(kname, sizeof(kname), "pts%s", slave + strlen("/dev/pts/"));
	holder = p1ctl_attach(slave, extra, &index, 10000);
	if (!check(holder > 0, "p1ctl attach %s", slave))
		return 1;
	snprintf(dev, sizeof(dev), "p1-%d", index);

	for (s = 1; s <= 6; s++)
		send(master, s, s == 3, NULL);
	check(wait_seq(index, 6), "6 telegrams in");

	st = run_cmd(list, CMD_OUT, 10000);
	snprintf(want, sizeof(want),
		 "p1-%d tty=%s state=attached crc_mode=auto ", index, kname);
	check(st == 0 && file_has(CMD_OUT, want) &&
		      file_has(CMD_OUT, " telegrams=5 crc_errors=1 "),
	      "p1ctl list: device and counters (exit %d)", st);
	if (t_failures)
		t_log("p1ctl list said:\n%.1000s", out);
	st = run_cmd(list_json, CMD_OUT, 10000);
	snprintf(want, sizeof(want), "\"name\":\"p1-%d\"", index);
	check(st == 0 && file_has(CMD_OUT, want) &&
		      file_has(CMD_OUT, "\"telegrams\":5,"),
	      "p1ctl list --json (exit %d)", st);

	/* read: a new reader gets the next telegram, byte-exact. */
	rpid = spawn_cmd(read_cmd, READ_OUT);
	snprintf(want, sizeof(want), "/dev/%s", dev);
	check(wait_open(rpid, want, 10000), "p1ctl read opened %s", want);
	send(master, 7, false, sent);
	st = wait_child(rpid, 10000);
	check(st == 0 &&
		      read_file(READ_OUT, out, sizeof(out)) ==
			      (int)strlen(sent) &&
		      !strcmp(out, sent),
	      "p1ctl read --count 1: the telegram, byte-exact (exit %d)", st);
	check(wait_seq(index, 7), "7 telegrams in");

	st = run_cmd(again, CMD_OUT, 10000);
	check(st == 1 && file_has(CMD_OUT, "already attached"),
	      "p1ctl attach on an attached tty: exit 1, 'already attached' "
	      "(%d)",
	      st);
	st = run_cmd(notty, CMD_OUT, 10000);
	check(st == 1 && file_has(CMD_OUT, "not a tty"),
	      "p1ctl attach /dev/null: exit 1, 'not a tty' (%d)", st);

	kill(holder, SIGTERM);
	st = wait_child(holder, 10000);
	check(st == 0, "p1ctl attach: SIGTERM -> exit 0 (%d)", st);
	check(ioctl(sfd, TIOCGETD, &ld) == 0 && ld == N_TTY,
	      "tty back to N_TTY (%d)", ld);
	snprintf(want, sizeof(want), "/sys/class/p1/p1-%d", index);
	check(wait_path(want, false, 5000), "device gone after detach");
	check(wait_file_has(WATCH_OUT, " detached ", 5000),
	      "watch saw the detach");
	kill(wpid, SIGTERM);
	st = wait_child(wpid, 10000);
	check(st == 0, "p1ctl watch: SIGTERM -> exit 0 (%d)", st);
	check_watch(index, kname);
	close(sfd);
	close(master);
	return t_failures != 0;
}
