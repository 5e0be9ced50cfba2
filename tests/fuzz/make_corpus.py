#!/usr/bin/env python3
"""Writes the fuzz seed corpus (tests/fuzz/corpus/{stun,frame}/) and the hexdump
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
    write(stun, "chdata", chdata(0x4001, b"hello", pad=False))
    write(stun, "empty", b"")
    stream = b"".join([v["rfc5769_request"], chdata(0x4000, b"hello"),
                       v["rfc5769_response_v4"], chdata(0x4FFF, b"")])
    write(frame, "coalesced", b"\x05" + stream)
    write(frame, "whole", b"\x00" + stream)
    write(frame, "chdata_padded", b"\x03" + chdata(0x4002, b"abcdefg") * 3)
    write(frame, "oversize", b"\x01" + chdata(0x4000, b"")[:2] + b"\xff\xff")
    write(frame, "garbage", b"\x02\xc0\x00\x00\x00")
    with open(os.path.join(ROOT, "tests", "vectors", "rfc5769.txt"), "w") as f:
        f.write("# RFC 5769 section 2.1-2.4 and RFC 8489 Appendix B.1 (erratum 6268)\n"
                "# test vectors, 4 bytes per line, generated from rfc5769.h.\n")
        for n in vec:
            f.write("\n%s (%d bytes)\n" % (n, len(v[n])))
            for i in range(0, len(v[n]), 4):
                f.write("   " + " ".join("%02x" % b for b in v[n][i:i + 4]) + "\n")


if __name__ == "__main__":
    main()
