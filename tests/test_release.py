"""The version is written in three places that must agree (``cnncourse.__version__``, the
latest release in CHANGELOG.md, CITATION.cff), and the contributor's guide says how a
release is tagged."""

import re

import yaml
from book_pages import ROOT

import cnncourse


def test_changelog_citation_and_package_agree_on_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert released, "CHANGELOG.md has no released version"
    version, date = released[0]
    assert version == cnncourse.__version__
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == version
    assert str(citation["date-released"]) == date
    assert {"title", "authors", "message", "license"} <= set(citation)


def test_contributing_keeps_the_convention_and_says_how_to_build_test_and_release():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections[0] == "Writing a chapter: the teaching code is what the student sees"
    assert {"Setting up, building and testing", "Adding a chapter", "Versions and releases"} <= set(
        sections
    )
    for words in ("make book", "make test", "make install-cells", "_toc.yml", "git tag -a v"):
        assert words in text, words
