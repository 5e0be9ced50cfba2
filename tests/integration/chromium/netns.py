"""Runs a Chromium test inside a network namespace of its own and relays its TAP output.

Chromium gathers no ICE candidates when its only interface is loopback, so a test that
drives WebRTC creates a namespace with a veth pair (198.51.100.1/24 and .2/24, both ends
inside it), runs itself there with --inside (the TURN server, the page server and
Chromium all live in the namespace), and removes the namespace at the end. No traffic
leaves the namespace.

    from netns import main
    main(inside, "WebRTC relay through TURN", seconds=180, needs=("certutil",))

main() calls inside() when the script runs in the namespace; outside it, it checks the
prerequisites (root, ip, chromium and each program in needs; any missing one is a TAP
skip), builds the namespace, runs the script in it bounded by `seconds`, renumbers its
test points into its own TAP stream, and kills whatever is left in the namespace."""

import os
import shutil
import signal
import subprocess
import sys
import time

from pagerun import chromium_binary
from ternlib import relay_tap

SERVER_IP = "198.51.100.1"
OTHER_IP = "198.51.100.2"


def _sh(*args):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=20).returncode == 0


def _make(ns):
    """Creates the namespace's links and addresses; returns False if any step fails."""
    ok = all(_sh(*c) for c in (
        ("ip", "-n", ns, "link", "set", "lo", "up"),
        ("ip", "-n", ns, "link", "add", "tern0", "type", "veth", "peer", "name", "tern1"),
        ("ip", "-n", ns, "addr", "add", f"{SERVER_IP}/24", "dev", "tern0"),
        ("ip", "-n", ns, "addr", "add", f"{OTHER_IP}/24", "dev", "tern1"),
        ("ip", "-n", ns, "link", "set", "tern0", "up"),
        ("ip", "-n", ns, "link", "set", "tern1", "up")))
    # Wait (bounded) for the addresses to leave the tentative state.
    for _ in range(50):
        out = subprocess.run(["ip", "-n", ns, "-4", "addr"], stdout=subprocess.PIPE,
                             timeout=5).stdout.decode()
        if SERVER_IP in out and "tentative" not in out:
            break
        time.sleep(0.1)
    return ok


def _outside(tap, title, seconds, needs):
    why = None
    if os.geteuid() != 0:
        why = "needs root for ip netns"
    elif not shutil.which("ip"):
        why = "no ip (iproute2)"
    elif not chromium_binary():
        why = "no chromium"
    else:
        missing = [p for p in needs if not shutil.which(p)]
        if missing:
            why = "no " + ", ".join(missing)
    if why:
        tap.skip(title, why)
        tap.done()

    ns = f"tern-test-{os.getpid()}"
    made = _sh("ip", "netns", "add", ns)
    inner = None
    gone = False
    try:
        if not tap.ok(made and _make(ns),
                      f"network namespace {ns} with a veth pair on 198.51.100.0/24"):
            return made, gone
        script = os.path.abspath(sys.argv[0])
        inner = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, script,
                                  "--inside"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        deadline = time.time() + seconds
        planned, inner_n = relay_tap(tap, inner, deadline)
        try:
            rc = inner.wait(timeout=max(1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            rc = "timeout"
        tap.ok(planned and rc == 0 or (planned and tap.failed > 0),
               f"run inside the namespace completed ({inner_n} checks, exit {rc})")
    finally:
        if inner is not None and inner.poll() is None:
            try:
                os.killpg(inner.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            inner.wait()
        if made:
            # Anything still running in our namespace was started by this test.
            pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                                  timeout=10).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            gone = _sh("ip", "netns", "del", ns)
    return made, gone


def main(inside, title, seconds, needs=()):
    """Runs inside() in the namespace (with --inside) or sets the namespace up and runs
    this script there (without). Exits with the TAP result either way."""
    if "--inside" in sys.argv:
        inside()
        return
    from ternlib import Tap

    tap = Tap()
    made, gone = _outside(tap, title, seconds, needs)
    tap.ok(made and gone, "network namespace removed")
    tap.done()
