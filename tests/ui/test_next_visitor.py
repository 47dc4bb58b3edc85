"""The next visitor starts clean: whatever the last one touched (keyboard layers, Shift, typed
text, errors, scroll, the language) is gone after the idle reset and after a check-in; the
keyboard is always the language's on screen; errors go once fixed; the idle reset warns first.
Each through the real app, with taps on the on-screen keys."""

from __future__ import annotations

from dataclasses import replace

from kiosk.driver import dialog, enter_name, find, frames, run, tap, type_text
from kiosk.language import translator


def key(screen, name: str):  # type: ignore[no-untyped-def]
    """The on-screen key that types (or does) `name`, on `screen`'s keyboard."""
    from screens.widgets import Key

    keys = [k for k in screen.ids.keyboard.walk() if isinstance(k, Key) and k.key == name]
    assert keys, f"no {name!r} key on the {screen.ids.keyboard.layer} layer"
    return keys[0]


def key_names(screen) -> set[str]:  # type: ignore[no-untyped-def]
    from screens.widgets import Key

    return {k.key for k in screen.ids.keyboard.walk() if isinstance(k, Key)}


def tap_keys(screen, letters: str):  # type: ignore[no-untyped-def]
    for letter in letters:
        tap(key(screen, letter))
        yield None


def tap_clear(field) -> None:  # type: ignore[no-untyped-def]
    """A tap on the clear (×) button at the end of a field."""
    from kivy.tests.common import UnitTestTouch

    x, y = field.to_window(field.right - 20, field.center_y)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def idle_warning():  # type: ignore[no-untyped-def]
    return dialog("IdleWarning")


def assert_clean_name_screen(app) -> None:  # type: ignore[no-untyped-def]
    screen = app.root.current_screen
    assert app.current == "name"
    keyboard = screen.ids.keyboard
    assert keyboard.layer == "letters", "the last visitor's keyboard layer carried over"
    assert keyboard.shift, "a new name starts with a capital"
    assert screen.ids.first.text == "" and screen.ids.last.text == ""
    assert screen.message == ""
    assert screen.ids.first.focus and not screen.ids.last.focus
    assert keyboard.target is screen.ids.first
    assert screen.ids.first.scroll_x == 0 and screen.ids.last.scroll_x == 0


def test_the_next_visitor_after_an_idle_reset_finds_every_layer_reset(make_app, desk):
    desk.config = replace(desk.config, idle_seconds=10)
    app = make_app()
    app.idle_warning_seconds = 1
    seen = {}

    def script(app):
        yield from frames(3)
        tap(find(app.root.current_screen, "Español"))
        yield from frames(1)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(3)
        name = app.root.current_screen
        assert "ñ" in key_names(name), "a Spanish name screen has ñ from the start"
        # The visitor tries every layer: accents, Arabic, Shift, and pastes a very long name that is refused.
        tap(key(name, "layer"))
        yield from frames(2)
        assert name.ids.keyboard.layer == "accents-es"  # Spanish's accented letters first
        yield from tap_keys(name, "é")
        tap(key(name, "to:ar"))
        yield from frames(2)
        yield from tap_keys(name, "محمد")
        tap(name.ids.last)
        yield from frames(1)
        type_text(app, "x" * 500)
        tap(name.ids.next)
        yield from frames(2)
        assert name.message, "the long name is refused with a message"
        assert name.ids.keyboard.layer == "ar"
        # Nobody answers: the warning, then the reset.
        app._on_idle(0)
        yield from frames(2)
        assert idle_warning() is not None
        yield 1.6
        yield from frames(2)
        assert app.current == "welcome" and app.language == "en" and idle_warning() is None
        tap(app.root.current_screen.ids.check_in)
        yield from frames(3)
        assert_clean_name_screen(app)
        assert "ñ" not in key_names(app.root.current_screen), "an English keyboard has no ñ after a Spanish visitor"
        name = app.root.current_screen
        yield from tap_keys(name, "tom")  # the hidden-first-letter bug: "Tom" showed as "om"
        yield from frames(2)
        seen["typed"] = name.ids.first.text
        seen["scroll"] = name.ids.first.scroll_x

    run(app, script)
    assert seen == {"typed": "Tom", "scroll": 0}


