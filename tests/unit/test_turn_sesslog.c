/* Session log lines (turn/sesslog.h, turn/refusal.h) through the TURN core with fakes and a
 * synthetic clock: one created and one ended line per allocation with the reason of each
 * end (deleted, expired, connection-closed, shutdown) and what it relayed; refreshed
 * lines; none for an Allocate that failed; refusal lines rate-limited per reason with the
 * suppressed count, and none for the 401 challenge. */
#include "test_turn_fake.h"

#include <unistd.h>

#include "base/log.h"
#include "turn/refusal.h"
#include "turn/shared.h"

static char dir[] = "/tmp/test_sesslog_XXXXXX";
static char path[128];

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Starts a fresh log file. */
static void log_fresh(void)
{
	unlink(path);
	log_open(path, false, LOG_LVL_INFO);
}

static void test_deleted(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	char *text;

	log_fresh();
	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocate");
	CHECK_EQ_INT(t_create_perm(&t, "198.51.100.7"), 0, "permission");
	t_peer_send(&t, &pb, "198.51.100.7", 5000, "0123456789", 10, &msg);
	t_peer_send(&t, &pb, "198.51.100.7", 5000, "01234", 5, &msg);
	t_advance(&t, 1500);
	CHECK_EQ_INT(t_refresh(&t, true, 1200), 0, "refresh");
	CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "refresh 0");
	text = tap_slurp(path);
	CHECK(strstr(text,
		     "INFO session: allocation created id=1 user=alice realm=tern.test "
		     "client=192.0.2.10:40000 local=203.0.113.1:3478 transport=dgram relay=") &&
		      strstr(text, "relay_transport=udp lifetime=600 mobility=off\n"),
	      "created line");
	CHECK(strstr(text, "INFO session: allocation refreshed id=1 user=alice") &&
		      strstr(text, " lifetime=1200 family=all\n"),
	      "refreshed line");
	CHECK(strstr(text, "INFO session: allocation ended id=1 reason=deleted user=alice") &&
		      strstr(text, " duration_s=1.500 pkts_to_peer=0 bytes_to_peer=0 "
				   "pkts_to_client=2 bytes_to_client=15\n"),
	      "ended line: reason, duration, counts");
	CHECK_EQ_INT(count(text, "allocation created"), 1, "one created line");
	CHECK_EQ_INT(count(text, "allocation ended"), 1, "one ended line");
	CHECK_EQ_INT(count(text, "request refused"), 0, "the challenge is not a refusal");
	free(text);
	t_stop(&t);
}

static void test_expired_closed_shutdown(void)
{
	struct t_env t;
	struct turn_client c;
	char *text;

	log_fresh();
	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocate (to expire)");
	t_advance(&t, 601000);
	addr_parse(&t.src, "192.0.2.10", 40001);
	t.nonce[0] = 0; /* bound to the source address: a new challenge */
	t_use_stream(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocate on a stream");
	c = t_client(&t);
	turn_server_client_gone(t.s, &c);
	addr_parse(&t.src, "192.0.2.10", 40002);
	t.nonce[0] = 0;
	t.conn = &t.dgram;
	CHECK_EQ_INT(t_allocate(&t), 0, "allocate (to shut down)");
	t_stop(&t);
	text = tap_slurp(path);
	CHECK(strstr(text, "allocation ended id=1 reason=expired") &&
		      strstr(text, "duration_s=600.000 "),
	      "expired at its lifetime%s",
	      strstr(text, "allocation ended id=1 reason=expired") ? "" : text);
	CHECK(strstr(text,
		     "allocation ended id=2 reason=connection-closed user=alice realm=tern.test "
		     "client=192.0.2.10:40001"),
	      "connection-closed");
	CHECK(strstr(text, "allocation ended id=3 reason=shutdown user=alice realm=tern.test "
			   "client=192.0.2.10:40002"),
	      "shutdown");
	CHECK_EQ_INT(count(text, "allocation created"), 3, "three created lines");
	CHECK_EQ_INT(count(text, "allocation ended"), 3, "three ended lines");
	free(text);
}

/* A dual allocation (RFC 8656 §7.2 step 9) with REQUESTED-ADDRESS-FAMILY (fam, STUN_FAMILY_*)
 * or ADDITIONAL-ADDRESS-FAMILY (aaf). */
static int t_req_family(struct t_env *t, uint16_t method, uint16_t attr, uint8_t fam, long life)
{
	struct stun_enc e;

	if (t->nonce[0] == 0)
		t_challenge(t);
	t_begin(t, &e, method, STUN_CLASS_REQUEST, false);
	if (method == STUN_METHOD_ALLOCATE)
		stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, attr, (uint32_t)fam << 24);
	if (life >= 0)
		stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, (uint32_t)life);
	return t_send(t, &e, true);
}

