"""A right-to-left language mirrors every screen a visitor sees, and switching back restores them.

No right-to-left catalog ships yet, so the test adds Arabic the way a later issue will: one line
in languages.toml and a catalog (tests/ui/rtl_language.py; a partial one). Then a visitor taps
العربية and checks in, and signs out, with taps, and on every screen: the header's Back button
is on the right and the language button on the left, rows run right to left, text starts on the
right, fields take right-to-left text, choices in grids start top right. Switching to English
and back (right to left, left to right, right to left) must restore each, never reverse twice.

Set SCREENSHOTS_DIR to keep the PNGs (rtl-*.png); otherwise they go to a temporary folder.
"""

from __future__ import annotations

import os
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

import kiosk.language
from kiosk.checkin import Draft, FrontDesk
from kiosk.driver import dialog, enter_name, find, frames, run, screenshot, tap, type_text
from kiosk.store import Store
from ui.rtl_language import restore, use_test_arabic

ARABIC_NAME = "العربية"


@pytest.fixture
def arabic(tmp_path: Path):
    real = kiosk.language.CATALOG_DIR
    use_test_arabic(tmp_path / "i18n")
    yield kiosk.language.translator("ar")
    restore(real)


@pytest.fixture
def desk(config, arabic):
    """The demo kiosk offering English, Spanish and the test Arabic."""
    config = replace(config, languages=("en", "es", "ar"), confirmation_seconds=30)
    store = Store(config.database_path)
    yield FrontDesk(config, store)
    store.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)


def visible(widget) -> bool:  # type: ignore[no-untyped-def]
    """Not hidden by itself or by a parent (nothing a visitor could see: transparent, or squeezed to nothing)."""
    from kivy.uix.widget import Widget

    while isinstance(widget, Widget):
        if widget.opacity == 0 or widget.width < 1:
            return False
        widget = widget.parent
    return True


def x_of(widget) -> float:  # type: ignore[no-untyped-def]
    return widget.to_window(widget.x, widget.y)[0]


def right_to_left(*widgets) -> bool:  # type: ignore[no-untyped-def]
    """Whether the widgets, given in reading order, stand from right to left on screen."""
    xs = [x_of(w) for w in widgets]
    return all(a > b for a, b in pairwise(xs))


def left_to_right(*widgets) -> bool:  # type: ignore[no-untyped-def]
    xs = [x_of(w) for w in widgets]
    return all(a < b for a, b in pairwise(xs))


def check_direction(app, rtl: bool) -> None:  # type: ignore[no-untyped-def]
    """What a visitor sees of the reading direction on the current screen (and any popup over it)."""
    from kivy.core.window import Window
    from kivy.uix.gridlayout import GridLayout

    from screens.widgets import Header, KLabel, MirrorBox, NameField

    in_order = right_to_left if rtl else left_to_right
    start = "right" if rtl else "left"
    screen = app.root.current_screen
    widgets = [w for root in Window.children for w in root.walk(restrict=True)]
    assert [w for w in widgets if w is screen], "the current screen is on the window"
    shown = [w for w in widgets if w.get_root_window() is not None and visible(w)]
    for header in (w for w in shown if isinstance(w, Header)):
        back = find(header, app.tr("Back")) if header.show_back else None
        language = find(header, app.language_name)
        if back is not None:
            assert in_order(back, language), f"{screen.name}: Back is on the {start}, the language opposite"
        title = find(header, header.title)
        assert title.halign == "center" and abs(title.center_x - header.center_x) < 2, "the title stays centred"
    for box in (w for w in shown if isinstance(w, MirrorBox) and w.orientation == "horizontal"):
        assert box.mirrored == rtl, f"{screen.name}: {box} runs the wrong way"
        reading = list(box.children) if box.mirrored else list(reversed(box.children))
        reading = [w for w in reading if visible(w)]
        if len(reading) >= 2:
            assert in_order(reading[0], reading[-1]), f"{screen.name}: {box}'s children in the wrong order"
    for label in (w for w in shown if isinstance(w, KLabel) and w.text):
        wanted = "center" if label.centered else start
        assert label.halign == wanted, f"{screen.name}: {label.text!r} is aligned {label.halign}, not {wanted}"
    for field in (w for w in shown if isinstance(w, NameField) and not w.text):
        assert field.base_direction == ("rtl" if rtl else "ltr"), f"{screen.name}: an empty field runs the wrong way"
    for grid in (w for w in shown if isinstance(w, GridLayout) and len(w.children) >= 2):
        if (grid.cols or 0) >= 2 or (grid.rows == 1):
            assert grid.orientation.startswith("rl" if rtl else "lr"), (
                f"{screen.name}: {grid} fills from the wrong side"
            )


