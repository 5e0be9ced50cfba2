/* Data from the client to a peer: Send indications (RFC 8656 §11.2) and ChannelData
 * (§12.6). Nothing is answered; data without a permission is silently discarded and
 * counted. The ChannelData path is one hash lookup and a scan of a few inline entries: no
 * malloc, no logging, no copy. */
#include "turn/core.h"

#include <errno.h>

#include "stun/chdata.h"
#include "stun/stun.h"

/* Relays data to peer from a's relay of the peer's family. */
static int turn_to_peer(struct turn_server *s, struct turn_alloc *a, const struct turn_ip *ip,
			const struct addr *peer, const struct stun_str *data, bool df,
			uint64_t now_ms)
{
	int r;

	if (!turn_perm_admits(s, a, ip, peer, now_ms))
		return 0;
	r = turn_alloc_relay_for(a, ip->family);
	if (r < 0) {
		s->c.dropped_no_perm++;
		return 0;
	}
	if (!tbucket_take(&a->bw_to_peer, data->len, now_ms)) {
		s->c.dropped_rate++;
		return 0;
	}
	if (s->ops->send(s->ops_ctx, a->relay[r], peer, data->p, data->len, df) < 0) {
		s->c.dropped_send_err++;
		return 0;
	}
	s->c.relayed_to_peer++;
	s->c.relayed_bytes_to_peer += data->len;
	a->st.pkts_to_peer++;
	a->st.bytes_to_peer += data->len;
	return 0;
}

int turn_send_indication(struct turn_ctx *x)
{
	struct turn_server *s = x->s;
	const struct stun_msg *m = x->m;
	const struct turn_client *c = x->client;
	struct turn_alloc *a = turn_alloc_find(&s->allocs, c->conn, &c->src, &c->local);
	struct stun_str data;
	struct addr peer;
	struct turn_ip ip;

	/* RFC 6062 §4: a TCP allocation carries data on its data connections only. */
	if (a == NULL || a->tcp)
		return 0;
	/* §11.2: XOR-PEER-ADDRESS and DATA are required, else the indication is dropped. */
	if (stun_msg_get_xor_addr(m, STUN_ATTR_XOR_PEER_ADDRESS, &peer) < 0 ||
	    stun_msg_get_bytes(m, STUN_ATTR_DATA, &data) < 0)
		return 0;
	/* §11.2: a permission for the peer's IP address is required; DONT-FRAGMENT sets DF
	 * on this datagram. */
	turn_ip_from_addr(&ip, &peer);
	return turn_to_peer(s, a, &ip, &peer, &data, stun_msg_has(m, STUN_ATTR_DONT_FRAGMENT),
			    x->now_ms);
}

int turn_client_chdata(struct turn_server *s, const struct turn_pkt *p, uint64_t now_ms)
{
	struct turn_alloc *a;
	struct turn_chan *ch;
	struct stun_chdata cd;
	struct stun_str data;
	struct addr peer;

	/* §12.6 (§12.5 over streams: the frame may carry its padding). */
	if (stun_chdata_parse(&cd, p->buf, p->len) < 0)
		return -EBADMSG;
	a = turn_alloc_find(&s->allocs, p->conn, p->src, p->local);
	if (a == NULL || a->tcp)
		return 0;
	/* §12.6: a channel not bound to a peer: discarded. */
	ch = turn_chan_by_number(a, cd.channel, now_ms);
	if (ch == NULL) {
		s->c.dropped_no_perm++;
		return 0;
	}
	turn_ip_to_addr(&ch->ip, ch->port, &peer);
	data.p = cd.data;
	data.len = cd.len;
	return turn_to_peer(s, a, &ch->ip, &peer, &data, false, now_ms);
}