def test_after_a_check_in_the_host_search_and_review_start_clean(make_app, desk):
    app = make_app()

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        yield from enter_name(app, "Ana", "Ruiz")
        yield from frames(2)
        tap(find(app.root.current_screen, "Meet a staff member"))
        yield from frames(2)
        host = app.root.current_screen
        assert app.current == "host"
        tap(key(host, "digits"))
        yield from frames(2)
        yield from tap_keys(host, "12")
        assert host.ids.query.text == "12", "the staff search takes digits from the on-screen keyboard"
        host.ids.query.text = "garc"
        yield from frames(3)
        tap(host.ids.results.children[-1])
        yield from frames(2)
        review = app.root.current_screen
        tap(review.ids.interpreter)
        yield from frames(3)
        tap(find(dialog("InterpreterPicker"), "Español"))
        yield from frames(2)
        tap(review.ids.confirm)
        yield from frames(2)
        assert app.current == "done"
        app.home()  # what the confirmation does when its time is up
        yield from frames(2)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(3)
        assert_clean_name_screen(app)
        yield from enter_name(app, "Li", "Wu")
        yield from frames(2)
        tap(find(app.root.current_screen, "Meet a staff member"))
        yield from frames(2)
        host = app.root.current_screen
        assert host.ids.query.text == "" and host.ids.keyboard.layer == "letters"
        tap(find(host, "Skip"))
        yield from frames(2)
        assert not app.root.current_screen.ids.interpreter.selected

    run(app, script)


def test_the_keyboard_follows_a_language_switch_at_once(make_app):
    app = make_app()
    seen = []

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        name = app.root.current_screen
        for code in ("es", "en", "es"):
            app.set_language(code)
            yield from frames(1)
            middle_row = name.ids.keyboard.children[-2]  # rows are added top first
            seen.append((code, "ñ" in key_names(name), len(middle_row.children), key(name, "space").text))

    run(app, script)
    space_es = translator("es")("space")
    assert seen == [("es", True, 10, space_es), ("en", False, 9, "space"), ("es", True, 10, space_es)]


def test_errors_go_as_soon_as_the_field_changes_and_next_moves_on(make_app, desk):
    app = make_app()

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        name = app.root.current_screen
        tap(name.ids.next)
        yield from frames(1)
        assert name.message == "Please type your first name."
        yield from tap_keys(name, "a")
        yield from frames(1)
        assert name.message == "", "the error stays after the first letter is typed"
        yield from tap_keys(name, "na")
        tap(name.ids.next)  # the last name is still empty: Next goes on to it
        yield from frames(1)
        assert name.message == ""
        assert name.ids.keyboard.target is name.ids.last and name.ids.last.focus
        type_text(app, "1234")
        tap(name.ids.next)
        yield from frames(1)
        assert name.message == "Please use only letters in your last name."
        tap_clear(name.ids.last)
        yield from frames(1)
        type_text(app, "Ruiz")  # the bad text replaced
        yield from frames(1)
        assert name.message == ""
        tap(name.ids.next)
        yield from frames(2)
        assert app.current == "reason"

    run(app, script)
    assert desk.visits_today() == []


def test_the_clear_button_empties_a_field_in_one_tap(make_app):
    app = make_app()

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        first = app.root.current_screen.ids.first
        type_text(app, "Bartholomew" * 4)
        yield from frames(2)
        assert first.clear_shown
        tap_clear(first)
        yield from frames(2)
        assert first.text == "" and first.focus and not first.clear_shown
        type_text(app, "Ana")
        assert first.text == "Ana"

    run(app, script)


def test_the_idle_warning_keeps_a_visitors_typing_when_they_answer(make_app, desk):
    app = make_app()
    app.idle_warning_seconds = 2

    def script(app):
        yield from frames(3)
        tap(find(app.root.current_screen, "Español"))
        yield from frames(1)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        type_text(app, "Ana")
        app._on_idle(0)
        yield from frames(2)
        warning = idle_warning()
        assert warning is not None
        es = translator("es")
        find(warning, es("Are you still there?"))
        tap(find(warning, es("Yes, I'm here")))
        yield from frames(2)
        assert idle_warning() is None
        yield 2.5  # past the warning's countdown: answered, so nothing is wiped
        assert app.current == "name" and app.root.current_screen.ids.first.text == "Ana" and app.language == "es"

    run(app, script)


def test_an_idle_screen_with_nothing_typed_resets_without_a_warning(make_app):
    app = make_app()

    def script(app):
        yield from frames(3)
        tap(find(app.root.current_screen, "Español"))
        yield from frames(1)
        app._on_idle(0)
        yield from frames(2)
        assert idle_warning() is None and app.current == "welcome" and app.language == "en"

    run(app, script)
