/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_dr - direct routing as nft batch text (see lb_dr.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

const char *
lb_dr_slot_chain(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "dr_s_%s", id);
	return buf;
}

bool
lb_dr_chain_listed(const char *text, const char *id)
{
	const char *table = strstr(text, "table " LB_DR_TABLE " {\n");
	const char *end, *at;
	char want[96];

	if (table == NULL)
		return false;
	/* The table's block ends at the first line that is a lone "}". */
	end = strstr(table, "\n}");
	snprintf(want, sizeof(want), "\tchain dr_s_%s {\n", id);
	at = strstr(table, want);
	return at != NULL && (end == NULL || at < end);
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
lb_dr_table_st(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, bool quorum_met, uint16_t *table)
{
	size_t active = lb_nft_active_st(svc, st), n = lb_nft_table_size(svc);

	if (quorum_met)
		(void)lb_nft_table(svc, st, table);
	else
		for (size_t s = 0; s < n; s++)
			table[s] = LB_SCHED_NONE;
	return active;
}

size_t
lb_dr_table(const struct conf_service *svc, const bool *up, uint16_t *table)
{
	struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];

	for (size_t i = 0; i < svc->nbackends; i++)
		st[i] = (struct lb_nft_backend_state){ .up = up[i],
		    .weight = svc->backends[i].weight };
	return lb_dr_table_st(svc, st, lb_nft_quorum_met(false, true,
	    lb_nft_weight_sum(svc, st), lb_nft_active_st(svc, st),
	    svc->quorum, svc->hysteresis), table);
}

/*
 * "VERB element netdev vipd dr_m_X { ... }" over the slots s whose
 * table[s] is a backend and, when old is given, differs from old[s]:
 * "s : jump dr_b_X_i" with_value, else "s".
 */
static void
elements(struct lb_text *t, const char *verb, const char *id,
    const uint16_t *old, const uint16_t *table, size_t n, bool with_value)
{
	size_t k = 0;

	for (size_t s = 0; s < n; s++) {
		if (table[s] == LB_SCHED_NONE || (old != NULL &&
		    old[s] == table[s]))
			continue;
		if (k++ == 0)
			lb_text_printf(t, "%s element " LB_DR_TABLE " dr_m_%s { ",
			    verb, id);
		else
			lb_text_printf(t, ", ");
		if (with_value)
			lb_text_printf(t, "%zu : jump dr_b_%s_%u", s, id,
			    (unsigned)table[s]);
		else
			lb_text_printf(t, "%zu", s);
	}
	if (k > 0)
		lb_text_printf(t, " }\n");
}

size_t
lb_dr_table_delta(struct lb_text *t, const struct conf_service *svc,
    const uint16_t *old, const uint16_t *table)
{
	char id[LB_NFT_ID_MAX];
	size_t n = lb_nft_table_size(svc), moved = 0;
	uint16_t *gone;

	lb_nft_id(svc->name, id, sizeof(id));
	if ((gone = malloc(n * sizeof(*gone))) == NULL) {
		t->oom = true;
		return 0;
	}
	/* The slots that change owner or lose theirs go first ... */
	for (size_t s = 0; s < n; s++) {
		gone[s] = old[s] != table[s] ? old[s] : LB_SCHED_NONE;
		moved += old[s] != table[s];
	}
	elements(t, "delete", id, NULL, gone, n, false);
	free(gone);
	/* ... then their new owners: one transaction, so never a gap. */
	elements(t, "add", id, old, table, n, true);
	return moved;
}

