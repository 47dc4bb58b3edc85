"""The kiosk's camera: frame sources behind one interface, and the scanner that reads passes from them.

    scanner = Scanner.from_settings(config.camera, on_codes=intake)  # intake(texts) runs on a camera thread
    scanner.start()            # returns at once; a missing camera is retried, never raised
    scanner.status().summary() # "Camera unavailable: no camera at /dev/video0 (is it plugged in?) ..."
    scanner.preview()          # the latest RGB frame for the welcome screen, or None

Sources: OpenCVSource (USB webcams), Picamera2Source (Raspberry Pi camera modules), FileSource
(an image, a video, a folder: demos, tests, diagnosis), AutoSource (the first that opens). They are
imported when used, so importing this package costs numpy only. docs/camera.md is the guide.
"""

from __future__ import annotations

from kiosk.camera.base import (
    CameraError,
    EndOfFrames,
    Frame,
    FrameSource,
    SourceFailed,
    SourceUnavailable,
)
from kiosk.camera.scanner import (
    FINISHED,
    OFF,
    RUNNING,
    STALLED,
    STARTING,
    STOPPED,
    UNAVAILABLE,
    CameraStatus,
    Debounce,
    Preview,
    Scanner,
)

__all__ = [
    "FINISHED", "OFF", "RUNNING", "STALLED", "STARTING", "STOPPED", "UNAVAILABLE",
    "CameraError", "CameraStatus", "Debounce", "EndOfFrames", "Frame", "FrameSource", "Preview", "Scanner",
    "SourceFailed", "SourceUnavailable",
]  # fmt: skip
