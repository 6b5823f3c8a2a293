// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_dev.c - one struct p1_dev per attached tty: creation and teardown of
 * /dev/p1-N, the telegram ring, and the receive path from the framer.
 *
 * Locking: see n_p1.h.  p1_dev_receive() holds rx_mutex throughout, takes
 * p1_dev.lock around each framer push and each store into the ring, and
 * between the two, without it, decrypts a DLMS frame (n_p1_crypto.c) and
 * allocates the telegram (GFP_KERNEL: ->receive_buf runs in process
 * context).  Telegrams leaving the ring are freed after it is dropped.
 *
 * The ring keeps telegrams first..seq in slot seq % ring_size, bounded by
 * count (ring_size) and by bytes (ring_bytes_max): the oldest go first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "n_p1.h"

/* A trailer line that ended in a bare CR completes after this much quiet. */
#define P1_IDLE_DELAY	(HZ / 5)

static void p1_idle_work(struct work_struct *work);

static DEFINE_IDA(p1_ida);
static atomic64_t p1_next_id = ATOMIC64_INIT(0);
static struct class *p1_class;

static char *p1_devnode(P1_CLASS_DEV_T *dev, umode_t *mode)
{
	/* Telegrams name and describe a household: root and group only. */
	if (mode)
		*mode = 0640;
	return NULL;
}

/*
 * P1_TTY for udev rules.  Not the equipment id: the uevent file is world
 * readable and every uevent listener gets it.  udev reads the root-only
 * equipment_id attribute when a "change" uevent says it is known.
 */
static int p1_dev_uevent(P1_CLASS_DEV_T *dev, struct kobj_uevent_env *env)
{
	struct p1_dev *p = container_of(dev, struct p1_dev, dev);

	return add_uevent_var(env, "P1_TTY=%s", p->tty_name);
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
	kvfree(container_of(ref, struct p1_tg, ref));
}

/* Drops a reference; may sleep (kvfree): never under p1_dev.lock. */
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
	kfree(p->ring);
	kvfree(p->frbuf);
	p1_crypto_destroy(p);
	ida_free(&p1_ida, p->index);
	kfree(p);
}

/*
 * Sends telegram notifications, pokes last_seq pollers and announces a
 * new equipment id to udev; never atomic.  Telegrams that left the ring
 * before their turn, or could not be sent, are counted in events_lost.
 */
