"""Raspberry Pi camera modules through Picamera2 (libcamera).

Written from Picamera2's own source (raspberrypi/picamera2, 0.3.17 or later: `wait(job, timeout)`)
and its manual; it cannot run off a Pi, so it is thin, and everything it asks of the module is what
tests/camera/fake_picamera2.py mimics: `Picamera2.global_camera_info()`, `Picamera2(n)`,
`create_preview_configuration`, `configure`, `start`, `capture_arrays(names, wait=False)`, `wait`,
`cancel_all_and_flush`, `stop`, `close`.

Two streams of the same size: "lores" in YUV420, whose first `height` rows are the grey (Y) plane that
the decoder reads as a strided view, no conversion; and "main" in BGR888, which Picamera2 lays out as
R, G, B bytes (its names follow DRM's, in reverse), the RGB preview as it is. The same size keeps both
streams' shape alike (they share one crop on a Pi 4) and costs no more than the preview slot, about
500 px wide on the 800×480 display, can show. Arrays are copied out of the camera's buffers
(capture_arrays) rather than mapped in place: a request held while another thread decodes would stall
the camera, and copying 0.5 MB is far cheaper than decoding it.

Picamera2 comes from Raspberry Pi OS's apt (python3-picamera2), not PyPI: the kiosk's venv is made
with --system-site-packages there. USB webcams that libcamera also lists ("/usb" in their id) are left
to OpenCV.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from kiosk.camera.base import Frame, FrameSource, SourceFailed, SourceUnavailable, cause_chain

NOT_INSTALLED = ("Picamera2 is not installed (on Raspberry Pi OS: sudo apt install python3-picamera2, "
                 "with the kiosk's venv made with --system-site-packages)")  # fmt: skip
NO_CAMERA = "no Raspberry Pi camera module is connected (check the ribbon cable; a USB webcam is source \"opencv\")"
SLOWEST_FRAME_US = 83_333  # Picamera2's own preview default: in dim light a frame may take up to 1/12 s


def import_picamera2() -> Any:
    return importlib.import_module("picamera2")


def module_cameras(module: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(every camera libcamera lists, the Raspberry Pi camera modules among them). SourceUnavailable when
    libcamera itself cannot be asked."""
    try:
        every = list(module.Picamera2.global_camera_info())
    except Exception as exc:  # libcamera not running, a broken install: any error means "no camera"
        raise SourceUnavailable(f"libcamera could not list the cameras ({cause_chain(exc)})") from None
    return every, [info for info in every if "/usb" not in str(info.get("Id", ""))]


class Picamera2Source(FrameSource):
    """The `camera`-th Raspberry Pi camera module (0: the first), at `size`, at most `fps` frames a second."""

    def __init__(
        self,
        camera: int = 0,
        *,
        size: tuple[int, int] = (640, 480),
        fps: float = 15.0,
        timeout: float = 3.0,
        load: Callable[[], Any] = import_picamera2,
    ) -> None:
        self.camera = camera
        self.size = size
        self.fps = fps
        self.timeout = timeout  # a frame not come in this long: the camera has stalled (a loose cable)
        self._load = load
        self.name = f"picamera2 camera {camera}"
        self._picam: Any = None
        self._lores_size = size

    def open(self) -> None:
        self.close()
        try:
            module = self._load()
        except ImportError as exc:
            raise SourceUnavailable(f"{NOT_INSTALLED}: {cause_chain(exc)}") from None
        except Exception as exc:  # on a Pi, apt's picamera2 built against another numpy: "dtype size changed"
            raise SourceUnavailable(f"Picamera2 could not be loaded ({cause_chain(exc)}); apt's python3-picamera2 "
                                    "and the venv's numpy may disagree (see deploy/raspberrypi)") from None
        every, modules = module_cameras(module)
        if not modules:
            raise SourceUnavailable(NO_CAMERA)
        if self.camera >= len(modules):
            raise SourceUnavailable(f"there is no camera {self.camera}: {len(modules)} camera module(s) connected")
        info = modules[self.camera]
        model = str(info.get("Model", "camera"))
        self.name = f"picamera2 {model}"
        try:
            picam = module.Picamera2(every.index(info))  # Picamera2 numbers cameras as global_camera_info lists them
        except IndexError:  # unplugged between the listing and the opening
            raise SourceUnavailable(NO_CAMERA) from None
        except Exception as exc:  # RuntimeError when another program holds it (rpicam-hello, a second kiosk)
            raise SourceUnavailable(
                f"the camera {model} could not be opened: in use by another program, or failing ({cause_chain(exc)})"
            ) from None
        self._picam = picam
        frame_us = round(1_000_000 / self.fps)
        try:
            config = picam.create_preview_configuration(
                main={"size": self.size, "format": "BGR888"},
                lores={"size": self.size, "format": "YUV420"},
                controls={"FrameDurationLimits": (frame_us, max(frame_us, SLOWEST_FRAME_US))},
            )
            picam.configure(config)
            picam.start()
            self._lores_size = tuple(picam.camera_configuration()["lores"]["size"])  # aligned by Picamera2
        except Exception as exc:
            self.close()
            raise SourceUnavailable(f"the camera {model} could not be started ({cause_chain(exc)})") from None

    def read(self, preview: bool = False) -> Frame:
        picam = self._picam
        if picam is None:
            raise SourceFailed(f"{self.name} is not open")
        try:
            job = picam.capture_arrays(["lores", "main"] if preview else ["lores"], wait=False)
            arrays, _metadata = picam.wait(job, timeout=self.timeout)
        except TimeoutError:
            self._stalled()
            raise SourceFailed(f"the camera sent no picture for {self.timeout:g} s (is its cable loose?)") from None
        except Exception as exc:
            self._stalled()
            raise SourceFailed(f"the camera failed ({cause_chain(exc)})") from None
        width, height = self._lores_size
        grey = arrays[0][:height, :width]  # YUV420 comes as (height * 3/2, stride): Y, then U and V below it
        return Frame(grey, arrays[1] if preview else None)

    def _stalled(self) -> None:
        """A job that timed out stays queued; Picamera2 says to cancel it so that the camera can be closed."""
        try:
            self._picam.cancel_all_and_flush()
        except Exception:
            pass

    def close(self) -> None:
        picam, self._picam = self._picam, None
        if picam is None:
            return
        for step in (picam.stop, picam.close):
            try:
                step()
            except Exception:  # closing a camera that failed may fail too; it is released either way
                pass
