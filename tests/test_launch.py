"""kiosk/launch.py: what the kiosk's log says while Kivy starts (IT reads it in the journal)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.INFO)
from kiosk.launch import prepare_kivy
prepare_kivy(None)
from kivy.core.clipboard import Clipboard, CutBuffer
print("clipboard:", type(Clipboard).__name__, "cutbuffer:", CutBuffer)
"""


def test_starting_kivy_logs_no_alarming_tracebacks(tmp_path) -> None:
    env = {**os.environ, "KIVY_HOME": str(tmp_path), "SDL_VIDEODRIVER": "offscreen"}
    env.pop("KIVY_CLIPBOARD", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "clipboard: ClipboardSDL2 cutbuffer: None" in done.stdout
    for alarming in ("Traceback", "FileNotFoundError", "CRITICAL"):
        assert alarming not in done.stderr


def test_a_first_start_writes_kivys_config_without_calling_it_older(tmp_path) -> None:
    """A fresh ~/.kivy (a new Pi, a newcomer's `make demo`) is no "older configuration" to upgrade."""
    env = {**os.environ, "KIVY_HOME": str(tmp_path), "SDL_VIDEODRIVER": "offscreen"}
    for start in ("first", "second"):
        done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60,
                              check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "configuration" not in done.stderr, f"{start} start: {done.stderr}"
    # Kivy still wrote its full defaults: the Raspberry Pi guide edits this file's [input] section.
    written = (tmp_path / "config.ini").read_text()
    assert "config_version = 27" in written and "[input]" in written
