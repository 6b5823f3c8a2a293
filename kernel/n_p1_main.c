// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1 - P1 smart-meter telegram framing line discipline.
 *
 * Module parameters, the global device list and module init/exit.  The
 * pieces: n_p1_ldisc.c (tty hooks), n_p1_dev.c (per-tty device and ring),
 * n_p1_reader.c (per-file cursor), n_p1_chardev.c (/dev/p1-N),
 * n_p1_sysfs.c (/sys/class/p1), n_p1_netlink.c (generic netlink "p1") and
 * p1_framer.c (the framing state machine shared with userspace).
 *
 * Locking: p1_devs_mutex protects p1_devs and p1_devs_gen (see n_p1.h for
 * the rest).  The parameters are read once per new device (READ_ONCE).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "n_p1.h"

unsigned int p1_ring_size = 16;
unsigned int p1_max_telegram_size = 16 * 1024;
unsigned int p1_ring_bytes = 1024 * 1024;
/*
 * p1_devs_mutex protects p1_devs, the list of attached devices, and
 * p1_devs_gen, bumped on every change of it (for netlink dumps).
 */
DEFINE_MUTEX(p1_devs_mutex);
LIST_HEAD(p1_devs);
unsigned long p1_devs_gen = 1;

static int p1_set_ring(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v < 2 || v > 4096)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops p1_ring_ops = {
	.set = p1_set_ring,
	.get = param_get_uint,
};

static int p1_set_max(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v < 64 || v > P1_MAX_TELEGRAM_LIMIT)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops p1_max_ops = {
	.set = p1_set_max,
	.get = param_get_uint,
};

static int p1_set_ring_bytes(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v < P1_MAX_TELEGRAM_LIMIT || v > 64 * 1024 * 1024)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops p1_ring_bytes_ops = {
	.set = p1_set_ring_bytes,
	.get = param_get_uint,
};

module_param_cb(ring, &p1_ring_ops, &p1_ring_size, 0444);
MODULE_PARM_DESC(ring, "Telegrams kept per device for readers (2-4096, default 16)");
module_param_cb(max_telegram_size, &p1_max_ops, &p1_max_telegram_size, 0644);
MODULE_PARM_DESC(max_telegram_size,
		 "Default size limit of a telegram for new devices (64-65531, default 16384)");
module_param_cb(ring_bytes, &p1_ring_bytes_ops, &p1_ring_bytes, 0644);
MODULE_PARM_DESC(ring_bytes,
		 "Bytes of telegrams kept per device for readers, at most (65531-67108864, default 1 MiB); the oldest go first");

static int __init p1_init(void)
{
	int ret;

	ret = p1_dev_register_class();
	if (ret)
		return ret;
	ret = p1_chardev_init();
	if (ret)
		goto err_class;
	ret = p1_genl_init();
	if (ret)
		goto err_chardev;
	ret = p1_ldisc_init();
	if (ret)
		goto err_genl;
	return 0;

err_genl:
	p1_genl_exit();
err_chardev:
	p1_chardev_exit();
err_class:
	p1_dev_unregister_class();
	return ret;
}

static void __exit p1_exit(void)
{
	p1_ldisc_exit();
	p1_genl_exit();
	p1_chardev_exit();
	p1_dev_unregister_class();
}

module_init(p1_init);
module_exit(p1_exit);

MODULE_DESCRIPTION("P1 smart-meter (DSMR/eMUCs) telegram line discipline");
MODULE_LICENSE("GPL");
MODULE_ALIAS_LDISC(P1_LDISC_DEFAULT);
MODULE_ALIAS_GENL_FAMILY(P1_GENL_NAME);
