"""The source the [camera] section names, and "auto": a Raspberry Pi camera module, else a USB webcam.

A Pi camera module is tried first because OpenCV cannot read one on the libcamera stack (the Pi's
/dev/video0 is then the raw sensor node, which opens and sends nothing), while Picamera2 leaves USB
webcams to OpenCV. The choice is made again at each open, so a camera plugged in later is found by
the scanner's next retry, and the name says which was chosen and why the other was not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.camera.base import Frame, FrameSource, SourceFailed, SourceUnavailable, cause_chain
from kiosk.camera.picam import Picamera2Source, import_picamera2
from kiosk.config import CameraSettings


class AutoSource(FrameSource):
    """Whichever of its candidates opens first; `why` says what the ones before it lacked."""

    def __init__(self, candidates: list[tuple[str, FrameSource]]) -> None:
        self.candidates = candidates
        self.name = "auto"
        self.why = ""
        self.chosen: FrameSource | None = None

    def open(self) -> None:
        self.close()
        reasons = []
        for label, candidate in self.candidates:
            try:
                candidate.open()
            except SourceUnavailable as exc:
                reasons.append(f"{label}: {exc.reason}")
                continue
            except Exception as exc:  # noqa: BLE001 - a driver's own failure: the next candidate may work
                reasons.append(f"{label}: {cause_chain(exc)}")
                continue
            self.chosen, self.why = candidate, "; ".join(reasons)
            self.name = candidate.name + (f" (auto; {self.why})" if self.why else " (auto)")
            return
        self.name = "auto"
        raise SourceUnavailable("no camera found: " + "; ".join(reasons))

    def read(self, preview: bool = False) -> Frame:
        if self.chosen is None:
            raise SourceFailed("no camera is open")
        return self.chosen.read(preview)

    def close(self) -> None:
        if self.chosen is not None:
            self.chosen.close()
        self.chosen = None


def make_source(
    settings: CameraSettings, *, load_picamera2: Callable[[], Any] = import_picamera2
) -> FrameSource | None:
    """The frame source `settings` names, not yet open; None for source = "none"."""
    size, fps = settings.size, settings.fps
    if settings.source == "none":
        return None
    if settings.source == "files":
        from kiosk.camera.filesource import FileSource

        if settings.path is None:
            raise ValueError('camera.source = "files" needs camera.path')  # the config check says so first
        return FileSource(settings.path, loop=settings.loop, fps=fps, size=size)
    if settings.source == "picamera2":
        if not isinstance(settings.device, int):
            raise ValueError("picamera2 takes a camera number")  # the config check says so first
        return Picamera2Source(settings.device, size=size, fps=fps, load=load_picamera2)
    from kiosk.camera.opencv import OpenCVSource

    webcam = OpenCVSource(settings.device, size=size, fps=fps)
    if settings.source == "opencv":
        return webcam
    if isinstance(settings.device, str):  # a V4L2 device path can only be a webcam
        return AutoSource([("OpenCV", webcam)])
    pi = Picamera2Source(settings.device, size=size, fps=fps, load=load_picamera2)
    return AutoSource([("Picamera2", pi), ("OpenCV", webcam)])
