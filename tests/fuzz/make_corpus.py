#!/usr/bin/env python3
"""Writes the fuzz seed corpus (tests/fuzz/corpus/{stun,frame,turn,proxy,dtls}/) and the hexdump
tests/vectors/rfc5769.txt from the C arrays in tests/vectors/rfc5769.h. Re-run after
changing the vectors; the output is committed."""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HDR = os.path.join(ROOT, "tests", "vectors", "rfc5769.h")


def arrays():
    text = open(HDR).read()
    out = {}
    for m in re.finditer(r"static const uint8_t (\w+)\[\d*\] = \{(.*?)\};", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
        out[m.group(1)] = bytes(int(x, 16) for x in re.findall(r"0x[0-9a-fA-F]{2}", body))
    return out


def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack(">HH", t, len(v)) + v + b"\0" * pad


def msg(typ, attrs, tid=bytes(range(1, 13))):
    body = b"".join(attrs)
    return struct.pack(">HHI", typ, len(body), 0x2112A442) + tid + body


def chdata(ch, data, pad=True):
    p = (4 - len(data) % 4) % 4 if pad else 0
    return struct.pack(">HH", ch, len(data)) + data + b"\0" * p


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# fuzz_turn programs (see tests/fuzz/fuzz_turn.c): two configuration bytes, then steps.
ALLOC, REFRESH, PERM, CHBIND, SEND, CHDATA, PEER, CLOCK, GONE, FAULT, CREDS, RAW, ICMP = \
    0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
MOB_ALLOC, MOB_REFRESH, MOB_MOVE = 14, 15, 16
ALICE, BOB, CAROL, NOBODY = 0x01, 0x09, 0x11, 0x19  # auth operands: right key, valid nonce


def conf(uq=2, tq=4, no_auth=False, free_live=False, async_=False, perms=3, unauth_rate=False,
         max_bps=False, stun_only=False):
    """Quotas and permissions as fuzz_turn's tables have them (0: unlimited)."""
    c = (1 if no_auth else 0) | [1, 2, 3, 0].index(uq) << 1 | [2, 4, 6, 0].index(tq) << 3
    c |= (0x40 if free_live else 0) | (0x80 if async_ else 0)
    c2 = [1, 3, 8, 0].index(perms) | (4 if unauth_rate else 0) | (8 if max_bps else 0)
    c2 |= 0x40 if stun_only else 0
    return bytes([c, c2])


def alloc(client, auth, f=0, g=0, life=None):
    return bytes([ALLOC, f, g, client, auth] + ([life] if f & 0x40 else []))


def refresh(client, auth, f):
    return bytes([REFRESH, f, client, auth])


def perm(client, auth, *peers):
    return bytes([PERM, len(peers), client, auth] + list(peers))


def mob_alloc(client, auth, f=0):
    return bytes([MOB_ALLOC, f, client, auth])


def mob_refresh(client, auth, t=0, f=0x01 | 0x02 | 5 << 2):
    return bytes([MOB_REFRESH, t, f, client, auth])


def mob_move(k, how=0):
    return bytes([MOB_MOVE, k | how << 2])


def turn_corpus(d):
    tok0 = 0x00  # RESERVATION-TOKEN operand g: the first token seen
    progs = {
        "reservation_quota": conf(uq=2, tq=4) + alloc(0, ALICE, f=0x03) +
        alloc(5, ALICE, f=0x03) + alloc(5, ALICE) + refresh(0, ALICE, 0x01) +
        alloc(5, ALICE, f=0x03) + alloc(2, BOB, f=0x04, g=tok0) + alloc(3, ALICE) +
        bytes([CLOCK, 3, CLOCK, 1]) + alloc(3, CAROL, f=0x04, g=tok0),
        "perm_chan_data": conf(uq=3, tq=6) + alloc(0, ALICE) + perm(0, ALICE, 0, 3, 4) +
        perm(0, ALICE, 0, 1, 6) + bytes([CHBIND, 0, 0, 0, ALICE, CHBIND, 1, 0, 0, ALICE]) +
        bytes([SEND, 0, 10, 0, 0, SEND, 2, 10, 0, 0, CHDATA, 0, 0, 12, CHDATA, 0, 0x80, 12]) +
        bytes([PEER, 0, 0, 20, PEER, 0, 2, 20, CLOCK, 5, PEER, 0, 0, 20]) +
        refresh(0, ALICE, 0x02 | 0x01 | 4 << 2) + refresh(0, ALICE, 0x01),
        "tcp_gone": conf(uq=3, tq=6) + alloc(1, BOB) + perm(1, BOB, 1) +
        bytes([CHBIND, 2, 1, 1, BOB, CHDATA, 1, 2, 7, PEER, 0, 1, 33, GONE, 1, PEER, 0, 1, 3]) +
        alloc(1, BOB) + bytes([GONE, 1]),
        "families": conf(uq=3, tq=6) + alloc(4, CAROL, f=0x08, g=0x20) +
        perm(4, CAROL, 3, 0) + refresh(4, CAROL, 0x01) + alloc(4, CAROL, f=0x10, g=0x40) +
        perm(4, CAROL, 3, 0, 7) + refresh(4, CAROL, 0x80 | 0x40) +
        bytes([FAULT, 4]) + alloc(0, ALICE, f=0x10, g=0x40) + alloc(2, ALICE, f=0x08, g=0x20),
        "async_creds": conf(uq=2, tq=4, async_=True) + alloc(0, ALICE) + alloc(2, BOB, f=0x03) +
        bytes([GONE, 1]) + alloc(1, CAROL) + bytes([GONE, 1, CREDS, 1]) + perm(0, ALICE, 0) +
        bytes([CREDS, 8 | 1]) + perm(0, ALICE, 1),
        "faults": conf() + bytes([FAULT, 1]) + alloc(0, ALICE) + bytes([FAULT, 2]) +
        alloc(0, ALICE) + bytes([FAULT, 8]) + alloc(0, ALICE, f=0x03) + bytes([FAULT, 0]) +
        alloc(0, ALICE, f=0x03) + bytes([CREDS, 2]) + alloc(2, BOB) + bytes([CREDS, 4]) +
        alloc(2, BOB) + bytes([CREDS, 0]) + alloc(2, BOB),
        "no_auth": conf(uq=1, tq=2, no_auth=True) + alloc(0, 0, f=0x03) + alloc(2, 0) +
        alloc(2, 0, f=0x04, g=tok0) + perm(2, 0, 0) + bytes([PEER, 0, 0, 9]),
        "auth_failures": conf(unauth_rate=True) + alloc(0, 0) + alloc(0, 0x05) + alloc(0, 0x06) +
        alloc(0, 0x07) + alloc(0, NOBODY) + alloc(0, ALICE | 0x20) + alloc(2, BOB | 0x40) +
        alloc(2, BOB | 0x80) + alloc(3, ALICE | 0x60) + refresh(3, BOB, 0x01),
        "free_live": conf(uq=3, tq=6, free_live=True, async_=True) + alloc(0, ALICE, f=0x03) +
        bytes([CREDS, 1]) + alloc(1, BOB) + alloc(3, ALICE, f=0x03) + perm(3, ALICE, 0),
        "lifetimes": conf() + alloc(0, ALICE, f=0x40, life=1) + alloc(2, BOB, f=0x40, life=200) +
        perm(0, ALICE, 0) + bytes([CLOCK, 4, CLOCK, 0x80 | 59, CLOCK, 6, CLOCK, 7]) +
        refresh(2, BOB, 0x03 | 10 << 2),
        "raw": conf() + bytes([RAW, 0x03, 2, 0, ALICE, 0x00, 0x19, 4, 17, 0, 0, 0,
                               0x00, 0x18, 1, 0x80]) +
        bytes([RAW, 0x04, 1, 0, ALICE, 0x00, 0x0d, 4, 0, 0, 0, 0]) +
        bytes([RAW, 0x01, 1, 0, 0, 0x80, 0x22, 3, 1, 2, 3]),
        "bandwidth": conf(max_bps=True) + alloc(0, ALICE) + perm(0, ALICE, 0) +
        bytes([SEND, 0, 250, 0, 0] * 10 + [PEER, 0, 0, 250] * 10 + [CLOCK, 0x81]) +
        bytes([CREDS, 0x10]) + alloc(2, BOB) + perm(2, BOB, 1) + bytes([PEER, 1, 1, 250] * 8),
        "big_parked": conf(async_=True) +
        bytes([RAW, 0x03, 2, 0, ALICE, 0x00, 0x19, 4, 17, 0, 0, 0, 0x80, 0x50, 255]) +
        bytes([CREDS, 1]) + alloc(0, ALICE) + bytes([CREDS, 1]),
        "many": conf(uq=0, tq=0, no_auth=True, perms=0) +
        b"".join(alloc(c, 0) for c in range(6, 46)) +
        b"".join(refresh(c, 0, 0x01) for c in range(6, 46, 3)) +
        perm(7, 0, 0, 1, 2, 8) + perm(7, 0, 9, 10, 11, 14) +
        bytes([CHBIND, 0, 0, 7, 0, CHBIND, 1, 1, 7, 0, CHBIND, 2, 2, 7, 0, CHBIND, 3, 8, 7, 0]) +
        bytes([CHDATA, 7, 3, 5, PEER, 9, 8, 5]),
        # RFC 8016: client 0 (worker 0) allocates with a ticket, moves to client 6 (worker 0,
        # in place), then to client 2 (worker 1: forwarded, detached, adopted), is
        # retransmitted, replayed, used by bob, moved back and aborted, dropped in flight.
        "mobility": conf(uq=3, tq=6) + mob_alloc(0, ALICE) + perm(0, ALICE, 0) +
        bytes([CHBIND, 0, 0, 0, ALICE]) + mob_refresh(6, ALICE, t=0) +
        bytes([CHDATA, 6, 0, 12, PEER, 0, 0, 20]) + mob_refresh(2, ALICE, t=1) +
        mob_move(0) + mob_move(0) + bytes([PEER, 0, 0, 20]) + mob_refresh(2, ALICE | 0x80, t=1) +
        mob_refresh(5, ALICE, t=0) + mob_refresh(5, BOB, t=2) + mob_refresh(0, ALICE, t=2) +
        mob_move(0) + mob_move(0, 1) + mob_refresh(0, ALICE, t=2) + mob_move(0) +
        mob_move(0, 2) + mob_alloc(2, BOB, f=1) + mob_alloc(1, BOB) + refresh(2, ALICE, 0x01),
        "mobility_expiry": conf(uq=2, tq=4) + mob_alloc(2, CAROL, f=0x02 | 1 << 2) +
        mob_refresh(0, CAROL, t=0, f=0) + bytes([CLOCK, 0x80 | 61]) + mob_move(0) + mob_move(0) +
        mob_alloc(5, CAROL) + mob_refresh(0, CAROL, t=1) + mob_move(0) + bytes([CLOCK, 0x80 | 127])
        + bytes([CLOCK, 0x80 | 127] * 5) + mob_move(0) + mob_refresh(0, CAROL, t=1 | 4),
        # RFC 6062 from stream client 1: a TCP allocation, a permission for 8.8.8.8, Connect
        # to 8.8.8.8:1000 twice (446), a ConnectionBind for an unknown id from client 3,
        # 31 s for the unanswered Connect (447), then the control connection's end.
        "tcp_relay": conf(uq=3, tq=6) +
        bytes([RAW, 0x03, 1, 1, ALICE, 0x00, 0x19, 4, 6, 0, 0, 0]) + perm(1, ALICE, 0) +
        bytes([RAW, 0x0A, 1, 1, ALICE, 0x00, 0x12, 8, 0, 1, 0x22, 0xFA, 0x29, 0x1A, 0xAC, 0x4A]) * 2 +
        bytes([RAW, 0x0B, 1, 3, ALICE, 0x00, 0x2A, 4, 0, 0, 0, 1]) +
        bytes([CLOCK, 0x80 | 31, GONE, 1]),
        # ICMP errors reported (RFC 8656 §11.5): permitted and not, relayed types and not,
        # ICMPv6 on a dual allocation, a burst over the rate limit, the clock refilling it.
        "icmp": conf(uq=3, tq=6) + alloc(0, ALICE) + perm(0, ALICE, 0) +
        bytes([ICMP, 0, 0, 3, 3, ICMP, 0, 1, 3, 3, ICMP, 0, 0, 3, 4, ICMP, 0, 0, 12, 0]) +
        bytes([ICMP, 0, 0x10, 11, 0] * 10 + [CLOCK, 0, ICMP, 0, 0, 3, 3]) +
        alloc(4, CAROL, f=0x10, g=0x40) + perm(4, CAROL, 3, 0) +
        bytes([ICMP, 1, 3, 0x81, 4, ICMP, 2, 3, 0x82, 0, ICMP, 1, 3, 0x84, 0]) +
        refresh(4, CAROL, 0x80 | 0x40) + bytes([ICMP, 1, 3, 0x81, 4]),
        # A STUN-only server: every TURN request refused, Binding answered, data dropped.
        "stun_only": conf(stun_only=True) + alloc(0, ALICE) + alloc(1, 0) +
        perm(0, ALICE, 0) + bytes([CHBIND, 0, 0, 0, ALICE]) + refresh(0, ALICE, 0x01) +
        bytes([SEND, 0, 10, 0, 0, CHDATA, 0, 0, 12]) +
        bytes([RAW, 0x01, 1, 0, 0, 0x80, 0x22, 3, 1, 2, 3]),
    }
    for name, prog in progs.items():
        write(d, name, prog)


V2_SIG = b"\r\n\r\n\0\r\nQUIT\n"


def pp2(ver_cmd, fam, block):
    """A PROXY protocol v2 header (haproxy proxy-protocol.txt section 2.2)."""
    return V2_SIG + struct.pack(">BBH", ver_cmd, fam, len(block)) + block


def tlv(t, v):
    return struct.pack(">BH", t, len(v)) + v


def proxy_corpus(d):
    """fuzz_proxy inputs: valid v1 and v2 headers (some followed by a STUN message), and
    one of each class of malformed header."""
    a4 = bytes([192, 0, 2, 1, 198, 51, 100, 7]) + struct.pack(">HH", 50000, 3478)
    a6 = bytes.fromhex("20010db8000000000000000000000001" "20010db8000000000000000000000002") + \
        struct.pack(">HH", 4660, 3478)
    ssl = tlv(0x20, b"\x07\0\0\0\0" + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"client"))
    stun = msg(0x0001, [])
    cases = {
        "v1_tcp4": b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" + stun,
        "v1_tcp6": b"PROXY TCP6 2001:db8::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 0\r\n",
        "v1_unknown": b"PROXY UNKNOWN\r\n" + stun,
        "v1_unknown_long": b"PROXY UNKNOWN " + b"f" * 91 + b"\r\n",
        "v1_no_crlf": b"PROXY UNKNOWN " + b"f" * 100,
        "v1_bad_addr": b"PROXY TCP4 1.2.03.4 5.6.7.8 1 2\r\n",
        "v1_bad_port": b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
        "v1_two_spaces": b"PROXY TCP6 ::1  ::2 1 2\r\n",
        "v1_lone_lf": b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
        "v2_tcp4": pp2(0x21, 0x11, a4) + stun,
        "v2_tcp6": pp2(0x21, 0x21, a6),
        "v2_udp4": pp2(0x21, 0x12, a4),
        "v2_local": pp2(0x20, 0x00, b"") + stun,
        "v2_unspec": pp2(0x21, 0x00, a4),
        "v2_tlvs": pp2(0x21, 0x21, a6 + tlv(0x04, b"\0\0") + tlv(0x02, b"turn.example.com") +
                       tlv(0x03, b"\1\2\3\4") + ssl + tlv(0xE0, b"custom")),
        "v2_version1": pp2(0x11, 0x11, a4),
        "v2_command2": pp2(0x22, 0x11, a4),
        "v2_family4": pp2(0x21, 0x41, a4),
        "v2_short_block": pp2(0x21, 0x21, a6[:35]),
        "v2_over_cap": pp2(0x21, 0x11, a4 + tlv(0x04, bytes(490))),
        "v2_unix": pp2(0x21, 0x31, bytes(216)),
        "v2_tlv_truncated": pp2(0x21, 0x11, a4 + tlv(0x02, b"abcdef")[:-2]),
        "stun": stun,
    }
    for name, data in cases.items():
        write(d, name, data)


