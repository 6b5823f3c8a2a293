// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - p1-exporter: Prometheus exporter for P1 smart meters.
 *
 * Start-up order: settings, sources created (meters named), web
 * configuration loaded, listening sockets and devices opened, privileges
 * dropped, HTTP started, then the one event loop until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "events.h"
#include "evloop.h"
#include "http.h"
#include "kernel_src.h"
#include "live.h"
#include "log.h"
#include "meter.h"
#include "metrics.h"
#include "mqtt.h"
#include "options.h"
#include "privdrop.h"
#include "procstat.h"
#include "sink.h"
#include "source.h"
#include "webcfg.h"

static struct webcfg web;
static struct ev_timer stale_timer;

static void on_signal(void *arg, int fd, short revents)
{
	struct signalfd_siginfo si;

	(void)arg;
	(void)revents;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("signal %u: shutting down", si.ssi_signo);
	ev_stop();
}

static void on_stale_timer(void *arg)
{
	(void)arg;
	meters_check_stale();
	ev_timer_arm(&stale_timer, 1000000000u);
}

static bool create_sources(void)
{
	struct {
		struct opt_list *list;
		struct source *(*ctor)(const char *, int);
	} kinds[] = {
		{&cfg.emulate, emulate_source_new},
		{&cfg.replay, replay_source_new},
		{&cfg.serial, serial_source_new},
		{&cfg.tcp, tcp_source_new},
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (int i = 0; i < kinds[k].list->n; i++) {
			struct source *s =
				kinds[k].ctor(kinds[k].list->v[i], i);

			if (!s || !sources_add(s))
				return false;
		}
	}
	return true;
}

static int check_config(void)
{
	bool ok = create_sources();

	if (cfg.web_config_file && !webcfg_load(cfg.web_config_file, &web))
		ok = false;
	if (ok && !dsmrreader_check())
		ok = false;
	if (cfg.user && !privdrop_check(cfg.user))
		ok = false;
	if (!mqtt_check())
		ok = false;
	options_dump();
	printf("# meters:");
	for (int i = 0; i < nmeters; i++)
		printf(" %s(%s %s)", meters[i]->name, meters[i]->kind,
		       meters[i]->source);
	if (options_kernel_mode() == KERNEL_ON)
		printf(" + every /dev/p1-N");
	printf("\n");
	printf("configuration %s\n", ok ? "OK" : "INVALID");
	return ok ? 0 : 1;
}

/*
 * A descriptor per source, per scrape and per stream: the default soft
 * limit (1024) is too few for a thousand meters.  Raise it to the hard
 * limit, at most what the event loop can watch (and a margin for the
 * files and sockets libraries open without it).
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = EV_MAX_FDS + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise the open files limit: %m");
}

int main(int argc, char **argv)
{
	sigset_t mask;
	int sfd, r;

	log_init("p1-exporter");
	r = options_load(argc, argv);
	if (r == OPTS_EXIT_OK)
		return 0;
	if (r != OPTS_OK)
		return 2;
	if (!log_set_level(cfg.log_level)) {
		fprintf(stderr, "p1-exporter: bad --log.level %s\n",
			cfg.log_level);
		return 2;
	}
	if (cfg.check_config)
		return check_config();

	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || ev_fd_add(sfd, POLLIN, on_signal, NULL) < 0) {
		log_err("signalfd: %m");
		return 1;
	}

	procstat_init();
	/* The web side's sinks (live page, event stream) and MQTT before
	 * the sources (their sinks see every meter created); MQTT also
	 * before privileges go (it reads the password and TLS files) */
	live_init();
	events_init();
	if (!metrics_init() || !mqtt_start() || !create_sources())
		return 1;
	if (!tglog_setup() || !capture_setup() || !dsmrreader_setup() ||
	    !tgserver_setup())
		return 1;
	if (cfg.web_config_file && !webcfg_load(cfg.web_config_file, &web))
		return 1;
	if (!http_listen())
		return 1;
	if (options_kernel_mode() == KERNEL_ON && !kernel_src_start())
		return 1;
	sources_start_all();
	if (cfg.user && !privdrop(cfg.user))
		return 1;
	if (!http_start(cfg.web_config_file ? &web : NULL))
		return 1;
	ev_timer_init(&stale_timer, on_stale_timer, NULL);
	ev_timer_arm(&stale_timer, 1000000000u);
	log_info("p1-exporter %s started with %d meter%s%s", P1_VERSION,
		 nmeters, nmeters == 1 ? "" : "s",
		 options_kernel_mode() == KERNEL_ON ? " (and kernel devices)"
						    : "");

	r = ev_run();
	sinks_stop();
	http_stop();
	sources_stop_all();
	kernel_src_stop();
	log_info("stopped");
	return r ? 1 : 0;
}
