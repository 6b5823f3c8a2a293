// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_udev_rule.c - p1ctl udev-rule TTY: print the udev line that marks a
 * plugged-in cable as a P1 cable (for /etc/udev/rules.d/61-p1-cables.rules;
 * 62-p1.rules then attaches n_p1 to it).  The cable is named by its USB
 * serial number when it has a usable one, else by the USB port it is in
 * (with its vendor:product, never by those alone).  Read from sysfs only.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autodetect.h"
#include "p1ctl.h"

/* First line of a small sysfs attribute, trailing blanks cut; -ENOENT. */
static int read_attr(const char *dir, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, attr) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return 0;
}

/* Safe inside a udev match string: no quotes, escapes or glob chars. */
static bool plain(const char *s, size_t min)
{
	size_t n = strlen(s);

	if (n < min)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= 'a' && *s <= 'z') || *s == '.' || *s == '_' ||
		      *s == '-' || *s == ':'))
			return false;
	return true;
}

/* A serial that names one cable: not empty, not a placeholder such as
 * CP210x's "0001", not one repeated character. */
static bool usable_serial(const char *s)
{
	static const char *const placeholders[] = {
		"0001", "0000", "0123456789", "0123456789ABCDEF", "1234567890",
	};
	size_t i;

	if (!plain(s, 4))
		return false;
	for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (!strcmp(s, placeholders[i]))
			return false;
	for (i = 1; s[i]; i++)
		if (s[i] != s[0])
			return true;
	return false;
}

/* Printable ASCII, for the comment line. */
static void tidy(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

int udev_rule_for(const char *sysfs, const char *name, char *rule, size_t size,
		  char *err, size_t errsize)
{
	char link[PATH_MAX], dev[PATH_MAX], root[PATH_MAX];
	char vid[16], pid[16], serial[128], maker[128] = "", product[128] = "";
	char *slash;
	size_t rootlen;
	struct stat st;
	int n;

	if (!plain(name, 1) || strchr(name, ':')) {
		snprintf(err, errsize, "%s: not a tty name", name);
		return -EINVAL;
	}
	if (!realpath(sysfs, root) ||
	    snprintf(link, sizeof(link), "%s/class/tty/%s", sysfs, name) >=
		    (int)sizeof(link) ||
	    !realpath(link, dev)) {
		snprintf(err, errsize, "%s: no such tty", name);
		return -ENOENT;
	}
	rootlen = strlen(root);
	/* Up from the tty to the USB device (the one with idVendor). */
	for (;;) {
		char probe[PATH_MAX];

		slash = strrchr(dev, '/');
		if (!slash || (size_t)(slash - dev) <= rootlen)
			break;
		*slash = '\0';
		if (snprintf(probe, sizeof(probe), "%s/idVendor", dev) <
			    (int)sizeof(probe) &&
		    !stat(probe, &st))
			break;
	}
	if (!slash || (size_t)(slash - dev) <= rootlen) {
		/* An on-board UART (a Raspberry Pi's ttyAMA0 with a level
		 * shifter): its name is stable. */
		n = snprintf(rule, size,
			     "# %s: not a USB cable; by its kernel name\n"
			     "SUBSYSTEM==\"tty\", KERNEL==\"%s\", "
			     "ENV{P1_CABLE}=\"1\"\n",
			     name, name);
		return n < (int)size ? 0 : -ENOSPC;
	}
	if (read_attr(dev, "idVendor", vid, sizeof(vid)) ||
	    read_attr(dev, "idProduct", pid, sizeof(pid)) || !plain(vid, 4) ||
	    !plain(pid, 4)) {
		snprintf(err, errsize, "%s: unreadable USB ids", name);
		return -EIO;
	}
	read_attr(dev, "manufacturer", maker, sizeof(maker));
	read_attr(dev, "product", product, sizeof(product));
	tidy(maker);
	tidy(product);
	if (!read_attr(dev, "serial", serial, sizeof(serial)) &&
	    usable_serial(serial)) {
		n = snprintf(rule, size,
			     "# %s: %s %s (%s:%s), serial %s\n"
			     "SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"%s\", "
			     "ATTRS{idProduct}==\"%s\", ATTRS{serial}==\"%s\", "
			     "ENV{P1_CABLE}=\"1\"\n",
			     name, maker, product, vid, pid, serial, vid, pid,
			     serial);
	} else {
		const char *port = strrchr(dev, '/') + 1;

		if (!plain(port, 1)) {
			snprintf(err, errsize, "%s: odd USB port name", name);
			return -EIO;
		}
		n = snprintf(
			rule, size,
			"# %s: %s %s (%s:%s) without a usable serial "
			"number: by USB port %s\n"
			"SUBSYSTEM==\"tty\", KERNELS==\"%s\", "
			"ATTRS{idVendor}==\"%s\", ATTRS{idProduct}==\"%s\", "
			"ENV{P1_CABLE}=\"1\"\n",
			name, maker, product, vid, pid, port, port, vid, pid);
	}
	return n < (int)size ? 0 : -ENOSPC;
}

int cmd_udev_rule(int argc, char **argv)
{
	char rule[1024], err[256], path[P1CTL_PATH_MAX];
	const char *name;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs("usage: p1ctl udev-rule TTY\n"
		      "Print the udev rule that marks the cable on TTY as a "
		      "P1\n"
		      "cable (by its serial number, else by its USB port):\n"
		      "  p1ctl udev-rule ttyUSB0 >> "
		      "/etc/udev/rules.d/61-p1-cables.rules\n",
		      stdout);
		return P1CTL_EXIT_OK;
	}
	if (argc != 2) {
		p1ctl_err("udev-rule: which tty? (see p1ctl udev-rule --help)");
		return P1CTL_EXIT_USAGE;
	}
	if (p1tty_resolve(argv[1], path, sizeof(path))) {
		p1ctl_err("%s: invalid tty name", argv[1]);
		return P1CTL_EXIT_USAGE;
	}
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (udev_rule_for("/sys", name, rule, sizeof(rule), err, sizeof(err))) {
		p1ctl_err("udev-rule: %s", err);
		return P1CTL_EXIT_FAIL;
	}
	fputs(rule, stdout);
	return P1CTL_EXIT_OK;
}
