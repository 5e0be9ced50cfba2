/* The one table of STUN error codes and reason phrases, and the decode-failure strings. */
#include "stun/err.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

struct stun_err_row {
	int code;
	const char *reason;
};

/* RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3, RFC 8016 §3.4. */
static const struct stun_err_row stun_err_table[] = {
	{STUN_ERR_TRY_ALTERNATE, "Try Alternate"},
	{STUN_ERR_BAD_REQUEST, "Bad Request"},
	{STUN_ERR_UNAUTHORIZED, "Unauthenticated"},
	{STUN_ERR_FORBIDDEN, "Forbidden"},
	{STUN_ERR_MOBILITY_FORBIDDEN, "Mobility Forbidden"},
	{STUN_ERR_UNKNOWN_ATTRIBUTE, "Unknown Attribute"},
	{STUN_ERR_ALLOCATION_MISMATCH, "Allocation Mismatch"},
	{STUN_ERR_STALE_NONCE, "Stale Nonce"},
	{STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED, "Address Family not Supported"},
	{STUN_ERR_WRONG_CREDENTIALS, "Wrong Credentials"},
	{STUN_ERR_UNSUPPORTED_TRANSPORT, "Unsupported Transport Protocol"},
	{STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH, "Peer Address Family Mismatch"},
	{STUN_ERR_CONNECTION_ALREADY_EXISTS, "Connection Already Exists"},
	{STUN_ERR_CONNECTION_TIMEOUT, "Connection Timeout or Failure"},
	{STUN_ERR_ALLOCATION_QUOTA_REACHED, "Allocation Quota Reached"},
	{STUN_ERR_ROLE_CONFLICT, "Role Conflict"},
	{STUN_ERR_SERVER_ERROR, "Server Error"},
	{STUN_ERR_INSUFFICIENT_CAPACITY, "Insufficient Capacity"},
};

const char *stun_err_reason(int code)
{
	size_t i;

	for (i = 0; i < sizeof(stun_err_table) / sizeof(stun_err_table[0]); i++) {
		if (stun_err_table[i].code == code)
			return stun_err_table[i].reason;
	}
	return "Error";
}

struct stun_derr_row {
	const char *name;
	int err; /* errno, positive */
};

/* The table of err.h: every reason, its text and its errno. */
static const struct stun_derr_row stun_derr_rows[STUN_DERR_MAX] = {
	[STUN_DERR_OK] = {"ok", 0},
	[STUN_DERR_TRUNCATED] = {"truncated", EBADMSG},
	[STUN_DERR_NOT_STUN] = {"not a STUN message", EBADMSG},
	[STUN_DERR_BAD_COOKIE] = {"magic cookie missing", EBADMSG},
	[STUN_DERR_BAD_LENGTH] = {"bad message length", EBADMSG},
	[STUN_DERR_ATTR_OVERRUN] = {"attribute runs past the end of the message", EBADMSG},
	[STUN_DERR_TOO_MANY_ATTRS] = {"too many attributes", E2BIG},
	[STUN_DERR_BAD_FAMILY] = {"bad address family", EAFNOSUPPORT},
	[STUN_DERR_BAD_ATTR_LEN] = {"bad attribute length", EBADMSG},
	[STUN_DERR_OVERSIZED] = {"attribute value too long", EMSGSIZE},
	[STUN_DERR_INTEGRITY_POSITION] = {"attribute not allowed after MESSAGE-INTEGRITY", EBADMSG},
	[STUN_DERR_FINGERPRINT_POSITION] = {"FINGERPRINT not last", EBADMSG},
	[STUN_DERR_BAD_FINGERPRINT] = {"FINGERPRINT mismatch", EBADMSG},
	[STUN_DERR_INTEGRITY_MISMATCH] = {"MESSAGE-INTEGRITY mismatch", EACCES},
	[STUN_DERR_NO_INTEGRITY] = {"MESSAGE-INTEGRITY absent", ENOENT},
	[STUN_DERR_BAD_CHANNEL] = {"bad channel number", ERANGE},
	[STUN_DERR_NO_ROOM] = {"no room in output buffer", ENOSPC},
	[STUN_DERR_ABSENT] = {"attribute absent", ENOENT},
	[STUN_DERR_BAD_VALUE] = {"bad attribute value", ERANGE},
	[STUN_DERR_CRYPTO] = {"crypto failure", EIO},
};

static bool stun_derr_known(enum stun_derr why)
{
	return (unsigned)why < STUN_DERR_MAX && stun_derr_rows[why].name != NULL;
}

int stun_derr_errno(enum stun_derr why)
{
	/* A reason outside the table is a bug; it still fails, as malformed. */
	return stun_derr_known(why) ? stun_derr_rows[why].err : EBADMSG;
}

int stun_derr_fail(enum stun_derr *out, enum stun_derr why)
{
	if (out != NULL)
		*out = why;
	return -stun_derr_errno(why);
}

const char *stun_derr_str(enum stun_derr why)
{
	return stun_derr_known(why) ? stun_derr_rows[why].name : "unknown error";
}
