/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmac - the virtual MAC interface (see vmac.h).
 *
 * Receiving adverts. The macvlan is in bridge mode, and adverts are read
 * from the base interface's socket, as without VMAC. The reason is the
 * peer's adverts: with VMAC on both nodes they come from the very MAC our
 * own macvlan has. The macvlan driver takes an incoming multicast frame
 * whose source MAC is one of its own devices for a frame that device sent:
 * in private mode it hands it to that device only and the base interface
 * never sees it; in bridge mode it passes it up the base interface as any
 * other multicast frame (and skips the device it seems to come from). So
 * in bridge mode the base socket, joined to 224.0.0.18 on the base, hears
 * every peer whether or not it uses VMAC, and the macvlan's own socket is
 * for sending only.
 *
 * Sending adverts. Multicast ones leave through the macvlan, from the
 * virtual MAC, so that the switch keeps learning where the Master is.
 * Unicast ones leave through the base, as keepalived sends them (it turns
 * vmac_xmit_base on for unicast): the base has the routes and neighbour
 * entries for the peers' addresses, which the macvlan, holding only the
 * VIPs (none at all on a backup), may not have (IPv6 has no route to a
 * peer there, and no on-link fallback); a unicast frame reaches one peer,
 * so its source MAC teaches clients nothing, and the GARPs/NAs still come
 * from the virtual MAC. The macvlan then has no advert socket.
 *
 * ARP. The VIP is on the macvlan; the base interface must not answer for
 * it with its own MAC, and the macvlan must answer only for what it holds:
 *   base:  arp_ignore = 1   answer only for addresses on the interface the
 *                           request came in on (not the VIP);
 *          arp_filter = 1   as keepalived sets it: answer only where the
 *                           kernel would route the reply;
 *          arp_announce = 2 ARP requests the node sends through the base
 *                           (to reach a client it replies to from the VIP)
 *                           carry the base's own address, not the VIP: a
 *                           request from the VIP with the base's MAC would
 *                           overwrite the client's entry for the VIP.
 *   vmac:  arp_ignore = 1, accept_local = 1, rp_filter = 0 (keepalived's:
 *          answer only for its own addresses, and accept packets on an
 *          interface that has no route of its own back to the sender).
 * Silence. Whatever a backup's macvlan sent would carry the virtual MAC
 * and teach the switch the wrong port. So its advert socket joins no group
 * (no IGMP/MLD report), an IPv4 VMAC gets no IPv6 (disable_ipv6: no
 * router solicitation or MLD), and an IPv6 one no link-local address of
 * its own (addr_gen_mode 1: no DAD either); all set while it is still down.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrrp/vmac.h"
#include "vrrp/vrrp_net.h"

void
vmac_mac(int family, uint8_t vrid, uint8_t mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = family == AF_INET6 ? 0x02 : 0x01;
	mac[5] = vrid;
}

void
vmac_init(struct vmac *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->base_arp_ignore = vm->base_arp_filter = vm->base_arp_announce = -1;
}

/* /proc/sys/net/<proto>/conf/<ifname>/<key>: read an integer, -1 if none. */
static int
vmac_sysctl_get(const char *proto, const char *ifname, const char *key)
{
	char path[128], buf[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", proto,
	    ifname, key);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int
vmac_sysctl_set(const char *proto, const char *ifname, const char *key,
    int value)
{
	char path[128], buf[16];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", proto,
	    ifname, key);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", value);
	if (write(fd, buf, (size_t)len) != len)
		err = -errno;
	close(fd);
	return err;
}

/* The base's values, saved once (only if we are the ones changing them). */
static int
vmac_base_sysctls(struct vmac *vm, const char *base)
{
	int ign = vmac_sysctl_get("ipv4", base, "arp_ignore");
	int filt = vmac_sysctl_get("ipv4", base, "arp_filter");
	int ann = vmac_sysctl_get("ipv4", base, "arp_announce");
	int err;

	if (!vm->base_saved && (ign != 1 || filt != 1 || ann != 2)) {
		vm->base_arp_ignore = ign;
		vm->base_arp_filter = filt;
		vm->base_arp_announce = ann;
		vm->base_saved = true;
	}
	if ((err = vmac_sysctl_set("ipv4", base, "arp_ignore", 1)) < 0 ||
	    (err = vmac_sysctl_set("ipv4", base, "arp_filter", 1)) < 0 ||
	    (err = vmac_sysctl_set("ipv4", base, "arp_announce", 2)) < 0)
		return err;
	return 0;
}

