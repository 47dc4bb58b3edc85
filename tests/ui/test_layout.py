"""Every screen, in every offered language, at each of the four screen sizes: no text drawn outside
its box, its holder or the window, no word split in the middle, no line dropped (screens/layout_check.py),
and each screenshot shows the screen it is named after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.screenshots import DEFAULT_SIZES


def test_no_screen_overflows_in_any_language_or_size(tmp_path):
    directory = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "screenshots", str(directory), "--check", "--language", "en", "--language", "es"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "SDL_VIDEODRIVER": "offscreen"},
    )  # fmt: skip
    problems = (directory / "layout-problems.txt").read_text(encoding="utf-8")
    assert result.returncode == 0 and problems == "", problems + result.stderr[-2000:]
    shots = sorted(p.name for p in directory.glob("*.png"))
    assert len(shots) == len(DEFAULT_SIZES) * 2 * 27, shots


def test_the_check_finds_text_that_does_not_fit(make_app):
    """The check itself: a label made too small for its words is reported, with what is wrong."""
    from kivy.core.window import Window

    from kiosk.driver import frames, run
    from screens.layout_check import problems
    from screens.widgets import KLabel

    found = []

    def script(app):
        yield from frames(3)
        screen = app.root.current_screen
        squeezed = KLabel(text="Unverhältnismäßigkeitsgrundsatz", size_hint=(None, None), size=(40, 20),
                          text_size=(40, None), pos=(10, 10))  # fmt: skip
        screen.add_widget(squeezed)
        yield from frames(8)
        found.extend(problems(app.root, Window.size))

    run(app=make_app(), script=script)
    assert any("Unverhältnismäßigkeitsgrundsatz" in line and "word broken" in line for line in found), found
