"""Code blocks with fewer elements: tokens drawn in the text's own colour are left unwrapped.

Pygments wraps every token of a code block in a ``<span class="…">``; in the theme's two
styles (light and dark) names (``n``), punctuation (``p``) and whitespace (``w``) have
exactly the colour of the block's text, so their spans change nothing on screen. They are 60%
of a chapter's elements, though (5,200 of 8,700 code spans on the convolution page), and a
phone pays for every element in style and layout time. The formatter here gives these token
types no class, so Pygments writes them as plain text (and merges each run of them with its
neighbours). ``tests/test_book_css.py`` checks, on the built ``pygments.css``, that the three
classes still have the text's colour in both themes.
"""

from pygments.formatters import HtmlFormatter
from pygments.token import Name, Punctuation, Text

#: Token types drawn in the code block's own text colour by the theme's light and dark styles.
PLAIN_TOKENS = frozenset({Name, Punctuation, Text.Whitespace})
#: Their CSS classes (Pygments' short names), for the test on the built style sheet.
PLAIN_CLASSES = ("n", "p", "w")


class PlainTokenHtmlFormatter(HtmlFormatter):
    """Pygments' HTML formatter, writing the :data:`PLAIN_TOKENS` without a ``<span>``."""

    def _get_css_classes(self, ttype):
        if ttype in PLAIN_TOKENS:
            return ""
        return super()._get_css_classes(ttype)


def use_plain_token_formatter():
    """Make Sphinx's HTML highlighter use :class:`PlainTokenHtmlFormatter` (before the build)."""
    from sphinx.highlighting import PygmentsBridge

    PygmentsBridge.html_formatter = PlainTokenHtmlFormatter
