"""Real pictures for the camera tests: passes made with qrcode, held up in front of a cluttered scene,
as PNG and JPEG files and as a video written with OpenCV's VideoWriter."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import qrcode
from PIL import Image

PASS = "WK1-7F3KQ9ZP2M"
OTHER = "WK1-B8D4R6TX1C"


def pass_image(text: str = PASS, box: int = 6) -> Image.Image:
    return qrcode.make(text, box_size=box, border=4).get_image().convert("RGB")


def scene(text: str | None = PASS, size: tuple[int, int] = (640, 480), seed: int = 1, box: int = 6) -> np.ndarray:
    """An RGB frame: a noisy, blotchy room, with the pass held up in it (or not, for text=None)."""
    rng = np.random.default_rng(seed)
    width, height = size
    room = rng.integers(70, 190, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    picture = Image.fromarray(room).resize(size, Image.Resampling.BILINEAR)
    if text is not None:
        card = pass_image(text, box).rotate(8, expand=True, fillcolor=(235, 235, 235))
        picture.paste(card, ((width - card.width) // 2, (height - card.height) // 2))
    frame = np.asarray(picture).astype(np.int16) + rng.integers(-6, 7, (height, width, 3))
    return np.clip(frame, 0, 255).astype(np.uint8)


def save(path: Path, rgb: np.ndarray) -> Path:
    Image.fromarray(rgb).save(path, **({"quality": 85} if path.suffix in (".jpg", ".jpeg") else {}))
    return path


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """An MJPEG AVI (lossy, like a camera's), written by OpenCV; asserts that the writer worked."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write MJPEG here"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    assert path.stat().st_size > 0
    return path
