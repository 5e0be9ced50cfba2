"""Loads chromium/turn.html in a headless Chromium and returns what the page POSTs back.

run_page() serves the page from 127.0.0.1 (a secure context), starts Chromium with a
fresh profile and no background networking, waits (bounded) for the page's POST to
/result, then stops Chromium's whole process group. Run it inside the network namespace
that holds the TURN server: Chromium gathers no candidates with loopback alone.

Standalone: python3 pagerun.py 'turn:198.51.100.1:3478?transport=udp' USER PASSWORD"""

import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "turn.html")


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A page server's handler: no request log, and _reply for a whole response."""

    def log_message(self, *args):
        pass

    def _reply(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Handler(QuietHandler):
    def do_GET(self):
        if urllib.parse.urlsplit(self.path).path != "/turn.html":
            self.send_error(404)
            return
        with open(PAGE, "rb") as f:
            self._reply(200, f.read(), "text/html; charset=utf-8")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(min(n, 1 << 20))
        if self.path == "/result" and self.server.result is None:
            try:
                self.server.result = json.loads(data)
            except ValueError:
                self.server.result = {"ok": False, "error": "unparsable result"}
            self.server.done.set()
        self.send_response(204)
        self.end_headers()

    def do_OPTIONS(self):
        self.send_response(204)
        self.end_headers()


def _stop_group(proc):
    """Stops the process group that proc leads (Chromium and its helpers)."""
    if proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 3)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)     # leftover helpers, if any
        except ProcessLookupError:
            pass


def run_page(turn_url, user, cred, n=20, timeout=60, log_path=None, extra_args=(),
             home=None, browser=None):
    """Returns (result dict or None, seconds taken). Bounded by `timeout` seconds.
    extra_args are added to Chromium's command line; home, when given, is Chromium's
    $HOME (where it reads the user's NSS database, see trust_ca()). browser, when given,
    runs another browser instead: browser(url, profile_dir) returns (argv, env or None)
    (see firefox.py)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.result = None
    server.done = threading.Event()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    profile = tempfile.mkdtemp(prefix="tern-chromium.")
    query = urllib.parse.urlencode({"turn": turn_url, "user": user, "cred": cred, "n": n,
                                    "timeout": int(max(5, timeout - 15) * 1000)})
    url = f"http://127.0.0.1:{server.server_address[1]}/turn.html?{query}"
    args = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-features=MediaRouter,OptimizationHints",
            "--metrics-recording-only", "--disable-dev-shm-usage", "--mute-audio",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            *extra_args, url]
    env = dict(os.environ, HOME=home) if home else None
    if browser is not None:
        args, env = browser(url, profile)
    logf = open(log_path or os.devnull, "ab")
    t0 = time.time()
    proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        deadline = t0 + timeout
        while time.time() < deadline and not server.done.is_set():
            if proc.poll() is not None:
                break
            server.done.wait(0.2)
        return server.result, time.time() - t0
    finally:
        _stop_group(proc)
        logf.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)


def check_relayed(tap, what, res, secs, log_path, n, relay_protocol, relay_ip, url=None):
    """TAP checks on a run of the page that must succeed: it reported back, the data
    channel opened and carried n messages each way intact and in order, each peer's
    selected candidate pair is relay <-> relay with both relayed addresses on relay_ip,
    the local candidate reaches the server over relay_protocol (and came from url, when
    given), and only relay candidates were gathered."""
    if res:
        diag = json.dumps(res, indent=1)
    else:
        with open(log_path or os.devnull, errors="replace") as f:
            diag = f.read()
    if not tap.ok(res is not None, f"{what}: the page reported back ({secs:.1f}s)", diag):
        return
    tap.ok(res.get("ok") is True, f"{what}: data channel opened over TURN", diag)
    tap.ok(res.get("bReceivedAll") is True,
           f"{what}: {n} messages A->B arrived intact and in order")
    tap.ok(res.get("aReceivedAll") is True,
           f"{what}: {n} echoes B->A arrived intact and in order")
    for side in ("a", "b"):
        pair = res.get(side) or {}
        local, remote = pair.get("local") or {}, pair.get("remote") or {}
        tap.ok(local.get("candidateType") == "relay" and
               remote.get("candidateType") == "relay",
               f"{what}: peer {side.upper()} selected pair is relay <-> relay "
               f"({local.get('candidateType')} <-> {remote.get('candidateType')})",
               json.dumps(pair))
        tap.ok(local.get("relayProtocol") == relay_protocol,
               f"{what}: peer {side.upper()} reaches the server over {relay_protocol} "
               f"(relayProtocol {local.get('relayProtocol')})")
        if url is not None:
            tap.ok(local.get("url") == url,
                   f"{what}: peer {side.upper()} local candidate is from {url}",
                   json.dumps(local))
        tap.ok(local.get("address") == relay_ip and remote.get("address") == relay_ip,
               f"{what}: peer {side.upper()} both relayed addresses are on {relay_ip}",
               json.dumps(pair))
    cands = (res.get("candidates") or {})
    # "" is Firefox's end-of-candidates (RFC 8838), not a candidate.
    allc = [c for c in cands.get("a", []) + cands.get("b", []) if c]
    tap.ok(allc and all(" typ relay " in c for c in allc),
           f"{what}: only relay candidates gathered ({len(allc)})", "\n".join(allc))


def trust_ca(home, ca_pem, nickname="ternca"):
    """Makes a new NSS database at home/.pki/nssdb (where Chromium on Linux reads the
    user's certificates) holding ca_pem as a trusted root for TLS servers ("C,,"), as a
    user of a real deployment would add a private CA. Returns certutil's output on
    failure, None on success."""
    db = os.path.join(home, ".pki", "nssdb")
    os.makedirs(db, mode=0o700, exist_ok=True)
    for args in (["-N", "--empty-password"], ["-A", "-t", "C,,", "-n", nickname, "-i", ca_pem]):
        r = subprocess.run(["certutil", "-d", f"sql:{db}", *args], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=20)
        if r.returncode != 0:
            return f"certutil {' '.join(args)}: {r.stdout.decode(errors='replace')}"
    return None


if __name__ == "__main__":
    res, secs = run_page(sys.argv[1], sys.argv[2], sys.argv[3], log_path="/dev/stderr")
    print(json.dumps(res, indent=1), f"\n{secs:.1f}s")
