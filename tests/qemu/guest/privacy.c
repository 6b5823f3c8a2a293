// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * privacy.c - "p1test privacy": a local user who is neither root nor in
 * group p1 and has no capabilities learns nothing of a meter's telegrams or
 * its equipment id from n_p1, while telegrams flow (issue 12).
 *
 * Root attaches n_p1 to a pty and feeds telegrams that name the meter
 * (equipment id PRIVACY-METER-4711, hex-encoded as DSMR 4+ does) and carry
 * an escape sequence in their identification line.  A child drops to uid
 * and gid 1000 with no supplementary groups and, while the telegrams
 * flow, checks that:
 *  - /dev/p1-N cannot be opened (EACCES);
 *  - sysfs: equipment_id is unreadable, last_telegram does not exist, and
 *    no attribute it can read (uevent and statistics/ included) holds the
 *    id or telegram contents; ident is printable ASCII;
 *  - netlink: it may join "events" and gets the ATTACHED/DETACHED of a
 *    second device (so it really listens), may not join "telegrams"
 *    (EPERM), receives no P1_CMD_TELEGRAM and nothing holding the id or
 *    telegram contents, and a device dump holds neither;
 *  - uevents (NETLINK_KOBJECT_UEVENT): it gets the p1 devices' uevents,
 *    none naming the id.
 * Root's own checks show the same probes do see the data where it is
 * allowed (so they can fail): root's "telegrams" socket gets the bytes and
 * root reads equipment_id.
 *
 *   p1test privacy          (n_p1 loaded; run as root)
 *   p1test runas UID GID[,GID...] CMD [ARG...]
 *                           exec CMD as UID, primary group GID, with the
 *                           listed groups as supplementary groups
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/p1.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "genl.h"
#include "p1test.h"
#include "tgen.h"

#define USER_ID	 1000
#define METER_ID "PRIVACY-METER-4711"
/* A reading only telegrams carry: its presence means contents leaked. */
#define READING "1-0:1.8.1(004711.042*kWh)"
#define NTG	6

static char meter_hex[2 * sizeof(METER_ID)];

/* One telegram naming the meter; its identification line has an ESC. */
static size_t make_tg(char *buf, size_t size, unsigned int i)
{
	int n = snprintf(buf, size,
			 "/ISK5\\2M550T\x1b[31m-1012\r\n\r\n"
			 "1-3:0.2.8(50)\r\n0-0:96.1.1(%s)\r\n" READING "\r\n"
			 "0-0:96.14.0(%04u)\r\n!",
			 meter_hex, i);

	n += snprintf(buf + n, size - (size_t)n, "%04X\r\n",
		      tg_crc16((const uint8_t *)buf, (size_t)n));
	return (size_t)n;
}

/* Does @buf hold the id (either form) or telegram contents? */
static bool leaks(const void *buf, size_t len)
{
	return memmem(buf, len, METER_ID, strlen(METER_ID)) ||
	       memmem(buf, len, meter_hex, strlen(meter_hex)) ||
	       memmem(buf, len, READING, strlen(READING));
}

/* ---- generic netlink (genl.c) ---- */

/* A dump of the devices: false if it fails or leaks. */
static bool genl_dump_clean(struct genl *g, int *ndev)
{
	static char buf[65536];
	struct nlmsghdr *nlh;
	bool clean = true;
	ssize_t n;

	*ndev = 0;
	if (nl_send(g->fd, (uint16_t)g->family, NLM_F_DUMP, P1_CMD_GET_DEVICE,
		    0, NULL, 0))
		return false;
	for (;;) {
		n = recv(g->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return false;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_DONE)
				return clean;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return false;
			if (nlh->nlmsg_type == g->family)
				(*ndev)++;
			if (leaks(nlh, nlh->nlmsg_len))
				clean = false;
		}
	}
}

/* ---- sysfs ---- */

/* Every file of @dir the caller can read: false if one leaks. */
static bool sysfs_clean(const char *dir, char *which, size_t size)
{
	static char buf[65536];
	char path[512];
	struct dirent *de;
	bool clean = true;
	DIR *d = opendir(dir);
	struct stat st;
	ssize_t n;
	int fd;

	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* Links lead out of the device (subsystem, tty_device). */
		if (lstat(path, &st) || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode)) {
			clean &= sysfs_clean(path, which, size);
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n > 0 && leaks(buf, (size_t)n)) {
			snprintf(which, size, "%s", path);
			clean = false;
		}
	}
	closedir(d);
	return clean;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* ---- the unprivileged side ---- */

