"""`kiosk check-config FILE`, as IT runs it: one verdict, and the exit status that goes with it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "kiosk.example.toml"
DEMO_STAFF = REPO / "kiosk" / "demo" / "staff.csv"


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "check-config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def test_the_example_without_its_staff_list_says_only_that_and_is_not_ok() -> None:
    done = check_config(EXAMPLE)
    assert done.returncode == 1
    assert "OK" not in done.stdout + done.stderr, "no OK for a file the kiosk cannot fully use"
    problems = [line for line in done.stderr.splitlines() if line.strip().startswith("- ")]
    assert problems == [f"  - directory.csv: {REPO / 'staff.csv'} does not exist"]


def test_the_example_copied_beside_a_staff_list_is_ok(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "kiosk.toml")
    shutil.copy(DEMO_STAFF, tmp_path / "staff.csv")
    done = check_config(tmp_path / "kiosk.toml")
    assert done.returncode == 0, done.stderr
    staff = len(DEMO_STAFF.read_text(encoding="utf-8").splitlines()) - 1
    assert done.stdout.splitlines() == [
        f"{tmp_path / 'kiosk.toml'}: OK (Lincoln Elementary School; languages en, es)",
        f"staff directory: {staff} staff",
    ]
    assert done.stderr == ""
