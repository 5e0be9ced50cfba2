/* A client connection as the TURN core sees it (DESIGN.md §3): an object with an ops table
 * that net/ implements once per transport (net/udp.c: a listening socket, whose remote is
 * per message; net/tcp.c: one accepted connection). turn/ and the relay path reach the
 * client only through it and never ask which transport it is: what differs between
 * transports is expressed as properties (stream, proven). Everything runs on the worker
 * thread that owns the connection. */
#ifndef TERN_TURN_CONN_H
#define TERN_TURN_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct turn_conn;

/* The transports a client connection may be, for counters (metrics) only. */
enum turn_transport { TURN_TR_UDP, TURN_TR_TCP, TURN_TR_TLS, TURN_TR_DTLS, TURN_TR_N };

struct turn_conn_ops {
	const char *name;	       /* "udp", "tcp", ...: for logs and metrics only */
	enum turn_transport transport; /* the same, as an index (0: UDP) */
	/* A framed byte stream: ChannelData to the client is padded to a multiple of 4
	 * (RFC 8656 §12.5), and an allocation made on it lives as long as the connection
	 * (RFC 8656 §5; net/ reports the end with turn_server_client_gone). */
	bool stream;
	/* The remote address was proven by a handshake (no spoofing possible): replies to
	 * unauthenticated requests are not rate-limited (DESIGN.md §3). */
	bool proven;
	/* TLS or DTLS: a client told to move (300 Try Alternate) is sent to a server's TLS
	 * address, with the name to check its certificate against (turn/shed.c). */
	bool secure;
	/* Sends one complete STUN message or ChannelData to the client at to (a connected
	 * transport ignores to: it is its remote). buf is borrowed for the call. 0 or -errno
	 * (counted by net/; the caller drops). */
	int (*send)(struct turn_conn *c, const struct addr *to, const uint8_t *buf, size_t len);
	/* Optional (NULL: use send). Like send, but the datagram leaves with the worker's
	 * end-of-iteration flush, batched with every other one queued meanwhile (one sendmmsg
	 * per socket). buf and c must stay valid until that flush, so only connections that
	 * live as long as the worker (a listening socket) offer it, and only callers whose
	 * buffer the flush releases (the relay receive slots) use it. to is copied. 0 or
	 * -errno. */
	int (*queue)(struct turn_conn *c, const struct addr *to, const uint8_t *buf, size_t len);
	/* Optional (NULL: nothing to do). A relay socket of an allocation made on c was
	 * opened / closed. While c holds one, its allocation exists and c has no idle timeout;
	 * after the last one is released the allocation has ended and a stream connection
	 * closes, later in the loop iteration (never from within the call), once its output
	 * is flushed. */
	void (*hold)(struct turn_conn *c);
	void (*release)(struct turn_conn *c);
};

/* RFC 5780 §6: where a listening socket stands among the server's addresses. A Binding
 * response to CHANGE-REQUEST leaves from another of the server's sockets, and one to
 * RESPONSE-PORT goes to another port of the client's address: net/ builds this table once
 * per socket, after the worker has all of its sockets, and owns it for the worker's life.
 * via[] is indexed by the CHANGE-REQUEST flags asked for: TURN_CHANGE_PORT | TURN_CHANGE_IP;
 * via[0] is the socket itself and is set only when its send reaches any address (a UDP
 * listening socket: RESPONSE-PORT possible); a NULL entry means that change is impossible
 * (streams, or no alternate address). Every via[] connection belongs to the same worker.
 * A TCP or TLS listener's connections share one table with has_other and other only
 * (net/alt.c). */
#define TURN_CHANGE_PORT 1
#define TURN_CHANGE_IP	 2
struct turn_conn_alt {
	bool has_other;	   /* the server has an alternate address and port (RFC 5780 §6) */
	struct addr other; /* OTHER-ADDRESS: the alternate IP and port, Ca:Cp (Table 1) */
	struct turn_conn *via[4];
};

/* Embedded in net's object for the transport (owned by net/; turn/ borrows it for as long
 * as an allocation or a pending request names it: net/ calls turn_server_client_gone
 * before freeing a connection that does not live as long as the worker). */
struct turn_conn {
	const struct turn_conn_ops *ops;
	struct addr local;  /* the server address the client reached */
	struct addr remote; /* the client's; for a datagram listening socket, unset (the
			     * remote is per message: struct turn_client's src) */
	const struct turn_conn_alt *alt; /* RFC 5780 (above); NULL: no alternate, no
					  * redirection (borrowed from net/) */
};

#endif
