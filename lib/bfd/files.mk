# SPDX-License-Identifier: GPL-2.0-or-later
# bfd/ - BFD (RFC 5880 asynchronous mode, RFC 5881 single hop). Pure: the
# control packet codec (bfd_pkt).
PURE_SRCS += lib/bfd/bfd_pkt.c
