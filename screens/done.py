"""A message that closes a visit (welcome, goodbye, or a problem) and returns by itself.

After a check-in, its second line says who knows the visitor is here, and only what the
district server has confirmed (kiosk/arrival.py): it starts as "Please let the front desk
know you are here." and changes while the visitor is still reading, so the screen stays a
little longer while it is being watched.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty, ObjectProperty, OptionProperty, StringProperty

from kiosk.arrival import ArrivalWatch, Truth
from kiosk.language import N_
from screens.base import KioskScreen, load_kv
from screens.bidi import isolated

WATCH_EXTRA_SECONDS = 12.0  # longer on screen while an alert's delivery or "on my way" may still come back

TRUTH_TEXT = {
    "not_yet": N_("Please let the front desk know you are here."),
    "host_told": N_("{name} knows you are here."),
    "on_the_way": N_("{name} is on the way."),
    "office_seen": N_("The front office has seen that you are here."),
}
OFFICE_TOLD_TEXT = {
    "front_office": N_("The front office knows you are here."),
    "attendance": N_("The attendance office knows you are here."),
    "volunteers": N_("The volunteer coordinator knows you are here."),
}


def truth_text(tr, truth: Truth) -> str:  # type: ignore[no-untyped-def]
    """The sentence for a Truth, in the visitor's language."""
    if truth.kind == "office_told" and truth.name in OFFICE_TOLD_TEXT:
        return tr(OFFICE_TOLD_TEXT[truth.name])
    template = TRUTH_TEXT.get(truth.kind, TRUTH_TEXT["not_yet"])
    return tr(template).format(name=isolated(truth.name, tr.language.rtl))


class DoneScreen(KioskScreen):
    title = StringProperty("")
    body = StringProperty("")
    kind = OptionProperty("success", options=["success", "error"])
    remaining = NumericProperty(1.0)  # share of the display time left, drawn as a bar
    visit = ObjectProperty(None, allownone=True)  # set after a check-in: whose arrival to watch
    truth = ObjectProperty(None, allownone=True)  # what the body says about it

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._tick = None
        self._watch: ArrivalWatch | None = None
        self._token: object | None = None  # news from an earlier watch is dropped
        self._left = self._total = 1.0

    @property
    def seconds(self) -> float:
        return float(self.desk.config.confirmation_seconds) if self.desk else 8.0

    def on_truth(self, _screen: object, truth: Truth | None) -> None:
        if truth is not None:
            self.body = truth_text(self.app.tr, truth)

    def on_enter(self, *_args: object) -> None:
        self._stop_watch()
        if self.visit is not None and self.desk is not None:
            self._start_watch()
        self._total = self._left = self.seconds + (WATCH_EXTRA_SECONDS if self._watch else 0.0)
        self.remaining = 1.0
        self._tick = Clock.schedule_interval(self.tick, 0.1)

    def tick(self, dt: float) -> None:
        if self.manager is None or self.manager.current != self.name:  # left without on_leave: never go home from here
            self.on_leave()
            return
        self._left -= dt
        self.remaining = max(0.0, self._left / self._total)
        if self._left <= 0:
            self.app.home()

    def _start_watch(self) -> None:
        token = self._token = object()

        def news(truth: Truth) -> None:  # called from the watch's thread
            Clock.schedule_once(lambda _dt: self._news(token, truth))

        self._watch = self.desk.watch_arrival(self.visit, news)

    def _news(self, token: object, truth: Truth) -> None:
        if token is not self._token:
            return
        self.truth = truth
        self._left = max(self._left, self.seconds)  # time to read the new line
        self._total = max(self._total, self._left)

    def _stop_watch(self) -> None:
        self._token = None
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    def on_leave(self, *_args: object) -> None:
        self._stop_watch()
        if self._tick is not None:
            self._tick.cancel()

    def reset(self) -> None:
        super().reset()
        self.visit = self.truth = None


SCREEN = DoneScreen
load_kv(__file__)
