// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_probe.c - p1ctl probe TTY [--interval S]: attach n_p1 for a moment,
 * find the meter's line settings from the kernel's counters, print the
 * verdict and detach.  Exit 0 when settled (stdout: "ttyUSB0: 9600 7E1
 * (DSMR 2.2/3.0): ..."), 1 when not (stdout says why), 3 on hangup.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "autodetect.h"
#include "p1ctl.h"

static void usage(FILE *f)
{
	fputs("usage: p1ctl probe TTY [--interval SECONDS]\n"
	      "Attach n_p1 to TTY, try 115200 8N1, 115200 7E1 and 9600 7E1\n"
	      "judging by the kernel's counters, print what the meter uses\n"
	      "and detach.  Needs CAP_NET_ADMIN.\n"
	      "  -i, --interval S  longest telegram interval expected "
	      "(default 10)\n"
	      "  -q, --quiet       no per-setting lines on stderr\n"
	      "  -h, --help        this help\n"
	      "Exit status: 0 settled, 1 not (or an error), 2 bad command "
	      "line, 3 hangup.\n",
	      f);
}

struct probe_opts {
	const char *tty;
	unsigned long interval_s;
	bool quiet;
};

static enum p1ctl_parsed probe_parse(int argc, char **argv,
				     struct probe_opts *o)
{
	static const struct option longopts[] = {
		{"interval", required_argument, NULL, 'i'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->interval_s = 10;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (p1ctl_parse_ulong(optarg, &o->interval_s) ||
			    o->interval_s < 1 || o->interval_s > 3600) {
				p1ctl_err("probe: interval must be 1-3600 s, "
					  "not '%s'",
					  optarg);
				return P1CTL_USAGE;
			}
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return P1CTL_HELP;
		case ':':
			p1ctl_err("probe: option %s needs a value",
				  argv[optind - 1]);
			return P1CTL_USAGE;
		default:
			return p1ctl_bad_option("probe", argv, optind, optopt);
		}
	}
	if (optind + 1 != argc) {
		p1ctl_err(optind >= argc ? "probe: which tty?"
					 : "probe: one tty only");
		return P1CTL_USAGE;
	}
	o->tty = argv[optind];
	return P1CTL_RUN;
}

int cmd_probe(int argc, char **argv)
{
	struct probe_opts o;
	char path[P1CTL_PATH_MAX], devdir[64];
	const char *name;
	struct ad_result r;
	struct ad_ctx c;
	sigset_t wait;
	uint32_t index;
	int fd, ldisc, cur, ret;

	int done = p1ctl_parsed_exit(probe_parse(argc, argv, &o));

	if (done >= 0)
		return done;
	if (p1tty_resolve(o.tty, path, sizeof(path))) {
		p1ctl_err("%s: invalid tty name", o.tty);
		return P1CTL_EXIT_FAIL;
	}
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (p1ctl_signals(&wait)) {
		p1ctl_err("signals: %s", strerror(errno));
		return P1CTL_EXIT_FAIL;
	}
	ldisc = p1tty_ldisc_find(P1TTY_LDISCS_PATH, P1_LDISC_NAME);
	if (ldisc < 0) {
		p1ctl_err("n_p1 module not loaded (modprobe n_p1)");
		return P1CTL_EXIT_FAIL;
	}
	fd = p1tty_open(path);
	if (fd < 0) {
		p1ctl_err("%s: %s", path, strerror(-fd));
		return P1CTL_EXIT_FAIL;
	}
	cur = p1tty_get_ldisc(fd);
	if (cur != N_TTY) {
		p1ctl_err("%s: %s", name,
			  cur == ldisc
				  ? "n_p1 is already attached (stop its "
				    "p1-attach service or p1ctl attach "
				    "first)"
				  : "device busy (another line discipline)");
		close(fd);
		return P1CTL_EXIT_FAIL;
	}
	ret = p1tty_apply(fd, &ad_candidates[0]);
	if (!ret)
		ret = p1tty_set_ldisc(fd, ldisc);
	if (!ret)
		ret = p1tty_devindex(fd, path, P1TTY_SYSFS_CLASS, &index);
	if (ret) {
		p1ctl_err("%s: cannot attach n_p1: %s", name, strerror(-ret));
		p1tty_set_ldisc(fd, N_TTY);
		close(fd);
		return P1CTL_EXIT_FAIL;
	}
	snprintf(devdir, sizeof(devdir), "%s/p1-%" PRIu32, P1TTY_SYSFS_CLASS,
		 index);
	c = (struct ad_ctx){.fd = fd,
			    .name = name,
			    .devdir = devdir,
			    .wait = &wait,
			    .verbose = !o.quiet};
	ad_limits_for_interval(&c.limits, (unsigned int)o.interval_s);
	autodetect_run(&c, &r);
	p1tty_set_ldisc(fd, N_TTY);
	close(fd);

	switch (r.outcome) {
	case AD_SETTLED:
		printf("%s: %s\n", name, r.why);
		return P1CTL_EXIT_OK;
	case AD_HANGUP:
		p1ctl_err("%s: hangup (device unplugged)", name);
		return P1CTL_EXIT_HANGUP;
	case AD_STOPPED:
		p1ctl_err("%s: interrupted", name);
		return P1CTL_EXIT_FAIL;
	default:
		printf("%s: no line settings found: %s\n", name, r.why);
		return P1CTL_EXIT_FAIL;
	}
}
