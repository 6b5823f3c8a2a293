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
 * The reading is libp1's reader (p1/reader.h, "kernel:/dev/p1-N").
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <p1/reader.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "p1ctl.h"
#include "p1names.h"

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
	if (m->flags & P1_META_ENCRYPTED) {
		fprintf(f,
			" encrypted=yes frame_counter=%" PRIu32
			" system_title=",
			(uint32_t)m->frame_counter);
		for (size_t i = 0; i < sizeof(m->system_title); i++)
			fprintf(f, "%02X", m->system_title[i]);
	}
	fputs(" time=", f);
	out_time(f, m->realtime_last_ns);
	fprintf(f,
		" realtime_first_ns=%" PRIu64 " realtime_last_ns=%" PRIu64
		" boottime_first_ns=%" PRIu64 " boottime_last_ns=%" PRIu64 "\n",
		(uint64_t)m->realtime_first_ns, (uint64_t)m->realtime_last_ns,
		(uint64_t)m->boottime_first_ns, (uint64_t)m->boottime_last_ns);
}

/* One read: the reader's callbacks and what they found. */
struct read_run {
	const struct read_opts *o;
	unsigned long n; /* telegrams printed */
	bool opened;	 /* the device was opened */
	int ret;	 /* exit status once done, -1: go on */
};

static void read_telegram(struct p1_reader *r, void *user, const uint8_t *data,
			  const struct p1_reader_meta *rm)
{
	struct read_run *rr = user;

	if (rr->o->meta) {
		struct p1_telegram_meta m = {
			.seq = rm->seq,
			.realtime_first_ns = rm->realtime_first_ns,
			.realtime_last_ns = rm->realtime_last_ns,
			.boottime_first_ns = rm->boottime_first_ns,
			.boottime_last_ns = rm->boottime_last_ns,
			.len = rm->len,
			.status = rm->status,
			.crc_rx = rm->crc_rx,
			.crc_calc = rm->crc_calc,
			.flags = (rm->has_crc ? P1_META_HAS_CRC : 0) |
				 (rm->encrypted ? P1_META_ENCRYPTED : 0),
			.frame_counter = rm->frame_counter,
		};

		memcpy(m.system_title, rm->system_title,
		       sizeof(m.system_title));
		read_print_meta(stdout, rr->o->name, &m);
	}
	out_telegram(stdout, data, rm->len, isatty(STDOUT_FILENO));
	if (fflush(stdout) || ferror(stdout)) {
		rr->ret = P1CTL_EXIT_FAIL;
		p1_reader_stop(r);
	} else if (rr->o->count && ++rr->n >= rr->o->count) {
		rr->ret = P1CTL_EXIT_OK;
		p1_reader_stop(r);
	}
}

static void read_connected(struct p1_reader *r, void *user, const char *detail)
{
	struct read_run *rr = user;

	(void)r;
	(void)detail;
	rr->opened = true;
}

static void read_error(struct p1_reader *r, void *user, int err,
		       const char *msg)
{
	struct read_run *rr = user;

	(void)r;
	if (err == -EPIPE)
		p1ctl_err("%s: reader overrun: telegrams were lost, going on "
			  "with the oldest kept",
			  rr->o->name);
	else
		p1ctl_err("%s: %s", rr->o->name, msg);
}

static void read_closed(struct p1_reader *r, void *user, int final, int err,
			const char *why)
{
	struct read_run *rr = user;

	(void)r;
	(void) final;
	if (rr->ret >= 0)
		return; /* we stopped it */
	if (rr->opened && err == -ENODEV) {
		p1ctl_err("%s: device gone (tty hung up or detached)",
			  rr->o->name);
		rr->ret = P1CTL_EXIT_OK;
		return;
	}
	rr->ret = P1CTL_EXIT_FAIL;
	if (rr->opened)
		p1ctl_err("%s: read: %s", rr->o->name, why);
	else if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		p1ctl_err("%s: no such device (see p1ctl list)", rr->o->path);
	else
		p1ctl_err("%s: %s", rr->o->path, why);
}

static const struct p1_reader_callbacks read_callbacks = {
	.connected = read_connected,
	.telegram = read_telegram,
	.error = read_error,
	.closed = read_closed,
};

/* libp1's reader on the device, in a ppoll() that lets signals in. */
static int read_loop(const struct read_opts *o, const sigset_t *wait)
{
	struct read_run rr = {.o = o, .ret = -1};
	char src[P1CTL_PATH_MAX + 32], err[256];
	struct p1_reader *r;

	snprintf(src, sizeof(src), "kernel:%s,reopen=no%s", o->path,
		 o->all ? ",all" : "");
	r = p1_reader_new(src, &read_callbacks, &rr, err, sizeof(err));
	if (!r) {
		p1ctl_err("%s: %s", o->path, err);
		return P1CTL_EXIT_FAIL;
	}
	if (p1_reader_start(r) < 0) {
		p1ctl_err("%s: out of memory", o->path);
		rr.ret = P1CTL_EXIT_FAIL;
	}
	while (rr.ret < 0 && !p1ctl_stop) {
		struct pollfd pfd = {.fd = -1};
		struct timespec ts, *tp = NULL;
		int ms, n;

		pfd.fd = p1_reader_fd(r, &pfd.events);
		ms = p1_reader_timeout(r);
		if (ms >= 0) {
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000;
			tp = &ts;
		}
		n = ppoll(&pfd, 1, tp, wait);
		if (n < 0 && errno != EINTR) {
			p1ctl_err("poll: %s", strerror(errno));
			rr.ret = P1CTL_EXIT_FAIL;
			break;
		}
		if (n >= 0 && p1_reader_process(r, n > 0 ? pfd.revents : 0) &&
		    rr.ret < 0)
			rr.ret = P1CTL_EXIT_OK;
	}
	p1_reader_free(r);
	return rr.ret < 0 ? P1CTL_EXIT_OK : rr.ret;
}

int cmd_read(int argc, char **argv)
{
	struct read_opts o;
	sigset_t wait;

	int done = p1ctl_parsed_exit(read_parse(argc, argv, &o));

	if (done >= 0)
		return done;
	if (p1ctl_signals(&wait)) {
		p1ctl_err("signals: %s", strerror(errno));
		return P1CTL_EXIT_FAIL;
	}
	return read_loop(&o, &wait);
}
