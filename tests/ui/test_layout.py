"""Every screen, in every offered language, at each of the four screen sizes: no text drawn outside
its box, its holder or the window, no word split in the middle, no line dropped (screens/layout_check.py),
and each screenshot shows the screen it is named after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.language import languages
from kiosk.screenshots import DEFAULT_SIZES

SCREENS = 27  # screenshots a language and size (kiosk/screenshots.py)


def shoot(directory: Path, sizes: list[str], codes: list[str]) -> str:
    arguments = [a for size in sizes for a in ("--size", size)] + [a for code in codes for a in ("--language", code)]
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "screenshots", str(directory), "--check", *arguments],
        capture_output=True, text=True, timeout=1500, env={**os.environ, "SDL_VIDEODRIVER": "offscreen"},
    )  # fmt: skip
    problems = (directory / "layout-problems.txt").read_text(encoding="utf-8")
    assert result.returncode == 0 and problems == "", problems + result.stderr[-2000:]
    return problems


def test_no_screen_overflows_in_any_language_at_the_pi_display_and_portrait_sizes(tmp_path):
    """All 22 languages at 800x480 (the Raspberry Pi display) and 720x1280 (a portrait mount): the sizes
    with the least room. About 6 minutes on 2 cores, the two sizes side by side."""
    directory = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shoot(directory, ["800x480", "720x1280"], list(languages()))
    shots = sorted(p.name for p in directory.glob("*.png"))
    assert len(shots) == 2 * len(languages()) * SCREENS, shots


def test_no_screen_overflows_at_the_larger_sizes(tmp_path):
    """The larger screens scale everything up: English and Spanish (and a right-to-left language) show it."""
    directory = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    larger = [size for size in DEFAULT_SIZES if size not in ("800x480", "720x1280")]
    shoot(directory, larger, ["en", "es", "ar"])
    assert len(list(directory.glob("*.png"))) == len(larger) * 3 * SCREENS


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
