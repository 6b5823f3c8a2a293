// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_read.c - p1ctl read [p1-N|/dev/p1-N] [--count N] [--meta] [--all]:
 * print the telegrams read from /dev/p1-N (default p1-0).
 *
 * Telegrams go to stdout byte-exact as received (escaped when stdout is a
 * terminal).  With --meta each is preceded by one line (stable; fields
 * only ever added at the end):
 *   # p1-0 seq=7 status=ok len=1021 crc_rx=4A1F crc_calc=4A1F
 *     time=2026-01-31T12:34:56.123456Z realtime_first_ns=...
 *     realtime_last_ns=... boottime_first_ns=... boottime_last_ns=...
 * (one line).  A reader overrun (EPIPE) is reported on stderr and reading
 * goes on; when the device goes away (EOF) p1ctl says so and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "p1ctl.h"
#include "p1names.h"

/* The largest telegram n_p1 can be configured to accept. */
#define READ_BUF_SIZE (64 * 1024)

static uint8_t read_buf[READ_BUF_SIZE];

static void usage(FILE *f)
{
	fputs("usage: p1ctl read [p1-N|/dev/p1-N] [--count N] [--meta] "
	      "[--all]\n"
	      "Print telegrams from /dev/p1-N (default /dev/p1-0) as they\n"
	      "arrive.\n"
	      "  -n, --count N   stop after N telegrams\n"
	      "  -m, --meta      print sequence, status, CRC and receive "
	      "times\n"
	      "                  before each telegram\n"
	      "  -a, --all       also telegrams that failed their checks "
	      "(CRC,\n"
	      "                  line errors), for diagnostics\n"
	      "  -h, --help      this help\n",
	      f);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int read_device_path(const char *arg, char *path, size_t size)
{
	int n;

	if (!arg || !*arg)
		return -EINVAL;
	if (all_digits(arg))
		n = snprintf(path, size, "/dev/p1-%s", arg);
	else if (!strncmp(arg, "p1-", 3) && all_digits(arg + 3))
		n = snprintf(path, size, "/dev/%s", arg);
	else if (strchr(arg, '/'))
		n = snprintf(path, size, "%s", arg);
	else
		return -EINVAL;
	if (n < 0 || (size_t)n >= size)
		return -EINVAL;
	return 0;
}

enum p1ctl_parsed read_parse(int argc, char **argv, struct read_opts *o)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"meta", no_argument, NULL, 'm'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dev = "p1-0", *slash;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:mah", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (p1ctl_parse_ulong(optarg, &o->count) || !o->count) {
				p1ctl_err("read: --count needs a positive "
					  "number, not '%s'",
					  optarg);
				return P1CTL_USAGE;
			}
			break;
		case 'm':
			o->meta = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'h':
			usage(stdout);
			return P1CTL_HELP;
		case ':':
			p1ctl_err("read: option %s needs a value",
				  argv[optind - 1]);
			return P1CTL_USAGE;
		default:
			return p1ctl_bad_option("read", argv, optind, optopt);
		}
	}
	if (optind < argc)
		dev = argv[optind++];
	if (optind < argc) {
		p1ctl_err("read: unexpected argument '%s'", argv[optind]);
		return P1CTL_USAGE;
	}
	if (read_device_path(dev, o->path, sizeof(o->path))) {
		p1ctl_err("read: '%s' is not a p1 device (p1-N or /dev/p1-N)",
			  dev);
		return P1CTL_USAGE;
	}
	slash = strrchr(o->path, '/');
	o->name = slash ? slash + 1 : o->path;
	return P1CTL_RUN;
}

