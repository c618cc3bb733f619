/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * peer_filter - global.peer_filter in the kernel: VRRP and AH packets from
 * any other source are dropped by nftables before vipd (or anything else)
 * reads them, and counted there.
 *
 * VRRPv3 has no authentication: any host on the LAN can send a valid advert
 * with a higher priority and take the VIPs. A filter on the source address
 * is the operator's cheap defence where the LAN itself cannot be trusted
 * (README, "Hostile networks and faults").
 *
 * Owns: chain "peer_input" (hook input, priority -200) and sets "peer_v4",
 * "peer_v6" in table inet vipd, nothing else of it.
 * Never does: decide who the peers are (the configuration says), or touch
 * the rest of the table.
 */
#ifndef VIPD_PEER_FILTER_H
#define VIPD_PEER_FILTER_H

#include <stddef.h>

#include "conf/conf.h"
#include "os/nft.h"

#define PEER_FILTER_BATCH_MAX 4096

/*
 * The nft batch that makes the kernel's filter match peers[0..n): with
 * n > 0, drop IP protocols 51 and 112 from any other source, IPv4 and IPv6
 * alike (a family with no listed address gets no VRRP at all); with n = 0,
 * remove the chain and sets. Pure. Returns the length, or -ENOSPC.
 */
int peer_filter_build(const struct addr *peers, size_t n, char *buf,
		      size_t len);

/* Apply gl's peer_filter (or remove the filter) in one transaction. */
int peer_filter_apply(struct nft *nft, const struct conf_global *gl,
		      char *err, size_t err_len);

#endif
