// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - p1ctl helpers: one-line errors, strict numbers, signals, time,
 * rate limiting.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p1ctl.h"

volatile sig_atomic_t p1ctl_stop;

void p1ctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("p1ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int p1ctl_parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

enum p1ctl_parsed p1ctl_bad_option(const char *cmd, char **argv, int optind_,
				   int optopt_)
{
	const char *arg = optind_ > 0 ? argv[optind_ - 1] : "?";

	if (optopt_ && strncmp(arg, "--", 2))
		p1ctl_err("%s: invalid option -%c (see p1ctl %s --help)", cmd,
			  optopt_, cmd);
	else
		p1ctl_err("%s: invalid option %s (see p1ctl %s --help)", cmd,
			  arg, cmd);
	return P1CTL_USAGE;
}

static void on_signal(int sig)
{
	(void)sig;
	p1ctl_stop = 1;
}

int p1ctl_signals(sigset_t *wait)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, wait))
		return -errno;
	sigdelset(wait, SIGINT);
	sigdelset(wait, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t p1ctl_now_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

bool p1ctl_ratelimit(struct p1ctl_ratelimit *rl, uint64_t interval_ns)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	if (rl->last_ns && now - rl->last_ns < interval_ns) {
		rl->suppressed++;
		return false;
	}
	rl->last_ns = now;
	return true;
}

void p1ctl_nl_err(const struct p1nl *nl, int ret)
{
	if (ret == -ENOENT)
		p1ctl_err("n_p1 module not loaded (modprobe n_p1)");
	else if (ret == -EPERM)
		p1ctl_err("netlink: permission denied");
	else
		p1ctl_err("netlink: %s", p1nl_errmsg(nl));
}
