// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_reader.c - a reader's cursor over a device's telegram ring, as used
 * by each open file of /dev/p1-N (and by the KUnit suites).
 *
 * The ring holds the telegrams with sequence numbers first..seq in slot
 * seq % ring_size (n_p1_dev.c).  A reader's cursor is the sequence number
 * it reads next; one that fell out of the ring gets -EPIPE once and resumes
 * at the oldest telegram kept.  Telegrams that failed their checks are
 * skipped unless the reader set P1_RF_ALL.
 *
 * Locking: the cursor (next) and flags are under p1_dev.lock, so poll and
 * the ioctls see them consistent without the file's mutex.
 * p1_reader.mutex serialises read() (pick, copy, advance, meta) on one
 * file and is not held while read() sleeps for a telegram.  p1_dev.lock is
 * held only to pick a telegram and take a reference, never across the copy
 * to userspace.
 */
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "n_p1.h"

void p1_reader_init(struct p1_reader *r, struct p1_dev *p)
{
	r->p = p;
	mutex_init(&r->mutex);
	memset(&r->meta, 0, sizeof(r->meta));
	spin_lock(&p->lock);
	r->next = p->seq + 1;
	r->flags = 0;
	spin_unlock(&p->lock);
}

void p1_reader_destroy(struct p1_reader *r)
{
	mutex_destroy(&r->mutex);
}

void p1_reader_set_flags(struct p1_reader *r, u32 flags)
{
	spin_lock(&r->p->lock);
	r->flags = flags;
	spin_unlock(&r->p->lock);
}

u32 p1_reader_get_flags(struct p1_reader *r)
{
	u32 flags;

	spin_lock(&r->p->lock);
	flags = r->flags;
	spin_unlock(&r->p->lock);
	return flags;
}

/* With p->lock held: would @r be given the telegram in the ring at @seq? */
static bool p1_wanted(struct p1_reader *r, u64 seq)
{
	struct p1_dev *p = r->p;

	return (r->flags & P1_RF_ALL) ||
	       p1_fr_status_good((*p1_ring_slot(p, seq))->meta.status);
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
	if (r->next < p->first && p->seq) {
		*err = -EPIPE;
		if (!peek) {
			r->next = p->first;
			p->reader_overruns++;
		}
		return NULL;
	}
	for (; r->next <= p->seq; r->next++) {
		if (p1_wanted(r, r->next)) {
			tg = *p1_ring_slot(p, r->next);
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

/*
 * Step back over up to @steps telegrams this reader would be given, as far
 * as the ring reaches.  Returns how many it stepped over.
 */
u32 p1_reader_rewind(struct p1_reader *r, u32 steps)
{
	struct p1_dev *p = r->p;
	u32 done = 0;
	u64 s;

	spin_lock(&p->lock);
	if (r->next > p->seq + 1)
		r->next = p->seq + 1;
	if (r->next < p->first)
		r->next = p->first;
	for (s = r->next; done < steps && s > p->first && p->seq; ) {
		s--;
		if (p1_wanted(r, s)) {
			r->next = s;
			done++;
		}
	}
	spin_unlock(&p->lock);
	return done;
}

/*
 * Read one telegram into @to.  Returns its length, 0 at EOF (device dead
 * and nothing queued), or -EAGAIN, -EPIPE, -EMSGSIZE, -EFAULT,
 * -ERESTARTSYS.
 */
ssize_t p1_reader_read(struct p1_reader *r, struct iov_iter *to,
		       bool nonblock)
{
	struct p1_dev *p = r->p;
	struct p1_tg *tg;
	ssize_t ret;
	bool dead;
	int err;

	for (;;) {
		if (mutex_lock_interruptible(&r->mutex))
			return -ERESTARTSYS;
		spin_lock(&p->lock);
		tg = p1_pick(r, &err, false);
		dead = p->dead;
		spin_unlock(&p->lock);
		if (tg || err)
			break;
		mutex_unlock(&r->mutex);
		if (dead)
			return 0;
		if (nonblock)
			return -EAGAIN;
		/* Sleep without the mutex: ioctls on this file go on. */
		ret = wait_event_interruptible(p->wait, p1_reader_ready(r));
		if (ret)
			return ret;
	}
	ret = err;
	if (err)
		goto out;
	ret = -EMSGSIZE;
	if (tg->meta.len > iov_iter_count(to))
		goto out_put;
	ret = -EFAULT;
	if (copy_to_iter(tg->data, tg->meta.len, to) != tg->meta.len)
		goto out_put;
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
