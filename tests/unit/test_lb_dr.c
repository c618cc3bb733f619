/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_dr, the direct-routing ruleset text: only frames addressed to the
 * node (or its VMAC) enter, each backend's chain rewrites both MACs and
 * counts, the slot map covers every slot, and a health change sends only
 * the slots that change owner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lb/lb_dr.h"
#include "lb/lb_sched.h"

static struct conf_backend backends[4];

static void
service(struct conf_service *svc, bool vmac)
{
	memset(svc, 0, sizeof(*svc));
	memset(backends, 0, sizeof(backends));
	snprintf(svc->name, sizeof(svc->name), "web-1");
	svc->addr.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.100", svc->addr.bytes);
	svc->port = 80;
	svc->protocol = CONF_LB_TCP;
	svc->scheduler = CONF_LB_MH;
	svc->forwarding = CONF_LB_DR;
	svc->quorum = 1;
	snprintf(svc->dr_interface, sizeof(svc->dr_interface), "eth1");
	snprintf(svc->dr_ingress, sizeof(svc->dr_ingress), "eth0");
	if (vmac) {
		static const uint8_t m[6] = { 0, 0, 0x5e, 0, 1, 51 };

		svc->dr_has_vmac = true;
		memcpy(svc->dr_vmac, m, 6);
	}
	for (size_t i = 0; i < 4; i++) {
		char a[16];

		snprintf(a, sizeof(a), "10.1.0.%zu", 11 + i);
		backends[i].addr.family = AF_INET;
		inet_pton(AF_INET, a, backends[i].addr.bytes);
		backends[i].port = 80;
		backends[i].weight = 1;
	}
	svc->backends = backends;
	svc->nbackends = 4;
}

static const uint8_t node_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t macs[4][6] = { { 2, 0, 0, 0, 0, 0x11 },
	{ 2, 0, 0, 0, 0, 0x12 }, { 2, 0, 0, 0, 0, 0x13 },
	{ 2, 0, 0, 0, 0, 0x14 } };

static void
test_only_frames_to_the_node_enter_and_both_macs_are_rewritten(void **state)
{
	struct conf_service svc;
	bool up[4] = { true, true, true, true };
	uint16_t table[401];
	struct lb_text t = { 0 };

	(void)state;
	service(&svc, false);
	assert_int_equal(lb_nft_table_size(&svc), 401);
	assert_int_equal(lb_dr_table(&svc, up, table), 4);
	lb_dr_service_add(&t, &svc, node_mac, macs, table, false);
	assert_non_null(strstr(t.buf, "add chain netdev vipd dr_in_eth0 { type "
	    "filter hook ingress device \"eth0\" priority -500; policy accept; "
	    "}\nadd rule netdev vipd dr_in_eth0 meta pkttype host ip daddr "
	    "192.0.2.100 tcp dport 80 jump dr_s_web_d1\n"));
	assert_non_null(strstr(t.buf, "add rule netdev vipd dr_b_web_d1_2 ether "
	    "saddr set 02:00:00:00:00:01 ether daddr set 02:00:00:00:00:13 "
	    "counter name lb_c_web_d1_2 fwd to \"eth1\"\n"));
	assert_non_null(strstr(t.buf, "dr_s_web_d1 meta mark set jhash ip saddr "
	    ". tcp sport . ip daddr . tcp dport mod 401 seed 0x76697064 meta "
	    "mark vmap @dr_m_web_d1\n"));
	assert_non_null(strstr(t.buf, "counter name dr_d_web_d1 drop\n"));
	/* Every slot has its element. */
	assert_non_null(strstr(t.buf, "{ 0 : jump dr_b_web_d1_"));
	assert_non_null(strstr(t.buf, ", 400 : jump dr_b_web_d1_"));
	lb_text_free(&t);
	/* Behind a VMAC: the VMAC too, and still the node's own MAC (a
	 * router's route to the VIP via the node's address). */
	service(&svc, true);
	lb_dr_service_add(&t, &svc, node_mac, macs, table, true);
	assert_non_null(strstr(t.buf, "add rule netdev vipd dr_in_eth0 ether "
	    "daddr 00:00:5e:00:01:33 ip daddr 192.0.2.100 tcp dport 80 jump "));
	assert_non_null(strstr(t.buf, "add rule netdev vipd dr_in_eth0 meta "
	    "pkttype host ip daddr 192.0.2.100 tcp dport 80 jump "));
	lb_text_free(&t);
}

