/* SPDX-License-Identifier: GPL-2.0 */
/*
 * n_p1.h - internal interfaces of the n_p1 line discipline.
 *
 * Objects and their lifetimes:
 *  - struct p1_dev: one per attached tty, created by the ldisc ->open and
 *    torn down (marked dead, device deleted) by ->close.  It embeds the
 *    struct device of /dev/p1-N; every open file holds a reference to it,
 *    and its release() frees it when the last one is gone.
 *  - struct p1_tg: one completed telegram, refcounted; the ring holds one
 *    reference, a reader copying it out holds another for the copy.
 *
 * Locking rules (documented here because struct p1_dev is defined here):
 *  - p1_dev.lock (spinlock) protects the framer state, the ring and its
 *    byte count, the sequence numbers, the counters, ident, equipment_id,
 *    the dead flag, and every reader's cursor (p1_reader.next and .flags).
 *    It is taken by ->receive_buf around each framer push and each store
 *    (never across an allocation or anything that sleeps), by readers to
 *    pick a telegram (never across the copy to userspace), by poll, and by
 *    sysfs/netlink to snapshot state.  sysfs show() never takes tty locks.
 *  - p1_dev.rx_mutex serialises the receive path: ->receive_buf (which
 *    the tty core already runs one at a time per tty) and the idle work
 *    that completes a telegram whose trailer ended in a bare CR.  Only
 *    they complete frames, so the framer's buffer (p1_dev.frbuf) holds a
 *    completed frame until they are done with it: it is copied out, or
 *    decrypted, after p1_dev.lock is dropped.  Other framer calls (reset,
 *    limits) change state, never the buffer.  It also owns the decryption
 *    state (*p1_dev.crypto: transform, buffers, the second framer, the
 *    frame counter of each system title): p1_dev.crypto is replaced with
 *    rx_mutex and p1_dev.lock both held, so either one keeps it from
 *    changing; the old one is freed after both are dropped.  Taken before
 *    p1_dev.lock, never under it.
 *  - p1_reader.mutex serialises read() and the ioctls that read or write
 *    p1_reader.meta on one open file.  It is not held while read() sleeps.
 *  - p1_devs_mutex (n_p1_main.c) protects the global device list and
 *    p1_devs_gen, taken by attach/detach and netlink dumps; never taken
 *    under p1_dev.lock.
 *  - notify_work's fields (notified_seq, eid_sent) belong to the work item,
 *    which the workqueue never runs concurrently with itself.
 *  - p1_dev.index, id and tty_name are set before the device is visible
 *    and never change: read them without a lock.
 */
#ifndef N_P1_H
#define N_P1_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/p1.h>

#include "p1_framer.h"

/* Every telegram fits one netlink attribute (P1_MAX_TELEGRAM_SIZE). */
#define P1_MAX_TELEGRAM_LIMIT	P1_MAX_TELEGRAM_SIZE
#define P1_KEY_LEN		16
#define P1_IDENT_MAX		96
#define P1_MINORS		256

struct p1_crypto;

struct p1_tg {
	struct kref ref;
	struct list_head evict;		/* p1_dev_receive() only */
	struct p1_telegram_meta meta;
	u8 data[];
};

struct p1_dev {
	struct device dev;
	struct cdev cdev;
	struct list_head node;		/* p1_devs, under p1_devs_mutex */
	int index;
	u64 id;				/* P1_A_DEV_ID: never reused */
	char tty_name[64];

	struct mutex rx_mutex;		/* the receive path, see above */
	struct delayed_work idle_work;	/* a bare CR ended the trailer */
	spinlock_t lock;		/* see the top of this file */
	struct p1_framer fr;
	u8 *frbuf;
	struct p1_tg **ring;
	u32 ring_size;
	size_t ring_bytes;		/* bytes of the telegrams in the ring */
	size_t ring_bytes_max;		/* bound on ring_bytes */
	struct list_head evicted;	/* left the ring, to be put unlocked */
	u64 seq;			/* last sequence number stored */
	u64 first;			/* oldest sequence number still kept */
	u64 reader_overruns;
	u64 dropped;
	u64 events_lost;
	char ident[P1_IDENT_MAX];
	char equipment_id[P1_IDENT_MAX];	/* of the last verified telegram */
	bool dead;

	/* encrypted meters (n_p1_crypto.c), under lock */
	struct p1_crypto *crypto;	/* NULL: no key; see rx_mutex */
	u8 auth_key[P1_KEY_LEN];
	u64 enc_no_key, enc_decrypted, enc_auth_failed, enc_replays;
	struct p1_framer_stats enc_stats;	/* of the second framer */

	wait_queue_head_t wait;
	struct work_struct notify_work;
	u64 notified_seq;		/* notify_work only */
	char eid_sent[P1_IDENT_MAX];	/* notify_work only */
};

