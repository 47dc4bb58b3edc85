"""Check in, step 3: the visitor checks what they entered, may ask for an interpreter, confirms."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.reasons import BY_CODE
from kiosk.store import StoreUnavailable
from kiosk.text import NameProblem
from screens.base import KioskScreen, load_kv
from screens.bidi import isolated
from screens.messages import STORE_PROBLEM, name_problem


class ReviewScreen(KioskScreen):
    name_text = StringProperty("")
    reason_text = StringProperty("")
    host_text = StringProperty("")
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
        self.ids.interpreter.selected = draft.interpreter

    def toggle_interpreter(self) -> None:
        self.app.draft = self.app.draft.with_(interpreter=not self.app.draft.interpreter)
        self.ids.interpreter.selected = self.app.draft.interpreter

    def back(self) -> None:
        reason = BY_CODE.get(self.app.draft.reason or "")
        self.app.show("host" if reason and reason.needs_host else "reason")

    def confirm(self) -> None:
        tr = self.app.tr
        try:
            visit = self.desk.check_in(self.app.draft)
        except NameProblem as problem:
            self.app.show("name")
            self.app.screen("name").message = name_problem(tr, problem)
            return
        except StoreUnavailable as problem:
            self.app.note_store_problem(problem)
            self.message = tr(STORE_PROBLEM)
            return
        self.message = ""
        self.app.show_done(tr("Welcome, {name}.").format(name=isolated(visit.first_name, self.app.rtl)), visit=visit)



SCREEN = ReviewScreen
load_kv(__file__)
