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
import sys

from pagerun import chromium_binary
from ternlib import NETNS_OTHER_IP, NETNS_SERVER_IP, netns_tap

# The addresses of the veth pair ternlib.netns_tap makes (both ends in the namespace).
SERVER_IP, OTHER_IP = NETNS_SERVER_IP, NETNS_OTHER_IP


def _outside(tap, title, seconds, needs):
    """Skips (and exits) without what the run needs; else runs this script with --inside
    in a namespace of its own (ternlib.netns_tap), which it removes afterwards."""
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
    netns_tap(tap, sys.argv[0], seconds)


def main(inside, title, seconds, needs=()):
    """Runs inside() in the namespace (with --inside) or sets the namespace up and runs
    this script there (without). Exits with the TAP result either way."""
    if "--inside" in sys.argv:
        inside()
        return
    from ternlib import Tap

    tap = Tap()
    _outside(tap, title, seconds, needs)
    tap.done()
