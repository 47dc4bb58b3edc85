"""Check in, step 2: why the visitor is here, as big buttons."""

from __future__ import annotations

from kiosk import flow
from kiosk.reasons import REASONS
from screens.base import KioskScreen, load_kv


class ReasonScreen(KioskScreen):
    def on_kv_post(self, *_args: object) -> None:
        from screens.widgets import KButton

        for reason in REASONS:
            button = KButton(kind="choice")
            button.code = reason.code
            button.label = reason.label
            button.bind(on_release=lambda b: self.choose(b.code))
            self.ids.grid.add_widget(button)
        self.app.bind(tr=self.relabel)
        self.relabel()

    def relabel(self, *_args: object) -> None:
        for button in self.ids.grid.children:
            button.text = self.app.tr(button.label)

    def activate(self) -> None:
        chosen = self.app.draft.reason if self.app.draft else None
        for button in self.ids.grid.children:
            button.selected = button.code == chosen

    def choose(self, code: str) -> None:
        self.app.draft = self.app.draft.with_(reason=code)
        self.app.show(flow.after("reason", self.app.draft))


SCREEN = ReasonScreen
load_kv(__file__)
