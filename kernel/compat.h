/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel version split of n_p1, in one place.
 * Supported: 6.1 and later (tested: 6.1, 6.12, 7.3), and the in-tree KUnit
 * build.
 */
#ifndef N_P1_COMPAT_H
#define N_P1_COMPAT_H

#include <linux/device.h>
#include <linux/uio.h>
#include <net/genetlink.h>

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

/*
 * hex2bin(): declared in <linux/kernel.h> on 6.1; later kernels have it in
 * <linux/hex.h>, which <linux/kernel.h> stopped including in 7.x.
 */
#if __has_include("linux/hex.h")
#include <linux/hex.h>
#else
#include <linux/kernel.h>
#endif

/*
 * Telegram notifications go to a multicast group only CAP_NET_ADMIN may
 * join (GENL_MCAST_CAP_NET_ADMIN: 6.7, backported to Debian's 6.1 and
 * 6.12).  A kernel without it lets anyone join any group: there, telegram
 * notifications are not sent at all (the group exists but stays silent).
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define P1_MCGRP_PRIV_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#define P1_HAVE_PRIV_MCGRP	1
#else
#define P1_MCGRP_PRIV_FLAGS	0
#define P1_HAVE_PRIV_MCGRP	0
#endif

/* ITER_DEST (6.2, backported to 6.1.y) names a destination iterator. */
#ifndef ITER_DEST
#define ITER_DEST	READ
#endif

#endif /* N_P1_COMPAT_H */