void read_print_meta(FILE *f, const char *name,
		     const struct p1_telegram_meta *m)
{
	fprintf(f, "# %s seq=%" PRIu64 " status=%s len=%" PRIu32, name,
		(uint64_t)m->seq, p1_status_name(m->status), (uint32_t)m->len);
	if (m->flags & P1_META_HAS_CRC)
		fprintf(f, " crc_rx=%04X crc_calc=%04X", m->crc_rx,
			m->crc_calc);
	fputs(" time=", f);
	out_time(f, m->realtime_last_ns);
	fprintf(f,
		" realtime_first_ns=%" PRIu64 " realtime_last_ns=%" PRIu64
		" boottime_first_ns=%" PRIu64 " boottime_last_ns=%" PRIu64 "\n",
		(uint64_t)m->realtime_first_ns, (uint64_t)m->realtime_last_ns,
		(uint64_t)m->boottime_first_ns, (uint64_t)m->boottime_last_ns);
}

static int open_device(const struct read_opts *o)
{
	int fd = open(o->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			p1ctl_err("%s: no such device (see p1ctl list)",
				  o->path);
		else if (errno == EACCES || errno == EPERM)
			p1ctl_err("%s: permission denied", o->path);
		else
			p1ctl_err("%s: %s", o->path, strerror(errno));
		return -1;
	}
	if (o->all) {
		__u32 flags = P1_RF_ALL;

		if (ioctl(fd, P1_IOC_SET_FLAGS, &flags)) {
			if (errno == ENOTTY || errno == EINVAL)
				p1ctl_err("%s: not a p1 device", o->path);
			else
				p1ctl_err("%s: cannot set reader flags: %s",
					  o->path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* One telegram to stdout; false if stdout failed. */
static bool print_one(const struct read_opts *o, int fd, size_t len)
{
	if (o->meta) {
		struct p1_telegram_meta m;

		if (ioctl(fd, P1_IOC_GET_META, &m))
			p1ctl_err("%s: no metadata: %s", o->name,
				  strerror(errno));
		else
			read_print_meta(stdout, o->name, &m);
	}
	out_telegram(stdout, read_buf, len, isatty(STDOUT_FILENO));
	return !fflush(stdout) && !ferror(stdout);
}

static int read_loop(const struct read_opts *o, int fd, const sigset_t *wait)
{
	unsigned long n = 0;

	while (!p1ctl_stop) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t len;

		len = read(fd, read_buf, sizeof(read_buf));
		if (len > 0) {
			if (!print_one(o, fd, (size_t)len))
				return P1CTL_EXIT_FAIL;
			if (o->count && ++n >= o->count)
				return P1CTL_EXIT_OK;
			continue;
		}
		if (len == 0) {
			p1ctl_err("%s: device gone (tty hung up or detached)",
				  o->name);
			return P1CTL_EXIT_OK;
		}
		switch (errno) {
		case EAGAIN:
			if (ppoll(&pfd, 1, NULL, wait) < 0 && errno != EINTR) {
				p1ctl_err("poll: %s", strerror(errno));
				return P1CTL_EXIT_FAIL;
			}
			break;
		case EINTR:
			break;
		case EPIPE:
			p1ctl_err("%s: reader overrun: telegrams were lost, "
				  "going on with the oldest kept",
				  o->name);
			break;
		case EMSGSIZE:
			p1ctl_err("%s: telegram larger than %d bytes", o->name,
				  READ_BUF_SIZE);
			return P1CTL_EXIT_FAIL;
		default:
			p1ctl_err("%s: read: %s", o->name, strerror(errno));
			return P1CTL_EXIT_FAIL;
		}
	}
	return P1CTL_EXIT_OK;
}

int cmd_read(int argc, char **argv)
{
	struct read_opts o;
	sigset_t wait;
	int fd, ret;

	int done = p1ctl_parsed_exit(read_parse(argc, argv, &o));

	if (done >= 0)
		return done;
	if (p1ctl_signals(&wait)) {
		p1ctl_err("signals: %s", strerror(errno));
		return P1CTL_EXIT_FAIL;
	}
	fd = open_device(&o);
	if (fd < 0)
		return P1CTL_EXIT_FAIL;
	ret = read_loop(&o, fd, &wait);
	close(fd);
	return ret;
}