def client_hello(cookie=b"", seq=0, msg_seq=0, ext=b""):
    """One datagram: a DTLS 1.2 ClientHello in an epoch 0 handshake record (RFC 6347
    section 4.2.1) with two cipher suites, null compression and ext as its extensions."""
    body = b"\xfe\xfd" + bytes(range(32)) + b"\x00" + bytes([len(cookie)]) + cookie
    body += b"\x00\x04\xc0\x2b\xc0\x2f\x01\x00"
    if ext:
        body += struct.pack(">H", len(ext)) + ext
    n = struct.pack(">I", len(body))[1:]
    hs = b"\x01" + n + struct.pack(">H", msg_seq) + b"\0\0\0" + n + body
    return b"\x16\xfe\xff\0\0" + struct.pack(">Q", seq)[2:] + struct.pack(">H", len(hs)) + hs


def dtls_corpus(d):
    """fuzz_dtls inputs: ClientHellos with and without a cookie, with extensions, followed
    by another record, and one of each class of datagram the reader refuses."""
    cookie = bytes(range(100, 132))
    groups = struct.pack(">HHHHH", 10, 6, 4, 29, 23)
    ch = client_hello(cookie, seq=1, msg_seq=1)
    frag = bytearray(ch)
    frag[19:22] = b"\0\0\x10"
    cases = {
        "no_cookie": client_hello(),
        "cookie": ch,
        "extensions": client_hello(cookie, seq=2, msg_seq=1, ext=groups),
        "two_records": ch + client_hello(seq=3),
        "long_cookie": client_hello(bytes(255)),
        "fragment": bytes(frag),
        "epoch1": ch[:3] + b"\0\x01" + ch[5:],
        "app_data": b"\x17" + ch[1:],
        "short_record": ch[:40],
        "stun": msg(0x0001, []),
    }
    for name, data in cases.items():
        write(d, name, data)


