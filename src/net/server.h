/* The server's threads and sockets: N workers, each with its own event base and its own
 * SO_REUSEPORT sockets (DESIGN.md §3). app/ fills struct net_opts from the configuration
 * and drives the lifecycle: net_server_new → net_server_start → (signals) → net_server_stop
 * → net_server_free. All functions are called from the main thread. */
#ifndef TERN_NET_SERVER_H
#define TERN_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define NET_MAX_LISTEN 32

struct net_opts {
	unsigned threads;               /* workers; 0 = online CPUs */
	uint16_t port;                  /* listening-port (UDP and TCP) */
	struct addr listen[NET_MAX_LISTEN]; /* listening-ip; nlisten 0 = every local address */
	size_t nlisten;
	bool no_udp;
	bool no_tcp;
	const char *software;           /* SOFTWARE attribute value, or NULL (the default) */
	size_t max_tcp_conns;           /* per worker; 0 = default */
};

struct net_server;

/* Creates the server and binds every socket (so a port in use fails here, before any
 * thread starts). Returns 0 and *out, or -errno with a log line naming the address. */
int net_server_new(const struct net_opts *opts, struct net_server **out);
/* Starts the worker threads. 0 or -errno. */
int net_server_start(struct net_server *s);
/* Asks every worker to stop accepting, finish in-flight work and exit; joins them.
 * Returns within about a second. */
void net_server_stop(struct net_server *s);
/* Frees the server (takes s). Only after net_server_stop, or if never started. */
void net_server_free(struct net_server *s);

/* The number of listening addresses (after enumeration). */
size_t net_server_nlisten(const struct net_server *s);
/* The i-th listening address for UDP or TCP, with the bound port (useful with port 0).
 * 0, or -ENOENT if there is no such listener. */
int net_server_local_addr(const struct net_server *s, size_t i, bool tcp, struct addr *out);

#endif
