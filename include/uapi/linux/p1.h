/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * p1.h - userspace interface of the n_p1 line discipline
 *
 * n_p1 frames P1 smart-meter telegrams (DSMR, eMUCs) in the kernel.  It is
 * attached to a tty with TIOCSETD; its number is the module parameter
 * "ldisc" (default 29, N_DEVELOPMENT), found by name ("n_p1") in
 * /proc/tty/ldiscs.  Attaching needs CAP_NET_ADMIN (as slip and slcan).
 *
 * Each attached tty gets a character device /dev/p1-N (class "p1") and a
 * sysfs directory /sys/class/p1/p1-N with attributes (tty, ident,
 * equipment_id, crc_mode, max_telegram_size, last_seq), a "tty_device" link
 * to the tty (when it has one) and statistics/ counters.  The device's
 * parent is the tty's hardware device (the USB-serial port, the UART), as
 * for gnss devices.
 *
 * Privacy: a telegram is personal data (the equipment id names the
 * household; readings show who is home).  Only /dev/p1-N (mode 0640, group
 * set by udev), the root-only sysfs attribute equipment_id and the
 * "telegrams" netlink group (CAP_NET_ADMIN) carry telegram contents or the
 * equipment id.  Uevents carry P1_TTY only; a "change" uevent tells udev
 * that the equipment id became known or changed, and udev (root) reads it
 * from the attribute.  ident (the identification line: maker and model) is
 * public, filtered to printable ASCII.
 *
 * Character device
 * ----------------
 * read() returns exactly one whole telegram, byte-exact from '/' through the
 * final line end.  Each open file has its own cursor over a ring of the
 * most recent telegrams (module parameter "ring"), so every reader sees
 * every telegram.  A new reader starts at the next telegram to arrive.
 *
 *  - buffer too small for the next telegram: -EMSGSIZE, nothing consumed
 *    (FIONREAD gives the length needed);
 *  - the reader fell behind the ring: -EPIPE once, then it resumes at the
 *    oldest telegram kept (counted in statistics/reader_overruns);
 *  - O_NONBLOCK and nothing queued: -EAGAIN;
 *  - the tty hung up (cable unplugged) or the discipline was detached:
 *    queued telegrams are still returned, then 0 (EOF); poll() reports
 *    EPOLLHUP.  The device disappears when the last file is closed.
 *
 * poll/select/epoll report EPOLLIN when a telegram is queued.
 * Telegrams that fail their checks (CRC, flagged bytes) are not given to
 * ordinary readers; P1_IOC_SET_FLAGS with P1_RF_ALL opts in to receive
 * them too, and P1_IOC_GET_META tells their status.
 *
 * Generic netlink
 * ---------------
 * Family P1_GENL_NAME ("p1"), version P1_GENL_VERSION, multicast groups
 * P1_GENL_MCGRP_EVENTS ("events": device events, anyone may join) and
 * P1_GENL_MCGRP_TELEGRAMS ("telegrams": telegram events; joining needs
 * CAP_NET_ADMIN, on kernels with GENL_MCAST_CAP_NET_ADMIN; on older kernels
 * the module sends no telegram events at all).
 *
 * P1_CMD_GET_DEVICE
 *   dump: one message per device; doit: the device named by P1_A_DEV_INDEX.
 *   Reply attributes: P1_A_DEV_INDEX, P1_A_DEV_ID, P1_A_DEV_NAME, P1_A_TTY,
 *   P1_A_IDENT,
 *   P1_A_CRC_MODE, P1_A_MAX_SIZE, P1_A_LAST_SEQ, P1_A_DEAD (flag: the tty
 *   hung up or the discipline was detached; the device stays until its
 *   last /dev/p1-N file is closed), P1_A_STATS (nested P1_STAT_* u64
 *   counters).  A dump that raced with an attach or detach has
 *   NLM_F_DUMP_INTR set on its messages: dump again.
 * P1_CMD_SET_DEVICE (CAP_NET_ADMIN)
 *   P1_A_DEV_INDEX and any of P1_A_CRC_MODE, P1_A_MAX_SIZE, P1_A_KEY,
 *   P1_A_AUTH_KEY (encrypted meters: 16 bytes sets, 0 bytes clears; keys
 *   are never sent back: P1_CMD_GET_DEVICE has P1_A_KEY_SET and
 *   P1_A_KEY_NEEDED flags instead).
 *
 * Notifications, each with P1_A_DEV_INDEX, P1_A_DEV_ID, P1_A_DEV_NAME and
 * P1_A_TTY.  On group "events" (the attributes of P1_CMD_GET_DEVICE):
 * P1_CMD_ATTACHED  a device appeared (the discipline was attached);
 * P1_CMD_DETACHED  it went away (detached or hung up); P1_A_DEAD is set.
 * On group "telegrams" (CAP_NET_ADMIN):
 * P1_CMD_TELEGRAM  a telegram completed: P1_A_SEQ, P1_A_STATUS,
 *   P1_A_TIME_FIRST/P1_A_TIME_LAST (realtime ns of first and last byte),
 *   P1_A_BOOTTIME_FIRST/P1_A_BOOTTIME_LAST, P1_A_CRC_RX, P1_A_CRC_CALC
 *   (u16, when the telegram had a CRC), and P1_A_TELEGRAM (the bytes).
 *   A telegram that came encrypted (P1_META_ENCRYPTED) also has the flag
 *   P1_A_ENCRYPTED, P1_A_FRAME_COUNTER (u32) and P1_A_SYSTEM_TITLE (8
 *   bytes) of its DLMS frame (older modules send none of the three).
 *   Telegrams of every status are sent; subscribers check P1_A_STATUS.
 *   Every telegram fits (max_telegram_size is at most
 *   P1_MAX_TELEGRAM_SIZE).  Telegram events are sent from a work item
 *   that takes them from the ring: those it could not send (the ring
 *   moved on, no memory) are counted in P1_STAT_EVENTS_LOST.
 *
 * Device identity: the index (and so the name p1-N) is reused once a
 * device is gone, possibly within the same millisecond.  P1_A_DEV_ID is
 * never reused while the module is loaded: a program that keeps per-device
 * state (counters taken from a dump, say) matches on it, and checks with
 * P1_IOC_GET_DEV_ID which device a /dev/p1-N it opened belongs to.
 */
