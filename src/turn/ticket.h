/* MOBILITY-TICKET (RFC 8016 §3.1, §4): the opaque value a mobility-enabled allocation is
 * handed and presents from a new 5-tuple. Pure: no clock (expiry is compared by the
 * caller), no I/O.
 *
 * The ticket is 32 base64url characters (no NUL, no padding): coturn's turnutils_uclient
 * keeps a ticket as a C string of at most 32 characters, so the 24 bytes under it are
 * AES-256 of one 16-byte block (the state below; it never repeats under a key: the
 * allocation id and generation are unique) followed by the first 8 bytes of
 * HMAC-SHA-256 over that ciphertext (encrypt-then-MAC). A forged or altered ticket fails
 * the MAC; one key (turn_ticket_key, random per process) serves every worker. */
#ifndef TERN_TURN_TICKET_H
#define TERN_TURN_TICKET_H

#include <stddef.h>
#include <stdint.h>

#define TURN_TICKET_LEN 32 /* characters on the wire */

struct turn_ticket_key;

/* What a ticket names: the allocation (its owner worker when issued, its id, unique in
 * the process, and its generation, bumped by every move so that older tickets are stale),
 * until when it may be presented (the monotonic clock, seconds), and whose it is (the
 * first 4 bytes of the owner's ident: SHA-256(username ":" realm)). */
struct turn_ticket {
	uint16_t worker;
	uint32_t id;
	uint16_t gen;
	uint32_t expire_s;
	uint32_t ident_tag;
};

/* A fresh random key. 0, -ENOMEM or -EIO. Free with turn_ticket_key_free (wipes it). */
int turn_ticket_key_new(struct turn_ticket_key **out);
void turn_ticket_key_free(struct turn_ticket_key *k);

/* The ident_tag of an ident (TURN_IDENT_LEN bytes). */
uint32_t turn_ticket_ident_tag(const uint8_t *ident);

/* Writes t's ticket (TURN_TICKET_LEN characters, not NUL-terminated). 0 or -EIO. */
int turn_ticket_seal(const struct turn_ticket_key *k, const struct turn_ticket *t,
		     char out[TURN_TICKET_LEN]);
/* Opens the ticket in[0..len): 0 and *t, or -EBADMSG (wrong length or alphabet, forged or
 * altered) or -EIO. */
int turn_ticket_open(const struct turn_ticket_key *k, const uint8_t *in, size_t len,
		     struct turn_ticket *t);

#endif
