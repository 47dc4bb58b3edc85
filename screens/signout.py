"""Sign out: the visitor finds themselves among today's visitors (first name, last initial)."""

from __future__ import annotations

from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.store import StoreUnavailable, Visit
from kiosk.text import short_name
from screens.base import KioskScreen, load_kv
from screens.bidi import isolated
from screens.messages import STORE_PROBLEM


class VisitorButton(ButtonBehavior, BoxLayout):
    """A visitor in the list: the name on its own line, in the font of its own script, and the time
    below it in the screen's language (one label took one font: a Chinese name made the whole line
    Chinese, with a wide separator; a long name wrapped the time into a ragged row)."""

    name = StringProperty("")
    since = StringProperty("")
    natural_height = NumericProperty(0)  # what its two lines need: the list makes a row that tall


class SignOutScreen(KioskScreen):
    chosen = ObjectProperty(None, allownone=True)
    chosen_text = StringProperty("")
    message = StringProperty("")

    def on_kv_post(self, *_args: object) -> None:
        self.app.bind(tr=lambda *_a: self.activate() if self.manager and self.manager.current == self.name else None)

    def activate(self) -> None:
        self.chosen = None
        box = self.ids.visitors
        box.clear_widgets()
        try:
            visitors = self.desk.on_site()
        except StoreUnavailable as problem:
            self.app.note_store_problem(problem)
            self.message = self.app.tr(STORE_PROBLEM)
            return
        self.message = "" if visitors else self.app.tr("Nobody is signed in right now.")
        for visit in visitors:
            button = VisitorButton(name=self.short_name(visit), since=self.since(visit))
            button.visit = visit
            button.bind(on_release=lambda b: self.choose(b.visit))
            box.add_widget(button)

    def since(self, visit: Visit) -> str:
        return self.app.tr("since {time}").format(time=self.app.format_time(visit.checked_in))

    def short_name(self, visit: Visit) -> str:
        """First name and initial, kept apart from a sentence that runs the other way ("Sign out María L.?")."""
        return isolated(short_name(visit.first_name, visit.last_name), self.app.rtl)

    def choose(self, visit: Visit) -> None:
        self.chosen = visit
        self.chosen_text = self.app.tr("Sign out {name}?").format(name=self.short_name(visit))

    def confirm(self) -> None:
        visit = self.chosen
        if visit is None:
            return
        try:
            self.desk.sign_out(visit.id, by="visitor")
        except StoreUnavailable as problem:
            self.app.note_store_problem(problem)
            self.message = self.app.tr(STORE_PROBLEM)
            self.chosen = None
            return
        tr = self.app.tr
        self.app.show_done(
            tr("Goodbye, {name}.").format(name=isolated(visit.first_name, self.app.rtl)),
            tr("Thank you for visiting. Have a good day!"),
        )

    def reset(self) -> None:
        super().reset()
        self.chosen = None


SCREEN = SignOutScreen
load_kv(__file__)
