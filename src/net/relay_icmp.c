/* Error-queue entries of relay sockets (net/relay_icmp.h). */
#include "net/relay_icmp.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* The extended error of a message read with MSG_ERRQUEUE, or NULL. */
static const struct sock_extended_err *net_relay_icmp_ee(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR))
			return (const struct sock_extended_err *)CMSG_DATA(c);
	}
	return NULL;
}

int net_relay_icmp_read(int fd, struct turn_icmp *out)
{
	/* The offending datagram's payload comes back too: only its start is wanted. */
	uint8_t data[64];
	union {
		struct cmsghdr align;
		uint8_t b[256];
	} ctl;
	struct sockaddr_storage to;
	struct iovec iov = {data, sizeof(data)};
	struct msghdr m = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.b,
		.msg_controllen = sizeof(ctl.b),
	};
	const struct sock_extended_err *ee;

	if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ee = net_relay_icmp_ee(&m);
	if (ee == NULL ||
	    (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6))
		return 0;
	if (to.ss_family != AF_INET && to.ss_family != AF_INET6)
		return 0;
	memset(out, 0, sizeof(*out));
	memcpy(&out->peer.u.ss, &to, sizeof(to));
	out->icmp6 = ee->ee_origin == SO_EE_ORIGIN_ICMP6;
	out->type = ee->ee_type;
	out->code = ee->ee_code;
	out->mtu = ee->ee_info;
	return 1;
}
