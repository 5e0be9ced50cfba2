/* Session ticket keys (struct tls_tickets, declared in net/tls_ctx.h) as the context set
 * uses them: attaching the shared key ring to an SSL_CTX. Internal to net/tls_*.c. */
#ifndef TERN_NET_TLS_TICKETS_H
#define TERN_NET_TLS_TICKETS_H

#include <openssl/ssl.h>

#include "net/tls_ctx.h"

/* Makes ctx encrypt and decrypt session tickets with t's keys (t borrowed: it must
 * outlive ctx) and caps the session lifetime at t's rotation period, so a ticket is never
 * valid longer than its key is kept. Returns 0 or -ENOMEM. */
int tls_tickets_attach(struct tls_tickets *t, SSL_CTX *ctx);

#endif
