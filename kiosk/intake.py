"""Telling a USB barcode scanner from a person at a keyboard: both arrive as key presses.

A scanner types a whole code in one burst, a few milliseconds a character, and ends it with
Enter; a person types a character every hundred milliseconds or more. So typed text is held for
a moment (GAP_S) instead of reaching the field with the focus: if more follows within the gap and
Enter ends at least MIN_LENGTH characters, it was a scan, and it goes to the kiosk's one intake
for codes (the camera's too) instead of a name field; otherwise it is passed on, in order, and the
field gets it GAP_S late. The on-screen keyboard does not come through here. Kivy-free: the app
feeds it the window's key events and a timer (kiosk.app).
"""

from __future__ import annotations

from dataclasses import dataclass

GAP_S = 0.05  # a scanner's characters come closer than this; a person's further apart
MIN_LENGTH = 6  # a burst shorter than this is a person's fast fingers, even with Enter


@dataclass
class KeyBurst:
    held: str = ""
    last: float = 0.0

    def typed(self, text: str, now: float) -> str:
        """Text to pass on to the focused field now ("" while what is held may still be a scan)."""
        released = self.due(now)
        self.held += text
        self.last = now
        return released

    def due(self, now: float) -> str:
        """What is held, once the gap after it has passed (the app's timer asks)."""
        if self.held and now - self.last > GAP_S:
            released, self.held = self.held, ""
            return released
        return ""

    def enter(self, now: float) -> str | None:
        """At Enter: the scanned code, if what is held is one; else None, and the caller passes the
        Enter on after whatever `due` releases."""
        if len(self.held) >= MIN_LENGTH and now - self.last <= GAP_S:
            code, self.held = self.held, ""
            return code
        return None

    def take(self) -> str:
        """Everything held, now (before an Enter that was not a scan is passed on)."""
        released, self.held = self.held, ""
        return released
