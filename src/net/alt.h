/* RFC 5780 §6 in net/: which listening address is the alternate of which, and the table
 * (turn/conn.h struct turn_conn_alt) each of a worker's sockets answers CHANGE-REQUEST and
 * RESPONSE-PORT with. Internal to net/; main thread, before the workers start. */
#ifndef TERN_NET_ALT_H
#define TERN_NET_ALT_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct net_worker;

/* The alternate of a[i] among a[0..n): the next address of its family after it, wrapping
 * around (coturn's choice), or -1 when it is the only one of its family. */
int net_alt_pair(const struct addr *a, size_t n, size_t i);

/* The server's port pairs: listening-port and alt-listening-port (UDP and TCP), and
 * tls-listening-port and alt-tls-listening-port (TLS). 0: none. */
struct net_alt_ports {
	uint16_t port, alt_port;
	uint16_t tls_port, alt_tls_port;
};

/* Gives every UDP socket and TCP listener of w its table, once w holds all its sockets:
 * a UDP socket on listening address L (one of a[0..n)) and port P of a pair answers
 * "change port" from L:P', "change IP" from A:P and both from A:P', where A is L's
 * alternate and P' the other port of the pair; OTHER-ADDRESS is A:P'. UDP sockets without
 * an alternate still get via[0] (RESPONSE-PORT; RFC 5780 §5 allows it with one address).
 * A TCP or TLS listener gets OTHER-ADDRESS A:P' when w also listens on L:P', A:P and A:P'
 * (its connections can change nothing). */
void net_alt_link(struct net_worker *w, const struct addr *a, size_t n,
		  const struct net_alt_ports *ports);

#endif
