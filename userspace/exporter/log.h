/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - logging to stderr for p1-exporter.
 *
 * Lines are "p1-exporter: level: message".  When stderr is connected to
 * the systemd journal (JOURNAL_STREAM names our stderr), each line instead
 * starts with the sd-daemon priority prefix "<N>" so journald files it at
 * the right level, and no time stamp is printed (journald adds its own).
 * On a terminal or a plain file a UTC ISO-8601 time stamp leads the line.
 *
 * Errors caused by outside input (a bad telegram, a dropped connection)
 * go through LOG_RL(): at most LOG_RL_BURST lines per LOG_RL_WINDOW
 * seconds from one call site, then one "N similar messages suppressed".
 */
#ifndef P1X_LOG_H
#define P1X_LOG_H

#include <stdbool.h>
#include <syslog.h>
#include <time.h>

#define LOG_RL_BURST  5
#define LOG_RL_WINDOW 60

struct log_rl {
	time_t window_start;
	unsigned int count;
	unsigned int suppressed;
};

void log_init(const char *ident);
/* "debug", "info", "warn", "error": returns false for anything else. */
bool log_set_level(const char *name);
bool log_level_valid(const char *name);
bool log_enabled(int prio);

__attribute__((format(printf, 2, 3))) void log_msg(int prio, const char *fmt,
						   ...);
__attribute__((format(printf, 3, 4))) void
log_msg_rl(struct log_rl *rl, int prio, const char *fmt, ...);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)

/* Rate-limited per call site. */
#define LOG_RL(prio, ...)                                                      \
	do {                                                                   \
		static struct log_rl log_rl_site_;                             \
		log_msg_rl(&log_rl_site_, prio, __VA_ARGS__);                  \
	} while (0)

#endif
