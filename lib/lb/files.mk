# SPDX-License-Identifier: GPL-2.0-or-later
# lb/ - the embedded L4 balancer. Pure: schedulers and the Maglev table
# (lb_sched), least-connection picks and the per-backend connection counts
# (lb_least, lb_conns), the nftables ruleset text (lb_nft; direct routing's
# netdev table: lb_dr), the check heap, each check's schedule and reply
# parsing (check_heap, check_sched) and the DNS, SMTP and ICMP codecs of
# those checks (check_dns, check_smtp, check_icmp). Glue: the balancer
# applied to the kernel (lb), direct routing's MACs and table (lb_mac),
# backend state shared by both (lb_state), its probes (check, check_probe
# for what every probe shares, check_dgram for udp, dns and ping), its dump.
PURE_SRCS += lib/lb/lb_sched.c lib/lb/lb_nft.c lib/lb/lb_dr.c lib/lb/check_heap.c \
	lib/lb/lb_least.c lib/lb/lb_conns.c \
	lib/lb/check_sched.c lib/lb/check_dns.c lib/lb/check_smtp.c \
	lib/lb/check_icmp.c lib/lb/lb_announce.c
GLUE_SRCS += lib/lb/lb.c lib/lb/lb_route.c lib/lb/lb_dump.c lib/lb/lb_mac.c lib/lb/lb_arp.c lib/lb/lb_state.c \
	lib/lb/check.c lib/lb/check_probe.c lib/lb/check_dgram.c lib/lb/check_http.c
