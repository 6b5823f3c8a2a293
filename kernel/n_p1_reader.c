// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_reader.c - a reader's cursor over a device's telegram ring, as used
 * by each open file of /dev/p1-N (and by the KUnit suites).
 *
 * The ring holds the telegrams with sequence numbers seq-ring_size+1..seq
 * in slot seq % ring_size.  A reader's cursor is the sequence number it
 * reads next; one that fell out of the ring gets -EPIPE once and resumes at
 * the oldest telegram kept.  Telegrams that failed their checks are skipped
 * unless the reader set P1_RF_ALL.
 *
 * Locking: p1_reader.mutex serialises the calls on one reader; p1_dev.lock
 * is held only to pick a telegram and take a reference, never across the
 * copy to userspace.
 */
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "n_p1.h"

void p1_reader_init(struct p1_reader *r, struct p1_dev *p)
{
	r->p = p;
	mutex_init(&r->mutex);
	spin_lock(&p->lock);
	r->next = p->seq + 1;
	spin_unlock(&p->lock);
	r->flags = 0;
	memset(&r->meta, 0, sizeof(r->meta));
}

void p1_reader_destroy(struct p1_reader *r)
{
	mutex_destroy(&r->mutex);
}

static u64 p1_oldest(struct p1_dev *p)
{
	return p->seq >= p->ring_size ? p->seq - p->ring_size + 1 : 1;
}

/*
 * With p->lock held: the next telegram for @r, referenced, or NULL.
 * Skips (consumes) telegrams the reader does not want.  -EPIPE when the
 * reader was overrun; unless @peek, that also moves it to the oldest.
 */
static struct p1_tg *p1_pick(struct p1_reader *r, int *err, bool peek)
{
	struct p1_dev *p = r->p;
	struct p1_tg *tg;

	*err = 0;
	if (r->next < p1_oldest(p) && p->seq) {
		*err = -EPIPE;
		if (!peek) {
			r->next = p1_oldest(p);
			p->reader_overruns++;
		}
		return NULL;
	}
	for (; r->next <= p->seq; r->next++) {
		tg = *p1_ring_slot(p, r->next);
		if ((r->flags & P1_RF_ALL) || p1_fr_status_good(tg->meta.status)) {
			kref_get(&tg->ref);
			return tg;
		}
	}
	return NULL;
}

bool p1_reader_ready(struct p1_reader *r)
{
	struct p1_tg *tg;
	bool ready;
	int err;

	spin_lock(&r->p->lock);
	tg = p1_pick(r, &err, true);
	ready = tg || err || r->p->dead;
	spin_unlock(&r->p->lock);
	p1_tg_put(tg);
	return ready;
}

u32 p1_reader_next_len(struct p1_reader *r)
{
	struct p1_tg *tg;
	u32 len = 0;
	int err;

	spin_lock(&r->p->lock);
	tg = p1_pick(r, &err, true);
	spin_unlock(&r->p->lock);
	if (tg)
		len = tg->meta.len;
	p1_tg_put(tg);
	return len;
}

u32 p1_reader_rewind(struct p1_reader *r, u32 steps)
{
	struct p1_dev *p = r->p;
	u64 oldest, target;

	spin_lock(&p->lock);
	oldest = p1_oldest(p);
	if (r->next > p->seq + 1)
		r->next = p->seq + 1;
	target = r->next > oldest + steps ? r->next - steps : oldest;
	if (target > r->next || !p->seq)
		target = r->next;
	steps = r->next - target;
	r->next = target;
	spin_unlock(&p->lock);
	return steps;
}

/*
 * Read one telegram into @buf (a user pointer if @to_user).  Returns its
 * length, 0 at EOF (device dead and nothing queued), or -EAGAIN, -EPIPE,
 * -EMSGSIZE, -EFAULT, -ERESTARTSYS.
 */
ssize_t p1_reader_read(struct p1_reader *r, void *buf, size_t count,
		       bool nonblock, bool to_user)
{
	struct p1_dev *p = r->p;
	struct p1_tg *tg;
	ssize_t ret;
	bool dead;
	int err;

	if (mutex_lock_interruptible(&r->mutex))
		return -ERESTARTSYS;
	for (;;) {
		spin_lock(&p->lock);
		tg = p1_pick(r, &err, false);
		dead = p->dead;
		spin_unlock(&p->lock);
		if (tg || err)
			break;
		ret = 0;
		if (dead)
			goto out;
		ret = -EAGAIN;
		if (nonblock)
			goto out;
		ret = wait_event_interruptible(p->wait, p1_reader_ready(r));
		if (ret)
			goto out;
	}
	ret = err;
	if (err)
		goto out;
	ret = -EMSGSIZE;
	if (tg->meta.len > count)
		goto out_put;
	ret = -EFAULT;
	if (to_user) {
		if (copy_to_user((void __user *)buf, tg->data, tg->meta.len))
			goto out_put;
	} else {
		memcpy(buf, tg->data, tg->meta.len);
	}
	spin_lock(&p->lock);
	if (r->next == tg->meta.seq)
		r->next++;
	spin_unlock(&p->lock);
	r->meta = tg->meta;
	ret = tg->meta.len;
out_put:
	p1_tg_put(tg);
out:
	mutex_unlock(&r->mutex);
	return ret;
}
