# SPDX-License-Identifier: GPL-2.0-or-later
# os/ - the only files that talk to the kernel for everyone else: the event
# loop (epoll, timerfd, signalfd), the log (syslog, stderr), netlink (libnl),
# nftables (libnftables), digests and MACs (libcrypto), daemon processes
# (fork, pid file), privileges, and the asynchronous script runner with its
# permission checks. All OS glue.
GLUE_SRCS += lib/os/digest.c lib/os/evloop.c lib/os/log.c lib/os/nft.c lib/os/nl.c lib/os/nl_route.c \
	lib/os/nl_neigh.c \
	lib/os/privs.c lib/os/proc.c lib/os/script.c lib/os/script_sec.c \
	lib/os/script_spawn.c lib/os/sdnotify.c \
	lib/os/procev.c lib/os/nft_monitor.c