static void p1_notify_work(struct work_struct *work)
{
	struct p1_dev *p = container_of(work, struct p1_dev, notify_work);
	char eid[P1_IDENT_MAX];
	struct p1_tg *tg;
	u64 s;

	for (;;) {
		spin_lock(&p->lock);
		if (p->notified_seq >= p->seq) {
			spin_unlock(&p->lock);
			break;
		}
		if (!p1_genl_tg_listeners()) {
			/* Nobody to tell: nothing is lost. */
			p->notified_seq = p->seq;
			spin_unlock(&p->lock);
			break;
		}
		s = p->notified_seq + 1;
		if (s < p->first) {
			p->events_lost += p->first - s;
			s = p->first;
		}
		tg = *p1_ring_slot(p, s);
		kref_get(&tg->ref);
		p->notified_seq = s;
		spin_unlock(&p->lock);

		if (p1_genl_notify_tg(p, tg)) {
			spin_lock(&p->lock);
			p->events_lost++;
			spin_unlock(&p->lock);
		}
		p1_tg_put(tg);
	}
	sysfs_notify(&p->dev.kobj, NULL, "last_seq");

	spin_lock(&p->lock);
	memcpy(eid, p->equipment_id, sizeof(eid));
	spin_unlock(&p->lock);
	if (strcmp(eid, p->eid_sent)) {
		/* udev reads equipment_id (root only) for /dev/p1/by-meter. */
		memcpy(p->eid_sent, eid, sizeof(eid));
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
	p->ring_bytes_max = READ_ONCE(p1_ring_bytes);
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
	mutex_init(&p->rx_mutex);
	INIT_LIST_HEAD(&p->evicted);
	init_waitqueue_head(&p->wait);
	INIT_WORK(&p->notify_work, p1_notify_work);
	INIT_DELAYED_WORK(&p->idle_work, p1_idle_work);
	p1_framer_init(&p->fr, p->frbuf, P1_MAX_TELEGRAM_LIMIT);
	p1_framer_set_max(&p->fr, READ_ONCE(p1_max_telegram_size));
	p1_crypto_init(p);
	p->first = 1;
	p->id = atomic64_inc_return(&p1_next_id);
	strscpy(p->tty_name, tty_name(tty), sizeof(p->tty_name));

	device_initialize(&p->dev);
	p->dev.class = p1_class;
	/*
	 * The hardware device (USB-serial port, UART), as gnss does, not the
	 * tty's class device: serial_core unregisters that one before it
	 * hangs the port up, which would delete a parent before its child.
	 * NULL for ptys.
	 */
	p->dev.parent = tty->dev ? tty->dev->parent : NULL;
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
	/* A link to the tty for tools; removed at detach. */
	if (tty->dev && sysfs_create_link(&p->dev.kobj, &tty->dev->kobj,
					  "tty_device"))
		dev_warn(&p->dev, "cannot link to %s\n", p->tty_name);

	mutex_lock(&p1_devs_mutex);
	list_add_tail(&p->node, &p1_devs);
	p1_devs_gen++;
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
	cancel_delayed_work_sync(&p->idle_work);
	/* Pending telegram events go out before the detach event. */
	flush_work(&p->notify_work);
	p1_genl_notify_dev(p, P1_CMD_DETACHED);

	mutex_lock(&p1_devs_mutex);
	list_del(&p->node);
	p1_devs_gen++;
	mutex_unlock(&p1_devs_mutex);
	dev_info(&p->dev, "detached from %s\n", p->tty_name);
	/* Does not look at the target, which may be gone already. */
	sysfs_remove_link(&p->dev.kobj, "tty_device");
	cdev_device_del(&p->cdev, &p->dev);
	put_device(&p->dev);
}

/*
 * Copy one line of @src (up to CR, LF or @len) into @dst as a C string,
 * every byte that is not printable ASCII replaced by '?': what reaches
 * sysfs, netlink and terminals cannot carry escape sequences.
 */
void p1_copy_printable(char *dst, size_t size, const u8 *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size && src[i] != '\r' &&
	     src[i] != '\n'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static bool p1_id_char_ok(u8 c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/*
 * The meter's equipment identifier (0-0:96.1.1, or 0-0:96.1.0 on eMUCs)
 * from telegram @d into @out (P1_IDENT_MAX bytes): hex-encoded ASCII in
 * DSMR >= 4, decoded when it is; kept only if it is made of characters
 * safe for a /dev symlink.  0, or -ENOENT if the telegram names none.
 */
int p1_parse_equipment_id(char *out, const u8 *d, u32 len)
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
				return -ENOENT;
		if (!n || n == len)
			return -ENOENT;
		/* hex-encoded ASCII (DSMR >= 4): decode if it decodes cleanly */
		if (!(n & 1) && !hex2bin(id, (const char *)d, n / 2)) {
			for (i = 0; i < n / 2 && p1_id_char_ok(id[i]); i++)
				;
			if (i == n / 2) {
				memcpy(out, id, i);
				out[i] = '\0';
				return 0;
			}
		}
		if (n >= P1_IDENT_MAX)
			return -ENOENT;
		memcpy(out, d, n);
		out[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

/*
 * A telegram for the ring (meta.flags from the frame only), made outside
 * p1_dev.lock: ->receive_buf and the idle work run in process context.
 * NULL if there is no memory.
 */
struct p1_tg *p1_tg_new(const struct p1_frame *f, u64 boot, u64 real)
{
	struct p1_tg *tg;

	tg = kvmalloc(struct_size(tg, data, f->len), GFP_KERNEL | __GFP_NOWARN);
	if (!tg)
		return NULL;
	kref_init(&tg->ref);
	memcpy(tg->data, f->data, f->len);
	tg->meta = (struct p1_telegram_meta){
		.boottime_first_ns = f->start_stamp,
		.boottime_last_ns = f->end_stamp,
		.realtime_first_ns = real - (boot - f->start_stamp),
		.realtime_last_ns = real - (boot - f->end_stamp),
		.len = f->len,
		.status = f->status,
		.crc_rx = f->crc_rx,
		.crc_calc = f->crc_calc,
		.flags = f->has_crc ? P1_META_HAS_CRC : 0,
	};
	return tg;
}

/*
 * Queue @tg as the next telegram, with p->lock held.  Telegrams pushed out
 * of the ring (by count or by bytes; the new one always stays) go on
 * p->evicted, to be put once the lock is dropped (p1_dev_stored()).
 */
static void p1_ring_add(struct p1_dev *p, struct p1_tg *tg)
{
	u64 seq = ++p->seq;
	struct p1_tg **slot;

	tg->meta.seq = seq;
	while (p->first < seq &&
	       (seq - p->first >= p->ring_size ||
		p->ring_bytes + tg->meta.len > p->ring_bytes_max)) {
		slot = p1_ring_slot(p, p->first);
		p->ring_bytes -= (*slot)->meta.len;
		list_add_tail(&(*slot)->evict, &p->evicted);
		*slot = NULL;
		p->first++;
	}
	*p1_ring_slot(p, seq) = tg;
	p->ring_bytes += tg->meta.len;
}

/*
 * Queue telegram @tg (from p1_tg_new(); NULL: there was no memory, counted
 * as dropped), with rx_mutex held and p->lock not: the telegram is made
 * and its ids parsed before the lock is taken.  The ring takes the
 * reference.  False if the device is dead (@tg is then put).  Telegrams
 * leaving the ring go on p->evicted.
 */
bool p1_dev_store(struct p1_dev *p, struct p1_tg *tg)
{
	char ident[P1_IDENT_MAX], eid[P1_IDENT_MAX];
	bool good = tg && p1_fr_status_good(tg->meta.status), has_eid;

	if (good)
		p1_copy_printable(ident, sizeof(ident), tg->data + 1,
				  tg->meta.len - 1);
	/* The id only from telegrams nothing speaks against. */
	has_eid = good && (tg->meta.status == P1_FR_OK ||
			   tg->meta.status == P1_FR_NO_CRC) &&
		  !p1_parse_equipment_id(eid, tg->data, tg->meta.len);

	spin_lock(&p->lock);
	if (p->dead) {
		spin_unlock(&p->lock);
		p1_tg_put(tg);
		return false;
	}
	if (!tg) {
		p->dropped++;
		spin_unlock(&p->lock);
		return true;
	}
	p1_ring_add(p, tg);
	if (good)
		memcpy(p->ident, ident, sizeof(ident));
	if (has_eid)
		memcpy(p->equipment_id, eid, sizeof(eid));
	spin_unlock(&p->lock);
	return true;
}

/*
 * Queue completed text frame @f (rx_mutex held, p->lock not; f->data stays
 * valid: only the rx_mutex holder completes frames).  False if the device
 * is dead.
 */
static bool p1_dev_deliver(struct p1_dev *p, const struct p1_frame *f,
			   u64 boot, u64 real)
{
	return p1_dev_store(p, p1_tg_new(f, boot, real));
}

static void p1_dev_stored(struct p1_dev *p, bool stored)
{
	struct p1_tg *tg, *tmp;
	LIST_HEAD(evicted);

	spin_lock(&p->lock);
	list_splice_init(&p->evicted, &evicted);
	spin_unlock(&p->lock);
	list_for_each_entry_safe(tg, tmp, &evicted, evict)
		p1_tg_put(tg);
	if (stored) {
		wake_up_interruptible_all(&p->wait);
		schedule_work(&p->notify_work);
	}
}

/*
 * Feed received bytes to the framer and queue the telegrams it completes.
 * Input arriving once the device is dead (hung up, detached) is dropped:
 * a reader that saw EOF never sees data after it.
 */
void p1_dev_receive(struct p1_dev *p, const u8 *cp, const u8 *fp,
		    size_t count)
{
	u64 boot = ktime_get_boottime_ns();
	u64 real = ktime_get_real_ns();
	bool cr = count && (cp[count - 1] & 0x7f) == '\r';
	struct p1_frame f;
	bool stored = false, more = false;
	size_t n;

	mutex_lock(&p->rx_mutex);
	/* more: a rejected frame's bytes wait to be scanned again */
	while (count || more) {
		spin_lock(&p->lock);
		if (p->dead) {
			spin_unlock(&p->lock);
			break;
		}
		n = p1_framer_push(&p->fr, cp, fp, count, boot, &f);
		more = p1_framer_pending(&p->fr);
		spin_unlock(&p->lock);
		cp += n;
		if (fp)
			fp += n;
		count -= n;
		if (!f.len)
			continue;
		/*
		 * Decrypted and stored in the order the framer completes
		 * them, outside p->lock (GFP_KERNEL, the crypto API); the
		 * next round sees a device that died meanwhile.
		 */
		if (f.type == P1_FRAME_DLMS) {
			stored |= p1_crypto_frame(p, &f, boot, real);
			/* one that failed its tag is scanned again */
			spin_lock(&p->lock);
			more = p1_framer_pending(&p->fr);
			spin_unlock(&p->lock);
			continue;
		}
		if (!p1_dev_deliver(p, &f, boot, real))
			break;
		stored = true;
	}
	/* If that CR ended a trailer line, no LF may ever follow. */
	if (cr)
		mod_delayed_work(system_wq, &p->idle_work, P1_IDLE_DELAY);
	mutex_unlock(&p->rx_mutex);
	p1_dev_stored(p, stored);
}

/* The line stayed quiet after a CR: complete a telegram waiting for LF. */
static void p1_idle_work(struct work_struct *work)
{
	struct p1_dev *p = container_of(to_delayed_work(work), struct p1_dev,
					idle_work);
	u64 boot = ktime_get_boottime_ns();
	u64 real = ktime_get_real_ns();
	struct p1_frame f = { .len = 0 };
	bool stored = false;

	mutex_lock(&p->rx_mutex);
	spin_lock(&p->lock);
	if (!p->dead)
		p1_framer_idle(&p->fr, boot, &f);
	spin_unlock(&p->lock);
	if (f.len)
		stored = p1_dev_deliver(p, &f, boot, real);
	mutex_unlock(&p->rx_mutex);
	p1_dev_stored(p, stored);
}

/*
 * The line settings changed (set_termios): bit 7 masked or not, and, when
 * the speed or character size changed, the bytes in flight were read with
 * the old ones: drop the telegram in progress.
 */
void p1_dev_line_changed(struct p1_dev *p, bool cs7, bool reset)
{
	spin_lock(&p->lock);
	p1_framer_set_cs7(&p->fr, cs7);
	if (reset)
		p1_framer_reset(&p->fr);
	spin_unlock(&p->lock);
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
	s[P1_STAT_EVENTS_LOST] = p->events_lost;
	spin_unlock(&p->lock);
}
