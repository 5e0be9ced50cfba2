/* ternctl cred: base64 (RFC 4648 section 10 vectors) and TURN REST credential minting
 * against values computed with openssl(1). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_cred.h"
#include "tap.h"

static void test_base64(void)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const want[] = {"",	       "Zg==",	   "Zm8=",    "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		cli_base64((const unsigned char *)in[i], strlen(in[i]), out);
		CHECK(strcmp(out, want[i]) == 0, "base64(\"%s\") = \"%s\"", in[i], want[i]);
	}
}

static void test_mint(void)
{
	char *user = NULL, *pass = NULL;

	/* U="1700000000:alice"; S="north-secret";
	 * printf %s "$U" | openssl dgst -sha1 -hmac "$S" -binary | base64 */
	CHECK_EQ_INT(cli_rest_mint("north-secret", "alice", ':', 1700000000, &user, &pass), 0,
		     "mint alice");
	CHECK(user && strcmp(user, "1700000000:alice") == 0, "username is expiry:user");
	CHECK(pass && strcmp(pass, "g+jb180fcj+xlpA/2mP60OdIgU0=") == 0,
	      "credential matches openssl");
	free(user);
	free(pass);

	/* U2="1700000000|マトリックス"; same command with "$U2" */
	CHECK_EQ_INT(cli_rest_mint("north-secret", "マトリックス", '|', 1700000000, &user, &pass),
		     0, "mint a UTF-8 user with separator '|'");
	CHECK(user && strcmp(user, "1700000000|マトリックス") == 0, "username uses the separator");
	CHECK(pass && strcmp(pass, "w0b1OKxZD7yWRUu+DFuVxXv7xGo=") == 0,
	      "UTF-8 credential matches openssl");
	free(user);
	free(pass);
}

int main(void)
{
	test_base64();
	test_mint();
	return tap_done();
}
