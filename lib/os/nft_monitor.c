/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft_monitor - nftables change events for vipd's tables (see
 * nft_monitor.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "os/nft.h"
#include "os/nft_monitor.h"

/* A flush ruleset sends one message per object: room for a large one. */
#define NFT_MONITOR_RCVBUF (4 << 20)

int
nft_monitor_open(struct nft_monitor *m, nft_monitor_cb cb, void *arg)
{
	int group = NFNLGRP_NFTABLES, size = NFT_MONITOR_RCVBUF, err;

	memset(m, 0, sizeof(*m));
	m->cb = cb;
	m->arg = arg;
	m->self_pid = (uint32_t)getpid();
	if ((m->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == NULL)
		return -errno;
	if (mnl_socket_bind(m->sock, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(m->sock, NETLINK_ADD_MEMBERSHIP, &group,
	    sizeof(group)) < 0) {
		err = -errno;
		nft_monitor_close(m);
		return err;
	}
	/* Beyond rmem_max when allowed (CAP_NET_ADMIN), else what it gives. */
	if (setsockopt(mnl_socket_get_fd(m->sock), SOL_SOCKET, SO_RCVBUFFORCE,
	    &size, sizeof(size)) < 0)
		(void)setsockopt(mnl_socket_get_fd(m->sock), SOL_SOCKET,
		    SO_RCVBUF, &size, sizeof(size));
	return 0;
}

void
nft_monitor_close(struct nft_monitor *m)
{
	if (m->sock != NULL)
		mnl_socket_close(m->sock);
	m->sock = NULL;
}

int
nft_monitor_fd(const struct nft_monitor *m)
{
	return m->sock != NULL ? mnl_socket_get_fd(m->sock) : -1;
}

/* Which of our tables an object message is about (0: none of ours). */
static unsigned
nft_monitor_table_of(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*g))
		return 0;
	if (g->nfgen_family != NFPROTO_INET && g->nfgen_family != NFPROTO_NETDEV)
		return 0;
	/*
	 * Attribute 1 names the table in every object message: NFTA_TABLE_NAME,
	 * NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
	 * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE.
	 */
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		if (mnl_attr_get_type(a) != 1)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    strcmp(mnl_attr_get_str(a), NFT_TABLE_NAME) != 0)
			return 0;
		return g->nfgen_family == NFPROTO_INET ? NFT_MONITOR_INET :
		    NFT_MONITOR_NETDEV;
	}
	return 0;
}

/* NEWGEN closes a transaction: the process that made it. */
static uint32_t
nft_monitor_gen_pid(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return ntohl(mnl_attr_get_u32(a));
	return 0;
}

static int
nft_monitor_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct nft_monitor *m = arg;
	unsigned touched, deleted;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWGEN) {
		touched = nft_monitor_table_of(nlh);
		m->touched |= touched;
		if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE)
			m->deleted |= touched;
		return MNL_CB_OK;
	}
	touched = m->touched;
	deleted = m->deleted;
	m->touched = m->deleted = 0;
	if (touched != 0 && nft_monitor_gen_pid(nlh) != m->self_pid) {
		m->transactions++;
		m->cb(m->arg, touched, deleted, false);
	}
	return MNL_CB_OK;
}

int
nft_monitor_read(struct nft_monitor *m)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	ssize_t n;

	if (m->sock == NULL)
		return 0;
	for (;;) {
		n = mnl_socket_recvfrom(m->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS)
				return -errno;
			/* Lost: whatever happened, the caller rebuilds. */
			m->lost++;
			m->touched = m->deleted = 0;
			m->cb(m->arg, NFT_MONITOR_INET | NFT_MONITOR_NETDEV, 0,
			    true);
			continue;
		}
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, nft_monitor_msg, m);
	}
}
