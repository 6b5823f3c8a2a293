// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_dev.c - one struct p1_dev per attached tty: creation and teardown of
 * /dev/p1-N, the telegram ring, and the receive path from the framer.
 *
 * Locking: see n_p1.h.  p1_dev_receive() holds p1_dev.lock for one whole
 * receive_buf call, so readers and sysfs see the framer, the ring and the
 * counters change together.
 */
#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "n_p1.h"

static DEFINE_IDA(p1_ida);
static atomic64_t p1_next_id = ATOMIC64_INIT(0);
static struct class *p1_class;

static char *p1_devnode(P1_CLASS_DEV_T *dev, umode_t *mode)
{
	/* Telegrams can carry equipment ids: root and group only. */
	if (mode)
		*mode = 0640;
	return NULL;
}

/* P1_TTY and, once a telegram named it, P1_EQUIPMENT_ID for udev rules. */
static int p1_dev_uevent(P1_CLASS_DEV_T *dev, struct kobj_uevent_env *env)
{
	struct p1_dev *p = container_of(dev, struct p1_dev, dev);
	char id[P1_IDENT_MAX];
	int ret;

	spin_lock(&p->lock);
	memcpy(id, p->equipment_id, sizeof(id));
	spin_unlock(&p->lock);
	ret = add_uevent_var(env, "P1_TTY=%s", p->tty_name);
	if (!ret && id[0])
		ret = add_uevent_var(env, "P1_EQUIPMENT_ID=%s", id);
	return ret;
}

int p1_dev_register_class(void)
{
	p1_class = p1_class_create(P1_CLASS_NAME);
	if (IS_ERR(p1_class))
		return PTR_ERR(p1_class);
	p1_class->devnode = p1_devnode;
	p1_class->dev_uevent = p1_dev_uevent;
	return 0;
}

void p1_dev_unregister_class(void)
{
	class_destroy(p1_class);
	ida_destroy(&p1_ida);
}

static void p1_tg_release(struct kref *ref)
{
	kfree(container_of(ref, struct p1_tg, ref));
}

void p1_tg_put(struct p1_tg *tg)
{
	if (tg)
		kref_put(&tg->ref, p1_tg_release);
}

static void p1_dev_release(struct device *dev)
{
	struct p1_dev *p = container_of(dev, struct p1_dev, dev);
	u32 i;

	for (i = 0; i < p->ring_size; i++)
		p1_tg_put(p->ring[i]);
	p1_tg_put(p->last_good);
	kfree(p->ring);
	kvfree(p->frbuf);
	p1_crypto_destroy(p);
	ida_free(&p1_ida, p->index);
	kfree(p);
}

/* Sends telegram notifications and pokes last_seq pollers; never atomic. */
static void p1_notify_work(struct work_struct *work)
{
	struct p1_dev *p = container_of(work, struct p1_dev, notify_work);
	struct p1_tg *tg;
	u64 s;

	for (;;) {
		spin_lock(&p->lock);
		if (p->notified_seq >= p->seq) {
			spin_unlock(&p->lock);
			break;
		}
		s = p->notified_seq + 1;
		if (p->seq - s >= p->ring_size)
			s = p->seq - p->ring_size + 1;
		tg = *p1_ring_slot(p, s);
		kref_get(&tg->ref);
		p->notified_seq = s;
		spin_unlock(&p->lock);

		p1_genl_notify_tg(p, tg);
		p1_tg_put(tg);
	}
	sysfs_notify(&p->dev.kobj, NULL, "last_seq");
	/* Lets udev add /dev/p1/by-meter/<equipment_id>. */
	if (!p->eid_announced && READ_ONCE(p->equipment_id[0])) {
		p->eid_announced = true;
		kobject_uevent(&p->dev.kobj, KOBJ_CHANGE);
	}
}