#ifndef _UAPI_LINUX_P1_H
#define _UAPI_LINUX_P1_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define P1_LDISC_NAME		"n_p1"
#define P1_LDISC_DEFAULT	29	/* N_DEVELOPMENT */
#define P1_CLASS_NAME		"p1"

/* Largest max_telegram_size: a telegram always fits a netlink attribute. */
#define P1_MAX_TELEGRAM_SIZE	(65535 - 4)

/* Per-device CRC policy (sysfs crc_mode: "auto", "require", "ignore"). */
enum p1_crc_mode {
	P1_CRC_AUTO = 0,	/* once a CRC was seen, a missing one is an error */
	P1_CRC_REQUIRE = 1,	/* a telegram without CRC is an error */
	P1_CRC_IGNORE = 2,	/* deliver telegrams whatever their CRC */
};

/* Status of a telegram. */
enum p1_status {
	P1_STATUS_OK = 0,		/* CRC present and correct */
	P1_STATUS_NO_CRC = 1,		/* no CRC (DSMR 2.2/3.0), accepted */
	P1_STATUS_UNCHECKED = 2,	/* CRC wrong, crc_mode "ignore" */
	P1_STATUS_CRC_ERROR = 3,	/* CRC wrong: not delivered by default */
	P1_STATUS_CRC_MISSING = 4,	/* no CRC against policy: ditto */
	P1_STATUS_LINE_ERROR = 5,	/* parity/frame/overrun/break: ditto */
	P1_STATUS_ENCRYPTED = 6,	/* a DLMS frame, raw: no key set; ditto */
};

/* Metadata of the telegram last returned by read() on this file. */
struct p1_telegram_meta {
	__u64 seq;		/* per-device sequence number, from 1 */
	__u64 realtime_first_ns;	/* CLOCK_REALTIME of the first byte */
	__u64 realtime_last_ns;		/* ... and of the last byte */
	__u64 boottime_first_ns;	/* CLOCK_BOOTTIME of the first byte */
	__u64 boottime_last_ns;
	__u32 len;
	__u32 status;		/* enum p1_status */
	__u16 crc_rx;		/* CRC as sent, if flags & P1_META_HAS_CRC */
	__u16 crc_calc;		/* CRC computed */
	__u32 flags;
	/* end of version 1 (P1_TELEGRAM_META_SIZE_V1); version 2: */
	__u32 frame_counter;	/* if flags & P1_META_ENCRYPTED: the frame's */
	__u8 system_title[8];	/* ... and the meter's system title */
	__u32 reserved;		/* 0; keeps the size equal on 32-bit */
};

