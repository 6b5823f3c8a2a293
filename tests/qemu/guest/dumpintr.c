// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dumpintr.c - "p1test dump-intr": a P1_CMD_GET_DEVICE dump that an
 * attach or detach interrupts says so (NLM_F_DUMP_INTR), a quiet one does
 * not.
 *
 * The netlink core builds a dump in parts of about one page (what the
 * reader's recv() buffer holds, here 4 KiB) and builds part k+1 inside the
 * recv() that takes part k.  So with enough devices for at least three
 * parts (ptys with n_p1 attached, added until a dump takes three), a
 * device detached after the first recv() is seen by the third part, whose
 * messages (and the closing NLMSG_DONE) must carry NLM_F_DUMP_INTR, while
 * the first two must not.  Deterministic: no timing is involved.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/p1.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "genl.h"
#include "p1test.h"

#define MAX_DEVS 120
#define PART	 4096 /* recv() buffer: the size of a dump's parts */

static int masters[MAX_DEVS], slaves[MAX_DEVS];
static int ndevs, nptys; /* attached; ptys open */

/* One more pty with n_p1 attached; false if that failed. */
static bool add_dev(void)
{
	char path[64];

	if (ndevs == MAX_DEVS ||
	    pty_open(&masters[ndevs], &slaves[ndevs], path, sizeof(path)))
		return false;
	if (attach_ioctl(slaves[ndevs]) < 0) {
		close(slaves[ndevs]);
		close(masters[ndevs]);
		return false;
	}
	nptys = ++ndevs;
	return true;
}

struct dump {
	int parts;	/* recv() calls that returned data */
	int devices;	/* P1_CMD_GET_DEVICE messages */
	int intr_part;	/* first part with NLM_F_DUMP_INTR, 0: none */
	bool done_intr; /* NLMSG_DONE had it */
};

/*
 * Dump the devices on @g, @change() after the first part (if not NULL).
 * False if the dump failed.
 */
static bool dump(struct genl *g, struct dump *d, bool (*change)(void))
{
	static char buf[PART];
	struct nlmsghdr *nlh;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	if (nl_send(g->fd, (uint16_t)g->family, NLM_F_DUMP, P1_CMD_GET_DEVICE,
		    0, NULL, 0))
		return false;
	for (;;) {
		n = recv(g->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return false;
		d->parts++;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			bool intr = nlh->nlmsg_flags & NLM_F_DUMP_INTR;

			if (intr && !d->intr_part)
				d->intr_part = d->parts;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				d->done_intr = intr;
				return true;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return false;
			if (nlh->nlmsg_type == g->family)
				d->devices++;
		}
		if (d->parts == 1 && change && !change())
			return false;
	}
}

/* The change: the newest device goes (TIOCSETD back to N_TTY). */
static bool detach_last(void)
{
	ndevs--;
	return !detach_ioctl(slaves[ndevs]);
}

int cmd_dump_intr(int argc, char **argv)
{
	struct genl g;
	struct dump d;
	int i, before;

	(void)argc;
	(void)argv;
	if (!check(genl_open(&g) == 0, "resolve netlink family %s",
		   P1_GENL_NAME))
		return 1;
	/*
	 * Dumps on a socket of their own: the core sizes a part by the
	 * largest recv() buffer the socket has seen (genl_open's is 8 KiB).
	 */
	close(g.fd);
	g.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (!check(g.fd >= 0, "netlink socket"))
		return 1;
	/* Enough devices for three parts (about ten fit one on x86_64). */
	for (;;) {
		if (!dump(&g, &d, NULL)) {
			check(false, "dump with %d devices", ndevs);
			goto out;
		}
		if (d.parts >= 3 + 1 || !add_dev())
			break;
	}
	t_log("%d devices: a dump takes %d recv() calls", ndevs, d.parts);
	if (!check(d.parts >= 3 + 1 && d.devices == ndevs && !d.intr_part,
		   "%d devices, a quiet dump: %d parts, %d messages, no "
		   "NLM_F_DUMP_INTR (first at part %d)",
		   ndevs, d.parts, d.devices, d.intr_part))
		goto out;
	before = ndevs;
	check(dump(&g, &d, detach_last), "dump with a detach after part 1");
	check(d.intr_part == 3 && d.done_intr,
	      "a device detached during the dump: NLM_F_DUMP_INTR from part 3 "
	      "on and on NLMSG_DONE (first at part %d, done %d)",
	      d.intr_part, d.done_intr);
	t_fig("dump_intr_devices=%d", before);
	t_fig("dump_intr_first_part=%d", d.intr_part);
	check(dump(&g, &d, NULL) && !d.intr_part && d.devices == ndevs,
	      "dumped again: %d devices, no NLM_F_DUMP_INTR", d.devices);
out:
	for (i = 0; i < ndevs; i++)
		detach_ioctl(slaves[i]);
	for (i = 0; i < nptys; i++) {
		close(slaves[i]);
		close(masters[i]);
	}
	close(g.fd);
	return t_failures != 0;
}
