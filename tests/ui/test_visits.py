"""Sign-out, idle reset, hostile names, staff mode, a broken store and a broken config,
each through the real app with taps."""

from __future__ import annotations

from dataclasses import replace

from kiosk.checkin import Draft, FrontDesk
from kiosk.config import ConfigError, load_config
from kiosk.driver import enter_name, find, frames, run, tap, type_text
from kiosk.language import translator
from kiosk.store import Store
from kiosk.text import MAX_FIELD_LENGTH


def labels(root) -> list[str]:
    from kivy.uix.label import Label

    return [w.text for w in root.walk() if isinstance(w, Label) and w.text and w.opacity > 0]


def check_in(desk: FrontDesk, first: str, last: str, reason: str = "pickup"):
    student = "Sam Lee" if reason == "pickup" else ""
    return desk.check_in(Draft(language="en", first_name=first, last_name=last, reason=reason, student_name=student))


def test_sign_out_shows_first_name_and_initial_only(make_app, desk):
    maria = check_in(desk, "Maria", "Gonzalez")
    check_in(desk, "Wei", "Chen")
    app = make_app()
    seen = {}

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.sign_out)
        yield from frames(3)
        assert app.current == "signout"
        on_screen = " ".join(labels(app.root.current_screen))
        assert "Maria G. since" in on_screen and "Wei C. since" in on_screen
        assert "Gonzalez" not in on_screen and "Chen" not in on_screen
        tap(next(w for w in app.root.current_screen.ids.visitors.children if w.name == "Maria G."))
        yield from frames(2)
        find(app.root.current_screen, "Sign out Maria G.?")
        tap(app.root.current_screen.ids.yes)
        yield from frames(2)
        seen["title"] = app.root.current_screen.title
        seen["on_site"] = [v.first_name for v in desk.on_site()]

    run(app, script)
    assert seen["title"] == "Goodbye, Maria."
    assert seen["on_site"] == ["Wei"]
    assert desk.store.get(maria.id).signed_out_by == "visitor"


def test_idle_reset_wipes_what_was_typed_and_the_language(make_app, desk):
    desk.config = replace(desk.config, idle_seconds=3)
    app = make_app()
    app.idle_warning_seconds = 1  # "Are you still there?" first, since something was typed

    def script(app):
        yield from frames(3)
        tap(find(app.root.current_screen, "Español"))
        yield from frames(1)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        type_text(app, "Ana")  # at once: tapping key by key can outlast the idle time on a loaded machine
        assert app.root.current_screen.ids.first.text == "Ana"
        yield 5.2
        assert app.current == "welcome"
        assert app.language == "en"
        assert app.draft is None
        yield from frames(3)  # on a loaded machine the reset may have come just now: let the welcome screen lay out
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        assert app.current == "name"
        assert app.root.current_screen.ids.first.text == ""

    run(app, script)


def test_bad_names_get_a_kind_message_in_the_visitors_language(make_app, desk):
    app = make_app()
    es = translator("es")
    messages = []

    def attempt(app, first, last):
        screen = app.root.current_screen
        screen.ids.first.text = ""
        screen.ids.last.text = ""
        yield from enter_name(app, first, last)
        yield from frames(2)
        assert app.current == "name", "a bad name must not get past the first step"
        messages.append(screen.message)

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        yield from attempt(app, "   ", "Smith")
        yield from attempt(app, "x" * 10_000, "Smith")
        assert len(app.root.current_screen.ids.first.text) == MAX_FIELD_LENGTH
        # An emoji is refused as it is typed (no empty box in the field), with the kind message at once.
        screen = app.root.current_screen
        screen.ids.last.text = ""
        tap(screen.ids.last)
        yield from frames(1)
        type_text(app, "😀")
        assert screen.ids.last.text == ""
        assert screen.message == "Please use only letters in your last name."
        yield from attempt(app, "Ana", "😀")
        yield from attempt(app, "Ana\u202e", "asdf;lkj[]")
        app.set_language("es")
        yield from frames(1)
        yield from attempt(app, "\u200b\u200b", "Smith")

    run(app, script)
    assert messages == [
        "Please type your first name.",
        "That first name is longer than 50 letters. Please shorten it.",
        "Please type your last name.",  # the emoji never reached the field
        "Please use only letters in your last name.",
        es("Please type your first name."),
    ]
    assert messages[-1] != "Please type your first name."
    assert desk.visits_today() == []


def test_staff_mode_needs_the_right_pin(make_app, desk):
    visitor = check_in(desk, "Kofi", "Mensah")
    app = make_app()
    seen = {}

    def enter(app, pin):
        for digit in pin:
            tap(find(app.root.current_screen, digit))
        tap(app.root.current_screen.ids.ok)
        yield from frames(2)

    def script(app):
        yield from frames(3)
        for _ in range(4):
            tap(app.root.current_screen.ids.campus)
        yield from frames(1)
        assert app.current == "welcome", "four taps are not the gesture"
        tap(app.root.current_screen.ids.campus)
        yield from frames(2)
        assert app.current == "pin"
        yield from enter(app, "9999")
        assert app.current == "pin"
        seen["wrong"] = app.root.current_screen.message
        yield from enter(app, "1234")
        assert app.current == "admin"
        on_screen = labels(app.root.current_screen)
        assert "1 visitor on site" in on_screen and "1 visit today" in on_screen
        tap(app.root.current_screen.ids.kiosk_tab)
        yield from frames(2)
        assert any("Visits stored: 1" in text for text in labels(app.root.current_screen))
        tap(app.root.current_screen.ids.on_site_tab)
        yield from frames(2)
        tap(find(app.root.current_screen, "Sign out Kofi Mensah"))
        yield from frames(2)
        assert "0 visitors on site" in labels(app.root.current_screen)
        tap(app.root.current_screen.ids.quit)
        yield from frames(2)
        seen["stopped"] = True

    run(app, script)
    assert seen["wrong"] == "That PIN is not right."
    assert desk.store.get(visitor.id).signed_out_by == "staff"


