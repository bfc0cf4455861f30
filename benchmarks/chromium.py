"""How Cruscotto drives a browser, for the browser tests (tests/e2e) and the latency
benchmark alike: Debian's Chromium (never a downloaded one) and its launch flags."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (containers), and nothing that reaches the network on its own
# (QUIC, background updates, sync): the app and its tests are offline.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
