"""Helpers for Tern's integration tests: start a real ternd on private ports, talk to it
with independent clients, and report results as TAP.

Run with Debian's /usr/bin/python3 (it has python3-aioice). The ternd binary comes from
$TERND (scripts/test.sh sets it), else the release build."""

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

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
