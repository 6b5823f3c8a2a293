// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_ldisc.c - the tty line discipline hooks of n_p1.
 *
 * Contract of each hook with the tty core (6.1 - 6.12):
 *  - open/close run in process context with the tty lock held and are
 *    serialised against each other and against receive_buf (the ldisc is
 *    halted and its buffer work flushed before close).
 *  - hangup is NOT serialised with receive_buf: it only marks the device
 *    dead under p1_dev.lock, and the receive path drops whatever arrives
 *    after that (n_p1_dev.c), so readers never see data after EOF.
 *  - receive_buf runs from flush_to_ldisc() on a workqueue, one call at a
 *    time per tty, with the port's buffer mutex held, in process context.
 *    It must not sleep on anything userspace controls: it takes only
 *    p1_dev.lock (a spinlock) and allocates telegrams with GFP_KERNEL
 *    outside it.
 *  - set_termios runs with termios_rwsem held for writing.
 *  - poll/ioctl run in the context of the process holding the tty open.
 * After close the tty is never touched again: /dev/p1-N readers only see
 * the struct p1_dev, which outlives the tty until their last close.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "n_p1.h"

int p1_ldisc_num = P1_LDISC_DEFAULT;
module_param_named(ldisc, p1_ldisc_num, int, 0444);
MODULE_PARM_DESC(ldisc, "Line discipline number (default 29, N_DEVELOPMENT)");

static bool p1_tty_cs7(struct tty_struct *tty)
{
	return (tty->termios.c_cflag & CSIZE) == CS7;
}

static int p1_ldisc_open(struct tty_struct *tty)
{
	struct p1_dev *p;

	/* As slip and slcan: attaching changes what the system sees. */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	p = p1_dev_create(tty);
	if (IS_ERR(p))
		return PTR_ERR(p);
	p1_framer_set_cs7(&p->fr, p1_tty_cs7(tty));
	tty->disc_data = p;
	tty->receive_room = 65536;
	return 0;
}

static void p1_ldisc_close(struct tty_struct *tty)
{
	struct p1_dev *p = tty->disc_data;

	if (!p)
		return;
	tty->disc_data = NULL;
	p1_dev_destroy(p);
}

static void p1_ldisc_hangup(struct tty_struct *tty)
{
	struct p1_dev *p = tty->disc_data;

	if (p)
		p1_dev_hangup(p);
}

/* tcflush(TCIFLUSH) and hangup: drop the telegram in progress. */
static void p1_ldisc_flush_buffer(struct tty_struct *tty)
{
	struct p1_dev *p = tty->disc_data;

	if (!p)
		return;
	spin_lock(&p->lock);
	p1_framer_reset(&p->fr);
	spin_unlock(&p->lock);
}

static void p1_ldisc_receive_buf(struct tty_struct *tty, P1_RX_CP_T *cp,
				 P1_RX_FP_T *fp, P1_RX_COUNT_T count)
{
	struct p1_dev *p = tty->disc_data;

	if (p && count > 0)
		p1_dev_receive(p, cp, (const u8 *)fp, count);
	/*
	 * A pty's writer sleeps until the slave's discipline frees room; n_tty
	 * wakes it when userspace reads, here everything is consumed at once.
	 */
	if (tty->driver->type == TTY_DRIVER_TYPE_PTY && tty->link)
		tty_wakeup(tty->link);
}

static void p1_ldisc_set_termios(struct tty_struct *tty,
				 const struct ktermios *old)
{
	struct p1_dev *p = tty->disc_data;

	bool changed;

	if (!p)
		return;
	/* A no-op tcsetattr() must not cut the telegram in progress. */
	changed = !old || (old->c_cflag & CSIZE) != (tty->termios.c_cflag & CSIZE) ||
		  tty_termios_baud_rate(old) != tty_termios_baud_rate(&tty->termios);
	p1_dev_line_changed(p, p1_tty_cs7(tty), changed);
}

static int p1_ldisc_ioctl(struct tty_struct *tty, unsigned int cmd,
			  unsigned long arg)
{
	struct p1_dev *p = tty->disc_data;

	switch (cmd) {
	case P1_TIOC_DEVINDEX:
		if (!p)
			return -ENODEV;
		return put_user((u32)p->index, (u32 __user *)arg);
	case P1_TIOC_SET_KEY:
		if (!p)
			return -ENODEV;
		return p1_crypto_ioctl(p, (void __user *)arg);
	default:
		/* termios and friends keep working while attached */
		return n_tty_ioctl_helper(tty, cmd, arg);
	}
}

/* Lets the holder (p1ctl attach) sleep in poll() and notice a hangup. */
static __poll_t p1_ldisc_poll(struct tty_struct *tty, struct file *file,
			      poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &tty->read_wait, wait);
	if (tty_hung_up_p(file) || test_bit(TTY_OTHER_CLOSED, &tty->flags))
		mask |= EPOLLHUP;
	return mask;
}

static ssize_t p1_ldisc_read(struct tty_struct *tty, struct file *file,
			     u8 *buf, size_t nr, void **cookie,
			     unsigned long offset)
{
	/* Telegrams are read from /dev/p1-N, not from the tty. */
	return -EOPNOTSUPP;
}

static struct tty_ldisc_ops p1_ldisc = {
	.owner		= THIS_MODULE,
	.name		= P1_LDISC_NAME,
	.open		= p1_ldisc_open,
	.close		= p1_ldisc_close,
	.hangup		= p1_ldisc_hangup,
	.flush_buffer	= p1_ldisc_flush_buffer,
	.read		= p1_ldisc_read,
	.ioctl		= p1_ldisc_ioctl,
	.poll		= p1_ldisc_poll,
	.set_termios	= p1_ldisc_set_termios,
	.receive_buf	= p1_ldisc_receive_buf,
};

int p1_ldisc_init(void)
{
	int ret;

	if (p1_ldisc_num <= N_TTY || p1_ldisc_num >= NR_LDISCS) {
		pr_err("ldisc=%d out of range (%d..%d)\n",
		       p1_ldisc_num, N_TTY + 1, NR_LDISCS - 1);
		return -EINVAL;
	}
	p1_ldisc.num = p1_ldisc_num;
	ret = tty_register_ldisc(&p1_ldisc);
	if (ret)
		pr_err("cannot register line discipline %d: %d\n",
		       p1_ldisc_num, ret);
	return ret;
}

void p1_ldisc_exit(void)
{
	tty_unregister_ldisc(&p1_ldisc);
}
