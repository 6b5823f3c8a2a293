/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel version split of n_p1, in one place.
 * Supported: 6.1 to 6.12 (Debian 12's kernels), and the in-tree KUnit build.
 */
#ifndef N_P1_COMPAT_H
#define N_P1_COMPAT_H

#include <linux/device.h>

/*
 * P1_KV is VERSION << 8 | PATCHLEVEL of the kernel built against, set by
 * Kbuild (so that no LINUX_VERSION_CODE test is needed).
 */
#ifndef P1_KV
#error "P1_KV must be set by kernel/Kbuild"
#endif

/* 6.6 turned the receive_buf types into u8/size_t. */
#if P1_KV >= 0x0606
#define P1_RX_CP_T	const u8
#define P1_RX_FP_T	const u8
#define P1_RX_COUNT_T	size_t
#else
#define P1_RX_CP_T	const unsigned char
#define P1_RX_FP_T	const char
#define P1_RX_COUNT_T	int
#endif

/* 6.4 dropped the owner argument of class_create(). */
#if P1_KV >= 0x0604
#define p1_class_create(name)	class_create(name)
#else
#define p1_class_create(name)	class_create(THIS_MODULE, name)
#endif

/* 6.2 made the class callbacks take a const struct device. */
#if P1_KV >= 0x0602
#define P1_CLASS_DEV_T	const struct device
#else
#define P1_CLASS_DEV_T	struct device
#endif

#endif /* N_P1_COMPAT_H */