/* Set while the macvlan is still down: nothing leaves it before. */
static int
vmac_own_sysctls(const struct conf_instance *conf)
{
	const char *name = conf->vmac_name;
	int err;

	if ((err = vmac_sysctl_set("ipv4", name, "arp_ignore", 1)) < 0 ||
	    (err = vmac_sysctl_set("ipv4", name, "accept_local", 1)) < 0 ||
	    (err = vmac_sysctl_set("ipv4", name, "rp_filter", 0)) < 0)
		return err;
	/* Absent when the kernel has no IPv6: nothing to silence then. */
	if (conf->family == AF_INET) {
		err = vmac_sysctl_set("ipv6", name, "disable_ipv6", 1);
		return err == -ENOENT ? 0 : err;
	}
	/*
	 * IPv6: no link-local address of its own (addr_gen_mode 1), hence
	 * no DAD, router solicitation or MLD report from the virtual MAC on
	 * a backup; the Master puts its advert source there (vmac_source).
	 */
	if ((err = vmac_sysctl_set("ipv6", name, "addr_gen_mode", 1)) < 0 ||
	    (err = vmac_sysctl_set("ipv6", name, "disable_ipv6", 0)) < 0)
		return err;
	return 0;
}

/* IPv6: vrrp_net builds the payload and names source and interface. */
static int
vmac_open_socket6(struct vmac *vm, const struct conf_instance *conf,
    const struct sock_fprog *prog)
{
	int fd, hops = 255, off = 0, err = 0;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VRRP_IPPROTO);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog,
	    sizeof(*prog)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, conf->vmac_name,
	    (socklen_t)strlen(conf->vmac_name)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &vm->ifindex,
	    sizeof(vm->ifindex)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
	    sizeof(off)) < 0)
		err = -errno;
	if (err < 0) {
		close(fd);
		return err;
	}
	vm->fd = fd;
	return 0;
}

/*
 * Adverts leave through the macvlan so that they carry the virtual MAC.
 * Send only: the socket joins no group (a backup's macvlan would otherwise
 * send IGMP reports from the virtual MAC, and teach the switch that the
 * VIP's MAC is behind the backup), and a filter that accepts nothing keeps
 * its queue empty. IP_HDRINCL: vrrp_net builds the header, with TTL 255
 * and the base interface's address as source, as without VMAC. AH adverts
 * (protocol 51 in that header) go out of the same socket.
 */
static int
vmac_open_socket(struct vmac *vm, const struct conf_instance *conf)
{
	static struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { 1, drop_all };
	struct ip_mreqn mreq;
	int fd, on = 1, off = 0, err = 0;

	if (conf->family == AF_INET6)
		return vmac_open_socket6(vm, conf, &prog);
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VRRP_IPPROTO);
	if (fd < 0)
		return -errno;
	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_ifindex = vm->ifindex;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, conf->vmac_name,
	    (socklen_t)strlen(conf->vmac_name)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0)
		err = -errno;
	if (err < 0) {
		close(fd);
		return err;
	}
	vm->fd = fd;
	return 0;
}

