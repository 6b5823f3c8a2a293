// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypt_p1ctl.c - "p1test crypt-p1ctl": an encrypted meter attached the way
 * users do it, "p1ctl attach TTY --key-file FILE" (the real p1ctl; the
 * kernel gets the key through P1_TIOC_SET_KEY), on a pty streaming the
 * DLMS frames of dlms_vec.h:
 *  - "p1ctl list" shows key=set; a reader of /dev/p1-N and "p1ctl read
 *    --meta" get every telegram byte-exact, with the frame counter
 *    (100 + i) and the system title of its frame; counters exact;
 *  - attached again with a wrong key: every frame counted in
 *    encrypted_auth_failed, nothing delivered;
 *  - a key file that holds no key: attach refuses (exit 1), tty back to
 *    N_TTY.
 * Expects n_p1 loaded and gcm(aes) available (see crypt.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/p1.h>

#include "dlms_vec.h"
#include "p1test.h"

#define KEY_FILE   "/tmp/p1-smarty.key"
#define WRONG_FILE "/tmp/p1-wrong.key"
#define JUNK_FILE  "/tmp/p1-junk.key"
#define LIST_OUT   "/tmp/p1ctl-crypt-list.out"
#define READ_OUT   "/tmp/p1ctl-crypt-read.out"
#define ATTACH_OUT "/tmp/p1ctl-crypt-attach.out"
#define COUNTER0   100 /* frame counter of dlms_vec[0] (dlms_vec.py) */
#define WRONG_N	   5   /* frames sent under the wrong key */
#define TITLE_HEX  "53414710050B8721"

static char out[65536];
static char sysdir[64];

static uint64_t stat_of(const char *name)
{
	char p[160];
	uint64_t v = ~0ULL;

	snprintf(p, sizeof(p), "%s/statistics/%s", sysdir, name);
	if (sysfs_u64(p, &v))
		return ~0ULL;
	return v;
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return !close(fd) && ok;
}

/* Write frame dlms_vec[@i] into the pty master in chunks of 1..61. */
static bool send_frame(int master, int i, unsigned int *rnd)
{
	const char *p = dlms_vec[i].frame;
	size_t n = dlms_vec[i].frame_len, k;

	while (n) {
		*rnd = *rnd * 1103515245u + 12345u;
		k = 1 + (*rnd >> 8) % 61;
		if (k > n)
			k = n;
		if (write(master, p, k) != (ssize_t)k)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* "p1ctl list" says p1-@index has its key set (waits: p1ctl sets it
 * right after the device appears). */
static bool wait_key_set(int index)
{
	const char *const list[] = {"/bin/p1ctl", "list", NULL};
	char want[32];

	snprintf(want, sizeof(want), "p1-%d ", index);
	for (int i = 0; i < 100; i++) {
		if (run_cmd(list, LIST_OUT, 10000) == 0 &&
		    read_file(LIST_OUT, out, sizeof(out)) >= 0 &&
		    strstr(out, want) && strstr(out, " key=set"))
			return true;
		t_sleep_ms(50);
	}
	t_log("p1ctl list said:\n%.1000s", out);
	return false;
}

static void settle(uint64_t want_encrypted)
{
	for (int i = 0; i < 500 && stat_of("encrypted") < want_encrypted; i++)
		t_sleep_ms(10);
}

/* The next telegram of @fd (up to 5 s): its length or -1; meta in @m. */
static ssize_t next(int fd, char *buf, size_t size, struct p1_telegram_meta *m)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	n = read(fd, buf, size);
	if (n > 0 && ioctl(fd, P1_IOC_GET_META, m))
		return -1;
	return n;
}

/*
 * "p1ctl read --meta" output: for each frame, one meta line naming its
 * counter and title, then the telegram byte-exact.  The first vector that
 * is not so, or -1.
 */
static int check_read_out(const char *name, int count)
{
	char want[160];
	const char *p = out, *nl;
	int len = read_file(READ_OUT, out, sizeof(out));

	if (len < 0)
		return 0;
	for (int i = 0; i < count; i++) {
		nl = strchr(p, '\n');
		snprintf(want, sizeof(want),
			 " encrypted=yes frame_counter=%d "
			 "system_title=" TITLE_HEX " time=",
			 COUNTER0 + i);
		if (strncmp(p, "# ", 2) || strncmp(p + 2, name, strlen(name)) ||
		    !nl || !memmem(p, (size_t)(nl - p), want, strlen(want)) ||
		    (size_t)(out + len - (nl + 1)) < dlms_vec[i].plain_len ||
		    memcmp(nl + 1, dlms_vec[i].plain, dlms_vec[i].plain_len))
			return i;
		p = nl + 1 + dlms_vec[i].plain_len;
	}
	return -1;
}

/* p1ctl attach @tty --key-file @key; *index gets N; -1 if it failed. */
static pid_t attach_with(const char *tty, const char *key, int *index)
{
	const char *const extra[] = {"--baud", "115200", "--key-file", key,
				     NULL};
	pid_t holder = p1ctl_attach(tty, extra, index, 10000);

	if (holder > 0)
		snprintf(sysdir, sizeof(sysdir), "/sys/class/p1/p1-%d", *index);
	return holder;
}

static bool detach(pid_t holder, int index)
{
	char p[64];

	kill(holder, SIGTERM);
	snprintf(p, sizeof(p), "/sys/class/p1/p1-%d", index);
	return wait_child(holder, 10000) == 0 && wait_path(p, false, 5000);
}

int cmd_crypt_p1ctl(int argc, char **argv)
{
	static char buf[8192];
	struct p1_telegram_meta m;
	char slave[64], dev[32], name[16], key_path[160], tmp[64];
	const char *read_cmd[] = {"/bin/p1ctl", "read", dev, "--meta",
				  "--count",	tmp,	NULL};
	const char *const junk[] = {"/bin/p1ctl", "attach",  slave,
				    "--key-file", JUNK_FILE, NULL};
	unsigned int rnd = 0x5eed;
	int master, sfd, index, rfd, i, ok, bad = -1, st, ld = -1;
	uint32_t last_counter = 0;
	pid_t holder, rpid;
	ssize_t n;

	(void)argc;
	(void)argv;
	if (!have_p1ctl()) {
		t_log("SKIP crypt-p1ctl: no p1ctl in the image");
		return 0;
	}
	if (!check(write_file(KEY_FILE, DLMS_VEC_KEY "\n") &&
			   write_file(WRONG_FILE,
				      "000102030405060708090A0B0C0D0E0F\n") &&
			   write_file(JUNK_FILE, "not a key\n"),
		   "key files (0600)"))
		return 1;
	if (!check(pty_open(&master, &sfd, slave, sizeof(slave)) == 0,
		   "open a pty"))
		return 1;

	/* "p1test crypt" ran before: gcm(aes) is listed if the guest has it. */
	if (read_file("/proc/crypto", out, sizeof(out)) >= 0 &&
	    !strstr(out, "gcm(aes)")) {
		t_log("gcm(aes) not available in this guest: crypt-p1ctl "
		      "checks skipped");
		return 0;
	}

	/* The right key. */
	holder = attach_with(slave, KEY_FILE, &index);
	if (!check(holder > 0, "p1ctl attach %s --key-file %s", slave,
		   KEY_FILE))
		return 1;
	snprintf(dev, sizeof(dev), "p1-%d", index);
	snprintf(name, sizeof(name), "p1-%d", index);
	check(wait_key_set(index), "p1ctl list: p1-%d key=set", index);
	snprintf(key_path, sizeof(key_path), "%s/key_needed", sysdir);
	check(sysfs_read(key_path, tmp, sizeof(tmp)) >= 0 && !strcmp(tmp, "0"),
	      "key_needed = 0");
	/*
	 * p1ctl read first: a child holds the parent's descriptors until it
	 * execs, so one of ours on the device would fool wait_open().
	 */
	snprintf(key_path, sizeof(key_path), "/dev/%s", dev);
	snprintf(tmp, sizeof(tmp), "%d", DLMS_VEC_N);
	rpid = spawn_cmd(read_cmd, READ_OUT);
	check(wait_open(rpid, key_path, 10000), "p1ctl read --meta opened %s",
	      key_path);
	rfd = open(key_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!check(rfd >= 0, "open %s", key_path))
		return 1;

	for (i = 0; i < DLMS_VEC_N; i++)
		send_frame(master, i, &rnd);
	settle(DLMS_VEC_N);
	for (i = 0, ok = 1; i < DLMS_VEC_N; i++) {
		n = next(rfd, buf, sizeof(buf), &m);
		ok &= n == (ssize_t)dlms_vec[i].plain_len &&
		      !memcmp(buf, dlms_vec[i].plain, (size_t)n) &&
		      m.status == P1_STATUS_OK && (m.flags & P1_META_HAS_CRC);
		if (bad < 0 && (!(m.flags & P1_META_ENCRYPTED) ||
				m.frame_counter != (uint32_t)(COUNTER0 + i)))
			bad = i;
		last_counter = m.frame_counter;
	}
	check(ok, "reader: %d telegrams decrypted, byte-exact", DLMS_VEC_N);
	check(bad < 0, "reader: frame counters %d..%d exact (first wrong: %d)",
	      COUNTER0, COUNTER0 + DLMS_VEC_N - 1, bad);
	st = wait_child(rpid, 10000);
	bad = check_read_out(name, DLMS_VEC_N);
	if (!check(st == 0 && bad < 0,
		   "p1ctl read --meta --count %d: exit %d, every telegram "
		   "byte-exact after a meta line with its frame counter and "
		   "system title (first wrong: %d)",
		   DLMS_VEC_N, st, bad))
		t_log("p1ctl read said:\n%.600s", out);
	check(stat_of("telegrams") == DLMS_VEC_N &&
		      stat_of("encrypted") == DLMS_VEC_N &&
		      stat_of("encrypted_decrypted") == DLMS_VEC_N &&
		      stat_of("encrypted_auth_failed") == 0 &&
		      stat_of("encrypted_no_key") == 0 &&
		      stat_of("encrypted_replays") == 0,
	      "counters: telegrams %llu, encrypted %llu, decrypted %llu, "
	      "auth_failed %llu",
	      (unsigned long long)stat_of("telegrams"),
	      (unsigned long long)stat_of("encrypted"),
	      (unsigned long long)stat_of("encrypted_decrypted"),
	      (unsigned long long)stat_of("encrypted_auth_failed"));
	t_fig("crypt_p1ctl_decrypted=%llu",
	      (unsigned long long)stat_of("encrypted_decrypted"));
	t_fig("crypt_p1ctl_last_frame_counter=%u", (unsigned)last_counter);
	close(rfd);
	check(detach(holder, index), "p1ctl attach: SIGTERM -> exit 0, "
				     "device gone");

	/* A wrong key: every frame fails its tag, nothing is delivered. */
	holder = attach_with(slave, WRONG_FILE, &index);
	if (!check(holder > 0, "p1ctl attach --key-file %s", WRONG_FILE))
		return 1;
	check(wait_key_set(index), "p1ctl list: p1-%d key=set (wrong key)",
	      index);
	snprintf(key_path, sizeof(key_path), "/dev/p1-%d", index);
	rfd = open(key_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	check(rfd >= 0, "open %s", key_path);
	for (i = 0; i < WRONG_N; i++)
		send_frame(master, i, &rnd);
	settle(WRONG_N);
	check(stat_of("encrypted") == WRONG_N &&
		      stat_of("encrypted_auth_failed") == WRONG_N &&
		      stat_of("encrypted_decrypted") == 0 &&
		      stat_of("telegrams") == 0,
	      "wrong key: %d frames, encrypted_auth_failed %llu, "
	      "telegrams %llu",
	      WRONG_N, (unsigned long long)stat_of("encrypted_auth_failed"),
	      (unsigned long long)stat_of("telegrams"));
	check(rfd >= 0 && read(rfd, buf, sizeof(buf)) < 0 && errno == EAGAIN,
	      "wrong key: the reader gets nothing");
	t_fig("crypt_p1ctl_wrong_key_auth_failed=%llu",
	      (unsigned long long)stat_of("encrypted_auth_failed"));
	if (rfd >= 0)
		close(rfd);
	check(detach(holder, index), "p1ctl attach (wrong key): SIGTERM -> "
				     "exit 0, device gone");

	/* A key file without a key: refused before anything flows. */
	st = run_cmd(junk, ATTACH_OUT, 10000);
	check(st == 1 && read_file(ATTACH_OUT, out, sizeof(out)) >= 0 &&
		      strstr(out, "not a key"),
	      "p1ctl attach --key-file (no key in it): exit 1, 'not a key' "
	      "(%d)",
	      st);
	check(ioctl(sfd, TIOCGETD, &ld) == 0 && ld == N_TTY,
	      "tty back to N_TTY (%d)", ld);
	unlink(KEY_FILE);
	unlink(WRONG_FILE);
	unlink(JUNK_FILE);
	close(sfd);
	close(master);
	return t_failures != 0;
}
