"""Check in, step 2b: which student a visitor picks up (a name, checked as a name; never shown on
the kiosk's public lists: it goes to the office and the attendance office)."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk import flow
from kiosk.text import NameProblem
from screens.base import KioskScreen, load_kv
from screens.messages import name_problem


class StudentScreen(KioskScreen):
    message = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        field = self.ids.student
        field.bind(text=lambda *_a: setattr(self, "message", ""))
        field.bind(on_refused=lambda *_a: self.refuse(NameProblem(NameProblem.CHARACTERS, "student_name")))

    def refuse(self, problem: NameProblem) -> None:
        self.message = name_problem(self.app.tr, problem)

    def activate(self) -> None:
        draft = self.app.draft
        if draft is not None:
            self.ids.student.text = draft.student_name
        self.ids.keyboard.target = self.ids.student
        self.ids.student.focus = True

    def next(self) -> None:
        try:
            student = self.desk.clean_student_name(self.ids.student.text)
        except NameProblem as problem:
            self.refuse(problem)
            self.ids.student.focus = True
            return
        self.app.draft = self.app.draft.with_(student_name=student)
        self.app.show(flow.after("student", self.app.draft))


SCREEN = StudentScreen
load_kv(__file__)
