// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_p1nl.c - parsing of "p1" generic netlink messages: messages are
 * built with libnl as the module would send them (and broken in every way
 * a peer could break them) and fed to p1nl_parse_dev/p1nl_parse_event.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "p1nl.h"

#define FAMILY 0x1d

static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, 0, 0,
				    cmd, P1_GENL_VERSION));
	return m;
}

static void put_dev_head(struct nl_msg *m, uint32_t index, const char *tty)
{
	char name[16];

	snprintf(name, sizeof(name), "p1-%u", index);
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, index), 0);
	assert_int_equal(nla_put_string(m, P1_A_DEV_NAME, name), 0);
	assert_int_equal(nla_put_string(m, P1_A_TTY, tty), 0);
}

/* The start of a P1_CMD_TELEGRAM on p1-0 (ttyS0): sequence 1, @status. */
static struct nl_msg *tg_msg_new(uint32_t status)
{
	struct nl_msg *m = msg_new(P1_CMD_TELEGRAM);

	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(nla_put_u64(m, P1_A_SEQ, 1), 0);
	assert_int_equal(nla_put_u32(m, P1_A_STATUS, status), 0);
	return m;
}

/* A whole device as P1_CMD_GET_DEVICE / ATTACHED / DETACHED carry it;
 * counter i has the value 1000 + i. */
static void put_dev_full(struct nl_msg *m, bool dead)
{
	struct nlattr *nest;

	put_dev_head(m, 3, "ttyUSB0");
	assert_int_equal(nla_put_string(m, P1_A_IDENT, "/ISk5\\2MT382-1000"),
			 0);
	assert_int_equal(nla_put_u32(m, P1_A_CRC_MODE, P1_CRC_REQUIRE), 0);
	assert_int_equal(nla_put_u32(m, P1_A_MAX_SIZE, 16384), 0);
	assert_int_equal(nla_put_u64(m, P1_A_LAST_SEQ, 0x100000002ull), 0);
	assert_int_equal(nla_put_u64(m, P1_A_DEV_ID, 0x200000009ull), 0);
	if (dead)
		assert_int_equal(nla_put_flag(m, P1_A_DEAD), 0);
	nest = nla_nest_start(m, P1_A_STATS);
	assert_non_null(nest);
	for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++)
		assert_int_equal(nla_put_u64(m, i, 1000 + i), 0);
	nla_nest_end(m, nest);
}

static int parse_dev(struct nl_msg *m, struct p1nl_dev *d)
{
	int ret = p1nl_parse_dev(nlmsg_hdr(m), d);

	nlmsg_free(m);
	return ret;
}

static int parse_event(struct nl_msg *m, struct p1nl_event *ev)
{
	return p1nl_parse_event(nlmsg_hdr(m), ev);
}

static void test_dev_full(void **state)
{
	struct nl_msg *m = msg_new(P1_CMD_GET_DEVICE);
	struct p1nl_dev d;

	(void)state;
	put_dev_full(m, true);
	assert_int_equal(parse_dev(m, &d), 0);
	assert_int_equal(d.index, 3);
	assert_string_equal(d.name, "p1-3");
	assert_string_equal(d.tty, "ttyUSB0");
	assert_string_equal(d.ident, "/ISk5\\2MT382-1000");
	assert_int_equal(d.crc_mode, P1_CRC_REQUIRE);
	assert_int_equal(d.max_size, 16384);
	assert_int_equal(d.last_seq, 0x100000002ull);
	assert_int_equal(d.id, 0x200000009ull);
	assert_true(d.dead);
	for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++) {
		assert_true(d.stats_present & (1U << i));
		assert_int_equal(d.stats[i], 1000 + i);
	}
	assert_false(d.stats_present & (1U << P1_STAT_PAD));
	assert_true(d.attrs & (1U << P1_A_IDENT));
	assert_false(d.attrs & (1U << P1_A_SEQ));
}

static void test_dev_minimal(void **state)
{
	struct nl_msg *m = msg_new(P1_CMD_GET_DEVICE);
	struct p1nl_dev d;

	(void)state;
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, 7), 0);
	assert_int_equal(parse_dev(m, &d), 0);
	assert_int_equal(d.index, 7);
	assert_int_equal(d.id, 0); /* an older module: no P1_A_DEV_ID */
	assert_string_equal(d.tty, "");
	assert_false(d.dead);
	assert_int_equal(d.stats_present, 0);
	assert_int_equal(d.attrs, 1U << P1_A_DEV_INDEX);
}

