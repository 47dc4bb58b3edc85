"""Check in, step 1: the visitor's first and last name."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk import flow
from kiosk.text import NameProblem
from screens.base import KioskScreen, load_kv
from screens.messages import name_problem


class NameScreen(KioskScreen):
    message = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        for field, name in ((self.ids.first, "first_name"), (self.ids.last, "last_name")):
            field.bind(text=self.clear_message)  # an error goes as soon as the visitor changes the field
            field.bind(on_refused=lambda _f, n=name: self.refuse(n))

    def clear_message(self, *_args: object) -> None:
        self.message = ""

    def refuse(self, field_name: str) -> None:
        self.message = name_problem(self.app.tr, NameProblem(NameProblem.CHARACTERS, field_name))

    def activate(self) -> None:
        draft = self.app.draft
        if draft is not None:
            self.ids.first.text = draft.first_name
            self.ids.last.text = draft.last_name
        self.ids.keyboard.target = self.ids.first if not self.ids.first.text else self.ids.last
        self.ids.keyboard.target.focus = True

    def choose(self, field) -> None:  # type: ignore[no-untyped-def]
        self.ids.keyboard.target = field

    def next(self) -> None:
        first, last = self.ids.first, self.ids.last
        if self.ids.keyboard.target is first and first.text.strip() and not last.text.strip():
            self.choose(last)  # Next after the first name goes on to the last name: not an error
            last.focus = True
            return
        try:
            first, last = self.desk.clean_names(self.ids.first.text, self.ids.last.text)
        except NameProblem as problem:
            self.message = name_problem(self.app.tr, problem)
            field = self.ids.first if problem.field == "first_name" else self.ids.last
            self.choose(field)
            field.focus = True
            return
        self.message = ""
        self.app.draft = self.app.draft.with_(first_name=first, last_name=last)
        self.app.show(flow.after("name", self.app.draft))

    def reset(self) -> None:
        super().reset()
        self.ids.keyboard.target = self.ids.first


SCREEN = NameScreen
load_kv(__file__)