static void test_dual(void)
{
	struct t_env t;
	char *text;

	log_fresh();
	t_init(&t);
	t_start(&t);
	CHECK_EQ_INT(t_req_family(&t, STUN_METHOD_ALLOCATE, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
				  STUN_FAMILY_IPV6, -1),
		     0, "dual allocation");
	CHECK_EQ_INT(t_req_family(&t, STUN_METHOD_REFRESH, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
				  STUN_FAMILY_IPV4, 1200),
		     0, "IPv4 refreshed to 1200 s");
	t_advance(&t, 601000);
	text = tap_slurp(path);
	CHECK(strstr(text, "allocation refreshed ") && strstr(text, "lifetime=1200 family=ipv4\n"),
	      "refreshed line of one family");
	CHECK(strstr(text, "INFO session: allocation relay ended id=1 reason=expired family=ipv6 "
			   "user=alice"),
	      "the IPv6 relayed address expired on its own");
	CHECK_EQ_INT(count(text, "allocation ended"), 0, "the allocation lives on");
	free(text);
	if (t_refresh(&t, true, 0) == 438) /* the nonce aged: again with the new one */
		CHECK_EQ_INT(t_refresh(&t, true, 0), 0, "refresh 0");
	text = tap_slurp(path);
	CHECK_EQ_INT(count(text, "allocation ended id=1 reason=deleted"), 1, "then it is deleted");
	free(text);
	t_stop(&t);
}

static void test_failed_and_refused(void)
{
	struct turn_shared *sh;
	struct t_env t;
	char *text, *last;
	int i;

	log_fresh();
	turn_shared_new(&sh);
	t_init(&t);
	t.cfg.shared = sh;
	t.cfg.user_quota = 1;
	t_start(&t);
	CHECK_EQ_INT(t_allocate(&t), 0, "allocate");
	addr_parse(&t.src, "192.0.2.10", 40003);
	t.nonce[0] = 0;
	CHECK_EQ_INT(t_allocate(&t), 486, "second allocation over quota");
	t.pass = "wrong";
	for (i = 0; i < TURN_REFUSAL_BURST + 5; i++)
		t_allocate(&t);
	t_advance(&t, 1000);
	CHECK_EQ_INT(t_allocate(&t), 401, "wrong password: 401");
	t.user = "nobody";
	CHECK_EQ_INT(t_allocate(&t), 401, "unknown user: 401");
	text = tap_slurp(path);
	CHECK_EQ_INT(count(text, "allocation created"), 1, "no created line for a failed one");
	CHECK(strstr(text, "INFO session: request refused reason=quota-reached code=486 "
			   "method=Allocate user=alice client=192.0.2.10:40003 transport=dgram\n"),
	      "quota line");
	CHECK_EQ_INT(count(text, "reason=bad-integrity"), TURN_REFUSAL_BURST + 1,
		     "bad-integrity lines: the burst, then one a second");
	last = strstr(text, "suppressed=");
	CHECK(last && !strncmp(last, "suppressed=5\n", 13), "the next line counts the 5 left out");
	CHECK(strstr(text, "reason=unknown-user code=401 method=Allocate user=nobody "),
	      "unknown user: its own budget");
	free(text);
	t_stop(&t);
	turn_shared_free(sh);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/s.log", dir);
	test_deleted();
	test_expired_closed_shutdown();
	test_dual();
	test_failed_and_refused();
	log_close();
	unlink(path);
	rmdir(dir);
	return tap_done();
}
