/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_dr - direct routing as nft batch text (see lb_dr.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "conf/conf_names.h"
#include "lb/lb_dr.h"
#include "lb/lb_sched.h"

const char *
lb_dr_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

const char *
lb_dr_drop_counter(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, LB_DR_DROP_PREFIX "%s", id);
	return buf;
}

void
lb_dr_reset(struct lb_text *t)
{
	/* As nft_table_reset: no moment without the table, stale or not. */
	lb_text_printf(t, "add table " LB_DR_TABLE "\n"
	    "delete table " LB_DR_TABLE "\n"
	    "add table " LB_DR_TABLE "\n");
}

void
lb_dr_remove(struct lb_text *t)
{
	lb_text_printf(t, "add table " LB_DR_TABLE "\n"
	    "delete table " LB_DR_TABLE "\n");
}

void
lb_dr_backend(struct lb_text *t, const struct conf_service *svc, size_t i,
    const uint8_t node_mac[6], const uint8_t mac[6])
{
	char id[LB_NFT_ID_MAX], cc[LB_NFT_COUNTER_MAX], nm[18], bm[18];

	lb_nft_id(svc->name, id, sizeof(id));
	lb_nft_counter_name(LB_NFT_COUNTER_TRAFFIC, id, i, cc, sizeof(cc));
	lb_text_printf(t, "flush chain " LB_DR_TABLE " dr_b_%s_%zu\n"
	    "add rule " LB_DR_TABLE " dr_b_%s_%zu ether saddr set %s ether "
	    "daddr set %s counter name %s fwd to \"%s\"\n", id, i, id, i,
	    lb_dr_mac_str(node_mac, nm, sizeof(nm)),
	    lb_dr_mac_str(mac, bm, sizeof(bm)), cc, svc->dr_interface);
}

size_t
lb_dr_service_rules(struct lb_text *t, const struct conf_service *svc,
    const bool *up)
{
	char id[LB_NFT_ID_MAX], hash[LB_NFT_HASH_MAX], dc[LB_NFT_ID_MAX + 8];
	size_t active = lb_nft_active(svc, up), n = lb_nft_table_size(svc);
	uint16_t *slots;

	lb_nft_id(svc->name, id, sizeof(id));
	lb_text_printf(t, "flush chain " LB_DR_TABLE " dr_s_%s\n", id);
	if (active > 0 && active >= svc->quorum) {
		if ((slots = malloc(n * sizeof(*slots))) == NULL) {
			t->oom = true;
			return active;
		}
		(void)lb_nft_table(svc, up, slots);
		lb_text_printf(t, "add rule " LB_DR_TABLE " dr_s_%s %s vmap { ",
		    id, lb_nft_hash_expr(svc, hash, sizeof(hash)));
		for (size_t s = 0; s < n; s++)
			lb_text_printf(t, "%s%zu : jump dr_b_%s_%u", s > 0 ? ", " :
			    "", s, id, (unsigned)slots[s]);
		lb_text_printf(t, " }\n");
		free(slots);
	}
	/* Reached only without a backend (the table covers every slot). */
	lb_text_printf(t, "add rule " LB_DR_TABLE " dr_s_%s counter name %s "
	    "drop\n", id, lb_dr_drop_counter(id, dc, sizeof(dc)));
	return active;
}

void
lb_dr_service_add(struct lb_text *t, const struct conf_service *svc,
    const uint8_t node_mac[6], const uint8_t (*mac)[6], const bool *up)
{
	char id[LB_NFT_ID_MAX], dev[LB_NFT_ID_MAX], cc[LB_NFT_COUNTER_MAX];
	char dc[LB_NFT_ID_MAX + 8], a[INET6_ADDRSTRLEN], vm[18];
	const char *f = svc->addr.family == AF_INET6 ? "ip6" : "ip";
	const char *p = conf_names_lb_proto(svc->protocol);

	lb_nft_id(svc->name, id, sizeof(id));
	lb_nft_id(svc->dr_ingress, dev, sizeof(dev));
	lb_text_printf(t, "add counter " LB_DR_TABLE " %s\n"
	    "add chain " LB_DR_TABLE " dr_s_%s\n",
	    lb_dr_drop_counter(id, dc, sizeof(dc)), id);
	for (size_t i = 0; i < svc->nbackends; i++) {
		lb_nft_counter_name(LB_NFT_COUNTER_TRAFFIC, id, i, cc, sizeof(cc));
		lb_text_printf(t, "add counter " LB_DR_TABLE " %s\n"
		    "add chain " LB_DR_TABLE " dr_b_%s_%zu\n", cc, id, i);
		/* A backend without a MAC yet (all zero) is down: no slot
		 * jumps to it until it has one, and then its chain is new. */
		lb_dr_backend(t, svc, i, node_mac, mac[i]);
	}
	(void)lb_dr_service_rules(t, svc, up);
	/* -500: before anything else of the node's at ingress. */
	lb_text_printf(t, "add chain " LB_DR_TABLE " dr_in_%s { type filter "
	    "hook ingress device \"%s\" priority -500; policy accept; }\n",
	    dev, svc->dr_ingress);
	if (svc->dr_has_vmac)
		lb_text_printf(t, "add rule " LB_DR_TABLE " dr_in_%s ether daddr "
		    "%s ", dev, lb_dr_mac_str(svc->dr_vmac, vm, sizeof(vm)));
	else
		lb_text_printf(t, "add rule " LB_DR_TABLE " dr_in_%s meta "
		    "pkttype host ", dev);
	lb_text_printf(t, "%s daddr %s %s dport %u jump dr_s_%s\n", f,
	    addr_str(&svc->addr, a, sizeof(a)), p, svc->port, id);
}
