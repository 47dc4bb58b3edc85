"""The kiosk's one configuration file (TOML), checked at start.

Every problem is reported at once, each naming its key ("screen.idle_seconds: must be a
whole number from 10 to 600, not 'abc'"), so whoever set the kiosk up fixes the file in
one go. Unknown keys are errors too, with a suggestion: a typo must not silently fall
back to a default. The reference is docs/configuration.md; kiosk.example.toml is a
commented example that the tests load. A section for an optional part (`[camera]`) is read into
its own frozen settings object, checked here like the rest; the part itself reports at run time
what no config check can know (a camera unplugged, busy or missing).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.files import FileRefused, check_regular, read_regular, why_unusable
from kiosk.language import languages
from kiosk.pin import parse_pin_hash
from kiosk.text import NameProblem, clean_label

DEFAULT_CONFIG_PATH = Path("/etc/welcome-kiosk/kiosk.toml")
DEFAULT_DATA_DIR = Path("/var/lib/welcome-kiosk")
ORIENTATIONS = {"landscape": 0, "portrait": 90, "landscape-flipped": 180, "portrait-flipped": 270}
MAX_CONFIG_BYTES = 1_000_000  # a config file is a few hundred bytes; /dev/zero must not be read for ever
CAMERA_SOURCES = ("auto", "none", "opencv", "picamera2", "files")
MAX_CAMERA_SIZE = (1920, 1080)  # decoding a bigger frame costs more than a Raspberry Pi 4 has per frame
MIN_CAMERA_SIZE = (160, 120)


class ConfigError(Exception):
    """The config file cannot be used; `problems` lists every reason, each naming its key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))

    def __str__(self) -> str:
        lines = [f"The configuration file {self.source} has {len(self.problems)} problem(s):"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class CameraSettings:
    """The [camera] section (docs/camera.md). "auto" by default: a kiosk with a camera plugged in reads
    passes with no setting, and one without says so in staff mode ("no camera found") instead of failing."""

    source: str = "auto"  # one of CAMERA_SOURCES
    device: int | str = 0  # a V4L2 index (/dev/videoN) or device path for opencv; a camera number for picamera2
    path: Path | None = None  # for "files": an image, a video or a folder of images
    size: tuple[int, int] = (640, 480)  # the frames decoded (and previewed), in pixels
    fps: int = 15  # at most this many frames a second are captured and decoded
    mirror: bool = True  # the preview is drawn mirrored, as a looking glass (decoding never is)
    decoder: str = "kiosk"  # a name in kiosk.qrdecode.DECODERS: the kiosk's pipeline (benchmarks/README.md)
    loop: bool = True  # "files": start again after the last frame


@dataclass(frozen=True)
class Config:
    campus_name: str
    campus_logo: Path | None = None
    timezone: str | None = None  # None: the system's
    languages: tuple[str, ...] = ("en", "es")
    default_language: str = "en"
    idle_seconds: int = 45
    confirmation_seconds: int = 8
    orientation: str = "landscape"
    fullscreen: bool = True
    window_size: tuple[int, int] | None = None
    pin_hash: str | None = None
    directory_csv: Path | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    ca_bundle: Path | None = None  # the district's own certificate authority, if it has one
    camera: CameraSettings = CameraSettings()
    source: str = field(default="(built-in)", compare=False)

    @property
    def rotation(self) -> int:
        return ORIENTATIONS[self.orientation]

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None

    @property
    def database_path(self) -> Path:
        return self.data_dir / "kiosk.sqlite3"

    @property
    def enrollment_path(self) -> Path:
        """The district server's address and this kiosk's token (mode 600), written by `kiosk enroll`."""
        return self.data_dir / "enrollment.json"


# --- the schema: section -> key -> (Config field, checker) -------------------------------

Checker = Callable[[Any, Path], Any]  # returns the value to store or raises ValueError(reason)


def _shown(value: Any) -> str:
    """A value as a problem quotes it: short, and never failing (a list nested 900 deep has no repr)."""
    try:
        text = repr(value)
    except RecursionError:
        return "a value nested too deeply"
    return _cut(text, 60)


def _cut(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text(max_len: int) -> Checker:
    def check(value: Any, _base: Path) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text in quotes, not {_shown(value)}")
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > max_len:
            raise ValueError(f"must be at most {max_len} characters")
        if any(ord(c) < 32 for c in value):
            raise ValueError("must not contain control characters")
        return value

    return check


def _label(max_len: int) -> Checker:
    """A name people read on the screen: cleaned as the server cleans the names it sends (kiosk.text)."""

    def check(value: Any, _base: Path) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text in quotes, not {_shown(value)}")
        try:
            return clean_label(value, max_len)
        except NameProblem as problem:
            if problem.code == NameProblem.EMPTY:
                raise ValueError("must not be empty (nothing in it is visible)") from None
            raise ValueError(f"must be at most {max_len} characters") from None

    return check


def _whole(lo: int, hi: int) -> Checker:
    def check(value: Any, _base: Path) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}, not {_shown(value)}")
        return value

    return check


def _bool(value: Any, _base: Path) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {_shown(value)}")
    return value


def _path(must_exist: bool, folder: bool = False) -> Checker:
    """A file's path (a folder's with `folder`), relative to the config's folder; if it exists it
    must be a regular file (a folder), since a device or a FIFO would be read for ever."""

    def check(value: Any, base: Path) -> Path:
        text = _text(4096)(value, base)
        try:
            path = Path(text).expanduser()
        except RuntimeError:  # "~someone" with no such user
            raise ValueError(f"names a home folder that does not exist: {_shown(text)}") from None
        path = path if path.is_absolute() else base / path
        try:
            if folder:
                if not path.is_dir() and path.exists():
                    raise ValueError(f"is not a folder: {_cut(str(path))}")
            else:
                check_regular(path)
        except (FileNotFoundError, NotADirectoryError):
            if must_exist:
                raise ValueError(f"no such file: {_cut(str(path))}") from None
        except (OSError, FileRefused) as exc:
            raise ValueError(f"{_cut(str(path))} {why_unusable(exc)}") from None
        return path

    return check


def _timezone(value: Any, base: Path) -> str:
    name = _text(64)(value, base)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"not a time zone name like 'America/Chicago': {name!r}") from None
    return name


