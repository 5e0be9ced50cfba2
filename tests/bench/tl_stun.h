/*
 * tl_stun — the little STUN/TURN codec turnload needs: build requests with
 * long-term credentials (RFC 8489 §9.2, RFC 8656) and pull the few
 * attributes it reads out of responses. Independent of Tern's own codec on
 * purpose: the benchmark must not share the code it measures.
 */
#ifndef TL_STUN_H
#define TL_STUN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_STUN_MAGIC 0x2112A442u
#define TL_STUN_HDR   20
#define TL_MSG_MAX    512
#define TL_NONCE_MAX  128
#define TL_REALM_MAX  128

/* Methods; a class is added to form the message type. */
#define TL_ALLOCATE	     0x0003
#define TL_REFRESH	     0x0004
#define TL_CREATE_PERMISSION 0x0008
#define TL_CHANNEL_BIND	     0x0009
#define TL_CLASS_OK	     0x0100
#define TL_CLASS_ERR	     0x0110

/* A request under construction. */
struct tl_msg {
	uint8_t b[TL_MSG_MAX];
	size_t len;
};

/* What turnload reads from a response. Pointers view the datagram. */
struct tl_resp {
	uint16_t type;
	int code; /* ERROR-CODE, or 0 */
	const uint8_t *realm, *nonce;
	size_t realm_len, nonce_len;
	bool has_relayed;
	struct sockaddr_in relayed;
};

/* The long-term key, MD5(username ":" realm ":" password), and what goes
 * with it in every authenticated request. */
struct tl_cred {
	const char *user;
	const char *pass;
	char realm[TL_REALM_MAX];
	uint8_t key[16];
	bool have_key;
};

void tl_msg_start(struct tl_msg *m, uint16_t type, const uint8_t txid[12]);
void tl_msg_u32(struct tl_msg *m, uint16_t attr, uint32_t v);
void tl_msg_bytes(struct tl_msg *m, uint16_t attr, const void *v, size_t n);
void tl_msg_xaddr(struct tl_msg *m, uint16_t attr, const struct sockaddr_in *a);
/* Appends USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; the message is
 * complete afterwards. */
int tl_msg_auth(struct tl_msg *m, const struct tl_cred *c, const uint8_t *nonce, size_t nonce_len);

/* Decodes a STUN response. Returns 0, or -EINVAL if p is not STUN. */
int tl_resp_parse(const uint8_t *p, size_t n, struct tl_resp *r);

/* Derives c->key for realm (borrows). Returns 0 or -EIO. */
int tl_cred_set_realm(struct tl_cred *c, const uint8_t *realm, size_t n);

static inline void tl_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tl_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t tl_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t tl_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
