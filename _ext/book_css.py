"""Style sheets cut to what the built site can use, so a phone paints the page sooner.

The theme's style sheets (pydata-sphinx-theme's 397 kB above all) block the first paint,
and most of their rules style components this book never shows (navbars, cards, version
switchers, Bootstrap parts). After the build, every rule of the theme's CSS files is kept
only if one of its selectors could match something here:

* the *words* of the site are every class name, id and identifier-like token that appears in
  any built HTML page or in any script under ``_static`` (scripts add classes such as
  ``show`` or ``dark`` at run time, and their names appear in the scripts' text);
* a selector whose classes and ids are all words of the site is kept, and so is any
  selector with ``:is()``, ``:where()`` or ``:has()`` (not worth reasoning about); classes
  inside ``:not()`` do not count (``:not(.x)`` matches when ``x`` is absent);
* at-rules are kept, with the rules inside ``@media``/``@supports``/``@layer`` filtered the
  same way, and dropped when nothing is left inside them.

A rule for a class that no page and no script mentions cannot match any element, so the
pages look the same; the browser test (axe contrast, layout at 390 and 1280 px, widgets)
runs on the cut files.
"""

import re
from pathlib import Path

#: The style sheets cut (relative to ``_static``): the theme's and the extensions'.
CUT_FILES = (
    "styles/pydata-sphinx-theme.css",
    "styles/sphinx-book-theme.css",
    "sphinx-design.min.css",
    "basic.css",
)
WORD = re.compile(r"-?[_a-zA-Z][\w-]*")
SELECTOR_NAME = re.compile(r"([.#])(-?[_a-zA-Z][\w-]*)")
NOT_PART = re.compile(r":not\([^()]*\)")
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
KEEP_ALWAYS = (":is(", ":where(", ":has(")
FILTERED_AT_RULES = {"media", "supports", "layer", "container"}


def site_words(outdir):
    """Every class, id and identifier-like token of the built HTML pages and scripts."""
    outdir = Path(outdir)
    words = set()
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        words.update(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    return words


def selector_may_match(selector, words):
    """Whether every class and id ``selector`` requires is a word of the site."""
    if any(part in selector for part in KEEP_ALWAYS):
        return True
    required = ATTRIBUTE.sub("", NOT_PART.sub("", selector))
    return all(name in words for _, name in SELECTOR_NAME.findall(required))


def _cut_rules(rules, words):
    import tinycss2

    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            matching = [s for s in selectors if selector_may_match(s, words)]
            if not matching:
                continue
            if len(matching) < len(selectors):
                rule.prelude = tinycss2.parse_component_value_list(", ".join(matching))
            kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in FILTERED_AT_RULES:
            if rule.content is None:
                kept.append(rule)
                continue
            inner = _cut_rules(tinycss2.parse_rule_list(rule.content), words)
            if any(r.type in ("qualified-rule", "at-rule") for r in inner):
                rule.content = tinycss2.parse_component_value_list(tinycss2.serialize(inner))
                kept.append(rule)
        elif rule.type in ("at-rule", "qualified-rule"):
            kept.append(rule)
    return kept


def cut_stylesheet(text, words):
    """``text`` (CSS) without the rules that cannot match anything named in ``words``."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    return "\n".join(tinycss2.serialize([rule]) for rule in _cut_rules(rules, words)) + "\n"


#: First line of a cut file. Sphinx copies static files again only when it wants to, so a
#: later build may find a file already cut: it is cut again from the original kept aside
#: (a new page may use a rule the earlier cut dropped).
MARKER = "/* cut by cnncourse: rules no page or script can use removed (_ext/book_css.py) */\n"


def cut_site_css(outdir):
    """Cut each of ``CUT_FILES`` in ``outdir/_static``; return ``(bytes before, bytes after)``.

    The uncut originals are kept in ``outdir/../.cnncourse-css/`` (outside the site).
    """
    outdir = Path(outdir)
    static = outdir / "_static"
    originals = outdir.parent / ".cnncourse-css"
    words = site_words(outdir)
    before = after = 0
    for name in CUT_FILES:
        path = static / name
        if not path.exists():
            continue
        kept = originals / name
        text = path.read_text(encoding="utf-8")
        if text.startswith(MARKER):
            text = kept.read_text(encoding="utf-8")
        else:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(text, encoding="utf-8")
        cut = MARKER + cut_stylesheet(text, words)
        before += len(text.encode())
        after += len(cut.encode())
        path.write_text(cut, encoding="utf-8")
    return before, after
