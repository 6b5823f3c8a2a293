/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * p1nl.h - a small libnl-3 client for the "p1" generic netlink family of
 * the n_p1 module (protocol: include/uapi/linux/p1.h).
 *
 * One struct p1nl is one netlink socket, used either for requests (dump
 * the devices) or, after p1nl_subscribe(), for the "events" group (and,
 * for a privileged caller, p1nl_subscribe_telegrams()).  Every
 * attribute received is validated (type, exact size, string bounds) before
 * it is copied out; a malformed message is counted in bad_msgs and
 * skipped, never trusted.
 *
 * Functions return 0 or a negative errno value:
 *   -ENOENT  the family or its group does not exist (module not loaded)
 *   -EPERM   the kernel refused the request
 *   -ENOBUFS (p1nl_process) the socket overflowed: events were lost
 *   -EIO     anything else; p1nl_errmsg() tells what
 */
#ifndef P1_COMMON_P1NL_H
#define P1_COMMON_P1NL_H

#include <linux/p1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;
struct nlmsghdr;

/* Bounds of the strings received (including the terminating NUL). */
#define P1NL_NAME_MAX  32
#define P1NL_TTY_MAX   64
#define P1NL_IDENT_MAX 128
#define P1NL_TITLE_LEN 8 /* a DLMS system title */
/* Dumps interrupted by a device coming or going are retried this often. */
#define P1NL_DUMP_TRIES 8

/* One device, as in a P1_CMD_GET_DEVICE reply or an ATTACHED/DETACHED
 * notification.  attrs has bit (1 << P1_A_x) set for each attribute that
 * was present; stats_present likewise for (1 << P1_STAT_x). */
struct p1nl_dev {
	uint32_t attrs;
	uint32_t index;
	uint64_t id; /* P1_A_DEV_ID; 0 from a module without it */
	char name[P1NL_NAME_MAX];
	char tty[P1NL_TTY_MAX];
	char ident[P1NL_IDENT_MAX];
	uint32_t crc_mode;
	uint32_t max_size;
	uint64_t last_seq;
	bool dead;
	bool key_set;	 /* encrypted meters: a key is set */
	bool key_needed; /* encrypted frames arrive and no key is set */
	uint32_t stats_present;
	uint64_t stats[__P1_STAT_MAX];
};

/* A P1_CMD_TELEGRAM notification.  data points into the received message
 * and is valid only during the event callback; it is NULL when the kernel
 * did not include the bytes (telegram too large for an attribute). */
struct p1nl_telegram {
	uint64_t seq;
	uint32_t status;
	uint64_t time_first_ns;
	uint64_t time_last_ns;
	uint64_t boottime_first_ns;
	uint64_t boottime_last_ns;
	bool has_crc;
	uint16_t crc_rx;
	uint16_t crc_calc;
	const uint8_t *data;
	uint32_t len;
	bool encrypted; /* came in a DLMS frame (P1_A_ENCRYPTED) */
	bool has_title; /* frame_counter and system_title were sent */
	uint32_t frame_counter;
	uint8_t system_title[P1NL_TITLE_LEN];
};

struct p1nl_event {
	uint8_t cmd; /* P1_CMD_ATTACHED, P1_CMD_DETACHED or P1_CMD_TELEGRAM */
	struct p1nl_dev dev; /* index, name, tty; all of it on attach/detach */
	struct p1nl_telegram tg; /* P1_CMD_TELEGRAM only */
};

typedef void (*p1nl_event_fn)(const struct p1nl_event *ev, void *arg);

struct p1nl {
	struct nl_sock *sk;
	int family;
	int group;
	int tg_group; /* "telegrams", once joined */
	int nlerr;    /* last libnl error (negative NLE_*), 0 if none */
	unsigned long bad_msgs; /* malformed messages skipped */
	/* dump state */
	struct p1nl_dev *devs;
	size_t max;
	size_t n;
	/* events */
	p1nl_event_fn fn;
	void *arg;
};

/* Connect and resolve the family. */
int p1nl_open(struct p1nl *nl);
void p1nl_close(struct p1nl *nl);
/* What the last failing call ran into, for a one-line message. */
const char *p1nl_errmsg(const struct p1nl *nl);

/* Dump every device into devs[0..max-1]; *count is set to the number of
 * devices the kernel reported, which may exceed max (only max are kept). */
int p1nl_dump_devices(struct p1nl *nl, struct p1nl_dev *devs, size_t max,
		      size_t *count);

/* Join the "events" group (attach/detach: anyone may); fn is called for
 * each notification from p1nl_process().  The socket becomes non-blocking:
 * poll p1nl_fd(). */
int p1nl_subscribe(struct p1nl *nl, p1nl_event_fn fn, void *arg);
/* After p1nl_subscribe(), also join "telegrams" (P1_CMD_TELEGRAM with the
 * bytes): -EPERM without CAP_NET_ADMIN, -ENOENT with a module that sends
 * telegram events on "events" (older) or not at all. */
int p1nl_subscribe_telegrams(struct p1nl *nl);
int p1nl_fd(const struct p1nl *nl);
int p1nl_process(struct p1nl *nl);

/*
 * Parsers, exposed for the unit tests.  They take a whole generic netlink
 * message of the p1 family.  0 on success, -EINVAL if it is malformed,
 * -EOPNOTSUPP if it is not a command this code knows (to be ignored).
 */
int p1nl_parse_dev(struct nlmsghdr *nlh, struct p1nl_dev *dev);
int p1nl_parse_event(struct nlmsghdr *nlh, struct p1nl_event *ev);

#endif /* P1_COMMON_P1NL_H */
