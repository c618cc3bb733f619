/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft_monitor - nftables change events (NFNLGRP_NFTABLES) for vipd's own
 * tables, "inet vipd" and "netdev vipd", read from the event loop.
 *
 * The kernel tells every change to the ruleset object by object (a table,
 * chain, rule, set, element, counter deleted or added), and closes each
 * transaction with a NEWGEN message that names the process which made it
 * (NFTA_GEN_PROC_PID). A transaction that touched one of vipd's tables
 * and came from another process is reported, once per transaction: that is
 * how `nft flush ruleset`, `nft delete table inet vipd` or a host firewall
 * reload are told apart from vipd's own transactions.
 *
 * Owns: one libmnl socket, non-blocking.
 * Never does: repair anything, or read the ruleset (the caller rebuilds).
 */
#ifndef VIPD_NFT_MONITOR_H
#define VIPD_NFT_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#define NFT_MONITOR_INET 0x1u       /* table inet vipd */
#define NFT_MONITOR_NETDEV 0x2u     /* table netdev vipd */

/*
 * Another process changed tables (NFT_MONITOR_* bits). lost: events were
 * lost to a full buffer, so any table may have changed (tables is all).
 * deleted: the tables among them that the transaction deleted whole
 * (nft delete table, flush ruleset).
 */
typedef void (*nft_monitor_cb)(void *arg, unsigned tables, unsigned deleted,
			       bool lost);

struct mnl_socket;

struct nft_monitor {
	struct mnl_socket *sock;
	nft_monitor_cb cb;
	void *arg;
	uint32_t self_pid;          /* transactions of this pid are ours */
	unsigned touched;           /* tables the current transaction touched */
	unsigned deleted;           /* ... and deleted */
	uint64_t transactions;      /* foreign transactions on our tables */
	uint64_t lost;              /* times events were lost */
};

/* Open and subscribe. Returns 0 or -errno. */
int nft_monitor_open(struct nft_monitor *m, nft_monitor_cb cb, void *arg);
void nft_monitor_close(struct nft_monitor *m);
/* The socket's descriptor for the event loop, or -1 when closed. */
int nft_monitor_fd(const struct nft_monitor *m);
/* Read and dispatch what is pending. Returns 0 or -errno. */
int nft_monitor_read(struct nft_monitor *m);

#endif
