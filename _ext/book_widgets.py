"""Turn the book's precomputed ipywidgets into light HTML that needs no widget renderer.

A static widget of :mod:`cnncourse.widgets` is a tree of ``VBox``, ``SelectionSlider``,
``Stack`` and ``Image`` models, with each slider's ``index`` linked (``jslink``) to a stack's
``selected_index``. The full renderer that draws such a tree (``embed-amd.js``, 3.6 MB) and
the widget state (every frame as base64 PNG in the page) cost several megabytes a page.

Here each widget-view output is rewritten, at build time, into plain HTML:

* a slider becomes ``<input type="range">`` with a ``<label>``, a visible readout and an
  ``aria-valuetext`` equal to that readout (keyboard operable, as every native range is);
* a stack becomes a list of items of which one is shown;
* an image becomes a file under ``_images/widgets/`` (a 256-colour palette PNG, which
  measured 3-4 times smaller than matplotlib's PNG on the book's frames) shown by
  ``<img loading="lazy">`` at the image model's ``width`` and ``height`` when it has them
  (frames drawn at 1.5 times their shown size, sharp on dense screens), else at its pixel
  size; hidden frames carry ``data-src`` only, so a frame is fetched when it is first
  shown; its alt text names the slider values it shows;
* a frame drawn twice, wide and wrapped to a phone's width (a ``Box`` of class
  ``cc-variants``, see ``cnncourse.widgets``), becomes a ``<picture>`` whose ``<source>``
  serves the narrow image to screens up to ``NARROW_SCREEN`` wide: the browser downloads
  one of the two, and a phone shows every panel without scrolling sideways.

``_assets/cnncourse-widgets.js`` does what ``jslink`` did (a slider picks its stacks' item),
and keeps the other sliders' values when a slider switches to another item.
A widget with any other kind of model is left as it is, and the page keeps the renderer.
"""

import base64
import hashlib
import html
import io
import json
import re
from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VIEW_SCRIPT = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S
)
IMAGE_DIR = "_images/widgets"
BOXES = {"VBoxModel", "HBoxModel", "BoxModel"}
VARIANTS_CLASS = "cc-variants"
#: Screens up to this width get a frame's narrow variant (the book's column is ~700 px wide);
#: paper (print, the PDF) keeps the wide one, like a desktop.
NARROW_SCREEN = "screen and (max-width: 720px)"


class Unsupported(Exception):
    """A widget model this converter does not rewrite."""


