/* STUN error codes and reason phrases: the one table (RFC 8489 §14.8, RFC 8656 §19,
 * RFC 6062 §6.3), and the codec's closed set of decode failures.
 *
 * Return convention (the whole tree): a function returns 0 (or a documented length or
 * count >= 0) on success and -errno on failure; no other negative value is ever returned.
 * STUN error codes (300..699) are data: positive, carried in ERROR-CODE, and returned only
 * by functions documented to return "0 or an error code" (auth_ltc_begin, auth_ltc_verify,
 * turn_peer_check, …).
 * (A documented verdict of +1/0/-1, such as cred_peer_verdict's, is a sign, not an error.)
 * The codec's precise failure reason, enum stun_derr, is a positive value that is never
 * negated nor returned: a stun/ function fails with the errno of its reason (the table
 * below, stun_derr_errno). The wire decoders and the encoder also report the reason
 * itself: stun_msg_decode in m->why, stun_chdata_parse in out->why, the encoder in e->why,
 * stun_frame_next through its why out-parameter. The typed getters and the integrity
 * checks report none: within each of them every errno names one reason. */
#ifndef TERN_STUN_ERR_H
#define TERN_STUN_ERR_H

/* Error codes carried in ERROR-CODE. */
enum stun_error_code {
	STUN_ERR_TRY_ALTERNATE = 300,
	STUN_ERR_BAD_REQUEST = 400,
	STUN_ERR_UNAUTHORIZED = 401,
	STUN_ERR_FORBIDDEN = 403,
	STUN_ERR_MOBILITY_FORBIDDEN = 405,
	STUN_ERR_UNKNOWN_ATTRIBUTE = 420,
	STUN_ERR_ALLOCATION_MISMATCH = 437,
	STUN_ERR_STALE_NONCE = 438,
	STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED = 440,
	STUN_ERR_WRONG_CREDENTIALS = 441,
	STUN_ERR_UNSUPPORTED_TRANSPORT = 442,
	STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH = 443,
	STUN_ERR_CONNECTION_ALREADY_EXISTS = 446,
	STUN_ERR_CONNECTION_TIMEOUT = 447,
	STUN_ERR_ALLOCATION_QUOTA_REACHED = 486,
	STUN_ERR_ROLE_CONFLICT = 487,
	STUN_ERR_SERVER_ERROR = 500,
	STUN_ERR_INSUFFICIENT_CAPACITY = 508,
};

/* The reason phrase for an error code ("Bad Request"); "Error" for codes not in the table. */
const char *stun_err_reason(int code);

/* Why the codec refused something. Each reason fails with one errno (stun_derr_errno):
 *   -EBADMSG       malformed: TRUNCATED, NOT_STUN, BAD_COOKIE, BAD_LENGTH, ATTR_OVERRUN,
 *                  BAD_ATTR_LEN, INTEGRITY_POSITION, FINGERPRINT_POSITION, BAD_FINGERPRINT
 *   -E2BIG         TOO_MANY_ATTRS (more attributes than the model or the caller holds)
 *   -EAFNOSUPPORT  BAD_FAMILY
 *   -EMSGSIZE      OVERSIZED (a message or field longer than its limit)
 *   -ERANGE        BAD_VALUE, BAD_CHANNEL (a value outside what its type allows)
 *   -EACCES        INTEGRITY_MISMATCH
 *   -ENOENT        ABSENT, NO_INTEGRITY (the attribute is not there)
 *   -ENOSPC        NO_ROOM (encoder: output buffer too small)
 *   -EIO           CRYPTO (the crypto library failed) */
enum stun_derr {
	STUN_DERR_OK = 0,
	STUN_DERR_TRUNCATED = 1,	/* shorter than its header or its declared length */
	STUN_DERR_NOT_STUN,		/* top two bits not zero */
	STUN_DERR_BAD_COOKIE,		/* magic cookie missing */
	STUN_DERR_BAD_LENGTH,		/* message length not a multiple of 4 */
	STUN_DERR_ATTR_OVERRUN,		/* attribute runs past the end of the message */
	STUN_DERR_TOO_MANY_ATTRS,	/* more attributes than the model holds */
	STUN_DERR_BAD_FAMILY,		/* address family neither IPv4 nor IPv6 */
	STUN_DERR_BAD_ATTR_LEN,		/* attribute value has the wrong length for its type */
	STUN_DERR_OVERSIZED,		/* a field longer than its RFC limit */
	STUN_DERR_INTEGRITY_POSITION,	/* an attribute not allowed after integrity */
	STUN_DERR_FINGERPRINT_POSITION, /* FINGERPRINT not last */
	STUN_DERR_BAD_FINGERPRINT,	/* FINGERPRINT value wrong */
	STUN_DERR_INTEGRITY_MISMATCH,	/* MESSAGE-INTEGRITY(-SHA256) does not verify */
	STUN_DERR_NO_INTEGRITY,		/* integrity required but absent */
	STUN_DERR_BAD_CHANNEL,		/* ChannelData channel number outside 0x4000-0x7FFF */
	STUN_DERR_NO_ROOM,		/* encoder: output buffer too small */
	STUN_DERR_ABSENT,		/* getter: attribute not present */
	STUN_DERR_BAD_VALUE,		/* attribute value outside what its type allows */
	STUN_DERR_CRYPTO,		/* the crypto library failed (HMAC could not be computed) */
	STUN_DERR_MAX
};

/* The errno (positive) a failure for reason why is returned as; 0 for STUN_DERR_OK. */
int stun_derr_errno(enum stun_derr why);
/* How a stun/ function fails: stores why in *out (when out is not NULL) and returns
 * -stun_derr_errno(why). */
int stun_derr_fail(enum stun_derr *out, enum stun_derr why);
/* A short human-readable reason ("truncated"); "unknown error" outside the enum. */
const char *stun_derr_str(enum stun_derr why);

#endif
