"""Frames from files: a still image, a video, or a folder of images, played the way a camera would.

For `kiosk demo` without a camera, for tests with real pictures instead of mocks, and for diagnosis
(point the kiosk at the photos a camera took and watch what it reads). Frames come at the configured
rate, not as fast as the disk allows, so a demo costs what a camera would, and they are made no
larger than the configured size, as a camera's would be. A folder is listed again on each pass, so
pictures dropped into it join in; a folder taken away mid-run is a failure, like a camera unplugged.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from kiosk.camera.base import EndOfFrames, Frame, FrameSource, SourceFailed, SourceUnavailable
from kiosk.qrdecode import opened_picture

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})


def fit(size: tuple[int, int], within: tuple[int, int] | None) -> tuple[int, int]:
    """`size` scaled down (never up) to fit `within`, keeping its shape."""
    if within is None:
        return size
    scale = min(within[0] / size[0], within[1] / size[1], 1.0)
    return (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))


def load_picture(path: Path, within: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A still image as (grey, RGB) arrays no larger than `within`. The grey one is what `kiosk scan` reads
    (Pillow's own luma), so the kiosk and IT's check see the same pixels. ValueError with a reason otherwise."""
    from PIL import Image

    with opened_picture(path) as image:
        target = fit(image.size, within)
        if target != image.size:
            image.draft("RGB", target)  # a JPEG is decoded at 1/2, 1/4 or 1/8 scale: a phone photo in ms
        rgb = image.convert("RGB")
        if rgb.size != target:
            rgb = rgb.resize(fit(rgb.size, within), Image.Resampling.BOX)
        return np.asarray(rgb.convert("L")), np.asarray(rgb)


class FileSource(FrameSource):
    """An image, a video or a folder of images as a camera: `fps` frames a second, each at most `size`."""

    def __init__(
        self,
        path: Path,
        *,
        loop: bool = True,
        fps: float = 15.0,
        size: tuple[int, int] | None = (640, 480),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = Path(path)
        self.loop = loop
        self.period = 1.0 / fps if fps > 0 else 0.0
        self.size = size
        self.name = f"files {self.path}"
        self._sleep = sleep
        self._kind = ""  # "", "image", "folder" or "video" once open
        self._still: tuple[np.ndarray, np.ndarray] | None = None
        self._shown = 0
        self._pictures: list[Path] = []
        self._index = 0
        self._video: cv2.VideoCapture | None = None
        self._next_at = 0.0

    # -- open and close ---------------------------------------------------------------------
    def open(self) -> None:
        self.close()
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            raise SourceUnavailable(f"no such file or folder: {self.path}") from None
        except OSError as exc:
            raise SourceUnavailable(f"{self.path} cannot be read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(mode):
            self._pictures = self._listing()
            if not self._pictures:
                raise SourceUnavailable(f"no pictures in the folder {self.path} (PNG, JPEG or WebP)")
            self._kind = "folder"
        elif not stat.S_ISREG(mode):
            raise SourceUnavailable(f"{self.path} is not a regular file (a device or a pipe would never end)")
        elif self.path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                grey, rgb = load_picture(self.path, self.size)
            except ValueError as exc:
                raise SourceUnavailable(f"{self.path}: {exc}") from None
            grey.flags.writeable = rgb.flags.writeable = False  # handed out again with every frame
            self._still, self._kind = (grey, rgb), "image"
        else:
            self._video = self._open_video()
            self._kind = "video"
        self._shown, self._index, self._next_at = 0, 0, 0.0

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
        self._video, self._still, self._kind, self._pictures = None, None, "", []

    # -- frames -----------------------------------------------------------------------------
    def read(self, preview: bool = False) -> Frame:
        if not self._kind:
            raise SourceFailed(f"{self.name} is not open")
        self._pace()
        if self._kind == "image":
            assert self._still is not None
            if self._shown and not self.loop:
                raise EndOfFrames(f"{self.path}: shown once (loop = false)")
            self._shown += 1
            grey, rgb = self._still
            return Frame(grey, rgb if preview else None)
        if self._kind == "folder":
            grey, rgb = self._next_picture()
            return Frame(grey, rgb if preview else None)
        return self._next_video_frame(preview)

    def _pace(self) -> None:
        """Wait for this frame's turn, as a camera delivers at its frame rate; a late frame is not made up for."""
        now = time.monotonic()
        if now < self._next_at:
            self._sleep(self._next_at - now)
        self._next_at = max(now, self._next_at) + self.period

    def _listing(self) -> list[Path]:
        try:
            return sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        except OSError:
            return []

    def _next_picture(self) -> tuple[np.ndarray, np.ndarray]:
        """The folder's next readable picture; a damaged one is skipped (said once), a vanished folder fails."""
        tried = 0
        while True:
            if self._index >= len(self._pictures):
                if not self.loop:
                    raise EndOfFrames(f"{self.path}: every picture shown (loop = false)")
                self._pictures, self._index = self._listing(), 0
                if not self.path.is_dir():
                    raise SourceFailed(f"the folder {self.path} is gone")
                if not self._pictures:
                    raise SourceFailed(f"no pictures left in the folder {self.path}")
            picture = self._pictures[self._index]
            self._index += 1
            try:
                return load_picture(picture, self.size)
            except ValueError as exc:
                if not self.path.is_dir():
                    raise SourceFailed(f"the folder {self.path} is gone") from None
                if picture.exists():  # one removed meanwhile needs no word: the next listing drops it
                    log.warning("camera files: %s skipped: %s", picture, exc)
                tried += 1
                if tried > len(self._pictures):
                    raise SourceFailed(f"none of the pictures in {self.path} can be read") from None

    def _open_video(self) -> cv2.VideoCapture:
        video = cv2.VideoCapture(str(self.path))
        if not video.isOpened():
            video.release()
            raise SourceUnavailable(f"{self.path} is not a picture or a video this kiosk can read")
        return video

    def _next_video_frame(self, preview: bool) -> Frame:
        assert self._video is not None
        ok, bgr = self._video.read()
        if not ok:
            if not self.loop:
                raise EndOfFrames(f"{self.path}: played to the end (loop = false)")
            self._video.release()  # seeking back is unreliable with some codecs: open the file again
            self._video = None
            try:
                self._video = self._open_video()
            except SourceUnavailable as exc:
                raise SourceFailed(exc.reason) from None
            ok, bgr = self._video.read()
            if not ok:
                raise SourceFailed(f"the video {self.path} has no frames that can be read")
        height, width = bgr.shape[:2]
        target = fit((width, height), self.size)
        if target != (width, height):
            bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
        colour = None
        if preview:
            colour = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if bgr.ndim == 3 else cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        return Frame(grey, colour)