struct watch {
	int attached, detached, telegrams, leaked;
	int uevents, uevents_leaked;
};

static void watch_genl(int fd, struct watch *w)
{
	static char buf[65536];
	struct nlmsghdr *nlh;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			struct genlmsghdr *gh = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				continue;
			w->attached += gh->cmd == P1_CMD_ATTACHED;
			w->detached += gh->cmd == P1_CMD_DETACHED;
			w->telegrams += gh->cmd == P1_CMD_TELEGRAM;
			w->leaked += leaks(nlh, nlh->nlmsg_len);
		}
	}
}

static void watch_uevents(int fd, struct watch *w)
{
	static char buf[16384];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		if (!memmem(buf, (size_t)n, "SUBSYSTEM=p1", 12))
			continue;
		w->uevents++;
		if (leaks(buf, (size_t)n) ||
		    memmem(buf, (size_t)n, "EQUIPMENT", 9))
			w->uevents_leaked++;
	}
}

/* The child: returns its exit status (0: every check passed). */
static int unprivileged(int index, int ready_fd, int done_fd)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	char path[128], which[512] = "", buf[256];
	struct pollfd pfd[3];
	struct watch w = {0};
	struct genl g;
	bool done = false, clean;
	int ufd, fd, ndev = 0, ret, err;

	if (setgroups(0, NULL) || setgid(USER_ID) || setuid(USER_ID)) {
		check(false, "drop to uid %d: %s", USER_ID, strerror(errno));
		return 1;
	}
	check(getuid() == USER_ID && geteuid() == USER_ID &&
		      getgroups(0, NULL) == 0,
	      "now uid %d, no supplementary groups", USER_ID);

	check(genl_open(&g) == 0, "unprivileged: resolves the p1 family");
	check(g.grp_events >= 0 && g.grp_telegrams >= 0,
	      "groups: events %d, telegrams %d", g.grp_events, g.grp_telegrams);
	check(genl_join(&g, g.grp_events) == 0,
	      "unprivileged: may join \"events\"");
	errno = 0;
	ret = genl_join(&g, g.grp_telegrams);
	err = errno;
	check(ret < 0 && err == EPERM,
	      "unprivileged: may not join \"telegrams\" (%s)",
	      ret < 0 ? strerror(err) : "joined!");
	ufd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
		     NETLINK_KOBJECT_UEVENT);
	check(ufd >= 0 && bind(ufd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	      "unprivileged: listens to uevents");
	if (write(ready_fd, "r", 1) != 1)
		return 1;

	/* While the telegrams flow. */
	pfd[0] = (struct pollfd){.fd = g.fd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = ufd, .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = done_fd, .events = POLLIN};
	while (!done) {
		if (poll(pfd, 3, 20000) <= 0)
			break;
		watch_genl(g.fd, &w);
		watch_uevents(ufd, &w);
		done = pfd[2].revents != 0;
	}
	t_sleep_ms(300);
	watch_genl(g.fd, &w);
	watch_uevents(ufd, &w);

	snprintf(path, sizeof(path), "/dev/p1-%d", index);
	errno = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	check(fd < 0 && errno == EACCES, "unprivileged: open %s: %s", path,
	      fd < 0 ? strerror(errno) : "opened!");
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/equipment_id", index);
	errno = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	check(fd < 0 && errno == EACCES, "unprivileged: equipment_id: %s",
	      fd < 0 ? strerror(errno) : "readable!");
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/last_telegram",
		 index);
	check(access(path, F_OK) < 0 && errno == ENOENT,
	      "sysfs has no last_telegram");
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d", index);
	check(sysfs_clean(path, which, sizeof(which)),
	      "unprivileged: no readable sysfs file of p1-%d holds the id or "
	      "telegram contents %s",
	      index, which);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/ident", index);
	check(sysfs_read(path, buf, sizeof(buf)) == 0 && printable(buf) &&
		      !strcmp(buf, "ISK5\\2M550T?[31m-1012"),
	      "ident is printable ASCII: '%s'", buf);
	clean = genl_dump_clean(&g, &ndev);
	check(clean && ndev >= 1,
	      "unprivileged: a device dump (%d devices) holds neither", ndev);

	check(w.attached >= 1 && w.detached >= 1,
	      "unprivileged: got device events (%d attached, %d detached)",
	      w.attached, w.detached);
	check(w.telegrams == 0, "unprivileged: no telegram events (%d)",
	      w.telegrams);
	check(w.leaked == 0,
	      "unprivileged: no netlink message holds the id "
	      "or telegram contents (%d did)",
	      w.leaked);
	check(w.uevents >= 2 && w.uevents_leaked == 0,
	      "unprivileged: %d p1 uevents, none naming the meter (%d did)",
	      w.uevents, w.uevents_leaked);
	return t_failures ? 1 : 0;
}

