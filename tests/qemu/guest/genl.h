/* SPDX-License-Identifier: GPL-2.0-or-later */
/* genl.h - generic netlink by hand for the guest tests (genl.c). */
#ifndef GENL_H
#define GENL_H

#include <linux/netlink.h>
#include <stdint.h>

struct genl {
	int fd;
	int family;
	int grp_events;
	int grp_telegrams;
};

/* Send one request (@attr with @dlen bytes of @data, if @data). */
int nl_send(int fd, uint16_t type, uint16_t flags, uint8_t cmd, uint16_t attr,
	    const void *data, uint16_t dlen);
/* A socket with family "p1" and its group ids resolved; -1 on failure. */
int genl_open(struct genl *g);
int genl_join(struct genl *g, int grp);

/* Walk the attributes of [p, p+len). */
#define for_each_nla(na, p, len)                                               \
	for (na = (struct nlattr *)(p);                                        \
	     (char *)na + NLA_HDRLEN <= (char *)(p) + (len) &&                 \
	     na->nla_len >= NLA_HDRLEN &&                                      \
	     (char *)na + na->nla_len <= (char *)(p) + (len);                  \
	     na = (struct nlattr *)((char *)na + NLA_ALIGN(na->nla_len)))

#endif
