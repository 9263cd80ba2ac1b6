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
* The primary sidebar starts with the book's title link outside any landmark (axe
  ``region``): the sidebar becomes a navigation landmark named "Book".
* A table whose top-left header cell is empty (a row-label column) has a ``<th>`` with no
  text (axe ``empty-table-header``): that cell becomes an ordinary ``<td>``.
"""

import re

SEARCH_FIELD = re.compile(
    r'(<button class="[^"]*search-button-field[^"]*"[^>]*?)\s+aria-label="[^"]*"'
)
BIBLIOENTRY = 'role="doc-biblioentry"'
SIDEBAR = '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'
LETTER_HEADER = re.compile(
    r'<th class="head"><p><span class="math notranslate nohighlight">'
    r"\\\(([A-Za-z])\\\)</span></p></th>"
)
EMPTY_HEADER = re.compile(r'<th class="head">\s*(?:<p>\s*</p>)?\s*</th>')


def fix_page(text):
    """``text`` (a written HTML page) with the fixes above applied."""
    text = SEARCH_FIELD.sub(r"\1", text)
    text = text.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    if 'class="citation-list"' in text:
        text = text.replace(BIBLIOENTRY, 'role="listitem"')
    text = text.replace(SIDEBAR, SIDEBAR[:-1] + ' role="navigation" aria-label="Book">')
    text = LETTER_HEADER.sub(r'<th class="head"><p><em>\1</em></p></th>', text)
    return EMPTY_HEADER.sub('<td class="head"></td>', text)