static void
vmac_close_socket(struct vmac *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

int
vmac_ensure(struct vmac *vm, struct netlink *nl, const struct conf_instance *conf,
    int base_ifindex, char *why, size_t why_len)
{
	struct netlink_link_info li;
	int err;

	vmac_mac(conf->family, conf->vrid, vm->mac);
	if (vm->ifindex != 0 && vm->base_ifindex == base_ifindex &&
	    netlink_link_get(nl, conf->vmac_name, &li) == 0 &&
	    li.ifindex == vm->ifindex)
		return 0;
	vmac_close_socket(vm);
	vm->ifindex = 0;
	vm->source_on = false;
	/* A stale one (crash, or a base re-created under it) goes first. */
	err = netlink_macvlan_del(nl, conf->vmac_name);
	if (err == -EEXIST) {
		snprintf(why, why_len, "%s exists and is not a macvlan",
		    conf->vmac_name);
		return err;
	}
	if ((err = netlink_macvlan_add(nl, base_ifindex, conf->vmac_name,
	    vm->mac)) < 0) {
		snprintf(why, why_len, "cannot create macvlan %s on %s: %s",
		    conf->vmac_name, conf->interface, netlink_strerror(err));
		return err;
	}
	if ((err = netlink_link_get(nl, conf->vmac_name, &li)) < 0) {
		snprintf(why, why_len, "macvlan %s vanished after creation",
		    conf->vmac_name);
		return err;
	}
	vm->ifindex = li.ifindex;
	vm->base_ifindex = base_ifindex;
	if ((err = vmac_base_sysctls(vm, conf->interface)) < 0 ||
	    (err = vmac_own_sysctls(conf)) < 0) {
		snprintf(why, why_len, "cannot set ARP sysctls on %s/%s: %s",
		    conf->interface, conf->vmac_name, strerror(-err));
		goto fail;
	}
	if ((err = netlink_link_set_up(nl, vm->ifindex)) < 0) {
		snprintf(why, why_len, "cannot set %s up: %s", conf->vmac_name,
		    netlink_strerror(err));
		goto fail;
	}
	/* Unicast adverts leave through the base (see the top of this file). */
	if (conf->npeers == 0 && (err = vmac_open_socket(vm, conf)) < 0) {
		snprintf(why, why_len, "cannot open advert socket on %s: %s",
		    conf->vmac_name, strerror(-err));
		goto fail;
	}
	return 0;
fail:
	/* Half a VMAC would answer ARP with the wrong MAC: none at all. */
	vmac_remove(vm, nl, conf);
	vm->removed = false;
	return err;
}

/* Virtual router MACs (either family) left on base, or -errno. */
static int
vmac_others(struct netlink *nl, int base)
{
	uint8_t v4[6], v6[6];
	int n4, n6;

	vmac_mac(AF_INET, 0, v4);
	vmac_mac(AF_INET6, 0, v6);
	if ((n4 = netlink_macvlan_count(nl, base, v4, 0)) < 0)
		return n4;
	if ((n6 = netlink_macvlan_count(nl, base, v6, 0)) < 0)
		return n6;
	return n4 + n6;
}

void
vmac_remove(struct vmac *vm, struct netlink *nl, const struct conf_instance *conf)
{
	int left;

	vmac_close_socket(vm);
	if (vm->ifindex != 0)
		(void)netlink_macvlan_del(nl, conf->vmac_name);
	vm->ifindex = 0;
	vm->source_on = false;
	vm->removed = true;
	if (!vm->base_saved)
		return;
	vm->base_saved = false;
	/*
	 * Another instance's VMAC still on the base needs the sysctls: keep
	 * them (only the first instance saved the old values, so they are
	 * not put back then; a crash leaves them too).
	 */
	left = vmac_others(nl, vm->base_ifindex);
	if (left != 0)
		return;
	if (vm->base_arp_ignore >= 0)
		(void)vmac_sysctl_set("ipv4", conf->interface, "arp_ignore",
		    vm->base_arp_ignore);
	if (vm->base_arp_filter >= 0)
		(void)vmac_sysctl_set("ipv4", conf->interface, "arp_filter",
		    vm->base_arp_filter);
	if (vm->base_arp_announce >= 0)
		(void)vmac_sysctl_set("ipv4", conf->interface, "arp_announce",
		    vm->base_arp_announce);
}

/* fe80::/10 (RFC 4291 2.5.6). */
static bool
vmac_link_local(const struct addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe &&
	    (a->bytes[1] & 0xc0) == 0x80;
}

/*
 * RFC 5798 5.1.2.2: multicast IPv6 adverts come from a link-local address,
 * and the kernel sends from one only through an interface that holds it:
 * the base's goes on the macvlan too (as keepalived does), with the /64
 * every link-local address has (RFC 4291 2.5.6). Unicast adverts leave
 * through the base, from a source that is already there: nothing to copy
 * (a copy of a global unicast_src would give the node's own address a
 * second route, with a /64 guessed, to the virtual MAC).
 */
int
vmac_source(struct vmac *vm, struct netlink *nl, const struct addr *src,
    bool on)
{
	int err;

	if (vm->fd < 0 || !vmac_link_local(src) || vm->ifindex == 0 ||
	    vm->source_on == on)
		return 0;
	if (on) {
		err = netlink_addr_add(nl, vm->ifindex, src, 64);
		vm->source_on = err == 0 || err == -EEXIST;
		return vm->source_on ? 0 : err;
	}
	vm->source_on = false;
	err = netlink_addr_del(nl, vm->ifindex, src, 64);
	return err == -EADDRNOTAVAIL || err == -ENODEV ? 0 : err;
}
