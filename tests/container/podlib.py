"""Helpers for the container tests (tests/container/test_*): podman with the flags this
kind of machine needs (build: --isolation chroot, run: --runtime runc), the debian:12
base from scripts/container-base.sh, timing of each step, and coturn's client tools
against what runs inside. Reuses tests/integration/ternlib.py (TAP, free ports)."""

import os
import re
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from ternlib import TMP, TOP, Tap, free_port, udp_binding  # noqa: E402,F401

def _ulimits():
    """podman's default limits (nofile 1048576, nproc 32768) are raised from the caller's,
    which a VM that forbids raising hard limits refuses ("error setting rlimits"): ask for
    at most the limits we have."""
    out = []
    for name, res, want in (("nofile", resource.RLIMIT_NOFILE, 1048576),
                            ("nproc", resource.RLIMIT_NPROC, 32768)):
        hard = resource.getrlimit(res)[1]
        n = want if hard == resource.RLIM_INFINITY else min(hard, want)
        out += ["--ulimit", f"{name}={n}:{n}"]
    return out


RUN_FLAGS = ["--runtime", "runc", *_ulimits()]
# docker format: the OCI image format has no HEALTHCHECK (podman drops it with a warning).
BUILD_FLAGS = ["--isolation", "chroot", "--network", "host", "--pull=never", "--format", "docker"]


def sh(args, timeout=60, **kw):
    """Runs args; (returncode or "timeout", stdout+stderr as text)."""
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, **kw)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return "timeout", (e.stdout or b"").decode(errors="replace")


def timed(tap, what, args, timeout):
    """Runs args as one step, printing its time as a TAP comment; (rc, output)."""
    t0 = time.monotonic()
    rc, out = sh(args, timeout=timeout)
    print(f"# {what}: {time.monotonic() - t0:.0f} s", flush=True)
    return rc, out


def usable(tap):
    """Skips everything (and exits) when podman cannot run here: not root or no podman."""
    why = None
    if os.geteuid() != 0:
        why = "needs root (podman with runc, debootstrap)"
    elif not shutil.which("podman") or not shutil.which("debootstrap"):
        why = "podman or debootstrap missing (scripts/install-deps.sh --test)"
    if why:
        print(f"1..0 # SKIP {why}", flush=True)
        sys.exit(0)


def base(tap):
    """The debian:12 and debian:12-slim images (made once, then cached)."""
    rc, out = timed(tap, "container-base.sh", [os.path.join(TOP, "scripts/container-base.sh")],
                    timeout=900)
    return tap.ok(rc == 0, "debian:12 base images present (scripts/container-base.sh)", out)


def rm(name):
    """Removes container name (running or not); never fails."""
    sh(["podman", "rm", "-f", "-t", "0", name], timeout=60)


def wait_binding(port, seconds=20):
    """True once 127.0.0.1:port answers a STUN Binding over UDP."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if udp_binding("127.0.0.1", port, timeout=0.5):
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def stunclient(tap, port):
    """A Binding with turnutils_stunclient (Debian coturn) to 127.0.0.1:port."""
    rc, out = sh(["turnutils_stunclient", "-p", str(port), "127.0.0.1"], timeout=20)
    return tap.ok(rc == 0 and "UDP reflexive addr: 127.0.0.1" in out,
                  "STUN Binding answered (turnutils_stunclient)", out)


def uclient(tap, port, user, password, what):
    """A relayed allocation with turnutils_uclient through 127.0.0.1:port to a local
    turnutils_peer: every message must come back."""
    peer_port = free_port()
    peer = subprocess.Popen(["turnutils_peer", "-L", "127.0.0.1", "-p", str(peer_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rc, out = sh(["turnutils_uclient", "-p", str(port), "-e", "127.0.0.1", "-r",
                      str(peer_port), "-u", user, "-w", password, "-n", "20", "-l", "100",
                      "-m", "1", "127.0.0.1"], timeout=40)
    finally:
        peer.terminate()
        peer.wait()
    # uclient -m 1 runs a pair of sessions: both directions count.
    tot = re.findall(r"tot_send_msgs=(\d+), tot_recv_msgs=(\d+)", out)
    lost = re.findall(r"Total lost packets (\d+)", out)
    good = (rc == 0 and tot and int(tot[-1][0]) >= 20 and tot[-1][0] == tot[-1][1]
            and lost and lost[-1] == "0")
    return tap.ok(good, f"relayed allocation, every message back (turnutils_uclient, {what})",
                  out)
