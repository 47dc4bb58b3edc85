"""The server must run without the kiosk app: no Kivy, no screens, when district is imported."""

import subprocess
import sys


def test_the_server_imports_no_kivy_and_no_kiosk_app() -> None:
    code = (
        "import sys, district.app, district.cli, district.roster; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'screens') or m == 'kiosk.app'); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"the server imported {out}"
