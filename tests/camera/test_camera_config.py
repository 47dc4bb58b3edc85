"""The [camera] section of kiosk/config.py: good values load as CameraSettings, and any mix of values,
good or bad, gives a Config or problems each naming a [camera] key, never another exception."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_config_properties import PATHISH, TOMLISH, toml

from kiosk.config import CAMERA_SOURCES, SCHEMA, CameraSettings, Config, ConfigError, load_config, parse_config
from kiosk.qrdecode import DECODERS

CAMERA_KEYS = list(SCHEMA["camera"])
EVEN = st.integers(80, 960).map(lambda n: n * 2)


def camera(folder: Path, **keys: Any) -> Config:
    return parse_config({"campus": {"name": "Lincoln"}, "camera": keys}, base=folder)


def problems(folder: Path, **keys: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        camera(folder, **keys)
    return caught.value.problems


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config")
    os.mkfifo(path / "fifo")
    (path / "passes").mkdir()
    (path / "pass.png").write_bytes(b"")
    return path


def test_no_camera_section_means_auto_with_the_defaults(folder: Path) -> None:
    settings_ = camera(folder).camera
    assert settings_ == CameraSettings()
    assert (settings_.source, settings_.device, settings_.size, settings_.fps, settings_.decoder) == (
        "auto", 0, (640, 480), 15, "kiosk")  # fmt: skip


def test_the_example_file_camera_section_is_the_defaults_spelled_out() -> None:
    example = Path(__file__).resolve().parents[2] / "kiosk.example.toml"
    assert "[camera]" in example.read_text(encoding="utf-8")
    assert load_config(example).camera == CameraSettings()


def test_every_key_read(folder: Path) -> None:
    got = camera(folder, source="files", device="/dev/v4l/by-id/usb-cam-video-index0", path="passes",
                 size=[1280, 720], fps=30, mirror=False, decoder="pyzbar", loop=False).camera  # fmt: skip
    assert got == CameraSettings("files", "/dev/v4l/by-id/usb-cam-video-index0", folder / "passes", (1280, 720), 30,
                                 False, "pyzbar", False)  # fmt: skip


def test_the_messages_say_what_would_do(folder: Path) -> None:
    assert problems(folder, source="webcam") == [
        "camera.source: must be one of 'auto', 'none', 'opencv', 'picamera2', 'files', not 'webcam'"
    ]
    assert problems(folder, device="video0", size=[641, 480], fps=0, decoder="zbar", path="fifo") == [
        "camera.device: must be a camera number from 0 to 63 or a device path like \"/dev/video0\", not 'video0'",
        "camera.size: must be [width, height] in pixels, even numbers from 160×120 to 1920×1080, not [641, 480]",
        "camera.fps: must be a whole number from 1 to 60, not 0",
        f"camera.decoder: must be one of {', '.join(map(repr, DECODERS))}, not 'zbar'",
        f"camera.path: {folder / 'fifo'} is not a regular file (a device or a pipe cannot be read as one)",
    ]
    assert problems(folder, source="files") == [
        'camera.source: "files" needs camera.path (an image, a video or a folder of images)'
    ]
    assert problems(folder, source="files", path="fifo") == [  # the bad path is said once, not also as missing
        f"camera.path: {folder / 'fifo'} is not a regular file (a device or a pipe cannot be read as one)"
    ]
    assert problems(folder, source="picamera2", device="/dev/video0") == [
        "camera.device: picamera2 takes a camera number (0 for the first camera module), not a device path"
    ]
    assert problems(folder, mirorr=True) == ["camera.mirorr: unknown key 'mirorr' (did you mean 'mirror'?)"]


def test_a_path_not_there_yet_is_accepted_the_camera_says_so_when_it_runs(folder: Path) -> None:
    assert camera(folder, source="files", path="usb/demo.mp4").camera.path == folder / "usb" / "demo.mp4"


GOOD = st.fixed_dictionaries(
    {},
    optional={
        "source": st.sampled_from([s for s in CAMERA_SOURCES if s != "files"]),
        "device": st.integers(0, 63) | st.sampled_from(["/dev/video0", "/dev/v4l/by-path/platform-xhci-video-index0"]),
        "path": st.sampled_from(["passes", "pass.png", "missing.jpg", "/tmp/x.mp4"]),
        "size": st.tuples(EVEN.filter(lambda w: w <= 1920), EVEN.filter(lambda h: 120 <= h <= 1080)).map(list),
        "fps": st.integers(1, 60),
        "mirror": st.booleans(),
        "decoder": st.sampled_from(list(DECODERS)),
        "loop": st.booleans(),
    },
)


@settings(max_examples=150)
@given(keys=GOOD)
def test_good_values_load_as_given(folder: Path, keys: dict[str, Any]) -> None:
    if keys.get("source") == "picamera2" and isinstance(keys.get("device"), str):
        keys["device"] = 0
    got = camera(folder, **keys).camera
    for key, value in keys.items():
        expected = tuple(value) if key == "size" else folder / value if key == "path" else value
        assert getattr(got, key) == expected, key


ODD = [*CAMERA_SOURCES, "/dev/video0", "/dev/", 0, 63, 64, -1, [640, 480], [1920, 1080], [1922, 1080], "pyzbar",
       "zxing-cpp", True, "passes", "fifo", 15, 60, 61, ["640", "480"], [640.0, 480.0], [True, False], "640x480",
       [640, 480, 3], [], 15.0, "15", "", " ", "~no-such-user/x", "/dev/zero", None]  # fmt: skip
NEAR = st.sampled_from([v for v in ODD if v is not None])


def test_each_key_given_each_near_miss_names_only_itself(folder: Path) -> None:
    for key in CAMERA_KEYS:
        for value in ODD:
            keys = {key: value} if value is not None else {}
            try:
                camera(folder, **keys)
            except ConfigError as exc:
                assert all(p.startswith(f"camera.{key}:") for p in exc.problems), exc.problems


@settings(max_examples=300)
@given(keys=st.dictionaries(st.sampled_from(CAMERA_KEYS), st.one_of(NEAR, TOMLISH, PATHISH)))
def test_any_mix_of_values_is_a_config_or_problems_naming_camera_keys(folder: Path, keys: dict[str, Any]) -> None:
    try:
        assert isinstance(camera(folder, **keys).camera, CameraSettings)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            key = problem.split(":", 1)[0]
            assert key.startswith("camera.") and key.removeprefix("camera.") in keys, problem
            assert len(problem) < 400


@settings(max_examples=60)
@given(key=st.sampled_from(CAMERA_KEYS), value=st.one_of(TOMLISH, PATHISH))
def test_any_camera_line_in_a_file_loads_or_is_a_config_error(folder: Path, key: str, value: Any) -> None:
    path = folder / "kiosk.toml"
    path.write_text(f'[campus]\nname = "Lincoln"\n[camera]\n{key} = {toml(value)}\n', encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        assert exc.problems and all(p.startswith(f"camera.{key}:") or "TOML" in p for p in exc.problems), exc.problems
