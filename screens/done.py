"""A message that closes a visit (welcome, goodbye, or a problem) and returns by itself."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty, OptionProperty, StringProperty

from screens.base import KioskScreen, load_kv


class DoneScreen(KioskScreen):
    title = StringProperty("")
    body = StringProperty("")
    kind = OptionProperty("success", options=["success", "error"])
    remaining = NumericProperty(1.0)  # share of the display time left, drawn as a bar

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._tick = None

    @property
    def seconds(self) -> float:
        return float(self.desk.config.confirmation_seconds) if self.desk else 8.0

    def on_enter(self, *_args: object) -> None:
        self.remaining = 1.0
        self._tick = Clock.schedule_interval(self.tick, 0.1)

    def tick(self, dt: float) -> None:
        self.remaining = max(0.0, self.remaining - dt / self.seconds)
        if self.remaining <= 0:
            self.app.home()

    def on_leave(self, *_args: object) -> None:
        if self._tick is not None:
            self._tick.cancel()


SCREEN = DoneScreen
load_kv(__file__)
