"""Cleaning what people type: names are stored exactly as typed, minus what nobody can see.

Text is NFC-normalised, invisible controls (zero-width spaces, bidi overrides, control
characters) are removed, runs of white space become one space. Zero-width joiners are kept
only between two letters of a script that needs them (Persian, Indic), where they change
how a name is written. Anything else that is not part of a name (emoji, digits, symbols,
piles of combining marks) is refused with a reason the kiosk can explain kindly.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 50
MAX_FIELD_LENGTH = 200  # what an input field holds at most; a paste beyond it is cut
MAX_MARKS_PER_LETTER = 4

# Punctuation that real names use: apostrophes, hyphens, periods, commas, and the middle
# dots that Chinese and Japanese put between the parts of transliterated foreign names.
NAME_PUNCTUATION = frozenset("'’‘-‐‑.,·・")
_JOINERS = frozenset("\u200c\u200d")
_VARIATION_SELECTORS = frozenset(chr(c) for c in range(0xFE00, 0xFE10))


class NameProblem(ValueError):
    """A name that cannot be accepted; `code` is one of EMPTY, TOO_LONG, CHARACTERS."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    CHARACTERS = "characters"

    def __init__(self, code: str, field: str = "") -> None:
        super().__init__(f"{field or 'name'}: {code}")
        self.code = code
        self.field = field


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _joiner_is_meaningful(text: str, i: int) -> bool:
    """ZWJ/ZWNJ between two non-Latin letters (e.g. Persian) is part of the spelling."""
    if i == 0 or i + 1 >= len(text):
        return False
    before, after = text[i - 1], text[i + 1]
    return (
        _is_letter(before)
        and _is_letter(after)
        and not unicodedata.name(before, "").startswith("LATIN")
        and not unicodedata.name(after, "").startswith("LATIN")
    )


def strip_invisible(raw: str) -> str:
    """NFC, without invisible controls, white space folded to single spaces, trimmed."""
    text = unicodedata.normalize("NFC", raw)
    out: list[str] = []
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch in _JOINERS:
            if _joiner_is_meaningful(text, i):
                out.append(ch)
        elif ch in _VARIATION_SELECTORS:
            continue
        elif category == "Cc":
            out.append(" " if ch in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85" else "")
        elif category == "Cf" or category == "Cs":
            continue
        elif category.startswith("Z"):
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def clean_name(raw: str, field: str = "") -> str:
    """The name as it should be stored, or NameProblem saying why it cannot be."""
    text = strip_invisible(raw)
    if len(text) > MAX_NAME_LENGTH:
        raise NameProblem(NameProblem.TOO_LONG, field)
    marks = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category.startswith("M"):
            marks += 1
            if marks > MAX_MARKS_PER_LETTER:
                raise NameProblem(NameProblem.CHARACTERS, field)
            continue
        marks = 0
        if not (category.startswith("L") or ch == " " or ch in NAME_PUNCTUATION or ch in _JOINERS):
            raise NameProblem(NameProblem.CHARACTERS, field)
    if not any(_is_letter(ch) for ch in text):
        raise NameProblem(NameProblem.EMPTY, field)
    return text


def fold(text: str) -> str:
    """Case- and accent-insensitive form for searching: 'García' and 'garcia' fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def short_name(first: str, last: str) -> str:
    """First name and last initial ('Maria G.'): enough to find yourself, little to expose."""
    initial = last.strip()[:1]
    return f"{first} {initial}." if initial else first
