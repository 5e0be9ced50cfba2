/* ternctl key: the long-term credential key of a user, computed locally. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/key.h"
#include "base/codec.h"
#include "cli/cli.h"

static int key_run(struct cli *c)
{
	const struct cli_opts *o = c->o;
	uint8_t key[AUTH_KEY_MAX];
	char hex[2 * AUTH_KEY_MAX + 1];
	int n, rc = cli_require(c, "urp");

	if (rc)
		return rc;
	n = auth_key_derive(o->sha256 ? AUTH_KEY_SHA256 : AUTH_KEY_MD5, o->user, strlen(o->user),
			    o->realm, strlen(o->realm), o->pass, strlen(o->pass), key);
	if (n < 0)
		return cli_fail(c, CLI_REFUSED, "key derivation failed: %s", strerror(-n));
	codec_hex(key, (size_t)n, hex);
	printf("%s%s\n", o->hex_prefix ? "0x" : "", hex);
	return CLI_OK;
}

static const struct cli_verb key_verbs[] = {
	{NULL, "-u USER -r REALM -p PASSWORD [--sha256]", "urp2h", false, 0, NULL, key_run,
	 "Prints the long-term credential key: lower-case hex of\n"
	 "MD5(USER \":\" REALM \":\" PASSWORD) (RFC 8489 section 9.2.2), or SHA-256 of\n"
	 "the same string with --sha256. The MD5 form is the value stored under\n"
	 "turn/realm/REALM/user/USER/key.\n\n"
	 "  -u, --user=USER\n  -r, --realm=REALM\n  -p, --password=PASSWORD\n"
	 "      --sha256      SHA-256 key (PASSWORD-ALGORITHM 0x0002)\n"},
};

const struct cli_group cli_key_group = {
	"key",
	"print the long-term credential key (hex) of a user",
	key_verbs,
	1,
};
