// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_attach.c - p1ctl attach TTY [--baud 115200|9600] [--mode 8N1|7E1]:
 * put a tty in raw mode at the meter's line settings, attach the n_p1
 * discipline and hold the tty open in the foreground (the discipline and
 * /dev/p1-N live as long as the tty is open).
 *
 * Prints one line on stdout once attached:
 *   ttyUSB0: attached as /dev/p1-0 (115200 8N1)
 * Exits 0 on SIGINT/SIGTERM (after switching the tty back to n_tty), 3 when
 * the tty hangs up (unplugged) or another program changes its discipline,
 * 1 with a one-line message if attaching fails, 2 on a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h> /* N_TTY */
#include <unistd.h>

#include <p1/dlms.h>

#include "autodetect.h"
#include "p1ctl.h"

/* How often the holder checks that the discipline is still n_p1. */
#define ATTACH_CHECK_MS 5000

struct attach_ctx {
	int fd;
	char path[P1CTL_PATH_MAX];
	const char *name; /* for messages: "ttyUSB0", "pts3" */
	char kname[64];	  /* the kernel's name of the tty */
	int ldisc;	  /* n_p1's number */
	bool have_index;
	uint32_t index; /* /dev/p1-N */
	struct p1tty_line line;
};

static void usage(FILE *f)
{
	fputs("usage: p1ctl attach TTY [--auto | --baud 115200|9600 "
	      "--mode 8N1|7E1]\n"
	      "Attach the n_p1 discipline to TTY (a path, or a name such as\n"
	      "ttyUSB0) and hold it until interrupted.  Needs CAP_NET_ADMIN.\n"
	      "  -a, --auto        detect the line (default without --baud "
	      "and\n"
	      "                    --mode): 115200 8N1, 115200 7E1, 9600 7E1\n"
	      "  -i, --interval S  longest telegram interval expected, for\n"
	      "                    detection (default 10)\n"
	      "  -b, --baud BAUD   115200 (DSMR 4/5) or 9600 (DSMR 2.2/3.0)\n"
	      "  -m, --mode MODE   8N1 or 7E1 (DSMR 2.2/3.0)\n"
	      "  --key-file FILE   encrypted meters (LU Smarty, AT): the key\n"
	      "                    from the grid operator, 32 hex digits\n"
	      "  --auth-key-file FILE\n"
	      "                    its authentication key (default Smarty's)\n"
	      "  -h, --help        this help\n"
	      "Exit status: 0 when stopped by SIGINT/SIGTERM, 3 when the tty\n"
	      "hangs up, 1 when attaching fails, 2 on a bad command line.\n",
	      f);
}