def compact_png(data):
    """``data`` (PNG bytes) as a 256-colour palette PNG, or unchanged if that is not smaller."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    size = image.size
    palette = image.convert("RGB").quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    smaller = buffer.getvalue()
    return (smaller if len(smaller) < len(data) else data), size


def _model_id(reference):
    if not (isinstance(reference, str) and reference.startswith("IPY_MODEL_")):
        raise Unsupported(f"not a model reference: {reference!r}")
    return reference[len("IPY_MODEL_") :]


class WidgetPage:
    """The widget state of one page and what its views become.

    Parameters
    ----------
    state : dict
        ``{model_id: {"model_name": ..., "state": ..., "buffers": ...}}``.
    outdir : pathlib.Path
        The HTML build's output folder (frames go to ``outdir / IMAGE_DIR``).
    depth : int
        How many folders below ``outdir`` the page lies (for relative URLs).
    """

    def __init__(self, state, outdir, depth):
        self.state = state
        self.outdir = Path(outdir)
        self.prefix = "../" * depth
        self.links = self._links()
        self.frame_bytes = 0
        self.frames = 0

    def _links(self):
        """``{slider_id: [stack_id, ...]}`` from the jslinks index -> selected_index."""
        links = {}
        for model in self.state.values():
            if model.get("model_name") != "LinkModel":
                continue
            source = model["state"].get("source") or []
            target = model["state"].get("target") or []
            pairs = [(source, target), (target, source)]
            for (a, a_name), (b, b_name) in pairs:
                if a_name == "index" and b_name == "selected_index":
                    links.setdefault(_model_id(a), []).append(_model_id(b))
        return links

    def _model(self, model_id):
        if model_id not in self.state:
            raise Unsupported(f"model {model_id} is not in the page's widget state")
        return self.state[model_id]

    def convert(self, model_id):
        """HTML for the view of ``model_id``; raises :class:`Unsupported`."""
        self._stack_owner = {
            stack: slider for slider, stacks in self.links.items() for stack in stacks
        }
        inner = self._html(model_id, [], True)
        return f'<div class="cc-widget" data-cc-widget="">{inner}</div>'

    def _html(self, model_id, path, shown):
        model = self._model(model_id)
        name = model.get("model_name")
        state = model.get("state", {})
        if name in BOXES and VARIANTS_CLASS in state.get("_dom_classes", []):
            return self._variants(state, path, shown)
        if name in BOXES:
            children = "".join(
                self._html(_model_id(c), path, shown) for c in state.get("children", [])
            )
            kind = "cc-hbox" if name == "HBoxModel" else "cc-vbox"
            return f'<div class="{kind}">{children}</div>'
        if name == "SelectionSliderModel":
            return self._slider(model_id, state)
        if name == "StackModel":
            return self._stack(model_id, state, path, shown)
        if name == "ImageModel":
            return self._image(model, state, path, shown)
        if name in ("HTMLModel", "HTMLMathModel"):
            return f'<div class="cc-html">{state.get("value", "")}</div>'
        if name == "LabelModel":
            return f'<div class="cc-html">{html.escape(state.get("value", ""))}</div>'
        raise Unsupported(f"widget model {name}")

    def _slider(self, model_id, state):
        labels = [str(label) for label in state.get("_options_labels", [])]
        targets = self.links.get(model_id)
        if not labels or not targets:
            raise Unsupported("a slider without options or without a linked stack")
        index = int(state.get("index") or 0)
        label = labels[index]
        description = html.escape(state.get("description") or "value")
        element = f"cc-{model_id[:12]}"
        return (
            '<div class="cc-slider">'
            f'<label for="{element}">{description}</label>'
            f'<input type="range" class="cc-range" id="{element}" min="0" '
            f'max="{len(labels) - 1}" step="1" '
            f'value="{index}" aria-valuetext="{html.escape(label)}" '
            f'data-cc-labels="{html.escape(json.dumps(labels))}" '
            f'data-cc-targets="{" ".join(f"cc-{t[:12]}" for t in targets)}">'
            f'<output for="{element}">{html.escape(label)}</output>'
            "</div>"
        )

    def _stack(self, model_id, state, path, shown):
        owner = self._stack_owner.get(model_id)
        if owner is None:
            raise Unsupported("a stack that no slider selects")
        slider = self._model(owner)["state"]
        labels = slider.get("_options_labels", [])
        description = slider.get("description") or "value"
        selected = int(state.get("selected_index") or 0)
        items = []
        for index, child in enumerate(state.get("children", [])):
            here = [*path, f"{description}: {labels[index] if index < len(labels) else index}"]
            content = self._html(_model_id(child), here, shown and index == selected)
            hidden = "" if index == selected else " hidden"
            items.append(f'<div class="cc-stack-item"{hidden}>{content}</div>')
        return f'<div class="cc-stack" id="cc-{model_id[:12]}">{"".join(items)}</div>'

    def _variants(self, state, path, shown):
        """A ``<picture>``: the narrow frame for narrow screens, else the wide one."""
        children = [self._model(_model_id(c)) for c in state.get("children", [])]
        if len(children) != 2 or any(c.get("model_name") != "ImageModel" for c in children):
            raise Unsupported("a frame's variants must be two images")
        wide = self._image(children[0], children[0]["state"], path, shown)
        url, width, height = self._frame_file(children[1])
        source = f'srcset="{url}" ' if shown else ""
        return (
            f'<picture class="cc-picture"><source media="{NARROW_SCREEN}" {source}'
            f'data-srcset="{url}" width="{width}" height="{height}">{wide}</picture>'
        )

    def _frame_file(self, model):
        """Write ``model``'s PNG as a palette file; return its URL and its shown size."""
        state = model.get("state", {})
        if state.get("format", "png") != "png":
            raise Unsupported("an image that is not a PNG")
        buffers = {tuple(b["path"]): b["data"] for b in model.get("buffers", [])}
        if ("value",) not in buffers:
            raise Unsupported("an image without data")
        data, (width, height) = compact_png(base64.b64decode(buffers[("value",)]))
        shown_size = (state.get("width"), state.get("height"))
        if all(str(size).isdigit() for size in shown_size):  # drawn for dense screens
            width, height = (int(size) for size in shown_size)
        name = hashlib.sha256(data).hexdigest()[:20] + ".png"
        target = self.outdir / IMAGE_DIR / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self.frame_bytes += len(data)
        self.frames += 1
        return f"{self.prefix}{IMAGE_DIR}/{name}", width, height

    def _image(self, model, state, path, shown):
        url, width, height = self._frame_file(model)
        alt = html.escape("Frame for " + "; ".join(path) if path else "Widget frame")
        # A shown frame loads when it nears the viewport; a hidden one when it is first shown.
        source = f'src="{url}" ' if shown else ""
        return (
            f'<img class="cc-frame" {source}data-src="{url}" alt="{alt}" width="{width}" '
            f'height="{height}" loading="lazy" decoding="async">'
        )


def convert_views(text, page):
    """Rewrite every widget-view script in ``text``; return ``(text, converted, left)``."""
    counts = {"converted": 0, "left": 0}

    def replace(match):
        try:
            view = json.loads(html.unescape(match.group(1)))
            rewritten = page.convert(view["model_id"])
        except (Unsupported, KeyError, ValueError):
            counts["left"] += 1
            return match.group(0)
        counts["converted"] += 1
        return rewritten

    text = VIEW_SCRIPT.sub(replace, text)
    return text, counts["converted"], counts["left"]
