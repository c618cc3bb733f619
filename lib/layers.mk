# SPDX-License-Identifier: GPL-2.0-or-later
# The order of lib/'s folders, lowest first: a folder uses only folders to
# its left (daemon/ uses them all). tests/layering/check.py enforces it, by
# symbols and by #include lines.
#   base    addresses, byte helpers, JSON, reconcile: shared by everyone
#   os      the kernel and outside libraries (loop, log, netlink, nft, digest)
#   conf    the config file into a model
#   bfd     BFD sessions, which VRRP instances and tracking watch
#   vrrp    the VRRP router
#   health  tracking, sync groups, notify: what moves an instance
#   lb      the balancer and its checks
#   ctsync  conn_sync, which follows an instance or group
#   ctl     control socket, dumps, metrics: read everything
LAYERS := base os conf bfd vrrp health lb ctsync ctl
