"""Fetch the book's pinned front-end assets into ``_assets/vendor`` (run by ``make``).

Each package of ``tools/assets.json`` is downloaded from the npm registry over HTTPS with
the standard library (no npm needed), its SHA-512 checked against the pinned integrity
(the same ``sha512-<base64>`` string ``package-lock.json`` records), and the listed paths
copied out of the tarball. The new vendor folder is assembled beside the old one and only
swapped in once every package has passed its check, so a failed or corrupted download
leaves ``_assets/vendor`` exactly as it was. Nothing third-party is committed.

Usage: ``python tools/fetch_assets.py`` (``CNNCOURSE_NPM_REGISTRY`` overrides the registry).
"""

import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tools" / "assets.json"
VENDOR = ROOT / "_assets" / "vendor"
REGISTRY = os.environ.get("CNNCOURSE_NPM_REGISTRY", "https://registry.npmjs.org")
STAMP = ".fetched"


class IntegrityError(Exception):
    """A downloaded tarball does not match its pinned SHA-512."""


def tarball_url(spec, registry=REGISTRY):
    """The registry address of a ``name@version`` tarball.

    ``@scope/name@1.2.3`` lives at ``<registry>/@scope/name/-/name-1.2.3.tgz``.
    """
    name, _, version = spec.rpartition("@")
    if not name or not version:
        raise ValueError(f"asset spec must be 'name@version', got {spec!r}")
    basename = name.split("/")[-1]
    return f"{registry.rstrip('/')}/{name}/-/{basename}-{version}.tgz"


def integrity_of(data):
    """The npm-style ``sha512-<base64>`` integrity string of some bytes."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def download(url, timeout=120):
    """The bytes at ``url`` (HTTPS, or ``file://`` in tests)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def checked_tarball(package, registry=REGISTRY):
    """Download one pinned package and return its bytes, refusing a wrong checksum."""
    url = tarball_url(package["spec"], registry)
    data = download(url)
    found = integrity_of(data)
    if found != package["integrity"]:
        raise IntegrityError(
            f"{package['spec']}: the tarball from {url} has integrity {found}, "
            f"but tools/assets.json pins {package['integrity']}; nothing was installed"
        )
    return data


def unpack(data, copies, destination):
    """Extract the tarball ``data``; copy each ``source -> target`` pair under ``destination``."""
    with tempfile.TemporaryDirectory() as workdir:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            archive.extractall(workdir, filter="data")
        for source, target in copies.items():
            src, dst = Path(workdir) / source, destination / target
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)


def replace_folder(new, old):
    """Put the folder ``new`` where ``old`` is, removing ``old`` only after the swap."""
    retired = old.with_name(old.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if old.exists():
        old.rename(retired)
    new.rename(old)
    shutil.rmtree(retired, ignore_errors=True)


def fetch_all(pins_path=PINS, vendor=VENDOR, registry=REGISTRY, log=print):
    """Fetch every pinned package into ``vendor``, all or nothing."""
    pins_text = Path(pins_path).read_text()
    vendor = Path(vendor)
    vendor.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".vendor-staging-", dir=vendor.parent))
    try:
        for package in json.loads(pins_text)["packages"]:
            unpack(checked_tarball(package, registry), package["copy"], staging)
            log(f"fetch_assets: {package['spec']} -> {', '.join(package['copy'].values())}")
        (staging / STAMP).write_text(pins_text)
        replace_folder(staging, vendor)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(pins_path=PINS, vendor=VENDOR, registry=REGISTRY):
    """Fetch everything, or exit with one line saying what went wrong."""
    try:
        fetch_all(pins_path, vendor, registry)
    except IntegrityError as error:
        sys.exit(f"fetch_assets: {error}")
    except OSError as error:
        sys.exit(f"fetch_assets: download failed ({error}); _assets/vendor was left as it was")


if __name__ == "__main__":
    main()
