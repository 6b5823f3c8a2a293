// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_watch.c - p1ctl watch [--telegrams]: print the "events" multicast
 * group of the "p1" netlink family live, until SIGINT/SIGTERM.
 *
 * One line per event (stable; fields only ever added at the end):
 *   TIME attached p1-0 tty=ttyUSB0
 *   TIME telegram p1-0 seq=7 status=ok len=1021 crc_rx=4A1F crc_calc=4A1F
 *     (a telegram that came encrypted: then encrypted=yes frame_counter=N
 *     system_title=HEX)
 *   TIME detached p1-0 tty=ttyUSB0 telegrams=7 crc_errors=0 ...
 * TIME is UTC, ISO 8601 with microseconds: the kernel's receive time of the
 * telegram's last byte, or the time the event arrived for attach/detach.
 * With --telegrams, each telegram line is followed by the telegram bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "p1ctl.h"
#include "p1names.h"

#define WATCH_LOG_INTERVAL_NS (10 * 1000000000ull)

static void usage(FILE *f)
{
	fputs("usage: p1ctl watch [--telegrams]\n"
	      "Print attach, detach and telegram events of every n_p1 device\n"
	      "as they happen, until interrupted.\n"
	      "  -t, --telegrams   also print each telegram's bytes\n"
	      "  -h, --help        this help\n",
	      f);
}

enum p1ctl_parsed watch_parse(int argc, char **argv, struct watch_opts *o)
{
	static const struct option longopts[] = {
		{"telegrams", no_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+th", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->telegrams = true;
			break;
		case 'h':
			usage(stdout);
			return P1CTL_HELP;
		default:
			return p1ctl_bad_option("watch", argv, optind, optopt);
		}
	}
	if (optind < argc) {
		p1ctl_err("watch: unexpected argument '%s'", argv[optind]);
		return P1CTL_USAGE;
	}
	return P1CTL_RUN;
}

static void print_stats(FILE *f, const struct p1nl_dev *d)
{
	for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++)
		if (d->stats_present & (1U << i))
			fprintf(f, " %s=%" PRIu64, p1_stat_name(i),
				d->stats[i]);
}

void watch_print_event(FILE *f, const struct p1nl_event *ev,
		       const struct watch_opts *o, uint64_t now_ns)
{
	const struct p1nl_telegram *tg = &ev->tg;

	switch (ev->cmd) {
	case P1_CMD_ATTACHED:
	case P1_CMD_DETACHED:
		out_time(f, now_ns);
		fprintf(f, " %s p1-%" PRIu32 " tty=",
			ev->cmd == P1_CMD_ATTACHED ? "attached" : "detached",
			ev->dev.index);
		out_text(f, ev->dev.tty);
		if (ev->cmd == P1_CMD_DETACHED)
			print_stats(f, &ev->dev);
		fputc('\n', f);
		break;
	case P1_CMD_TELEGRAM:
		out_time(f, tg->time_last_ns ? tg->time_last_ns : now_ns);
		fprintf(f, " telegram p1-%" PRIu32 " seq=%" PRIu64 " status=%s",
			ev->dev.index, tg->seq, p1_status_name(tg->status));
		if (tg->data)
			fprintf(f, " len=%" PRIu32, tg->len);
		else
			fputs(" len=?", f);
		if (tg->has_crc)
			fprintf(f, " crc_rx=%04X crc_calc=%04X", tg->crc_rx,
				tg->crc_calc);
		if (tg->encrypted)
			fputs(" encrypted=yes", f);
		if (tg->encrypted && tg->has_title) {
			fprintf(f, " frame_counter=%" PRIu32 " system_title=",
				tg->frame_counter);
			for (size_t i = 0; i < sizeof(tg->system_title); i++)
				fprintf(f, "%02X", tg->system_title[i]);
		}
		fputc('\n', f);
		if (o->telegrams && tg->data)
			out_telegram(f, tg->data, tg->len, isatty(fileno(f)));
		break;
	default:
		break;
	}
}

struct watch_ctx {
	struct watch_opts o;
};

static void on_event(const struct p1nl_event *ev, void *arg)
{
	struct watch_ctx *ctx = arg;

	watch_print_event(stdout, ev, &ctx->o, p1ctl_now_ns());
	fflush(stdout);
}

static int watch_loop(struct p1nl *nl, const sigset_t *wait)
{
	struct p1ctl_ratelimit lost_rl = {0}, bad_rl = {0};
	unsigned long lost = 0, bad_seen = 0;

	while (!p1ctl_stop) {
		struct pollfd pfd = {.fd = p1nl_fd(nl), .events = POLLIN};
		int ret = ppoll(&pfd, 1, NULL, wait);

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			p1ctl_err("poll: %s", strerror(errno));
			return P1CTL_EXIT_FAIL;
		}
		ret = p1nl_process(nl);
		if (ret == -ENOBUFS) {
			lost++;
			if (p1ctl_ratelimit(&lost_rl, WATCH_LOG_INTERVAL_NS))
				p1ctl_err("events lost: receive buffer overrun "
					  "(%lu time(s))",
					  lost);
		} else if (ret) {
			p1ctl_nl_err(nl, ret);
			return P1CTL_EXIT_FAIL;
		}
		if (nl->bad_msgs != bad_seen) {
			bad_seen = nl->bad_msgs;
			if (p1ctl_ratelimit(&bad_rl, WATCH_LOG_INTERVAL_NS))
				p1ctl_err("skipped %lu malformed netlink "
					  "message(s)",
					  bad_seen);
		}
		if (ferror(stdout))
			return P1CTL_EXIT_FAIL;
	}
	return P1CTL_EXIT_OK;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_ctx ctx;
	struct p1nl nl;
	sigset_t wait;
	int ret;

	int done = p1ctl_parsed_exit(watch_parse(argc, argv, &ctx.o));

	if (done >= 0)
		return done;
	if (p1ctl_signals(&wait)) {
		p1ctl_err("signals: %s", strerror(errno));
		return P1CTL_EXIT_FAIL;
	}
	ret = p1nl_open(&nl);
	if (!ret)
		ret = p1nl_subscribe(&nl, on_event, &ctx);
	if (ret) {
		p1ctl_nl_err(&nl, ret);
		p1nl_close(&nl);
		return P1CTL_EXIT_FAIL;
	}
	/* Telegrams are personal data: the kernel gives them to root only. */
	ret = p1nl_subscribe_telegrams(&nl);
	if (ret == -EPERM)
		p1ctl_err("telegram events need CAP_NET_ADMIN (root): "
			  "showing device events only");
	else if (ret && ret != -ENOENT) {
		p1ctl_nl_err(&nl, ret);
		p1nl_close(&nl);
		return P1CTL_EXIT_FAIL;
	}
	/* Scripts wait for this line before they cause events. */
	fprintf(stderr, "p1ctl: watching p1 events\n");
	ret = watch_loop(&nl, &wait);
	p1nl_close(&nl);
	return ret;
}
