/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privdrop.h - switch from root to --user USER[:GROUP] (names or numbers)
 * once sockets and devices are open: supplementary groups of the user,
 * then the group, then the user; fails hard if root could be regained.
 */
#ifndef P1X_PRIVDROP_H
#define P1X_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

/* Check the spec resolves (for --check-config); no change made. */
bool privdrop_check(const char *spec);
bool privdrop(const char *spec);
/* Before privdrop(): when running as root and spec (--user) is set, hand
 * the directory dirfd (and, if files, the regular files in it) to that
 * user, so that it can still write there afterwards.  Logged; false on
 * failure. */
/* True (with the ids) when running as root and spec (--user) is set:
 * files made before privdrop() should be given to that user. */
bool privdrop_target(const char *spec, uid_t *uid, gid_t *gid);
bool privdrop_give_dir(const char *spec, int dirfd, const char *path,
		       bool files);

#endif
