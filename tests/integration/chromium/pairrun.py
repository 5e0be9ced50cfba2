"""A call between two browsers in two network namespaces (chromium/pair.html): the offerer
relays only through a TURN server, the answerer has its host candidates only, so every
packet of the call crosses the TURN server's relay, from the client's network to the
peer's. Each browser is served by an HTTP server of this process on 127.0.0.1 of its own
namespace; the two servers share a mailbox through which the pages signal (offer,
answer, candidates). Bounded: every wait has a deadline and both browsers' process groups
are stopped at the end.

    res = run_pair(enter, client_ns, peer_ns, turn_url, user, cred, n=50, timeout=40)

enter(ns) is a context manager that moves the calling thread into namespace ns
(ternlib.XdpLab.inside). The offerer is headless Chromium, or client_browser(url,
profile) -> (argv, env) (firefox.firefox_command); the answerer is Chromium without mDNS
host names (the offerer, in another namespace, could not resolve them)."""

import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse

from pagerun import QuietHandler, _stop_group, chromium_binary

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "pair.html")


class _Handler(QuietHandler):
    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        box = self.server.box
        if path == "/pair.html":
            with open(PAGE, "rb") as f:
                self._reply(200, f.read(), "text/html; charset=utf-8")
        elif path == "/signal":
            with box["lock"]:
                msgs, box[self.server.role] = box[self.server.role], []
            self._reply(200, json.dumps(msgs).encode(), "application/json")
        else:
            self._reply(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(min(n, 1 << 20)))
        except ValueError:
            data = {"ok": False, "error": "unparsable"}
        box = self.server.box
        other = "answer" if self.server.role == "offer" else "offer"
        with box["lock"]:
            if self.path == "/signal":
                box[other].append(data)
            elif self.path == "/result":
                box["results"].setdefault(self.server.role, data)
        self._reply(204)


def _chromium(url, profile, mdns):
    args = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-default-apps", "--disable-domain-reliability",
            "--disable-features=MediaRouter,OptimizationHints" +
            ("" if mdns else ",WebRtcHideLocalIpsWithMdns"),
            "--disable-dev-shm-usage", "--mute-audio", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0", url]
    return args, None


def run_pair(enter, client_ns, peer_ns, turn_url, user, cred, n=50, timeout=40,
             client_browser=None, log_path=None):
    """Returns ({"offer": result, "answer": result} (missing keys: no result), seconds)."""
    box = {"lock": threading.Lock(), "offer": [], "answer": [], "results": {}}
    servers, procs, profiles = [], [], []
    logf = open(log_path or os.devnull, "ab")
    t0 = time.time()
    try:
        for role, ns in (("answer", peer_ns), ("offer", client_ns)):
            with enter(ns):
                srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            srv.role, srv.box = role, box
            servers.append(srv)
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                             daemon=True).start()
            query = {"role": role, "n": n, "timeout": int(max(5, timeout - 10) * 1000)}
            if role == "offer":
                query.update(turn=turn_url, user=user, cred=cred)
            url = (f"http://127.0.0.1:{srv.server_address[1]}/pair.html?"
                   f"{urllib.parse.urlencode(query)}")
            profile = tempfile.mkdtemp(prefix="tern-pair.")
            profiles.append(profile)
            browser = client_browser if role == "offer" and client_browser else None
            argv, env = browser(url, profile) if browser else _chromium(url, profile, False)
            with enter(ns):
                procs.append(subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=env,
                                              start_new_session=True))
        deadline = t0 + timeout
        while time.time() < deadline and len(box["results"]) < 2:
            if any(p.poll() is not None for p in procs):
                break
            time.sleep(0.2)
        return dict(box["results"]), time.time() - t0
    finally:
        for p in procs:
            _stop_group(p)
        logf.close()
        for srv in servers:
            srv.shutdown()
            srv.server_close()
        for profile in profiles:
            shutil.rmtree(profile, ignore_errors=True)
