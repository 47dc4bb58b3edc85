"""A stand-in for the `picamera2` module, which cannot exist off a Raspberry Pi: the one mock in the camera
tests, and only of what kiosk/camera/picam.py calls. Each behaviour follows raspberrypi/picamera2's own
source (picamera2/picamera2.py, job.py, request.py):

- `Picamera2.global_camera_info()` lists dicts with Model, Location, Rotation, Id and Num, USB cameras
  (an Id with "/usb") last; [] with no camera. `Picamera2(n)` indexes that list, so with no camera it
  raises IndexError; a camera another process holds raises RuntimeError("Camera __init__ sequence did
  not complete.") from the acquire error.
- `create_preview_configuration(main=, lores=, controls=)` fills in formats and sizes (lores YUV420),
  refusing unknown stream keys with ValueError; `configure()` refuses a lores larger than main.
- `capture_arrays(names, wait=False)` returns a job; `wait(job, timeout)` returns (arrays, metadata) or
  raises TimeoutError, as a concurrent.futures.Future does (Job.get_result). A YUV420 array is
  (height * 3 / 2, stride): the Y plane's rows padded to the stride, then U and V. BGR888 is R, G, B.
- `cancel_all_and_flush()` cancels waiting jobs; `stop()` and `close()` may be called more than once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np

IMX708 = {"Model": "imx708", "Location": 2, "Rotation": 180, "Id": "/base/soc/i2c0mux/i2c@1/imx708@1a", "Num": 0}
USB_WEBCAM = {"Model": "HD Webcam C270", "Location": 2, "Rotation": 0,
              "Id": "/base/scb/pcie@7d500000/pci@0,0/usb@0,0-1:1.0-046d:0825", "Num": 1}  # fmt: skip
STRIDE_ALIGN = 128  # libcamera pads each row; 500 px rows come as 512 bytes, so the Y plane is a strided view


class FakeJob:
    def __init__(self) -> None:
        self.future: Future[Any] = Future()
        self.future.set_running_or_notify_cancel()

    def get_result(self, timeout: float | None = None) -> Any:
        return self.future.result(timeout=timeout)

    def cancel(self) -> None:
        self.future.set_exception(CancelledError())


def yuv420(rgb: np.ndarray, stride: int) -> np.ndarray:
    """An RGB frame as Picamera2 returns a YUV420 stream: (height * 3 / 2, stride) bytes."""
    height, width = rgb.shape[:2]
    i420 = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)  # Y (h×w), then U and V, each w/2 × h/2, packed
    out = np.zeros((height * 3 // 2, stride), np.uint8)
    out[:height, :width] = i420[:height]
    half = stride // 2
    for plane, rows in ((0, slice(height, height * 5 // 4)), (1, slice(height * 5 // 4, height * 3 // 2))):
        chroma = i420[height:].reshape(-1)[plane * (width * height // 4):(plane + 1) * (width * height // 4)]
        padded = np.zeros((height // 2, half), np.uint8)
        padded[:, : width // 2] = chroma.reshape(height // 2, width // 2)
        out[rows] = padded.reshape(-1, stride)
    return out


def module(
    cameras: list[dict[str, Any]] | None = None,
    *,
    busy: bool = False,
    frames: Callable[[int, tuple[int, int]], np.ndarray] | None = None,
    stall_after: int | None = None,
) -> SimpleNamespace:
    """A `picamera2` module. `frames(n, (w, h))` gives the n-th RGB frame; after `stall_after` frames the camera
    sends no more (a loose ribbon cable) until `unstall()`. `opened` records each Picamera2 made."""
    listed = [dict(c) for c in (cameras if cameras is not None else [IMX708])]
    state = SimpleNamespace(busy=busy, stall_after=stall_after, opened=[], configured=[], frame_count=0,
                            cancelled=0)  # fmt: skip

    class Picamera2:
        @staticmethod
        def global_camera_info() -> list[dict[str, Any]]:
            return sorted((dict(c) for c in listed), key=lambda cam: ("/usb" not in cam["Id"], cam["Id"]),
                          reverse=True)  # fmt: skip

        def __init__(self, camera_num: int = 0, verbose_console: Any = None, tuning: Any = None,
                     allocator: Any = None) -> None:  # fmt: skip
            self.is_open = False
            self.started = False
            self.camera_config: dict[str, Any] = {}
            self.info = self.global_camera_info()[camera_num]  # IndexError with no camera, as Picamera2 does
            if state.busy:
                try:
                    raise RuntimeError("Failed to acquire camera: Device or resource busy")
                except RuntimeError as e:
                    raise RuntimeError("Camera __init__ sequence did not complete.") from e
            self.is_open = True
            self._jobs: list[FakeJob] = []
            self._lock = threading.Lock()
            state.opened.append(self)

        def create_preview_configuration(self, main: dict[str, Any] | None = None, lores: dict[str, Any] | None = None,
                                         raw: Any = None, transform: Any = None, colour_space: Any = None,
                                         buffer_count: int = 4, controls: dict[str, Any] | None = None,
                                         display: str = "main", encode: str = "main", queue: bool = True,
                                         sensor: Any = None, use_case: str = "preview") -> dict[str, Any]:  # fmt: skip
            if not self.is_open:
                raise RuntimeError("Camera not opened")

            def stream(defaults: dict[str, Any], updates: dict[str, Any] | None) -> dict[str, Any] | None:
                if updates is None:
                    return None
                for key in updates:
                    if key not in ("format", "size", "stride", "preserve_ar"):
                        raise ValueError(f"Bad key {key!r}: valid stream configuration keys are ...")
                config = defaults | updates
                width, height = config["size"]
                config["size"] = (width - width % 2, height - height % 2)  # align_stream(optimal=False)
                return config

            main_config = stream({"format": "XBGR8888", "size": (640, 480), "preserve_ar": True}, main or {})
            assert main_config is not None
            lores_config = stream({"format": "YUV420", "size": main_config["size"], "preserve_ar": False}, lores)
            controls = {"FrameDurationLimits": (100, 83333)} | (controls or {})  # the preview's default, then ours
            return {"use_case": use_case, "buffer_count": buffer_count, "queue": queue, "main": main_config,
                    "lores": lores_config, "raw": raw, "controls": controls, "display": display,
                    "encode": encode}  # fmt: skip

        def configure(self, camera_config: dict[str, Any] | None = None) -> None:
            if self.started:
                raise RuntimeError("Camera must be stopped before configuring")
            config = camera_config or self.create_preview_configuration()
            for name in ("main", "lores"):
                stream = config.get(name)
                if stream is None:
                    continue
                if stream["format"] not in ("XBGR8888", "XRGB8888", "BGR888", "RGB888", "YUV420", "YVU420"):
                    raise RuntimeError(f"Bad format {stream['format']} in stream {name}")
                width = stream["size"][0]
                per_pixel = {"YUV420": 1, "YVU420": 1, "BGR888": 3, "RGB888": 3}.get(stream["format"], 4)
                stream["stride"] = -(-width * per_pixel // STRIDE_ALIGN) * STRIDE_ALIGN
            if config.get("lores") is not None:
                (mw, mh), (lw, lh) = config["main"]["size"], config["lores"]["size"]
                if lw > mw or lh > mh:
                    raise RuntimeError("lores stream dimensions may not exceed main stream")
                if config["lores"]["format"] not in ("YUV420", "YVU420"):
                    raise RuntimeError("lores stream must be YUV")
            self.camera_config = config
            state.configured.append(config)

        def camera_configuration(self) -> dict[str, Any]:
            return self.camera_config

        def start(self, config: Any = None, show_preview: bool = False) -> None:
            if not self.camera_config:
                raise RuntimeError("Camera has not been configured")
            self.started = True

        def capture_arrays(self, names: list[str] | None = None, wait: Any = None,
                           signal_function: Any = None) -> Any:  # fmt: skip
            names = names or ["main"]
            job = FakeJob()
            if state.stall_after is not None and state.frame_count >= state.stall_after:
                with self._lock:
                    self._jobs.append(job)  # never completed: Job.get_result(timeout) then raises TimeoutError
            else:
                n = state.frame_count
                state.frame_count += 1
                job.future.set_result(([self._array(name, n) for name in names], {"SensorTimestamp": n}))
            if wait is None:
                wait = signal_function is None
            return job.get_result(timeout=None if wait is True else wait) if wait else job

        def capture_array(self, name: str = "main", wait: Any = None, signal_function: Any = None) -> Any:
            job = self.capture_arrays([name], wait=False)
            if wait is None:
                wait = signal_function is None
            if not wait:
                return job  # (a real one would give the array alone; the source does not use this)
            arrays, _ = job.get_result(timeout=None if wait is True else wait)
            return arrays[0]

        def wait(self, job: FakeJob, timeout: float | None = None) -> Any:
            return job.get_result(timeout=timeout)

        def cancel_all_and_flush(self) -> None:
            with self._lock:
                jobs, self._jobs = self._jobs, []
            for job in jobs:
                job.cancel()
            state.cancelled += len(jobs)

        def _array(self, name: str, n: int) -> np.ndarray:
            if not self.started:
                raise RuntimeError("Camera is not started")
            stream = self.camera_config[name]
            width, height = stream["size"]
            rgb = frames(n, (width, height)) if frames else np.full((height, width, 3), 128, np.uint8)
            assert rgb.shape == (height, width, 3), "a test's frames must match the configured size"
            if stream["format"] == "YUV420":
                return yuv420(rgb, stream["stride"])
            if stream["format"] == "BGR888":
                return rgb.copy()  # Picamera2's "BGR888" is R, G, B in memory
            raise RuntimeError(f"the fake makes no {stream['format']} arrays")

        def stop(self) -> None:
            self.started = False

        def close(self) -> None:
            self.stop()
            self.is_open = False

    def unstall() -> None:
        state.stall_after = None

    return SimpleNamespace(Picamera2=Picamera2, state=state, unstall=unstall)
