"""The camera sources' failure modes: OpenCV on devices that are not there (real, on this machine with no
camera), and Picamera2 through a stand-in module that behaves as Picamera2's source says it does: not
installed, no camera, busy, working (the grey image a strided view of the lores Y plane), stalled; and
"auto" choosing between them and saying why."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.camera import SourceFailed, SourceUnavailable
from kiosk.camera.auto import AutoSource, make_source
from kiosk.camera.filesource import FileSource
from kiosk.camera.opencv import OpenCVSource
from kiosk.camera.picam import NO_CAMERA, NOT_INSTALLED, Picamera2Source
from kiosk.config import CameraSettings
from kiosk.qrdecode import zxing

from . import fake_picamera2
from .fake_picamera2 import IMX708, USB_WEBCAM
from .pictures import PASS, save, scene


def unavailable(source: Any) -> str:
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        source.open()
    assert time.monotonic() - started < 10, "opening a camera that is not there must not hang"
    source.close()
    source.close()  # twice, after a failed open: harmless
    return caught.value.reason


# --- OpenCV, for real ----------------------------------------------------------------------------


def test_opencv_with_no_such_camera_says_so_at_once() -> None:
    assert unavailable(OpenCVSource(9)) == "no camera at /dev/video9 (is it plugged in?)"
    by_id = "/dev/v4l/by-id/usb-Logitech_HD_Webcam_C270-video-index0"
    assert unavailable(OpenCVSource(by_id)) == f"no camera at {by_id} (is it plugged in?)"


def test_opencv_on_a_device_that_is_no_camera_says_so() -> None:
    reason = unavailable(OpenCVSource("/dev/null"))
    assert reason == "/dev/null could not be opened as a camera (in use by another program, or not a capture device)"


def test_opencv_read_before_open_is_a_failure_not_a_crash() -> None:
    with pytest.raises(SourceFailed):
        OpenCVSource(9).read()


# --- Picamera2, through the stand-in --------------------------------------------------------------


def picamera(module: Any = None, **options: Any) -> Picamera2Source:
    module = module or fake_picamera2.module(frames=lambda n, size: scene(size=size))
    options.setdefault("size", (500, 376))
    return Picamera2Source(load=lambda: module, **options)


def test_picamera2_not_installed() -> None:
    def missing() -> Any:
        raise ModuleNotFoundError("No module named 'picamera2'")

    assert unavailable(Picamera2Source(load=missing)) == f"{NOT_INSTALLED}: No module named 'picamera2'"


def test_picamera2_with_no_camera_or_only_a_usb_one() -> None:
    assert unavailable(picamera(fake_picamera2.module([]))) == NO_CAMERA
    assert unavailable(picamera(fake_picamera2.module([USB_WEBCAM]))) == NO_CAMERA  # left to OpenCV
    assert unavailable(picamera(fake_picamera2.module([IMX708]), camera=1)) == (
        "there is no camera 1: 1 camera module(s) connected")  # fmt: skip


def test_picamera2_busy_says_what_the_camera_said() -> None:
    reason = unavailable(picamera(fake_picamera2.module([IMX708], busy=True)))
    assert reason == ("the camera imx708 could not be opened: in use by another program, or failing "
                      "(Camera __init__ sequence did not complete.: Failed to acquire camera: Device or resource busy)")


def test_picamera2_listing_failing_is_no_camera_with_the_reason() -> None:
    module = fake_picamera2.module([IMX708])

    def broken() -> list[Any]:
        raise RuntimeError("libcamera: no pipeline handler")

    module.Picamera2.global_camera_info = staticmethod(broken)
    assert unavailable(picamera(module)) == "libcamera could not list the cameras (libcamera: no pipeline handler)"


def test_picamera2_reads_the_lores_y_plane_in_place_and_main_as_rgb() -> None:
    module = fake_picamera2.module([USB_WEBCAM, IMX708], frames=lambda n, size: scene(size=size))
    camera = picamera(module, fps=10)
    camera.open()
    assert camera.name == "picamera2 imx708"
    assert module.state.opened[0].info["Model"] == "imx708"  # not the USB camera listed beside it
    config = module.state.configured[0]
    assert config["main"]["format"] == "BGR888" and config["lores"]["format"] == "YUV420"
    assert config["main"]["size"] == config["lores"]["size"] == (500, 376)
    assert config["controls"]["FrameDurationLimits"] == (100_000, 100_000)
    frame = camera.read()
    assert frame.preview is None and frame.grey.shape == (376, 500)
    assert frame.grey.strides == (512, 1) and frame.grey.base is not None  # a view of the padded buffer, no copy
    assert zxing(frame.grey) == [PASS]
    coloured = camera.read(preview=True)
    assert coloured.preview is not None and coloured.preview.shape == (376, 500, 3)
    assert np.array_equal(coloured.preview, scene(size=(500, 376)))  # R, G, B as it came
    camera.close()
    assert not module.state.opened[0].is_open


def test_picamera2_that_stalls_fails_within_its_timeout_and_can_be_closed() -> None:
    module = fake_picamera2.module([IMX708], frames=lambda n, size: scene(size=size), stall_after=2)
    camera = picamera(module, timeout=0.3)
    camera.open()
    camera.read()
    camera.read()
    started = time.monotonic()
    with pytest.raises(SourceFailed) as caught:
        camera.read()
    assert 0.25 <= time.monotonic() - started < 10
    assert caught.value.reason == "the camera sent no picture for 0.3 s (is its cable loose?)"
    assert module.state.cancelled == 1  # the job left waiting is cancelled, as Picamera2 says to before closing
    camera.close()
    assert not module.state.opened[0].is_open


# --- auto -------------------------------------------------------------------------------------


def test_auto_prefers_a_camera_module() -> None:
    module = fake_picamera2.module([IMX708], frames=lambda n, size: scene(size=size))
    auto = make_source(CameraSettings(size=(500, 376)), load_picamera2=lambda: module)
    assert isinstance(auto, AutoSource)
    with auto:
        assert auto.name == "picamera2 imx708 (auto)"
        assert zxing(auto.read().grey) == [PASS]


def test_auto_with_neither_says_why_not_each() -> None:
    auto = make_source(CameraSettings(device=9), load_picamera2=lambda: fake_picamera2.module([]))
    assert unavailable(auto) == (
        f"no camera found: Picamera2: {NO_CAMERA}; OpenCV: no camera at /dev/video9 (is it plugged in?)")  # fmt: skip
    assert auto.name == "auto"


def test_auto_says_why_it_took_the_second_choice(tmp_path: Path) -> None:
    def missing() -> Any:
        raise ImportError("No module named 'picamera2'")

    stand_in = FileSource(save(tmp_path / "webcam.png", scene()), fps=1000)  # a webcam there is not, here
    auto = AutoSource([("Picamera2", Picamera2Source(load=missing)), ("USB webcam", stand_in)])
    with auto:
        why = f"Picamera2: {NOT_INSTALLED}: No module named 'picamera2'"
        assert auto.name == f"files {tmp_path / 'webcam.png'} (auto; {why})" and auto.why == why
        assert zxing(auto.read().grey) == [PASS]


def test_make_source_builds_what_the_settings_name(tmp_path: Path) -> None:
    assert make_source(CameraSettings(source="none")) is None
    assert isinstance(make_source(CameraSettings(source="opencv", device="/dev/video2")), OpenCVSource)
    assert isinstance(make_source(CameraSettings(source="picamera2", device=1)), Picamera2Source)
    files = make_source(CameraSettings(source="files", path=tmp_path, loop=False, fps=5, size=(320, 240)))
    assert isinstance(files, FileSource) and (files.loop, files.period, files.size) == (False, 0.2, (320, 240))
    by_path = make_source(CameraSettings(device="/dev/video2"))
    assert isinstance(by_path, AutoSource) and [label for label, _ in by_path.candidates] == ["OpenCV"]


def test_a_picamera2_that_fails_to_load_is_unavailable_with_a_reason_and_auto_goes_on_to_opencv() -> None:
    """On a Pi, apt's picamera2 imports a numpy it was not built for: ValueError, not ImportError."""
    from kiosk.camera.auto import AutoSource
    from kiosk.camera.opencv import OpenCVSource
    from kiosk.camera.picam import Picamera2Source

    def broken() -> object:
        raise ValueError("numpy.dtype size changed, may indicate binary incompatibility")

    source = Picamera2Source(0, load=broken)
    with pytest.raises(SourceUnavailable, match="could not be loaded .*dtype size changed"):
        source.open()
    auto = AutoSource([("picamera2", source), ("opencv", OpenCVSource("/dev/video-none-here"))])
    with pytest.raises(SourceUnavailable) as none:
        auto.open()
    assert "picamera2: Picamera2 could not be loaded" in none.value.reason and "opencv:" in none.value.reason
