// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - p1ctl: control and inspect the n_p1 line discipline.
 * One subcommand per file; this file only dispatches.
 */
#include <string.h>

#include "autodetect.h"
#include "p1ctl.h"

#ifndef P1_VERSION
#define P1_VERSION "unknown"
#endif

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *summary;
};

static const struct command commands[] = {
	{"list", cmd_list, "list [--json]",
	 "devices, settings and counters (netlink)"},
	{"watch", cmd_watch, "watch [--telegrams]",
	 "attach, detach and telegram events, live"},
	{"attach", cmd_attach,
	 "attach TTY [--auto | --baud 115200|9600 --mode 8N1|7E1]",
	 "attach n_p1 to a tty and hold it (line auto-detected)"},
	{"probe", cmd_probe, "probe TTY [--interval S]",
	 "find the meter's baud rate and format, print it"},
	{"udev-rule", cmd_udev_rule, "udev-rule TTY",
	 "print the udev rule that marks this cable as a P1 cable"},
	{"read", cmd_read, "read [p1-N] [--count N] [--meta] [--all]",
	 "print telegrams from /dev/p1-N"},
	{"decode", cmd_decode, "decode [--json] [--zone NAME] [FILE|-]",
	 "decode telegrams from a file or stdin"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Until the decode command is linked in (cmd_decode.c). */
__attribute__((weak)) int cmd_decode(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	p1ctl_err("decode: not built into this p1ctl");
	return P1CTL_EXIT_FAIL;
}

static void usage(FILE *f)
{
	fputs("usage: p1ctl COMMAND [OPTIONS]\n"
	      "       p1ctl --help | --version\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s\n      %s\n", commands[i].synopsis,
			commands[i].summary);
	fputs("\n'p1ctl COMMAND --help' tells a command's options.\n", f);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	const char *name = argc > 1 ? argv[1] : NULL;

	if (!name) {
		usage(stderr);
		return P1CTL_EXIT_USAGE;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return P1CTL_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("p1ctl %s\n", P1_VERSION);
		return P1CTL_EXIT_OK;
	}
	if (!strcmp(name, "help")) {
		/* p1ctl help COMMAND == p1ctl COMMAND --help */
		static char help[] = "--help";
		char *hargv[] = {argv[2], help, NULL};

		if (argc < 3) {
			usage(stdout);
			return P1CTL_EXIT_OK;
		}
		cmd = find(argv[2]);
		if (cmd)
			return cmd->run(2, hargv);
	} else {
		cmd = find(name);
		if (cmd)
			return cmd->run(argc - 1, argv + 1);
	}
	p1ctl_err("unknown command '%s' (see p1ctl --help)",
		  argc > 2 && !strcmp(name, "help") ? argv[2] : name);
	return P1CTL_EXIT_USAGE;
}
