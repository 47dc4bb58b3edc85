"""`kiosk scan` and the decoders behind it, on real image files made with qrcode and Pillow: what IT
sees when it checks a camera's pictures, one JSON line per file, and a reason for each it cannot read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
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


# ------------------------------------------------------------------------------------------
# The kiosk's pipeline, on frames from the benchmark's corpus (benchmarks/qr_corpus.py)
# ------------------------------------------------------------------------------------------
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import qr_corpus

TEST_SEED = 7  # neither the tuning seed nor the held-out one the benchmark reports on


def sample(condition: str, payload: str | None, count: int, resolution: str = "640x480") -> list[qr_corpus.Frame]:
    return list(qr_corpus.frames(condition, resolution, payload, count, TEST_SEED))


def test_kiosk_is_the_default_decoder_of_kiosk_scan(tmp_path: Path) -> None:
    """A small code, slightly out of focus: raw zxing-cpp misses it, `kiosk scan` with no --decoder reads it."""
    text = qr_corpus.long_payload(np.random.default_rng(5))
    grey = small_blurred_pass(text)
    assert qrdecode.zxing(grey) == []
    Image.fromarray(grey).save(tmp_path / "small.png")
    code, answers = scan(tmp_path / "small.png")
    assert code == 0 and answers[0]["codes"] == [text], answers


def small_blurred_pass(text: str, px: int = 80, blur: float = 0.9, seed: int = 0) -> np.ndarray:
    """A pass at `px` pixels (quiet zone aside) in a cluttered 640×480 frame, blurred and noisy."""
    modules = np.pad(qr_corpus.qr_modules(text, "short" if text.startswith("WK1") else "long"), 4)
    side = round(px * modules.shape[0] / (modules.shape[0] - 8))
    fine = cv2.resize(
        np.where(modules, 30, 220).astype(np.uint8), (side * 4, side * 4), interpolation=cv2.INTER_NEAREST
    )
    rng = np.random.default_rng(seed)
    frame = qr_corpus.clutter(rng, 640, 480)
    frame[150 : 150 + side, 250 : 250 + side] = cv2.resize(fine, (side, side), interpolation=cv2.INTER_AREA)
    frame = cv2.GaussianBlur(frame, (0, 0), blur) + rng.normal(0, 4, frame.shape)
    return np.clip(np.rint(frame), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("px", "blur"), [(60, 0.5), (70, 0.6), (100, 1.2), (140, 1.6), (150, 1.8)])
def test_the_pipeline_reads_small_and_blurred_codes_raw_zxing_misses(px: int, blur: float) -> None:
    text = qr_corpus.long_payload(np.random.default_rng(px))
    grey = small_blurred_pass(text, px, blur)
    assert qrdecode.zxing(grey) == []  # why this case is here
    assert qrdecode.kiosk(grey) == [text]


def test_the_pipeline_reads_every_frame_raw_zxing_reads_and_no_other_text() -> None:
    frames = [f for c in ("clean-120", "perspective", "low-contrast", "inverted", "jpeg", "uneven-light")
              for p in qr_corpus.PAYLOADS for f in sample(c, p, 3)]  # fmt: skip
    for frame in frames:
        raw, ours = qrdecode.zxing(frame.grey), qrdecode.kiosk(frame.grey)
        assert set(raw) <= set(ours) <= {frame.expected}, (frame.condition, frame.payload, frame.index, raw, ours)
    assert sum(frame.expected in qrdecode.kiosk(frame.grey) for frame in frames) >= 0.9 * len(frames)


def test_the_pipeline_reads_most_of_the_hard_frames_raw_zxing_misses() -> None:
    """Blur, glare and small codes are where raw zxing-cpp fails; the second passes are there for them."""
    frames = sample("blur", "long", 10) + sample("glare", "short", 14) + sample("clean-80", "long", 10, "1280x720")
    missed = [f for f in frames if f.expected not in qrdecode.zxing(f.grey)]
    assert len(missed) >= 5, "the sample has too few hard frames to say anything"
    read = [f for f in missed if qrdecode.kiosk(f.grey) == [f.expected]]
    assert len(read) >= len(missed) / 2, [(f.condition, f.index) for f in missed if f not in read]
    assert {f.condition for f in read} == {f.condition for f in missed}  # each kind, not one kind many times


def test_a_candidate_region_holds_the_whole_code_in_nearly_every_frame() -> None:
    """Second passes only look at candidate regions: they must find the code, whatever the frame's trouble.
    (A shadow across a code can still split it: the densest region is then its lit half.)"""
    frames = [
        f
        for c in ("clean-80", "perspective", "blur", "glare", "inverted", "uneven-light")
        for f in sample(c, "short", 3)
    ]
    held = [f for f in frames if any(covers(box, f.corners) for box in qrdecode.candidate_regions(f.grey))]
    assert len(held) >= len(frames) - 2, [(f.condition, f.index) for f in frames if f not in held]


def covers(box: tuple[int, int, int, int], corners: np.ndarray | None) -> bool:
    """Does a region, grown as the pipeline grows it, hold all four corners of the code (within a pixel or two)?"""
    assert corners is not None
    x0, y0, x1, y1 = box
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * qrdecode.CROP_GROW / 2 + 2
    return bool(np.all(np.abs(corners[:, 0] - cx) <= half) and np.all(np.abs(corners[:, 1] - cy) <= half))


def test_no_code_is_read_in_the_corpus_empty_frames() -> None:
    for resolution in qr_corpus.RESOLUTIONS:
        for frame in sample("empty", None, 12, resolution):
            assert qrdecode.kiosk(frame.grey) == [], (resolution, frame.index)


def test_micro_qr_and_rmqr_symbols_are_not_read() -> None:
    """A Micro QR M1 symbol has no error correction: clutter, sharpened, decoded as one (the frame below).
    Passes and the codes visitors carry are QR Model 2; nothing else is looked for."""
    import zxingcpp

    for kind, text in ((zxingcpp.BarcodeFormat.MicroQRCode, "903001"), (zxingcpp.BarcodeFormat.RMQRCode, CODE)):
        symbol = np.asarray(zxingcpp.create_barcode(text, kind).to_image(scale=6, add_quiet_zones=True))
        assert zxingcpp.read_barcodes(symbol, formats=zxingcpp.BarcodeFormat.QRCode), kind  # zxing-cpp could
        assert all(decode(symbol) == [] for decode in qrdecode.DECODERS.values()), kind
    frame = next(f for f in qr_corpus.frames("tiny-60", "1280x720", "long", 18, 2) if f.index == 17)
    assert set(qrdecode.kiosk(frame.grey)) <= {frame.expected}  # it read "903001" in a clutter region


@pytest.mark.parametrize("shape", [(1, 1), (3, 500), (39, 39), (40, 41), (5000, 2)])
def test_the_pipeline_takes_images_of_any_size(shape: tuple[int, int]) -> None:
    """`kiosk scan` hands it whatever file it is given: a 1-pixel image reads nothing, without an error."""
    grey = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    assert qrdecode.kiosk(grey) == []


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), wide=st.booleans(), inverted=st.booleans())
def test_no_code_is_ever_read_in_clutter(seed: int, wide: bool, inverted: bool) -> None:
    """Shapes, text, code-like block textures and finder-like squares, light or dark: never a code."""
    rng = np.random.default_rng(seed)
    width, height = (1280, 720) if wide else (640, 480)
    frame = qr_corpus.clutter(rng, width, height) + rng.normal(0, rng.uniform(0, 8), (height, width))
    grey = np.clip(frame, 0, 255).astype(np.uint8)
    grey = 255 - grey if inverted else grey
    assert qrdecode.kiosk(grey[:, 8:]) == []  # a strided view, as a camera's Y plane is
