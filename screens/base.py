"""What every screen shares: its .kv file beside it, the app, and a reset on leaving."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput


def load_kv(py_file: str) -> None:
    """Load the .kv file that sits beside a screen's .py file (once)."""
    path = str(Path(py_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class KioskScreen(Screen):
    """A screen of the kiosk. `activate` runs each time it is shown, `reset` wipes its input."""

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return App.get_running_app()

    @property
    def desk(self):  # type: ignore[no-untyped-def]
        return self.app.desk

    def on_pre_enter(self, *_args: object) -> None:
        self.activate()

    def on_pre_leave(self, *_args: object) -> None:
        """A field keeps its focus through taps on the on-screen keyboard: not once its screen is gone,
        or a hardware keyboard would type into a screen nobody sees."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, TextInput) and widget.focus:
                widget.focus = False

    def holds_input(self) -> bool:
        """Whether something a visitor typed is here (the idle reset warns before wiping it)."""
        return any(isinstance(w, TextInput) and w.text for w in self.walk(restrict=True))

    def activate(self) -> None:
        """Refresh from the current draft or store; override where the screen shows data."""

    def reset(self) -> None:
        """Forget everything the last visitor typed, chose or saw here, before the next one comes.

        One reset that every screen takes part in: each widget that holds a visitor's state says how
        to forget it (`forget()`: fields, the on-screen keyboard's layer and Shift), lists scroll back
        to their top, and a screen's `message` (an error) is cleared. A screen with more state of its
        own extends this and calls it.
        """
        for widget in self.walk(restrict=True):
            if hasattr(widget, "forget"):
                widget.forget()
            elif isinstance(widget, ScrollView):
                widget.scroll_x, widget.scroll_y = 0, 1
        if hasattr(self, "message"):
            self.message = ""
