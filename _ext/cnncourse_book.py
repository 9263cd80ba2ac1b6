"""Sphinx glue for the cnncourse book: pages that work offline and load little.

* Sets ``CNNCOURSE_WIDGETS=static`` before any notebook runs, so that the kernels the build
  starts precompute the widgets' frames (their sliders must work without a kernel), however
  the build was started.
* Rewrites each page's precomputed widgets into light HTML (``book_widgets.py``): frames
  become palette PNG files under ``_images/widgets/`` loaded when shown, sliders become
  native range inputs, and ``cnncourse-widgets.js`` (4 kB) replaces the 3.6 MB widget
  renderer and the page's widget state. A page whose widgets cannot all be rewritten keeps
  the renderer, set up by ``cnncourse.js``.
* Loads only the MathJax components the book uses (TeX input with the AMS macros and
  autoloading of any other package, CommonHTML output, hidden MathML for screen readers)
  instead of the TeX+MathML bundle with its menu, and typesets a formula only when it nears
  the screen (``ui/lazy``: a long page no longer blocks the phone's main thread for a second
  typesetting maths the reader has not reached; printing typesets everything first).
* Replaces the theme's icon script and icon fonts by font subsets holding the icons the
  pages show (``book_icons.py``).
* Serves phones the phone layout of each figure whose text would be too small there (the
  kernels attach it to the output, ``cnncourse.layout.register_phone_formatter``;
  ``book_images.phone_figures`` writes it and wraps the figure in a ``<picture>``).
* Stores the figures as palette PNGs and lets the browser load them lazily
  (``book_images.py``).
* Fixes the accessibility faults axe-core finds in the theme's markup (``book_a11y.py``).
* Gives each page a meta description, loads the search scripts on the search page only, and
  writes ``/favicon.ico`` (``book_head.py``).
* Cuts the theme's style sheets to the rules the site can use (``book_css.py``).
* Writes code tokens drawn in the text's own colour without a ``<span>`` each, which takes
  60% of the elements off a chapter page (``book_code.py``).
* Drops script tags that an extension registered twice (sphinx-thebe adds its inline
  configuration once per read, which redeclares a ``const`` and throws in the browser).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import book_a11y  # noqa: E402
import book_code  # noqa: E402
import book_css  # noqa: E402
import book_head  # noqa: E402
import book_icons  # noqa: E402
import book_images  # noqa: E402
import book_widgets  # noqa: E402
from sphinx.util import logging  # noqa: E402

LOGGER = logging.getLogger(__name__)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
RENDERER_FILES = ("html-manager/", "vendor/require.js")

#: MathJax 3 components the pages need (the loader adds ``core`` and the fonts).
MATHJAX_COMPONENTS = [
    "input/tex-base",
    "[tex]/ams",
    "[tex]/newcommand",
    "[tex]/noundefined",
    "[tex]/require",
    "[tex]/autoload",
    "[tex]/configmacros",
    "output/chtml",
    "a11y/assistive-mml",
    "ui/lazy",
]
MATHJAX_PACKAGES = ["base", "ams", "newcommand", "noundefined", "require", "autoload"]
MATHJAX_PACKAGES.append("configmacros")

# docname -> (widgets rewritten, widgets left to the renderer)
_WIDGET_PAGES = {}


def _configure_mathjax(app, config):
    mathjax = dict(config.mathjax3_config or {})
    loader = dict(mathjax.get("loader", {}))
    loader["load"] = list(dict.fromkeys([*loader.get("load", []), *MATHJAX_COMPONENTS]))
    mathjax["loader"] = loader
    tex = dict(mathjax.get("tex", {}))
    tex["packages"] = {"[+]": MATHJAX_PACKAGES}
    mathjax["tex"] = tex
    config.mathjax3_config = mathjax


def _widget_state(app, docname):
    from myst_nb.sphinx_ import NbMetadataCollector

    try:
        js_files = NbMetadataCollector.get_js_files(app.env, docname)
    except (AttributeError, KeyError):
        return None
    entry = js_files.get("ipywidgets_state")
    if not entry:
        return None
    import json

    body = entry[1].get("body", "")
    return json.loads(body.replace("<\\/script", "</script")).get("state")


def _rewrite_widgets(app, doctree, docname):
    """Replace the page's widget-view outputs by light HTML (see ``book_widgets``)."""
    from docutils import nodes

    if app.builder.format != "html":
        return
    state = _widget_state(app, docname)
    if not state:
        return
    page = book_widgets.WidgetPage(state, app.outdir, depth=docname.count("/"))
    converted = left = 0
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if book_widgets.WIDGET_VIEW not in text:
            continue
        new_text, done, kept = book_widgets.convert_views(text, page)
        converted += done
        left += kept
        if done:
            node.replace_self(nodes.raw("", new_text, format="html"))
    _WIDGET_PAGES[docname] = (converted, left)
    LOGGER.info(
        f"[cnncourse] {docname}: {converted} widgets rewritten ({page.frames} frames, "
        f"{page.frame_bytes / 1e3:.0f} kB), {left} left to the widget renderer"
    )


