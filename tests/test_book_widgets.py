"""The build-time rewrite of static widgets into light HTML (``_ext/book_widgets.py``)."""

import io
import re
import sys

import pytest
from book_pages import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import book_widgets  # noqa: E402

widgets = pytest.importorskip("ipywidgets")
plt = pytest.importorskip("matplotlib.pyplot")


def _frame(a, b):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.text(0.5, 0.5, f"{a}-{b}")
    return fig


@pytest.fixture
def two_slider_widget():
    """A static two-slider widget (2 x 3 frames) and its page state, as the book stores it."""
    from ipywidgets.embed import dependency_state

    from cnncourse.widgets import explorer

    box = explorer(_frame, {"a": [1, 2], "b": ([10, 20, 30], ["ten", "twenty", "thirty"])},
                   mode="static", dpi=40)  # fmt: skip
    state = dependency_state(box, drop_defaults=False)
    links = {k: v for k, v in widgets.Widget.get_manager_state()["state"].items()
             if v["model_name"] == "LinkModel"}  # fmt: skip
    return box, {**state, **links}


def test_a_two_slider_widget_becomes_sliders_stacks_and_frame_files(two_slider_widget, tmp_path):
    box, state = two_slider_widget
    page = book_widgets.WidgetPage(state, tmp_path, depth=1)
    html = page.convert(box.model_id)
    assert html.count('type="range"') == 1 + 2  # the outer slider, one inner per outer item
    assert html.count('<img class="cc-frame"') == 6 and page.frames == 6
    # Only the first frame is fetched at once; the others wait in data-src.
    assert html.count(' src="../_images/widgets/') == 1
    assert html.count("data-src=") == 6
    assert 'aria-valuetext="ten"' in html and "<output" in html
    assert 'alt="Frame for a: 2; b: thirty"' in html
    files = list((tmp_path / book_widgets.IMAGE_DIR).glob("*.png"))
    assert len(files) == 6 and "base64" not in html


def test_frames_are_drawn_for_dense_screens_and_shown_at_their_dpi_size(
    two_slider_widget, tmp_path
):
    """Each frame file has 1.5 times the pixels of the size the page shows it at."""
    from PIL import Image

    from cnncourse.widgets import STATIC_DENSITY

    box, state = two_slider_widget
    html = book_widgets.WidgetPage(state, tmp_path, depth=1).convert(box.model_id)
    shown = re.findall(r'data-src="../([^"]+)"[^>]*width="(\d+)" height="(\d+)"', html)
    assert len(shown) == 6
    fig = _frame(1, 10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40, bbox_inches="tight")
    plt.close(fig)
    at_dpi = Image.open(buffer).size
    for path, width, height in shown:
        pixels = Image.open(tmp_path / path).size
        assert abs(int(width) - at_dpi[0]) <= 2 and abs(int(height) - at_dpi[1]) <= 2
        assert abs(pixels[0] - STATIC_DENSITY * int(width)) <= 1
        assert abs(pixels[1] - STATIC_DENSITY * int(height)) <= 1


def test_palette_png_is_smaller_and_keeps_the_size():
    from PIL import Image

    fig = _frame(1, 2)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    data = buffer.getvalue()
    smaller, size = book_widgets.compact_png(data)
    assert len(smaller) < len(data)
    assert Image.open(io.BytesIO(smaller)).size == size == Image.open(io.BytesIO(data)).size


def test_an_unknown_widget_is_left_to_the_renderer(tmp_path):
    button = widgets.Button(description="no static twin")
    from ipywidgets.embed import dependency_state

    view = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "%s"}</script>'
    page = book_widgets.WidgetPage(dependency_state(button), tmp_path, depth=0)
    text, converted, left = book_widgets.convert_views(view % button.model_id, page)
    assert (converted, left) == (0, 1) and re.search("widget-view", text)
