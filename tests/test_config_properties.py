"""kiosk/config.py under Hypothesis: whatever a key holds, the loader answers with a Config or a
ConfigError whose every problem names that key, never another exception (which `kiosk run`
would show as a traceback instead of its "see the front desk" screen)."""

from __future__ import annotations

import math
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import SCHEMA, Config, ConfigError, load_config, parse_config

KEYS = [(section, key) for section, keys in SCHEMA.items() for key in keys]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SCALARS = st.one_of(
    TEXT, st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans(),
    st.datetimes(min_value=datetime(1, 1, 1)), st.dates(), st.times(),
)  # fmt: skip
TOMLISH = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
)
PATHISH = st.one_of(
    st.sampled_from(["/dev/zero", "/dev/null", "/dev/urandom", "/proc/self/mem", "/", ".", "..", "~", "~root",
                     "~no-such-user/x", "/etc/shadow", "/nonexistent/x.png", "fifo"]),
    st.builds(lambda n, c: c * n, st.integers(200, 5000), st.sampled_from(["x", "é", "/", "a/", "😀"])),
    TEXT,
)  # fmt: skip


def toml(value: Any) -> str:
    """A value written as TOML (tomllib only reads it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = "".join(
            "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ch == "\x7f" else ch for ch in value
        )
        return f'"{escaped}"'
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml(k)} = {toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def only_problems_of(key: str, table: dict[str, Any], base: Path) -> None:
    try:
        assert isinstance(parse_config(table, base=base), Config)
    except ConfigError as exc:
        assert exc.problems and all(p.startswith(f"{key}:") for p in exc.problems), exc.problems
        assert all(len(p) < 400 for p in exc.problems)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config folder with a FIFO in it that nothing writes to: reading it would hang."""
    path = tmp_path_factory.mktemp("config")
    os.mkfifo(path / "fifo")
    return path


@pytest.mark.parametrize(("section", "key"), KEYS)
@settings(max_examples=40)
@given(value=st.one_of(TOMLISH, PATHISH))
def test_any_value_of_any_key_is_a_config_or_problems_naming_that_key(
    folder: Path, section: str, key: str, value: Any
) -> None:
    table: dict[str, Any] = {"campus": {"name": "Lincoln"}}
    table.setdefault(section, {})[key] = value
    only_problems_of(f"{section}.{key}", table, folder)


@settings(max_examples=60)
@given(key=st.sampled_from(KEYS), value=st.one_of(TOMLISH, PATHISH), depth=st.integers(0, 3000))
def test_any_file_loads_or_is_a_config_error(folder: Path, key: tuple[str, str], value: Any, depth: int) -> None:
    section, name = key
    written = toml(value) if depth < 2 else "[" * depth + toml(value) + "]" * depth
    body = f"[{section}]\n{name} = {written}\n"
    if section != "campus":
        body = '[campus]\nname = "Lincoln"\n' + body
    path = folder / "kiosk.toml"
    path.write_text(body, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        assert exc.problems
        named = [p for p in exc.problems if p.startswith(f"{section}.{name}:")]
        assert named or "TOML" in exc.problems[0], exc.problems