def choose_language(app, name: str):  # type: ignore[no-untyped-def]
    """Through the header's language button and the picker, as a visitor would mid check-in."""
    from kivy.core.window import Window

    from screens.widgets import Header, LanguagePicker

    def pickers() -> list:
        return [w for w in Window.children if isinstance(w, LanguagePicker)]

    header = next(w for w in app.root.current_screen.walk() if isinstance(w, Header))
    tap(find(header, app.language_name))
    for _ in range(50):  # it opens with an animation
        yield 0.02
        if pickers() and pickers()[0].opacity == 1:
            break
    tap(find(pickers()[0], name))
    for _ in range(50):
        yield 0.02
        if not pickers():
            break
    assert not pickers(), "the language picker closes"
    yield from frames(2)


def test_check_in_and_sign_out_in_a_right_to_left_language(make_app, desk, arabic, shots):
    desk.check_in(Draft(language="en", first_name="María", last_name="López", reason="pickup", student_name="Sam"))
    app = make_app()
    seen = {}

    def shot(name: str):  # type: ignore[no-untyped-def]
        yield from frames(3)
        screenshot(shots / f"rtl-{name}.png")

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        screen = app.root.current_screen
        tap(find(screen, ARABIC_NAME))
        yield from frames(3)
        assert (app.language, app.rtl) == ("ar", True)
        check_direction(app, rtl=True)
        ids = screen.ids
        assert right_to_left(ids.check_in, ids.sign_out)
        assert right_to_left(*(find(ids.languages, name) for name in ("English", "Español", ARABIC_NAME)))
        assert right_to_left(ids.check_in, ids.camera_slot), "the greeting and buttons first, the camera slot after"
        assert ids.campus.halign == "right"
        yield from shot("welcome")

        tap(ids.check_in)
        yield from frames(3)
        assert app.current == "name"
        screen = app.root.current_screen
        check_direction(app, rtl=True)
        assert right_to_left(screen.ids.first, screen.ids.last, screen.ids.next)
        assert find(screen, arabic("First name")).halign == "right"
        yield from shot("name")
        type_text(app, "محمد")
        tap(screen.ids.last)
        yield from frames(1)
        type_text(app, "الأحمد")
        yield from frames(2)
        assert screen.ids.first.base_direction == screen.ids.last.base_direction == "rtl"
        yield from shot("name-typed")
        tap(find(screen, arabic("Next")))
        yield from frames(3)

        assert app.current == "reason"
        screen = app.root.current_screen
        check_direction(app, rtl=True)
        meet, pickup = find(screen, arabic("Meet a staff member")), find(screen, arabic("Pick up a student"))
        assert meet.y == pickup.y and right_to_left(meet, pickup), "the first reason is top right"
        yield from shot("reason")
        tap(meet)
        yield from frames(3)

        assert app.current == "host"
        screen = app.root.current_screen
        check_direction(app, rtl=True)
        assert right_to_left(screen.ids.query, find(screen, arabic("Skip")))
        assert screen.ids.query.hint_text == arabic("Search by name, grade or room")
        yield from shot("host-empty")
        type_text(app, "gar")
        yield from frames(3)
        check_direction(app, rtl=True)
        yield from shot("host")
        result = next(w for w in screen.ids.results.children if "García" in w.text)
        assert result.text.startswith("\u200f"), "the parts of a result line run right to left"
        tap(result)
        yield from frames(3)

        assert app.current == "review"
        screen = app.root.current_screen
        check_direction(app, rtl=True)
        label, value = find(screen, arabic("Name")), find(screen, "محمد الأحمد")
        assert right_to_left(label, value)
        interpreter = screen.ids.interpreter
        tap(interpreter)
        yield from frames(3)
        picker = dialog("InterpreterPicker")
        assert picker.ids.first.orientation == picker.ids.more.orientation == "rl-tb", "languages start at the right"
        tap(find(picker, "العربية"))
        yield from frames(2)
        assert interpreter.selected and interpreter.box_x > interpreter.center_x, "the tick box is at the start: right"
        assert right_to_left(find(screen, arabic("Change")), screen.ids.confirm)
        yield from shot("review")
        tap(screen.ids.confirm)
        yield from frames(3)

        assert app.current == "done"
        check_direction(app, rtl=True)
        assert app.root.current_screen.ids.title.halign == "center"
        seen["title"] = app.root.current_screen.title
        yield from shot("done")
        tap(find(app.root.current_screen, arabic("Done")))
        yield from frames(3)
        assert app.current == "welcome" and app.language == "en" and not app.rtl
        check_direction(app, rtl=False)

        tap(find(app.root.current_screen, ARABIC_NAME))
        yield from frames(2)
        tap(app.root.current_screen.ids.sign_out)
        yield from frames(3)
        assert app.current == "signout"
        screen = app.root.current_screen
        check_direction(app, rtl=True)
        first, second = (next(w for w in screen.ids.visitors.children if w.visit.id == v.id) for v in desk.on_site())
        assert first.y == second.y and right_to_left(first, second)
        yield from shot("signout")
        tap(next(w for w in screen.ids.visitors.children if w.visit.first_name == "محمد"))
        yield from frames(3)
        check_direction(app, rtl=True)
        assert right_to_left(find(screen, arabic("No, go back")), screen.ids.yes)
        yield from shot("signout-confirm")
        tap(screen.ids.yes)
        yield from frames(3)
        check_direction(app, rtl=True)
        assert app.root.current_screen.ids.title.halign == "center", "centred, after a change of direction too"
        seen["goodbye"] = app.root.current_screen.title
        yield from shot("goodbye")

    run(app, script)
    assert seen["title"] == arabic("Welcome, {name}.").format(name="محمد")
    assert seen["goodbye"] == arabic("Goodbye, {name}.").format(name="محمد")
    [visit] = [v for v in desk.visits_today() if v.language == "ar"]
    assert (visit.first_name, visit.last_name, visit.reason, visit.host_name) == (
        "محمد", "الأحمد", "meeting", "Ms. García")  # fmt: skip
    assert visit.interpreter and visit.signed_out_by == "visitor"


