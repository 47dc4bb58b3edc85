"""kiosk/camera/filesource.py on real files: PNG and JPEG stills, an MJPEG video written with OpenCV, and
folders of pictures, read the way the scanner reads a camera; and every way a path can be unusable."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.camera import EndOfFrames, SourceFailed, SourceUnavailable
from kiosk.camera.filesource import FileSource, fit
from kiosk.qrdecode import zxing

from .pictures import OTHER, PASS, save, scene, write_video


def source(path: Path, **options: object) -> FileSource:
    options.setdefault("fps", 1000)  # as fast as the test likes; pacing has its own test
    return FileSource(path, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["pass.png", "pass.jpg"])
def test_a_still_image_is_a_camera_that_shows_it_again_and_again(tmp_path: Path, name: str) -> None:
    path = save(tmp_path / name, scene())
    with source(path) as camera:
        first = camera.read(preview=True)
        assert first.grey.shape == (480, 640) and first.grey.dtype == np.uint8
        assert first.preview is not None and first.preview.shape == (480, 640, 3)
        assert zxing(first.grey) == [PASS]
        for _ in range(5):
            frame = camera.read()
            assert frame.preview is None  # no colour unless asked: it costs a conversion
            assert np.array_equal(frame.grey, first.grey)
        assert not first.grey.flags.writeable  # the same array each time: nobody may draw on it


def test_a_still_that_does_not_loop_is_shown_once(tmp_path: Path) -> None:
    with source(save(tmp_path / "pass.png", scene()), loop=False) as camera:
        camera.read()
        with pytest.raises(EndOfFrames):
            camera.read()


def test_a_large_photo_is_made_camera_sized_and_still_reads(tmp_path: Path) -> None:
    photo = save(tmp_path / "phone.jpg", scene(size=(2000, 1500), box=16))
    with source(photo, size=(640, 480)) as camera:
        frame = camera.read(preview=True)
    assert frame.grey.shape == (480, 640) and frame.preview is not None and frame.preview.shape == (480, 640, 3)
    assert zxing(frame.grey) == [PASS]
    assert fit((1000, 300), (640, 480)) == (640, 192) and fit((320, 240), (640, 480)) == (320, 240)


def test_a_video_plays_every_frame_then_ends_or_loops(tmp_path: Path) -> None:
    frames = [scene(None, seed=n) for n in range(3)] + [scene(seed=n) for n in range(4)] + [scene(None, seed=9)]
    video = write_video(tmp_path / "held-up.avi", frames)
    with source(video, loop=False) as camera:
        read = []
        while True:
            try:
                read.append(camera.read(preview=True))
            except EndOfFrames:
                break
    assert len(read) == len(frames)
    assert [zxing(f.grey) for f in read] == [[]] * 3 + [[PASS]] * 4 + [[]]
    assert all(f.preview is not None and f.preview.shape == (480, 640, 3) for f in read)
    assert abs(int(read[5].preview.mean()) - int(frames[5].mean())) < 6  # RGB, not BGR: the same picture

    with source(video, loop=True) as camera:
        greys = [camera.read().grey for _ in range(len(frames) + 4)]
    assert [zxing(g) for g in greys[len(frames):]] == [[]] * 3 + [[PASS]]  # the start again, after the end


def test_a_folder_is_shown_in_name_order_and_pictures_added_join_the_next_round(tmp_path: Path) -> None:
    folder = tmp_path / "passes"
    folder.mkdir()
    save(folder / "1-first.png", scene(PASS))
    save(folder / "2-empty.jpg", scene(None))
    (folder / "notes.txt").write_text("not a picture, not looked at")
    with source(folder) as camera:
        assert [zxing(camera.read().grey) for _ in range(4)] == [[PASS], [], [PASS], []]
        save(folder / "3-other.webp", scene(OTHER))
        assert [zxing(camera.read().grey) for _ in range(3)] == [[PASS], [], [OTHER]]


def test_a_damaged_picture_in_a_folder_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "passes"
    folder.mkdir()
    good = save(folder / "a.png", scene(PASS))
    (folder / "b.png").write_bytes(good.read_bytes()[:300])
    with source(folder) as camera:
        assert [zxing(camera.read().grey) for _ in range(3)] == [[PASS]] * 3


def test_a_folder_taken_away_mid_run_is_a_failure_with_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    save(folder / "a.png", scene(PASS))
    save(folder / "b.png", scene(None))
    camera = source(folder)
    camera.open()
    camera.read()
    shutil.rmtree(folder)
    with pytest.raises(SourceFailed) as failed:
        camera.read()
        camera.read()
    assert failed.value.reason == f"the folder {folder} is gone"
    camera.close()
    with pytest.raises(SourceUnavailable) as unavailable:
        camera.open()
    assert unavailable.value.reason == f"no such file or folder: {folder}"


def test_paths_that_cannot_be_a_camera_say_why_and_never_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # nothing writes to it: opening it to read would block for ever
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.mp4").write_text("not a video")
    broken = save(tmp_path / "broken.png", scene())
    broken.write_bytes(broken.read_bytes()[:200])
    expected = {
        "missing.png": f"no such file or folder: {tmp_path / 'missing.png'}",
        "fifo": f"{tmp_path / 'fifo'} is not a regular file (a device or a pipe would never end)",
        "empty": f"no pictures in the folder {tmp_path / 'empty'} (PNG, JPEG or WebP)",
        "notes.mp4": f"{tmp_path / 'notes.mp4'} is not a picture or a video this kiosk can read",
    }
    started = time.monotonic()
    for name, reason in expected.items():
        with pytest.raises(SourceUnavailable) as caught:
            source(tmp_path / name).open()
        assert caught.value.reason == reason
    with pytest.raises(SourceUnavailable) as caught:
        source(broken).open()
    assert caught.value.reason.startswith(f"{broken}: the image is damaged")
    assert time.monotonic() - started < 30
    with pytest.raises(SourceFailed):
        source(tmp_path / "missing.png").read()  # never opened


def test_frames_come_at_the_configured_rate_not_as_fast_as_the_disk_allows(tmp_path: Path) -> None:
    with FileSource(save(tmp_path / "pass.png", scene()), fps=20) as camera:
        started = time.monotonic()
        for _ in range(11):
            camera.read()
        elapsed = time.monotonic() - started
    assert elapsed >= 0.45  # ten intervals of 50 ms; sleeping never ends early
