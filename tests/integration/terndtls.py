"""DTLS helpers for the integration tests: ClientHellos built by hand (RFC 6347 §4.2.1) to
probe the stateless cookie exchange, the HelloVerifyRequest's reading, and a real DTLS 1.2
client (Debian's openssl s_client) that sends one STUN Binding request over the session.

    hello = client_hello(cookie=b"")            # bytes of one datagram
    hvr = parse_hvr(answer)                      # dict or None
    ok, resp, err = dtls_binding("127.0.0.1", port, ca_pem)
"""

import os
import struct
import subprocess
import time

MAGIC = 0x2112A442


def client_hello(cookie=b"", seq=0, msg_seq=0, random=None, version=0xFEFD,
                 suites=(0xC02B, 0xC02F, 0xC00A), epoch=0):
    """One datagram: a DTLS handshake record (epoch, sequence number seq) carrying a whole
    ClientHello with the cookie, the cipher suites, null compression and no extensions."""
    random = random if random is not None else os.urandom(32)
    body = struct.pack("!H", version) + random + b"\x00"
    body += struct.pack("!B", len(cookie)) + cookie
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00"
    n = len(body)
    msg = struct.pack("!B", 1) + n.to_bytes(3, "big") + struct.pack("!H", msg_seq)
    msg += (0).to_bytes(3, "big") + n.to_bytes(3, "big") + body
    rec = struct.pack("!BH", 22, 0xFEFF) + struct.pack("!H", epoch) + seq.to_bytes(6, "big")
    return rec + struct.pack("!H", len(msg)) + msg


def parse_hvr(data):
    """The HelloVerifyRequest in data as {"seq", "version", "server_version", "msg_seq",
    "cookie"}, or None when data is anything else."""
    if len(data) < 13 + 12 + 3 or data[0] != 22 or data[13] != 3:
        return None
    rlen = struct.unpack("!H", data[11:13])[0]
    if rlen != len(data) - 13:
        return None
    mlen = int.from_bytes(data[14:17], "big")
    msg_seq = struct.unpack("!H", data[17:19])[0]
    foff, flen = int.from_bytes(data[19:22], "big"), int.from_bytes(data[22:25], "big")
    if foff != 0 or flen != mlen or mlen != rlen - 12:
        return None
    sv = struct.unpack("!H", data[25:27])[0]
    clen = data[27]
    if 28 + clen != len(data):
        return None
    return {"seq": int.from_bytes(data[5:11], "big"), "epoch": data[3] << 8 | data[4],
            "version": struct.unpack("!H", data[1:3])[0], "server_version": sv,
            "msg_seq": msg_seq, "cookie": data[28:]}


def binding_request():
    """(request bytes, transaction id) of a STUN Binding request."""
    tid = os.urandom(12)
    return struct.pack("!HHI", 1, 0, MAGIC) + tid, tid


def s_client(host, port, ca, *extra):
    """Starts openssl s_client for DTLS 1.2 that verifies the server against ca and stays
    up until its input ends (stdin, stdout and stderr are pipes)."""
    return subprocess.Popen(
        ["openssl", "s_client", "-dtls1_2", "-connect", f"{host}:{port}", "-CAfile", ca,
         "-servername", "turn.test", "-verify_return_error", "-quiet", "-no_ign_eof",
         *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def dtls_binding(host, port, ca, settle=1.0, timeout=10):
    """A DTLS 1.2 handshake with the server, one Binding request in one record, then
    close_notify. Returns (handshake and answer ok, the Binding success response's bytes
    or None, s_client's stderr)."""
    req, tid = binding_request()
    p = s_client(host, port, ca)
    try:
        time.sleep(settle)
        p.stdin.write(req)
        p.stdin.flush()
        time.sleep(settle)
        p.stdin.close()
        p.wait(timeout)
    except (subprocess.TimeoutExpired, BrokenPipeError):
        p.kill()
        p.wait()
    out, err = p.stdout.read(), p.stderr.read().decode(errors="replace")
    i = out.find(struct.pack("!I", MAGIC) + tid)
    resp = out[i - 4:] if i >= 4 and out[i - 4:i - 2] == b"\x01\x01" else None
    return p.returncode == 0 and resp is not None, resp, err
