"""A long WebRTC call through TURN in a headless Chromium (chromium/call.html), steered
from the test: CallPage starts it, reports its progress (messages sent and echoed back
over the relayed data channel) and ends it on request (both RTCPeerConnections closed,
which releases their TURN allocations). Run it inside the network namespace that holds
the TURN server (see netns.py). Bounded: every wait has a deadline, and close() stops
Chromium's whole process group."""

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
PAGE = os.path.join(HERE, "call.html")


class _Handler(QuietHandler):
    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/call.html":
            with open(PAGE, "rb") as f:
                self._reply(200, f.read(), "text/html; charset=utf-8")
        elif path == "/cmd":
            self._reply(200, b"stop" if self.server.stop else b"run")
        else:
            self._reply(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(min(n, 1 << 16)))
        except ValueError:
            data = None
        if self.path == "/progress" and isinstance(data, dict):
            self.server.progress = data
        elif self.path == "/result" and isinstance(data, dict):
            self.server.result = data
            self.server.done.set()
        self._reply(204)


class CallPage:
    def __init__(self, turn_url, user, cred, log_path=None):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.progress = {}
        self.server.result = None
        self.server.stop = False
        self.server.done = threading.Event()
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        self.profile = tempfile.mkdtemp(prefix="tern-chromium.")
        query = urllib.parse.urlencode({"turn": turn_url, "user": user, "cred": cred})
        url = f"http://127.0.0.1:{self.server.server_address[1]}/call.html?{query}"
        args = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps",
                "--disable-features=MediaRouter,OptimizationHints",
                "--disable-dev-shm-usage", "--mute-audio", f"--user-data-dir={self.profile}",
                "--enable-logging=stderr", "--v=0", url]
        self.logf = open(log_path or os.devnull, "ab")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def progress(self):
        return dict(self.server.progress)

    def wait_echoed(self, n, seconds):
        """Waits until at least n echoes came back; returns the progress."""
        deadline = time.time() + seconds
        while time.time() < deadline and self.proc.poll() is None:
            if self.progress.get("echoed", 0) >= n:
                break
            time.sleep(0.1)
        return self.progress

    def end_call(self, seconds=10):
        """Asks the page to close both connections; returns its final state or None."""
        self.server.stop = True
        self.server.done.wait(seconds)
        return self.server.result

    def close(self):
        _stop_group(self.proc)
        self.logf.close()
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
