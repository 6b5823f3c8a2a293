// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p1nl.c - libnl-3 client of the "p1" generic netlink family: resolve it,
 * dump the devices, receive the "events" group, and parse every message
 * with bounds checked (nla_policy, then exact sizes of fixed-size values).
 */
#include "p1nl.h"

#include <errno.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <string.h>

_Static_assert(P1_A_MAX < 32, "p1nl_dev.attrs is a 32-bit mask");
_Static_assert(P1_STAT_MAX < 32, "p1nl_dev.stats_present is a 32-bit mask");

/* Socket receive buffer: room for a burst of large telegram events. */
#define P1NL_RCVBUF (1 << 20)

static struct nla_policy attr_policy[P1_A_MAX + 1] = {
	[P1_A_DEV_INDEX] = {.type = NLA_U32},
	[P1_A_DEV_NAME] = {.type = NLA_STRING, .maxlen = P1NL_NAME_MAX},
	[P1_A_TTY] = {.type = NLA_STRING, .maxlen = P1NL_TTY_MAX},
	[P1_A_IDENT] = {.type = NLA_STRING, .maxlen = P1NL_IDENT_MAX},
	[P1_A_CRC_MODE] = {.type = NLA_U32},
	[P1_A_MAX_SIZE] = {.type = NLA_U32},
	[P1_A_LAST_SEQ] = {.type = NLA_U64},
	[P1_A_DEAD] = {.type = NLA_FLAG},
	[P1_A_STATS] = {.type = NLA_NESTED},
	[P1_A_SEQ] = {.type = NLA_U64},
	[P1_A_STATUS] = {.type = NLA_U32},
	[P1_A_TIME_FIRST] = {.type = NLA_U64},
	[P1_A_TIME_LAST] = {.type = NLA_U64},
	[P1_A_BOOTTIME_FIRST] = {.type = NLA_U64},
	[P1_A_BOOTTIME_LAST] = {.type = NLA_U64},
	[P1_A_CRC_RX] = {.type = NLA_U16},
	[P1_A_CRC_CALC] = {.type = NLA_U16},
	[P1_A_TELEGRAM] = {.type = NLA_UNSPEC, .minlen = 1},
	[P1_A_DEV_ID] = {.type = NLA_U64},
	[P1_A_KEY_SET] = {.type = NLA_FLAG},
	[P1_A_KEY_NEEDED] = {.type = NLA_FLAG},
	[P1_A_ENCRYPTED] = {.type = NLA_FLAG},
	[P1_A_FRAME_COUNTER] = {.type = NLA_U32},
	[P1_A_SYSTEM_TITLE] = {.type = NLA_UNSPEC, .minlen = P1NL_TITLE_LEN},
};

static struct nla_policy stat_policy[P1_STAT_MAX + 1] = {
	[P1_STAT_TELEGRAMS... P1_STAT_MAX] = {.type = NLA_U64},
};

/*
 * libnl checks minimum sizes only; a value of the wrong size means the
 * sender and this code disagree on the protocol, so it is rejected.
 */
