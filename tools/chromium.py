"""The Chromium the browser tests and the PDF print with: Debian's, never a downloaded one.

``CNNCOURSE_CHROMIUM`` names another binary. The flags keep a headless Chromium from calling
out to Google's services on a machine with no route to them.
"""

import os

CHROMIUM = os.environ.get("CNNCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
