/* Socket creation for the listeners: options, bind, listen, and the local address list.
 * Called from the main thread while the server is being created. */
#ifndef TERN_NET_SOCK_H
#define TERN_NET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* A nonblocking, close-on-exec UDP socket with SO_REUSEPORT (and IPV6_V6ONLY for IPv6)
 * bound to *a. Returns 0 and *fd, or -errno. */
int net_sock_udp(const struct addr *a, int *fd);
/* The same for TCP, also listening. */
int net_sock_tcp(const struct addr *a, int *fd);
/* Checks that nobody else holds *a (a plain bind without SO_REUSEPORT, so a process
 * sharing the port through its own SO_REUSEPORT group is detected). 0 or -errno. */
int net_sock_probe(const struct addr *a, bool tcp);
/* The address a socket is bound to (for port 0). 0 or -errno. */
int net_sock_local(int fd, struct addr *out);
/* Every address of every interface that is up, except IPv6 link-local, with the given
 * port, without duplicates; at most max. Returns 0 and *n, or -errno. */
int net_sock_local_addrs(uint16_t port, struct addr *out, size_t max, size_t *n);

#endif
