"""The theme's style sheets cut to what the site can use (_ext/book_css.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
pytest.importorskip("tinycss2")

import book_css  # noqa: E402

WORDS = {"used", "dark", "show"}


@pytest.mark.parametrize(
    ("selector", "may_match"),
    [
        (".used", True),
        (".unused", False),
        ("div.used > .unused", False),
        ("#used", True),
        ("#unused .used", False),
        (".used:not(.unused)", True),  # :not(.x) matches where x is absent
        ("html[data-theme=dark] .used", True),  # attribute values are not classes
        ("a[href$='.unused']", True),
        (".unused:has(.used)", True),  # :is/:where/:has: kept, not reasoned about
        ("p", True),
    ],
)
def test_a_selector_is_kept_when_its_classes_and_ids_occur(selector, may_match):
    assert book_css.selector_may_match(selector, WORDS) is may_match


def test_rules_are_cut_inside_at_rules_and_emptied_at_rules_dropped():
    css = (
        ".used{color:red}.unused,.used b{margin:0}"
        "@media (max-width:5px){.unused{top:0}}@media print{.used{top:1px}}"
        "@font-face{font-family:x}@keyframes spin{to{transform:rotate(1turn)}}"
    )
    cut = book_css.cut_stylesheet(css, WORDS)
    assert ".unused" not in cut
    assert ".used{color:red}" in cut and ".used b{margin:0}" in cut
    assert "@media print{.used{top:1px}}" in cut and "max-width:5px" not in cut
    assert "@font-face" in cut and "@keyframes spin" in cut


def test_a_file_cut_twice_is_cut_from_its_original(tmp_path):
    html = tmp_path / "html"
    (html / "_static" / "styles").mkdir(parents=True)
    sheet = html / "_static" / "styles" / "pydata-sphinx-theme.css"
    sheet.write_text(".used{a:1}.later{b:2}")
    (html / "index.html").write_text('<p class="used">')
    book_css.cut_site_css(html)
    assert ".later" not in sheet.read_text()
    (html / "page.html").write_text('<p class="later">')  # a new page uses the dropped rule
    book_css.cut_site_css(html)
    assert sheet.read_text().startswith(book_css.MARKER) and ".later{b:2}" in sheet.read_text()
