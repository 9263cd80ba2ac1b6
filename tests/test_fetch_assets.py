"""tools/fetch_assets.py: downloads pinned tarballs, refuses a wrong checksum, all or nothing."""

import importlib.util
import io
import json
import tarfile

import pytest
from conftest import ROOT

spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "tools" / "fetch_assets.py")
fetch_assets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch_assets)


def make_tarball(files):
    """An npm-style tarball (everything under ``package/``) holding ``files``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def publish(registry, spec, data):
    """Lay ``data`` out where the npm registry would serve ``spec``'s tarball."""
    path = registry / fetch_assets.tarball_url(spec, "").lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def registry(tmp_path):
    """A file:// registry with two packages, and pins that match them."""
    root = tmp_path / "registry"
    good = make_tarball({"dist/a.js": "a();", "b.js": "b();"})
    scoped = make_tarball({"x.js": "x();"})
    publish(root, "plain@1.0.0", good)
    publish(root, "@scope/pkg@2.1.0", scoped)
    pins = {
        "packages": [
            {
                "spec": "plain@1.0.0",
                "integrity": fetch_assets.integrity_of(good),
                "copy": {"package/dist": "plain", "package/b.js": "b.js"},
            },
            {
                "spec": "@scope/pkg@2.1.0",
                "integrity": fetch_assets.integrity_of(scoped),
                "copy": {"package/x.js": "scoped/x.js"},
            },
        ]
    }
    pins_path = tmp_path / "assets.json"
    pins_path.write_text(json.dumps(pins))
    return root.as_uri(), pins_path


def test_tarball_url_follows_the_registry_layout():
    url = fetch_assets.tarball_url("@jupyter-widgets/html-manager@1.0.15", "https://r.example")
    assert url == "https://r.example/@jupyter-widgets/html-manager/-/html-manager-1.0.15.tgz"
    assert fetch_assets.tarball_url("mathjax@3.2.2", "https://r.example/") == (
        "https://r.example/mathjax/-/mathjax-3.2.2.tgz"
    )


def test_fetch_copies_the_listed_paths(registry, tmp_path):
    url, pins = registry
    vendor = tmp_path / "_assets" / "vendor"
    fetch_assets.fetch_all(pins, vendor, url, log=lambda line: None)
    assert (vendor / "plain" / "a.js").read_text() == "a();"
    assert (vendor / "b.js").read_text() == "b();"
    assert (vendor / "scoped" / "x.js").read_text() == "x();"
    assert (vendor / fetch_assets.STAMP).read_text() == pins.read_text()


def test_corrupted_tarball_is_refused_and_nothing_is_half_written(registry, tmp_path):
    url, pins = registry
    vendor = tmp_path / "_assets" / "vendor"
    vendor.mkdir(parents=True)
    (vendor / "old.js").write_text("kept")
    registry_root = tmp_path / "registry"
    # The first package is fine; the second one's bytes change after it was pinned.
    publish(registry_root, "@scope/pkg@2.1.0", make_tarball({"x.js": "evil();"}))
    with pytest.raises(fetch_assets.IntegrityError, match=r"@scope/pkg@2\.1\.0.*integrity.*pins"):
        fetch_assets.fetch_all(pins, vendor, url, log=lambda line: None)
    assert sorted(p.name for p in vendor.iterdir()) == ["old.js"]
    assert [p.name for p in vendor.parent.iterdir()] == ["vendor"]


def test_the_command_line_says_what_went_wrong(registry, tmp_path):
    url, pins = registry
    publish(tmp_path / "registry", "plain@1.0.0", b"not a tarball")
    with pytest.raises(
        SystemExit, match="fetch_assets: plain@1.0.0: the tarball .* nothing was installed"
    ):
        fetch_assets.main(pins, tmp_path / "vendor", url)
    assert not (tmp_path / "vendor").exists()
