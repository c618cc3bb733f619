/*
 * vrrp_net - raw sockets for VRRP over IPv4.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "vrrp_net.h"

int
vrrp_net_open_ipv4(const char *ifname, int ifindex, int protocol)
{
	struct ip_mreqn mreq;
	int fd, on = 1, off = 0, err;

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_ifindex = ifindex;
	inet_pton(AF_INET, VRRP_IPV4_MCAST_GROUP, &mreq.imr_multiaddr);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname)) < 0 ||
	    /* We build the header: TTL 255 and our primary address as source. */
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0 ||
	    /* Our own adverts must not come back to us as a peer's. */
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0 ||
	    /* Only the groups joined on this socket, not every socket's. */
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof(off)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int
vrrp_net_send_ipv4(int fd, const uint8_t *pkt, size_t len,
    const struct vrrp_addr *dst)
{
	struct sockaddr_in sin;
	ssize_t n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, dst->bytes, 4);
	n = sendto(fd, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

ssize_t
vrrp_net_recv(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_TRUNC);

	if (n < 0)
		return -errno;
	/* MSG_TRUNC reports the real length: an oversized packet is refused. */
	if ((size_t)n > cap)
		return -EMSGSIZE;
	return n;
}
