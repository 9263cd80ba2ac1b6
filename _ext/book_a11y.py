"""Fix what axe-core finds in the theme's and extensions' markup, page by page.

* The theme's search field is a button named "Search" (``aria-label``) whose visible text is
  "Search Ctrl+K": speech-input users say what they see, so the name must contain the text
  (axe ``label-content-name-mismatch``). Without the ``aria-label`` the button is named by
  its text.
* myst-nb's toggles of hidden cells are ``<summary aria-label="Toggle hidden content">`` around
  the visible "Show code cell source": the same mismatch, fixed the same way.
* sphinxcontrib-bibtex writes ``role="list"`` around entries with the deprecated role
  ``doc-biblioentry``, which axe does not accept as list items (``aria-required-children``,
  critical); they become ``listitem``.
"""

import re

SEARCH_FIELD = re.compile(
    r'(<button class="[^"]*search-button-field[^"]*"[^>]*?)\s+aria-label="[^"]*"'
)
BIBLIOENTRY = 'role="doc-biblioentry"'


def fix_page(text):
    """``text`` (a written HTML page) with the fixes above applied."""
    text = SEARCH_FIELD.sub(r"\1", text)
    text = text.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    if 'class="citation-list"' in text:
        text = text.replace(BIBLIOENTRY, 'role="listitem"')
    return text
