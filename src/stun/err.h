/* STUN error codes and reason phrases: the one table (RFC 8489 §14.8, RFC 8656 §19,
 * RFC 6062 §6.3), and the codec's closed set of decode failures. */
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

/* Decode failures: functions in stun/ return 0 or one of these, negated. */
enum stun_derr {
	STUN_DERR_OK = 0,
	STUN_DERR_TRUNCATED = 1,      /* shorter than its header or its declared length */
	STUN_DERR_NOT_STUN,           /* top two bits not zero */
	STUN_DERR_BAD_COOKIE,         /* magic cookie missing */
	STUN_DERR_BAD_LENGTH,         /* message length not a multiple of 4 */
	STUN_DERR_ATTR_OVERRUN,       /* attribute runs past the end of the message */
	STUN_DERR_TOO_MANY_ATTRS,     /* more attributes than the model holds */
	STUN_DERR_BAD_FAMILY,         /* address family neither IPv4 nor IPv6 */
	STUN_DERR_BAD_ATTR_LEN,       /* attribute value has the wrong length for its type */
	STUN_DERR_OVERSIZED,          /* a field longer than its RFC limit */
	STUN_DERR_INTEGRITY_POSITION, /* an attribute not allowed after integrity */
	STUN_DERR_FINGERPRINT_POSITION, /* FINGERPRINT not last */
	STUN_DERR_BAD_FINGERPRINT,    /* FINGERPRINT value wrong */
	STUN_DERR_INTEGRITY_MISMATCH, /* MESSAGE-INTEGRITY(-SHA256) does not verify */
	STUN_DERR_NO_INTEGRITY,       /* integrity required but absent */
	STUN_DERR_BAD_CHANNEL,        /* ChannelData channel number outside 0x4000-0x7FFF */
	STUN_DERR_NO_ROOM,            /* encoder: output buffer too small */
	STUN_DERR_ABSENT,             /* getter: attribute not present */
	STUN_DERR_BAD_VALUE,          /* attribute value outside what its type allows */
	STUN_DERR_CRYPTO,             /* the crypto library failed (HMAC could not be computed) */
	STUN_DERR_MAX
};

/* A short human-readable reason for a decode failure (positive or negated code). */
const char *stun_derr_str(int err);

#endif