/*
 * The ring slot of sequence number @seq (p->lock held).  div_u64_rem(): a
 * plain u64 % u32 needs a libgcc helper on 32-bit kernels, which they lack.
 */
static inline struct p1_tg **p1_ring_slot(struct p1_dev *p, u64 seq)
{
	u32 slot;

	div_u64_rem(seq, p->ring_size, &slot);
	return &p->ring[slot];
}

struct p1_reader {
	struct p1_dev *p;
	struct mutex mutex;		/* serialises read and meta on the file */
	u64 next;			/* next sequence number; p1_dev.lock */
	u32 flags;			/* P1_RF_*; p1_dev.lock */
	struct p1_telegram_meta meta;	/* of the last read; mutex */
};

/* n_p1_main.c */
extern unsigned int p1_ring_size;
extern unsigned int p1_ring_bytes;
extern unsigned int p1_max_telegram_size;
extern struct mutex p1_devs_mutex;
extern struct list_head p1_devs;
extern unsigned long p1_devs_gen;

/* n_p1_dev.c: device lifetime and the telegram ring */
int p1_dev_register_class(void);
void p1_dev_unregister_class(void);
struct p1_dev *p1_dev_create(struct tty_struct *tty);
void p1_dev_destroy(struct p1_dev *p);
void p1_dev_hangup(struct p1_dev *p);
void p1_dev_receive(struct p1_dev *p, const u8 *cp, const u8 *fp,
		    size_t count);
void p1_tg_put(struct p1_tg *tg);
void p1_dev_stats(struct p1_dev *p, u64 *stats);	/* [__P1_STAT_MAX] */
void p1_dev_line_changed(struct p1_dev *p, bool cs7, bool reset);
void p1_copy_printable(char *dst, size_t size, const u8 *src, size_t len);
int p1_parse_equipment_id(char *out, const u8 *d, u32 len);

/* A telegram made from frame @f (process context); NULL if no memory. */
struct p1_tg *p1_tg_new(const struct p1_frame *f, u64 boot, u64 real);
/* Queue it (rx_mutex held, p->lock not); false if the device is dead. */
bool p1_dev_store(struct p1_dev *p, struct p1_tg *tg);

/* n_p1_crypto.c: encrypted meters (DLMS frames, AES-128-GCM) */
void p1_crypto_init(struct p1_dev *p);
void p1_crypto_destroy(struct p1_dev *p);
/* Process context, not under p->lock.  NULL clears / restores Smarty's. */
int p1_crypto_set_key(struct p1_dev *p, const u8 *key);
int p1_crypto_set_auth_key(struct p1_dev *p, const u8 *auth);
bool p1_crypto_has_key(struct p1_dev *p);
/* 32 hex digits (P1_KEY_LEN), "" (0) or -EINVAL; a newline may follow. */
int p1_crypto_parse_key(const char *buf, size_t count, u8 *key);
/* A completed DLMS frame; rx_mutex held, p->lock not.  True if stored. */
bool p1_crypto_frame(struct p1_dev *p, const struct p1_frame *f, u64 boot,
		     u64 real);
void p1_crypto_stats(struct p1_dev *p, u64 *s);	/* p->lock held */
bool p1_crypto_key_needed(struct p1_dev *p);
int p1_crypto_ioctl(struct p1_dev *p, void __user *arg);	/* SET_KEY */
extern struct device_attribute dev_attr_key, dev_attr_auth_key,
	dev_attr_key_needed;

/* n_p1_reader.c: per-open-file cursor (used by the chardev and KUnit) */
void p1_reader_init(struct p1_reader *r, struct p1_dev *p);
void p1_reader_destroy(struct p1_reader *r);
ssize_t p1_reader_read(struct p1_reader *r, struct iov_iter *to,
		       bool nonblock);
bool p1_reader_ready(struct p1_reader *r);
u32 p1_reader_next_len(struct p1_reader *r);
u32 p1_reader_rewind(struct p1_reader *r, u32 steps);
void p1_reader_set_flags(struct p1_reader *r, u32 flags);
u32 p1_reader_get_flags(struct p1_reader *r);

/* n_p1_chardev.c */
int p1_chardev_init(void);
void p1_chardev_exit(void);
extern const struct file_operations p1_fops;
u32 p1_meta_ioctl_size(unsigned int cmd);
extern dev_t p1_devt;

/* n_p1_sysfs.c */
extern const struct attribute_group *p1_dev_groups[];

/* n_p1_netlink.c */
int p1_genl_init(void);
void p1_genl_exit(void);
void p1_genl_notify_dev(struct p1_dev *p, u8 cmd);
bool p1_genl_tg_listeners(void);
int p1_genl_notify_tg(struct p1_dev *p, struct p1_tg *tg);
u32 p1_genl_tg_group(void);	/* KUnit builds only */

/* n_p1_ldisc.c */
extern int p1_ldisc_num;
int p1_ldisc_init(void);
void p1_ldisc_exit(void);

#endif /* N_P1_H */
