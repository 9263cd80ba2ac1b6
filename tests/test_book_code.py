"""Code blocks without spans for tokens drawn in the text's colour (_ext/book_code.py)."""

import re
import sys
from pathlib import Path

from book_pages import ROOT
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import book_code  # noqa: E402

HTML = ROOT / "_build" / "html"
CODE = "for n_x, n_w in [(5, 3)]:\n    y = conv(x, w)  # a comment\n"


def _text(html):
    """The characters a reader sees: tags dropped, entities of quotes kept as written."""
    return re.sub(r"<[^>]+>", "", html)


def test_plain_tokens_lose_their_span_and_the_text_stays_the_same():
    plain = highlight(CODE, PythonLexer(), book_code.PlainTokenHtmlFormatter())
    usual = highlight(CODE, PythonLexer(), HtmlFormatter())
    assert _text(plain) == _text(usual)
    assert 'class="n"' in usual and 'class="p"' in usual
    for css_class in book_code.PLAIN_CLASSES:
        assert f'class="{css_class}"' not in plain
    for kept in ("k", "mi", "c1", "ow", "o"):  # keywords, numbers, comments, operators
        assert f'class="{kept}"' in plain
    assert plain.count("<span") < usual.count("<span") / 2


def test_built_style_gives_plain_classes_the_text_colour_in_both_themes(built_book):
    css = (HTML / "_static" / "pygments.css").read_text()
    for theme in ("light", "dark"):
        prefix = re.escape(f'html[data-theme="{theme}"] .highlight')
        text_colour = re.search(prefix + r" \{[^}]*color: (#\w+)", css).group(1)
        for css_class in book_code.PLAIN_CLASSES:
            rule = re.search(prefix + rf" \.{css_class} \{{([^}}]*)\}}", css)
            assert rule is None or rule.group(1).strip() == f"color: {text_colour}", (
                theme,
                css_class,
                rule.group(1),
            )


def test_built_pages_write_names_without_spans(built_book):
    page = (HTML / "book" / "convolution.html").read_text()
    assert '<span class="k">' in page
    assert '<span class="n">' not in page and '<span class="p">' not in page