/* Attributes of a newer module, and PAD, are skipped. */
static void test_dev_unknown_attrs(void **state)
{
	struct nl_msg *m = msg_new(P1_CMD_GET_DEVICE);
	struct nlattr *nest;
	struct p1nl_dev d;

	(void)state;
	put_dev_head(m, 1, "ttyS0");
	assert_int_equal(nla_put(m, P1_A_PAD, 0, NULL), 0);
	assert_int_equal(nla_put_u32(m, P1_A_MAX + 5, 1), 0);
	nest = nla_nest_start(m, P1_A_STATS);
	assert_int_equal(nla_put_u64(m, P1_STAT_TELEGRAMS, 5), 0);
	assert_int_equal(nla_put_u32(m, P1_STAT_MAX + 3, 9), 0);
	nla_nest_end(m, nest);
	assert_int_equal(parse_dev(m, &d), 0);
	assert_int_equal(d.stats[P1_STAT_TELEGRAMS], 5);
	assert_int_equal(d.stats_present, 1U << P1_STAT_TELEGRAMS);
}

static void test_dev_missing_index(void **state)
{
	struct nl_msg *m = msg_new(P1_CMD_GET_DEVICE);
	struct p1nl_dev d;

	(void)state;
	assert_int_equal(nla_put_string(m, P1_A_TTY, "ttyS0"), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
}

static void test_dev_wrong_sizes(void **state)
{
	static const uint8_t eight[8];
	struct nl_msg *m;
	struct p1nl_dev d;

	(void)state;
	/* u32 of 2 bytes, and of 8 */
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put(m, P1_A_DEV_INDEX, 2, eight), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put(m, P1_A_DEV_INDEX, 8, eight), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	/* u64 of 4 bytes */
	m = msg_new(P1_CMD_GET_DEVICE);
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(nla_put_u32(m, P1_A_LAST_SEQ, 1), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	/* a flag with a payload */
	m = msg_new(P1_CMD_GET_DEVICE);
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(nla_put_u32(m, P1_A_DEAD, 1), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
}

static void test_dev_bad_strings(void **state)
{
	char long_tty[P1NL_TTY_MAX + 1], ident[P1NL_IDENT_MAX];
	struct nl_msg *m;
	struct p1nl_dev d;

	(void)state;
	/* not NUL-terminated */
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, 0), 0);
	assert_int_equal(nla_put(m, P1_A_TTY, 5, "ttyS0"), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	/* empty (no NUL at all) */
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, 0), 0);
	assert_int_equal(nla_put(m, P1_A_IDENT, 0, NULL), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	/* longer than the bound */
	memset(long_tty, 'a', sizeof(long_tty) - 1);
	long_tty[sizeof(long_tty) - 1] = '\0';
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, 0), 0);
	assert_int_equal(nla_put_string(m, P1_A_TTY, long_tty), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	/* exactly at the bound: accepted whole */
	memset(ident, 'i', sizeof(ident) - 1);
	ident[sizeof(ident) - 1] = '\0';
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, 0), 0);
	assert_int_equal(nla_put_string(m, P1_A_IDENT, ident), 0);
	assert_int_equal(parse_dev(m, &d), 0);
	assert_string_equal(d.ident, ident);
	/* an embedded NUL ends the string, within bounds */
	m = msg_new(P1_CMD_GET_DEVICE);
	assert_int_equal(nla_put_u32(m, P1_A_DEV_INDEX, 0), 0);
	assert_int_equal(nla_put(m, P1_A_TTY, 6, "ab\0cd"), 0);
	assert_int_equal(parse_dev(m, &d), 0);
	assert_string_equal(d.tty, "ab");
}

static void test_dev_bad_stats(void **state)
{
	struct nlattr *nest;
	struct nl_msg *m;
	struct p1nl_dev d;

	(void)state;
	/* a counter of 4 bytes */
	m = msg_new(P1_CMD_GET_DEVICE);
	put_dev_head(m, 0, "ttyS0");
	nest = nla_nest_start(m, P1_A_STATS);
	assert_int_equal(nla_put_u64(m, P1_STAT_TELEGRAMS, 1), 0);
	assert_int_equal(nla_put_u32(m, P1_STAT_CRC_ERRORS, 1), 0);
	nla_nest_end(m, nest);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
	/* garbage instead of nested attributes */
	m = msg_new(P1_CMD_GET_DEVICE);
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(nla_put(m, P1_A_STATS, 3, "xyz"), 0);
	assert_int_equal(parse_dev(m, &d), -EINVAL);
}

