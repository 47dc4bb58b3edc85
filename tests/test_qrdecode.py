"""`kiosk scan` and the decoders behind it, on real image files made with qrcode and Pillow: what IT
sees when it checks a camera's pictures, one JSON line per file, and a reason for each it cannot read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import qrcode
from PIL import Image

from kiosk import qrdecode

CODE = "WK1ABCDEFGHIJKLMNOPQRSTUVWX2"


def pass_image(text: str = CODE, box: int = 8) -> Image.Image:
    return qrcode.make(text, box_size=box, border=4).get_image().convert("RGB")


def scan(*files: Path | str, decoder: str | None = None) -> tuple[int, list[dict]]:
    command = [sys.executable, "-m", "kiosk.cli", "scan", *map(str, files)]
    if decoder:
        command += ["--decoder", decoder]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def test_scan_reads_png_jpeg_and_webp_one_json_line_each(tmp_path: Path) -> None:
    files = []
    for kind in ("png", "jpeg", "webp"):
        files.append(tmp_path / f"pass.{kind}")
        pass_image().save(files[-1], quality=80) if kind != "png" else pass_image().save(files[-1])
    code, answers = scan(*files)
    assert code == 0
    assert [a["file"] for a in answers] == [str(f) for f in files]
    assert all(a["codes"] == [CODE] and 0 <= a["ms"] < 5_000 for a in answers), answers


def test_a_picture_of_a_pass_in_a_scene_is_read_and_an_empty_one_reads_nothing(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    scene = Image.fromarray(rng.integers(60, 200, (480, 640), dtype=np.uint8)).convert("RGB")
    empty = tmp_path / "empty.jpg"
    scene.save(empty)
    scene.paste(pass_image(box=5).rotate(12, expand=True, fillcolor="white"), (200, 90))
    held_up = tmp_path / "held-up.jpg"
    scene.save(held_up)
    for decoder in ("zxing-cpp", "pyzbar"):
        code, answers = scan(held_up, empty, decoder=decoder)
        assert code == 0 and [a["codes"] for a in answers] == [[CODE], []], (decoder, answers)


def test_files_it_cannot_read_each_get_a_reason_and_the_others_are_still_read(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    pass_image().save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(good.read_bytes()[:200])
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    fifo = tmp_path / "camera.fifo"
    os.mkfifo(fifo)  # would block a plain open() for ever
    code, answers = scan(text, broken, fifo, tmp_path, tmp_path / "missing.png", good)
    assert code == 1
    assert [a.get("error") for a in answers] == [
        "not an image this kiosk can read (PNG, JPEG and WebP are)",
        answers[1]["error"],
        "not a regular file",
        "not a regular file",
        "No such file or directory",
        None,
    ]
    assert answers[1]["error"].startswith("the image is damaged")
    assert answers[-1]["codes"] == [CODE]


def test_an_image_too_big_to_be_a_camera_picture_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    Image.new("L", (8000, 7000), 255).save(huge)  # 56 M pixels, a small file
    assert qrdecode.MAX_PIXELS < 8000 * 7000
    code, [answer] = scan(huge)
    assert code == 1 and answer["error"] == "8000×7000 pixels: more than 50,000,000"


@pytest.mark.parametrize("name", sorted(qrdecode.DECODERS))
def test_each_decoder_reads_a_strided_view_of_a_wider_frame(name: str) -> None:
    """A camera's Y plane is a slice of a wider buffer (its stride): read in place."""
    grey = np.asarray(pass_image(box=4).convert("L"))
    frame = np.full((grey.shape[0] + 40, grey.shape[1] + 96), 255, np.uint8)
    frame[20 : 20 + grey.shape[0], 30 : 30 + grey.shape[1]] = grey
    view = frame[:, : grey.shape[1] + 60]
    assert not view.flags["C_CONTIGUOUS"]
    assert qrdecode.DECODERS[name](view) == [CODE]
