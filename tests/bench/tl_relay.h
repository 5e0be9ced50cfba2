/*
 * tl_relay.h — the relay mode's state, shared by its throughput phase
 * (tl_relay.c) and its round-trip phase (tl_rtt.c).
 */
#ifndef TL_RELAY_H
#define TL_RELAY_H

#include "turnload.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define TL_MAX_PEERS	 8
#define TL_RECV_BATCH	 64
#define TL_PEER_BATCH	 512
#define TL_WRITE_OFF_MS	 200
#define TL_DATA_SCAN_MS	 20
#define TL_BUF		 1500
#define TL_TURN_WARM_MS	 20 /* unmeasured start of a throughput turn */
#define TL_TURN_DRAIN_MS 50 /* at most, for the datagrams in flight after a turn */

enum { TL_C2P, TL_P2C, TL_KIND_RTT, TL_KIND_HELLO };

struct tl_flow {
	int32_t out[2];	     /* in flight, per direction */
	int64_t done[2];     /* delivered, per direction */
	uint64_t prog_ms[2]; /* last delivery (or first send after idle) */
	bool dirty;
};

struct tl_peer_batch {
	struct mmsghdr msg[TL_PEER_BATCH];
	struct iovec iov[TL_PEER_BATCH];
	int n;
};

/* Sums over a target's measured turns. */
struct tl_acc {
	double secs, server_cpu, self_cpu;
	uint64_t sent, got[2], core_busy, core_total;
	bool cpu_unknown;
};

struct tl_relay {
	struct tl *t;
	struct tl_acc acc;
	uint64_t rtt_sent;   /* probes sent in recorded turns */
	uint32_t next_probe; /* allocation the next probe goes through */
	int n, size, w;
	bool rtt; /* round-trip phase running */
	int npeer;
	int peer_fd[TL_MAX_PEERS];
	struct sockaddr_in peer_addr[TL_MAX_PEERS];
	struct tl_peer_batch pb[TL_MAX_PEERS];
	struct tl_flow *f;
	uint8_t *c2p;	 /* n ChannelData templates of 4 + size bytes */
	uint8_t *p2c;	 /* n payload templates of size bytes */
	uint32_t *dirty; /* flows to refill */
	int ndirty;
	uint64_t sent[2], recv[2];
	uint64_t *rtt_ns; /* samples */
	size_t nrtt, rtt_cap;
	bool rtt_record;
	uint64_t rtt_from_ns; /* samples of probes sent since */
	struct mmsghdr *cmsg; /* client send scratch, w entries */
	struct iovec *ciov;
	struct mmsghdr rmsg[TL_RECV_BATCH];
	struct iovec riov[TL_RECV_BATCH];
	struct sockaddr_in rsrc[TL_RECV_BATCH];
	uint8_t rbuf[TL_RECV_BATCH][TL_BUF];
};

/* Peer socket i of a relay mode (UDP, bound on o.peer_ip, else the server's address; made in
 * o.peer_netns when set; in t's epoll set as TL_EV_PEER i): its descriptor and address. 0 or
 * -errno. */
int tl_peer_open(struct tl *t, int i, int *fd, struct sockaddr_in *addr);
/* Queues one datagram in b (for peer socket fd) toward dst, data borrowed until the flush;
 * a full batch is flushed first. */
void tl_peer_queue(struct tl_peer_batch *b, int fd, const struct sockaddr_in *dst, void *data,
		   size_t len);
/* Sends what b holds (sendmmsg); refused datagrams are lost, as on a network. */
void tl_peer_flush(struct tl_peer_batch *b, int fd);
/* Handles what arrived on r's sockets, waiting at most timeout_ms. 0 or -errno. */
int tl_data_step(struct tl_relay *r, int timeout_ms);
/* Adds the interval a..b, with s0/d0 the sent and delivered counts at a, to r->acc. */
void tl_acc_add(struct tl_relay *r, const struct tl_snap *a, const struct tl_snap *b,
		const uint64_t s0[2], const uint64_t d0[2]);
/* The round-trip phase over the nr targets rs (pe: their epoll sets), tl_rtt.c. */
int tl_phase_rtt(struct tl_relay **rs, int nr, int pe, int size);

#endif
