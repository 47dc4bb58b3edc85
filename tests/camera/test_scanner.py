"""kiosk/camera/scanner.py with real parts: files sources over real pictures and videos, the real zxing-cpp
decoder, real threads. A pass held up is reported once; a pass kept in view is not reported again; a camera
that is missing, unplugged, stalled or hanging leaves the part unavailable with a reason, retried, and the
caller never waits for it. The only stand-ins are wrappers that fail as an unplugged camera would, behind
the same FrameSource interface, and the Picamera2 module (tests/camera/fake_picamera2.py)."""

from __future__ import annotations

import errno
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.camera import (
    FINISHED,
    OFF,
    RUNNING,
    STALLED,
    STARTING,
    STOPPED,
    UNAVAILABLE,
    Debounce,
    Frame,
    FrameSource,
    Scanner,
    SourceUnavailable,
)
from kiosk.camera.filesource import FileSource
from kiosk.camera.picam import Picamera2Source
from kiosk.config import CameraSettings
from kiosk.qrdecode import zxing

from . import fake_picamera2
from .pictures import OTHER, PASS, save, scene, write_video

PATIENCE = 30.0  # seconds: generous, since other work shares this machine's two cores


def wait_until(condition: Callable[[], bool], timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class Reports:
    """What on_codes was called with, from the decode thread."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> None:
        with self._lock:
            self.calls.append(list(texts))
            self.threads.add(threading.current_thread().name)

    def texts(self) -> list[str]:
        with self._lock:
            return [t for call in self.calls for t in call]


class Ticking(FrameSource):
    """A source whose every frame moves a test clock on by `step` seconds: a camera's time, made exact."""

    def __init__(self, inner: FrameSource, step: float) -> None:
        self.inner, self.step, self.now = inner, step, 1000.0
        self.name = inner.name

    def clock(self) -> float:
        return self.now

    def open(self) -> None:
        self.inner.open()

    def read(self, preview: bool = False) -> Frame:
        frame = self.inner.read(preview)
        self.now += self.step
        return frame

    def close(self) -> None:
        self.inner.close()


class Unplugged(FrameSource):
    """A camera pulled out after `frames` frames, as the OS sees it: reads raise OSError (ENODEV), opens fail,
    until plug_in()."""

    def __init__(self, inner: FrameSource, frames: int) -> None:
        self.inner, self.frames, self.opens = inner, frames, 0
        self.name = "usb stand-in"
        self.unplugged = threading.Event()

    def plug_in(self) -> None:
        self.unplugged.clear()

    def open(self) -> None:
        self.opens += 1
        if self.unplugged.is_set():
            raise SourceUnavailable("no camera at /dev/video0 (is it plugged in?)")
        self.inner.open()

    def read(self, preview: bool = False) -> Frame:
        self.frames -= 1
        if self.frames < 0 and not self.opens > 1:
            self.unplugged.set()
        if self.unplugged.is_set():
            raise OSError(errno.ENODEV, "No such device")
        return self.inner.read(preview)

    def close(self) -> None:
        self.inner.close()


class Blocking(FrameSource):
    """A driver that blocks: in open() (block_open), or in every read after the first (a stalled camera)."""

    def __init__(self, inner: FrameSource, block_open: bool) -> None:
        self.inner, self.block_open, self.reads = inner, block_open, 0
        self.name = "stuck stand-in"
        self.release = threading.Event()

    def open(self) -> None:
        if self.block_open:
            self.release.wait()
        self.inner.open()

    def read(self, preview: bool = False) -> Frame:
        self.reads += 1
        if self.reads > 1:
            self.release.wait()
        return self.inner.read(preview)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def scanners() -> Any:
    """Scanners made here are stopped after the test, whatever happens in it."""
    made: list[Scanner] = []

    def make(source: FrameSource | None, on_codes: Callable[[list[str]], None], **options: Any) -> Scanner:
        scanner = Scanner(source, options.pop("decoder", zxing), on_codes, **options)
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.stop(timeout=5)


def held_up(tmp_path: Path, pattern: str, fps: float = 20, loop: bool = False) -> FileSource:
    """A video of the scene, one frame per letter: P the pass in view, O the other pass, . nothing."""
    texts = {"P": PASS, "O": OTHER, ".": None}
    frames = [scene(texts[c], seed=n) for n, c in enumerate(pattern)]
    return FileSource(write_video(tmp_path / "camera.avi", frames), fps=fps, loop=loop)


# --- reading passes ----------------------------------------------------------------------------


def test_a_pass_held_up_is_reported_once(tmp_path: Path, scanners: Any) -> None:
    reports = Reports()
    scanner = scanners(held_up(tmp_path, "......PPPPPPPPPP......"), reports)
    assert scanner.status().state == STARTING
    scanner.start()
    wait_until(lambda: scanner.status().state == FINISHED)
    assert reports.calls == [[PASS]]
    assert reports.threads == {"camera-decode"}  # never the caller's thread: the app hands it to its own
    status = scanner.status()
    assert status.last_code_at is not None and status.frames >= 10 and status.size == (640, 480)
    assert status.source == f"files {tmp_path / 'camera.avi'}" and "loop = false" in status.reason
    assert status.summary().startswith("Camera finished:")


def test_a_pass_kept_in_view_is_reported_once_and_again_after_it_was_away_for_the_window(
    tmp_path: Path, scanners: Any
) -> None:
    # each frame is half a second of the camera's time; the window is 3 s
    camera = Ticking(held_up(tmp_path, "PPPPPPPPPP" + "." * 10 + "P" * 24 + "...OO"), step=0.5)
    reports = Reports()
    scanner = scanners(camera, reports, clock=camera.clock, debounce_seconds=3.0)
    scanner.start()
    wait_until(lambda: scanner.status().state == FINISHED)
    # 5 s in view: once; 5 s away, then 12 s in view (four windows long): once more; the other pass: once
    assert reports.calls == [[PASS], [PASS], [OTHER]]


def test_debounce_by_the_clock() -> None:
    seen = Debounce(3.0)
    assert seen.fresh(["A"], 0.0) == ["A"]
    assert all(seen.fresh(["A"], t / 2) == [] for t in range(1, 200))  # in view for 100 s: not news
    assert seen.fresh([], 101.0) == []
    assert seen.fresh(["A", "B", "A"], 102.0) == ["B"]  # A last seen 2.5 s ago
    assert seen.fresh(["A"], 105.1) == ["A"]  # away 3.1 s
    assert seen.fresh(["C", "C", "D"], 105.1) == ["C", "D"]  # a code twice in one frame is one code
    for n in range(1000):
        seen.fresh([f"code {n}"], 200.0 + n)
    assert len(seen._last_seen) <= 4  # a stream of different codes does not grow it


# --- the camera failing -------------------------------------------------------------------------


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The reasons the scanner logged, in order: each once, however often it is retried."""
    prefix = "camera unavailable: "
    return [r.getMessage()[len(prefix):].split(" (trying again")[0] for r in caplog.records
            if r.getMessage().startswith(prefix)]  # fmt: skip


def test_a_folder_deleted_mid_run_turns_the_camera_off_with_a_reason_then_it_recovers(
    tmp_path: Path, scanners: Any, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    save(folder / "pass.png", scene(PASS))
    save(folder / "empty.png", scene(None))
    reports = Reports()
    scanner = scanners(FileSource(folder, fps=30), reports, retry=(0.05, 0.3))
    scanner.start()
    wait_until(lambda: reports.texts() == [PASS])
    assert scanner.status().on
    shutil.rmtree(folder)
    wait_until(lambda: len(said(caplog)) == 2)  # the read failed; then, tried again, the open
    assert said(caplog) == [f"the folder {folder} is gone", f"no such file or folder: {folder}"]
    status = scanner.status()
    assert status.state == UNAVAILABLE and status.reason == f"no such file or folder: {folder}"
    assert status.retry_in is not None and 0 <= status.retry_in <= 0.3 and status.fps == 0
    assert status.summary().startswith(f"Camera unavailable: no such file or folder: {folder} (trying again in")
    folder.mkdir()
    save(folder / "other.png", scene(OTHER))
    wait_until(lambda: reports.texts() == [PASS, OTHER])
    assert scanner.status().state == RUNNING and scanner.status().reason == ""


def test_an_unplugged_camera_is_retried_with_a_growing_wait_and_read_again_once_back(
    tmp_path: Path, scanners: Any, caplog: pytest.LogCaptureFixture
) -> None:
    camera = Unplugged(FileSource(save(tmp_path / "pass.png", scene()), fps=30), frames=5)
    reports = Reports()
    scanner = scanners(camera, reports, retry=(0.05, 0.4), debounce_seconds=0.1)
    scanner.start()
    wait_until(lambda: camera.opens >= 4)  # after 0.05, 0.1, 0.2 s: it keeps trying
    assert said(caplog) == ["the camera failed ([Errno 19] No such device)",
                            "no camera at /dev/video0 (is it plugged in?)"]  # fmt: skip
    status = scanner.status()
    assert status.reason == "no camera at /dev/video0 (is it plugged in?)" and status.retry_in is not None
    assert reports.calls == [[PASS]]
    camera.plug_in()
    scanner.retry_now()  # staff plugged it back in and said so: no waiting out the backoff
    wait_until(lambda: reports.calls == [[PASS], [PASS]])  # the pass still in view is read again
    assert scanner.status().state == RUNNING


def test_no_such_webcam_is_unavailable_with_a_reason_and_nothing_waits_for_it(scanners: Any) -> None:
    scanner = Scanner.from_settings(CameraSettings(source="opencv", device=9), Reports(), retry=(30.0, 60.0))
    started = time.monotonic()
    scanner.start()
    assert time.monotonic() - started < 2
    wait_until(lambda: scanner.status().state == UNAVAILABLE)
    status = scanner.status()
    assert status.reason == "no camera at /dev/video9 (is it plugged in?)" and status.source == "opencv /dev/video9"
    assert status.retry_in is not None and 20 < status.retry_in <= 30
    started = time.monotonic()
    scanner.stop()
    assert time.monotonic() - started < 5 and scanner.status().state == STOPPED


def test_a_camera_that_hangs_when_opened_does_not_hold_up_start_or_stop(tmp_path: Path, scanners: Any) -> None:
    stuck = Blocking(FileSource(save(tmp_path / "pass.png", scene()), fps=30), block_open=True)
    scanner = scanners(stuck, Reports())
    started = time.monotonic()
    scanner.start()
    assert time.monotonic() - started < 2 and scanner.status().state == STARTING
    started = time.monotonic()
    scanner.stop(timeout=0.5)
    assert time.monotonic() - started < 3 and scanner.status().state == STOPPED
    stuck.release.set()  # the driver returns at last; the thread then ends by itself


def test_a_camera_that_stops_sending_shows_as_stalled(tmp_path: Path, scanners: Any) -> None:
    stuck = Blocking(FileSource(save(tmp_path / "pass.png", scene()), fps=30), block_open=False)
    reports = Reports()
    scanner = scanners(stuck, reports, stall_seconds=0.3)
    scanner.start()
    wait_until(lambda: reports.calls == [[PASS]])
    wait_until(lambda: scanner.status().state == STALLED)
    assert scanner.status().reason.startswith("no picture from the camera for ")
    stuck.release.set()
    wait_until(lambda: scanner.status().state == RUNNING)


def test_a_picamera2_that_stalls_is_reopened_and_recovers(scanners: Any) -> None:
    module = fake_picamera2.module(frames=lambda n, size: scene(size=size), stall_after=3)
    reports = Reports()
    camera = Picamera2Source(size=(500, 376), timeout=0.2, load=lambda: module)
    scanner = scanners(camera, reports, retry=(0.05, 0.2), debounce_seconds=0.1)
    scanner.start()
    wait_until(lambda: reports.calls == [[PASS]])
    wait_until(lambda: scanner.status().state == UNAVAILABLE)
    assert scanner.status().reason == "the camera sent no picture for 0.2 s (is its cable loose?)"
    assert scanner.status().source == "picamera2 imx708"
    wait_until(lambda: len(module.state.opened) >= 2)  # closed and opened again
    module.unstall()
    wait_until(lambda: reports.calls == [[PASS], [PASS]])
    assert scanner.status().state == RUNNING and scanner.status().size == (500, 376)
    assert all(not cam.is_open for cam in module.state.opened[:-1])  # every camera given up on was closed


# --- off, decoders, callbacks, preview, stop -----------------------------------------------------


def test_source_none_is_off_with_the_reason(scanners: Any) -> None:
    scanner = Scanner.from_settings(CameraSettings(source="none"), Reports())
    scanner.start()
    status = scanner.status()
    assert (status.state, status.source, status.on) == (OFF, "", False)
    assert status.summary() == 'Camera off: the camera is turned off in the configuration ([camera] source = "none")'
    scanner.stop()
    assert scanner.status().state == OFF


def test_a_decoder_that_cannot_run_turns_the_camera_off_and_says_which(tmp_path: Path, scanners: Any) -> None:
    def broken(grey: np.ndarray) -> list[str]:
        raise ImportError("Unable to find zbar shared library")

    scanner = scanners(FileSource(save(tmp_path / "pass.png", scene())), Reports(), decoder=broken,
                       decoder_name="pyzbar")  # fmt: skip
    scanner.start()
    assert scanner.status().state == OFF
    assert scanner.status().reason == "the QR decoder 'pyzbar' cannot run (Unable to find zbar shared library)"


def test_frames_are_dropped_not_queued_when_decoding_lags(tmp_path: Path, scanners: Any) -> None:
    def slow(grey: np.ndarray) -> list[str]:
        time.sleep(0.05)
        return zxing(grey)

    reports = Reports()
    scanner = scanners(FileSource(save(tmp_path / "pass.png", scene()), fps=200), reports, decoder=slow, fps=60)
    scanner.start()
    wait_until(lambda: scanner.status().frames >= 10)
    status = scanner.status()
    assert status.dropped > status.frames  # most frames never waited for the decoder
    assert reports.calls == [[PASS]] and status.decode_ms is not None and status.decode_ms >= 50


def test_a_failing_callback_does_not_stop_the_reading(tmp_path: Path, scanners: Any) -> None:
    folder = tmp_path / "passes"
    folder.mkdir()
    save(folder / "1.png", scene(PASS))
    save(folder / "2.png", scene(OTHER))
    calls: list[list[str]] = []

    def flaky(texts: list[str]) -> None:
        calls.append(texts)
        if len(calls) == 1:
            raise RuntimeError("a bug in the app")

    scanner = scanners(FileSource(folder, fps=30), flaky)
    scanner.start()
    wait_until(lambda: len(calls) >= 2)
    assert calls[:2] == [[PASS], [OTHER]] and scanner.status().on


def test_preview_frames_only_while_wanted(tmp_path: Path, scanners: Any) -> None:
    scanner = scanners(FileSource(save(tmp_path / "pass.jpg", scene()), fps=60), Reports(), mirror=False)
    scanner.start()
    wait_until(lambda: scanner.status().frames >= 3)
    assert scanner.preview() is None  # nobody asked: no colour conversion
    scanner.want_preview(True)
    wait_until(lambda: scanner.preview() is not None)
    first = scanner.preview()
    assert first is not None and first.image.shape == (480, 640, 3) and first.image.dtype == np.uint8
    assert first.mirror is False
    wait_until(lambda: scanner.preview().number > first.number)  # type: ignore[union-attr]
    scanner.want_preview(False)
    time.sleep(0.1)
    last = scanner.preview().number  # type: ignore[union-attr]
    time.sleep(0.3)
    assert scanner.preview().number == last  # type: ignore[union-attr]


def test_nothing_is_reported_after_stop(tmp_path: Path, scanners: Any) -> None:
    folder = tmp_path / "passes"
    folder.mkdir()
    for n in range(20):
        save(folder / f"{n:02}.png", scene(f"WK1-{n:010}", seed=n))
    reports = Reports()
    scanner = scanners(FileSource(folder, fps=30), reports)
    scanner.start()
    wait_until(lambda: len(reports.calls) >= 2)
    scanner.stop()
    assert scanner.status().state == STOPPED
    assert not any(t.is_alive() for t in scanner._threads)
    count = len(reports.calls)
    time.sleep(0.3)
    assert len(reports.calls) == count
