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
