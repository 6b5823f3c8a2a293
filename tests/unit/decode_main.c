// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * decode_main.c - stand-alone driver for cmd_decode() ("p1-decode FILE"
 * behaves like "p1ctl decode FILE"), so the decoder is tested without
 * depending on p1ctl's main().
 */
/* As declared in userspace/p1ctl/p1ctl.h (which needs libnl headers). */
int cmd_decode(int argc, char **argv);

int main(int argc, char **argv)
{
	argv[0] = "decode";
	return cmd_decode(argc, argv);
}
