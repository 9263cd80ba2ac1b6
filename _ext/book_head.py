"""What goes into each page's ``<head>``: a description, and search only where it is used.

* **Search scripts on the search page only.** The theme loads Sphinx's search tools and the
  whole ``searchindex.js`` on every page so that a search could run in place; ours never
  does: the search field opens a form that submits to ``search.html``, which loads them
  itself. On every other page the three script tags are dropped (the index alone is
  ~100 kB, parsed before the page paints on a phone).
* **A meta description per page**, for search engines and link previews: the page's first
  paragraph of prose, cut at a word boundary to at most 155 characters.
* **Scripts after the first paint.** Every external script in the ``<head>`` that has neither
  ``async`` nor ``defer`` gets ``defer`` (they set up toggles, copy buttons and highlights
  once the page is parsed), except ``documentation_options.js``, which the inline scripts
  after it use at once. Deferred scripts still run in document order.
* **``/favicon.ico``**: browsers ask for it at the site's root whatever the page says; it is
  drawn here from the same four squares as ``_assets/favicon.svg``.
"""

import html
import re

SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"'
    r"></script>"
)
DESCRIPTION_LENGTH = 155
SCRIPT_TAG = re.compile(r"<script ((?:(?!>).)*?)src=\"([^\"]+)\"((?:(?!>).)*)></script>")
RUN_AT_ONCE = ("documentation_options.js",)


def defer_scripts(text):
    """``text`` (a written HTML page) with its blocking external scripts deferred."""

    def defer(match):
        before, source, after = match.groups()
        attributes = before + after
        if (
            "defer" in attributes
            or "async" in attributes
            or any(name in source for name in RUN_AT_ONCE)
        ):
            return match.group(0)
        return f'<script {before}defer="defer" src="{source}"{after}></script>'

    head_end = text.find("</head>")
    if head_end < 0:
        return text
    return SCRIPT_TAG.sub(defer, text[:head_end]) + text[head_end:]


def drop_search_scripts(text):
    """``text`` (a written HTML page that is not the search page) without the search scripts."""
    return SEARCH_SCRIPTS.sub("", text)


def first_paragraph(doctree, shortest=40):
    """The text of the first paragraph of at least ``shortest`` characters, or ``""``."""
    from docutils import nodes

    for paragraph in doctree.findall(nodes.paragraph):
        words = " ".join(paragraph.astext().split())
        if len(words) >= shortest:
            return words
    return ""


def description(text, length=DESCRIPTION_LENGTH):
    """``text`` cut at a word boundary to at most ``length`` characters (an ellipsis added)."""
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def description_tag(doctree, title):
    """The ``<meta name="description">`` tag of a page: its first paragraph, else its title."""
    content = description(first_paragraph(doctree) or title)
    return f'<meta name="description" content="{html.escape(content, quote=True)}" />\n'


def write_favicon_ico(path):
    """Draw the book's icon (four squares on blue, as ``favicon.svg``) as a 32 px ICO."""
    from PIL import Image, ImageDraw

    size = 32
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=6, fill=(31, 95, 139, 255))
    light = (255, 255, 255, 255)
    faint = (165, 191, 209, 255)  # white at 60% over the blue
    for (x, y), fill in {(6, 6): light, (18, 6): faint, (6, 18): faint, (18, 18): light}.items():
        draw.rectangle((x, y, x + 7, y + 7), fill=fill)
    image.save(path, format="ICO", sizes=[(size, size), (16, 16)])
