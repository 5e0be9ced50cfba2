/* ternctl cred: TURN REST credential minting against values computed with openssl(1), and
 * the same password as ternd derives (auth_rest_password). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth/rest.h"
#include "cli/cli_cred.h"
#include "tap.h"

static void test_mint(void)
{
	char *user = NULL, *pass = NULL;
	char want[AUTH_REST_PASS_LEN + 1];

	/* U="1700000000:alice"; S="north-secret";
	 * printf %s "$U" | openssl dgst -sha1 -hmac "$S" -binary | base64 */
	CHECK_EQ_INT(cli_rest_mint("north-secret", "alice", ':', 1700000000, &user, &pass), 0,
		     "mint alice");
	CHECK(user && strcmp(user, "1700000000:alice") == 0, "username is expiry:user");
	CHECK(pass && strcmp(pass, "g+jb180fcj+xlpA/2mP60OdIgU0=") == 0,
	      "credential matches openssl");
	CHECK_EQ_INT(auth_rest_password("north-secret", 12, user, strlen(user), want), 0,
		     "ternd's password for the same username");
	CHECK(pass && strcmp(pass, want) == 0, "ternctl mints what ternd checks");
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
	test_mint();
	return tap_done();
}
