/* Data paths (RFC 8656 §11, §12.6, §12.7): Send indications and ChannelData from the
 * client, Data indications and ChannelData to the client built in place, permissions,
 * max-bps, stream padding, counters. */
#include "test_turn_fake.h"

#include "stun/chdata.h"

static void t_send_ind_df(struct t_env *t, const char *ip, uint16_t port, const char *data, bool df)
{
	struct stun_enc e;
	struct addr a;

	addr_parse(&a, ip, port);
	t_begin(t, &e, STUN_METHOD_SEND, STUN_CLASS_INDICATION, false);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	stun_enc_put(&e, STUN_ATTR_DATA, data, strlen(data));
	if (df)
		stun_enc_put(&e, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	t->req_len = stun_enc_finish(&e);
	t_run(t);
}

static void t_send_ind(struct t_env *t, const char *ip, uint16_t port, const char *data)
{
	t_send_ind_df(t, ip, port, data, false);
}

static int t_chdata(struct t_env *t, uint16_t ch, const char *data, size_t pad)
{
	size_t n = strlen(data);

	stun_chdata_put_header(t->req, ch, (uint16_t)n);
	memcpy(t->req + 4, data, n);
	memset(t->req + 4 + n, 0, pad);
	t->req_len = (int)(4 + n + pad);
	return t_run(t);
}

/* RFC 8656 §11.2: DONT-FRAGMENT in a Send indication sets DF on that datagram only. */
static void test_send_df(void)
{
	struct t_env t;

	t_init(&t);
	t_start(&t);
	t_allocate(&t);
	t_create_perm(&t, "8.8.8.8");
	t_send_ind(&t, "8.8.8.8", 53, "hello");
	CHECK(t.net.sends == 1 && !t.net.last_df, "no DONT-FRAGMENT: DF not asked");
	t_send_ind_df(&t, "8.8.8.8", 53, "hello", true);
	CHECK(t.net.sends == 2 && t.net.last_df, "DONT-FRAGMENT: DF asked for that datagram");
	t_send_ind(&t, "8.8.8.8", 53, "hello");
	CHECK(t.net.sends == 3 && !t.net.last_df, "and only for that one");
	t_stop(&t);
}

static void test_send(void)
{
	struct t_env t;
	struct addr p;

	t_init(&t);
	t_start(&t);
	t_allocate(&t);
	t_send_ind(&t, "8.8.8.8", 53, "hello");
	CHECK_EQ_INT(t.resp_len, 0, "Send indication: no response");
	CHECK_EQ_INT(t.net.sends, 0, "no permission: dropped");
	CHECK_EQ_INT(turn_server_counters(t.s)->dropped_no_perm, 1, "counted");
	t_create_perm(&t, "8.8.8.8");
	t_send_ind(&t, "8.8.8.8", 53, "hello");
	CHECK_EQ_INT(t.net.sends, 1, "with permission: sent");
	addr_parse(&p, "8.8.8.8", 53);
	CHECK(addr_eq(&t.net.last_peer, &p) && t.net.last_len == 5 &&
		      memcmp(t.net.last_data, "hello", 5) == 0,
	      "to the peer, the DATA bytes");
	CHECK(t.net.last_relay == &t.net.r[0], "from the allocation's relay");
	CHECK_EQ_INT(turn_server_counters(t.s)->relayed_to_peer, 1, "relayed counted");

	CHECK_EQ_INT(t_chdata(&t, 0x4000, "abc", 0), 0, "ChannelData on an unbound channel");
	CHECK_EQ_INT(t.net.sends, 1, "dropped");
	t_channel_bind(&t, 0x4000, "8.8.8.8", 53);
	CHECK_EQ_INT(t_chdata(&t, 0x4000, "abc", 1), 0, "ChannelData (UDP, padded)");
	CHECK(t.net.sends == 2 && t.net.last_len == 3 && memcmp(t.net.last_data, "abc", 3) == 0,
	      "relayed to the bound peer");
	addr_parse(&t.src, "192.0.2.200", 1);
	CHECK_EQ_INT(t_chdata(&t, 0x4000, "abc", 0), 0, "ChannelData from another 5-tuple");
	CHECK_EQ_INT(t.net.sends, 2, "dropped");
	CHECK_EQ_INT(t_chdata(&t, 0x5000, "abc", 0), 0, "unbound channel 0x5000: nothing sent");
	CHECK_EQ_INT(t.net.sends, 2, "dropped");
	t_stop(&t);
}

static void test_peer_input(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	struct stun_msg m;
	struct stun_str d;
	struct addr got, p;
	int n;

	t_init(&t);
	t_start(&t);
	t_allocate(&t);
	n = t_peer_send(&t, &pb, "8.8.8.8", 53, "hi", 2, &msg);
	CHECK_EQ_INT(n, 0, "no permission: dropped");
	CHECK_EQ_INT(turn_server_counters(t.s)->dropped_no_perm, 1,
		     "peer without permission counted like a Send without one");
	t_create_perm(&t, "8.8.8.8");
	n = t_peer_send(&t, &pb, "8.8.8.8", 53, "hello", 5, &msg);
	CHECK(n > 0 && msg >= pb.b && msg + n <= pb.b + sizeof(pb.b), "Data indication in place");
	CHECK(stun_msg_decode(&m, msg, (size_t)n) == 0 && m.method == STUN_METHOD_DATA &&
		      m.cls == STUN_CLASS_INDICATION,
	      "decodes as a Data indication");
	addr_parse(&p, "8.8.8.8", 53);
	CHECK(stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS, &got) == 0 && addr_eq(&got, &p),
	      "XOR-PEER-ADDRESS is the peer");
	CHECK(stun_msg_get_bytes(&m, STUN_ATTR_DATA, &d) == 0 && d.len == 5 &&
		      d.p == pb.b + TURN_PEER_HEADROOM,
	      "DATA is the datagram where it lay");
	t_channel_bind(&t, 0x4001, "8.8.8.8", 53);
	n = t_peer_send(&t, &pb, "8.8.8.8", 53, "hello", 5, &msg);
	CHECK(n == 9 && msg == pb.b + TURN_PEER_HEADROOM - 4 && msg[0] == 0x40 && msg[1] == 0x01 &&
		      msg[3] == 5,
	      "bound channel: ChannelData header in the headroom");
	n = t_peer_send(&t, &pb, "8.8.8.8", 54, "hello", 5, &msg);
	CHECK(n > 9 && msg[0] < 2, "other port of the same IP: Data indication");
	CHECK_EQ_INT(turn_server_counters(t.s)->relayed_to_client, 3, "counted");
	t_stop(&t);
}