def _language_list(value: Any, _base: Path) -> tuple[str, ...]:
    known = languages()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"must be a list of language codes like [\"en\", \"es\"], not {_shown(value)}")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ValueError(f"unknown language code(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    if len(set(value)) != len(value):
        raise ValueError("lists a language twice")
    return tuple(value)


def _language(value: Any, _base: Path) -> str:
    if not isinstance(value, str) or value not in languages():
        raise ValueError(f"must be one of {', '.join(languages())}, not {_shown(value)}")
    return value


def _orientation(value: Any, _base: Path) -> str:
    if not isinstance(value, str) or value not in ORIENTATIONS:
        raise ValueError(f"must be one of {', '.join(ORIENTATIONS)}, not {_shown(value)}")
    return value


def _window_size(value: Any, _base: Path) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 320 <= v <= 7680 for v in value)
    ):
        raise ValueError(f"must be [width, height] in pixels, each from 320 to 7680, not {_shown(value)}")
    return (value[0], value[1])


def _pin_hash(value: Any, base: Path) -> str:
    text = _text(512)(value, base)
    parse_pin_hash(text)
    return text


def _choice(choices: tuple[str, ...] | Callable[[], list[str]]) -> Checker:
    def check(value: Any, _base: Path) -> str:
        known = list(choices() if callable(choices) else choices)
        if not isinstance(value, str) or value not in known:
            raise ValueError(f"must be one of {', '.join(map(repr, known))}, not {_shown(value)}")
        return value

    return check


def _decoder_names() -> list[str]:
    from kiosk.qrdecode import DECODERS  # numpy and zxing-cpp: only when a config names a decoder

    return list(DECODERS)


