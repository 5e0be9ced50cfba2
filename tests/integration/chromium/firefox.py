"""Headless Firefox (Debian's firefox-esr) for the browser tests, without WebDriver:
pagerun.run_page(..., browser=firefox_command) opens the page in a fresh profile whose
user.js turns off everything that would reach the network or wait for a user (first-run
pages, updates, telemetry, safe browsing, captive-portal checks), and the page POSTs its
result to the test's HTTP server as it does in Chromium. Run it inside the network
namespace that holds the TURN server (see netns.py), as for Chromium.

WebRTC needs no permission for data channels; nICEr (Firefox's ICE) talks to TURN over
UDP with Send and Data indications (no channels)."""

import os
import shutil

PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "startup.homepage_welcome_url": "",
    "startup.homepage_welcome_url.additional": "",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.auto": False,
    "app.update.enabled": False,
    "app.normandy.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.proxy.type": 0,
    "services.settings.server": "http://127.0.0.1:9/",
    "browser.ping-centre.telemetry": False,
    "media.navigator.permission.disabled": True,
    # ICE: no mDNS names for host candidates (the page's own two peers resolve nothing),
    # and loopback/link-local candidates as the namespace has them.
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.peerconnection.ice.loopback": True,
    "media.peerconnection.ice.link_local": True,
}


def firefox_binary():
    for name in ("firefox-esr", "firefox"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _pref(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def firefox_command(url, profile):
    """pagerun.run_page's browser: (argv, env) opening url headless in profile."""
    with open(os.path.join(profile, "user.js"), "w") as f:
        for k, v in PREFS.items():
            f.write(f'user_pref("{k}", {_pref(v)});\n')
    env = dict(os.environ, HOME=profile, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1",
               # ternd's tests run as root in a network namespace, where Firefox's
               # sandboxes (user namespaces, seccomp) cannot be set up.
               MOZ_DISABLE_CONTENT_SANDBOX="1", MOZ_DISABLE_SOCKET_PROCESS_SANDBOX="1",
               MOZ_DISABLE_RDD_SANDBOX="1", MOZ_DISABLE_GMP_SANDBOX="1",
               MOZ_DISABLE_UTILITY_SANDBOX="1")
    return [firefox_binary(), "--headless", "--no-remote", "--profile", profile, url], env
