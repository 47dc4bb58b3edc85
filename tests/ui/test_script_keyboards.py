"""Names typed with taps on each script's own layer, as a visitor on that language's screen types them:
Korean jamo composed into syllables (and taken back one at a time), Ukrainian letters, and back to Latin."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.checkin import FrontDesk
from kiosk.driver import frames, run, tap
from kiosk.store import Store


@pytest.fixture
def many(config):  # type: ignore[no-untyped-def]
    """A campus that offers Korean, Ukrainian and Japanese beside English."""
    store = Store(config.database_path)
    yield FrontDesk(replace(config, languages=("en", "ko", "uk", "ja")), store)
    store.close()


def keys(keyboard) -> dict:  # type: ignore[no-untyped-def]
    from screens.widgets import Key

    return {k.key: k for k in keyboard.walk() if isinstance(k, Key)}


def name_screen(app, code: str):  # type: ignore[no-untyped-def]
    """A visitor taps their language, then Check in: the name screen, its keyboard on their letters."""
    yield from frames(3)
    app.set_language(code)
    yield from frames(2)
    app.start_check_in()
    yield from frames(3)


def tap_each(keyboard, taps: list[str]):  # type: ignore[no-untyped-def]
    for key in taps:
        tap(keys(keyboard)[key])
        yield from frames(1)


def test_a_korean_name_is_composed_from_jamo_taps_and_taken_back_one_jamo_at_a_time(make_app, many) -> None:
    app = make_app(many)
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        yield from name_screen(app, "ko")
        screen = app.root.current_screen
        keyboard, first = screen.ids.keyboard, screen.ids.first
        seen["layer"] = keyboard.layer
        seen["shift on a caseless layer"] = keyboard.shift
        yield from tap_each(keyboard, list("ㄱㅣㅁ"))
        seen["one syllable"] = first.text
        yield from tap_each(keyboard, list("ㅁㅣㄴㅈㅣ"))
        seen["name"] = first.text
        yield from tap_each(keyboard, ["backspace"])
        seen["one jamo back"] = first.text
        yield from tap_each(keyboard, ["shift", "ㅉ"])
        seen["tense"] = first.text
        seen["shift after one key"] = keyboard.shift
        yield from tap_each(keyboard, ["layer"])  # Latin letters, one tap away
        seen["latin"] = (keyboard.layer, "q" in keys(keyboard) or "Q" in keys(keyboard))

    run(app, script)
    assert seen["layer"] == "ko" and seen["shift on a caseless layer"] is False
    assert seen["one syllable"] == "김" and seen["name"] == "김민지"
    assert seen["one jamo back"] == "김민ㅈ"
    assert seen["tense"] == "김민ㅈㅉ" and seen["shift after one key"] is False
    assert seen["latin"] == ("letters", True)


def test_a_ukrainian_name_is_typed_on_its_own_letters_with_a_capital(make_app, many) -> None:
    app = make_app(many)
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        yield from name_screen(app, "uk")
        keyboard, first = app.root.current_screen.ids.keyboard, app.root.current_screen.ids.first
        seen["layer"] = keyboard.layer
        yield from tap_each(keyboard, list("мар’яна"))
        seen["name"] = first.text
        app.home()
        yield from frames(2)
        app.set_language("en")
        yield from frames(2)
        app.start_check_in()
        yield from frames(3)
        seen["next visitor"] = app.root.current_screen.ids.keyboard.layer

    run(app, script)
    assert seen["layer"] == "uk"
    assert seen["name"] == "Мар’яна"  # capital first, as a name starts; none after the apostrophe
    assert seen["next visitor"] == "letters"


def test_kana_are_voiced_by_the_dakuten_key(make_app, many) -> None:
    app = make_app(many)
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        yield from name_screen(app, "ja")
        keyboard, first = app.root.current_screen.ids.keyboard, app.root.current_screen.ids.first
        seen["layer"] = keyboard.layer
        yield from tap_each(keyboard, ["さ", "く", "ら", "は", "゛"])
        seen["name"] = first.text

    run(app, script)
    assert seen["layer"] == "ja" and seen["name"] == "さくらば"


def test_shift_on_the_kana_layer_stays_for_a_katakana_name(make_app, many) -> None:
    app = make_app(many)
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        yield from name_screen(app, "ja")
        keyboard, first = app.root.current_screen.ids.keyboard, app.root.current_screen.ids.first
        yield from tap_each(keyboard, ["shift", "マ", "リ", "ア"])
        seen["name"] = first.text

    run(app, script)
    assert seen["name"] == "マリア"


def test_a_kiosk_that_cannot_shape_does_not_offer_the_scripts_it_would_scramble(make_app, config) -> None:
    """Pillow without raqm (kiosk.shaping) draws Arabic unjoined and Nepali scrambled: those languages are
    not offered (not on the welcome row, not in the picker), and the staff screen says which and why."""
    from kivy.core.window import Window

    store = Store(config.database_path)
    desk = FrontDesk(replace(config, languages=("ar", "en", "ne", "es"), default_language="ar"), store)
    app = make_app(desk, shaping=False)
    seen = {}

    def script(app):  # type: ignore[no-untyped-def]
        yield from frames(3)
        seen["language"] = app.language
        seen["row"] = [b.code for b in reversed(app.root.current_screen.ids.languages.children)]
        app.open_language_picker()
        yield from frames(2)
        picker = next(w for w in Window.children if type(w).__name__ == "LanguagePicker")
        seen["picker"] = sorted(b.text for b in picker.ids.grid.children)
        picker.dismiss()
        app.show("admin")
        yield from frames(3)
        seen["staff"] = app.root.current_screen.describe_status()

    run(app, script)
    store.close()
    assert seen["language"] == "en"  # the campus's own language is Arabic: the first it can draw instead
    assert seen["row"] == ["en", "es"] and seen["picker"] == ["English", "Español"]
    assert "Not offered: Arabic, Nepali (this kiosk cannot shape their script: libraqm is missing)" in seen["staff"]
