/* Session log lines (module "session"): one info line per allocation event — created,
 * refreshed, moved (RFC 8016), ended with its reason, duration and what it relayed each
 * way. Values a client chose (the USERNAME) go through log_quote. Never per packet.
 * Internal to turn/; the worker thread that owns the allocation. */
#ifndef TERN_TURN_SESSLOG_H
#define TERN_TURN_SESSLOG_H

#include <stdint.h>

#include "base/addr.h"
#include "turn/alloc.h"

/* a was created (its Allocate succeeded, RFC 8656 §7.2). */
void turn_slog_created(const struct turn_alloc *a);
/* a was refreshed to lifetime_s seconds (§8.2); family 0, or AF_INET/AF_INET6 for a
 * Refresh of one family of a dual allocation. */
void turn_slog_refreshed(const struct turn_alloc *a, uint32_t lifetime_s, int family);
/* The relayed address of family (AF_INET/AF_INET6) of dual allocation a ended on its own
 * for why (RFC 8656 §6: expired; §8.2: deleted), before it is closed; a lives on. */
void turn_slog_relay_ended(const struct turn_alloc *a, int family, enum turn_end why);
/* a moved to its present 5-tuple from the client address from (RFC 8016 §3.2). */
void turn_slog_moved(const struct turn_alloc *a, const struct addr *from);
/* a ends at now_ms (0: unknown, the duration is not given) for why. */
void turn_slog_ended(const struct turn_alloc *a, uint64_t now_ms, enum turn_end why);

#endif
