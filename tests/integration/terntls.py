"""Helpers for Tern's TLS integration tests: a TURN server with TLS on (ternd from $TERND,
or Debian's coturn turnserver with TURN_SERVER_IMPL=coturn to check the tests themselves),
a test PKI, a TLS Binding client on Python's ssl module, `openssl s_client` runs parsed
into their findings, a ClientHello made by the ssl module, and log-line matchers.

The log patterns accept ternd's "<time> LEVEL tls: certificate ..." as well as a bare
"tls certificate ...": the specification names the words, not the module prefix."""

import os
import re
import socket
import ssl
import subprocess
import tempfile
import time

from ternlib import (COTURN_DENIED_PEERS, TMP, TURN_IMPL, TURN_PASSWORD, TURN_REALM,
                     TURN_USER, Ternd, TurnServer, binding_request, free_port, tcp_read_stun)
from ternpki import Pki

# The server's default certificate: CN and DNS SAN turn.test, IP SANs 127.0.0.1 and ::1.
DEFAULT_NAME = "turn.test"

RE_HS_FAILED = re.compile(r"\btls:? handshake failed\b")
RE_CERT_LOADED = re.compile(r"\btls:? certificate\b.*\bsubject=")


def make_pki(tag="pki"):
    """A fresh Pki in the test's directory and the default certificate (cert, key)."""
    pki = Pki(tempfile.mkdtemp(prefix=f"{tag}.", dir=TMP))
    cert, key = pki.server(DEFAULT_NAME, ips=["127.0.0.1", "::1"], serial=1, tag="default")
    return pki, cert, key


class TlsServer(TurnServer):
    """A TURN server with TLS: long-term user demo:demo-test-pw in realm tern.test,
    loopback peers allowed, listening on 127.0.0.1 on a private plain port (UDP and TCP,
    TCP also sniffing TLS) and a private TLS port. `extra` is passed verbatim (use
    --name=value; coturn ignores a separate value for some options). config: the text of a
    ternd configuration file (ternd only). Use as a context manager."""

    def __init__(self, cert, key, extra=(), impl=None, config=None, port=None, tls_port=None,
                 coturn_legacy_off=True, env=None, tls=True):
        self.impl = impl or TURN_IMPL
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.tls_port = tls_port or free_port()
        while self.tls_port in (self.port, self.port + 1) or self.port == self.tls_port + 1:
            self.tls_port = free_port()
        common = [f"--realm={TURN_REALM}", "--lt-cred-mech", f"--user={TURN_USER}:{TURN_PASSWORD}",
                  "--allow-loopback-peers", f"--tls-listening-port={self.tls_port}"]
        if cert is not None:
            common.append(f"--cert={cert}")
        if key is not None:
            common.append(f"--pkey={key}")
        self.ternd = None
        self.proc = None
        self.tls_listens = tls  # False: no TLS listener expected (readiness skips it)
        if self.impl == "ternd":
            self.ternd = Ternd(f"--listening-ip={self.host}", *common, *extra, port=self.port,
                               config=config, env=env)
            self.log = self.ternd.log
            self.args = self.ternd.args
        elif self.impl == "coturn":
            d = tempfile.mkdtemp(prefix=f"coturn-{self.port}.", dir=TMP)
            conf = os.path.join(d, "empty.conf")
            open(conf, "w").close()
            self.log = os.path.join(d, "turnserver.log")
            # TLS 1.0 and 1.1 off, as ternd has them (coturn_legacy_off); coturn then leaves
            # such a ClientHello unanswered, where ternd sends an alert.
            legacy = ["--no-tlsv1", "--no-tlsv1_1"] if coturn_legacy_off else []
            self.args = ["turnserver", "-c", conf, "--userdb", os.path.join(d, "users.sqlite"),
                         "--pidfile", os.path.join(d, "turnserver.pid"), "--no-cli",
                         "--no-dtls", "--no-rfc5780", "--log-file", "stdout", "-L", self.host,
                         "-p", str(self.port), "--min-port=49152", "--max-port=65535",
                         *legacy, *common, *extra]
            self.args += [f"--denied-peer-ip={r}" for r in COTURN_DENIED_PEERS]
        else:
            raise ValueError(f"TURN_SERVER_IMPL={self.impl}: want ternd or coturn")

    @property
    def tls_addr(self):
        return (self.host, self.tls_port)

    def __enter__(self):
        return self.start()

    def launch(self):
        """Starts the process without waiting for it (for start-up failures)."""
        if self.ternd:
            self.ternd.start(wait=False)
            self.proc = self.ternd.proc
        else:
            self.logf = open(self.log, "ab")
            self.proc = subprocess.Popen(self.args, stdout=self.logf, stderr=subprocess.STDOUT)
        return self

    def start(self):
        self.launch()
        if not self.wait_ready():
            if self.alive():
                self.stop()
            raise RuntimeError(f"{self.impl} did not answer:\n" + self.output()[-4000:])
        return self

    def wait_exit(self, seconds=10):
        """The exit code of a server expected to stop by itself, or None if it still runs
        after `seconds` (then it is killed)."""
        try:
            rc = self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.stop()
            return None
        if self.ternd:
            self.ternd.logf.close()
        else:
            self.logf.close()
        return rc


