# SPDX-License-Identifier: GPL-2.0-or-later
# bfd/ - BFD (RFC 5880 asynchronous mode, RFC 5881 single hop). Pure: the
# control packet codec (bfd_pkt), the SHA1 sequence number window
# (bfd_seq) and the session state machine with its timers (bfd_session).
# Glue: the SHA1 hash of authenticated packets through os/digest
# (bfd_auth).
PURE_SRCS += lib/bfd/bfd_pkt.c lib/bfd/bfd_seq.c lib/bfd/bfd_session.c
GLUE_SRCS += lib/bfd/bfd_auth.c lib/bfd/bfd_sock.c lib/bfd/bfd_run.c
