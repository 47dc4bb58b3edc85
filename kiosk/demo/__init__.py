"""Built-in defaults for `kiosk demo` and `kiosk screenshots`: no config file needed."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Config
from kiosk.pin import hash_pin

DEMO_PIN = "1234"
STAFF_CSV = Path(__file__).with_name("staff.csv")


def demo_config(data_dir: Path, window_size: tuple[int, int] = (1280, 800)) -> Config:
    return Config(
        campus_name="Lincoln Elementary School",
        languages=("en", "es"),
        default_language="en",
        pin_hash=hash_pin(DEMO_PIN),
        directory_csv=STAFF_CSV,
        data_dir=data_dir,
        fullscreen=False,
        window_size=window_size,
        source="(demo)",
    )