def _camera_device(value: Any, base: Path) -> int | str:
    """A number (/dev/videoN for opencv, the Nth camera module for picamera2) or a V4L2 device path,
    such as /dev/v4l/by-id/usb-...-video-index0, which stays the same whichever USB port is used."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 63:
        return value
    if isinstance(value, str):
        text = _text(4096)(value, base)
        if text.startswith("/dev/"):
            return text
    raise ValueError(f"must be a camera number from 0 to 63 or a device path like \"/dev/video0\", not {_shown(value)}")


def _media_path(value: Any, base: Path) -> Path:
    """An image, a video or a folder of images; it may be missing now (a USB stick not yet in: the camera
    then says so in staff mode), but if it exists it must be a regular file or a folder (a FIFO would hang)."""
    text = _text(4096)(value, base)
    try:
        path = Path(text).expanduser()
    except RuntimeError:
        raise ValueError(f"names a home folder that does not exist: {_shown(text)}") from None
    path = path if path.is_absolute() else base / path
    try:
        if not path.is_dir():
            check_regular(path)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except (OSError, FileRefused) as exc:
        raise ValueError(f"{_cut(str(path))} {why_unusable(exc)}") from None
    return path


def _camera_size(value: Any, _base: Path) -> tuple[int, int]:
    (lo_w, lo_h), (hi_w, hi_h) = MIN_CAMERA_SIZE, MAX_CAMERA_SIZE
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v % 2 == 0 for v in value)
        and lo_w <= value[0] <= hi_w
        and lo_h <= value[1] <= hi_h
    ):
        return (value[0], value[1])
    raise ValueError(
        f"must be [width, height] in pixels, even numbers from {lo_w}×{lo_h} to {hi_w}×{hi_h}, not {_shown(value)}"
    )


SCHEMA: dict[str, dict[str, tuple[str, Checker]]] = {
    "campus": {
        "name": ("campus_name", _label(100)),
        "logo": ("campus_logo", _path(must_exist=True)),
        "timezone": ("timezone", _timezone),
    },
    "languages": {
        "offered": ("languages", _language_list),
        "default": ("default_language", _language),
    },
    "screen": {
        "idle_seconds": ("idle_seconds", _whole(10, 600)),
        "confirmation_seconds": ("confirmation_seconds", _whole(3, 60)),
        "orientation": ("orientation", _orientation),
        "fullscreen": ("fullscreen", _bool),
        "window_size": ("window_size", _window_size),
    },
    "staff": {"pin_hash": ("pin_hash", _pin_hash)},
    "directory": {"csv": ("directory_csv", _path(must_exist=False))},
    "storage": {"data_dir": ("data_dir", _path(must_exist=False, folder=True))},
    "server": {"ca_bundle": ("ca_bundle", _path(must_exist=True))},
    # "group.field": a field of a settings object of its own (NESTED), not of Config itself
    "camera": {
        "source": ("camera.source", _choice(CAMERA_SOURCES)),
        "device": ("camera.device", _camera_device),
        "path": ("camera.path", _media_path),
        "size": ("camera.size", _camera_size),
        "fps": ("camera.fps", _whole(1, 60)),
        "mirror": ("camera.mirror", _bool),
        "decoder": ("camera.decoder", _choice(_decoder_names)),
        "loop": ("camera.loop", _bool),
    },
}
NESTED: dict[str, type] = {"camera": CameraSettings}
REQUIRED = {("campus", "name")}


def _unknown(kind: str, name: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(name, choices, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else f"; known: {', '.join(choices)}"
    return f"unknown {kind} '{name}'{hint}"


def parse_config(table: dict[str, Any], source: str = "(built-in)", base: Path | None = None) -> Config:
    """A Config from an already-parsed TOML table; relative paths are taken from `base`."""
    base = base or Path.cwd()
    problems: list[str] = []
    values: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for section, body in table.items():
        if section not in SCHEMA:
            problems.append(_unknown("section", f"[{section}]", [f"[{s}]" for s in SCHEMA]))
            continue
        if not isinstance(body, dict):
            problems.append(f"{section}: must be a [{section}] section, not a single value")
            continue
        for key, value in body.items():
            if key not in SCHEMA[section]:
                problems.append(f"{section}.{key}: " + _unknown("key", key, list(SCHEMA[section])))
                continue
            attr, check = SCHEMA[section][key]
            try:
                checked = check(value, base)
            except ValueError as exc:
                problems.append(f"{section}.{key}: {exc}")
                continue
            group, _, name = attr.rpartition(".")
            (nested.setdefault(group, {}) if group else values)[name] = checked
    for section, key in REQUIRED:
        if SCHEMA[section][key][0] not in values and not any(f"{section}.{key}:" in p for p in problems):
            problems.append(f"{section}.{key}: is required")
    offered = values.get("languages", Config.languages)
    if "default_language" in values and values["default_language"] not in offered:
        problems.append(f"languages.default: '{values['default_language']}' is not in languages.offered")
    elif "default_language" not in values and "languages" in values:
        values["default_language"] = offered[0]
    problems += _camera_problems(nested.get("camera", {}), problems)
    if problems:
        raise ConfigError(source, problems)
    values.update({group: NESTED[group](**fields) for group, fields in nested.items()})
    return Config(**values, source=source)


def _camera_problems(camera: dict[str, Any], found: list[str]) -> list[str]:
    """The [camera] keys that only make sense together, each problem naming one key (an unusable
    camera.path was reported already and is not reported again as missing)."""
    source = camera.get("source")
    if source == "files" and "path" not in camera and not any(p.startswith("camera.path:") for p in found):
        return ['camera.source: "files" needs camera.path (an image, a video or a folder of images)']
    if source == "picamera2" and isinstance(camera.get("device"), str):
        return ["camera.device: picamera2 takes a camera number (0 for the first camera module), not a device path"]
    return []


def load_config(path: Path) -> Config:
    """The validated config in `path`, or ConfigError with every problem found."""
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        raise ConfigError(str(path), ["the file does not exist (see kiosk.example.toml)"]) from None
    except FileRefused as exc:
        raise ConfigError(str(path), [f"the file {exc}"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from None
    try:
        table = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"is not valid TOML: {exc}"]) from None
    except RecursionError:  # tomllib recurses once per level of [[[...]]] or {a = {b = ...}}
        raise ConfigError(str(path), ["is not usable TOML: its values are nested too deeply"]) from None
    return parse_config(table, source=str(path), base=path.resolve().parent)