def client_context(ca, alpn=None, minimum=None, maximum=None):
    """An ssl client context that trusts only the test CA (and checks the host name)."""
    ctx = ssl.create_default_context(cafile=ca)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def tls_connect(addr, ctx, server_hostname=None, timeout=3.0, source=None, session=None):
    """A TLS connection (an ssl.SSLSocket, handshake done) from source to addr."""
    raw = socket.create_connection(addr, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    try:
        return ctx.wrap_socket(raw, server_hostname=server_hostname or addr[0],
                               session=session)
    except BaseException:
        raw.close()
        raise


def tls_binding(addr, ca, server_hostname=None, timeout=3.0, source=None):
    """A Binding request over a new TLS connection verified against ca (the host name
    checked is server_hostname, else addr's IP; SNI is sent only for a name). Returns
    (response or None, details dict with version, peer subject CN, or error)."""
    ctx = client_context(ca)
    info = {}
    try:
        raw = socket.create_connection(addr, timeout=timeout,
                                       source_address=(source, 0) if source else None)
    except OSError as e:
        info["error"] = f"connect: {e!r}"
        return None, info
    try:
        with ctx.wrap_socket(raw, server_hostname=server_hostname or addr[0]) as s:
            info["version"] = s.version()
            info["local"] = s.getsockname()[:2]
            subj = dict(x[0] for x in s.getpeercert().get("subject", ()))
            info["cn"] = subj.get("commonName")
            req = binding_request()
            s.sendall(bytes(req))
            resp = tcp_read_stun(s)
            if resp.transaction_id != req.transaction_id:
                info["error"] = "transaction ID mismatch"
                return None, info
            return resp, info
    except (OSError, ssl.SSLError, ConnectionError, ValueError) as e:
        info["error"] = repr(e)
        return None, info
    finally:
        raw.close()


def binding_ok(resp, info):
    """True for a Binding success response whose XOR-MAPPED-ADDRESS is the client's own
    address and port (info from tls_binding)."""
    if resp is None:
        return False
    mapped = resp.attributes.get("XOR-MAPPED-ADDRESS")
    return (resp.message_class.name == "RESPONSE" and mapped is not None
            and tuple(mapped[:2]) == tuple(info.get("local", ())))


def client_hello(server_hostname=DEFAULT_NAME, alpn=("stun.turn",)):
    """The bytes of a real TLS ClientHello (TLS 1.2 and 1.3 offered) as Python's ssl module
    writes it, without a socket."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=server_hostname)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


class SClient:
    """One `openssl s_client` run: rc, the output, and what it found."""

    def __init__(self, rc, out):
        self.rc = rc
        self.out = out

    def _find(self, pattern):
        m = re.search(pattern, self.out, re.M)
        return m.group(1).strip() if m else None

    @property
    def protocol(self):
        """The negotiated protocol ("TLSv1.3"), None without a session."""
        cipher = self._find(r"^New, (\S+), Cipher is (?!\(NONE\))")
        return cipher if cipher else None

    @property
    def established(self):
        return self.protocol is not None

    @property
    def verify_code(self):
        v = self._find(r"Verify return code: (\d+)")
        return None if v is None else int(v)

    @property
    def subject(self):
        """The peer certificate's subject line ("CN = turn.test")."""
        return self._find(r"^subject=(.*)$")

    @property
    def alpn(self):
        """The ALPN protocol selected, "" when none was negotiated, None if not printed."""
        if re.search(r"^No ALPN negotiated", self.out, re.M):
            return ""
        return self._find(r"^ALPN protocol: (.*)$")

    @property
    def written(self):
        """Bytes the client wrote during the handshake (its ClientHello), or None."""
        v = self._find(r"SSL handshake has read \d+ bytes and written (\d+) bytes")
        return None if v is None else int(v)

    @property
    def server_alert(self):
        """The alert the server sent, as OpenSSL names it ("protocol version"), or None."""
        return self._find(r"(?:tlsv1|ssl/tls|sslv3) alert ([a-z ]+?)(?::|$)")

    def __repr__(self):
        return (f"<s_client rc={self.rc} protocol={self.protocol} verify={self.verify_code} "
                f"subject={self.subject!r} alpn={self.alpn!r} alert={self.server_alert!r}>")


def s_client(addr, *opts, ca=None, timeout=15, stdin=b"", hold=0):
    """Runs `openssl s_client -connect addr opts`, writes stdin to it and, after `hold`
    seconds unless it ended sooner, closes its stdin: at EOF it quits (it handshakes and
    prints the session first). s_client's commands ("R" renegotiates) need the EOF to come
    later than the command, hence hold. With ca: -CAfile ca -verify_return_error."""
    host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
    args = ["openssl", "s_client", "-connect", f"{host}:{addr[1]}"]
    if ca:
        args += ["-CAfile", ca, "-verify_return_error"]
    args += list(opts)
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        if stdin:
            p.stdin.write(stdin)
            p.stdin.flush()
        if hold:
            try:
                p.wait(hold)
            except subprocess.TimeoutExpired:
                pass
        out, _ = p.communicate(timeout=timeout)
        return SClient(p.returncode, out.decode(errors="replace"))
    except (subprocess.TimeoutExpired, BrokenPipeError):
        p.kill()
        out, _ = p.communicate()
        return SClient("timeout", out.decode(errors="replace"))


def closed_by_server(s, within):
    """Seconds until the server closed s (EOF or reset; data is read past), or None if it
    is still open after `within` seconds."""
    t0 = time.time()
    deadline = t0 + within
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            if s.recv(4096) == b"":
                return time.time() - t0
        except socket.timeout:
            return None
        except OSError:
            return time.time() - t0
    return None


def count_lines(text, pattern):
    return sum(1 for line in text.splitlines() if pattern.search(line))