/* An attribute claiming more bytes than the message holds. */
static void test_attr_overruns_message(void **state)
{
	struct nl_msg *m = msg_new(P1_CMD_GET_DEVICE);
	struct nlmsghdr *nlh;
	struct nlattr *last;
	struct p1nl_dev d;

	(void)state;
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(nla_put_string(m, P1_A_IDENT, "/XYZ5"), 0);
	nlh = nlmsg_hdr(m);
	last = (struct nlattr *)((char *)nlh + nlh->nlmsg_len -
				 NLA_ALIGN(NLA_HDRLEN + 6));
	assert_int_equal(last->nla_type, P1_A_IDENT);
	last->nla_len = 200;
	assert_int_equal(parse_dev(m, &d), -EINVAL);
}

static void test_truncated_header(void **state)
{
	struct nl_msg *m = nlmsg_alloc();
	struct p1nl_event ev;
	struct p1nl_dev d;

	(void)state;
	assert_non_null(nlmsg_put(m, 0, 0, FAMILY, 0, 0));
	assert_int_equal(p1nl_parse_dev(nlmsg_hdr(m), &d), -EINVAL);
	assert_int_equal(p1nl_parse_event(nlmsg_hdr(m), &ev), -EINVAL);
	nlmsg_free(m);
	assert_int_equal(p1nl_parse_dev(NULL, &d), -EINVAL);
}

static void test_event_telegram(void **state)
{
	static const char tg[] = "/ISK5\\2M550T-1012\r\n\r\n1-3:0.2.8(50)\r\n!"
				 "ABCD\r\n";
	struct nl_msg *m = msg_new(P1_CMD_TELEGRAM);
	struct p1nl_event ev;

	(void)state;
	put_dev_head(m, 2, "ttyUSB1");
	assert_int_equal(nla_put_u64(m, P1_A_SEQ, 42), 0);
	assert_int_equal(nla_put_u32(m, P1_A_STATUS, P1_STATUS_CRC_ERROR), 0);
	assert_int_equal(nla_put_u64(m, P1_A_TIME_FIRST, 1000), 0);
	assert_int_equal(nla_put_u64(m, P1_A_TIME_LAST, 2000), 0);
	assert_int_equal(nla_put_u64(m, P1_A_BOOTTIME_FIRST, 10), 0);
	assert_int_equal(nla_put_u64(m, P1_A_BOOTTIME_LAST, 20), 0);
	assert_int_equal(nla_put_u16(m, P1_A_CRC_RX, 0xABCD), 0);
	assert_int_equal(nla_put_u16(m, P1_A_CRC_CALC, 0x1234), 0);
	assert_int_equal(nla_put(m, P1_A_TELEGRAM, sizeof(tg) - 1, tg), 0);
	assert_int_equal(parse_event(m, &ev), 0);
	assert_int_equal(ev.cmd, P1_CMD_TELEGRAM);
	assert_int_equal(ev.dev.index, 2);
	assert_string_equal(ev.dev.tty, "ttyUSB1");
	assert_int_equal(ev.tg.seq, 42);
	assert_int_equal(ev.tg.status, P1_STATUS_CRC_ERROR);
	assert_int_equal(ev.tg.time_first_ns, 1000);
	assert_int_equal(ev.tg.time_last_ns, 2000);
	assert_int_equal(ev.tg.boottime_first_ns, 10);
	assert_int_equal(ev.tg.boottime_last_ns, 20);
	assert_true(ev.tg.has_crc);
	assert_int_equal(ev.tg.crc_rx, 0xABCD);
	assert_int_equal(ev.tg.crc_calc, 0x1234);
	assert_int_equal(ev.tg.len, sizeof(tg) - 1);
	assert_memory_equal(ev.tg.data, tg, sizeof(tg) - 1);
	nlmsg_free(m);
}

/* A decrypted telegram: the frame's counter and title; a short title is
 * ignored, an older module's event (flag only) parses too. */
static void test_event_telegram_encrypted(void **state)
{
	static const uint8_t title[8] = {'S', 'A', 'G',	 0x10,
					 5,   11,  0x87, 0x21};
	struct nl_msg *m = tg_msg_new(P1_STATUS_OK);
	struct p1nl_event ev;

	(void)state;
	assert_int_equal(nla_put_flag(m, P1_A_ENCRYPTED), 0);
	assert_int_equal(nla_put_u32(m, P1_A_FRAME_COUNTER, 4000000000u), 0);
	assert_int_equal(nla_put(m, P1_A_SYSTEM_TITLE, 8, title), 0);
	assert_int_equal(parse_event(m, &ev), 0);
	assert_true(ev.tg.encrypted);
	assert_true(ev.tg.has_title);
	assert_int_equal(ev.tg.frame_counter, 4000000000u);
	assert_memory_equal(ev.tg.system_title, title, 8);
	nlmsg_free(m);

	m = tg_msg_new(P1_STATUS_OK);
	assert_int_equal(nla_put_flag(m, P1_A_ENCRYPTED), 0);
	assert_int_equal(parse_event(m, &ev), 0);
	assert_true(ev.tg.encrypted);
	assert_false(ev.tg.has_title);
	nlmsg_free(m);

	m = tg_msg_new(P1_STATUS_OK);
	assert_int_equal(parse_event(m, &ev), 0);
	assert_false(ev.tg.encrypted);
	nlmsg_free(m);
}

