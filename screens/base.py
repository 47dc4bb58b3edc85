"""What every screen shares: its .kv file beside it, the app, and a reset on leaving."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen
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

    def activate(self) -> None:
        """Refresh from the current draft or store; override where the screen shows data."""

    def reset(self) -> None:
        """Forget anything typed or chosen; override where the screen holds input."""
