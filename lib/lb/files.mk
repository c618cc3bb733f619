# SPDX-License-Identifier: GPL-2.0-or-later
# lb/ - the embedded L4 balancer. Pure: schedulers and the Maglev table
# (lb_sched), the nftables ruleset text (lb_nft; direct routing's netdev
# table: lb_dr), the check heap and each check's schedule and reply parsing
# (check_heap, check_sched). Glue: the balancer applied to the kernel (lb),
# direct routing's MACs and table (lb_mac), backend state shared by both
# (lb_state), its probes (check), its dump.
PURE_SRCS += lib/lb/lb_sched.c lib/lb/lb_nft.c lib/lb/lb_dr.c lib/lb/check_heap.c \
	lib/lb/check_sched.c
GLUE_SRCS += lib/lb/lb.c lib/lb/lb_dump.c lib/lb/lb_mac.c lib/lb/lb_arp.c lib/lb/lb_state.c \
	lib/lb/check.c
