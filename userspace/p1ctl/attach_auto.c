// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attach_auto.c - p1ctl attach --auto: with n_p1 attached, find the line
 * settings (autodetect.c), then hold the tty and watch the counters: when
 * bytes keep coming but no good telegram does for a while, the line went
 * bad (meter swapped, settings changed): detect again.  When detection
 * cannot settle, say why and retry with a growing pause, at once if bytes
 * start arriving.  Every decision is one line on stderr (the journal) and
 * the service status (STATUS= of sd_notify).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "autodetect.h"
#include "p1ctl.h"

#define HOLD_TICK_MS  1000
#define RETRY_FIRST_S 30
#define RETRY_MAX_S   300

struct hold {
	struct ad_ctx ad;
	int ldisc;
	uint64_t bad_after_ms; /* bytes but no good telegram this long */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One tick: -1 to go on, or the exit status (stopped: P1CTL_EXIT_OK,
 * hangup, detached, error). */
static int hold_tick(const struct hold *h)
{
	const struct timespec tick = {.tv_sec = HOLD_TICK_MS / 1000};
	struct pollfd pfd = {.fd = h->ad.fd, .events = 0};
	int ret = ppoll(&pfd, 1, &tick, h->ad.wait);

	if (p1ctl_stop)
		return P1CTL_EXIT_OK;
	if (ret < 0 && errno != EINTR) {
		p1ctl_err("poll: %s", strerror(errno));
		return P1CTL_EXIT_FAIL;
	}
	if (ret > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		p1ctl_err("%s: hangup (device unplugged or closed)",
			  h->ad.name);
		return P1CTL_EXIT_HANGUP;
	}
	if (p1tty_get_ldisc(h->ad.fd) != h->ldisc) {
		p1ctl_err("%s: n_p1 was detached by another program",
			  h->ad.name);
		return P1CTL_EXIT_HANGUP;
	}
	return -1;
}

/* Detect until settled; -1 when settled, else the exit status. */
static int hold_detect(const struct hold *h)
{
	unsigned int retry_s = RETRY_FIRST_S;

	for (;;) {
		struct ad_result r;
		struct ad_counters start, now;
		uint64_t until;
		int ret;

		p1ctl_notify("STATUS=detecting the line settings");
		autodetect_run(&h->ad, &r);
		switch (r.outcome) {
		case AD_SETTLED:
			fprintf(stderr, "p1ctl: %s: line %s\n", h->ad.name,
				r.why);
			p1ctl_notify("STATUS=%u %s: receiving telegrams",
				     r.line.baud,
				     p1tty_framing_name(r.line.framing));
			return -1;
		case AD_HANGUP:
			p1ctl_err("%s: hangup (device unplugged or closed)",
				  h->ad.name);
			return P1CTL_EXIT_HANGUP;
		case AD_STOPPED:
			return P1CTL_EXIT_OK;
		case AD_NO_DATA:
		case AD_ERRORS:
		case AD_FAILED:
			break;
		}
		fprintf(stderr,
			"p1ctl: %s: cannot settle the line: %s; trying again "
			"in %u s\n",
			h->ad.name, r.why, retry_s);
		p1ctl_notify("STATUS=no line settings found: %s", r.why);
		/* Wait, but start over as soon as bytes arrive on a line
		 * that was silent. */
		if (ad_counters_read(h->ad.devdir, &start))
			memset(&start, 0, sizeof(start));
		until = mono_ms() + (uint64_t)retry_s * 1000;
		while (mono_ms() < until) {
			ret = hold_tick(h);
			if (ret >= 0)
				return ret;
			if (r.outcome == AD_NO_DATA &&
			    !ad_counters_read(h->ad.devdir, &now) &&
			    now.v[AD_RX_BYTES] > start.v[AD_RX_BYTES])
				break;
		}
		if (retry_s < RETRY_MAX_S)
			retry_s = retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S
							    : retry_s * 2;
	}
}

int attach_auto_hold(int fd, const char *name, int ldisc, uint32_t index,
		     unsigned int interval_s, const sigset_t *wait)
{
	char devdir[64];
	struct hold h = {.ldisc = ldisc};
	struct ad_counters ref, now;
	uint64_t ref_ms;
	bool quiet_told = false;
	int ret;

	snprintf(devdir, sizeof(devdir), "%s/p1-%" PRIu32, P1TTY_SYSFS_CLASS,
		 index);
	h.ad = (struct ad_ctx){.fd = fd,
			       .name = name,
			       .devdir = devdir,
			       .wait = wait,
			       .verbose = true};
	ad_limits_for_interval(&h.ad.limits, interval_s);
	h.bad_after_ms = (uint64_t)interval_s * 3000 + 30000;

	for (;;) {
		ret = hold_detect(&h);
		if (ret >= 0)
			return ret;
		if (ad_counters_read(devdir, &ref))
			memset(&ref, 0, sizeof(ref));
		ref_ms = mono_ms();
		quiet_told = false;
		for (;;) {
			ret = hold_tick(&h);
			if (ret >= 0)
				return ret;
			if (ad_counters_read(devdir, &now))
				continue;
			if (now.v[AD_TELEGRAMS] > ref.v[AD_TELEGRAMS]) {
				ref = now;
				ref_ms = mono_ms();
				if (quiet_told)
					fprintf(stderr,
						"p1ctl: %s: telegrams again\n",
						name);
				quiet_told = false;
				continue;
			}
			if (mono_ms() - ref_ms < h.bad_after_ms)
				continue;
			if (now.v[AD_RX_BYTES] > ref.v[AD_RX_BYTES]) {
				fprintf(stderr,
					"p1ctl: %s: %" PRIu64
					" bytes but no good telegram in "
					"%" PRIu64
					" s: detecting the line again\n",
					name,
					now.v[AD_RX_BYTES] - ref.v[AD_RX_BYTES],
					(mono_ms() - ref_ms) / 1000);
				break;
			}
			if (!quiet_told) {
				fprintf(stderr,
					"p1ctl: %s: no data for %" PRIu64
					" s (meter or cable disconnected?)\n",
					name, (mono_ms() - ref_ms) / 1000);
				p1ctl_notify("STATUS=no data from the meter");
				quiet_told = true;
			}
		}
	}
}