void
lb_dr_service_add(struct lb_text *t, const struct conf_service *svc,
    const uint8_t node_mac[6], const uint8_t (*mac)[6], const uint16_t *table,
    bool vmac_on)
{
	char id[LB_NFT_ID_MAX], dev[LB_NFT_ID_MAX], cc[LB_NFT_COUNTER_MAX];
	char dc[LB_NFT_ID_MAX + 8], hash[LB_NFT_HASH_MAX];

	lb_nft_id(svc->name, id, sizeof(id));
	lb_nft_id(svc->dr_ingress, dev, sizeof(dev));
	lb_text_printf(t, "add counter " LB_DR_TABLE " %s\n"
	    "add chain " LB_DR_TABLE " dr_s_%s\n",
	    lb_dr_drop_counter(id, dc, sizeof(dc)), id);
	if (svc->dr_has_vmac)
		lb_text_printf(t, "add counter " LB_DR_TABLE " "
		    LB_DR_BACKUP_PREFIX "%s\n", id);
	for (size_t i = 0; i < svc->nbackends; i++) {
		lb_nft_counter_name(LB_NFT_COUNTER_TRAFFIC, id, i, cc, sizeof(cc));
		lb_text_printf(t, "add counter " LB_DR_TABLE " %s\n"
		    "add chain " LB_DR_TABLE " dr_b_%s_%zu\n", cc, id, i);
		/* A backend without a MAC yet (all zero) is down: no slot
		 * jumps to it until it has one, and then its chain is new. */
		lb_dr_backend(t, svc, i, node_mac, mac[i]);
	}
	/*
	 * The slot goes through the packet mark because a named map keyed
	 * by the hash itself ("typeof jhash ...") cannot be listed back by
	 * nft 1.0.6; the mark is the node's own business here: the packet
	 * leaves by fwd and meets no other rule of the node.
	 */
	lb_text_printf(t, "add map " LB_DR_TABLE " dr_m_%s { type mark : "
	    "verdict; }\n", id);
	elements(t, "add", id, NULL, table, lb_nft_table_size(svc), true);
	lb_text_printf(t, "add rule " LB_DR_TABLE " dr_s_%s meta mark set %s "
	    "meta mark vmap @dr_m_%s\n"
	    "add rule " LB_DR_TABLE " dr_s_%s counter name %s drop\n", id,
	    lb_nft_hash_expr(svc, hash, sizeof(hash)), id, id, dc);
	/* -500: before anything else of the node's at ingress. */
	lb_text_printf(t, "add chain " LB_DR_TABLE " dr_in_%s { type filter "
	    "hook ingress device \"%s\" priority -500; policy accept; }\n",
	    dev, svc->dr_ingress);
	lb_dr_ingress_rules(t, svc, vmac_on);
}

void
lb_dr_ingress_flush(struct lb_text *t, const char *ingress)
{
	char dev[LB_NFT_ID_MAX];

	lb_nft_id(ingress, dev, sizeof(dev));
	lb_text_printf(t, "flush chain " LB_DR_TABLE " dr_in_%s\n", dev);
}

void
lb_dr_ingress_rules(struct lb_text *t, const struct conf_service *svc,
    bool vmac_on)
{
	char id[LB_NFT_ID_MAX], dev[LB_NFT_ID_MAX], a[INET6_ADDRSTRLEN], vm[18];
	const char *f = svc->addr.family == AF_INET6 ? "ip6" : "ip";
	const char *p = conf_names_lb_proto(svc->protocol);

	lb_nft_id(svc->name, id, sizeof(id));
	lb_nft_id(svc->dr_ingress, dev, sizeof(dev));
	/*
	 * Frames to the node's own MAC always (a router's route to the VIP
	 * via the node's address, with or without a VMAC: without this rule
	 * they reached the VIP's local address and lb_input's reset), and
	 * to the VMAC only while the VIP's instance holds the VIP: a backup
	 * has the same VMAC, and a switch that floods (a MAC aged out, a
	 * port flapped) hands it a copy of every frame the master takes.
	 */
	addr_str(&svc->addr, a, sizeof(a));
	lb_text_printf(t, "add rule " LB_DR_TABLE " dr_in_%s meta pkttype host "
	    "%s daddr %s %s dport %u jump dr_s_%s\n", dev, f, a, p, svc->port,
	    id);
	if (svc->dr_has_vmac && vmac_on)
		lb_text_printf(t, "add rule " LB_DR_TABLE " dr_in_%s ether daddr "
		    "%s %s daddr %s %s dport %u jump dr_s_%s\n", dev,
		    lb_dr_mac_str(svc->dr_vmac, vm, sizeof(vm)), f, a, p,
		    svc->port, id);
	else if (svc->dr_has_vmac)
		lb_text_printf(t, "add rule " LB_DR_TABLE " dr_in_%s ether daddr "
		    "%s %s daddr %s %s dport %u counter name " LB_DR_BACKUP_PREFIX
		    "%s drop\n", dev, lb_dr_mac_str(svc->dr_vmac, vm, sizeof(vm)),
		    f, a, p, svc->port, id);
}
