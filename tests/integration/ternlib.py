"""Helpers for Tern's integration tests: start a real ternd on private ports, talk to it
with independent clients, and report results as TAP.

Run with Debian's /usr/bin/python3 (it has python3-aioice). The ternd binary comes from
$TERND (scripts/test.sh sets it), else the release build."""

import hashlib
import hmac
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib

from aioice import stun

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TERND = os.environ.get("TERND", os.path.join(TOP, "_build/release/src/ternd"))
TERNCTL = os.environ.get("TERNCTL", os.path.join(TOP, "_build/release/src/ternctl"))
TMP = os.environ.get("TESTS_TMPDIR") or tempfile.mkdtemp(prefix="tern-it.")


class Tap:
    """Each check is one TAP test point; done() prints the plan and exits."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {desc}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {desc}", flush=True)
            if diag is not None:
                for line in str(diag).splitlines()[-20:]:
                    print(f"#   {line}", flush=True)
        return cond

    def skip(self, desc, why):
        self.n += 1
        print(f"ok {self.n} - {desc} # SKIP {why}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def port_free(port):
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(fam, typ)
            try:
                s.bind((host, port))
            except OSError:
                return False
            finally:
                s.close()
    return True


def http_get(port, path, method="GET", timeout=3):
    """(status, body text) of one HTTP request to 127.0.0.1:port (ternd's metrics and health
    listener); (None, reason) when nothing answers."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return None, repr(e)


def free_port():
    """A port free for UDP and TCP on 127.0.0.1 and ::1 (and the next one up)."""
    for _ in range(200):
        p = random.randrange(20000, 40000)
        if port_free(p) and port_free(p + 1):
            return p
    raise RuntimeError("no free port")


def binding_request(fingerprint=False, attrs=None):
    msg = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    for k, v in (attrs or {}).items():
        msg.attributes[k] = v
    if fingerprint:
        add_fingerprint(msg)
    return msg


def add_fingerprint(msg):
    """Appends FINGERPRINT with aioice's own CRC code (it must be the last attribute)."""
    msg.attributes.pop("FINGERPRINT", None)
    msg.attributes["FINGERPRINT"] = stun.message_fingerprint(bytes(msg))
    return msg


def udp_binding(host, port, timeout=1.0, sock=None, fingerprint=False):
    """Sends a Binding request over UDP; returns (response Message, local address)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    own = sock is None
    s = sock
    if s is None:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, 0))
    try:
        s.settimeout(timeout)
        req = binding_request(fingerprint)
        for _ in range(3):
            s.sendto(bytes(req), (host, port))
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                continue
            resp = stun.parse_message(data)
            if resp.transaction_id == req.transaction_id:
                return resp, s.getsockname()[:2]
        return None, s.getsockname()[:2]
    finally:
        if own:
            s.close()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def tcp_read_stun(s):
    hdr = recv_exact(s, 20)
    length = int.from_bytes(hdr[2:4], "big")
    return stun.parse_message(hdr + recv_exact(s, length))


def tcp_binding(host, port, timeout=2.0):
    """Sends a Binding request over a new TCP connection; returns (response, local addr)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        req = binding_request()
        s.sendall(bytes(req))
        resp = tcp_read_stun(s)
        return resp, s.getsockname()[:2]


