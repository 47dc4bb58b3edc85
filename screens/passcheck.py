"""What the kiosk says when a pass is shown that does not check its visitor in: its visitor is on
site (one tap signs them out), or the pass cannot be used (why, and the form instead).

The words are the visitor's: the pass's language when the kiosk knows the pass, else the screen's.
It goes back to the welcome screen by itself, as the confirmation does.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.language import N_
from kiosk.passes import PassCheck
from screens.base import KioskScreen, load_kv
from screens.bidi import isolated

SECONDS = 12.0
REFUSALS = {
    "expired": N_("This pass has expired."),
    "not_yet": N_("This pass is not valid yet."),
    "revoked": N_("This pass is no longer valid."),
    "used_up": N_("This pass has been used already."),
    "unknown": N_("This kiosk does not know this pass. It may be for another school."),
    "damaged": N_("This code could not be read. Please hold it still, a little further away."),
    "not_ours": N_("This is not a visitor pass."),
    "newer": N_("This kiosk cannot read this kind of pass yet."),
    "no_clock": N_("This kiosk cannot check passes right now."),
}
INSTEAD = N_("Please check in with the form instead, or see the front desk.")


class PassCheckScreen(KioskScreen):
    title = StringProperty("")
    body = StringProperty("")
    leaving = BooleanProperty(False)  # its visitor is on site: offer the sign-out
    check = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._timeout = None

    def show_check(self, check: PassCheck) -> None:
        tr = self.app.tr
        self.check = check
        self.leaving = check.outcome == "goodbye"
        if self.leaving:
            assert check.on_site is not None
            self.title = tr("Leaving, {name}?").format(name=isolated(check.on_site.first_name, self.app.rtl))
            self.body = tr("since {time}").format(time=self.app.format_time(check.on_site.checked_in))
        else:
            self.title = tr(REFUSALS[check.outcome])
            self.body = tr(INSTEAD)

    def on_enter(self, *_args: object) -> None:
        self._timeout = Clock.schedule_once(lambda _dt: self._time_up(), SECONDS)

    def on_leave(self, *_args: object) -> None:
        if self._timeout is not None:
            self._timeout.cancel()

    def _time_up(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.app.home()

    def sign_out(self) -> None:
        self.app.sign_out_with_pass(self.check)

    def reset(self) -> None:
        super().reset()
        self.check = None


SCREEN = PassCheckScreen
load_kv(__file__)
