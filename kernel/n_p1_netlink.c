// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_netlink.c - generic netlink family "p1" (see include/uapi/linux/p1.h
 * for the protocol): device dump/get/set, the "events" multicast group
 * (attach/detach, anyone may listen) and the "telegrams" group (telegram
 * contents: CAP_NET_ADMIN only, see compat.h).
 *
 * Locking: the device list is walked under p1_devs_mutex; per-device state
 * is snapshotted under p1_dev.lock.  Notifications are built and sent in
 * process context (attach/detach and the device's notify work), never from
 * receive_buf.
 */
#include <linux/kernel.h>
#include <net/genetlink.h>

#include "compat.h"
#include "n_p1.h"

static struct genl_family p1_genl_family;

enum { P1_MCGRP_EVENTS_IDX, P1_MCGRP_TELEGRAMS_IDX };

static const struct genl_multicast_group p1_mcgrps[] = {
	[P1_MCGRP_EVENTS_IDX] = { .name = P1_GENL_MCGRP_EVENTS },
	/* A telegram is personal data: only privileged sockets may join. */
	[P1_MCGRP_TELEGRAMS_IDX] = {
		.name = P1_GENL_MCGRP_TELEGRAMS,
		.flags = P1_MCGRP_PRIV_FLAGS,
	},
};

/* Not const: 6.1 declares the policy pointer without const. */
static struct netlink_range_validation p1_size_range __ro_after_init = {
	.min = 64,
	.max = P1_MAX_TELEGRAM_LIMIT,
};

static const struct nla_policy p1_genl_policy[P1_A_MAX + 1] = {
	[P1_A_DEV_INDEX] = { .type = NLA_U32 },
	[P1_A_CRC_MODE] = NLA_POLICY_MAX(NLA_U32, P1_CRC_IGNORE),
	[P1_A_MAX_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &p1_size_range),
	[P1_A_KEY] = { .type = NLA_BINARY, .len = P1_KEY_LEN },
	[P1_A_AUTH_KEY] = { .type = NLA_BINARY, .len = P1_KEY_LEN },
};

static int p1_put_dev(struct sk_buff *skb, struct p1_dev *p)
{
	char ident[P1_IDENT_MAX];
	u64 stats[__P1_STAT_MAX];
	struct nlattr *nest;
	u32 crc_mode, max;
	u64 last_seq;
	bool dead, key_set, key_needed;
	int i;

	p1_dev_stats(p, stats);
	spin_lock(&p->lock);
	memcpy(ident, p->ident, sizeof(ident));
	crc_mode = p->fr.crc_mode;
	max = p->fr.max;
	last_seq = p->seq;
	dead = p->dead;
	key_set = p->crypto;
	key_needed = !p->crypto && p->enc_no_key;
	spin_unlock(&p->lock);

	if (nla_put_u32(skb, P1_A_DEV_INDEX, p->index) ||
	    nla_put_u64_64bit(skb, P1_A_DEV_ID, p->id, P1_A_PAD) ||
	    nla_put_string(skb, P1_A_DEV_NAME, dev_name(&p->dev)) ||
	    nla_put_string(skb, P1_A_TTY, p->tty_name) ||
	    nla_put_string(skb, P1_A_IDENT, ident) ||
	    nla_put_u32(skb, P1_A_CRC_MODE, crc_mode) ||
	    nla_put_u32(skb, P1_A_MAX_SIZE, max) ||
	    nla_put_u64_64bit(skb, P1_A_LAST_SEQ, last_seq, P1_A_PAD) ||
	    (dead && nla_put_flag(skb, P1_A_DEAD)) ||
	    (key_set && nla_put_flag(skb, P1_A_KEY_SET)) ||
	    (key_needed && nla_put_flag(skb, P1_A_KEY_NEEDED)))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, P1_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = P1_STAT_TELEGRAMS; i <= P1_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, stats[i], P1_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int p1_fill_dev(struct sk_buff *skb, struct p1_dev *p, u32 portid,
		       u32 seq, int flags, u8 cmd, struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &p1_genl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (p1_put_dev(skb, p)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Find a device by index and take a reference; NULL if none. */
static struct p1_dev *p1_find(struct genl_info *info)
{
	struct p1_dev *p, *found = NULL;
	u32 index;

	if (!info->attrs[P1_A_DEV_INDEX]) {
		GENL_SET_ERR_MSG(info, "P1_A_DEV_INDEX is required");
		return NULL;
	}
	index = nla_get_u32(info->attrs[P1_A_DEV_INDEX]);
	mutex_lock(&p1_devs_mutex);
	list_for_each_entry(p, &p1_devs, node) {
		if (p->index == index) {
			found = p;
			get_device(&p->dev);
			break;
		}
	}
	mutex_unlock(&p1_devs_mutex);
	if (!found)
		GENL_SET_ERR_MSG(info, "no such p1 device");
	return found;
}

static int p1_genl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct p1_dev *p = p1_find(info);
	struct sk_buff *msg;
	int ret;

	if (!p)
		return -ENODEV;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	ret = -ENOMEM;
	if (msg) {
		ret = p1_fill_dev(msg, p, info->snd_portid, info->snd_seq, 0,
				  P1_CMD_GET_DEVICE, NULL);
		if (ret)
			nlmsg_free(msg);
		else
			ret = genlmsg_reply(msg, info);
	}
	put_device(&p->dev);
	return ret;
}

static int p1_genl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	long start = cb->args[0], idx = 0;
	struct p1_dev *p;

	mutex_lock(&p1_devs_mutex);
	/* Marks the dump interrupted if the list changed between parts. */
	cb->seq = p1_devs_gen;
	list_for_each_entry(p, &p1_devs, node) {
		if (idx >= start &&
		    p1_fill_dev(skb, p, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI,
				P1_CMD_GET_DEVICE, cb))
			break;
		idx++;
	}
	mutex_unlock(&p1_devs_mutex);
	cb->args[0] = idx;
	return skb->len;
}

/* P1_A_KEY / P1_A_AUTH_KEY: 16 bytes set, 0 bytes clear (process context). */
static int p1_genl_set_keys(struct p1_dev *p, struct genl_info *info)
{
	struct nlattr *k = info->attrs[P1_A_KEY];
	struct nlattr *a = info->attrs[P1_A_AUTH_KEY];
	int ret = 0;

	if ((k && nla_len(k) && nla_len(k) != P1_KEY_LEN) ||
	    (a && nla_len(a) && nla_len(a) != P1_KEY_LEN)) {
		GENL_SET_ERR_MSG(info, "a key is 16 bytes (or 0 to clear)");
		return -EINVAL;
	}
	if (a)
		ret = p1_crypto_set_auth_key(p, nla_len(a) ? nla_data(a) : NULL);
	if (!ret && k)
		ret = p1_crypto_set_key(p, nla_len(k) ? nla_data(k) : NULL);
	return ret;
}

static int p1_genl_set(struct sk_buff *skb, struct genl_info *info)
{
	struct p1_dev *p = p1_find(info);
	int ret;

	if (!p)
		return -ENODEV;
	ret = p1_genl_set_keys(p, info);
	if (ret) {
		put_device(&p->dev);
		return ret;
	}
	spin_lock(&p->lock);
	if (info->attrs[P1_A_CRC_MODE])
		p1_framer_set_crc_mode(&p->fr,
				       nla_get_u32(info->attrs[P1_A_CRC_MODE]));
	if (info->attrs[P1_A_MAX_SIZE])
		p1_framer_set_max(&p->fr,
				  nla_get_u32(info->attrs[P1_A_MAX_SIZE]));
	spin_unlock(&p->lock);
	put_device(&p->dev);
	return 0;
}

static const struct genl_small_ops p1_genl_ops[] = {
	{
		.cmd = P1_CMD_GET_DEVICE,
		.doit = p1_genl_get,
		.dumpit = p1_genl_dump,
	},
	{
		.cmd = P1_CMD_SET_DEVICE,
		.doit = p1_genl_set,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family p1_genl_family __ro_after_init = {
	.name = P1_GENL_NAME,
	.version = P1_GENL_VERSION,
	.maxattr = P1_A_MAX,
	.policy = p1_genl_policy,
	.module = THIS_MODULE,
	.small_ops = p1_genl_ops,
	.n_small_ops = ARRAY_SIZE(p1_genl_ops),
	.mcgrps = p1_mcgrps,
	.n_mcgrps = ARRAY_SIZE(p1_mcgrps),
};

void p1_genl_notify_dev(struct p1_dev *p, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&p1_genl_family, &init_net,
				P1_MCGRP_EVENTS_IDX))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (p1_fill_dev(msg, p, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&p1_genl_family, msg, 0, P1_MCGRP_EVENTS_IDX,
			  GFP_KERNEL);
}

/* Is anyone to be sent telegram events?  Never without a private group. */
bool p1_genl_tg_listeners(void)
{
	return P1_HAVE_PRIV_MCGRP &&
	       genl_has_listeners(&p1_genl_family, &init_net,
				  P1_MCGRP_TELEGRAMS_IDX);
}

/* 0, or -ENOMEM if the event could not be built (counted by the caller). */
int p1_genl_notify_tg(struct p1_dev *p, struct p1_tg *tg)
{
	const struct p1_telegram_meta *m = &tg->meta;
	struct sk_buff *msg;
	void *hdr;

	/* max_telegram_size keeps every telegram within one attribute. */
	BUILD_BUG_ON(U16_MAX - NLA_HDRLEN < P1_MAX_TELEGRAM_LIMIT);
	if (!p1_genl_tg_listeners())
		return 0;
	msg = genlmsg_new(320 + nla_total_size(m->len), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &p1_genl_family, 0, P1_CMD_TELEGRAM);
	if (!hdr)
		goto err;
	if (nla_put_u32(msg, P1_A_DEV_INDEX, p->index) ||
	    nla_put_u64_64bit(msg, P1_A_DEV_ID, p->id, P1_A_PAD) ||
	    nla_put_string(msg, P1_A_DEV_NAME, dev_name(&p->dev)) ||
	    nla_put_string(msg, P1_A_TTY, p->tty_name) ||
	    nla_put_u64_64bit(msg, P1_A_SEQ, m->seq, P1_A_PAD) ||
	    nla_put_u32(msg, P1_A_STATUS, m->status) ||
	    nla_put_u64_64bit(msg, P1_A_TIME_FIRST, m->realtime_first_ns,
			      P1_A_PAD) ||
	    nla_put_u64_64bit(msg, P1_A_TIME_LAST, m->realtime_last_ns,
			      P1_A_PAD) ||
	    nla_put_u64_64bit(msg, P1_A_BOOTTIME_FIRST, m->boottime_first_ns,
			      P1_A_PAD) ||
	    nla_put_u64_64bit(msg, P1_A_BOOTTIME_LAST, m->boottime_last_ns,
			      P1_A_PAD))
		goto err;
	if ((m->flags & P1_META_HAS_CRC) &&
	    (nla_put_u16(msg, P1_A_CRC_RX, m->crc_rx) ||
	     nla_put_u16(msg, P1_A_CRC_CALC, m->crc_calc)))
		goto err;
	if ((m->flags & P1_META_ENCRYPTED) &&
	    (nla_put_flag(msg, P1_A_ENCRYPTED) ||
	     nla_put_u32(msg, P1_A_FRAME_COUNTER, m->frame_counter) ||
	     nla_put(msg, P1_A_SYSTEM_TITLE, sizeof(m->system_title),
		     m->system_title)))
		goto err;
	if (nla_put(msg, P1_A_TELEGRAM, m->len, tg->data))
		goto err;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&p1_genl_family, msg, 0, P1_MCGRP_TELEGRAMS_IDX,
			  GFP_KERNEL);
	return 0;
err:
	nlmsg_free(msg);
	return -ENOMEM;
}

#if IS_ENABLED(CONFIG_N_P1_KUNIT_TEST)
/* The id of group "telegrams", for the KUnit suite's kernel subscriber. */
u32 p1_genl_tg_group(void)
{
	return p1_genl_family.mcgrp_offset + P1_MCGRP_TELEGRAMS_IDX;
}
#endif

int p1_genl_init(void)
{
	return genl_register_family(&p1_genl_family);
}

void p1_genl_exit(void)
{
	genl_unregister_family(&p1_genl_family);
}