struct p1_dev *p1_dev_create(struct tty_struct *tty)
{
	struct p1_dev *p;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->ring_size = READ_ONCE(p1_ring_size);
	p->ring = kcalloc(p->ring_size, sizeof(*p->ring), GFP_KERNEL);
	p->frbuf = kvmalloc(P1_MAX_TELEGRAM_LIMIT, GFP_KERNEL);
	p->index = ida_alloc_max(&p1_ida, P1_MINORS - 1, GFP_KERNEL);
	if (!p->ring || !p->frbuf || p->index < 0) {
		ret = p->index < 0 ? p->index : -ENOMEM;
		if (p->index >= 0)
			ida_free(&p1_ida, p->index);
		kfree(p->ring);
		kvfree(p->frbuf);
		kfree(p);
		return ERR_PTR(ret);
	}
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->wait);
	INIT_WORK(&p->notify_work, p1_notify_work);
	p1_framer_init(&p->fr, p->frbuf, P1_MAX_TELEGRAM_LIMIT);
	p1_framer_set_max(&p->fr, READ_ONCE(p1_max_telegram_size));
	p1_crypto_init(p);
	p->id = atomic64_inc_return(&p1_next_id);
	p->tty = tty;
	strscpy(p->tty_name, tty_name(tty), sizeof(p->tty_name));

	device_initialize(&p->dev);
	p->dev.class = p1_class;
	p->dev.parent = tty->dev;
	p->dev.devt = MKDEV(MAJOR(p1_devt), p->index);
	p->dev.groups = p1_dev_groups;
	p->dev.release = p1_dev_release;
	dev_set_drvdata(&p->dev, p);
	ret = dev_set_name(&p->dev, "p1-%d", p->index);
	if (ret)
		goto err_put;
	cdev_init(&p->cdev, &p1_fops);
	p->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&p->cdev, &p->dev);
	if (ret)
		goto err_put;

	mutex_lock(&p1_devs_mutex);
	list_add_tail(&p->node, &p1_devs);
	mutex_unlock(&p1_devs_mutex);
	p1_genl_notify_dev(p, P1_CMD_ATTACHED);
	dev_info(&p->dev, "attached to %s\n", p->tty_name);
	return p;

err_put:
	put_device(&p->dev);
	return ERR_PTR(ret);
}

void p1_dev_hangup(struct p1_dev *p)
{
	spin_lock(&p->lock);
	p->dead = true;
	spin_unlock(&p->lock);
	wake_up_interruptible_all(&p->wait);
}

void p1_dev_destroy(struct p1_dev *p)
{
	p1_dev_hangup(p);
	p->tty = NULL;
	/* Pending telegram events go out before the detach event. */
	flush_work(&p->notify_work);
	p1_genl_notify_dev(p, P1_CMD_DETACHED);

	mutex_lock(&p1_devs_mutex);
	list_del(&p->node);
	mutex_unlock(&p1_devs_mutex);
	dev_info(&p->dev, "detached from %s\n", p->tty_name);
	cdev_device_del(&p->cdev, &p->dev);
	put_device(&p->dev);
}

/* Copy the identification line (without '/', up to the line end). */
static void p1_set_ident(struct p1_dev *p, const u8 *d, u32 len)
{
	u32 i;

	for (i = 1; i < len && i < sizeof(p->ident) && d[i] != '\r' &&
	     d[i] != '\n'; i++)
		p->ident[i - 1] = d[i];
	p->ident[i - 1] = '\0';
}

static bool p1_id_char_ok(u8 c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/*
 * The meter's equipment identifier (0-0:96.1.1, or 0-0:96.1.0 on eMUCs):
 * hex-encoded ASCII in DSMR >= 4, decoded when it is; kept only if it is
 * made of characters safe for a /dev symlink.
 */
static void p1_set_equipment_id(struct p1_dev *p, const u8 *d, u32 len)
{
	static const char * const keys[] = { "0-0:96.1.1(", "0-0:96.1.0(" };
	u8 id[P1_IDENT_MAX];
	u32 i, k, n, klen;

	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		klen = strlen(keys[k]);
		for (i = 0; i + klen < len; i++)
			if ((!i || d[i - 1] == '\n') &&
			    !memcmp(d + i, keys[k], klen))
				break;
		if (i + klen >= len)
			continue;
		d += i + klen;
		len -= i + klen;
		for (n = 0; n < len && d[n] != ')'; n++)
			if (!p1_id_char_ok(d[n]) || n >= 2 * (P1_IDENT_MAX - 1))
				return;
		if (!n || n == len)
			return;
		/* hex-encoded ASCII (DSMR >= 4): decode if it decodes cleanly */
		if (!(n & 1) && !hex2bin(id, (const char *)d, n / 2)) {
			for (i = 0; i < n / 2 && p1_id_char_ok(id[i]); i++)
				;
			if (i == n / 2) {
				memcpy(p->equipment_id, id, i);
				p->equipment_id[i] = '\0';
				return;
			}
		}
		if (n < P1_IDENT_MAX) {
			memcpy(p->equipment_id, d, n);
			p->equipment_id[n] = '\0';
		}
		return;
	}
}

