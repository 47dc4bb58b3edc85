"""Which way a piece of text runs, for fields and for names put into sentences.

Pillow's raqm orders the letters of each line (README, Languages); what is left to the screens is
where a line starts and keeping a name written the other way from spilling into its sentence.
"""

from __future__ import annotations

import unicodedata

RTL_CLASSES = frozenset({"R", "AL"})


def direction_of(text: str) -> str | None:
    """'rtl' or 'ltr' from the first letter with a strong direction (as HTML's dir="auto"), else None."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in RTL_CLASSES:
            return "rtl"
        if bidi == "L":
            return "ltr"
    return None


def isolated(name: str, rtl: bool) -> str:
    """A name written the other way from the sentence is set apart (FSI...PDI): otherwise an Arabic name at
    the start of an English sentence turns the whole line right to left, and the full stop lands on the left."""
    other = ("L",) if rtl else ("R", "AL")
    return f"\u2068{name}\u2069" if any(unicodedata.bidirectional(ch) in other for ch in name) else name


def in_reading_order(text: str, rtl: bool) -> str:
    """Text made of parts in different scripts ("Ms. García, 3rd grade, غرفة 12") laid out in the screen's
    direction: a line otherwise takes the direction of its first letter, so on an Arabic screen that line
    would run left to right, its parts in English order. A mark at the start (RLM or LRM) sets it."""
    wanted = "rtl" if rtl else "ltr"
    if direction_of(text) in (None, wanted):
        return text
    return ("\u200f" if rtl else "\u200e") + text
