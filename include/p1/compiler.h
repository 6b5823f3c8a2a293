/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * p1/compiler.h - the kernel's function attributes for building
 * kernel/p1_framer.c outside the kernel (libp1, tests, fuzzers).  Not
 * installed: only p1_framer.c includes it, and only in userspace builds.
 */
#ifndef P1_COMPILER_H
#define P1_COMPILER_H

#ifndef noinline
#define noinline __attribute__((__noinline__))
#endif
#ifndef __cold
#define __cold __attribute__((__cold__))
#endif
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif

#endif /* P1_COMPILER_H */
