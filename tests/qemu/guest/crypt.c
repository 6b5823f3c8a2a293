// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypt.c - "p1test crypt": encrypted meters through n_p1 on a real kernel.
 * A pty streams DLMS frames (dlms_vec.h, made with python3-cryptography):
 *  - without a key: nothing delivered, counted encrypted_no_key, key_needed
 *    is 1, a P1_RF_ALL reader gets the raw frames (status encrypted);
 *  - the key written to sysfs (and never readable back): two readers get
 *    every telegram byte-exact, flagged P1_META_ENCRYPTED with the frame
 *    counter (100 + i) and system title of its frame; P1_IOC_GET_META_V1
 *    (binaries built before the meta had them) still answers, the same
 *    first 56 bytes; a replayed and a forged frame are counted, not
 *    delivered; frames split anywhere;
 *  - every counter exact.
 * Expects n_p1 loaded and gcm(aes) available (the init loads gcm and
 * ghash-generic).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/p1.h>

#include "dlms_vec.h"
#include "p1test.h"

#define NOKEY	 3   /* frames sent before the key is set */
#define COUNTER0 100 /* frame counter of dlms_vec[0] (dlms_vec.py) */

static const uint8_t title[8] = {'S', 'A', 'G', 0x10, 0x05, 0x0b, 0x87, 0x21};

/* @m came in frame dlms_vec[@i]: flagged, with its counter and title. */
static bool meta_of_frame(const struct p1_telegram_meta *m, int i)
{
	return (m->flags & P1_META_ENCRYPTED) &&
	       m->frame_counter == (uint32_t)(COUNTER0 + i) &&
	       !memcmp(m->system_title, title, sizeof(title));
}

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

static bool write_attr(const char *name, const char *val)
{
	char p[160];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", sysdir, name);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val);
}

