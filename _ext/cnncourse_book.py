"""Sphinx glue for the cnncourse book: keep every page working offline.

* Sets ``CNNCOURSE_WIDGETS=static`` before any notebook runs, so that the kernels the build
  starts precompute the widgets' frames (their sliders must work without a kernel), however
  the build was started.
* Loads ``cnncourse.js`` before the widget renderer (see that file for what it sets up).
* Drops script tags that an extension registered twice (sphinx-thebe adds its inline
  configuration once per read, which redeclares a ``const`` and throws in the browser).
"""

import os


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        filename = getattr(script, "filename", None) or ""
        attributes = getattr(script, "attributes", {}) or {}
        key = (filename, tuple(sorted(attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def setup(app):
    os.environ["CNNCOURSE_WIDGETS"] = "static"
    app.add_js_file("cnncourse.js", priority=150)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