def test_switching_right_to_left_and_back_restores_every_screen(make_app, desk, arabic, shots):
    """RTL → LTR → RTL on screens made before, during and after the first switch: no row reversed twice."""
    app = make_app()

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        check_direction(app, rtl=False)
        tap(find(app.root.current_screen, ARABIC_NAME))  # the welcome screen was made left to right
        yield from frames(3)
        check_direction(app, rtl=True)
        tap(find(app.root.current_screen, "English"))
        yield from frames(3)
        check_direction(app, rtl=False)
        tap(find(app.root.current_screen, ARABIC_NAME))
        yield from frames(3)
        check_direction(app, rtl=True)
        tap(app.root.current_screen.ids.check_in)  # the name screen is made while right to left is on
        yield from frames(3)
        check_direction(app, rtl=True)
        for language, rtl in (("English", False), (ARABIC_NAME, True), ("English", False), (ARABIC_NAME, True)):
            yield from choose_language(app, language)
            assert app.rtl == rtl
            check_direction(app, rtl=rtl)
        yield from choose_language(app, "English")
        yield from enter_name(app, "Ana", "Díaz")
        yield from frames(3)
        tap(find(app.root.current_screen, "Meet a staff member"))  # the host screen is made left to right
        yield from frames(3)
        check_direction(app, rtl=False)
        yield from choose_language(app, ARABIC_NAME)
        check_direction(app, rtl=True)
        yield from choose_language(app, "English")
        check_direction(app, rtl=False)
        yield from choose_language(app, ARABIC_NAME)
        check_direction(app, rtl=True)
        screenshot(shots / "rtl-host-after-switching.png")
        tap(find(app.root.current_screen, app.tr("Back")))  # the reason screen, made left to right
        yield from frames(3)
        assert app.current == "reason"
        check_direction(app, rtl=True)
        yield from choose_language(app, "English")
        check_direction(app, rtl=False)

    run(app, script)


def test_a_row_made_while_right_to_left_is_on_keeps_its_order(make_app, desk, arabic):
    """A MirrorBox reverses only when the direction changes; one made in RTL, filled later, is right too."""
    app = make_app()
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        from kivy.uix.widget import Widget

        from screens.widgets import MirrorBox

        yield from frames(2)
        app.set_language("ar")
        box = MirrorBox(size=(300, 50))
        first, second, third = Widget(), Widget(), Widget()
        box.add_widget(first)
        box.add_widget(second)
        yield from frames(1)
        box.add_widget(third)
        box.do_layout()
        seen["rtl"] = [w.x for w in (first, second, third)]
        app.set_language("en")
        box.do_layout()
        seen["ltr"] = [w.x for w in (first, second, third)]
        app.set_language("ar")
        box.do_layout()
        seen["rtl again"] = [w.x for w in (first, second, third)]
        box.orientation = "vertical"
        seen["vertical"] = box.mirrored

    run(app, script)
    assert seen["rtl"] == sorted(seen["rtl"], reverse=True)
    assert seen["ltr"] == sorted(seen["ltr"])
    assert seen["rtl again"] == seen["rtl"]
    assert seen["vertical"] is False
