"""What every frame source gives the scanner: a grey image to decode and, when asked, a colour one to show.

One small interface, so the scanner, the tests and `kiosk demo` do not care whether frames come from
a USB webcam (OpenCV), a Raspberry Pi camera module (Picamera2) or files. Failures are exceptions with a
sentence for staff mode, never a bare OSError: the scanner shows `reason` as it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType

import numpy as np


class CameraError(Exception):
    """Why frames cannot be had, as staff mode shows it ("no camera at /dev/video0 (is it plugged in?)")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceUnavailable(CameraError):
    """open() failed: no camera, no module, busy, no such file. Worth trying again later (it may be plugged in)."""


class SourceFailed(CameraError):
    """read() failed after the source worked: unplugged, stalled, a file gone. Closed, then tried again later."""


class EndOfFrames(CameraError):
    """A files source that does not loop has shown its last frame: finished, not failed."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture. `grey` is what the decoder reads: a 2-D uint8 array, possibly a strided view (a camera's
    Y plane), which zxing-cpp reads without a copy. `preview` is H×W×3 uint8 RGB, top row first, given only
    when read(preview=True) asked for it, since converting colour costs time that decoding would rather
    have. Both belong to the reader once returned: a source never writes into an array it has handed out."""

    grey: np.ndarray
    preview: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        return (self.grey.shape[1], self.grey.shape[0])


class FrameSource(ABC):
    """A camera or a stand-in. open() may be called again after close(): the scanner retries that way.
    read() blocks until the next frame (at most about the source's own timeout, a few seconds)."""

    name: str = "camera"  # what staff mode shows: "opencv /dev/video0", "picamera2 imx708", "files passes/"

    @abstractmethod
    def open(self) -> None:
        """Start delivering frames, or raise SourceUnavailable saying why not."""

    @abstractmethod
    def read(self, preview: bool = False) -> Frame:
        """The next frame; SourceFailed when the source stops, EndOfFrames when a non-looping file source ends."""

    @abstractmethod
    def close(self) -> None:
        """Release the device; safe to call twice, or after a failed open(), and never raises."""

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def cause_chain(exc: BaseException) -> str:
    """An exception and what caused it, in one line: Picamera2 wraps the useful part ("Device or resource
    busy") in a RuntimeError that says only "Camera __init__ sequence did not complete"."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 4:
        text = str(seen) or type(seen).__name__
        if text not in parts:
            parts.append(text)
        seen = seen.__cause__ or seen.__context__
    return ": ".join(parts)
