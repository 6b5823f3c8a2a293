// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p1tty.c - discipline lookup by name, tty line settings, attach ioctls.
 */
#include "p1tty.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/p1.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

int p1tty_parse_baud(const char *s, unsigned int *baud)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "115200"))
		*baud = 115200;
	else if (!strcmp(s, "9600"))
		*baud = 9600;
	else
		return -EINVAL;
	return 0;
}

int p1tty_parse_framing(const char *s, enum p1tty_framing *framing)
{
	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "8N1"))
		*framing = P1TTY_8N1;
	else if (!strcasecmp(s, "7E1"))
		*framing = P1TTY_7E1;
	else
		return -EINVAL;
	return 0;
}

const char *p1tty_framing_name(enum p1tty_framing framing)
{
	return framing == P1TTY_7E1 ? "7E1" : "8N1";
}

static int speed_of(unsigned int baud, speed_t *speed)
{
	switch (baud) {
	case 115200:
		*speed = B115200;
		return 0;
	case 9600:
		*speed = B9600;
		return 0;
	default:
		return -EINVAL;
	}
}

int p1tty_termios(struct termios *t, const struct p1tty_line *line)
{
	speed_t speed;

	if (speed_of(line->baud, &speed) ||
	    (line->framing != P1TTY_8N1 && line->framing != P1TTY_7E1))
		return -EINVAL;
	cfmakeraw(t);
	t->c_iflag &= ~(IGNPAR | PARMRK | ISTRIP | IGNBRK | BRKINT | IXOFF |
			IXANY | IUCLC | IMAXBEL);
	t->c_iflag |= INPCK;
	t->c_cflag &= ~(CSIZE | PARENB | PARODD | CMSPAR | CSTOPB | CRTSCTS);
	t->c_cflag |= CLOCAL | CREAD;
	if (line->framing == P1TTY_7E1)
		t->c_cflag |= CS7 | PARENB;
	else
		t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
	if (cfsetispeed(t, speed) || cfsetospeed(t, speed))
		return -EINVAL;
	return 0;
}

int p1tty_apply(int fd, const struct p1tty_line *line)
{
	struct termios t, got;
	int ret;

	if (tcgetattr(fd, &t))
		return -errno;
	ret = p1tty_termios(&t, line);
	if (ret)
		return ret;
	if (tcsetattr(fd, TCSANOW, &t))
		return -errno;
	/* tcsetattr succeeds if any part was taken: check the parts that
	 * matter. */
	if (tcgetattr(fd, &got))
		return -errno;
	if ((got.c_cflag & (CSIZE | PARENB)) !=
		    (t.c_cflag & (CSIZE | PARENB)) ||
	    cfgetispeed(&got) != cfgetispeed(&t))
		return -EINVAL;
	return 0;
}

/* "<name> <number>" with blanks around; false if the line is not that. */
static bool ldisc_line(char *line, const char **name, int *num)
{
	char *p = line, *end;
	long v;

	while (isspace((unsigned char)*p))
		p++;
	*name = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (p == *name || !*p)
		return false;
	*p++ = '\0';
	errno = 0;
	v = strtol(p, &end, 10);
	if (end == p || errno || v < 0 || v > INT_MAX)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*num = (int)v;
	return true;
}

int p1tty_ldisc_lookup(FILE *f, const char *name)
{
	char line[128];

	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		const char *n;
		int num;

		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int c;

			/* Overlong: skip the rest of it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (ldisc_line(line, &n, &num) && !strcmp(n, name))
			return num;
	}
	return -ENOENT;
}

int p1tty_ldisc_find(const char *path, const char *name)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	ret = p1tty_ldisc_lookup(f, name);
	fclose(f);
	return ret;
}

int p1tty_resolve(const char *arg, char *path, size_t size)
{
	int n;

	if (!arg || !*arg)
		return -EINVAL;
	if (strchr(arg, '/'))
		n = snprintf(path, size, "%s", arg);
	else
		n = snprintf(path, size, "/dev/%s", arg);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int p1tty_open(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!isatty(fd)) {
		close(fd);
		return -ENOTTY;
	}
	return fd;
}

int p1tty_get_ldisc(int fd)
{
	int ld = -1; /* valgrind does not know TIOCGETD writes it */

	if (ioctl(fd, TIOCGETD, &ld))
		return -errno;
	return ld;
}

int p1tty_set_ldisc(int fd, int ldisc)
{
	if (ioctl(fd, TIOCSETD, &ldisc))
		return -errno;
	return 0;
}

int p1tty_kernel_name(const char *path, char *name, size_t size)
{
	char real[PATH_MAX];
	const char *base;
	int n;

	if (!realpath(path, real))
		return -errno;
	if (!strncmp(real, "/dev/pts/", 9)) {
		n = snprintf(name, size, "pts%s", real + 9);
	} else {
		base = strrchr(real, '/');
		n = snprintf(name, size, "%s", base ? base + 1 : real);
	}
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* "p1-N" -> N */
static bool devname_index(const char *s, uint32_t *index)
{
	char *end;
	unsigned long v;

	if (strncmp(s, "p1-", 3) || !isdigit((unsigned char)s[3]))
		return false;
	errno = 0;
	v = strtoul(s + 3, &end, 10);
	if (*end || errno || v > UINT32_MAX)
		return false;
	*index = (uint32_t)v;
	return true;
}

static bool tty_matches(const char *sysclass, const char *dev,
			const char *ttyname)
{
	char path[PATH_MAX], buf[128];
	size_t len;
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s/tty", sysclass, dev);
	if (n < 0 || (size_t)n >= sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return !strcmp(buf, ttyname);
}

int p1tty_devindex_sysfs(const char *sysclass, const char *ttyname,
			 uint32_t *index)
{
	DIR *d = opendir(sysclass);
	struct dirent *e;
	int ret = -ENOENT;

	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		uint32_t i;

		if (devname_index(e->d_name, &i) &&
		    tty_matches(sysclass, e->d_name, ttyname)) {
			*index = i;
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

int p1tty_devindex(int fd, const char *path, const char *sysclass,
		   uint32_t *index)
{
	char name[64];
	__u32 v = 0;
	int ret;

	if (!ioctl(fd, P1_TIOC_DEVINDEX, &v)) {
		*index = v;
		return 0;
	}
	ret = p1tty_kernel_name(path, name, sizeof(name));
	if (ret)
		return ret;
	return p1tty_devindex_sysfs(sysclass, name, index);
}
