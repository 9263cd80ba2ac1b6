"""Lighthouse scores of the built book's pages, as a phone sees them (a benchmark, not a test).

Serves ``_build/html`` on 127.0.0.1 with gzip (as any static host does), runs Lighthouse
(mobile emulation: a slow 4G network and a 4x slower CPU, simulated) on each page given, and
prints performance, accessibility, best practices, SEO and the paint timings. Lighthouse
comes from the npm registry: ``npm install lighthouse@12.8.2`` in a folder of your choice,
then pass ``--lighthouse that/node_modules/.bin/lighthouse``. Scores move by about ±10 on a
busy machine: run each page more than once.

    python tools/lighthouse.py book/intro book/convolution book/prior --lighthouse ...
"""

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (".html", ".css", ".js", ".json", ".svg")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text ones gzip-compressed when the client accepts it."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.endswith(TEXT) and os.path.isfile(path)):
            return super().send_head()
        body = gzip.compress(Path(path).read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def score(lighthouse, url, chromium):
    """Lighthouse's categories (0-100) and paint timings for ``url``."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [
            lighthouse, url, "--quiet", "--output=json", f"--output-path={report}",
            "--only-categories=performance,accessibility,best-practices,seo",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]  # fmt: skip
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chromium})
        data = json.loads(report.read_text())
    audits = data["audits"]
    row = {name: round(c["score"] * 100) for name, c in data["categories"].items()}
    for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time"):
        row[key] = audits[key]["displayValue"]
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", help="pages without .html, e.g. book/intro")
    parser.add_argument("--lighthouse", default="lighthouse", help="the lighthouse command")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--html", default=str(ROOT / "_build" / "html"))
    args = parser.parse_args()
    handler = functools.partial(GzipHandler, directory=args.html)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    for page in args.pages:
        print(page, score(args.lighthouse, f"http://127.0.0.1:{port}/{page}.html", args.chromium))
    server.shutdown()


if __name__ == "__main__":
    main()
