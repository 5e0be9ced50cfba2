/* ICMP errors of a relay socket (IP_RECVERR / IPV6_RECVERR, ip(7), ipv6(7)): one entry of
 * the socket's error queue read and parsed for RFC 8656 §11.5. Internal to net/; called on
 * the worker thread that owns the socket. */
#ifndef TERN_NET_RELAY_ICMP_H
#define TERN_NET_RELAY_ICMP_H

#include "turn/server.h"

/* Reads one error-queue entry of fd. Returns 1 with *out filled when it is an ICMP or
 * ICMPv6 error (peer: the offending datagram's destination, from msg_name; type, code,
 * and the MTU from sock_extended_err's ee_info), 0 when the entry is something else (a
 * local error), -EAGAIN when the queue is empty, or -errno. No malloc. */
int net_relay_icmp_read(int fd, struct turn_icmp *out);

#endif
