/* Load shedding's choice of a node (cred/fleet_alt.h): a node card as HGETALL returns it
 * becomes what the node offers (never a loopback, unspecified or link-local address;
 * nothing from a draining node or one at its max-allocations), and the choice is the
 * least loaded node with an address of the client's family (TLS ones for TLS clients,
 * with the node's domain), counting each choice so a burst spreads. */
#include "cred/fleet_alt.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cred/fleet_keys.h"
#include "tap.h"

/* A card from NULL-terminated field/value pairs. */
static int card(struct fleet_alt_node *out, const char *const *kv)
{
	size_t len[32], n = 0;

	while (kv[n] && n < 32) {
		len[n] = strlen(kv[n]);
		n++;
	}
	return fleet_alt_card(kv, len, n, out);
}

static bool is(const struct addr *a, const char *ip, uint16_t port)
{
	struct addr want;

	return addr_parse(&want, ip, port) == 0 && addr_eq(a, &want);
}

static void test_card(void)
{
	struct fleet_alt_node x;
	const char *full[] = {FLEET_F_NAME,
			      "n2",
			      FLEET_F_ADDR4,
			      "192.0.2.2:3478",
			      FLEET_F_ADDR6,
			      "[2001:db8::2]:3478",
			      FLEET_F_TLS4,
			      "192.0.2.2:5349",
			      FLEET_F_TLS6,
			      "[2001:db8::2]:5349",
			      FLEET_F_DOMAIN,
			      "turn2.example.net",
			      FLEET_F_ALLOCS,
			      "7",
			      FLEET_F_MAX,
			      "100",
			      FLEET_F_DRAINING,
			      "0",
			      NULL};
	const char *drain[] = {FLEET_F_ADDR4, "192.0.2.3:3478", FLEET_F_DRAINING, "1", NULL};
	const char *full_up[] = {
		FLEET_F_ADDR4, "192.0.2.3:3478", FLEET_F_ALLOCS, "5", FLEET_F_MAX, "5", NULL};
	const char *loop[] = {FLEET_F_ADDR4, "127.0.0.2:3478", FLEET_F_ADDR6,
			      "[::1]:3478",  FLEET_F_TLS4,     "0.0.0.0:5349",
			      FLEET_F_TLS6,  "[fe80::1]:5349", NULL};
	const char *mapped[] = {FLEET_F_ADDR6, "[::ffff:127.0.0.1]:3478", FLEET_F_ADDR4,
				"169.254.169.254:3478", NULL};
	const char *junk[] = {FLEET_F_ADDR4,	   "192.0.2.4",		FLEET_F_ADDR6,
			      "[2001:db8::4:3478", FLEET_F_TLS4,	"192.0.2.4:0",
			      FLEET_F_TLS6,	   "turn.example:5349", NULL};

	CHECK_EQ_INT(card(&x, full), 0, "a full card is taken");
	CHECK(is(&x.addr4, "192.0.2.2", 3478) && is(&x.addr6, "2001:db8::2", 3478),
	      "its UDP/TCP addresses of both families");
	CHECK(is(&x.tls4, "192.0.2.2", 5349) && is(&x.tls6, "2001:db8::2", 5349),
	      "its TLS addresses");
	CHECK(strcmp(x.domain, "turn2.example.net") == 0, "its domain");
	CHECK(x.allocations == 7 && x.max_allocations == 100, "its load and its limit");
	CHECK_EQ_INT(card(&x, drain), -ENOENT, "a draining node: not taken");
	CHECK_EQ_INT(card(&x, full_up), -ENOENT, "a node at its max-allocations: not taken");
	CHECK_EQ_INT(card(&x, loop), -ENOENT,
		     "loopback, unspecified and link-local addresses only: not taken");
	CHECK_EQ_INT(card(&x, mapped), -ENOENT,
		     "IPv4-mapped loopback and 169.254/16: not taken either");
	CHECK_EQ_INT(card(&x, junk), -ENOENT, "unparsable addresses: not taken");
}

static void test_choose(void)
{
	struct fleet_alt_node v[3];
	const char *a[] = {FLEET_F_ADDR4, "192.0.2.1:3478", FLEET_F_ALLOCS, "4", NULL};
	const char *b[] = {FLEET_F_ADDR4,
			   "192.0.2.2:3478",
			   FLEET_F_TLS4,
			   "192.0.2.2:5349",
			   FLEET_F_DOMAIN,
			   "b.example.net",
			   FLEET_F_ALLOCS,
			   "2",
			   FLEET_F_MAX,
			   "4",
			   NULL};
	const char *c[] = {FLEET_F_ADDR6, "[2001:db8::3]:3479", FLEET_F_ALLOCS, "0", NULL};
	struct addr out;
	char dom[64];

	CHECK(card(&v[0], a) == 0 && card(&v[1], b) == 0 && card(&v[2], c) == 0, "three cards");
	CHECK(fleet_alt_choose(v, 3, AF_INET, false, &out, dom, sizeof(dom)) == 0 &&
		      is(&out, "192.0.2.2", 3478) && dom[0] == '\0',
	      "IPv4 client: the least loaded IPv4 node (2 < 4), no domain off TLS");
	CHECK(fleet_alt_choose(v, 3, AF_INET, true, &out, dom, sizeof(dom)) == 0 &&
		      is(&out, "192.0.2.2", 5349) && strcmp(dom, "b.example.net") == 0,
	      "TLS client: its TLS address and its domain");
	CHECK(v[1].allocations == 4, "each choice counts one more allocation there");
	CHECK(fleet_alt_choose(v, 3, AF_INET, false, &out, dom, sizeof(dom)) == 0 &&
		      is(&out, "192.0.2.1", 3478),
	      "node b at its max-allocations: the next goes to node a");
	CHECK(fleet_alt_choose(v, 3, AF_INET, true, &out, dom, sizeof(dom)) == -ENOENT,
	      "no other node offers TLS: none");
	CHECK(fleet_alt_choose(v, 3, AF_INET6, false, &out, dom, sizeof(dom)) == 0 &&
		      is(&out, "2001:db8::3", 3479),
	      "IPv6 client: the IPv6 node, whatever the IPv4 ones' load");
	CHECK(fleet_alt_choose(v, 3, AF_INET6, true, &out, dom, sizeof(dom)) == -ENOENT,
	      "IPv6 over TLS: none (never an address of the other family)");
	CHECK(fleet_alt_choose(v, 0, AF_INET, false, &out, dom, sizeof(dom)) == -ENOENT,
	      "an empty registry: none");
}

int main(void)
{
	test_card();
	test_choose();
	return tap_done();
}
