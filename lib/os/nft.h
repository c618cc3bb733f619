/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft - vipd's one nftables table, through libnftables.
 *
 * Owns: the libnftables context, and the conventions every part that puts
 * rules in the kernel shares: the table is "inet vipd" (NFT_TABLE), nothing
 * outside it is ever touched, and every change is one batch of nft commands
 * that the kernel applies atomically or not at all.
 *
 * Parts of the table: the balancer (lb_nft) and the accept-mode filter each
 * own their chains, sets and maps, named with their own prefix ("lb_",
 * "accept_"), and change only those. Only nft_table_reset() and
 * nft_table_remove() touch the table as a whole: the daemon calls them at
 * start (a table a crashed run left behind is replaced) and at stop.
 *
 * Never does: decide what the rules are. Callers build the text.
 */
#ifndef VIPD_NFT_H
#define VIPD_NFT_H

#include <stdbool.h>
#include <stddef.h>

#define NFT_TABLE_FAMILY "inet"
#define NFT_TABLE_NAME "vipd"
#define NFT_TABLE NFT_TABLE_FAMILY " " NFT_TABLE_NAME   /* "inet vipd" */

/*
 * The conntrack mark the balancer's rules put on every flow they balance;
 * the connection-sync sender picks out exactly these flows. ASCII "vipd".
 */
#define NFT_VIPD_CT_MARK 0x76697064u

/*
 * Input-hook priorities of the table's parts, which decide who sees a
 * packet addressed to the node first (base chains of one priority run in
 * an order nobody promises): the balancer's lb_input, which refuses new
 * connections to a service below quorum without a sorry server (TCP
 * reset, ICMP port unreachable), runs before the accept-mode filter, which
 * drops silently. Both after conntrack (-200) and after the balancer's
 * DNAT (prerouting): a balanced flow is no longer addressed to the VIP
 * here. peer_filter sits at -200 itself: it only concerns VRRP and AH.
 */
#define NFT_PRIO_LB_INPUT "-10"
#define NFT_PRIO_ACCEPT_FILTER "0"

struct nft_ctx;

struct nft {
	struct nft_ctx *ctx;          /* a fresh one for every batch (nft_run) */
	bool opened;                  /* nft_open'ed, not closed */
};

/* Returns 0 or -ENOMEM. */
int nft_open(struct nft *nft);
void nft_close(struct nft *nft);

/*
 * Run batch (nft commands, one per line or ';'-separated) as one atomic
 * transaction. Returns 0, or -EINVAL with nft's own message (first line,
 * trimmed) in err.
 */
int nft_apply(struct nft *nft, const char *batch, char *err, size_t err_len);

/*
 * Replace whatever table "inet vipd" holds with an empty one, in one
 * transaction (a stale table from a crash goes; other tables are not
 * touched). Returns as nft_apply().
 */
int nft_table_reset(struct nft *nft, char *err, size_t err_len);

/* Delete the table if it is there. Returns as nft_apply(). */
int nft_table_remove(struct nft *nft, char *err, size_t err_len);

/*
 * Run one read-only command ("list counters table inet vipd") and return
 * nft's text output in *out (caller frees). Returns as nft_apply(), or
 * -ENOMEM.
 */
int nft_query(struct nft *nft, const char *cmd, char **out, char *err,
    size_t err_len);

#endif
