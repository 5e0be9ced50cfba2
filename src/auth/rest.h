/* TURN REST API ephemeral credentials (draft-uberti-behave-turn-rest, as coturn's
 * use-auth-secret): USERNAME = "<expiry unix time><sep><user>", password =
 * base64(HMAC-SHA1(shared secret, USERNAME)), and the long-term key derived from that
 * password as for any user (auth/key.h). Pure: the wall-clock time is an argument. */
#ifndef TERN_AUTH_REST_H
#define TERN_AUTH_REST_H

#include <stddef.h>
#include <stdint.h>

#include "auth/cred.h"
#include "base/codec.h"
#include "base/crypto.h"

/* base64 of a 20-byte HMAC-SHA1: 28 characters. */
#define AUTH_REST_PASS_LEN 28
_Static_assert(AUTH_REST_PASS_LEN == CODEC_B64_LEN(CRYPTO_SHA1_LEN), "REST password length");

/* Parses the expiry of a REST username: the decimal digits before the first sep byte
 * (at least one digit, no sign, at most INT64_MAX, a non-empty rest after sep). Returns
 * 0 and *expiry, or -EINVAL (not a REST username). */
int auth_rest_parse(const char *user, size_t len, char sep, int64_t *expiry);

/* Whether user is a REST username that is still valid at now_s (unix seconds): 0 valid,
 * -EINVAL not a REST username, -EKEYEXPIRED expiry < now_s. */
int auth_rest_check(const char *user, size_t len, char sep, int64_t now_s);

/* The password for user under secret: base64(HMAC-SHA1(secret, user)) into out
 * (NUL-terminated). 0 or -EIO. */
int auth_rest_password(const char *secret, size_t slen, const char *user, size_t ulen,
		       char out[AUTH_REST_PASS_LEN + 1]);

/* The long-term keys (MD5 and SHA-256 of user ":" realm ":" password) for user under
 * secret into *out. 0, -EINVAL or -EIO. */
int auth_rest_key(const char *secret, size_t slen, const char *user, size_t ulen, const char *realm,
		  size_t rlen, struct cred_key *out);

#endif