static bool sizes_ok(struct nlattr **tb, int maxtype,
		     const struct nla_policy *policy)
{
	for (int i = 1; i <= maxtype; i++) {
		int len;

		if (!tb[i])
			continue;
		len = nla_len(tb[i]);
		switch (policy[i].type) {
		case NLA_U16:
			if (len != 2)
				return false;
			break;
		case NLA_U32:
			if (len != 4)
				return false;
			break;
		case NLA_U64:
			if (len != 8)
				return false;
			break;
		case NLA_FLAG:
			if (len != 0)
				return false;
			break;
		case NLA_STRING:
			if (len < 1 || len > policy[i].maxlen ||
			    ((const char *)nla_data(tb[i]))[len - 1] != '\0')
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

/*
 * libnl stops at the first attribute that does not fit and ignores the
 * rest; here bytes left over mean a malformed message.
 */
static bool attrs_complete(struct nlattr *head, int len)
{
	struct nlattr *pos;
	int rem;

	nla_for_each_attr(pos, head, len, rem);
	/* The last attribute may lack its alignment padding: rem < 0. */
	return rem <= 0;
}

static int parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb, uint8_t *cmd)
{
	struct genlmsghdr *gnlh;

	if (!nlh || !genlmsg_valid_hdr(nlh, 0))
		return -EINVAL;
	gnlh = genlmsg_hdr(nlh);
	if (!attrs_complete(genlmsg_attrdata(gnlh, 0),
			    genlmsg_attrlen(gnlh, 0)))
		return -EINVAL;
	if (genlmsg_parse(nlh, 0, tb, P1_A_MAX, attr_policy) < 0)
		return -EINVAL;
	if (!sizes_ok(tb, P1_A_MAX, attr_policy))
		return -EINVAL;
	*cmd = genlmsg_hdr(nlh)->cmd;
	return 0;
}

static uint32_t present_mask(struct nlattr **tb, int maxtype)
{
	uint32_t mask = 0;

	for (int i = 1; i <= maxtype; i++)
		if (tb[i])
			mask |= 1U << i;
	return mask;
}

static int fill_dev(struct nlattr **tb, struct p1nl_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	if (!tb[P1_A_DEV_INDEX])
		return -EINVAL;
	dev->attrs = present_mask(tb, P1_A_MAX);
	dev->index = nla_get_u32(tb[P1_A_DEV_INDEX]);
	if (tb[P1_A_DEV_ID])
		dev->id = nla_get_u64(tb[P1_A_DEV_ID]);
	if (tb[P1_A_DEV_NAME])
		nla_strlcpy(dev->name, tb[P1_A_DEV_NAME], sizeof(dev->name));
	if (tb[P1_A_TTY])
		nla_strlcpy(dev->tty, tb[P1_A_TTY], sizeof(dev->tty));
	if (tb[P1_A_IDENT])
		nla_strlcpy(dev->ident, tb[P1_A_IDENT], sizeof(dev->ident));
	if (tb[P1_A_CRC_MODE])
		dev->crc_mode = nla_get_u32(tb[P1_A_CRC_MODE]);
	if (tb[P1_A_MAX_SIZE])
		dev->max_size = nla_get_u32(tb[P1_A_MAX_SIZE]);
	if (tb[P1_A_LAST_SEQ])
		dev->last_seq = nla_get_u64(tb[P1_A_LAST_SEQ]);
	dev->dead = tb[P1_A_DEAD] != NULL;
	dev->key_set = tb[P1_A_KEY_SET] != NULL;
	dev->key_needed = tb[P1_A_KEY_NEEDED] != NULL;
	if (tb[P1_A_STATS]) {
		struct nlattr *st[P1_STAT_MAX + 1];

		if (!attrs_complete(nla_data(tb[P1_A_STATS]),
				    nla_len(tb[P1_A_STATS])) ||
		    nla_parse_nested(st, P1_STAT_MAX, tb[P1_A_STATS],
				     stat_policy) < 0 ||
		    !sizes_ok(st, P1_STAT_MAX, stat_policy))
			return -EINVAL;
		for (int i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++)
			if (st[i])
				dev->stats[i] = nla_get_u64(st[i]);
		dev->stats_present =
			present_mask(st, P1_STAT_MAX) & ~(1U << P1_STAT_PAD);
	}
	return 0;
}

static int fill_telegram(struct nlattr **tb, struct p1nl_telegram *tg)
{
	memset(tg, 0, sizeof(*tg));
	if (!tb[P1_A_SEQ] || !tb[P1_A_STATUS])
		return -EINVAL;
	/* Both CRC values or neither. */
	if (!tb[P1_A_CRC_RX] != !tb[P1_A_CRC_CALC])
		return -EINVAL;
	tg->seq = nla_get_u64(tb[P1_A_SEQ]);
	tg->status = nla_get_u32(tb[P1_A_STATUS]);
	if (tb[P1_A_TIME_FIRST])
		tg->time_first_ns = nla_get_u64(tb[P1_A_TIME_FIRST]);
	if (tb[P1_A_TIME_LAST])
		tg->time_last_ns = nla_get_u64(tb[P1_A_TIME_LAST]);
	if (tb[P1_A_BOOTTIME_FIRST])
		tg->boottime_first_ns = nla_get_u64(tb[P1_A_BOOTTIME_FIRST]);
	if (tb[P1_A_BOOTTIME_LAST])
		tg->boottime_last_ns = nla_get_u64(tb[P1_A_BOOTTIME_LAST]);
	if (tb[P1_A_CRC_RX]) {
		tg->has_crc = true;
		tg->crc_rx = nla_get_u16(tb[P1_A_CRC_RX]);
		tg->crc_calc = nla_get_u16(tb[P1_A_CRC_CALC]);
	}
	/* Came encrypted: the frame's counter and title (newer modules). */
	if (tb[P1_A_ENCRYPTED]) {
		tg->encrypted = true;
		if (tb[P1_A_FRAME_COUNTER] && tb[P1_A_SYSTEM_TITLE] &&
		    nla_len(tb[P1_A_SYSTEM_TITLE]) == P1NL_TITLE_LEN) {
			tg->has_title = true;
			tg->frame_counter = nla_get_u32(tb[P1_A_FRAME_COUNTER]);
			memcpy(tg->system_title,
			       nla_data(tb[P1_A_SYSTEM_TITLE]), P1NL_TITLE_LEN);
		}
	}
	if (tb[P1_A_TELEGRAM]) {
		tg->data = nla_data(tb[P1_A_TELEGRAM]);
		tg->len = (uint32_t)nla_len(tb[P1_A_TELEGRAM]);
	}
	return 0;
}

int p1nl_parse_dev(struct nlmsghdr *nlh, struct p1nl_dev *dev)
{
	struct nlattr *tb[P1_A_MAX + 1];
	uint8_t cmd;
	int ret = parse_attrs(nlh, tb, &cmd);

	if (ret)
		return ret;
	if (cmd != P1_CMD_GET_DEVICE && cmd != P1_CMD_ATTACHED &&
	    cmd != P1_CMD_DETACHED)
		return -EOPNOTSUPP;
	return fill_dev(tb, dev);
}

int p1nl_parse_event(struct nlmsghdr *nlh, struct p1nl_event *ev)
{
	struct nlattr *tb[P1_A_MAX + 1];
	uint8_t cmd;
	int ret = parse_attrs(nlh, tb, &cmd);

	if (ret)
		return ret;
	memset(&ev->tg, 0, sizeof(ev->tg));
	ev->cmd = cmd;
	switch (cmd) {
	case P1_CMD_ATTACHED:
	case P1_CMD_DETACHED:
		return fill_dev(tb, &ev->dev);
	case P1_CMD_TELEGRAM:
		ret = fill_dev(tb, &ev->dev);
		return ret ? ret : fill_telegram(tb, &ev->tg);
	default:
		return -EOPNOTSUPP;
	}
}

static int fail(struct p1nl *nl, int nlerr)
{
	nl->nlerr = nlerr;
	switch (-nlerr) {
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int p1nl_open(struct p1nl *nl)
{
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->family = -1;
	nl->group = -1;
	nl->tg_group = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return fail(nl, -NLE_NOMEM);
	ret = genl_connect(nl->sk);
	if (ret < 0)
		goto err;
	/* Telegram events can be larger than a page: receive them whole. */
	nl_socket_enable_msg_peek(nl->sk);
	ret = genl_ctrl_resolve(nl->sk, P1_GENL_NAME);
	if (ret < 0)
		goto err;
	nl->family = ret;
	return 0;
err:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return fail(nl, ret);
}

void p1nl_close(struct p1nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

const char *p1nl_errmsg(const struct p1nl *nl)
{
	return nl->nlerr ? nl_geterror(nl->nlerr) : "no error";
}

static bool ours(const struct p1nl *nl, struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type == nl->family;
}

static int dump_cb(struct nl_msg *msg, void *arg)
{
	struct p1nl *nl = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct p1nl_dev dev;

	if (!ours(nl, nlh) || p1nl_parse_dev(nlh, &dev)) {
		nl->bad_msgs++;
		return NL_OK;
	}
	if (nl->n < nl->max)
		nl->devs[nl->n] = dev;
	nl->n++;
	return NL_OK;
}

static int dump_once(struct p1nl *nl)
{
	struct nl_msg *msg;
	int ret;

	msg = nlmsg_alloc();
	if (!msg)
		return -NLE_NOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 NLM_F_DUMP, P1_CMD_GET_DEVICE, P1_GENL_VERSION)) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	nl->n = 0;
	ret = nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, dump_cb,
				  nl);
	if (ret >= 0)
		ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret >= 0)
		ret = nl_recvmsgs_default(nl->sk);
	return ret;
}

int p1nl_dump_devices(struct p1nl *nl, struct p1nl_dev *devs, size_t max,
		      size_t *count)
{
	int ret, tries = 0;

	*count = 0;
	nl->devs = devs;
	nl->max = max;
	/* A device came or went during the dump (NLM_F_DUMP_INTR): again. */
	do
		ret = dump_once(nl);
	while (ret == -NLE_DUMP_INTR && ++tries < P1NL_DUMP_TRIES);
	nl->devs = NULL;
	if (ret < 0)
		return fail(nl, ret);
	*count = nl->n;
	return 0;
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct p1nl *nl = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct p1nl_event ev;
	int ret;

	if (!ours(nl, nlh)) {
		nl->bad_msgs++;
		return NL_OK;
	}
	ret = p1nl_parse_event(nlh, &ev);
	if (ret == -EOPNOTSUPP)
		return NL_OK; /* a newer module's event: not for us */
	if (ret) {
		nl->bad_msgs++;
		return NL_OK;
	}
	nl->fn(&ev, nl->arg);
	return NL_OK;
}

int p1nl_subscribe(struct p1nl *nl, p1nl_event_fn fn, void *arg)
{
	int ret;

	ret = genl_ctrl_resolve_grp(nl->sk, P1_GENL_NAME, P1_GENL_MCGRP_EVENTS);
	if (ret < 0)
		return fail(nl, ret);
	nl->group = ret;
	nl->fn = fn;
	nl->arg = arg;
	nl_socket_disable_seq_check(nl->sk);
	ret = nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb,
				  nl);
	if (ret < 0)
		return fail(nl, ret);
	/* Best effort: capped by net.core.rmem_max for unprivileged users. */
	nl_socket_set_buffer_size(nl->sk, P1NL_RCVBUF, 0);
	ret = nl_socket_add_membership(nl->sk, nl->group);
	if (ret < 0)
		return fail(nl, ret);
	ret = nl_socket_set_nonblocking(nl->sk);
	if (ret < 0)
		return fail(nl, ret);
	return 0;
}

int p1nl_subscribe_telegrams(struct p1nl *nl)
{
	int ret;

	ret = genl_ctrl_resolve_grp(nl->sk, P1_GENL_NAME,
				    P1_GENL_MCGRP_TELEGRAMS);
	if (ret < 0)
		return fail(nl, ret);
	nl->tg_group = ret;
	ret = nl_socket_add_membership(nl->sk, nl->tg_group);
	if (ret < 0)
		return fail(nl, ret);
	return 0;
}

int p1nl_fd(const struct p1nl *nl)
{
	return nl->sk ? nl_socket_get_fd(nl->sk) : -1;
}

int p1nl_process(struct p1nl *nl)
{
	int ret = nl_recvmsgs_default(nl->sk);

	if (ret >= 0 || ret == -NLE_AGAIN)
		return 0;
	nl->nlerr = ret;
	/* recvmsg() said ENOBUFS: the kernel dropped events for us. */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	return fail(nl, ret);
}