def test_every_visible_string_follows_the_language(make_app, desk):
    """On each screen, after choosing Spanish no English text that has a translation remains."""
    es = translator("es")
    catalog = {msgid for msgid in es._t._catalog if isinstance(msgid, str) and msgid and es(msgid) != msgid}
    check_in(desk, "Maria", "Gonzalez")
    app = make_app()
    leftovers = {}

    screens = ("welcome", "name", "reason", "host", "review", "signout", "pin", "admin")

    def script(app):
        yield from frames(3)
        app.draft = Draft(language="en", first_name="Ana", last_name="Ruiz", reason="meeting",
                          host=desk.search_staff("garcia")[0])  # fmt: skip
        for name in screens:  # every screen exists, in English, before the switch
            app.show(name)
            yield from frames(1)
        app.show("welcome")
        yield from frames(1)
        tap(find(app.root.current_screen, "Español"))
        for name in screens:
            app.show(name)
            yield from frames(2)
            english = [text for text in labels(app.root.current_screen) if text in catalog]
            if english:
                leftovers[name] = english

    run(app, script)
    assert leftovers == {}


def test_a_broken_data_directory_is_explained_and_recovers(make_app, config, tmp_path):
    """The data directory cannot be made (a file stands where it should be); then someone fixes it."""
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    config = replace(config, data_dir=blocker / "data")
    desk = FrontDesk(config, Store(config.database_path))
    app = make_app(desk)
    seen = {}

    def confirm(app):
        app.draft = Draft(language="en", first_name="Ana", last_name="Ruiz", reason="volunteer")
        app.show("review")
        yield from frames(2)
        tap(app.root.current_screen.ids.confirm)
        yield from frames(2)

    def script(app):
        yield from frames(3)
        yield from confirm(app)
        assert app.current == "review", "the visitor stays where they are, their entry kept"
        seen["message"] = app.root.current_screen.message
        app.home()
        yield from frames(2)
        seen["banner"] = "Check-in is paused. Please see the front desk." in labels(app.root.current_screen)
        blocker.unlink()  # fixed
        app._health_check()
        yield from frames(2)
        seen["banner_after"] = "Check-in is paused. Please see the front desk." in labels(app.root.current_screen)
        yield from confirm(app)
        seen["after"] = app.current

    run(app, script)
    desk.store.close()
    assert seen["message"] == "Sorry, we could not save your check-in. Please let the front desk know you are here."
    assert seen["banner"] and not seen["banner_after"]
    assert seen["after"] == "done"
    assert [v.first_name for v in desk.visits_today()] == ["Ana"]


def test_a_broken_config_shows_attention_then_recovers_when_fixed(make_app, tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[campus]\nname = "Roosevelt Middle School"\n[screen]\nidel_seconds = 30\n')
    try:
        load_config(path)
    except ConfigError as exc:
        problem = exc
    stores = []

    def reload():
        config = replace(load_config(path), data_dir=tmp_path / "data", fullscreen=False)
        stores.append(Store(config.database_path))
        return FrontDesk(config, stores[-1])

    app = make_app(None, problem=problem, reload=reload)
    seen = {}

    def script(app):
        yield from frames(3)
        assert app.current == "attention"
        seen["detail"] = app.attention
        seen["shown"] = labels(app.root.current_screen)
        path.write_text('[campus]\nname = "Roosevelt Middle School"\n[screen]\nidle_seconds = 30\n')
        app._health_check()
        yield from frames(2)
        seen["after"] = app.current
        seen["campus"] = app.root.current_screen.ids.campus.text

    run(app, script)
    for store in stores:
        store.close()
    assert "screen.idel_seconds: unknown key 'idel_seconds' (did you mean 'idle_seconds'?)" in seen["detail"]
    assert "Welcome! Please see the front desk to sign in." in seen["shown"]
    assert not any("Traceback" in text for text in seen["shown"])
    assert seen["after"] == "welcome" and seen["campus"] == "Roosevelt Middle School"


def test_staff_mode_shows_the_clock_and_sends_refused_visits_again(make_app, desk):
    visit = check_in(desk, "Kofi", "Mensah")
    [outgoing] = desk.store.outbox_batch()
    desk.store.outbox_settle([], {outgoing.seq: "checked_in_ms: is not a plausible time"})
    app = make_app()
    seen = {}

    def script(app):
        yield from frames(3)
        app.show("admin")
        yield from frames(2)
        tap(app.root.current_screen.ids.kiosk_tab)
        yield from frames(3)
        panel = app.root.current_screen.panels["kiosk"]
        assert "Clock: " in panel.ids.status.text
        assert panel.ids.send_refused.opacity == 1
        tap(panel.ids.send_refused)
        yield from frames(3)
        seen["message"] = app.root.current_screen.message
        seen["button"] = panel.ids.send_refused.opacity

    run(app, script)
    assert seen == {"message": "1 refused visit or sign-out is being sent again.", "button": 0}
    assert [o.event["id"] for o in desk.store.outbox_batch()] == [visit.id]
    assert desk.store.refused_events() == []
