"""Cleaning what people type: names are stored exactly as typed, minus what nobody can see.

Text is NFC-normalised, invisible characters (zero-width spaces, bidi overrides, control
characters, variation selectors, Hangul fillers: Unicode's default-ignorables) are removed,
runs of white space become one space; cleaning twice gives what cleaning once gave. Zero-width
joiners are kept only between two letters of a script that needs them (Persian, Indic), where
they change how a name is written. Anything else that is not part of a name (emoji, digits, symbols,
piles of combining marks) is refused with a reason the kiosk can explain kindly.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 50
MAX_STUDENT_NAME_LENGTH = 100  # a student's first and last name, in one field
MAX_FIELD_LENGTH = 200  # what an input field holds at most; a paste beyond it is cut
MAX_MARKS_PER_LETTER = 4

# Punctuation that real names use: apostrophes, hyphens, periods, commas, and the middle
# dots that Chinese and Japanese put between the parts of transliterated foreign names.
NAME_PUNCTUATION = frozenset("'’‘-‐‑.,·・")
_JOINERS = frozenset("\u200c\u200d")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, as of Unicode 15.1):
# characters a renderer draws as nothing. Besides the zero-width and bidi controls, they
# include the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), which are letters by category
# and would let a blank-looking name through, and all variation selectors and tags.
_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
_INVISIBLE = frozenset(chr(c) for lo, hi in _IGNORABLE for c in range(lo, hi + 1)) - _JOINERS
_SEPARATING_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")  # they end a word: a space


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


def _non_latin_letter(ch: str) -> bool:
    return _is_letter(ch) and not unicodedata.name(ch, "").startswith("LATIN")


def _joiner_is_meaningful(chars: list[str], i: int) -> bool:
    """ZWJ/ZWNJ after a non-Latin letter (and its marks: an Indic virama) and before another is spelling.

    Decided on the decomposed text, where a letter and its marks are already apart, so the
    answer is the same when the cleaned (composed) name is cleaned again.
    """
    j = i - 1
    while j >= 0 and unicodedata.category(chars[j]).startswith("M"):
        j -= 1
    return j >= 0 and i + 1 < len(chars) and _non_latin_letter(chars[j]) and _non_latin_letter(chars[i + 1])


def strip_invisible(raw: str) -> str:
    """NFC, without invisible characters, white space folded to single spaces, trimmed.

    Idempotent (cleaning a cleaned text changes nothing), which the server relies on when it
    checks that a kiosk sent text as the kiosk cleans it. That is why the invisibles are
    removed from the decomposed text before composing: removed after, a zero-width space
    between "e" and a combining accent would leave "e" + U+0301, which the next cleaning
    composes to "é".
    """
    chars: list[str] = []
    for ch in unicodedata.normalize("NFD", raw):
        category = unicodedata.category(ch)
        if ch in _JOINERS:
            chars.append(ch)  # kept or dropped below, once its neighbours are known
        elif ch in _INVISIBLE or category in ("Cf", "Cs"):
            continue
        elif category == "Cc":
            if ch in _SEPARATING_CONTROLS:
                chars.append(" ")
        elif category.startswith("Z"):
            chars.append(" ")
        else:
            chars.append(ch)
    kept = [ch for i, ch in enumerate(chars) if ch not in _JOINERS or _joiner_is_meaningful(chars, i)]
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def clean_label(raw: str, limit: int, field: str = "") -> str:
    """A name people read that is not a person's (a campus, a kiosk, a user, a school in a roster):
    cleaned as visitors' names are, and NameProblem (EMPTY or TOO_LONG) if nothing visible is left
    or more than `limit` characters. Digits and symbols are fine here: "P.S. 123"."""
    text = strip_invisible(raw)
    if not text:
        raise NameProblem(NameProblem.EMPTY, field)
    if len(text) > limit:
        raise NameProblem(NameProblem.TOO_LONG, field)
    return text


def clean_name(raw: str, field: str = "", limit: int = MAX_NAME_LENGTH) -> str:
    """The name as it should be stored, or NameProblem saying why it cannot be."""
    text = strip_invisible(raw)
    if len(text) > limit:
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
