# SPDX-License-Identifier: GPL-2.0-or-later
# ctsync/ - conn_sync, the connection table streamed to the backups.
# Pure: the wire codec (ct_wire), the replay window and order table
# (ct_order), the receiver's decisions (ct_recv), the resend ring (ct_ring)
# and the sweep bookkeeping (ct_sweep). Glue: the datagrams' MAC (ct_auth,
# through os/digest), ctnetlink (ct_kernel), the sockets and the send,
# receive, dump, sweep and session paths (ct_sync*).
PURE_SRCS += lib/ctsync/ct_wire.c lib/ctsync/ct_order.c lib/ctsync/ct_recv.c \
	lib/ctsync/ct_ring.c lib/ctsync/ct_sweep.c lib/ctsync/ct_link.c \
	lib/ctsync/ct_peer.c lib/ctsync/ct_select.c
GLUE_SRCS += lib/ctsync/ct_auth.c lib/ctsync/ct_kernel.c lib/ctsync/ct_kernel_exp.c \
	lib/ctsync/ct_sync.c \
	lib/ctsync/ct_sync_send.c lib/ctsync/ct_sync_dump.c \
	lib/ctsync/ct_sync_recv.c lib/ctsync/ct_sync_apply.c \
	lib/ctsync/ct_sync_report.c lib/ctsync/ct_sync_session.c \
	lib/ctsync/ct_sync_sweep.c lib/ctsync/ct_sync_link.c
