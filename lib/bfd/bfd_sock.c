/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_sock - RFC 5881 sockets (see bfd_sock.h).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bfd/bfd_pkt.h"
#include "bfd/bfd_sock.h"

static int
sockaddr_of(const struct addr *a, uint16_t port, const char *ifname,
    struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		if (a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80 &&
		    ifname[0] != '\0')
			sin6->sin6_scope_id = if_nametoindex(ifname);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

static int
sock_new(const struct addr *local, const char *ifname)
{
	int fd, on = 1;

	fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ifname[0] != '\0' && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
	    ifname, (socklen_t)strlen(ifname)) < 0)
		goto fail;
	if (local->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		goto fail;
	/* The address may be tentative (DAD) or not there yet at start. */
	if (local->family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof(on));
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	return fd;
fail:
	on = -errno;
	close(fd);
	return on;
}

/*
 * A flood of bad packets must not crowd out the peer's: room for a few
 * thousand datagrams between two wakeups (NET_ADMIN may exceed rmem_max).
 */
#define RX_BUFFER_BYTES (4 * 1024 * 1024)

int
bfd_sock_open_rx(const struct addr *local, const char *ifname)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, err, bytes = RX_BUFFER_BYTES;

	if ((err = sockaddr_of(local, BFD_UDP_PORT, ifname, &ss, &len)) < 0)
		return err;
	if ((fd = sock_new(local, ifname)) < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	/* RFC 5881 5: every received packet's TTL / hop limit is checked. */
	if ((local->family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_RECVTTL,
	    &on, sizeof(on)) : setsockopt(fd, IPPROTO_IPV6,
	    IPV6_RECVHOPLIMIT, &on, sizeof(on))) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int
bfd_sock_open_tx(const struct addr *local, const char *ifname,
    uint16_t *port_hint)
{
	const unsigned span = BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, ttl = BFD_REQUIRED_TTL, err;
	uint16_t port;

	if ((fd = sock_new(local, ifname)) < 0)
		return fd;
	/* RFC 5881 5: sent with TTL / hop limit 255. */
	if ((local->family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_TTL,
	    &ttl, sizeof(ttl)) : setsockopt(fd, IPPROTO_IPV6,
	    IPV6_UNICAST_HOPS, &ttl, sizeof(ttl))) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (*port_hint < BFD_SRC_PORT_MIN)
		*port_hint = BFD_SRC_PORT_MIN;
	/* RFC 5881 4: a source port in 49152..65535, one per session. */
	for (unsigned i = 0; i < span; i++) {
		port = (uint16_t)(BFD_SRC_PORT_MIN +
		    (*port_hint - BFD_SRC_PORT_MIN + i) % span);
		if ((err = sockaddr_of(local, port, ifname, &ss, &len)) < 0)
			break;
		if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
			*port_hint = (uint16_t)(port == BFD_SRC_PORT_MAX ?
			    BFD_SRC_PORT_MIN : port + 1);
			return fd;
		}
		err = -errno;
		if (err != -EADDRINUSE)
			break;
	}
	close(fd);
	return err;
}

ssize_t
bfd_sock_recv(int fd, uint8_t *buf, size_t cap, struct addr *src,
    uint16_t *src_port, int *ttl)
{
	struct sockaddr_storage ss;
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_name = &ss, .msg_namelen = sizeof(ss),
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) < 0)
		return -errno;
	*ttl = -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT))
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
	}
	memset(src, 0, sizeof(*src));
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		src->family = AF_INET;
		memcpy(src->bytes, &sin->sin_addr, 4);
		*src_port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;

		src->family = AF_INET6;
		memcpy(src->bytes, &sin6->sin6_addr, 16);
		*src_port = ntohs(sin6->sin6_port);
	}
	/* A datagram cut short comes back as cap bytes: give the caller a cap
	   above the longest packet and the Length check refuses it. */
	return n;
}

int
bfd_sock_send(int fd, const struct addr *peer, const char *ifname,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int err;

	if ((err = sockaddr_of(peer, BFD_UDP_PORT, ifname, &ss, &slen)) < 0)
		return err;
	if (sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss,
	    slen) < 0)
		return -errno;
	return 0;
}
