"""Finds text a visitor could not read whole: drawn outside its own box, outside a box that holds
it, or outside the window; a word split in the middle; lines dropped.

Run on every screen by `kiosk screenshots --check` (and so by the tests) at each screen size and
in each language: a translation that is longer than the English, a name that wraps, a portrait
screen, all show up here rather than at a school's door.
"""

from __future__ import annotations

from collections.abc import Iterator

from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from screens.fit import broken_words, dropped_text

TOLERANCE = 1.5  # pixels: rounding of positions and texture sizes


def _window_rect(widget: Widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(*widget.pos)
    return x, y, x + widget.width, y + widget.height


def _shown(widget: Widget) -> bool:
    """Visible to a person: every box up to the window drawn, with some size."""
    node = widget
    while isinstance(node, Widget):  # up to the window, which is no widget
        if node.opacity <= 0.01 or node.width < 2 or node.height < 2:
            return False
        node = node.parent
    return True


def _inside(inner: tuple[float, ...], outer: tuple[float, ...], horizontal_only: bool = False) -> bool:
    ix0, iy0, ix1, iy1 = inner
    ox0, oy0, ox1, oy1 = outer
    across = ix0 >= ox0 - TOLERANCE and ix1 <= ox1 + TOLERANCE
    return across if horizontal_only else across and iy0 >= oy0 - TOLERANCE and iy1 <= oy1 + TOLERANCE


def _describe(widget: Widget) -> str:
    text = " ".join(widget.text.split())
    return f"{type(widget).__name__} {text[:60]!r}"


def _ancestors(widget: Widget) -> Iterator[Widget]:
    parent = widget.parent
    while isinstance(parent, Widget):
        yield parent
        parent = parent.parent


def _labels(root: Widget) -> Iterator[Label]:
    for widget in root.walk(restrict=True):
        if isinstance(widget, Label) and widget.text.strip() and _shown(widget):
            yield widget


def problems(root: Widget, window_size: tuple[int, int]) -> list[str]:
    """Each label on screen under `root` whose text is not shown whole, as one line."""
    found = []
    window = (0.0, 0.0, float(window_size[0]), float(window_size[1]))
    for label in _labels(root):
        x0, y0, _x1, _y1 = _window_rect(label)
        tw, th = label.texture_size
        # Kivy draws a label's texture centred on the label.
        drawn = (x0 + (label.width - tw) / 2, y0 + (label.height - th) / 2,
                 x0 + (label.width + tw) / 2, y0 + (label.height + th) / 2)  # fmt: skip
        where = []
        if not _inside(drawn, _window_rect(label)):
            where.append(f"text {tw:.0f}x{th:.0f} outside its box {label.width:.0f}x{label.height:.0f}")
        if label.text_size[0] is not None:
            lines = label._label._cached_lines
            broken = broken_words(label.text, lines)
            if broken:
                where.append("word broken: " + ", ".join(broken))
            if dropped_text(label.text, lines):
                where.append("lines dropped")
        in_list = any(isinstance(parent, ScrollView) for parent in _ancestors(label))
        if not _inside(drawn, window, horizontal_only=in_list):  # a list's rows scroll into the window
            where.append("outside the window")
        parent = label.parent
        while isinstance(parent, Widget) and not where:
            if isinstance(parent, ScrollView):
                if not _inside(drawn, _window_rect(parent), horizontal_only=True):
                    where.append(f"wider than its list ({type(parent).__name__})")
                break  # a list scrolls: what is below or above its view is reached by scrolling
            if isinstance(parent, ModalView):
                break  # a dialog's own frame is its content's box, checked below it
            if not _inside(drawn, _window_rect(parent)):
                where.append(f"outside the {type(parent).__name__} that holds it")
            parent = parent.parent
        if where:
            found.append(f"{_describe(label)}: {'; '.join(where)}")
    return found
