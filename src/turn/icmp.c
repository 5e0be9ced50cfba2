/* ICMP errors from the peer side reported to the client (RFC 8656 §11.5): a Data
 * indication with XOR-PEER-ADDRESS and ICMP (no DATA), only for peers the allocation has a
 * permission for, at most TURN_ICMP_BURST at once and one per TURN_ICMP_INTERVAL_MS after
 * that per allocation. */
#include "turn/core.h"

#include <errno.h>

#include "stun/icmp.h"
#include "stun/stun.h"

/* §11.5: "the type is either 3 or 11 for an ICMPv4 packet or either 1, 2, or 3 for an
 * ICMPv6 packet"; anything else is silently dropped. */
static bool turn_icmp_relayed(const struct turn_icmp *ic)
{
	if (ic->icmp6)
		return ic->type == STUN_ICMP6_DEST_UNREACH ||
		       ic->type == STUN_ICMP6_PACKET_TOO_BIG ||
		       ic->type == STUN_ICMP6_TIME_EXCEEDED;
	return ic->type == STUN_ICMP4_DEST_UNREACH || ic->type == STUN_ICMP4_TIME_EXCEEDED;
}

/* The rate limit as a GCRA, a token bucket kept as one "theoretical arrival time" (TAT):
 * a message may go while the TAT is at most burst - 1 intervals ahead of now, and each one
 * moves it an interval on. Time counts in intervals, modulo 2^16 (about 4.5 hours). A
 * legitimate TAT is never more than burst intervals ahead, so one further ahead (or
 * behind) is one the clock has passed long ago: the bucket is full. Only an idle time
 * within burst intervals of a multiple of 2^16 intervals is mistaken for a recent one,
 * and then for at most burst intervals. */
static bool turn_icmp_admit(struct turn_alloc *a, uint64_t now_ms)
{
	const int32_t tau = TURN_ICMP_BURST - 1;
	uint16_t now = (uint16_t)(now_ms / TURN_ICMP_INTERVAL_MS);
	int32_t ahead = (int16_t)(uint16_t)(a->icmp_tat - now);

	if (ahead < 0 || ahead > tau + 1)
		ahead = 0;
	if (ahead > tau)
		return false;
	a->icmp_tat = (uint16_t)(now + ahead + 1);
	return true;
}

/* §11.5, §18.13: the Data indication; the port of XOR-PEER-ADDRESS is the destination port
 * of the offending datagram (0 when unknown), Error Data the MTU for "fragmentation needed"
 * and "packet too big", else zero. */
static int turn_icmp_build(struct turn_server *s, const struct turn_icmp *ic, uint8_t *buf,
			   size_t cap)
{
	struct stun_icmp v = {.type = ic->type, .code = ic->code};
	uint8_t tid[STUN_TID_LEN];
	struct stun_enc e;

	if (stun_icmp_has_mtu(ic->icmp6, ic->type, ic->code))
		v.data = ic->mtu;
	turn_ind_tid(s, tid);
	stun_enc_init(&e, buf, cap, STUN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &ic->peer);
	stun_enc_put_icmp(&e, &v);
	return stun_enc_finish(&e);
}

int turn_peer_icmp(struct turn_server *s, struct turn_alloc *a, const struct turn_icmp *icmp,
		   uint64_t now_ms)
{
	uint8_t buf[STUN_HDR_LEN + 2 * STUN_ATTR_HDR_LEN + 20 + 8];
	struct turn_ip ip;
	int n;

	if (a == NULL)
		return -EACCES;
	if (!turn_icmp_relayed(icmp)) {
		s->c.icmp_dropped++;
		return -EPROTONOSUPPORT;
	}
	/* §11.5: the permission checked is the one for the destination IP of the offending
	 * datagram, never the ICMP message's source; ports are not considered. */
	turn_ip_from_addr(&ip, &icmp->peer);
	if (turn_perm_find(a, &ip, now_ms) == NULL) {
		s->c.icmp_dropped++;
		return -EACCES;
	}
	if (!turn_icmp_admit(a, now_ms)) {
		s->c.icmp_limited++;
		return -EAGAIN;
	}
	n = turn_icmp_build(s, icmp, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	/* §11.5: "sent on the 5-tuple associated with the allocation". */
	n = turn_client_send(&a->client, buf, (size_t)n);
	if (n == 0)
		s->c.icmp_to_client++;
	return n;
}