def classic(attrs, test=1):
    """A classic RFC 3489 Binding Request as Debian's stun-client sends it."""
    body = b"".join(attrs)
    return struct.pack(">HH", 0x0001, len(body)) + bytes([test]) + bytes(range(15)) + body


def classic_corpus(d):
    cr = lambda f: attr(0x0003, struct.pack(">I", f))
    write(d, "stunclient_test1", classic([cr(0)], 1))
    write(d, "stunclient_test2", classic([cr(4)], 2))
    write(d, "stunclient_test3", classic([cr(2)], 3))
    write(d, "no_attrs", classic([]))
    write(d, "response_address", classic([attr(0x0002, b"\0\x01\0\x35\xc6\x33\x64\x09"), cr(6)]))
    write(d, "unknown", classic([attr(0x0020, b"\0" * 8), attr(0x8022, b"tern"), cr(0)]))
    write(d, "integrity", classic([attr(0x0006, b"user"), attr(0x0008, b"\0" * 20)]))
    write(d, "overrun", classic([cr(0)])[:-4] + b"\0\0\0\x08")
    write(d, "odd_length", classic([attr(0x8022, b"abc")])[:-1])
    write(d, "rfc5389", msg(0x0001, [cr(6)]))


def main():
    v = arrays()
    stun = os.path.join(HERE, "corpus", "stun")
    frame = os.path.join(HERE, "corpus", "frame")
    vec = ["rfc5769_request", "rfc5769_response_v4", "rfc5769_response_v6",
           "rfc5769_request_lt", "rfc8489_b1_request"]
    for n in vec:
        write(stun, n, v[n])
    peer = attr(0x0012, b"\0\x01" + struct.pack(">H", 0x1234 ^ 0x2112) + b"\xe1\x12\xa6\x43")
    write(stun, "allocate", msg(0x0003, [attr(0x0019, b"\x11\0\0\0"), attr(0x001A, b""),
                                        attr(0x0018, b"\x80"), attr(0x0017, b"\x02\0\0\0")]))
    write(stun, "create_permission", msg(0x0008, [peer, peer]))
    write(stun, "channel_bind", msg(0x0009, [attr(0x000C, b"\x40\x01\0\0"), peer]))
    write(stun, "send_indication", msg(0x0016, [peer, attr(0x0013, b"hello")]))
    write(stun, "error_420", msg(0x0113, [attr(0x0009, b"\0\0\x04\x14Unknown Attribute"),
                                          attr(0x000A, b"\0\x24\x77\x77")]))
    write(stun, "pwalgs", msg(0x0113, [attr(0x0009, b"\0\0\x04\x01Unauthenticated"),
                                       attr(0x8002, b"\0\x01\0\0\0\x02\0\0")]))
    write(stun, "bad_family", msg(0x0001, [attr(0x0020, b"\0\x03\0\0\1\2\3\4")]))
    write(stun, "overrun", msg(0x0001, [attr(0x8022, b"abcd")])[:-2] + b"\0\0")
    write(stun, "after_fingerprint", msg(0x0001, [attr(0x8028, b"\0\0\0\0"),
                                                  attr(0x8022, b"x")]))
    write(stun, "data_icmp", msg(0x0017, [peer, attr(0x8004, b"\0\0\x03\x04\0\0\x05\x78")]))
    write(stun, "chdata", chdata(0x4001, b"hello", pad=False))
    write(stun, "empty", b"")
    stream = b"".join([v["rfc5769_request"], chdata(0x4000, b"hello"),
                       v["rfc5769_response_v4"], chdata(0x4FFF, b"")])
    write(frame, "coalesced", b"\x05" + stream)
    write(frame, "whole", b"\x00" + stream)
    write(frame, "chdata_padded", b"\x03" + chdata(0x4002, b"abcdefg") * 3)
    write(frame, "oversize", b"\x01" + chdata(0x4000, b"")[:2] + b"\xff\xff")
    write(frame, "garbage", b"\x02\xc0\x00\x00\x00")
    turn_corpus(os.path.join(HERE, "corpus", "turn"))
    proxy_corpus(os.path.join(HERE, "corpus", "proxy"))
    dtls_corpus(os.path.join(HERE, "corpus", "dtls"))
    classic_corpus(os.path.join(HERE, "corpus", "classic"))
    with open(os.path.join(ROOT, "tests", "vectors", "rfc5769.txt"), "w") as f:
        f.write("# RFC 5769 section 2.1-2.4 and RFC 8489 Appendix B.1 (erratum 6268)\n"
                "# test vectors, 4 bytes per line, generated from rfc5769.h.\n")
        for n in vec:
            f.write("\n%s (%d bytes)\n" % (n, len(v[n])))
            for i in range(0, len(v[n]), 4):
                f.write("   " + " ".join("%02x" % b for b in v[n][i:i + 4]) + "\n")


if __name__ == "__main__":
    main()
