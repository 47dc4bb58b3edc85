"""`kiosk camera`: IT reads the configured camera as the kiosk would, sees each code as a JSON line and the
camera's status last, and can save a frame to look at or to give `kiosk scan`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .pictures import PASS, scene, write_video


def kiosk(*args: str) -> tuple[int, list[dict]]:
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def test_a_files_camera_reads_the_pass_and_saves_a_frame_that_kiosk_scan_reads(tmp_path: Path) -> None:
    write_video(tmp_path / "held-up.avi", [scene(None)] * 4 + [scene()] * 8)
    config = tmp_path / "kiosk.toml"
    config.write_text('[campus]\nname = "Lincoln"\n[camera]\nsource = "files"\npath = "held-up.avi"\n'
                      "loop = false\nfps = 30\n")  # fmt: skip
    code, lines = kiosk("camera", "--config", str(config), "--seconds", "60", "--save", str(tmp_path / "last.png"))
    assert code == 0
    assert [line["codes"] for line in lines[:-1]] == [[PASS]]
    status = lines[-1]
    assert status["state"] == "finished" and status["size"] == [640, 480] and status["frames"] >= 6
    assert status["saved"] == str(tmp_path / "last.png")
    code, scanned = kiosk("scan", str(tmp_path / "last.png"))
    assert code == 0 and scanned[0]["codes"] == [PASS]


def test_no_camera_is_exit_status_1_with_the_reason(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[campus]\nname = "Lincoln"\n[camera]\nsource = "opencv"\ndevice = 9\n')
    code, lines = kiosk("camera", "--config", str(config), "--seconds", "1")
    assert code == 1
    assert lines == [{"state": "unavailable", "source": "opencv /dev/video9", "fps": 0.0, "size": None, "frames": 0,
                      "reason": "no camera at /dev/video9 (is it plugged in?)", "dropped": 0, "decode_ms": None}]