enum p1ctl_parsed attach_parse(int argc, char **argv, struct attach_opts *o)
{
	static const struct option longopts[] = {
		{"baud", required_argument, NULL, 'b'},
		{"mode", required_argument, NULL, 'm'},
		{"auto", no_argument, NULL, 'a'},
		{"interval", required_argument, NULL, 'i'},
		{"key-file", required_argument, NULL, 'k'},
		{"auth-key-file", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool fixed = false, want_auto = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->line = P1TTY_LINE_DEFAULT;
	o->ready_fd = -1;
	o->interval_s = 10;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:m:ai:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'k':
			o->key_file = optarg;
			break;
		case 'K':
			o->auth_key_file = optarg;
			break;
		case 'a':
			want_auto = true;
			break;
		case 'i':
			if (p1ctl_parse_ulong(optarg, &o->interval_s) ||
			    o->interval_s < 1 || o->interval_s > 3600) {
				p1ctl_err("attach: interval must be 1-3600 s, "
					  "not '%s'",
					  optarg);
				return P1CTL_USAGE;
			}
			break;
		case 'b':
			fixed = true;
			if (p1tty_parse_baud(optarg, &o->line.baud)) {
				p1ctl_err("attach: baud rate must be 115200 or "
					  "9600, not '%s'",
					  optarg);
				return P1CTL_USAGE;
			}
			break;
		case 'm':
			fixed = true;
			if (p1tty_parse_framing(optarg, &o->line.framing)) {
				p1ctl_err("attach: mode must be 8N1 or 7E1, "
					  "not '%s'",
					  optarg);
				return P1CTL_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return P1CTL_HELP;
		case ':':
			p1ctl_err("attach: option %s needs a value",
				  argv[optind - 1]);
			return P1CTL_USAGE;
		default:
			return p1ctl_bad_option("attach", argv, optind, optopt);
		}
	}
	if (optind >= argc) {
		p1ctl_err("attach: which tty? (see p1ctl attach --help)");
		return P1CTL_USAGE;
	}
	if (optind + 1 < argc) {
		p1ctl_err("attach: unexpected argument '%s'", argv[optind + 1]);
		return P1CTL_USAGE;
	}
	if (o->auth_key_file && !o->key_file) {
		p1ctl_err("attach: --auth-key-file needs --key-file");
		return P1CTL_USAGE;
	}
	if (fixed && want_auto) {
		p1ctl_err("attach: --auto or --baud/--mode, not both");
		return P1CTL_USAGE;
	}
	o->auto_line = !fixed;
	o->tty = argv[optind];
	return P1CTL_RUN;
}

/*
 * Apply line settings; callable again while attached (n_p1 restarts its
 * framer on a termios change), which is how baud/mode probing will try
 * candidates.
 */
static int attach_set_line(struct attach_ctx *c, const struct p1tty_line *l)
{
	int ret = p1tty_apply(c->fd, l);

	if (ret == -EINVAL) {
		p1ctl_err("%s: the driver does not support %u %s", c->name,
			  l->baud, p1tty_framing_name(l->framing));
		return ret;
	}
	if (ret) {
		p1ctl_err("%s: cannot set line settings: %s", c->name,
			  strerror(-ret));
		return ret;
	}
	c->line = *l;
	return 0;
}

static int attach_open(struct attach_ctx *c, const char *arg)
{
	const char *base;
	int ret;

	ret = p1tty_resolve(arg, c->path, sizeof(c->path));
	if (ret) {
		p1ctl_err("%s: invalid tty name", arg);
		return ret;
	}
	base = strrchr(c->path, '/');
	c->name = base ? base + 1 : c->path;

	c->ldisc = p1tty_ldisc_find(P1TTY_LDISCS_PATH, P1_LDISC_NAME);
	if (c->ldisc < 0) {
		if (c->ldisc == -ENOENT)
			p1ctl_err("n_p1 module not loaded (modprobe n_p1)");
		else
			p1ctl_err("%s: %s", P1TTY_LDISCS_PATH,
				  strerror(-c->ldisc));
		return c->ldisc;
	}

	c->fd = p1tty_open(c->path);
	if (c->fd < 0) {
		ret = c->fd;
		switch (-ret) {
		case ENOENT:
		case ENODEV:
		case ENXIO:
			p1ctl_err("%s: no such device", c->path);
			break;
		case EACCES:
		case EPERM:
			p1ctl_err("%s: permission denied", c->path);
			break;
		case EBUSY:
			p1ctl_err("%s: device busy (in exclusive use)",
				  c->path);
			break;
		case ENOTTY:
			p1ctl_err("%s: not a tty", c->path);
			break;
		default:
			p1ctl_err("%s: %s", c->path, strerror(-ret));
			break;
		}
		return ret;
	}
	/* Name it as the kernel and p1ctl list do: /dev/pts/3 is pts3. */
	if (!p1tty_kernel_name(c->path, c->kname, sizeof(c->kname)))
		c->name = c->kname;
	return 0;
}

static void attach_find_index(struct attach_ctx *c)
{
	c->have_index =
		!p1tty_devindex(c->fd, c->path, P1TTY_SYSFS_CLASS, &c->index);
}

static int attach_ldisc(struct attach_ctx *c)
{
	int cur = p1tty_get_ldisc(c->fd);
	int ret;

	if (cur < 0) {
		p1ctl_err("%s: cannot read its line discipline: %s", c->name,
			  strerror(-cur));
		return cur;
	}
	if (cur == c->ldisc) {
		attach_find_index(c);
		if (c->have_index)
			p1ctl_err("%s: already attached (/dev/p1-%" PRIu32 ")",
				  c->name, c->index);
		else
			p1ctl_err("%s: already attached", c->name);
		return -EALREADY;
	}
	if (cur != N_TTY) {
		p1ctl_err("%s: device busy (line discipline %d in use)",
			  c->name, cur);
		return -EBUSY;
	}
	ret = p1tty_set_ldisc(c->fd, c->ldisc);
	switch (-ret) {
	case 0:
		return 0;
	case EPERM:
	case EACCES:
		p1ctl_err("%s: permission denied: attaching n_p1 needs "
			  "CAP_NET_ADMIN",
			  c->name);
		break;
	case EBUSY:
		p1ctl_err("%s: device busy", c->name);
		break;
	case EINVAL:
		/* The number vanished between lookup and TIOCSETD. */
		p1ctl_err("n_p1 module not loaded (modprobe n_p1)");
		break;
	default:
		p1ctl_err("%s: cannot attach n_p1: %s", c->name,
			  strerror(-ret));
		break;
	}
	return ret;
}

/* --key-file/--auth-key-file: hand the keys to n_p1 (P1_TIOC_SET_KEY). */
static int attach_keys(const struct attach_opts *o, const struct attach_ctx *c)
{
	struct p1_key k = {0};
	const char *bad = NULL;
	int ret = 0;

	if (!o->key_file)
		return 0;
	if (p1_dlms_key_from_file(o->key_file, k.key))
		bad = o->key_file;
	else if (o->auth_key_file &&
		 p1_dlms_key_from_file(o->auth_key_file, k.auth_key))
		bad = o->auth_key_file;
	if (bad) {
		ret = -errno;
		p1ctl_err("%s: %s", bad,
			  ret == -EINVAL ? "not a key (32 hex digits)"
					 : strerror(-ret));
		goto out;
	}
	k.flags = P1_KEY_SET | (o->auth_key_file ? P1_KEY_AUTH : 0);
	if (ioctl(c->fd, P1_TIOC_SET_KEY, &k)) {
		ret = -errno;
		p1ctl_err("%s: cannot set the key: %s", c->name,
			  strerror(-ret));
	}
out:
	explicit_bzero(&k, sizeof(k));
	return ret;
}

/*
 * Readiness hook: the /dev/p1-N device exists when this runs.  The
 * readiness notification (--ready-fd / sd_notify) goes here.
 */
static void attach_ready(const struct attach_opts *o,
			 const struct attach_ctx *c)
{
	if (o->auto_line)
		p1ctl_notify("READY=1\nSTATUS=attached, detecting the line");
	else
		p1ctl_notify("READY=1\nSTATUS=attached at %u %s", c->line.baud,
			     p1tty_framing_name(c->line.framing));
	if (c->have_index && o->auto_line)
		printf("%s: attached as /dev/p1-%" PRIu32
		       " (detecting the line)\n",
		       c->name, c->index);
	else if (c->have_index)
		printf("%s: attached as /dev/p1-%" PRIu32 " (%u %s)\n", c->name,
		       c->index, c->line.baud,
		       p1tty_framing_name(c->line.framing));
	else
		printf("%s: attached (%u %s)\n", c->name, c->line.baud,
		       p1tty_framing_name(c->line.framing));
	fflush(stdout);
}

/* Hold the tty until a signal (0) or a hangup (P1CTL_EXIT_HANGUP). */
static int attach_hold(struct attach_ctx *c, const sigset_t *wait)
{
	const struct timespec check = {.tv_sec = ATTACH_CHECK_MS / 1000};

	while (!p1ctl_stop) {
		/* No events requested: POLLHUP/POLLERR always report. */
		struct pollfd pfd = {.fd = c->fd, .events = 0};
		int ret = ppoll(&pfd, 1, &check, wait);

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			p1ctl_err("poll: %s", strerror(errno));
			return P1CTL_EXIT_FAIL;
		}
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			p1ctl_err("%s: hangup (device unplugged or closed)",
				  c->name);
			return P1CTL_EXIT_HANGUP;
		}
		if (ret == 0 && p1tty_get_ldisc(c->fd) != c->ldisc) {
			p1ctl_err("%s: n_p1 was detached by another program",
				  c->name);
			return P1CTL_EXIT_HANGUP;
		}
	}
	return P1CTL_EXIT_OK;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_opts o;
	struct attach_ctx c = {.fd = -1};
	sigset_t wait;
	int status;

	int done = p1ctl_parsed_exit(attach_parse(argc, argv, &o));

	if (done >= 0)
		return done;
	if (p1ctl_signals(&wait)) {
		p1ctl_err("signals: %s", strerror(errno));
		return P1CTL_EXIT_FAIL;
	}
	if (attach_open(&c, o.tty))
		return P1CTL_EXIT_FAIL;
	/* Line settings first: n_p1 reads CS7 when it opens. */
	if (attach_set_line(&c, &o.line) || attach_ldisc(&c)) {
		close(c.fd);
		return P1CTL_EXIT_FAIL;
	}
	if (attach_keys(&o, &c)) {
		p1tty_set_ldisc(c.fd, N_TTY);
		close(c.fd);
		return P1CTL_EXIT_FAIL;
	}
	attach_find_index(&c);
	attach_ready(&o, &c);
	if (o.auto_line && c.have_index)
		status = attach_auto_hold(c.fd, c.name, c.ldisc, c.index,
					  (unsigned int)o.interval_s, &wait);
	else
		status = attach_hold(&c, &wait);
	if (status == P1CTL_EXIT_OK) {
		/* Detach even if another program keeps the tty open. */
		p1tty_set_ldisc(c.fd, N_TTY);
		fprintf(stderr, "p1ctl: %s: detached\n", c.name);
	}
	close(c.fd);
	return status;
}
