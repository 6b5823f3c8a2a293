// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p1test.c - guest-side tests of n_p1 under qemu (see tests/qemu/README).
 *   p1test module             registration, capability, rmmod refusal
 *   p1test stream MODE N [SEED]  N records through a pty, MODE ioctl|p1ctl
 *   p1test ftdi [p1ctl]       usb-serial path with unplug/replug (host-driven)
 *   p1test p1ctl              p1ctl list / watch / read
 *   p1test reader N [SEED]    libp1's reader on /dev/p1-N (reader.c)
 *   p1test crypt              encrypted (DLMS) frames, key through sysfs
 *   p1test crypt-p1ctl        the same attached by p1ctl attach --key-file
 *   p1test dump-intr          a device dump interrupted by a detach
 *   p1test privacy            what a user outside group p1 learns (nothing)
 *   p1test runas UID GIDS CMD...  run CMD as another user (privacy.c)
 * Exit status 0 when every check passed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "p1test.h"

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"module", cmd_module},
		{"stream", cmd_stream},
		{"ftdi", cmd_ftdi},
		{"p1ctl", cmd_p1ctl},
		{"reader", cmd_reader},
		{"crypt", cmd_crypt},
		{"crypt-p1ctl", cmd_crypt_p1ctl},
		{"dump-intr", cmd_dump_intr},
		{"privacy", cmd_privacy},
		{"runas", cmd_runas},
	};
	size_t i;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr,
		"usage: p1test "
		"module|stream|ftdi|p1ctl|reader|crypt|crypt-p1ctl|dump-intr|"
		"privacy|"
		"runas ...\n");
	return 2;
}
