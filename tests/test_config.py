"""kiosk/config.py: the config file loads, or every problem in it is reported, each naming its key."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_DATA_DIR, Config, ConfigError, load_config, parse_config
from kiosk.pin import hash_pin, verify_secret

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "kiosk.example.toml"


def write(folder: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(folder, text))
    return caught.value.problems


# --- files that load ---------------------------------------------------------------------


def test_the_example_file_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.campus_name == "Lincoln Elementary School"
    assert config.timezone == "America/Chicago"
    assert config.zone is not None and config.zone.key == "America/Chicago"
    assert config.languages == ("en", "es")
    assert config.default_language == "en"
    assert config.idle_seconds == 45
    assert config.confirmation_seconds == 8
    assert config.orientation == "landscape" and config.rotation == 0
    assert config.fullscreen is True
    assert config.pin_hash is None
    assert config.directory_csv == REPO / "staff.csv"  # relative to the example's folder
    assert config.data_dir == Path("/var/lib/welcome-kiosk")
    assert config.source == str(EXAMPLE)


def test_the_example_copied_elsewhere_names_the_csv_beside_it(tmp_path: Path) -> None:
    copy = tmp_path / "etc" / "kiosk.toml"
    copy.parent.mkdir()
    shutil.copy(EXAMPLE, copy)
    assert load_config(copy).directory_csv == tmp_path / "etc" / "staff.csv"


def test_minimal_config_gets_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[campus]\nname = "Roosevelt Middle"\n'))
    assert config == Config(campus_name="Roosevelt Middle")
    assert config.languages == ("en", "es")
    assert config.default_language == "en"
    assert config.idle_seconds == 45
    assert config.timezone is None and config.zone is None
    assert config.pin_hash is None
    assert config.directory_csv is None
    assert config.database_path == DEFAULT_DATA_DIR / "kiosk.sqlite3"


def test_relative_paths_are_taken_from_the_config_files_folder(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    text = """
[campus]
name = "Roosevelt Middle"
logo = "logo.png"
[directory]
csv = "lists/staff.csv"
[storage]
data_dir = "data"
"""
    config = load_config(write(folder, text))
    assert config.campus_logo == folder / "logo.png"
    assert config.directory_csv == folder / "lists" / "staff.csv"
    assert config.data_dir == folder / "data"
    assert config.database_path == folder / "data" / "kiosk.sqlite3"


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    text = f'[campus]\nname = "X"\n[directory]\ncsv = "{tmp_path / "elsewhere.csv"}"\n'
    assert load_config(write(folder, text)).directory_csv == tmp_path / "elsewhere.csv"


def test_all_settings_are_read(tmp_path: Path) -> None:
    pin_hash = hash_pin("2580")
    text = f"""
