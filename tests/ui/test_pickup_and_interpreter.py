"""Picking up a student asks which student; asking for an interpreter asks which language.
Both through the real app with taps, and both reach the stored visit."""

from __future__ import annotations

from kiosk.driver import dialog, enter_name, find, frames, run, tap, type_text
from kiosk.language import translator


def picker():  # type: ignore[no-untyped-def]
    return dialog("InterpreterPicker")


def test_a_pick_up_asks_for_the_students_name_and_the_interpreters_language(make_app, desk):
    app = make_app()
    seen = {}

    def script(app):
        yield from frames(3)
        tap(app.root.current_screen.ids.check_in)
        yield from frames(2)
        yield from enter_name(app, "Fatima", "Haddad")
        yield from frames(2)
        tap(find(app.root.current_screen, "Pick up a student"))
        yield from frames(2)
        student = app.root.current_screen
        assert app.current == "student"
        tap(student.ids.next)
        yield from frames(1)
        assert student.message == "Please type the student's name."
        type_text(app, "Omar 7")
        tap(student.ids.next)
        yield from frames(1)
        assert student.message == "Please use only letters in the student's name."
        student.ids.student.text = ""
        type_text(app, "Omar Haddad")
        assert student.message == ""
        tap(student.ids.next)
        yield from frames(3)
        review = app.root.current_screen
        assert app.current == "review"
        assert review.student_text == "Omar Haddad"
        tap(review.ids.interpreter)
        yield from frames(3)
        assert picker() is not None, "asking for an interpreter asks which language"
        seen["first"] = [b.text for b in reversed(picker().ids.first.children)]
        seen["more"] = [b.text for b in reversed(picker().ids.more.children)]
        tap(find(picker(), "العربية"))
        yield from frames(3)
        assert picker() is None
        assert review.ids.interpreter.selected
        find(review, "Interpreter: \u2068العربية\u2069")  # set apart from the English sentence (bidi isolate)
        tap(review.ids.interpreter)  # off again: no language
        yield from frames(2)
        assert not review.ids.interpreter.selected and app.draft.interpreter_language is None
        tap(review.ids.interpreter)
        yield from frames(3)
        hmong = find(picker(), "Hmoob")
        scroller = next(w for w in picker().walk() if type(w).__name__ == "ScrollView")
        scroller.scroll_to(hmong, animate=False)  # further down the list: the visitor scrolls to it
        yield from frames(3)
        tap(hmong)
        yield from frames(3)
        assert picker() is None and app.draft.interpreter_language == "hmn"
        # Back from the review goes to the student's name, kept; Next comes back.
        tap(find(review, "Back"))
        yield from frames(2)
        assert app.current == "student" and app.root.current_screen.ids.student.text == "Omar Haddad"
        tap(app.root.current_screen.ids.next)
        yield from frames(2)
        tap(app.root.current_screen.ids.confirm)
        yield from frames(2)
        assert app.current == "done"

    run(app, script)
    assert seen["first"] == ["Español"], "the kiosk's own languages first, not the campus's"
    assert "العربية" in seen["more"] and "Hmoob" in seen["more"] and "دری" in seen["more"]
    (visit,) = desk.visits_today()
    assert (visit.reason, visit.student_name, visit.interpreter, visit.interpreter_language) == (
        "pickup", "Omar Haddad", True, "hmn")


def test_the_student_is_never_on_the_public_sign_out_list(make_app, desk):
    from kiosk.checkin import Draft

    desk.check_in(Draft(language="en", first_name="Fatima", last_name="Haddad", reason="pickup",
                        student_name="Omar Haddad"))  # fmt: skip
    app = make_app()

    def script(app):
        yield from frames(3)
        app.set_language("es")
        tap(app.root.current_screen.ids.sign_out)
        yield from frames(3)
        texts = [w.text for w in app.root.current_screen.walk() if hasattr(w, "text")]
        assert any("Fatima H." in t for t in texts)
        assert not any("Omar" in t for t in texts)
        app.show("review")
        yield from frames(1)

    run(app, script)
    assert translator("es")("Student") != "Student"
