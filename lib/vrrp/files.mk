# SPDX-License-Identifier: GPL-2.0-or-later
# vrrp/ - the VRRP router. Pure: the advert codec (vrrp_pkt, and
# vrrp_pkt_ip, which uses it), the state machine (vrrp_fsm, vrrp_fsm_release),
# its timers, the GARP schedule, drills, the transition timeline and the
# neighbour solicitation of master_down_bfd's probe (vrrp_nd). Glue:
# AH digests (vrrp_auth, through os/digest), raw sockets (vrrp_net, ifsock),
# announcements (announce), VMAC links, accept/peer filters in nftables, and
# the instance that ties one router's state machine to its sockets and
# addresses (instance*).
PURE_SRCS += lib/vrrp/vrrp_pkt.c lib/vrrp/vrrp_pkt_ip.c lib/vrrp/vrrp_fsm.c \
	lib/vrrp/vrrp_fsm_release.c lib/vrrp/vrrp_timers.c lib/vrrp/garp_sched.c \
	lib/vrrp/drill.c lib/vrrp/timeline.c lib/vrrp/vrrp_bfd.c \
	lib/vrrp/vrrp_nd.c lib/vrrp/vrrp_stall.c
GLUE_SRCS += lib/vrrp/vrrp_auth.c lib/vrrp/vrrp_net.c lib/vrrp/ifsock.c \
	lib/vrrp/announce.c lib/vrrp/vmac.c lib/vrrp/accept_filter.c \
	lib/vrrp/peer_filter.c lib/vrrp/instance.c lib/vrrp/instance_announce.c \
	lib/vrrp/instance_log.c lib/vrrp/instance_vips.c lib/vrrp/routes.c \
	lib/vrrp/instance_routes.c lib/vrrp/vrrp_probe.c
