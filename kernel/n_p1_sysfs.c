// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_sysfs.c - /sys/class/p1/p1-N attributes and statistics/.
 *
 * Every show() snapshots under p1_dev.lock only: never a tty lock (the
 * ldisc ->close holds those while device_del() drains sysfs readers).
 *
 * Privacy: nothing here is world-readable that tells a telegram's contents.
 * equipment_id is root-only; ident (maker and model) is printable ASCII.
 * Telegrams are read from /dev/p1-N (0640, group p1), not from sysfs.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "n_p1.h"

static const char * const p1_crc_modes[] = {
	[P1_CRC_AUTO] = "auto",
	[P1_CRC_REQUIRE] = "require",
	[P1_CRC_IGNORE] = "ignore",
};

static struct p1_dev *to_p1(struct device *dev)
{
	return container_of(dev, struct p1_dev, dev);
}

static ssize_t tty_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%s\n", to_p1(dev)->tty_name);
}
static DEVICE_ATTR_RO(tty);

static ssize_t ident_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct p1_dev *p = to_p1(dev);
	ssize_t ret;

	spin_lock(&p->lock);
	ret = sysfs_emit(buf, "%s\n", p->ident);
	spin_unlock(&p->lock);
	return ret;
}
static DEVICE_ATTR_RO(ident);

/*
 * Personal data (it identifies a household): root only.  The id of the
 * last verified telegram that named one; a change of meter follows.
 */
static ssize_t equipment_id_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct p1_dev *p = to_p1(dev);
	ssize_t ret;

	spin_lock(&p->lock);
	ret = sysfs_emit(buf, "%s\n", p->equipment_id);
	spin_unlock(&p->lock);
	return ret;
}
static DEVICE_ATTR_ADMIN_RO(equipment_id);

static ssize_t last_seq_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct p1_dev *p = to_p1(dev);
	u64 seq;

	spin_lock(&p->lock);
	seq = p->seq;
	spin_unlock(&p->lock);
	return sysfs_emit(buf, "%llu\n", seq);
}
static DEVICE_ATTR_RO(last_seq);

static ssize_t crc_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  p1_crc_modes[READ_ONCE(to_p1(dev)->fr.crc_mode)]);
}

static ssize_t crc_mode_store(struct device *dev,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	struct p1_dev *p = to_p1(dev);
	int mode;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	mode = sysfs_match_string(p1_crc_modes, buf);
	if (mode < 0)
		return mode;
	spin_lock(&p->lock);
	p1_framer_set_crc_mode(&p->fr, mode);
	spin_unlock(&p->lock);
	return count;
}
static DEVICE_ATTR_RW(crc_mode);

static ssize_t max_telegram_size_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_p1(dev)->fr.max));
}

static ssize_t max_telegram_size_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct p1_dev *p = to_p1(dev);
	unsigned int v;
	int ret;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	ret = kstrtouint(buf, 0, &v);
	if (ret)
		return ret;
	if (v < 64 || v > P1_MAX_TELEGRAM_LIMIT)
		return -EINVAL;
	spin_lock(&p->lock);
	p1_framer_set_max(&p->fr, v);
	spin_unlock(&p->lock);
	return count;
}
static DEVICE_ATTR_RW(max_telegram_size);

static struct attribute *p1_dev_attrs[] = {
	&dev_attr_key.attr,		/* these three: n_p1_crypto.c */
	&dev_attr_auth_key.attr,
	&dev_attr_key_needed.attr,
	&dev_attr_tty.attr,
	&dev_attr_ident.attr,
	&dev_attr_equipment_id.attr,
	&dev_attr_last_seq.attr,
	&dev_attr_crc_mode.attr,
	&dev_attr_max_telegram_size.attr,
	NULL,
};

static const struct attribute_group p1_dev_group = {
	.attrs = p1_dev_attrs,
};

/* statistics/: one file per counter of enum p1_stat. */
struct p1_stat_attr {
	struct device_attribute attr;
	int stat;
};

