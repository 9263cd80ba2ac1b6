"""Lighthouse scores of the built book's pages, as a phone sees them (a benchmark, not a test).

Serves ``_build/html`` on 127.0.0.1 with gzip (as any static host does), runs Lighthouse
(mobile emulation: a slow 4G network and a 4x slower CPU, simulated) on each page given, and
prints performance, accessibility, best practices, SEO and the paint timings, each the
median of ``--runs`` runs, on a phone (mobile emulation) and, with ``--desktop``, on a desktop.
Lighthouse is pinned in ``tools/lighthouse/package.json`` (and its lock file); ``make
lighthouse`` installs it from the npm registry (``npm install``, which follows the lock) and
runs this script. Scores move by about ±10 on a busy machine, hence the median.

The run fails (exit status 1) where a page's mobile performance is under ``--floor`` (80) or
its accessibility under 100.

    python tools/lighthouse.py book/intro book/convolution book/prior --runs 3 --desktop
"""

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import statistics
import subprocess
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (".html", ".css", ".js", ".json", ".svg")
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TIMINGS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time")


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


def score(lighthouse, url, chromium, desktop=False):
    """Lighthouse's categories (0-100) and paint timings (ms) for ``url``, one run."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [
            lighthouse, url, "--quiet", "--output=json", f"--output-path={report}",
            "--only-categories=performance,accessibility,best-practices,seo",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]  # fmt: skip
        if desktop:
            command.append("--preset=desktop")
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chromium})
        data = json.loads(report.read_text())
    audits = data["audits"]
    row = {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}
    for key in TIMINGS:
        row[key] = round(audits[key]["numericValue"])
    return row


def median_score(lighthouse, url, chromium, runs, desktop=False):
    """Each category's and timing's median over ``runs`` runs of :func:`score`."""
    rows = [score(lighthouse, url, chromium, desktop) for _ in range(runs)]
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def below_floor(row, floor):
    """What a mobile row fails: performance under ``floor`` or accessibility under 100."""
    failures = []
    if row["performance"] < floor:
        failures.append(f"performance {row['performance']} < {floor}")
    if row["accessibility"] < 100:
        failures.append(f"accessibility {row['accessibility']} < 100")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", help="pages without .html, e.g. book/intro")
    parser.add_argument("--lighthouse", default=str(LIGHTHOUSE), help="the lighthouse command")
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median)")
    parser.add_argument("--desktop", action="store_true", help="also the desktop preset")
    parser.add_argument("--floor", type=int, default=80, help="least mobile performance")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--html", default=str(ROOT / "_build" / "html"))
    args = parser.parse_args()
    handler = functools.partial(GzipHandler, directory=args.html)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    failures = []
    for page in args.pages:
        url = f"http://127.0.0.1:{port}/{page}.html"
        mobile = median_score(args.lighthouse, url, args.chromium, args.runs)
        print(page, "mobile", mobile, flush=True)
        failures += [f"{page}: {failure}" for failure in below_floor(mobile, args.floor)]
        if args.desktop:
            desktop = median_score(args.lighthouse, url, args.chromium, args.runs, desktop=True)
            print(page, "desktop", desktop, flush=True)
    server.shutdown()
    if failures:
        raise SystemExit("below the floor: " + "; ".join(failures))


if __name__ == "__main__":
    main()
