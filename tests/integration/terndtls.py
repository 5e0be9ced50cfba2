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
import threading
import time

MAGIC = 0x2112A442


# What an ECDHE-ECDSA handshake needs (RFC 8422 §5.1, RFC 5246 §7.4.1.4.1):
# supported_groups x25519 and secp256r1, ec_point_formats uncompressed,
# signature_algorithms ecdsa_secp256r1_sha256 and rsa_pss_rsae_sha256.
ECDHE_EXTENSIONS = (struct.pack("!HHH", 10, 6, 4) + struct.pack("!HH", 29, 23) +
                    struct.pack("!HHB", 11, 2, 1) + b"\x00" +
                    struct.pack("!HHH", 13, 6, 4) + struct.pack("!HH", 0x0403, 0x0804))


def client_hello(cookie=b"", seq=0, msg_seq=0, random=None, version=0xFEFD,
                 suites=(0xC02B, 0xC02F, 0xC00A), epoch=0, extensions=b""):
    """One datagram: a DTLS handshake record (epoch, sequence number seq) carrying a whole
    ClientHello with the cookie, the cipher suites, null compression and the extensions
    (bytes, without their length; ECDHE_EXTENSIONS lets a real handshake start)."""
    random = random if random is not None else os.urandom(32)
    body = struct.pack("!H", version) + random + b"\x00"
    body += struct.pack("!B", len(cookie)) + cookie
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00"
    if extensions:
        body += struct.pack("!H", len(extensions)) + extensions
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
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return subprocess.Popen(
        ["openssl", "s_client", "-dtls1_2", "-connect", target, "-CAfile", ca,
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


class DtlsStun:
    """A STUN/TURN client over DTLS 1.2: openssl s_client carries each message written to
    it in one record, and what the server sends comes back on its output, one STUN message
    after another. Use as a context manager; close() sends close_notify."""

    def __init__(self, host, port, ca, timeout=5.0, extra=()):
        self.p = s_client(host, port, ca, *extra)
        self.buf = b""
        self.err = ""
        self.cv = threading.Condition()
        self.eof = False
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        with self.cv:
            self.cv.wait_for(lambda: "depth=0" in self.err or self.eof, timeout)
        self.connected = "depth=0" in self.err and not self.eof
        # s_client reads its input only once the handshake is done.
        time.sleep(0.3)

    def _read_out(self):
        while True:
            chunk = self.p.stdout.read1(65536)
            with self.cv:
                if not chunk:
                    self.eof = True
                    self.cv.notify_all()
                    return
                self.buf += chunk
                self.cv.notify_all()

    def _read_err(self):
        for line in self.p.stderr:
            with self.cv:
                self.err += line.decode(errors="replace")
                self.cv.notify_all()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def _take(self):
        if len(self.buf) < 20:
            return None
        n = 20 + struct.unpack("!H", self.buf[2:4])[0]
        if len(self.buf) < n:
            return None
        msg, self.buf = self.buf[:n], self.buf[n:]
        return msg

    def recv(self, timeout=2.0):
        """The next STUN message's bytes, or None."""
        with self.cv:
            self.cv.wait_for(lambda: self._take_ready() or self.eof, timeout)
            return self._take()

    def _take_ready(self):
        return len(self.buf) >= 20 and len(self.buf) >= 20 + struct.unpack(
            "!H", self.buf[2:4])[0]

    def exited(self, timeout):
        """s_client's exit code once the server closed the session, or None."""
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
