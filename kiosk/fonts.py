"""Which font draws which text.

Kivy has no font fallback: a label in a font without the right glyphs shows empty boxes.
So the interface takes its font from the language on screen, and text that people typed
(a visitor's name, a staff member's name) takes the font of its own script: "王小明" on an
English screen still needs a CJK font. Fonts are Debian's Noto packages (fonts-noto-core,
fonts-noto-cjk), installed by `make` and by the Raspberry Pi image.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)
# Scripts whose letters Noto Sans itself draws.
_NOTO_SANS_SCRIPTS = {"LATIN", "GREEK", "CYRILLIC"}
# Scripts drawn by the CJK collection (its first face; the zh faces come with a later issue).
_CJK_SCRIPTS = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "KANGXI", "IDEOGRAPHIC"}


@dataclass(frozen=True)
class FontPair:
    regular: str
    bold: str


def _find(name: str) -> str | None:
    for folder in FONT_DIRS:
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    return None


@functools.cache
def font_for_script(script: str) -> FontPair | None:
    """The Noto fonts for a script ('latin', 'arabic', 'cjk', 'thai', ...), or None if missing."""
    script = script.upper()
    if script in _CJK_SCRIPTS or script == "CJK":
        names = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
    elif script in _NOTO_SANS_SCRIPTS:
        names = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
    else:
        stem = "NotoSans" + script.title().replace(" ", "")
        names = (f"{stem}-Regular.ttf", f"{stem}-Bold.ttf")
    regular = _find(names[0])
    if regular is None:
        return None if script in _NOTO_SANS_SCRIPTS else font_for_script("LATIN")
    return FontPair(regular, _find(names[1]) or regular)


def script_of(text: str) -> str:
    """The script of the first letter that is not Latin, else 'LATIN'."""
    for ch in text:
        if unicodedata.category(ch).startswith("L"):
            word = unicodedata.name(ch, "LATIN").split(" ")[0]
            if word not in _NOTO_SANS_SCRIPTS:
                return "CJK" if word in _CJK_SCRIPTS else word
    return "LATIN"


def font_for_text(text: str) -> FontPair | None:
    return font_for_script(script_of(text))
