// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_chardev.c - /dev/p1-N: one read() returns one whole telegram.
 *
 * Each open file owns a struct p1_reader (its cursor) and a reference to
 * the device, so the device outlives a hangup until the last close.
 * Locking: see n_p1_reader.c; nothing here touches the tty.  The reader's
 * mutex covers only P1_IOC_GET_META (the meta of the last read, any
 * version of struct p1_telegram_meta: see the uapi header); flags and
 * the cursor are under p1_dev.lock inside the reader functions.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "n_p1.h"

dev_t p1_devt;

static int p1_open(struct inode *inode, struct file *file)
{
	struct p1_dev *p = container_of(inode->i_cdev, struct p1_dev, cdev);
	struct p1_reader *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	get_device(&p->dev);
	p1_reader_init(r, p);
	file->private_data = r;
	return stream_open(inode, file);
}

static int p1_release(struct inode *inode, struct file *file)
{
	struct p1_reader *r = file->private_data;
	struct p1_dev *p = r->p;

	p1_reader_destroy(r);
	kfree(r);
	put_device(&p->dev);
	return 0;
}

static ssize_t p1_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct p1_reader *r = iocb->ki_filp->private_data;

	return p1_reader_read(r, to, (iocb->ki_filp->f_flags & O_NONBLOCK) ||
			      (iocb->ki_flags & IOCB_NOWAIT));
}

static __poll_t p1_poll(struct file *file, poll_table *wait)
{
	struct p1_reader *r = file->private_data;
	struct p1_dev *p = r->p;
	__poll_t mask = 0;

	poll_wait(file, &p->wait, wait);
	if (p1_reader_ready(r))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(p->dead))
		mask |= EPOLLHUP;
	return mask;
}

/*
 * P1_IOC_GET_META for a caller's struct of any size from version 1 up (its
 * number encodes the size, see the uapi header): that size, or 0 if @cmd
 * is no P1_IOC_GET_META.
 */
u32 p1_meta_ioctl_size(unsigned int cmd)
{
	BUILD_BUG_ON(offsetofend(struct p1_telegram_meta, flags) !=
		     P1_TELEGRAM_META_SIZE_V1);
	BUILD_BUG_ON(sizeof(struct p1_telegram_meta) !=
		     P1_TELEGRAM_META_SIZE_V2);
	if (_IOC_TYPE(cmd) != P1_IOC_MAGIC ||
	    _IOC_NR(cmd) != _IOC_NR(P1_IOC_GET_META) ||
	    _IOC_DIR(cmd) != _IOC_READ ||
	    _IOC_SIZE(cmd) < P1_TELEGRAM_META_SIZE_V1)
		return 0;
	return _IOC_SIZE(cmd);
}

/* As much of the meta as the caller's @size holds; the rest zeroed. */
static long p1_get_meta(struct p1_reader *r, void __user *uarg, u32 size)
{
	struct p1_telegram_meta meta;
	u32 n = min_t(u32, size, sizeof(meta));

	if (mutex_lock_interruptible(&r->mutex))
		return -ERESTARTSYS;
	meta = r->meta;
	mutex_unlock(&r->mutex);
	if (copy_to_user(uarg, &meta, n) ||
	    (size > n && clear_user(uarg + n, size - n)))
		return -EFAULT;
	return 0;
}

static long p1_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct p1_reader *r = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret = 0;
	u32 v;

	v = p1_meta_ioctl_size(cmd);
	if (v)
		return p1_get_meta(r, uarg, v);
	switch (cmd) {
	case FIONREAD:
		return put_user((int)p1_reader_next_len(r), (int __user *)uarg);
	case P1_IOC_SET_FLAGS:
		ret = get_user(v, (u32 __user *)uarg);
		if (!ret && (v & ~P1_RF_ALL))
			ret = -EINVAL;
		if (!ret)
			p1_reader_set_flags(r, v);
		return ret;
	case P1_IOC_GET_FLAGS:
		return put_user(p1_reader_get_flags(r), (u32 __user *)uarg);
	case P1_IOC_REWIND:
		ret = get_user(v, (u32 __user *)uarg);
		if (!ret)
			ret = put_user(p1_reader_rewind(r, v), (u32 __user *)uarg);
		return ret;
	case P1_IOC_GET_DEV_ID:
		return put_user(r->p->id, (u64 __user *)uarg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations p1_fops = {
	.owner		= THIS_MODULE,
	.open		= p1_open,
	.release	= p1_release,
	.read_iter	= p1_read_iter,
	.poll		= p1_poll,
	.unlocked_ioctl	= p1_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

int p1_chardev_init(void)
{
	return alloc_chrdev_region(&p1_devt, 0, P1_MINORS, P1_CLASS_NAME);
}

void p1_chardev_exit(void)
{
	unregister_chrdev_region(p1_devt, P1_MINORS);
}
