// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - output protocol, sysfs, tty and process helpers for p1test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/p1.h>

#include "p1test.h"

int t_failures;

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* One write per line: lines of concurrent processes stay whole. */
	dprintf(STDOUT_FILENO, "P1T: %s%s\n", prefix, buf);
}

void t_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("# ", fmt, ap);
	va_end(ap);
}

bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(ok ? "ok " : "not ok ", fmt, ap);
	va_end(ap);
	if (!ok)
		t_failures++;
	return ok;
}

void t_fig(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("FIG ", fmt, ap);
	va_end(ap);
}

void t_mark(const char *word)
{
	dprintf(STDOUT_FILENO, "P1T: MARK %s\n", word);
}

double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void t_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int sysfs_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int sysfs_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;

	if (sysfs_read(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || end == buf ? -1 : 0;
}

bool wait_path(const char *path, bool exists, int timeout_ms)
{
	double end = t_now() + timeout_ms / 1000.0;

	for (;;) {
		if ((access(path, F_OK) == 0) == exists)
			return true;
		if (t_now() > end)
			return false;
		t_sleep_ms(10);
	}
}

int ldisc_number(const char *name)
{
	char line[128], n[64];
	FILE *f = fopen("/proc/tty/ldiscs", "re");
	int num, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %d", n, &num) == 2 && !strcmp(n, name))
			found = num;
	fclose(f);
	return found;
}

int tty_raw(int fd, unsigned int baud)
{
	struct termios t;
	speed_t sp = baud == 9600 ? B9600 : B115200;

	if (tcgetattr(fd, &t))
		return -1;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetispeed(&t, sp);
	cfsetospeed(&t, sp);
	return tcsetattr(fd, TCSANOW, &t);
}

int pty_open(int *master, int *slave, char *slave_path, size_t size)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || grantpt(*master) || unlockpt(*master) ||
	    ptsname_r(*master, slave_path, size))
		return -1;
	*slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return -1;
	if (tty_raw(*master, 115200) || tty_raw(*slave, 115200))
		return -1;
	return 0;
}

int attach_ioctl(int tty_fd)
{
	int ld = ldisc_number(P1_LDISC_NAME);
	__u32 index;

	if (ld < 0 || ioctl(tty_fd, TIOCSETD, &ld))
		return -1;
	if (ioctl(tty_fd, P1_TIOC_DEVINDEX, &index))
		return -1;
	return (int)index;
}

int detach_ioctl(int tty_fd)
{
	int ld = N_TTY;

	return ioctl(tty_fd, TIOCSETD, &ld);
}

/* "pts/3" or "/dev/pts/3" -> "pts3", as the kernel names the tty. */
static void tty_kname(const char *tty, char *out, size_t size)
{
	size_t o = 0;

	if (!strncmp(tty, "/dev/", 5))
		tty += 5;
	for (; *tty && o + 1 < size; tty++)
		if (*tty != '/')
			out[o++] = *tty;
	out[o] = '\0';
}

/* The N of the /dev/p1-N attached to @tty, or -1. */
static int find_dev(const char *tty)
{
	char want[64], path[300], got[64];
	struct dirent *de;
	int index = -1;
	DIR *d;

	tty_kname(tty, want, sizeof(want));
	d = opendir("/sys/class/p1");
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "p1-", 3)) {
			snprintf(path, sizeof(path), "/sys/class/p1/%s/tty",
				 de->d_name);
			if (!sysfs_read(path, got, sizeof(got)) &&
			    !strcmp(got, want))
				index = atoi(de->d_name + 3);
		}
	closedir(d);
	return index;
}

bool have_p1ctl(void)
{
	return access("/bin/p1ctl", X_OK) == 0;
}

pid_t p1ctl_attach(const char *tty, const char *const extra[], int *index,
		   int timeout_ms)
{
	const char *argv[16] = {"/bin/p1ctl", "attach", tty};
	double end = t_now() + timeout_ms / 1000.0;
	int i, n = 3, st;
	pid_t pid;

	for (i = 0; extra && extra[i] && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	while ((*index = find_dev(tty)) < 0) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			t_log("p1ctl attach %s exited early (status 0x%x)", tty,
			      st);
			return -1;
		}
		if (t_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			t_log("p1ctl attach %s: no device appeared", tty);
			return -1;
		}
		t_sleep_ms(10);
	}
	return pid;
}

int wait_child(pid_t pid, int timeout_ms)
{
	double end = t_now() + timeout_ms / 1000.0;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		if (t_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
		t_sleep_ms(5);
	}
}

pid_t spawn_cmd(const char *const argv[], const char *out_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC,
				      0644);

			if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
			    dup2(fd, STDERR_FILENO) < 0)
				_exit(126);
		}
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

int run_cmd(const char *const argv[], const char *out_path, int timeout_ms)
{
	pid_t pid = spawn_cmd(argv, out_path);

	return pid < 0 ? -1 : wait_child(pid, timeout_ms);
}

int read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got + 1 < size &&
	       (n = read(fd, buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

bool wait_open(pid_t pid, const char *path, int timeout_ms)
{
	double end = t_now() + timeout_ms / 1000.0;
	char dir[64], link[384], target[300];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	do {
		d = opendir(dir);
		while (d && (de = readdir(d))) {
			ssize_t n;

			snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				if (!strcmp(target, path)) {
					closedir(d);
					return true;
				}
			}
		}
		if (d)
			closedir(d);
		t_sleep_ms(10);
	} while (t_now() < end);
	return false;
}
