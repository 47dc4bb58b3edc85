"""A visitor checks in through the real screens, with taps, in English and in Spanish."""

from __future__ import annotations

from kiosk.driver import dialog, find, frames, run, tap
from kiosk.language import translator


def tap_key(keyboard, key: str) -> None:
    tap(next(k for k in keyboard.walk() if getattr(k, "key", None) == key))


def tap_keys(app, keys: str):
    """Type with the on-screen keyboard as a visitor would: one tap per key, switching to the
    accent layer and tapping Shift where needed. Returns how many times Shift was needed."""
    from kiosk import keyboards

    keyboard = app.root.current_screen.ids.keyboard
    letters, accents = keyboards.letters_for(app.language), keyboards.accents_for(app.language)
    shifts = 0
    for ch in keys:
        layer = letters if ch.lower() in "qwertyuiopasdfghjklzxcvbnm'- " else accents
        if keyboard.layer != layer:
            tap_key(keyboard, "layer")
            yield from frames(1)
        if ch.isalpha() and ch.isupper() != keyboard.shift:
            tap_key(keyboard, "shift")
            shifts += 1
        tap_key(keyboard, "space" if ch == " " else ch.lower())
        yield from frames(1)
    return shifts


def test_check_in_in_english_with_taps(make_app, desk):
    app = make_app()
    seen = {}

    def script(app):
        yield from frames(3)
        assert app.current == "welcome"
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        assert app.current == "name"
        shifts = yield from tap_keys(app, "José")
        tap(app.root.current_screen.ids.last)
        yield from frames(1)
        shifts += yield from tap_keys(app, "Núñez-O'Brien")
        assert shifts == 0, "names are capitalised by themselves"
        assert app.root.current_screen.ids.first.text == "José"
        assert app.root.current_screen.ids.last.text == "Núñez-O'Brien"
        tap(find(app.root.current_screen, "Next"))
        yield from frames(2)
        assert app.current == "reason"
        tap(find(app.root.current_screen, "Meet a staff member"))
        yield from frames(2)
        assert app.current == "host"
        yield from tap_keys(app, "garc")
        yield from frames(2)
        tap(find(app.root.current_screen, "Ms. García, 3rd grade, Room 12"))
        yield from frames(2)
        assert app.current == "review"
        screen = app.root.current_screen
        find(screen, "José Núñez-O'Brien")
        find(screen, "Ms. García")
        tap(screen.ids.interpreter)
        yield from frames(3)
        tap(find(dialog("InterpreterPicker"), "Español"))  # which language: the office must know whom to call
        yield from frames(2)
        tap(screen.ids.confirm)
        yield from frames(2)
        assert app.current == "done"
        seen["title"] = app.root.current_screen.title
        seen["body"] = app.root.current_screen.body
        seen["stored"] = desk.visits_today()
        yield 3.5  # the confirmation returns to the welcome screen by itself
        seen["after"] = app.current

    run(app, script)
    assert seen["title"] == "Welcome, José."
    assert seen["body"] == "Please let the front desk know you are here."  # not connected: nobody was told
    [visit] = seen["stored"]
    assert (visit.first_name, visit.last_name, visit.reason) == ("José", "Núñez-O'Brien", "meeting")
    assert (visit.host_id, visit.host_name, visit.language, visit.interpreter) == ("t-001", "Ms. García", "en", True)
    assert visit.interpreter_language == "es"
    assert seen["after"] == "welcome"


def test_check_in_in_spanish_switches_every_string(make_app, desk):
    app = make_app()
    es = translator("es")
    seen = {}

    def script(app):
        yield from frames(3)
        tap(find(app.root.current_screen, "Español"))
        yield from frames(2)
        assert app.language == "es"
        assert app.root.current_screen.ids.check_in.text == es("Check in") != "Check in"
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        yield from tap_keys(app, "Zoë")
        tap(app.root.current_screen.ids.last)
        yield from tap_keys(app, "D'Angelo")
        tap(find(app.root.current_screen, es("Next")))
        yield from frames(2)
        tap(find(app.root.current_screen, es("Pick up a student")))
        yield from frames(2)
        assert app.current == "student"
        find(app.root.current_screen, es("Which student are you picking up?"))
        yield from tap_keys(app, "Lía")
        tap(find(app.root.current_screen, es("Next")))
        yield from frames(2)
        assert app.current == "review"
        find(app.root.current_screen, es("Student"))
        tap(app.root.current_screen.ids.confirm)
        yield from frames(2)
        seen["title"] = app.root.current_screen.title
        seen["stored"] = desk.visits_today()

    run(app, script)
    assert seen["title"] == es("Welcome, {name}.").format(name="Zoë")
    [visit] = seen["stored"]
    assert (visit.first_name, visit.last_name, visit.reason, visit.language) == ("Zoë", "D'Angelo", "pickup", "es")
    assert visit.student_name == "Lía"