static void test_ipv6_headroom(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	struct stun_enc e;
	int n;

	t_init(&t);
	t_start(&t);
	t_challenge(&t);
	t_begin(&t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_FAMILY_IPV6 << 24);
	CHECK_EQ_INT(t_send(&t, &e, true), 0, "IPv6 allocation");
	CHECK_EQ_INT(t_create_perm(&t, "2001:4860::8888"), 0, "IPv6 permission");
	n = t_peer_send(&t, &pb, "2001:4860::8888", 53, "abcde", 5, &msg);
	CHECK(n == 48 + 8 && msg == pb.b, "IPv6 Data indication uses the whole 48-byte headroom");
	t_stop(&t);
}

static void test_tcp_padding(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	int n;

	t_init(&t);
	t_use_stream(&t);
	t_start(&t);
	t_allocate(&t);
	t_channel_bind(&t, 0x4002, "8.8.8.8", 53);
	memset(pb.b, 0xEE, sizeof(pb.b));
	n = t_peer_send(&t, &pb, "8.8.8.8", 53, "hello", 5, &msg);
	CHECK(n == 12 && msg[9] == 0 && msg[10] == 0 && msg[11] == 0,
	      "ChannelData to a stream client padded to 4 with zeros");
	CHECK(t.to && t.to->conn == &t.stream.conn && addr_eq(&t.to->src, &t.src),
	      "for the client on the stream connection");
	CHECK_EQ_INT(t_chdata(&t, 0x4002, "xyz", 1), 0, "padded ChannelData frame from TCP");
	CHECK(t.net.sends == 1 && t.net.last_len == 3, "relayed 3 bytes");
	t_stop(&t);
}

static void test_max_bps(void)
{
	struct t_env t;
	struct t_peer_buf pb;
	const uint8_t *msg;
	char big[1001];
	int i, ok = 0;

	t_init(&t);
	t.cfg.max_bps = 2000; /* bytes/s (coturn's unit), burst 2000 */
	t_start(&t);
	t_allocate(&t);
	t_create_perm(&t, "8.8.8.8");
	memset(big, 'a', 1000);
	big[1000] = 0;
	for (i = 0; i < 5; i++)
		ok += t_peer_send(&t, &pb, "8.8.8.8", 53, big, 1000, &msg) > 0;
	CHECK_EQ_INT(ok, 2, "peer to client: only the burst passes");
	CHECK_EQ_INT(turn_server_counters(t.s)->dropped_rate, 3, "excess counted");
	for (i = 0; i < 5; i++)
		t_send_ind(&t, "8.8.8.8", 53, big);
	CHECK_EQ_INT(t.net.sends, 2, "client to peer: limited too");
	t_advance(&t, 1000);
	CHECK(t_peer_send(&t, &pb, "8.8.8.8", 53, big, 1000, &msg) > 0, "refilled a second later");
	t_stop(&t);
}

int main(void)
{
	test_send();
	test_send_df();
	test_peer_input();
	test_ipv6_headroom();
	test_tcp_padding();
	test_max_bps();
	return tap_done();
}