def _page_scripts(app, pagename, templatename, context, doctree):
    """Per page: drop duplicate scripts; swap the widget renderer for the light script."""
    if doctree is not None:
        title = context.get("title", "") or ""
        context["metatags"] = context.get("metatags", "") + book_head.description_tag(
            doctree, title
        )
    scripts = context.get("script_files")
    if scripts is None:
        return
    converted, left = _WIDGET_PAGES.get(pagename, (0, 0))
    seen = set()
    unique = []
    for script in scripts:
        filename = getattr(script, "filename", None) or ""
        attributes = getattr(script, "attributes", {}) or {}
        key = (filename, tuple(sorted(attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        renderer = attributes.get("type") == WIDGET_STATE or any(
            part in filename for part in RENDERER_FILES
        )
        if renderer and left == 0:
            continue
        unique.append(script)
    scripts[:] = unique
    if converted:
        app.add_js_file("cnncourse-widgets.js", priority=900, defer="defer")
    if left:
        app.add_js_file("cnncourse.js", priority=150)


def _after_build(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import pydata_sphinx_theme

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    points = book_icons.replace_icon_script(
        app.outdir, theme / "static" / "vendor" / "fontawesome" / "webfonts"
    )
    LOGGER.info(f"[cnncourse] icon fonts cut to {len(points)} glyphs")
    executed = Path(app.outdir).parent / "jupyter_execute"
    count, written = book_images.phone_figures(app.outdir, executed)
    LOGGER.info(f"[cnncourse] {count} figures get a phone layout ({written / 1e3:.0f} kB)")
    before, after = book_images.compact_figures(Path(app.outdir) / "_images")
    LOGGER.info(f"[cnncourse] figures: {before / 1e3:.0f} kB as built, {after / 1e3:.0f} kB now")
    book_head.write_favicon_ico(Path(app.outdir) / "favicon.ico")
    before, after = book_css.cut_site_css(app.outdir)
    LOGGER.info(f"[cnncourse] theme CSS cut from {before / 1e3:.0f} kB to {after / 1e3:.0f} kB")
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = book_images.lazy_images(book_a11y.fix_page(text))
        if page.name != "search.html":
            fixed = book_head.defer_scripts(book_head.drop_search_scripts(fixed))
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def _refresh_assets(app):
    """Overwrite built copies of our own assets that differ from their source.

    Sphinx copies the static files only when some page is rebuilt, so an edited
    ``_assets/cnncourse.css`` would otherwise stay stale until a page changes.
    """
    import shutil

    source = Path(app.confdir) / "_assets"
    built = Path(app.outdir) / "_static"
    for path in source.glob("*.*"):
        copy = built / path.name
        if copy.exists() and copy.read_bytes() != path.read_bytes():
            shutil.copyfile(path, copy)


def setup(app):
    os.environ["CNNCOURSE_WIDGETS"] = "static"
    book_code.use_plain_token_formatter()
    app.connect("config-inited", _configure_mathjax, priority=900)
    app.connect("builder-inited", _refresh_assets)
    app.connect("doctree-resolved", _rewrite_widgets)
    app.connect("html-page-context", _page_scripts, priority=900)
    app.connect("build-finished", _after_build)
    app.add_css_file("cnncourse-icons.css")
    app.add_js_file("cnncourse-page.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": False}
