/* SPDX-License-Identifier: GPL-2.0-or-later */
/* p1ctl.h - p1ctl subcommands. */
#ifndef P1CTL_H
#define P1CTL_H

/* p1ctl decode [--json] [FILE|-]: decode a byte stream of telegrams. */
int cmd_decode(int argc, char **argv);

#endif /* P1CTL_H */