/*
 * Versions of struct p1_telegram_meta.  P1_IOC_GET_META encodes the size
 * of the caller's struct in its number (_IOC_SIZE), as every _IOR does:
 * the module answers each size from P1_TELEGRAM_META_SIZE_V1 up.  It
 * copies as much of its own struct as the caller's holds and zeroes the
 * rest, so a program built against an older header (P1_IOC_GET_META_V1,
 * whose number is the old P1_IOC_GET_META) keeps working unchanged, and
 * one built against a newer header gets zeros in fields this module does
 * not know.  A program that wants the newer fields and may meet an older
 * module tries P1_IOC_GET_META first and P1_IOC_GET_META_V1 on ENOTTY.
 * Fields are only ever added at the end.
 */
#define P1_TELEGRAM_META_SIZE_V1	56	/* seq ... flags */
#define P1_TELEGRAM_META_SIZE_V2	72	/* + frame_counter, system_title */

#define P1_META_HAS_CRC		(1U << 0)
/*
 * The telegram came encrypted (a DLMS general-global-ciphering frame,
 * Luxembourg Smarty and Austrian meters) and was authenticated and
 * decrypted with the device's key; with status P1_STATUS_ENCRYPTED, the
 * raw frame itself (no key set).
 */
#define P1_META_ENCRYPTED	(1U << 1)
/*
 * With P1_META_ENCRYPTED, frame_counter and system_title are those of the
 * frame the telegram came in (the raw frame's own with
 * P1_STATUS_ENCRYPTED): the counter rises with every frame the meter
 * sends, and n_p1 delivers only frames whose counter is above the last it
 * accepted from that system title.
 */

/* Reader flags (P1_IOC_SET_FLAGS / P1_IOC_GET_FLAGS). */
#define P1_RF_ALL		(1U << 0)	/* also telegrams that failed */

/* Not registered in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define P1_IOC_MAGIC		0xB9
#define P1_IOC_GET_META		_IOR(P1_IOC_MAGIC, 1, struct p1_telegram_meta)
#define P1_IOC_GET_META_V1	_IOC(_IOC_READ, P1_IOC_MAGIC, 1, \
				     P1_TELEGRAM_META_SIZE_V1)
#define P1_IOC_SET_FLAGS	_IOW(P1_IOC_MAGIC, 2, __u32)
#define P1_IOC_GET_FLAGS	_IOR(P1_IOC_MAGIC, 3, __u32)
/*
 * Step the cursor back by up to *arg telegrams already received (1: the
 * newest one), as far as the ring reaches; *arg is set to how many steps
 * were taken.  Only telegrams this file would be given count (without
 * P1_RF_ALL, the good ones).
 */
#define P1_IOC_REWIND		_IOWR(P1_IOC_MAGIC, 4, __u32)
/* The device's P1_A_DEV_ID (see "Device identity" above). */
#define P1_IOC_GET_DEV_ID	_IOR(P1_IOC_MAGIC, 5, __u64)

/*
 * On the tty file descriptor the discipline is attached to: the N of the
 * /dev/p1-N it created.
 */
#define P1_TIOC_DEVINDEX	_IOR(P1_IOC_MAGIC, 16, __u32)

/*
 * On the tty file descriptor (CAP_NET_ADMIN): set the decryption key of an
 * encrypted meter (Luxembourg Smarty, Austria) and its authentication key
 * (default: Smarty's), as the holder (p1ctl attach --key-file) does right
 * after attaching.  Keys are never read back.
 */
struct p1_key {
	__u8 key[16];
	__u8 auth_key[16];
	__u32 flags;		/* P1_KEY_* */
};

#define P1_KEY_SET		(1U << 0)	/* key is valid; else clear it */
#define P1_KEY_AUTH		(1U << 1)	/* auth_key valid; else Smarty's */
#define P1_TIOC_SET_KEY		_IOW(P1_IOC_MAGIC, 17, struct p1_key)

/* Generic netlink */
#define P1_GENL_NAME		"p1"
#define P1_GENL_VERSION		1
#define P1_GENL_MCGRP_EVENTS	"events"
#define P1_GENL_MCGRP_TELEGRAMS	"telegrams"

