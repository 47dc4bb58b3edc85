"""Staff mode's door: a PIN pad. Wrong PINs are counted and lock the pad for a while."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.pin import PIN_MAX_DIGITS
from screens.base import KioskScreen, load_kv


class PinScreen(KioskScreen):
    pin = StringProperty("")
    message = StringProperty("")

    def press(self, key: str) -> None:
        if key == "back":
            self.pin = self.pin[:-1]
        elif len(self.pin) < PIN_MAX_DIGITS:
            self.pin += key

    def submit(self) -> None:
        attempt = self.desk.try_pin(self.pin)
        self.pin = ""
        if attempt.ok:
            self.message = ""
            self.app.show("admin")
        elif attempt.locked_seconds:
            self.message = self.app.tr("Too many wrong PINs. Try again in {seconds} seconds.").format(
                seconds=attempt.locked_seconds
            )
        else:
            self.message = self.app.tr("That PIN is not right.")

    def reset(self) -> None:
        super().reset()
        self.pin = ""


SCREEN = PinScreen
load_kv(__file__)
