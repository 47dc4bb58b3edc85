"""The on-screen keyboard's layouts: data, one TOML file per layout in i18n/keyboards/.

A language's screen opens on its own script's layout when it has one (`<code>.toml`: Russian,
Arabic, Nepali, Korean...), with Latin letters one tap away; a Latin-script language opens on
Latin letters, with its accented letters one tap away: those its names use first
(`accents-<code>.toml`), then every other of the general `accents.toml`, so that a name of
another origin can still be typed. Every screen can also reach the Arabic layout, as before (an Arabic name
on an English screen). `letters` (Latin, QWERTY), `digits` and `address` are the layouts every screen shares. This
module reads and checks them; screens/widgets.py draws them. It imports no Kivy.
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path


KEYBOARD_DIR = Path(__file__).resolve().parent.parent / "i18n" / "keyboards"  # not CATALOG_DIR: tests move that
MAX_ROWS, MAX_KEYS = 5, 12  # 12 keys a row: the limit of a tap target 800 px wide; 5 rows: the accents
ALWAYS_OFFERED = "ar"  # an Arabic name is typed on any screen (it was the first script beyond Latin)
DAKUTEN, HANDAKUTEN = "゛", "゜"  # kana keys that voice the kana before them: か+゛ → が, は+゜ → ぱ


@dataclass(frozen=True)
class Layout:
    name: str
    label: str  # the key that opens it, in its own script: "Рус", "عربي", "한글"
    rows: tuple[tuple[str, ...], ...]
    shifted: tuple[tuple[str, ...], ...] = ()  # a caseless script's second set of keys, shown by Shift
    caseless: bool = False
    combining: str = ""  # keys that are combining marks (drawn on a dotted circle)
    compose: str = ""  # "hangul": jamo compose into syllables (kiosk.hangul)
    sticky_shift: bool = False  # Shift's second set stays until Shift is tapped again (katakana), not one key

    @property
    def has_shift(self) -> bool:
        return not self.caseless or bool(self.shifted)


def _keys(row: object, where: str) -> tuple[str, ...]:
    if isinstance(row, str):
        return tuple(row)
    if isinstance(row, list) and all(isinstance(k, str) and k for k in row):
        return tuple(row)
    raise ValueError(f"{where}: a row is a string of keys or a list of them")


@functools.cache
def layout(name: str) -> Layout:
    """A layout by name (its file's stem), checked: at most 4 rows of 12 keys (ValueError if not)."""
    path = KEYBOARD_DIR / f"{name}.toml"
    with open(path, "rb") as f:
        data = tomllib.load(f)
    rows = tuple(_keys(r, f"{path.name} rows") for r in data["rows"])
    shifted = tuple(_keys(r, f"{path.name} shifted") for r in data.get("shifted", ()))
    if not 1 <= len(rows) <= MAX_ROWS or any(not 1 <= len(r) <= MAX_KEYS for r in rows):
        raise ValueError(f"{path.name}: 1 to {MAX_ROWS} rows of 1 to {MAX_KEYS} keys")
    if shifted and [len(r) for r in shifted] != [len(r) for r in rows]:
        raise ValueError(f"{path.name}: shifted must have rows as long as rows")
    combining = str(data.get("combining", ""))
    if any(unicodedata.category(c) not in ("Mn", "Mc") for c in combining):
        raise ValueError(f"{path.name}: combining lists a key that is not a combining mark")
    if name.startswith("accents-"):  # the language's own first, then every other: Zoë on a Spanish screen
        general = layout("accents")
        own = [k for row in rows for k in row]
        keys = own + [k for row in general.rows for k in row if k not in own]
        rows = tuple(tuple(keys[i : i + MAX_KEYS]) for i in range(0, len(keys), MAX_KEYS))[:MAX_ROWS]
        combining += "".join(c for c in general.combining if c not in combining)
    return Layout(name, str(data["label"]), rows, shifted, bool(data.get("caseless", False)), combining,
                  str(data.get("compose", "")), bool(data.get("sticky_shift", False)))  # fmt: skip


def own_layout(code: str) -> str:
    """The layout of a language's own script, or "" for a Latin-script language."""
    return code if (KEYBOARD_DIR / f"{code}.toml").is_file() else ""


def accents_for(code: str) -> str:
    """The accented letters a language's names need (Vietnamese: ă â đ ê ô ơ ư and its tone marks)."""
    return f"accents-{code}" if (KEYBOARD_DIR / f"accents-{code}.toml").is_file() else "accents"


def letters_for(code: str) -> str:
    """Latin letters for a language: `letters-<code>` where its names need a letter on the first layer
    (Spanish ñ), else `letters`."""
    return f"letters-{code}" if (KEYBOARD_DIR / f"letters-{code}.toml").is_file() else "letters"


def first_layout(code: str) -> str:
    """The layout a visitor's name starts on, on that language's screen."""
    return own_layout(code) or letters_for(code)


def script_keys(code: str) -> list[str]:
    """The script layouts a screen's bottom row offers, besides Latin: its own and Arabic's."""
    own = own_layout(code)
    return [name for name in dict.fromkeys(filter(None, (own, ALWAYS_OFFERED))) if name]


def with_mark(before: str, mark: str) -> str:
    """A kana voiced by ゛ or ゜ (か → が, は → ぱ, ウ → ヴ); the kana unchanged when it has no such form."""
    combining = {"゛": "\u3099", "゜": "\u309a"}[mark]
    voiced = unicodedata.normalize("NFC", before + combining)
    return voiced if len(voiced) == 1 else before


def all_layouts() -> list[str]:
    return sorted(p.stem for p in KEYBOARD_DIR.glob("*.toml"))