[campus]
name = "  Escuela Benito Juárez  "
timezone = "America/Los_Angeles"
[languages]
offered = ["es", "en"]
default = "es"
[screen]
idle_seconds = 600
confirmation_seconds = 3
orientation = "portrait"
fullscreen = false
window_size = [800, 1280]
[staff]
pin_hash = "{pin_hash}"
"""
    config = load_config(write(tmp_path, text))
    assert config.campus_name == "Escuela Benito Juárez"
    assert config.languages == ("es", "en")
    assert config.default_language == "es"
    assert (config.idle_seconds, config.confirmation_seconds) == (600, 3)
    assert config.rotation == 90
    assert config.fullscreen is False
    assert config.window_size == (800, 1280)
    assert verify_secret("2580", config.pin_hash or "")


def test_default_language_follows_the_first_offered(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[campus]\nname = "X"\n[languages]\noffered = ["es"]\n'))
    assert config.languages == ("es",)
    assert config.default_language == "es"


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes('\ufeff[campus]\nname = "Escuela Juárez"\n'.encode("utf-8"))
    assert load_config(path).campus_name == "Escuela Juárez"


# --- every problem names its key -----------------------------------------------------------

CAMPUS = '[campus]\nname = "Lincoln"\n'


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[campus]\nname = 5\n', "campus.name:", "text"),
        ('[campus]\nname = "   "\n', "campus.name:", "empty"),
        ('[campus]\nname = "' + "x" * 101 + '"\n', "campus.name:", "100"),
        ('[campus]\ntimezone = "UTC"\n', "campus.name:", "required"),
        (CAMPUS + 'timezone = "Mars/Olympus"\n', "campus.timezone:", "Mars/Olympus"),
        (CAMPUS + 'timezone = "../../etc/passwd"\n', "campus.timezone:", "time zone"),
        (CAMPUS + 'logo = "missing.png"\n', "campus.logo:", "no such file"),
        (CAMPUS + '[screen]\nidle_seconds = "45"\n', "screen.idle_seconds:", "whole number"),
        (CAMPUS + "[screen]\nidle_seconds = 5\n", "screen.idle_seconds:", "10 to 600"),
        (CAMPUS + "[screen]\nidle_seconds = 601\n", "screen.idle_seconds:", "10 to 600"),
        (CAMPUS + "[screen]\nidle_seconds = 45.5\n", "screen.idle_seconds:", "whole number"),
        (CAMPUS + "[screen]\nidle_seconds = true\n", "screen.idle_seconds:", "whole number"),
        (CAMPUS + "[screen]\nconfirmation_seconds = 0\n", "screen.confirmation_seconds:", "3 to 60"),
        (CAMPUS + '[screen]\nfullscreen = "yes"\n', "screen.fullscreen:", "true or false"),
        (CAMPUS + '[screen]\norientation = "sideways"\n', "screen.orientation:", "portrait"),
        (CAMPUS + "[screen]\nwindow_size = [100, 100]\n", "screen.window_size:", "320"),
        (CAMPUS + "[screen]\nwindow_size = [1280]\n", "screen.window_size:", "width, height"),
        (CAMPUS + "[screen]\nidel_seconds = 30\n", "screen.idel_seconds:", "did you mean 'idle_seconds'"),
        (CAMPUS + "[screeen]\nidle_seconds = 30\n", "[screeen]", "did you mean '[screen]'"),
        (CAMPUS + "[printer]\nname = 'x'\n", "[printer]", "[campus]"),
        (CAMPUS + "[screen]\ncolour = 'blue'\n", "screen.colour:", "idle_seconds"),
        (CAMPUS + '[languages]\noffered = ["en"]\ndefault = "es"\n', "languages.default:", "offered"),
        (CAMPUS + '[languages]\ndefault = "de"\n', "languages.default:", "'de'"),
        (CAMPUS + '[languages]\noffered = ["en", "de"]\n', "languages.offered:", "'de'"),
        (CAMPUS + "[languages]\noffered = []\n", "languages.offered:", "list"),
        (CAMPUS + '[languages]\noffered = "en"\n', "languages.offered:", "list"),
        (CAMPUS + '[languages]\noffered = ["en", "en"]\n', "languages.offered:", "twice"),
        (CAMPUS + '[staff]\npin_hash = "1234"\n', "staff.pin_hash:", "hash-pin"),
        (CAMPUS + '[staff]\npin_hash = "scrypt$16384$8$1$!!$!!"\n', "staff.pin_hash:", "base64"),
        (CAMPUS + "[directory]\ncsv = 7\n", "directory.csv:", "text"),
        ('screen = "landscape"\n' + CAMPUS, "screen:", "section"),  # a value where a section belongs
    ],
)
def test_each_problem_names_its_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert key in problems[0]
    assert words in problems[0]


def test_several_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = """
[screen]
idle_seconds = 5
fullscreen = "yes"
idel_seconds = 30
[languages]
offered = ["en", "de"]
[staff]
pin_hash = "1234"
"""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    for key in (
        "screen.idle_seconds:",
        "screen.fullscreen:",
        "screen.idel_seconds:",
        "languages.offered:",
        "staff.pin_hash:",
        "campus.name:",
    ):
        assert sum(key in p for p in problems) == 1, (key, problems)
    assert len(problems) == 6
    message = str(caught.value)
    assert str(path) in message
    assert "6 problem" in message
    for problem in problems:
        assert f"  - {problem}" in message.splitlines()


def test_parse_config_takes_relative_paths_from_base(tmp_path: Path) -> None:
    config = parse_config({"campus": {"name": "X"}, "storage": {"data_dir": "data"}}, base=tmp_path)
    assert config.data_dir == tmp_path / "data"


# --- files that cannot be used -------------------------------------------------------------


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "does not exist" in message


def test_a_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "cannot be read" in str(caught.value)


def test_a_file_not_in_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes('[campus]\nname = "Escuela García"\n'.encode("cp1252"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "UTF-8" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        '[campus]\nname = "Lincoln\n',  # unterminated string
        "[campus]\nname Lincoln\n",  # no '='
        '[campus]\nname = "A"\nname = "B"\n',  # the same key twice
        "[campus\n",
    ],
)
def test_invalid_toml_is_a_config_error_naming_the_line(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "not valid TOML" in message
    assert "line" in message
    assert str(path) in message


# --- what once crashed or hung the loader: each is a listed problem naming its key ----------


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (CAMPUS + "[screen]\norientation = []\n", "screen.orientation:", "landscape"),
        (CAMPUS + "[screen]\norientation = {}\n", "screen.orientation:", "landscape"),
        (CAMPUS + "[screen]\norientation = [[1]]\n", "screen.orientation:", "landscape"),
        (CAMPUS + f'logo = "{"x" * 300}.png"\n', "campus.logo:", "too long"),
        (CAMPUS + f'[server]\nca_bundle = "/tmp/{"x" * 300}/ca.pem"\n', "server.ca_bundle:", "too long"),
        (CAMPUS + f'[directory]\ncsv = "{"é/" * 1500}s.csv"\n', "directory.csv:", "too long"),  # 4,500 bytes: over PATH_MAX
        (CAMPUS + f'[storage]\ndata_dir = "{"y" * 256}"\n', "storage.data_dir:", "too long"),
        (CAMPUS + '[directory]\ncsv = "/dev/zero"\n', "directory.csv:", "not a regular file"),
        (CAMPUS + '[server]\nca_bundle = "/dev/zero"\n', "server.ca_bundle:", "not a regular file"),
        (CAMPUS + 'logo = "~no-such-user-here/logo.png"\n', "campus.logo:", "home folder"),
    ],
)
def test_values_that_crashed_the_loader_are_problems_naming_their_key(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and problems[0].startswith(key) and words in problems[0], problems
    assert len(problems[0]) < 300  # a 4,000-character path is not echoed whole


def test_a_fifo_as_the_staff_csv_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "staff.csv"
    os.mkfifo(fifo)  # nothing ever writes to it: reading it would wait for ever
    problems = problems_of(tmp_path, CAMPUS + f'[directory]\ncsv = "{fifo}"\n')
    assert problems == [f"directory.csv: {fifo} is not a regular file (a device or a pipe cannot be read as one)"]


def test_a_fifo_or_a_device_as_the_config_file_itself_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "kiosk.toml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert "not a regular file" in str(caught.value)


@pytest.mark.parametrize("depth", [400, 2000])
def test_toml_nested_thousands_deep_is_a_config_error(tmp_path: Path, depth: int) -> None:
    for value in ("[" * depth + "]" * depth, "{a = " * depth + "1" + "}" * depth):
        problems = problems_of(tmp_path, CAMPUS + f"[screen]\norientation = {value}\n")
        assert len(problems) == 1 and ("screen.orientation:" in problems[0] or "nested too deeply" in problems[0])


@pytest.mark.parametrize(
    "name", ["Lincoln\u202e Elementary", "Lincoln\u200b Elementary", "Lincoln\x85Elementary", "Lincoln\x7f Elementary"]
)
def test_invisible_and_control_characters_never_reach_the_welcome_screen(tmp_path: Path, name: str) -> None:
    config = load_config(write(tmp_path, f"[campus]\nname = {json.dumps(name)}\n"))  # JSON escapes are TOML's
    assert config.campus_name == "Lincoln Elementary"


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u202e\u3164", "\x7f"])
def test_a_campus_name_with_nothing_visible_is_empty(tmp_path: Path, name: str) -> None:
    problems = problems_of(tmp_path, f"[campus]\nname = {json.dumps(name)}\n")
    assert len(problems) == 1 and problems[0].startswith("campus.name:") and "empty" in problems[0]
