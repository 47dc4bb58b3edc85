"""Drives the real kiosk app as a visitor would: real touch events, real frames.

Used by the UI tests and by `kiosk screenshots`. A script is a generator that gets the
running app; each `yield` lets Kivy draw (yield a number to wait that many seconds, or
`yield from frames(n)`). An exception in the script stops the app and is raised again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

Script = Callable[[App], Iterator[float | None]]


def frames(n: int = 3) -> Iterator[None]:
    for _ in range(n):
        yield None


def run(app: App, script: Script) -> None:
    errors: list[BaseException] = []

    def stop() -> None:
        if App.get_running_app() is app:  # the script may have stopped it (the Quit button)
            app.stop()

    def start(*_args: object) -> None:
        steps = script(app)

        def step(_dt: float) -> None:
            try:
                wait = next(steps)
            except StopIteration:
                stop()
                return
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
                errors.append(exc)
                stop()
                return
            Clock.schedule_once(step, wait or 0)

        Clock.schedule_once(step, 0)

    app.bind(on_start=start)
    app.run()
    if errors:
        raise errors[0]


def tap(widget) -> None:  # type: ignore[no-untyped-def]
    """A finger down and up on the middle of `widget`, through the window like a real touch."""
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def type_text(app: App, text: str) -> None:
    """Type as a hardware keyboard would, into the field that has focus."""
    from kivy.uix.textinput import TextInput

    for widget in app.root.walk():
        if isinstance(widget, TextInput) and widget.focus:
            widget.insert_text(text)
            return
    raise AssertionError("no text field has focus")


def enter_name(app: App, first: str, last: str) -> Iterator[None]:
    """On the name screen: tap each field, type into it as a hardware keyboard would, then tap Next."""
    screen = app.root.current_screen
    for field, text in ((screen.ids.first, first), (screen.ids.last, last)):
        tap(field)
        yield from frames(1)
        type_text(app, text)
    tap(screen.ids.next)


def find(root, text: str):  # type: ignore[no-untyped-def]
    """The visible button or label whose text is `text` (exactly), on the current screen."""
    from kivy.uix.label import Label

    matches = [w for w in root.walk() if isinstance(w, Label) and w.text == text and w.opacity > 0 and not w.disabled]
    if not matches:
        raise AssertionError(f"nothing on screen reads {text!r}")
    return matches[0]


def dialog(kind: type | str):  # type: ignore[no-untyped-def]
    """The open dialog of this kind (a class, or a class name), or None."""
    for widget in Window.children:
        if (type(widget).__name__ == kind) if isinstance(kind, str) else isinstance(widget, kind):
            return widget
    return None


def screenshot(path: Path) -> Path:
    """Save what the window shows now as `path` (a PNG)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = Window.screenshot(name=str(path))  # Kivy numbers the name; move it into place
    os.replace(written, path)
    return path