static ssize_t p1_stat_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct p1_stat_attr *sa = container_of(attr, struct p1_stat_attr, attr);
	u64 s[__P1_STAT_MAX];

	p1_dev_stats(to_p1(dev), s);
	return sysfs_emit(buf, "%llu\n", s[sa->stat]);
}

#define P1_STAT_ATTR(_name, _stat)					\
	static struct p1_stat_attr p1_stat_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, p1_stat_show, NULL),	\
		.stat = _stat,						\
	}

P1_STAT_ATTR(telegrams, P1_STAT_TELEGRAMS);
P1_STAT_ATTR(crc_errors, P1_STAT_CRC_ERRORS);
P1_STAT_ATTR(crc_missing, P1_STAT_CRC_MISSING);
P1_STAT_ATTR(line_errors, P1_STAT_LINE_ERRORS);
P1_STAT_ATTR(truncated, P1_STAT_TRUNCATED);
P1_STAT_ATTR(oversize, P1_STAT_OVERSIZE);
P1_STAT_ATTR(recovered, P1_STAT_RECOVERED);
P1_STAT_ATTR(garbage_bytes, P1_STAT_GARBAGE_BYTES);
P1_STAT_ATTR(rx_bytes, P1_STAT_RX_BYTES);
P1_STAT_ATTR(parity_errors, P1_STAT_PARITY_ERRORS);
P1_STAT_ATTR(frame_errors, P1_STAT_FRAME_ERRORS);
P1_STAT_ATTR(overruns, P1_STAT_OVERRUNS);
P1_STAT_ATTR(breaks, P1_STAT_BREAKS);
P1_STAT_ATTR(reader_overruns, P1_STAT_READER_OVERRUNS);
P1_STAT_ATTR(dropped, P1_STAT_DROPPED);
P1_STAT_ATTR(encrypted, P1_STAT_ENCRYPTED);
P1_STAT_ATTR(encrypted_no_key, P1_STAT_ENCRYPTED_NO_KEY);
P1_STAT_ATTR(encrypted_decrypted, P1_STAT_ENCRYPTED_DECRYPTED);
P1_STAT_ATTR(encrypted_auth_failed, P1_STAT_ENCRYPTED_AUTH_FAILED);
P1_STAT_ATTR(encrypted_replays, P1_STAT_ENCRYPTED_REPLAYS);
P1_STAT_ATTR(events_lost, P1_STAT_EVENTS_LOST);

static struct attribute *p1_stat_attrs[] = {
	&p1_stat_attr_telegrams.attr.attr,
	&p1_stat_attr_crc_errors.attr.attr,
	&p1_stat_attr_crc_missing.attr.attr,
	&p1_stat_attr_line_errors.attr.attr,
	&p1_stat_attr_truncated.attr.attr,
	&p1_stat_attr_oversize.attr.attr,
	&p1_stat_attr_recovered.attr.attr,
	&p1_stat_attr_garbage_bytes.attr.attr,
	&p1_stat_attr_rx_bytes.attr.attr,
	&p1_stat_attr_parity_errors.attr.attr,
	&p1_stat_attr_frame_errors.attr.attr,
	&p1_stat_attr_overruns.attr.attr,
	&p1_stat_attr_breaks.attr.attr,
	&p1_stat_attr_reader_overruns.attr.attr,
	&p1_stat_attr_dropped.attr.attr,
	&p1_stat_attr_encrypted.attr.attr,
	&p1_stat_attr_encrypted_no_key.attr.attr,
	&p1_stat_attr_encrypted_decrypted.attr.attr,
	&p1_stat_attr_encrypted_auth_failed.attr.attr,
	&p1_stat_attr_encrypted_replays.attr.attr,
	&p1_stat_attr_events_lost.attr.attr,
	NULL,
};

static const struct attribute_group p1_stat_group = {
	.name = "statistics",
	.attrs = p1_stat_attrs,
};

const struct attribute_group *p1_dev_groups[] = {
	&p1_dev_group,
	&p1_stat_group,
	NULL,
};
