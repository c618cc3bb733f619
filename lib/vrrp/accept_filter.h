/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accept_filter - RFC 5798 accept mode: a Master that is not the address
 * owner and has accept_mode off must not accept packets addressed to its
 * VIPs (RFC 5798 6.4.3). vipd drops them with nftables.
 *
 * Owns: the "accept_" objects of table inet vipd (nft.h): the sets
 * accept_noaccept4 (ipv4_addr) and accept_noaccept6 (ipv6_addr), and the
 * input-hook chain accept_filter that drops packets whose destination is in
 * one of them. Neighbour Solicitations and Advertisements to an IPv6 VIP
 * are let through: RFC 5798 6.4.3 has the Master answer Neighbour
 * Solicitations for its IPv6 VIPs whatever Accept_Mode says.
 * accept_filter_build() and accept_filter_elements() only write text (pure,
 * unit-tested); the others apply it with nft_apply(), one atomic batch each.
 *
 * Never does: decide who drops (the instance does: Master, accept_mode off,
 * priority below 255), or touch other parts of the table.
 */
#ifndef VIPD_ACCEPT_FILTER_H
#define VIPD_ACCEPT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "vrrp/vrrp_pkt.h"
#include "conf/conf.h"
#include "os/nft.h"

#define ACCEPT_FILTER_SET4 "accept_noaccept4"
#define ACCEPT_FILTER_SET6 "accept_noaccept6"
#define ACCEPT_FILTER_CHAIN "accept_filter"

/* Enough for one instance's elements: 255 IPv6 addresses of text. */
#define ACCEPT_FILTER_BATCH_MAX (VRRP_MAX_ADDRS * 48 + 256)

/*
 * The batch that creates the sets and the chain (in a table that
 * nft_table_reset() has just emptied). Returns the length written, or
 * -ENOSPC.
 */
int accept_filter_build(char *out, size_t len);

/*
 * The batch that adds (add = true) or deletes the instance's VIPs as
 * elements of the sets, one "add element"/"delete element" per family in
 * use. Returns the length written (0: no VIPs), or -ENOSPC.
 */
int accept_filter_elements(const struct conf_instance *conf, bool add,
			   char *out, size_t len);

/* Create the sets and the chain. Returns as nft_apply(). */
int accept_filter_setup(struct nft *nft, char *err, size_t err_len);

/* Add or delete the instance's VIPs. Returns as nft_apply(), or -ENOSPC. */
int accept_filter_set(struct nft *nft, const struct conf_instance *conf,
		      bool drop, char *err, size_t err_len);

#endif
