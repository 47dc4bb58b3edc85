"""An Arabic name typed on the on-screen keyboard's Arabic layer, from an English screen, with taps.

Set SCREENSHOTS_DIR to keep the PNGs (keyboard-*.png); otherwise they go to a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.driver import find, frames, run, screenshot, tap


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)


def keys(keyboard) -> dict:  # type: ignore[no-untyped-def]
    from screens.widgets import Key

    return {k.key: k for k in keyboard.walk() if isinstance(k, Key)}


def tap_arabic(keyboard, text: str):  # type: ignore[no-untyped-def]
    """One tap per letter, on the Arabic layer (opened with its key if another layer is showing)."""
    if keyboard.layer != "ar":
        tap(keys(keyboard)["to:ar"])
        yield from frames(1)
    for ch in text:
        tap(keys(keyboard)["space" if ch == " " else ch])
        yield from frames(1)


def test_an_arabic_name_typed_with_taps_is_stored_as_typed(make_app, desk, shots):
    from kivy.metrics import dp

    from kiosk.keyboards import layout

    app = make_app()
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(3)
        screen = app.root.current_screen
        keyboard, first, last = screen.ids.keyboard, screen.ids.first, screen.ids.last
        assert app.language == "en" and keyboard.layer == "letters"
        for layer in ("letters", "accents", "ar"):  # every key a finger can hit at 800x480
            keyboard.layer = layer
            yield from frames(2)
            narrow = [k.text for k in keys(keyboard).values() if k.width < dp(48)]
            assert not narrow, f"{layer}: keys narrower than 48 dp: {narrow}"
        keyboard.layer = "letters"
        yield from frames(2)
        assert keys(keyboard)["to:ar"].text == "عربي"

        yield from tap_arabic(keyboard, "محمد")
        on_layer = keys(keyboard)
        assert "shift" not in on_layer, "Arabic has no capitals: no Shift key on its layer"
        letters = [k for row in layout("ar").rows for k in row]
        assert set(letters) <= set(on_layer)
        assert all(on_layer[ch].text == ch for ch in letters)
        assert "Arabic" in on_layer["ض"].font_name, "Arabic letters are drawn with an Arabic font, not as boxes"
        assert first.text == "محمد"
        assert first.focus, "the field keeps its focus (and its cursor) through taps on the keys"
        assert first.base_direction == "rtl", "a field holding Arabic runs right to left on an English screen"
        yield from frames(2)
        padding_right = first.padding[2]
        text_left = first.right - padding_right - first._get_row_width(0)
        assert abs(first.cursor_pos[0] - text_left) <= 2, "the cursor stands where typing goes on: left of the name"
        assert first.get_cursor_from_xy(text_left - 4, first.center_y) == (4, 0), "a tap left of the name: its end"
        assert first.get_cursor_from_xy(first.right - padding_right, first.center_y) == (0, 0)
        between = first.right - padding_right - first._get_text_width("مح", first.tab_width, first._label_cached)
        assert first.get_cursor_from_xy(between - 1, first.center_y) == (2, 0), "a tap between ح and م: there"
        screenshot(shots / "keyboard-arabic-800x480.png")

        tap(last)
        yield from frames(2)
        assert keyboard.target is last and keyboard.layer == "ar"
        yield from tap_arabic(keyboard, "الأحمد")
        assert last.text == "الأحمد"
        tap(keys(keyboard)["layer"])  # "abc": back to Latin letters, with Shift again
        yield from frames(2)
        assert keyboard.layer == "letters" and "shift" in keys(keyboard)
        assert keys(keyboard)["layer"].text == "àé"
        screenshot(shots / "keyboard-arabic-name-800x480.png")

        tap(find(screen, "Next"))
        yield from frames(3)
        assert app.current == "reason"
        tap(find(app.root.current_screen, "Drop something off"))
        yield from frames(3)
        assert app.current == "review"
        find(app.root.current_screen, "محمد الأحمد")
        tap(app.root.current_screen.ids.confirm)
        yield from frames(3)
        seen["title"] = app.root.current_screen.title
        seen["stored"] = desk.visits_today()

    run(app, script)
    assert seen["title"] == "Welcome, \u2068محمد\u2069."  # set apart from the English sentence
    [visit] = seen["stored"]
    assert (visit.first_name, visit.last_name, visit.reason, visit.language) == ("محمد", "الأحمد", "dropoff", "en")


def test_no_capitals_on_the_arabic_layer_and_latin_capitals_come_back(make_app):
    app = make_app()

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(3)
        screen = app.root.current_screen
        keyboard, first = screen.ids.keyboard, screen.ids.first
        assert keyboard.shift, "the first letter of a name is a capital"
        tap(keys(keyboard)["to:ar"])
        yield from frames(2)
        assert not keyboard.shift
        yield from tap_arabic(keyboard, "سارة ")
        tap(keys(keyboard)["layer"])
        yield from frames(2)
        assert keyboard.shift, "after a space, the next Latin letter is a capital again"
        tap(keys(keyboard)["j"])
        yield from frames(1)
        assert first.text == "سارة J"

    run(app, script)