static void
test_a_backup_behind_a_vmac_takes_only_frames_to_its_own_mac(void **state)
{
	struct conf_service svc;
	bool up[4] = { true, true, true, true };
	uint16_t table[401];
	struct lb_text t = { 0 };

	(void)state;
	service(&svc, true);
	(void)lb_dr_table(&svc, up, table);
	/* The instance does not hold the VIP: its VMAC is the master's too,
	 * and its frames a counted drop, not the node's stack's. */
	lb_dr_service_add(&t, &svc, node_mac, macs, table, false);
	assert_null(strstr(t.buf, "00:00:5e:00:01:33 ip daddr 192.0.2.100 tcp "
	    "dport 80 jump"));
	assert_non_null(strstr(t.buf, "add counter netdev vipd dr_v_web_d1\n"));
	assert_non_null(strstr(t.buf, "add rule netdev vipd dr_in_eth0 ether "
	    "daddr 00:00:5e:00:01:33 ip daddr 192.0.2.100 tcp dport 80 counter "
	    "name dr_v_web_d1 drop\n"));
	assert_non_null(strstr(t.buf, "add rule netdev vipd dr_in_eth0 meta "
	    "pkttype host ip daddr 192.0.2.100 tcp dport 80 jump "));
	lb_text_free(&t);
	/* A takeover: the ingress chain alone, emptied and filled again. */
	lb_dr_ingress_flush(&t, svc.dr_ingress);
	lb_dr_ingress_rules(&t, &svc, true);
	assert_string_equal(t.buf, "flush chain netdev vipd dr_in_eth0\n"
	    "add rule netdev vipd dr_in_eth0 meta pkttype host ip daddr "
	    "192.0.2.100 tcp dport 80 jump dr_s_web_d1\n"
	    "add rule netdev vipd dr_in_eth0 ether daddr 00:00:5e:00:01:33 "
	    "ip daddr 192.0.2.100 tcp dport 80 jump dr_s_web_d1\n");
	lb_text_free(&t);
}

static void
test_health_change_sends_only_the_slots_that_move(void **state)
{
	struct conf_service svc;
	bool up[4] = { true, true, true, true };
	uint16_t before[401], after[401];
	struct lb_text t = { 0 };
	size_t moved = 0, owned = 0, n;

	(void)state;
	service(&svc, false);
	lb_dr_table(&svc, up, before);
	up[2] = false;
	lb_dr_table(&svc, up, after);
	for (size_t s = 0; s < 401; s++) {
		moved += before[s] != after[s];
		owned += before[s] == 2;
	}
	n = lb_dr_table_delta(&t, &svc, before, after);
	assert_int_equal(n, moved);
	assert_true(moved >= owned && moved <= owned + 401 / 100 + 4);
	assert_non_null(strstr(t.buf, "delete element netdev vipd dr_m_web_d1 { "));
	assert_non_null(strstr(t.buf, "add element netdev vipd dr_m_web_d1 { "));
	assert_null(strstr(t.buf, "jump dr_b_web_d1_2"));
	lb_text_free(&t);
	/* Nothing changes: nothing is sent. */
	assert_int_equal(lb_dr_table_delta(&t, &svc, after, after), 0);
	assert_true(t.len == 0);
	/* All down: every slot goes, none comes. */
	memset(up, 0, sizeof(up));
	lb_dr_table(&svc, up, before);
	assert_int_equal(before[0], LB_SCHED_NONE);
	assert_int_equal(lb_dr_table_delta(&t, &svc, after, before), 401);
	assert_null(strstr(t.buf, "add element"));
	lb_text_free(&t);
}

/*
 * The table follows the backends' states as the balancer decides them: a
 * backend drained at run time (weight 0) owns no slot, and below quorum
 * (the sum of weights, decided by the caller) no slot has a backend.
 */
static void
test_run_time_weight_and_quorum_shape_the_table(void **state)
{
	struct conf_service svc;
	struct lb_nft_backend_state st[4];
	bool up[4] = { true, true, true, true };
	uint16_t table[401];
	size_t owned = 0;

	(void)state;
	service(&svc, false);
	for (size_t i = 0; i < 4; i++)
		st[i] = (struct lb_nft_backend_state){ .up = true, .weight = 1 };
	st[1].weight = 0;
	assert_int_equal(lb_dr_table_st(&svc, st, true, table), 3);
	for (size_t s = 0; s < 401; s++) {
		assert_int_not_equal(table[s], 1);
		owned += table[s] != LB_SCHED_NONE;
	}
	assert_int_equal(owned, 401);
	assert_int_equal(lb_dr_table_st(&svc, st, false, table), 3);
	for (size_t s = 0; s < 401; s++)
		assert_int_equal(table[s], LB_SCHED_NONE);
	/* The file's weights: a quorum of 5 is more than 4 backends of 1. */
	svc.quorum = 5;
	assert_int_equal(lb_dr_table(&svc, up, table), 4);
	assert_int_equal(table[0], LB_SCHED_NONE);
}

static void
test_a_slot_chain_is_found_in_our_table_only(void **state)
{
	static const char text[] =
	    "table netdev vipd {\n"
	    "\tchain dr_in_eth0 {\n"
	    "\t\ttype filter hook ingress device \"eth0\" priority filter; "
	    "policy accept;\n"
	    "\t}\n"
	    "\tchain dr_s_web {\n"
	    "\t}\n"
	    "}\n"
	    "table netdev other {\n"
	    "\tchain dr_s_dns {\n"
	    "\t}\n"
	    "}\n";

	(void)state;
	assert_true(lb_dr_chain_listed(text, "web"));
	assert_false(lb_dr_chain_listed(text, "we"));
	assert_false(lb_dr_chain_listed(text, "web2"));
	/* Another table's chain of that name is not ours. */
	assert_false(lb_dr_chain_listed(text, "dns"));
	assert_false(lb_dr_chain_listed("", "web"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_frames_to_the_node_enter_and_both_macs_are_rewritten),
		cmocka_unit_test(test_a_backup_behind_a_vmac_takes_only_frames_to_its_own_mac),
		cmocka_unit_test(test_health_change_sends_only_the_slots_that_move),
		cmocka_unit_test(test_run_time_weight_and_quorum_shape_the_table),
		cmocka_unit_test(test_a_slot_chain_is_found_in_our_table_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