enum p1_cmd {
	P1_CMD_UNSPEC,
	P1_CMD_GET_DEVICE,
	P1_CMD_SET_DEVICE,
	P1_CMD_ATTACHED,
	P1_CMD_DETACHED,
	P1_CMD_TELEGRAM,
	__P1_CMD_MAX
};

#define P1_CMD_MAX (__P1_CMD_MAX - 1)

enum p1_attr {
	P1_A_UNSPEC,
	P1_A_PAD,
	P1_A_DEV_INDEX,		/* u32: N of p1-N */
	P1_A_DEV_NAME,		/* string: "p1-N" */
	P1_A_TTY,		/* string: "ttyUSB0" */
	P1_A_IDENT,		/* string: identification line of last telegram */
	P1_A_CRC_MODE,		/* u32: enum p1_crc_mode */
	P1_A_MAX_SIZE,		/* u32: telegram size limit, bytes */
	P1_A_LAST_SEQ,		/* u64 */
	P1_A_DEAD,		/* flag: hung up, waiting for last close */
	P1_A_STATS,		/* nested: P1_STAT_* */
	P1_A_SEQ,		/* u64 */
	P1_A_STATUS,		/* u32: enum p1_status */
	P1_A_TIME_FIRST,	/* u64: realtime ns */
	P1_A_TIME_LAST,		/* u64: realtime ns */
	P1_A_BOOTTIME_FIRST,	/* u64: boottime ns */
	P1_A_BOOTTIME_LAST,	/* u64: boottime ns */
	P1_A_CRC_RX,		/* u16 */
	P1_A_CRC_CALC,		/* u16 */
	P1_A_TELEGRAM,		/* binary: the telegram bytes */
	P1_A_DEV_ID,		/* u64: never reused while the module is loaded */
	P1_A_KEY,		/* binary, 16 or 0 bytes: set/clear the key */
	P1_A_AUTH_KEY,		/* binary, 16 or 0 bytes: auth key (0: Smarty's) */
	P1_A_KEY_SET,		/* flag: a decryption key is set */
	P1_A_KEY_NEEDED,	/* flag: encrypted frames came, no key is set */
	P1_A_ENCRYPTED,		/* flag: P1_META_ENCRYPTED */
	P1_A_FRAME_COUNTER,	/* u32: the DLMS frame counter */
	P1_A_SYSTEM_TITLE,	/* binary, 8 bytes: the meter's system title */
	__P1_A_MAX
};

#define P1_A_MAX (__P1_A_MAX - 1)

/* Counters: nested in P1_A_STATS (u64 each) and statistics/ in sysfs. */
enum p1_stat {
	P1_STAT_UNSPEC,
	P1_STAT_PAD,
	P1_STAT_TELEGRAMS,	/* good telegrams delivered */
	P1_STAT_CRC_ERRORS,
	P1_STAT_CRC_MISSING,
	P1_STAT_LINE_ERRORS,	/* telegrams holding flagged bytes */
	P1_STAT_TRUNCATED,
	P1_STAT_OVERSIZE,
	P1_STAT_RECOVERED,	/* rescued from a '/' in mid-line */
	P1_STAT_GARBAGE_BYTES,
	P1_STAT_RX_BYTES,
	P1_STAT_PARITY_ERRORS,
	P1_STAT_FRAME_ERRORS,
	P1_STAT_OVERRUNS,
	P1_STAT_BREAKS,
	P1_STAT_READER_OVERRUNS,
	P1_STAT_DROPPED,	/* completed but no memory to queue them */
	P1_STAT_ENCRYPTED,	/* DLMS (encrypted) frames received whole */
	P1_STAT_ENCRYPTED_NO_KEY,	/* ... not decrypted: no key set */
	P1_STAT_ENCRYPTED_DECRYPTED,	/* ... authenticated and decrypted */
	P1_STAT_ENCRYPTED_AUTH_FAILED,	/* ... whose GCM tag failed */
	P1_STAT_ENCRYPTED_REPLAYS,	/* ... whose frame counter was old */
	P1_STAT_EVENTS_LOST,	/* telegram events not sent (see above) */
	__P1_STAT_MAX
};

#define P1_STAT_MAX (__P1_STAT_MAX - 1)

#endif /* _UAPI_LINUX_P1_H */
