"""Never stale: key the notebooks' execution cache on the code the notebooks run.

jupyter-cache re-executes a notebook only when the notebook's own cells change, so a change
to ``cnncourse/`` alone would leave every page showing the old code's results. This
extension hashes the files named by ``cnncourse_cache_inputs`` (the package and the pinned
versions) and points myst-nb's execution cache at ``<build>/.jupyter_cache/<hash>``:

* a new hash means an empty cache, and because ``nb_execution_cache_path`` is an "env"
  setting, Sphinx also re-reads every page, so every notebook runs again;
* going back to earlier code finds its cache again (the last ``KEEP`` caches are kept).
"""

import hashlib
import shutil
from pathlib import Path

KEEP = 3
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def source_files(root, inputs):
    """Every file under the ``inputs`` paths (relative to ``root``), in a stable order."""
    files = []
    for name in inputs:
        path = Path(root) / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [f for f in candidates if f.is_file() and not SKIPPED_PARTS & set(f.parts)]
    return files


def source_hash(root, inputs):
    """SHA-256 over the relative paths and contents of ``source_files``, 16 hex digits."""
    digest = hashlib.sha256()
    for path in source_files(root, inputs):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def prune(caches, keep):
    """Remove all but the ``keep`` most recently used cache folders."""
    folders = sorted((p for p in caches.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def key_the_cache(app, config):
    """Point ``nb_execution_cache_path`` at the folder for the current sources."""
    if config.nb_execution_cache_path:
        return  # someone chose a cache folder explicitly: leave it alone
    key = source_hash(app.confdir, config.cnncourse_cache_inputs)
    caches = Path(app.outdir).parent / ".jupyter_cache"
    current = caches / key
    current.mkdir(parents=True, exist_ok=True)
    current.touch()  # mark as most recently used
    prune(caches, KEEP)
    config.nb_execution_cache_path = str(current)


def setup(app):
    app.add_config_value("cnncourse_cache_inputs", ["cnncourse", "constraints.txt"], "env")
    app.connect("config-inited", key_the_cache, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
