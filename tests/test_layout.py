"""Phone-width variants of a figure: panels wrapped into rows, text kept at its size."""

import pytest

plt = pytest.importorskip("matplotlib.pyplot")

from cnncourse import layout  # noqa: E402


def three_panels():
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.0))
    for index, ax in enumerate(axes):
        ax.imshow([[index, 1], [2, 3]])
        ax.set_title(f"panel {index}")
    fig.suptitle("a result the title carries")
    return fig, axes


def test_pack_rows_fills_a_row_while_it_fits():
    assert layout.pack_rows([2.0, 1.0, 1.5, 3.0], limit=3.2, gap=0.1) == [[0, 1], [2], [3]]
    assert layout.pack_rows([5.0, 1.0], limit=3.0, gap=0.1) == [[0], [1]]


def test_three_panels_side_by_side_become_a_phone_wide_figure():
    fig, axes = three_panels()
    sizes = [ax.get_position().width * fig.get_figwidth() for ax in axes]
    titles = [ax.title.get_fontsize() for ax in axes]
    assert layout.too_wide(fig)
    assert len(layout.panel_columns(fig)) == 3
    assert layout.narrow_variant(fig) is fig
    assert not layout.too_wide(fig)
    # every panel keeps its size in inches and its title its size in points
    after = [ax.get_position().width * fig.get_figwidth() for ax in axes]
    assert after == pytest.approx(sizes, rel=1e-6)
    assert [ax.title.get_fontsize() for ax in axes] == titles
    # the panels now lie in more than one row, top to bottom in reading order
    tops = [ax.get_position().y1 for ax in axes]
    assert tops[0] >= tops[1] >= tops[2] and tops[0] > tops[2]
    # the figure's title wraps at the new width and sits above every panel
    assert fig._suptitle.get_wrap() and fig._suptitle.get_position()[1] > max(tops)
    plt.close(fig)


def test_a_figure_that_fits_or_has_one_column_is_left_alone():
    small, _ = plt.subplots(1, 2, figsize=(4.0, 2.0))
    assert layout.narrow_variant(small) is None
    wide_single, ax = plt.subplots(figsize=(8.0, 2.0))
    ax.plot([0, 1], [0, 1])
    assert layout.narrow_variant(wide_single) is None
    assert wide_single.get_figwidth() == 8.0
    plt.close("all")


def test_static_widget_carries_a_narrow_variant_only_where_one_exists():
    widgets = pytest.importorskip("ipywidgets")
    from cnncourse.widgets import VARIANTS_CLASS, scrubber

    wide = scrubber(lambda i: three_panels()[0], [0, 1], description="i", mode="static")
    stack = wide.children[1]
    assert all(VARIANTS_CLASS in child._dom_classes for child in stack.children)
    phone_image = stack.children[0].children[1]
    assert phone_image.layout.display == "none"  # Jupyter shows the wide frame only

    def one_panel(i):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, i])
        return fig

    open_before = plt.get_fignums()
    plain = scrubber(one_panel, [0, 1], description="i", mode="static")
    assert all(isinstance(child, widgets.Image) for child in plain.children[1].children)
    # every figure drawn for the widget is closed (an open one would print under the cell)
    assert plt.get_fignums() == open_before


def test_a_frame_that_offers_its_own_phone_drawing_gets_it():
    def draw(narrow=False):
        fig, ax = plt.subplots(figsize=(4.0 if narrow else 9.0, 2.0))
        ax.plot([0, 1])
        if not narrow:
            layout.offer_narrow(fig, draw, narrow=True)
        return fig

    plt.close("all")
    wide = draw()
    phone = layout.narrow_variant(wide)
    assert phone is not wide and phone.get_figwidth() == 4.0
    assert plt.get_fignums() == [phone.number]  # the wide drawing is closed
    plt.close(phone)


def test_smallest_text_is_its_font_size_at_the_shown_scale():
    fig, ax = plt.subplots(figsize=(4.0, 2.0))
    ax.set_xticks([0, 1], ["a", "b"], fontsize=7)
    ax.set_title("title", fontsize=12)
    ax.set_xlim(0, 1)
    # 7 pt at 80 CSS px per inch (the figure fits a 688 px column): 7 / 72 * 80 px
    px, text = layout.smallest_text(fig, 80, 688)
    assert text in "ab" and px == pytest.approx(7 / 72 * 80)
    # shrunk into a 160 px box, every inch takes 160 / width px
    px, _ = layout.smallest_text(fig, 80, 160)
    assert px == pytest.approx(7 / 72 * 160 / layout.shown_inches(fig))
    # a tick label outside the axis' limits is not drawn, so it does not count
    ax.set_xticks([0, 5], ["a", "far"], fontsize=7)
    ax.set_xlim(0, 1)
    assert "far" not in [t.get_text() for t in layout.drawn_texts(fig)]
    plt.close(fig)
