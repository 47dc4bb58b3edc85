"""Check in, step 3: the visitor checks what they entered, may ask for an interpreter, confirms."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from kiosk import flow, interpreting
from kiosk.reasons import BY_CODE
from kiosk.store import StoreUnavailable
from kiosk.text import NameProblem
from screens.base import KioskScreen, load_kv
from screens.bidi import isolated
from screens.messages import STORE_PROBLEM, name_problem


class InterpreterPicker(ModalView):
    """A tap on a language chooses it; "No interpreter" (or a tap beside the list) chooses none."""


class ReviewScreen(KioskScreen):
    name_text = StringProperty("")
    reason_text = StringProperty("")
    host_text = StringProperty("")
    student_text = StringProperty("")
    interpreter_text = StringProperty("")
    message = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        self.app.bind(tr=lambda *_a: self.activate() if self.manager and self.manager.current == self.name else None)

    def activate(self) -> None:
        draft = self.app.draft
        if draft is None:
            return
        tr = self.app.tr
        self.name_text = f"{draft.first_name} {draft.last_name}"
        reason = BY_CODE.get(draft.reason or "")
        self.reason_text = tr(reason.label) if reason else ""
        if reason and reason.needs_host:
            self.host_text = draft.host.name if draft.host else tr("Not sure: the front desk will help")
        else:
            self.host_text = ""
        self.student_text = draft.student_name if reason and reason.needs_student else ""
        self.show_interpreter()

    def show_interpreter(self) -> None:
        draft = self.app.draft
        self.ids.interpreter.selected = draft.interpreter
        language = draft.interpreter_language
        self.interpreter_text = (
            self.app.tr("Interpreter: {language}").format(language=isolated(interpreting.own_name(language), self.app.rtl))
            if language else ""
        )

    def toggle_interpreter(self) -> None:
        """On: ask which language (the secretary must know whom to call). Off: no interpreter."""
        if self.app.draft.interpreter:
            self.app.draft = self.app.draft.with_(interpreter=False, interpreter_language=None)
            self.show_interpreter()
            return
        self.open_interpreter_picker()

    def open_interpreter_picker(self) -> InterpreterPicker:
        from screens.widgets import KButton

        picker = InterpreterPicker()
        first, more = interpreting.choices(self.app.offered_languages, self.desk.default_language)
        for grid, codes in ((picker.ids.first, first), (picker.ids.more, more)):
            for code in codes:
                button = KButton(kind="choice", text=interpreting.own_name(code))
                button.code = code
                button.bind(on_release=lambda b: (self.choose_interpreter(b.code), picker.dismiss(animation=False)))
                grid.add_widget(button)
        picker.open(animation=False)
        return picker

    def choose_interpreter(self, code: str) -> None:
        self.app.draft = self.app.draft.with_(interpreter=True, interpreter_language=code)
        self.show_interpreter()

    def back(self) -> None:
        self.app.show(flow.before("review", self.app.draft))

    def confirm(self) -> None:
        tr = self.app.tr
        try:
            visit = self.desk.check_in(self.app.draft)
        except NameProblem as problem:
            step = "student" if problem.field == "student_name" else "name"  # where the visitor can fix it
            self.app.show(step)
            self.app.screen(step).message = name_problem(tr, problem)
            return
        except StoreUnavailable as problem:
            self.app.note_store_problem(problem)
            self.message = tr(STORE_PROBLEM)
            return
        self.message = ""
        self.app.show_done(tr("Welcome, {name}.").format(name=isolated(visit.first_name, self.app.rtl)), visit=visit)



SCREEN = ReviewScreen
load_kv(__file__)