/* ---- root ---- */

static int feed(int master, unsigned int from, unsigned int n)
{
	char tg[512];
	unsigned int i;
	size_t len;

	for (i = from; i < from + n; i++) {
		len = make_tg(tg, sizeof(tg), i);
		if (write(master, tg, len) != (ssize_t)len)
			return -1;
		t_sleep_ms(100);
	}
	return 0;
}

int cmd_privacy(int argc, char **argv)
{
	int m1, s1, m2, s2, idx1, idx2, ready[2], done[2], status, ndev = 0;
	char path[128], tty1[64], tty2[64], eid[128];
	struct watch root = {0};
	struct genl g;
	pid_t pid;
	size_t i;
	char c;

	(void)argc;
	(void)argv;
	for (i = 0; i < strlen(METER_ID); i++)
		sprintf(meter_hex + 2 * i, "%02X", METER_ID[i]);

	if (!check(pty_open(&m1, &s1, tty1, sizeof(tty1)) == 0 &&
			   pty_open(&m2, &s2, tty2, sizeof(tty2)) == 0,
		   "two ptys"))
		return 1;
	idx1 = attach_ioctl(s1);
	if (!check(idx1 >= 0, "n_p1 attached to %s as p1-%d", tty1, idx1))
		return 1;
	check(genl_open(&g) == 0 && genl_join(&g, g.grp_telegrams) == 0,
	      "root may join \"telegrams\"");
	if (pipe(ready) || pipe(done))
		return 1;

	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		close(m1);
		close(s1);
		close(m2);
		close(s2);
		close(g.fd);
		_exit(unprivileged(idx1, ready[1], done[0]));
	}
	close(ready[1]);
	close(done[0]);
	if (read(ready[0], &c, 1) != 1) {
		check(false, "the unprivileged child is ready");
		waitpid(pid, &status, 0);
		return 1;
	}
	/* Telegrams flow; a second device comes and goes meanwhile. */
	check(feed(m1, 0, NTG / 2) == 0, "%d telegrams to p1-%d", NTG / 2,
	      idx1);
	idx2 = attach_ioctl(s2);
	check(idx2 >= 0 && feed(m2, 100, 2) == 0, "a second device p1-%d",
	      idx2);
	check(feed(m1, NTG / 2, NTG - NTG / 2) == 0, "%d more telegrams",
	      NTG - NTG / 2);
	t_sleep_ms(300);
	check(detach_ioctl(s2) == 0, "the second device detached");
	t_sleep_ms(300);
	if (write(done[1], "d", 1) != 1)
		check(false, "tell the child");
	check(wait_child(pid, 30000) == 0,
	      "the unprivileged user learned nothing");

	/* Root does see what the probes look for: they can fail. */
	watch_genl(g.fd, &root);
	check(root.telegrams >= NTG && root.leaked >= NTG,
	      "root's \"telegrams\" socket got %d telegram events with the "
	      "bytes",
	      root.telegrams);
	snprintf(path, sizeof(path), "/sys/class/p1/p1-%d/equipment_id", idx1);
	check(sysfs_read(path, eid, sizeof(eid)) == 0 && !strcmp(eid, METER_ID),
	      "root reads equipment_id '%s'", eid);
	close(g.fd);
	check(genl_open(&g) == 0 && genl_dump_clean(&g, &ndev),
	      "no dump holds the id, also root's");
	close(g.fd);
	detach_ioctl(s1);
	close(s1);
	close(m1);
	close(s2);
	close(m2);
	return t_failures ? 1 : 0;
}

int cmd_runas(int argc, char **argv)
{
	gid_t groups[16];
	int ngroups = 0;
	char *s, *end;
	uid_t uid;

	if (argc < 4) {
		fprintf(stderr,
			"usage: p1test runas UID GID[,GID...] CMD...\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	for (s = argv[2]; *s && ngroups < 16; s = *end ? end + 1 : end)
		groups[ngroups++] = (gid_t)strtoul(s, &end, 10);
	if (!ngroups || setgroups((size_t)ngroups, groups) ||
	    setgid(groups[0]) || setuid(uid)) {
		perror("p1test runas");
		return 1;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
