"""UI tests drive the real app headless (SDL offscreen, Mesa software GL) at 800x480.

Kivy's window is made once per process at the size set before it; every test then runs
a fresh KioskApp in it with its own store and config.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")

from kiosk.demo import demo_config
from kiosk.launch import prepare_kivy

prepare_kivy(demo_config(Path(tempfile.gettempdir()), window_size=(800, 480)))

from kiosk.checkin import FrontDesk
from kiosk.config import CameraSettings
from kiosk.store import Store

pytestmark = pytest.mark.ui


@pytest.fixture
def config(tmp_path):
    # No camera unless a test gives one (a files source): the machine's own webcam, if any, stays out of it.
    return replace(demo_config(tmp_path / "data", window_size=(800, 480)), confirmation_seconds=3,
                   camera=CameraSettings(source="none"))


@pytest.fixture
def desk(config):
    store = Store(config.database_path)
    yield FrontDesk(config, store)
    store.close()


@pytest.fixture
def make_app(desk):
    from kiosk.app import KioskApp

    return lambda d=desk, **kw: KioskApp(d, **kw)
