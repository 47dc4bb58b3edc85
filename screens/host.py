"""Check in, step 2b: whom the visitor is here to meet, by type-ahead search."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk import flow
from kiosk.directory import StaffMember
from screens.base import KioskScreen, load_kv
from screens.bidi import in_reading_order, isolated


class HostScreen(KioskScreen):
    hint = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        self._search_trigger = Clock.create_trigger(self.search, 0)
        self._buttons: list = []  # reused: making and measuring new labels was most of a keystroke's cost
        self._shown: list[StaffMember] | None = None
        self.ids.query.bind(text=lambda *_a: self._search_trigger())
        self.app.bind(tr=lambda *_a: self.search(relabel=True))

    def activate(self) -> None:
        self.ids.keyboard.target = self.ids.query
        self.ids.query.focus = True
        self.search()

    def search(self, *_args: object, relabel: bool = False) -> None:
        query = self.ids.query.text
        results = self.desk.search_staff(query, limit=6) if query.strip() else []
        if relabel or results != self._shown:
            self.show_results(results)
        tr = self.app.tr
        if self.desk.directory_state.error and not len(self.desk.directory):
            self.hint = tr("The staff list is not available right now. Tap “Skip” and the front desk will help.")
        elif not query.strip():
            self.hint = tr("Type a name, a grade or a room number.")
        elif not results:
            self.hint = tr("Nobody found for “{query}”. Check the spelling, or tap “Skip”.").format(query=query.strip())
        else:
            self.hint = ""

    def show_results(self, results: list[StaffMember]) -> None:
        from screens.widgets import KButton

        while len(self._buttons) < len(results):
            button = KButton(kind="choice")
            button.bind(on_release=lambda b: self.choose(b.member))
            self._buttons.append(button)
        box = self.ids.results
        box.clear_widgets()
        for button, member in zip(self._buttons, results):
            button.member = member
            button.text = self.describe(member)  # Kivy lays the text out again only if it changed
            box.add_widget(button)
        self._shown = results

    def describe(self, member: StaffMember) -> str:
        parts = [member.name]
        if member.role:
            parts.append(member.role)
        if member.room[:1].isdigit():
            parts.append(self.app.tr("Room {room}").format(room=member.room))
        elif member.room:  # "Main office", "Gym": a place, not a room number
            parts.append(member.room)
        # Each part kept whole ("Ms. García", "3rd grade"), the parts in the screen's reading order.
        rtl = self.app.rtl
        return in_reading_order(", ".join(isolated(part, rtl) for part in parts), rtl)

    def choose(self, member: StaffMember | None) -> None:
        self.app.draft = self.app.draft.with_(host=member)
        self.app.show(flow.after("host", self.app.draft))

    def reset(self) -> None:
        super().reset()
        self.search()


SCREEN = HostScreen
load_kv(__file__)
