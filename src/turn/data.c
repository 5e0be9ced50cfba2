/* Data from a peer to the client (RFC 8656 §11.3, §12.7): only from peers with a
 * permission; over the peer's channel when one is bound, else in a Data indication. Both
 * are built in place around the datagram (TURN_PEER_HEADROOM before it, TURN_PEER_TAILROOM
 * after): no malloc, no logging, no copy of the data. */
#include "turn/core.h"

#include <string.h>

#include "stun/chdata.h"
#include "stun/stun.h"

/* §12.7: the ChannelData header written into the headroom; over a stream the message is
 * padded to a multiple of 4 (§12.5) in the tailroom. */
static int turn_wrap_chdata(const struct turn_alloc *a, const struct turn_chan *ch, uint8_t *data,
			    size_t len, const uint8_t **msg)
{
	size_t n = STUN_CHDATA_HDR_LEN + len;

	if (len > UINT16_MAX)
		return 0;
	stun_chdata_put_header(data - STUN_CHDATA_HDR_LEN, ch->number, (uint16_t)len);
	if (a->client.conn->ops->stream) {
		memset(data + len, 0, stun_chdata_stream_len(len) - n);
		n = stun_chdata_stream_len(len);
	}
	*msg = data - STUN_CHDATA_HDR_LEN;
	return (int)n;
}

void turn_ind_tid(struct turn_server *s, uint8_t tid[STUN_TID_LEN])
{
	memcpy(tid, &s->tid_seq, 8);
	memcpy(tid + 8, s->tid_salt, 4);
	s->tid_seq++;
}

/* §11.3: a Data indication with XOR-PEER-ADDRESS and DATA, its header and attributes
 * written into the headroom so that DATA's value is the datagram where it lies. */
static int turn_wrap_data_ind(struct turn_server *s, const struct addr *peer, uint8_t *data,
			      size_t len, const uint8_t **msg)
{
	size_t head = STUN_HDR_LEN + STUN_ATTR_HDR_LEN + (addr_family(peer) == AF_INET6 ? 20 : 8) +
		      STUN_ATTR_HDR_LEN;
	uint8_t tid[STUN_TID_LEN], *v = NULL;
	struct stun_enc e;
	int n;

	turn_ind_tid(s, tid);
	stun_enc_init(&e, data - head, head + ((len + 3) & ~(size_t)3), STUN_METHOD_DATA,
		      STUN_CLASS_INDICATION, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	stun_enc_reserve(&e, STUN_ATTR_DATA, len, &v);
	n = stun_enc_finish(&e);
	if (n <= 0 || v != data)
		return 0;
	*msg = data - head;
	return n;
}

int turn_peer_input(struct turn_server *s, struct turn_alloc *a, const struct addr *peer,
		    uint8_t *data, size_t len, uint64_t now_ms, const uint8_t **msg,
		    const struct turn_client **client)
{
	struct turn_chan *ch;
	struct turn_ip ip;
	int n;

	if (a == NULL)
		return 0;
	/* §9, §11.3: only peers with a permission for their IP address; from an own address
	 * only a live relay port (turn/relayset.h). */
	turn_ip_from_addr(&ip, peer);
	if (!turn_perm_admits(s, a, &ip, peer, now_ms))
		return 0;
	if (!tbucket_take(&a->bw_to_client, len, now_ms)) {
		s->c.dropped_rate++;
		return 0;
	}
	/* §11.3: over the peer's channel if one is bound (§12.7), else a Data indication. */
	ch = turn_chan_by_peer(a, &ip, addr_port(peer), now_ms);
	n = ch ? turn_wrap_chdata(a, ch, data, len, msg)
	       : turn_wrap_data_ind(s, peer, data, len, msg);
	if (n <= 0)
		return 0;
	s->c.relayed_to_client++;
	s->c.relayed_bytes_to_client += len;
	a->st.pkts_to_client++;
	a->st.bytes_to_client += len;
	*client = &a->client;
	return n;
}
