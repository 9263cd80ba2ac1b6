"""The project URLs come from the book's one repository setting, ``_config.yml``.

Everything else is in ``pyproject.toml``; this file only fills its ``dynamic = ["urls"]``,
so that a fork changes the repository in one place. Standard library only (no YAML parser
is installed when pip builds the package).
"""

import re
from pathlib import Path

from setuptools import setup

CONFIG = Path(__file__).with_name("_config.yml")


def repository_url(config=CONFIG):
    """``repository: url:`` of ``_config.yml``, or None when the file or key is missing."""
    if not config.exists():
        return None
    in_repository = False
    for line in config.read_text(encoding="utf-8").splitlines():
        if re.match(r"^repository:\s*$", line):
            in_repository = True
        elif in_repository and re.match(r"^\S", line):
            return None
        elif in_repository:
            match = re.match(r"^\s+url:\s*[\"']?([^\"'\s#]+)", line)
            if match:
                return match.group(1).rstrip("/")
    return None


def project_urls():
    url = repository_url()
    if url is None:
        return {}
    return {
        "Homepage": url,
        "Source": url,
        "Issues": f"{url}/issues",
    }


setup(project_urls=project_urls())