static void test_event_telegram_no_crc_no_bytes(void **state)
{
	struct nl_msg *m = tg_msg_new(P1_STATUS_NO_CRC);
	struct p1nl_event ev;

	(void)state;
	assert_int_equal(parse_event(m, &ev), 0);
	assert_false(ev.tg.has_crc);
	assert_null(ev.tg.data);
	assert_int_equal(ev.tg.len, 0);
	nlmsg_free(m);
}

static void test_event_telegram_malformed(void **state)
{
	struct nl_msg *m;
	struct p1nl_event ev;

	(void)state;
	/* no sequence number */
	m = msg_new(P1_CMD_TELEGRAM);
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(nla_put_u32(m, P1_A_STATUS, 0), 0);
	assert_int_equal(parse_event(m, &ev), -EINVAL);
	nlmsg_free(m);
	/* a received CRC without the computed one */
	m = tg_msg_new(0);
	assert_int_equal(nla_put_u16(m, P1_A_CRC_RX, 1), 0);
	assert_int_equal(parse_event(m, &ev), -EINVAL);
	nlmsg_free(m);
	/* a CRC of 4 bytes */
	m = tg_msg_new(0);
	assert_int_equal(nla_put_u32(m, P1_A_CRC_RX, 1), 0);
	assert_int_equal(nla_put_u32(m, P1_A_CRC_CALC, 1), 0);
	assert_int_equal(parse_event(m, &ev), -EINVAL);
	nlmsg_free(m);
	/* empty telegram bytes */
	m = tg_msg_new(0);
	assert_int_equal(nla_put(m, P1_A_TELEGRAM, 0, NULL), 0);
	assert_int_equal(parse_event(m, &ev), -EINVAL);
	nlmsg_free(m);
	/* no device index */
	m = msg_new(P1_CMD_TELEGRAM);
	assert_int_equal(nla_put_u64(m, P1_A_SEQ, 1), 0);
	assert_int_equal(nla_put_u32(m, P1_A_STATUS, 0), 0);
	assert_int_equal(parse_event(m, &ev), -EINVAL);
	nlmsg_free(m);
}

static void test_event_attach_detach(void **state)
{
	struct nl_msg *m;
	struct p1nl_event ev;

	(void)state;
	m = msg_new(P1_CMD_ATTACHED);
	put_dev_full(m, false);
	assert_int_equal(parse_event(m, &ev), 0);
	assert_int_equal(ev.cmd, P1_CMD_ATTACHED);
	assert_int_equal(ev.dev.index, 3);
	assert_false(ev.dev.dead);
	nlmsg_free(m);

	m = msg_new(P1_CMD_DETACHED);
	put_dev_full(m, true);
	assert_int_equal(parse_event(m, &ev), 0);
	assert_int_equal(ev.cmd, P1_CMD_DETACHED);
	assert_int_equal(ev.dev.stats[P1_STAT_RX_BYTES],
			 1000 + P1_STAT_RX_BYTES);
	nlmsg_free(m);
}

static void test_unknown_command(void **state)
{
	struct nl_msg *m;
	struct p1nl_event ev;
	struct p1nl_dev d;

	(void)state;
	m = msg_new(__P1_CMD_MAX + 3);
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(parse_event(m, &ev), -EOPNOTSUPP);
	assert_int_equal(parse_dev(m, &d), -EOPNOTSUPP);
	/* a telegram is not a device */
	m = msg_new(P1_CMD_TELEGRAM);
	put_dev_head(m, 0, "ttyS0");
	assert_int_equal(parse_dev(m, &d), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_full),
		cmocka_unit_test(test_dev_minimal),
		cmocka_unit_test(test_dev_unknown_attrs),
		cmocka_unit_test(test_dev_missing_index),
		cmocka_unit_test(test_dev_wrong_sizes),
		cmocka_unit_test(test_dev_bad_strings),
		cmocka_unit_test(test_dev_bad_stats),
		cmocka_unit_test(test_attr_overruns_message),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_event_telegram),
		cmocka_unit_test(test_event_telegram_encrypted),
		cmocka_unit_test(test_event_telegram_no_crc_no_bytes),
		cmocka_unit_test(test_event_telegram_malformed),
		cmocka_unit_test(test_event_attach_detach),
		cmocka_unit_test(test_unknown_command),
	};

	return cmocka_run_group_tests_name("p1nl", tests, NULL, NULL);
}
