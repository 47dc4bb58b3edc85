"""USB webcams through OpenCV's VideoCapture (V4L2 on Linux).

Not for Raspberry Pi camera modules: on the libcamera stack OpenCV cannot open Camera Module 3
(opencv/opencv#22820, closed as won't-fix); kiosk/camera/picam.py reads those.
"""

from __future__ import annotations

import os
import sys

import cv2

from kiosk.camera.base import Frame, FrameSource, SourceFailed, SourceUnavailable

# V4L2 waits 10 s by default for a frame from a camera that has stopped (a USB hiccup, a cable pulled);
# OpenCV reads this once, at its first V4L2 capture, so setting it here, before any, is in time.
os.environ.setdefault("OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT", "3")
BACKEND = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY


def device_path(device: int | str) -> str:
    return f"/dev/video{device}" if isinstance(device, int) else device


def why_not(path: str) -> str:
    """Why VideoCapture could not open `path`, as far as the file system can tell."""
    if not os.path.exists(path):
        return f"no camera at {path} (is it plugged in?)"
    if not os.access(path, os.R_OK | os.W_OK):
        return f"the kiosk's user may not use {path} (it needs to be in the 'video' group)"
    return f"{path} could not be opened as a camera (in use by another program, or not a capture device)"


class OpenCVSource(FrameSource):
    """A V4L2 camera: `device` is an index (/dev/videoN) or a path such as /dev/v4l/by-id/... ."""

    def __init__(self, device: int | str = 0, *, size: tuple[int, int] = (640, 480), fps: float = 15.0) -> None:
        self.device = device
        self.size = size
        self.fps = fps
        self.name = f"opencv {device_path(device)}"
        self._capture: cv2.VideoCapture | None = None

    def open(self) -> None:
        self.close()
        path = device_path(self.device)
        if not os.path.exists(path):  # VideoCapture would say the same, only on stderr
            raise SourceUnavailable(why_not(path))
        # by-id and by-path names are links to /dev/videoN: V4L2 is given the device itself
        capture = cv2.VideoCapture(self.device if isinstance(self.device, int) else os.path.realpath(path), BACKEND)
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable(why_not(path))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 2)  # fewer queued frames: what is decoded is what is in view now
        ok, _frame = capture.read()  # the self-check: a node that opens but sends nothing is no camera
        if not ok:
            capture.release()
            raise SourceUnavailable(f"{path} opened but sent no picture (not a capture device, or stalled)")
        self._capture = capture

    def read(self, preview: bool = False) -> Frame:
        if self._capture is None:
            raise SourceFailed(f"{self.name} is not open")
        ok, bgr = self._capture.read()
        if not ok or bgr is None:
            raise SourceFailed(f"the camera {device_path(self.device)} stopped sending pictures (unplugged?)")
        if bgr.ndim == 2:
            return Frame(bgr, cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB) if preview else None)
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        return Frame(grey, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if preview else None)

    def close(self) -> None:
        if self._capture is not None:
            try:
                self._capture.release()
            except cv2.error:
                pass
        self._capture = None