bool p1_store(struct p1_dev *p, const struct p1_frame *f, u64 boot, u64 real,
	      u32 flags)
{
	struct p1_tg *tg, **slot;

	tg = kmalloc(struct_size(tg, data, f->len), GFP_ATOMIC | __GFP_NOWARN);
	if (!tg) {
		p->dropped++;
		return false;
	}
	kref_init(&tg->ref);
	memcpy(tg->data, f->data, f->len);
	tg->meta = (struct p1_telegram_meta){
		.seq = ++p->seq,
		.boottime_first_ns = f->start_stamp,
		.boottime_last_ns = f->end_stamp,
		.realtime_first_ns = real - (boot - f->start_stamp),
		.realtime_last_ns = real - (boot - f->end_stamp),
		.len = f->len,
		.status = f->status,
		.crc_rx = f->crc_rx,
		.crc_calc = f->crc_calc,
		.flags = (f->has_crc ? P1_META_HAS_CRC : 0) | flags,
	};
	slot = p1_ring_slot(p, tg->meta.seq);
	p1_tg_put(*slot);
	*slot = tg;
	if (p1_fr_status_good(f->status)) {
		p1_tg_put(p->last_good);
		kref_get(&tg->ref);
		p->last_good = tg;
		p1_set_ident(p, tg->data, tg->meta.len);
		if (!p->equipment_id[0])
			p1_set_equipment_id(p, tg->data, tg->meta.len);
	}
	return true;
}

void p1_dev_receive(struct p1_dev *p, const u8 *cp, const u8 *fp,
		    size_t count)
{
	u64 boot = ktime_get_boottime_ns();
	u64 real = ktime_get_real_ns();
	struct p1_frame f;
	bool stored = false;
	size_t n;

	spin_lock(&p->lock);
	while (count) {
		n = p1_framer_push(&p->fr, cp, fp, count, boot, &f);
		cp += n;
		if (fp)
			fp += n;
		count -= n;
		if (f.len && f.type == P1_FRAME_DLMS)
			stored |= p1_crypto_frame(p, &f, boot, real);
		else if (f.len)
			stored |= p1_store(p, &f, boot, real, 0);
	}
	spin_unlock(&p->lock);
	if (stored) {
		wake_up_interruptible_all(&p->wait);
		schedule_work(&p->notify_work);
	}
}

void p1_dev_stats(struct p1_dev *p, u64 *s)
{
	const struct p1_framer_stats *st = &p->fr.st;

	spin_lock(&p->lock);
	s[P1_STAT_TELEGRAMS] = st->telegrams;
	s[P1_STAT_CRC_ERRORS] = st->crc_errors;
	s[P1_STAT_CRC_MISSING] = st->crc_missing;
	s[P1_STAT_LINE_ERRORS] = st->line_errors;
	s[P1_STAT_TRUNCATED] = st->truncated;
	s[P1_STAT_OVERSIZE] = st->oversize;
	s[P1_STAT_RECOVERED] = st->recovered;
	s[P1_STAT_GARBAGE_BYTES] = st->garbage_bytes;
	s[P1_STAT_RX_BYTES] = st->rx_bytes;
	s[P1_STAT_PARITY_ERRORS] = st->parity_errors;
	s[P1_STAT_FRAME_ERRORS] = st->frame_errors;
	s[P1_STAT_OVERRUNS] = st->overruns;
	s[P1_STAT_BREAKS] = st->breaks;
	s[P1_STAT_READER_OVERRUNS] = p->reader_overruns;
	s[P1_STAT_DROPPED] = p->dropped;
	s[P1_STAT_ENCRYPTED] = st->dlms_frames;
	p1_crypto_stats(p, s);
	spin_unlock(&p->lock);
}
