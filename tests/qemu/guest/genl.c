// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * genl.c - generic netlink by hand for the guest tests (the static guest
 * binary has no libnl): resolve family "p1" and its groups, send one
 * request.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/p1.h>
#include <string.h>
#include <sys/socket.h>

#include "genl.h"

int nl_send(int fd, uint16_t type, uint16_t flags, uint8_t cmd, uint16_t attr,
	    const void *data, uint16_t dlen)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = NLMSG_DATA(nlh);
	struct nlattr *na = (struct nlattr *)((char *)gh + GENL_HDRLEN);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = 1;
	gh->cmd = cmd;
	gh->version = 1;
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	if (data) {
		na->nla_type = attr;
		na->nla_len = (uint16_t)NLA_HDRLEN + dlen;
		memcpy((char *)na + NLA_HDRLEN, data, dlen);
		nlh->nlmsg_len += NLA_ALIGN(na->nla_len);
	}
	return send(fd, buf, nlh->nlmsg_len, 0) < 0 ? -1 : 0;
}

int genl_open(struct genl *g)
{
	static char buf[8192];
	struct nlmsghdr *nlh;
	struct nlattr *na, *grp, *ga;
	ssize_t n;

	g->family = g->grp_events = g->grp_telegrams = -1;
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -1;
	if (nl_send(g->fd, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY,
		    CTRL_ATTR_FAMILY_NAME, P1_GENL_NAME, sizeof(P1_GENL_NAME)))
		return -1;
	n = recv(g->fd, buf, sizeof(buf), 0);
	nlh = (struct nlmsghdr *)buf;
	if (n < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) ||
	    nlh->nlmsg_type != GENL_ID_CTRL)
		return -1;
	for_each_nla(na, (char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
		     nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN))
	{
		if (na->nla_type == CTRL_ATTR_FAMILY_ID)
			g->family = *(uint16_t *)((char *)na + NLA_HDRLEN);
		if ((na->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		for_each_nla(grp, (char *)na + NLA_HDRLEN,
			     na->nla_len - NLA_HDRLEN)
		{
			const char *name = NULL;
			int id = -1;

			for_each_nla(ga, (char *)grp + NLA_HDRLEN,
				     grp->nla_len - NLA_HDRLEN)
			{
				if (ga->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					name = (char *)ga + NLA_HDRLEN;
				if (ga->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = *(int *)((char *)ga + NLA_HDRLEN);
			}
			if (name && !strcmp(name, P1_GENL_MCGRP_EVENTS))
				g->grp_events = id;
			if (name && !strcmp(name, P1_GENL_MCGRP_TELEGRAMS))
				g->grp_telegrams = id;
		}
	}
	return g->family < 0 ? -1 : 0;
}

int genl_join(struct genl *g, int grp)
{
	return setsockopt(g->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			  sizeof(grp));
}