class Ternd:
    """A ternd process on private ports. Use as a context manager; stop() checks that it
    exits 0 within a second of SIGTERM and that the sanitizers reported nothing."""

    def __init__(self, *args, port=None, env=None, config=None, threads=2):
        self.port = port or free_port()
        self.log = os.path.join(TMP, f"ternd-{self.port}.log")
        self.args = [TERND]
        if config is not None:
            path = os.path.join(TMP, f"ternd-{self.port}.conf")
            with open(path, "w") as f:
                f.write(config)
            self.args += ["-c", path]
        self.args += ["--listening-port", str(self.port), "--relay-threads", str(threads)]
        # Every test's ternd has its own admin socket (never /run/ternd); a later
        # --admin-socket in args wins.
        self.admin_socket = os.path.join(TMP, f"ternd-{self.port}.sock")
        self.args += ["--admin-socket", self.admin_socket]
        self.args += list(args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.exit_code = None
        self.stop_seconds = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.stop()

    def start(self, wait=True):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.logf, stderr=subprocess.STDOUT,
                                     env=self.env)
        if wait and not self.wait_ready():
            raise RuntimeError("ternd did not answer:\n" + self.output())
        return self

    def wait_ready(self, host="127.0.0.1", seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                resp, _ = udp_binding(host, self.port, timeout=0.2)
                if resp is not None:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc.poll() is None

    def ctl(self, *args, timeout=20, user=None):
        """Runs $TERNCTL with args on this ternd's admin socket (as user, through
        runuser, when given); returns (rc, stdout, stderr)."""
        return ternctl(*args, "--admin-socket", self.admin_socket, timeout=timeout, user=user)

    def stop(self, sig=signal.SIGTERM):
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            self.exit_code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.exit_code = self.proc.wait()
        self.stop_seconds = time.time() - t0
        self.logf.close()
        return self.exit_code

    def output(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def sanitizer_clean(self):
        out = self.output()
        return not any(k in out for k in ("AddressSanitizer", "runtime error:",
                                          "LeakSanitizer", "UndefinedBehaviorSanitizer"))


def check_clean_stop(tap, d, what="ternd"):
    """Stops d and asserts: exit 0, within a second, no sanitizer report."""
    rc = d.stop()
    tap.ok(rc == 0, f"{what} exits 0 on SIGTERM", d.output())
    tap.ok(d.stop_seconds < 1.0, f"{what} stops within a second ({d.stop_seconds:.2f}s)")
    tap.ok(d.sanitizer_clean(), f"{what} sanitizer clean", d.output())


# ---------------------------------------------------------------------------------------
# TURN: a server under test (ternd, or coturn to validate the tests themselves) and a
# small raw TURN client with long-term credentials.

TURN_IMPL = os.environ.get("TURN_SERVER_IMPL", "ternd")
TURN_USER = "demo"
TURN_PASSWORD = "demo-test-pw"
TURN_REALM = "tern.test"

# The special-purpose peer ranges ternd denies by default, spelled as coturn
# denied-peer-ip ranges so that coturn runs the same tests with the same policy (coturn
# itself denies only loopback). Loopback is left to allow-loopback-peers, and
# 198.51.100.0/24 is left out: test_turn_chromium relays on it, which ternd allows as
# relay-to-relay.
COTURN_DENIED_PEERS = (
    "0.0.0.0-0.255.255.255", "10.0.0.0-10.255.255.255", "100.64.0.0-100.127.255.255",
    "169.254.0.0-169.254.255.255", "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255", "192.0.2.0-192.0.2.255", "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255", "203.0.113.0-203.0.113.255",
    "224.0.0.0-255.255.255.255", "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
)


class TurnServer:
    """A TURN server with long-term credentials (user demo:demo-test-pw, realm
    tern.test) on a private port: ternd from $TERND by default, or Debian's coturn
    turnserver when TURN_SERVER_IMPL=coturn. Use as a context manager.

    Options map onto both servers' (shared) option names; `extra` is passed verbatim.
    With cert and pkey (PEM files) the server also speaks TLS, on tls_port (its
    tls-listening-port, else a free port) and on the plain TCP port."""

    def __init__(self, listening_ip="127.0.0.1", relay_ip=None, port=None,
                 allow_loopback_peers=True, min_port=None, max_port=None,
                 user_quota=None, total_quota=None, max_allocate_lifetime=None,
                 allowed_peer_ips=(), denied_peer_ips=(), users=None, realm=TURN_REALM,
                 cert=None, pkey=None, tls_port=None, extra=(), impl=None):
        self.impl = impl or TURN_IMPL
        self.host = listening_ip
        self.port = port or free_port()
        self.realm = realm
        users = users or [(TURN_USER, TURN_PASSWORD)]
        # Always --name=value: coturn ignores a separate value for some of its options.
        common = [f"--realm={realm}", "--lt-cred-mech"]
        for u, p in users:
            common.append(f"--user={u}:{p}")
        if relay_ip:
            common.append(f"--relay-ip={relay_ip}")
        if allow_loopback_peers:
            common.append("--allow-loopback-peers")
        for name, val in (("--min-port", min_port), ("--max-port", max_port),
                          ("--user-quota", user_quota), ("--total-quota", total_quota),
                          ("--max-allocate-lifetime", max_allocate_lifetime)):
            if val is not None:
                common.append(f"{name}={val}")
        for ip in allowed_peer_ips:
            common.append(f"--allowed-peer-ip={ip}")
        for ip in denied_peer_ips:
            common.append(f"--denied-peer-ip={ip}")
        self.tls_port = None
        self.tls_listens = bool(cert)  # readiness waits for the TLS port too (coturn)
        if cert:
            self.tls_port = tls_port or free_port()
            common += [f"--cert={cert}", f"--pkey={pkey}",
                       f"--tls-listening-port={self.tls_port}"]
        self.ternd = None
        self.proc = None
        if self.impl == "ternd":
            self.ternd = Ternd("--listening-ip", listening_ip, *common, *extra, port=self.port)
            self.log = self.ternd.log
        elif self.impl == "coturn":
            d = tempfile.mkdtemp(prefix=f"coturn-{self.port}.", dir=TMP)
            conf = os.path.join(d, "empty.conf")
            open(conf, "w").close()
            self.log = os.path.join(d, "turnserver.log")
            if min_port is None:
                common.append("--min-port=49152")
            if max_port is None:
                common.append("--max-port=65535")
            self.args = ["turnserver", "-c", conf, "--userdb", os.path.join(d, "users.sqlite"),
                         "--pidfile", os.path.join(d, "turnserver.pid"), "--no-cli",
                         *([] if cert else ["--no-tls"]), "--no-dtls", "--no-rfc5780",
                         "--log-file", "stdout", "-L", listening_ip, "-p", str(self.port),
                         *common, *extra]
            for r in COTURN_DENIED_PEERS:
                self.args.append(f"--denied-peer-ip={r}")
        else:
            raise ValueError(f"TURN_SERVER_IMPL={self.impl}: want ternd or coturn")

    def __enter__(self):
        if not self.alive():
            self.start()
        return self

    def __exit__(self, *exc):
        if self.alive():
            self.stop()

    @property
    def addr(self):
        return (self.host, self.port)

    def start(self):
        if self.ternd:
            self.ternd.start(wait=False)
            self.proc = self.ternd.proc
        else:
            self.logf = open(self.log, "ab")
            self.proc = subprocess.Popen(self.args, stdout=self.logf, stderr=subprocess.STDOUT)
        if not self.wait_ready():
            self.stop()
            raise RuntimeError(f"{self.impl} did not answer:\n" + self.output()[-4000:])
        return self

    def wait_ready(self, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                resp, _ = udp_binding(self.host, self.port, timeout=0.2)
                if resp is not None:
                    # TCP too for coturn, which opens its TCP listeners a little after UDP
                    # (ternd binds every listener before it answers anything: no connection
                    # is made, so none is left for a test that counts them to see close).
                    if not self.ternd:
                        with socket.create_connection(self.addr, timeout=0.5):
                            pass
                        if self.tls_listens:
                            with socket.create_connection((self.host, self.tls_port),
                                                          timeout=0.5):
                                pass
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.ternd:
            return self.ternd.stop()
        self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.logf.close()
        return rc

    def output(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def check_turn_stop(tap, srv):
    """Stops srv; for ternd also asserts a clean, sanitizer-clean exit."""
    if srv.ternd:
        check_clean_stop(tap, srv.ternd)
    else:
        srv.stop()


# --- a minimal STUN/TURN codec (RFC 8489 / RFC 8656), independent of the server -------

MAGIC = 0x2112A442
M_BINDING, M_ALLOCATE, M_REFRESH, M_SEND, M_DATA = 0x001, 0x003, 0x004, 0x006, 0x007
M_CREATE_PERMISSION, M_CHANNEL_BIND = 0x008, 0x009
C_REQUEST, C_INDICATION, C_SUCCESS, C_ERROR = 0x000, 0x010, 0x100, 0x110
A_USERNAME, A_MESSAGE_INTEGRITY, A_ERROR_CODE = 0x0006, 0x0008, 0x0009
A_CHANNEL_NUMBER, A_LIFETIME, A_XOR_PEER_ADDRESS, A_DATA = 0x000C, 0x000D, 0x0012, 0x0013
A_REALM, A_NONCE, A_XOR_RELAYED_ADDRESS = 0x0014, 0x0015, 0x0016
A_REQUESTED_TRANSPORT, A_XOR_MAPPED_ADDRESS, A_FINGERPRINT = 0x0019, 0x0020, 0x8028
PROTO_UDP, PROTO_TCP = 17, 6


def _mtype(method, cls):
    return (method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2 | cls


def xor_addr(addr, tid):
    """XOR-*-ADDRESS value for (host, port); IPv4-mapped IPv6 stays IPv6 on the wire."""
    host, port = addr[0], addr[1]
    if ":" in host:
        raw = socket.inet_pton(socket.AF_INET6, host)
        fam = 2
        key = struct.pack("!I", MAGIC) + tid
    else:
        raw = socket.inet_pton(socket.AF_INET, host)
        fam = 1
        key = struct.pack("!I", MAGIC)
    x = bytes(a ^ b for a, b in zip(raw, key))
    return struct.pack("!BBH", 0, fam, port ^ (MAGIC >> 16)) + x


def unxor_addr(val, tid):
    fam, xport = struct.unpack("!xBH", val[:4])
    port = xport ^ (MAGIC >> 16)
    if fam == 1:
        key = struct.pack("!I", MAGIC)
        raw = bytes(a ^ b for a, b in zip(val[4:8], key))
        return (socket.inet_ntop(socket.AF_INET, raw), port)
    key = struct.pack("!I", MAGIC) + tid
    raw = bytes(a ^ b for a, b in zip(val[4:20], key))
    return (socket.inet_ntop(socket.AF_INET6, raw), port)


def lt_key(username, realm, password):
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).digest()


def encode_stun(method, cls, attrs, tid=None, key=None, fingerprint=False):
    """attrs: list of (type, bytes). With key, appends MESSAGE-INTEGRITY (HMAC-SHA1)."""
    tid = tid or os.urandom(12)
    body = b""
    for t, v in attrs:
        body += struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)

    def header(length):
        return struct.pack("!HHI12s", _mtype(method, cls), length, MAGIC, tid)

    if key is not None:
        mac = hmac.new(key, header(len(body) + 24) + body, hashlib.sha1).digest()
        body += struct.pack("!HH", A_MESSAGE_INTEGRITY, 20) + mac
    if fingerprint:
        crc = (zlib.crc32(header(len(body) + 8) + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += struct.pack("!HHI", A_FINGERPRINT, 4, crc)
    return tid, header(len(body)) + body


class StunMsg:
    """A decoded STUN message: method, cls, tid, attrs {type: [values]}, raw bytes."""

    def __init__(self, data):
        mtype, length, magic, self.tid = struct.unpack("!HHI12s", data[:20])
        if magic != MAGIC or mtype & 0xC000 or len(data) < 20 + length:
            raise ValueError("not STUN")
        self.raw = data[:20 + length]
        self.cls = mtype & 0x0110
        self.method = (mtype & 0x000F) | (mtype & 0x00E0) >> 1 | (mtype & 0x3E00) >> 2
        self.attrs = {}
        self.order = []
        off = 20
        while off + 4 <= 20 + length:
            t, ln = struct.unpack("!HH", data[off:off + 4])
            self.attrs.setdefault(t, []).append(data[off + 4:off + 4 + ln])
            self.order.append((t, off))
            off += 4 + ln + (-ln % 4)

    def get(self, t):
        v = self.attrs.get(t)
        return v[0] if v else None

    @property
    def error(self):
        v = self.get(A_ERROR_CODE)
        return None if v is None else (v[2] & 7) * 100 + v[3]

    def addr(self, t):
        v = self.get(t)
        return None if v is None else unxor_addr(v, self.tid)

    def integrity_ok(self, key):
        for t, off in self.order:
            if t == A_MESSAGE_INTEGRITY:
                hdr = bytearray(self.raw[:20])
                struct.pack_into("!H", hdr, 2, off + 24 - 20)
                mac = hmac.new(key, bytes(hdr) + self.raw[20:off], hashlib.sha1).digest()
                return hmac.compare_digest(mac, self.raw[off + 4:off + 24])
        return False

    def __repr__(self):
        return f"<STUN method={self.method:#x} cls={self.cls:#x} error={self.error}>"


class RawTurn:
    """A blocking TURN client over UDP, TCP or TLS (over TCP, framed as TCP) with long-term
    credentials. request() does the 401 dance (and one 438 retry) unless auth=False.

    For transport="tls": ssl_context (an ssl.SSLContext), else cafile (a CA to verify the
    server against, also its IP address or server_hostname), else no verification at all;
    server_hostname is sent as SNI. The handshake is done in the constructor."""

    def __init__(self, server, transport="udp", username=TURN_USER, password=TURN_PASSWORD,
                 timeout=1.0, bind_host=None, ssl_context=None, cafile=None,
                 server_hostname=None):
        self.server = tuple(server)
        self.transport = transport
        self.username, self.password = username, password
        self.realm = self.nonce = self.key = None
        self.timeout = timeout
        fam = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        if bind_host is None:
            bind_host = server[0]
            if server[0] == "127.0.0.1":
                # Spread clients over 127.0.0.0/8 so that a server's per-source-address
                # limits (e.g. on 401 responses) see many sources, as in real life.
                RawTurn._next_source = getattr(RawTurn, "_next_source", 0) + 1
                bind_host = f"127.0.0.{2 + RawTurn._next_source % 250}"
        if transport == "udp":
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            self.sock.bind((bind_host, 0))
            self.sock.connect(self.server)
        else:
            self.sock = socket.create_connection(self.server, timeout=timeout,
                                                 source_address=(bind_host, 0))
        if transport == "tls":
            self.sock = tls_wrap(self.sock, ssl_context, cafile,
                                 server_hostname or (self.server[0] if cafile else None))
        self.sock.settimeout(timeout)
        self.buf = b""
        self.inbox = []          # indications / ChannelData seen while waiting for responses

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def local(self):
        return self.sock.getsockname()[:2]

    def send_raw(self, data):
        if self.transport == "udp":
            self.sock.send(data)
        else:
            self.sock.sendall(data + b"\0" * (-len(data) % 4))

    def recv_raw(self, timeout=None):
        """One datagram or one framed STUN/ChannelData message; None on timeout."""
        deadline = time.time() + (timeout if timeout is not None else self.timeout)
        if self.transport == "udp":
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                return self.sock.recv(65536)
            except (socket.timeout, ConnectionRefusedError):
                return None
        while True:
            if len(self.buf) >= 4:
                first, ln = struct.unpack("!HH", self.buf[:4])
                need = 4 + ln + (-ln % 4) if 0x4000 <= first < 0x8000 else 20 + ln
                if len(self.buf) >= need:
                    out, self.buf = self.buf[:need], self.buf[need:]
                    return out
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def transact(self, method, attrs, key=None, tid=None, timeout=None):
        """Sends one request (retransmitted over UDP); returns the StunMsg answer or None."""
        tid, data = encode_stun(method, C_REQUEST, attrs, tid=tid, key=key)
        t = timeout if timeout is not None else self.timeout
        tries = 3 if self.transport == "udp" else 1
        for _ in range(tries):
            self.send_raw(data)
            deadline = time.time() + t / tries
            while time.time() < deadline:
                pkt = self.recv_raw(deadline - time.time())
                if pkt is None:
                    break
                try:
                    m = StunMsg(pkt)
                except (ValueError, struct.error):
                    self.inbox.append(pkt)
                    continue
                if m.tid == tid and m.cls in (C_SUCCESS, C_ERROR):
                    return m
                self.inbox.append(pkt)
        return None

    def auth_attrs(self, nonce=None):
        return [(A_USERNAME, self.username.encode()), (A_REALM, self.realm.encode()),
                (A_NONCE, nonce if nonce is not None else self.nonce)]

    def request(self, method, attrs=(), auth=True, nonce=None, key=None):
        """attrs: a list of (type, bytes), or a function of the transaction ID returning
        one (XOR-PEER-ADDRESS depends on it). The first authenticated request learns
        REALM and NONCE from the 401; a 438 is retried once with the new NONCE, unless
        `nonce` forces one. `key` overrides the integrity key (wrong-password tests)."""
        fn = attrs if callable(attrs) else (lambda tid, a=list(attrs): a)
        if not auth:
            tid = os.urandom(12)
            return self.transact(method, fn(tid), tid=tid)
        if self.nonce is None:
            tid = os.urandom(12)
            r = self.transact(method, fn(tid), tid=tid)
            if r is None or r.error != 401 or r.get(A_NONCE) is None:
                return r
            self.realm = r.get(A_REALM).decode()
            self.nonce = r.get(A_NONCE)
            self.key = lt_key(self.username, self.realm, self.password)
        r = None
        for _ in range(2):
            tid = os.urandom(12)
            r = self.transact(method, fn(tid) + self.auth_attrs(nonce), tid=tid,
                              key=key or self.key)
            if r is not None and r.error == 438 and r.get(A_NONCE) and nonce is None:
                self.nonce = r.get(A_NONCE)
                continue
            return r
        return r

    def allocate(self, proto=PROTO_UDP, lifetime=None, extra=()):
        attrs = [(A_REQUESTED_TRANSPORT, struct.pack("!B3x", proto))]
        if lifetime is not None:
            attrs.append((A_LIFETIME, struct.pack("!I", lifetime)))
        return self.request(M_ALLOCATE, attrs + list(extra))

    def refresh(self, lifetime=None):
        attrs = [] if lifetime is None else [(A_LIFETIME, struct.pack("!I", lifetime))]
        return self.request(M_REFRESH, attrs)

    def create_permission(self, *peers):
        return self.request(M_CREATE_PERMISSION,
                            lambda tid: [(A_XOR_PEER_ADDRESS, xor_addr(p, tid)) for p in peers])

    def channel_bind(self, channel, peer):
        return self.request(M_CHANNEL_BIND,
                            lambda tid: [(A_CHANNEL_NUMBER, struct.pack("!H2x", channel)),
                                         (A_XOR_PEER_ADDRESS, xor_addr(peer, tid))])

    def send_indication(self, peer, data):
        tid = os.urandom(12)
        _, msg = encode_stun(M_SEND, C_INDICATION,
                             [(A_XOR_PEER_ADDRESS, xor_addr(peer, tid)), (A_DATA, data)], tid=tid)
        self.send_raw(msg)

    def send_channel(self, channel, data):
        self.send_raw(struct.pack("!HH", channel, len(data)) + data)

    def recv_data(self, timeout=1.0):
        """Next relayed datagram: ('data', peer, bytes) for a Data indication,
        ('channel', number, bytes) for ChannelData; None on timeout."""
        deadline = time.time() + timeout
        while True:
            if self.inbox:
                pkt = self.inbox.pop(0)
            else:
                pkt = self.recv_raw(max(0.0, deadline - time.time()))
                if pkt is None:
                    return None
            if len(pkt) >= 4 and 0x40 <= pkt[0] < 0x80:
                ch, ln = struct.unpack("!HH", pkt[:4])
                return ("channel", ch, pkt[4:4 + ln])
            try:
                m = StunMsg(pkt)
            except (ValueError, struct.error):
                continue
            if m.method == M_DATA and m.cls == C_INDICATION:
                return ("data", m.addr(A_XOR_PEER_ADDRESS), m.get(A_DATA))
            if time.time() > deadline:
                return None


def tls_wrap(sock, ssl_context=None, cafile=None, server_hostname=None):
    """A TLS client connection over the connected socket sock (handshake done; sock is
    closed on failure). See RawTurn for the parameters."""
    import ssl
    ctx = ssl_context
    if ctx is None:
        ctx = ssl.create_default_context(cafile=cafile)
        if cafile is None:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    try:
        return ctx.wrap_socket(sock, server_hostname=server_hostname)
    except BaseException:
        sock.close()
        raise


class UdpEcho:
    """A UDP echo peer on (host, 0) in a thread; counts datagrams. Bounded: it stops
    after `limit` datagrams or when closed."""

    def __init__(self, host="127.0.0.1", limit=100000):
        import threading
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.addr = self.sock.getsockname()[:2]
        self.count = 0
        self.sources = set()
        self.limit = limit
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running and self.count < self.limit:
            try:
                data, src = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.count += 1
            self.sources.add(src[:2])
            try:
                self.sock.sendto(data, src)
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------
# Redis: a minimal binary-safe client, private redis-server processes, ternctl, and
# coturn's turnutils_peer / turnutils_uclient as relay checks.

class RedisClient:
    """A minimal binary-safe Redis client (RESP2) on 127.0.0.1."""

    def __init__(self, port, db=None, timeout=5):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.s.makefile("rb")
        if db is not None:
            self.cmd("SELECT", str(db))

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)

    def read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError("closed")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2].decode("utf-8", "surrogateescape")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(f"bad reply {line!r}")

    def cmd(self, *args):
        self.send(*args)
        return self.read()

    def close(self):
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def redis_ping(port, timeout=0.3):
    try:
        with RedisClient(port, timeout=timeout) as c:
            return c.cmd("PING") == "PONG"
    except (OSError, RuntimeError, ConnectionError):
        return False


class RedisServer:
    """A redis-server of the test's own on 127.0.0.1 (no persistence). stop() ends only
    this process; start() again reuses the same port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix=f"redis-{self.port}.", dir=TMP)
        self.log = os.path.join(self.dir, "redis.log")
        self.proc = None

    def start(self, seconds=5):
        import atexit
        if not getattr(self, "_atexit", False):
            atexit.register(self.stop)      # also when the test dies half-way
            self._atexit = True
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind",
                                      "127.0.0.1", "--save", "", "--appendonly", "no",
                                      "--daemonize", "no", "--dir", self.dir],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + seconds
        while time.time() < deadline and self.proc.poll() is None:
            if redis_ping(self.port):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def stop(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def redis_for_test(db):
    """(port, RedisServer or None): the shared server of scripts/test.sh
    ($TESTS_REDIS_PORT) or, without one, a private one. The caller works in database `db`
    only and flushes it first."""
    port = os.environ.get("TESTS_REDIS_PORT")
    if port and redis_ping(int(port), timeout=2):
        return int(port), None
    srv = RedisServer().start()
    return srv.port, srv


def redis_conninfo(port, db):
    return f"ip=127.0.0.1 port={port} dbname={db}"


_ternctl_public = None


def ternctl_public():
    """A copy of $TERNCTL another user can run: the build tree may sit in a directory
    only its owner can enter (mktemp -d makes them 0700). Removed at exit."""
    global _ternctl_public
    if _ternctl_public is None:
        import atexit
        import shutil
        d = tempfile.mkdtemp(prefix="ternctl-")
        os.chmod(d, 0o755)
        _ternctl_public = os.path.join(d, "ternctl")
        shutil.copy(TERNCTL, _ternctl_public)
        os.chmod(_ternctl_public, 0o755)
        atexit.register(shutil.rmtree, d, True)
    return _ternctl_public


def ternctl(*args, conn=None, timeout=20, user=None):
    """Runs $TERNCTL with args (and --redis conn; as user through runuser when given);
    returns (rc, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TERN_REDIS_USERDB", "TERN_ADMIN_SOCKET")}
    argv = [ternctl_public() if user else TERNCTL] + list(args) + (["--redis", conn] if conn else [])
    if user:
        argv = ["runuser", "-u", user, "--"] + argv
    p = subprocess.run(argv, capture_output=True, timeout=timeout, env=env)
    return (p.returncode, p.stdout.decode("utf-8", "surrogateescape"),
            p.stderr.decode("utf-8", "surrogateescape").strip())


def rest_credential(secret, user, expiry, sep=":"):
    """TURN REST credentials computed here: (USERNAME, password)."""
    import base64
    name = f"{int(expiry)}{sep}{user}"
    mac = hmac.new(secret.encode(), name.encode(), hashlib.sha1).digest()
    return name, base64.b64encode(mac).decode()


class TurnutilsPeer:
    """coturn's turnutils_peer (a UDP echo) on 127.0.0.1 and a free port."""

    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = free_port()
        self.logf = open(os.path.join(TMP, f"turnutils_peer-{self.port}.log"), "ab")
        self.proc = subprocess.Popen(["turnutils_peer", "-L", host, "-p", str(self.port)],
                                     stdout=self.logf, stderr=subprocess.STDOUT)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def uclient_relay(server_port, user, password, peer_port, n=20, length=100, clients=2,
                  flags=(), host="127.0.0.1", timeout=40, peer_host=None):
    """turnutils_uclient relaying through the server (host) to turnutils_peer (on
    peer_host, default host). Returns (ok, summary text): ok when it exits 0 and every
    message came back, 0 lost."""
    import re
    args = ["turnutils_uclient", *flags, "-p", str(server_port), "-e", peer_host or host,
            "-r", str(peer_port), "-u", user, "-w", password, "-n", str(n), "-l", str(length),
            "-m", str(clients), host]
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        out, rc = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode(errors="replace"), "timeout"
    tot = re.findall(r"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)", out)
    lost = re.findall(r"Total lost packets (\d+)", out)
    sent, recv = (int(tot[-1][0]), int(tot[-1][1])) if tot else (None, None)
    nlost = int(lost[-1]) if lost else None
    ok = rc == 0 and sent == n * clients and recv == sent and nlost == 0
    return ok, f"rc={rc} sent={sent} recv={recv} lost={nlost}\n{out}"


def turn_allocate_code(server, user, password, transport="udp", timeout=1.0):
    """One Allocate with long-term credentials from a new client: 0 on success, the
    error code, or None without an answer. The allocation is freed (LIFETIME 0)."""
    with RawTurn(server, transport=transport, username=user, password=password,
                 timeout=timeout) as c:
        r = c.allocate()
        if r is None:
            return None
        if r.cls == C_SUCCESS:
            c.refresh(0)
            return 0
        return r.error


NETNS_SERVER_IP = "198.51.100.1"
NETNS_OTHER_IP = "198.51.100.2"


def _sh_quiet(*args):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=20).returncode == 0


def relay_tap(tap, inner, deadline):
    """Copies the TAP lines of inner (a Popen with stdout piped) into tap, renumbered, until
    it ends or the deadline. Returns (whether it printed a plan, its last test number)."""
    import re
    import selectors
    planned, inner_n, buf = False, 0, b""
    sel = selectors.DefaultSelector()
    sel.register(inner.stdout, selectors.EVENT_READ)
    while time.time() < deadline:
        if not sel.select(timeout=1):
            if inner.poll() is not None:
                break
            continue
        chunk = os.read(inner.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode(errors="replace")
            m = re.match(r"^(?:not )?ok (\d+)", text)
            if m:
                inner_n = int(m.group(1))
                text = re.sub(r"^((?:not )?ok )\d+", lambda mm: f"{mm.group(1)}{tap.n + 1}",
                              text)
                tap.n += 1
                if text.startswith("not ok"):
                    tap.failed += 1
            if re.match(r"^1\.\.\d+", text):
                planned = True
                continue
            print(text, flush=True)
    return planned, inner_n


def netns_tap(tap, script, seconds, args=("--inside",)):
    """Runs `python3 script args` in a new network namespace holding a veth pair
    (NETNS_SERVER_IP/24 and NETNS_OTHER_IP/24, both ends inside, and its own loopback),
    bounded by `seconds`; copies its TAP test points into tap (renumbered), then kills
    whatever still runs in the namespace and removes it. Needs root."""
    ns = f"tern-test-{os.getpid()}"
    made = _sh_quiet("ip", "netns", "add", ns)
    inner = None
    gone = False
    try:
        ok = made and all(_sh_quiet(*c) for c in (
            ("ip", "-n", ns, "link", "set", "lo", "up"),
            ("ip", "-n", ns, "link", "add", "tern0", "type", "veth", "peer", "name", "tern1"),
            ("ip", "-n", ns, "addr", "add", f"{NETNS_SERVER_IP}/24", "dev", "tern0"),
            ("ip", "-n", ns, "addr", "add", f"{NETNS_OTHER_IP}/24", "dev", "tern1"),
            ("ip", "-n", ns, "link", "set", "tern0", "up"),
            ("ip", "-n", ns, "link", "set", "tern1", "up")))
        if not tap.ok(ok, f"network namespace {ns} with a veth pair on 198.51.100.0/24"):
            return
        for _ in range(50):
            out = subprocess.run(["ip", "-n", ns, "-4", "addr"], stdout=subprocess.PIPE,
                                 timeout=5).stdout.decode()
            if NETNS_SERVER_IP in out and "tentative" not in out:
                break
            time.sleep(0.1)
        inner = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable,
                                  os.path.abspath(script), *args],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        deadline = time.time() + seconds
        planned, inner_n = relay_tap(tap, inner, deadline)
        try:
            rc = inner.wait(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            rc = "timeout"
        tap.ok(planned and (rc == 0 or tap.failed > 0),
               f"run inside the namespace completed ({inner_n} checks, exit {rc})")
    finally:
        if inner is not None and inner.poll() is None:
            try:
                os.killpg(inner.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            inner.wait()
        if made:
            # Anything still running in this namespace was started by the test.
            pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                                  timeout=10).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            gone = _sh_quiet("ip", "netns", "del", ns)
        tap.ok(made and gone, f"network namespace {ns} removed")


# ---------------------------------------------------------------------------------------
# A small internet of network namespaces (routers, NATs, hosts) joined by veth pairs, for
# tests that put ternd and its clients on different networks. Needs root, ip and nft.

class NetnsLab:
    """Network namespaces named tern-<tag>-<pid>-<name>, IPv4 only (IPv6 is switched off
    in them), joined by veth pairs; nftables rule sets and processes inside them. Use as a
    context manager: close() kills whatever still runs in them and deletes them, also when
    the test failed half-way. Every command is bounded in time; a failing set-up command
    raises RuntimeError naming it."""

    def __init__(self, tag):
        self.prefix = f"tern-{tag}-{os.getpid()}"
        self.spaces = []
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def reap_stale(self):
        """Deletes namespaces of this tag left by a run that was killed (its pid is gone);
        returns their names."""
        import re
        tag = self.prefix.rsplit("-", 1)[0]
        out = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=10).stdout.decode()
        stale = []
        for ns in re.findall(rf"^({re.escape(tag)}-(\d+)-\S+)", out, re.M):
            if not os.path.exists(f"/proc/{ns[1]}"):
                stale.append(ns[0])
                subprocess.run(["ip", "netns", "del", ns[0]], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=10)
        return stale

    def sh(self, *args, stdin=None, check=True, timeout=20):
        """Runs a command in the root namespace; returns its output (stdout and stderr)."""
        p = subprocess.run(args, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {out.strip()}")
        return out

    def run(self, ns, *args, **kw):
        """Runs a command inside namespace ns (a full name from add())."""
        return self.sh("ip", "netns", "exec", ns, *args, **kw)

    def add(self, name, forward=False):
        """Creates namespace <prefix>-<name> with loopback up; returns its full name."""
        ns = f"{self.prefix}-{name}"
        self.sh("ip", "netns", "add", ns)
        self.spaces.append(ns)
        for key, val in (("net.ipv6.conf.all.disable_ipv6", 1),
                         ("net.ipv6.conf.default.disable_ipv6", 1),
                         ("net.ipv4.ip_forward", int(forward))):
            self.run(ns, "sysctl", "-qw", f"{key}={val}")
        self.sh("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def link(self, ns_a, if_a, cidr_a, ns_b, if_b, cidr_b):
        """A veth pair: if_a in ns_a with address cidr_a, if_b in ns_b with cidr_b; up."""
        self.sh("ip", "-n", ns_a, "link", "add", if_a, "type", "veth", "peer", "name", if_b,
                "netns", ns_b)
        for ns, ifname, cidr in ((ns_a, if_a, cidr_a), (ns_b, if_b, cidr_b)):
            self.sh("ip", "-n", ns, "addr", "add", cidr, "dev", ifname)
            self.sh("ip", "-n", ns, "link", "set", ifname, "up")

    def route(self, ns, dest, via):
        self.sh("ip", "-n", ns, "route", "add", dest, "via", via)

    def nft(self, ns, ruleset):
        """Loads an nftables rule set (nft -f syntax) into namespace ns."""
        self.run(ns, "nft", "-f", "-", stdin=ruleset.encode())

    def nft_counter(self, ns, family, table, name):
        """(packets, bytes) of the named nftables counter, or None."""
        import json
        out = self.run(ns, "nft", "-j", "list", "counter", family, table, name, check=False)
        try:
            for item in json.loads(out).get("nftables", []):
                if "counter" in item:
                    return item["counter"]["packets"], item["counter"]["bytes"]
        except (ValueError, KeyError, AttributeError):
            pass
        return None

    def popen(self, ns, argv, **kw):
        """Starts argv inside ns (ip netns exec execs it: the process is argv itself) in
        its own session; close() kills it if it still runs."""
        p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def close(self):
        """Kills what runs in the namespaces, deletes them; True when all are gone."""
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        gone = True
        for ns in reversed(self.spaces):
            pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, timeout=10).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            gone &= subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=10).returncode == 0
        self.spaces = []
        self.procs = []
        return gone


class JsonLinePeer:
    """A child process that speaks one JSON object per line on stdin/stdout (the test's
    own helper processes, e.g. a client inside a namespace)."""

    def __init__(self, proc, name):
        self.proc = proc
        self.name = name
        self.buf = b""

    def send(self, **obj):
        import json
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()

    def recv(self, seconds):
        """The next object, or None after `seconds` or when the process closed stdout."""
        import json
        import select
        deadline = time.time() + seconds
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return {"error": f"not JSON: {line[:200]!r}"}


# ---------------------------------------------------------------------------------------
# The XDP fast path end to end (README "XDP fast path"): a client, a server and a peer on
# three networks, the server forwarding between them.

CLONE_NEWNET = 0x40000000


def setns_net(path):
    """Moves the calling thread into the network namespace at path (setns(2)): sockets and
    processes it creates from then on live there."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


class XdpLab(NetnsLab):
    """client ns — server ns — peer ns, joined by two veth pairs, IPv4 (and IPv6, fd79:1::/64
    and fd79:2::/64 with the same last digits, when made with v6=True):

        client c0 10.79.1.2 ---- sc 10.79.1.1  server  sp 10.79.2.1 ---- p0 10.79.2.2 peer

    Forwarding is on in the server namespace only (bpf_fib_lookup answers only there), the
    client's and the peer's default routes point at the server. ternd() runs ternd in the
    server namespace listening on SERVER and relaying on RELAY, with xdp-interfaces sc and
    sp (native mode) unless told otherwise: what the program forwards leaves one server veth
    by XDP_REDIRECT into the other.

    Two settings on the far ends of the veths (c0 and p0), both made by build() (ethtool),
    neither needed on a real network, where they are NICs:
      - GRO on. XDP_REDIRECT into a veth hands the frame to the veth's far end without an
        skb: the far end takes it only when NAPI runs on its receive queue, else the veth
        drops it (veth_xdp_xmit: no rq->napi; `ethtool -S sc` counts it as
        rx_queue_0_drops). NAPI runs on a veth's receive side when it has an XDP program or
        GRO is on (`ethtool -K c0 gro on`; veth's default is off); on this kernel (6.18)
        writing /sys/class/net/c0/threaded is refused (EIO) while NAPI is off.
      - TX checksumming off (`ethtool -K c0 tx off`) for the kernel path. A veth sender
        with checksum offload puts only the pseudo-header sum in the UDP checksum
        (CHECKSUM_PARTIAL, finished by nobody on a veth-to-veth path); XDP sees the bytes
        without that flag, so the program recognises that sum and passes the datagram to
        the stack (no-csum), where ternd relays it. With offload off the sender writes the
        full checksum, as a frame from a wire always has.
    The server's own veths get NAPI from the program ternd attaches.

    inside(ns) is a context manager that moves the calling thread into ns: sockets made
    there (RawTurn, an echo) stay in ns after it returns."""

    CLIENT, SERVER, RELAY, PEER = "10.79.1.2", "10.79.1.1", "10.79.2.1", "10.79.2.2"
    CLIENT6, SERVER6, RELAY6, PEER6 = "fd79:1::2", "fd79:1::1", "fd79:2::1", "fd79:2::2"

    def __init__(self, tag, v6=False):
        """With v6, the links also carry IPv6 (the *6 addresses, /64, forwarding on in the
        server namespace) and ternd() listens and relays on both families."""
        super().__init__(tag)
        self.v6 = v6
        self.client = self.srv = self.peer = None

    def build(self):
        """Creates the three namespaces and both links; returns self."""
        self.client, self.peer = self.add("cli"), self.add("peer")
        self.srv = self.add("srv", forward=True)
        if self.v6:
            for ns in (self.client, self.peer, self.srv):
                self.run(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0",
                         "net.ipv6.conf.default.disable_ipv6=0")
            self.run(self.srv, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
        self.link(self.client, "c0", f"{self.CLIENT}/24", self.srv, "sc", f"{self.SERVER}/24")
        self.link(self.srv, "sp", f"{self.RELAY}/24", self.peer, "p0", f"{self.PEER}/24")
        self.sh("ip", "-n", self.client, "route", "add", "default", "via", self.SERVER)
        self.sh("ip", "-n", self.peer, "route", "add", "default", "via", self.RELAY)
        if self.v6:
            for ns, ifname, addr in ((self.client, "c0", self.CLIENT6),
                                     (self.srv, "sc", self.SERVER6),
                                     (self.srv, "sp", self.RELAY6), (self.peer, "p0", self.PEER6)):
                self.sh("ip", "-n", ns, "addr", "add", f"{addr}/64", "dev", ifname, "nodad")
            self.sh("ip", "-n", self.client, "-6", "route", "add", "default", "via", self.SERVER6)
            self.sh("ip", "-n", self.peer, "-6", "route", "add", "default", "via", self.RELAY6)
        for ns, ifname in ((self.client, "c0"), (self.peer, "p0")):
            self.run(ns, "ethtool", "-K", ifname, "gro", "on", "tx", "off")
        return self

    def inside(self, ns):
        import contextlib

        @contextlib.contextmanager
        def moved():
            home = os.open("/proc/self/ns/net", os.O_RDONLY)
            try:
                setns_net(f"/var/run/netns/{ns}")
                yield
            finally:
                setns_net(f"/proc/self/fd/{home}")
                os.close(home)
        return moved()

    def ternd(self, *extra, xdp=True, mode="native", port=None, threads=2):
        """ternd started in the server namespace (waits until it answers from the client
        namespace); with xdp, attached to sc and sp. Its /metrics listens on 127.0.0.1 of
        the server namespace, port d.metrics_port (see metrics())."""
        mport = free_port()
        args = [f"--listening-ip={self.SERVER}", f"--relay-ip={self.RELAY}",
                f"--realm={TURN_REALM}", f"--user={TURN_USER}:{TURN_PASSWORD}",
                f"--allowed-peer-ip={self.PEER}", "--prometheus", f"--prometheus-port={mport}",
                "--prometheus-address=127.0.0.1"]
        if self.v6:
            args += [f"--listening-ip={self.SERVER6}", f"--relay-ip={self.RELAY6}",
                     f"--allowed-peer-ip={self.PEER6}"]
        if xdp:
            args += ["--xdp-interfaces=sc", "--xdp-interfaces=sp", f"--xdp-mode={mode}"]
        d = Ternd(*args, *extra, port=port, threads=threads)
        d.args = ["ip", "netns", "exec", self.srv] + d.args
        d.metrics_port = mport
        d.start(wait=False)
        deadline = time.time() + 10
        with self.inside(self.client):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            while d.alive() and time.time() < deadline:
                if udp_binding(self.SERVER, d.port, timeout=0.2, sock=s)[0] is not None:
                    return d
        finally:
            s.close()
        d.stop()
        raise RuntimeError("ternd did not answer:\n" + d.output())

    def metrics(self, d):
        """{sample name with labels: value} of ternd d's /metrics (in the server namespace),
        {} when it does not answer."""
        import re
        with self.inside(self.srv):
            status, text = http_get(d.metrics_port, "/metrics")
        if status != 200:
            return {}
        return {m.group(1): float(m.group(2)) for m in
                re.finditer(r"^(tern_\S+) ([0-9.e+]+)$", text, re.M)}

    def relayed(self, d):
        """{(unit, direction, path): value or None} of ternd d's tern_relay_packets_total
        and tern_relay_bytes_total (unit "packets" or "bytes", direction "to_peer" or
        "to_client", path "user" or "kernel")."""
        m = self.metrics(d)
        return {(u, w, p): m.get(f'tern_relay_{u}_total{{direction="{w}",path="{p}"}}')
                for u in ("packets", "bytes") for w in ("to_peer", "to_client")
                for p in ("user", "kernel")}

    def xdp_prog(self, ifname="sc"):
        """The id of the XDP program attached to ifname in the server namespace, or None."""
        import json
        out = self.sh("ip", "-n", self.srv, "-j", "-d", "link", "show", ifname)
        try:
            xdp = json.loads(out)[0].get("xdp") or {}
        except (ValueError, IndexError):
            return None
        return xdp.get("prog", {}).get("id") or xdp.get("attached", [{}])[0].get("prog",
                                                                                 {}).get("id")

    def maps(self, prog_id):
        """{map name: map id} of program prog_id (bpftool)."""
        import json
        info = json.loads(self.sh("bpftool", "-j", "prog", "show", "id", str(prog_id)))
        out = {}
        for mid in info.get("map_ids", []):
            m = json.loads(self.sh("bpftool", "-j", "map", "show", "id", str(mid)))
            out[m.get("name")] = mid
        return out

    def map_dump(self, map_id):
        """The entries of map map_id as bpftool -j prints them (formatted when it has BTF)."""
        import json
        return json.loads(self.sh("bpftool", "-j", "map", "dump", "id", str(map_id)) or "[]")

    def stats(self):
        """tern_stats of the program on sc, summed over the CPUs: a list indexed by enum
        tern_xdp_stat (src/xdp/xdp_maps.h), or None without a program there."""
        prog = self.xdp_prog("sc")
        if prog is None:
            return None
        out = [0] * len(XDP_STATS)
        for e in self.map_dump(self.maps(prog)["tern_stats"]):
            f = e["formatted"]
            if f["key"] < len(out):
                out[f["key"]] = sum(v["value"] for v in f["values"])
        return out

    def entries(self, name):
        """The formatted entries ({"key", "value"}) of the program's map name on sc."""
        prog = self.xdp_prog("sc")
        if prog is None:
            return []
        return [e["formatted"] for e in self.map_dump(self.maps(prog)[name])]


# enum tern_xdp_stat (src/xdp/xdp_maps.h), in order.
XDP_STATS = ("forwarded", "malformed", "vlan", "not-ip", "fragment", "ip-options", "ipv6-ext",
             "not-udp", "bad-len", "no-csum", "not-turn", "send-shape", "dont-fragment",
             "miss", "stale", "throttled", "mtu", "no-route", "fingerprint")


def xdp_ep(ep):
    """'a.b.c.d:port' or '[v6]:port' from a formatted struct tern_xdp_ep (port in network
    order), as ep_str() spells a socket address."""
    import ipaddress
    p = ep["port"]
    port = ((p & 0xff) << 8) | (p >> 8)
    if ep["family"] == 4:
        return ep_str(("%d.%d.%d.%d" % tuple(ep["addr"][:4]), port))
    return ep_str((str(ipaddress.IPv6Address(bytes(ep["addr"]))), port))


def ep_str(addr):
    """'a.b.c.d:port' or '[v6]:port' of a socket address (host, port, ...)."""
    return f"[{addr[0]}]:{addr[1]}" if ":" in addr[0] else f"{addr[0]}:{addr[1]}"
