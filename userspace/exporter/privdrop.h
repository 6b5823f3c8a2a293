/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privdrop.h - switch from root to --user USER[:GROUP] (names or numbers)
 * once sockets and devices are open: supplementary groups of the user,
 * then the group, then the user; fails hard if root could be regained.
 */
#ifndef P1X_PRIVDROP_H
#define P1X_PRIVDROP_H

#include <stdbool.h>

/* Check the spec resolves (for --check-config); no change made. */
bool privdrop_check(const char *spec);
bool privdrop(const char *spec);

#endif
