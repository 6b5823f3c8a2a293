// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - stderr logging with journald priority prefixes and rate limits.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_ident = "p1-exporter";
static int log_level = LOG_INFO;
static bool log_journal;

static const struct {
	const char *name;
	int prio;
} levels[] = {
	{"debug", LOG_DEBUG},
	{"info", LOG_INFO},
	{"warn", LOG_WARNING},
	{"error", LOG_ERR},
};

void log_init(const char *ident)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long dev, ino;

	if (ident)
		log_ident = ident;
	/* JOURNAL_STREAM is "device:inode" of the journal's stream socket. */
	if (js && sscanf(js, "%lu:%lu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev &&
	    st.st_ino == ino)
		log_journal = true;
}

bool log_level_valid(const char *name)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(name, levels[i].name))
			return true;
	return false;
}

bool log_set_level(const char *name)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (!strcmp(name, levels[i].name)) {
			log_level = levels[i].prio;
			return true;
		}
	}
	return false;
}

bool log_enabled(int prio)
{
	return prio <= log_level;
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
	case LOG_NOTICE:
		return "info";
	case LOG_WARNING:
		return "warn";
	default:
		return "error";
	}
}

static void log_vmsg(int prio, const char *suffix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = 0;

	if (log_journal) {
		n = snprintf(line, sizeof(line), "<%d>", prio);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line),
			     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s: ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec,
			     ts.tv_nsec / 1000000, log_ident, prio_name(prio));
	}
	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One line per message: a newline in the text would split it. */
	for (char *p = line + n; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s%s\n", line, suffix ? suffix : "");
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(prio))
		return;
	va_start(ap, fmt);
	log_vmsg(prio, NULL, fmt, ap);
	va_end(ap);
}

void log_msg_rl(struct log_rl *rl, int prio, const char *fmt, ...)
{
	struct timespec now;
	char suffix[64] = "";
	va_list ap;

	if (!log_enabled(prio))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - rl->window_start >= LOG_RL_WINDOW) {
		if (rl->suppressed)
			snprintf(suffix, sizeof(suffix),
				 " (%u similar messages suppressed)",
				 rl->suppressed);
		rl->window_start = now.tv_sec;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count >= LOG_RL_BURST) {
		rl->suppressed++;
		return;
	}
	rl->count++;
	va_start(ap, fmt);
	log_vmsg(prio, suffix[0] ? suffix : NULL, fmt, ap);
	va_end(ap);
}