/* Write @n bytes into the pty master in chunks of 1..@maxchunk. */
static bool send(int master, const char *p, size_t n, unsigned int *rnd,
		 size_t maxchunk)
{
	size_t k;

	while (n) {
		*rnd = *rnd * 1103515245u + 12345u;
		k = 1 + (*rnd >> 8) % maxchunk;
		if (k > n)
			k = n;
		if (write(master, p, k) != (ssize_t)k)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* Read the next telegram (waiting up to 5 s); its length or -1. */
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
 * A binary built against the version-1 header: its ioctl number, its
 * 56 bytes, the same as the first 56 of @m; nothing written beyond.
 */
static bool meta_v1_same(int fd, const struct p1_telegram_meta *m)
{
	unsigned char old[P1_TELEGRAM_META_SIZE_V1 + 8];

	memset(old, 0xa5, sizeof(old));
	return ioctl(fd, P1_IOC_GET_META_V1, old) == 0 &&
	       !memcmp(old, m, P1_TELEGRAM_META_SIZE_V1) &&
	       old[P1_TELEGRAM_META_SIZE_V1] == 0xa5 &&
	       old[sizeof(old) - 1] == 0xa5;
}

/* Give the flip buffer work time to hand everything to the ldisc. */
static void settle(uint64_t want_encrypted)
{
	for (int i = 0; i < 500 && stat_of("encrypted") < want_encrypted; i++)
		t_sleep_ms(10);
}

int cmd_crypt(int argc, char **argv)
{
	static char buf[8192], forged[512];
	struct p1_telegram_meta m;
	int master, slave, index, r[3], i, ok;
	unsigned int rnd = 0x5eed;
	uint32_t last_counter = 0;
	char slave_path[64], dev[32], tmp[64];
	ssize_t n;
	uint64_t t;

	(void)argc;
	(void)argv;
	if (!check(!pty_open(&master, &slave, slave_path, sizeof(slave_path)),
		   "pty"))
		return 1;
	index = attach_ioctl(slave);
	if (!check(index >= 0, "attach n_p1 to %s", slave_path))
		return 1;
	snprintf(sysdir, sizeof(sysdir), "/sys/class/p1/p1-%d", index);
	snprintf(dev, sizeof(dev), "/dev/p1-%d", index);
	for (i = 0; i < 3; i++)
		r[i] = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!check(r[0] >= 0 && r[1] >= 0 && r[2] >= 0, "open %s 3 times", dev))
		return 1;
	{
		__u32 all = P1_RF_ALL;

		check(!ioctl(r[2], P1_IOC_SET_FLAGS, &all), "P1_RF_ALL");
	}

	/* No key: counted, not delivered, raw for P1_RF_ALL only. */
	for (i = 0; i < NOKEY; i++)
		send(master, dlms_vec[i].frame, dlms_vec[i].frame_len, &rnd,
		     64);
	settle(NOKEY);
	check(stat_of("encrypted") == NOKEY &&
		      stat_of("encrypted_no_key") == NOKEY &&
		      stat_of("telegrams") == 0,
	      "no key: %d frames counted encrypted_no_key, none delivered",
	      NOKEY);
	{
		char p[160];

		snprintf(p, sizeof(p), "%s/key_needed", sysdir);
		check(sysfs_read(p, tmp, sizeof(tmp)) >= 0 && !strcmp(tmp, "1"),
		      "key_needed = 1 (%s)", tmp);
	}
	check(read(r[0], buf, sizeof(buf)) < 0 && errno == EAGAIN,
	      "an ordinary reader gets nothing");
	for (i = 0, ok = 1; i < NOKEY; i++) {
		n = next(r[2], buf, sizeof(buf), &m);
		ok &= n == (ssize_t)dlms_vec[i].frame_len &&
		      !memcmp(buf, dlms_vec[i].frame, (size_t)n) &&
		      m.status == P1_STATUS_ENCRYPTED && meta_of_frame(&m, i);
	}
	check(ok,
	      "a P1_RF_ALL reader gets the %d raw frames, counters %d..%d and "
	      "the title in the meta",
	      NOKEY, COUNTER0, COUNTER0 + NOKEY - 1);

	/* The key through sysfs; never readable back. */
	if (!write_attr("key", DLMS_VEC_KEY "\n") && errno == ENOENT) {
		/* gcm(aes) is neither built in nor in the image's modules:
		 * real systems load it on demand (modprobe), this guest
		 * cannot */
		t_log("gcm(aes) not available in this guest: decryption "
		      "checks skipped");
		goto out;
	}
	check(true, "write the key to sysfs");
	{
		char p[160];
		int fd;

		snprintf(p, sizeof(p), "%s/key", sysdir);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, tmp, sizeof(tmp)) : -1;
		if (fd >= 0)
			close(fd);
		check(n <= 0, "the key cannot be read back");
		check(!write_attr("key", "0011\n"), "a short key is refused");
		snprintf(p, sizeof(p), "%s/key_needed", sysdir);
		check(sysfs_read(p, tmp, sizeof(tmp)) >= 0 && !strcmp(tmp, "0"),
		      "key_needed = 0 (%s)", tmp);
	}

	/* The rest, one replay and one forgery among them, split anywhere. */
	memcpy(forged, dlms_vec[DLMS_VEC_N - 1].frame,
	       dlms_vec[DLMS_VEC_N - 1].frame_len);
	forged[40] ^= 0x10;
	for (i = NOKEY; i < DLMS_VEC_N; i++) {
		send(master, dlms_vec[i].frame, dlms_vec[i].frame_len, &rnd,
		     i % 2 ? 7 : 4096);
		if (i == 10) /* a replay of frame 10 */
			send(master, dlms_vec[i].frame, dlms_vec[i].frame_len,
			     &rnd, 4096);
		if (i == 15) /* a forgery */
			send(master, forged, dlms_vec[DLMS_VEC_N - 1].frame_len,
			     &rnd, 4096);
	}
	settle(DLMS_VEC_N + 2);
	for (int k = 0; k < 2; k++) {
		int bad_counter = -1;

		for (i = NOKEY, ok = 1; i < DLMS_VEC_N; i++) {
			n = next(r[k], buf, sizeof(buf), &m);
			ok &= n == (ssize_t)dlms_vec[i].plain_len &&
			      !memcmp(buf, dlms_vec[i].plain, (size_t)n) &&
			      m.status == P1_STATUS_OK &&
			      (m.flags & P1_META_HAS_CRC);
			if (!meta_of_frame(&m, i) && bad_counter < 0)
				bad_counter = i;
			if (k == 0 && i == DLMS_VEC_N - 1)
				last_counter = m.frame_counter;
			if (k == 0 && i == DLMS_VEC_N - 1)
				check(meta_v1_same(r[k], &m),
				      "P1_IOC_GET_META_V1 (0x%lx): the first "
				      "%d "
				      "bytes of the same meta",
				      (unsigned long)P1_IOC_GET_META_V1,
				      P1_TELEGRAM_META_SIZE_V1);
		}
		check(ok, "reader %d: %d telegrams decrypted, byte-exact",
		      k + 1, DLMS_VEC_N - NOKEY);
		check(bad_counter < 0,
		      "reader %d: frame counters %d..%d and the system title "
		      "exact in the meta (first wrong: vector %d)",
		      k + 1, COUNTER0 + NOKEY, COUNTER0 + DLMS_VEC_N - 1,
		      bad_counter);
		check(read(r[k], buf, sizeof(buf)) < 0 && errno == EAGAIN,
		      "reader %d: nothing more (no replay, no forgery)", k + 1);
	}
	t = stat_of("telegrams");
	check(t == DLMS_VEC_N - NOKEY, "telegrams = %llu",
	      (unsigned long long)t);
	check(stat_of("encrypted") == DLMS_VEC_N + 2, "encrypted = %llu",
	      (unsigned long long)stat_of("encrypted"));
	check(stat_of("encrypted_decrypted") == DLMS_VEC_N - NOKEY,
	      "encrypted_decrypted = %llu",
	      (unsigned long long)stat_of("encrypted_decrypted"));
	check(stat_of("encrypted_no_key") == NOKEY &&
		      stat_of("encrypted_replays") == 1 &&
		      stat_of("encrypted_auth_failed") == 1,
	      "encrypted_no_key %llu, replays %llu, auth_failed %llu",
	      (unsigned long long)stat_of("encrypted_no_key"),
	      (unsigned long long)stat_of("encrypted_replays"),
	      (unsigned long long)stat_of("encrypted_auth_failed"));
	check(stat_of("garbage_bytes") == 0 && stat_of("crc_errors") == 0 &&
		      stat_of("truncated") == 0,
	      "no garbage, CRC errors or truncation");
	t_fig("crypt_telegrams=%llu", (unsigned long long)t);
	t_fig("crypt_encrypted=%llu", (unsigned long long)stat_of("encrypted"));
	t_fig("crypt_decrypted=%llu",
	      (unsigned long long)stat_of("encrypted_decrypted"));
	t_fig("crypt_no_key=%llu",
	      (unsigned long long)stat_of("encrypted_no_key"));
	t_fig("crypt_replays=%llu",
	      (unsigned long long)stat_of("encrypted_replays"));
	t_fig("crypt_last_frame_counter=%u", (unsigned)last_counter);
	t_fig("crypt_auth_failed=%llu",
	      (unsigned long long)stat_of("encrypted_auth_failed"));

	check(write_attr("key", "\n"), "an empty write clears the key");
out:
	for (i = 0; i < 3; i++)
		close(r[i]);
	detach_ioctl(slave);
	close(slave);
	close(master);
	return t_failures ? 1 : 0;
}
