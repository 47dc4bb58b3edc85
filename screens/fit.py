"""Whether a label's text is laid out whole: no word broken in the middle, no line dropped.

Kivy wraps a word that is wider than its label anywhere ("Actuali/zar"), and a label whose
height is fixed drops the lines that do not fit. Both are read here from the lines Kivy laid
out, so a label can shrink its text until it fits, and the layout check can find the ones that
cannot. Pure functions over Kivy's LayoutLine objects (x, y, w, h, is_last_line, line_wrap, words).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

# Scripts written without spaces between words, where a line may end after any character.
_BREAK_ANYWHERE = ("CJK UNIFIED", "CJK COMPATIBILITY", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC", "FULLWIDTH",
                   "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")  # fmt: skip


def _breaks_anywhere(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(_BREAK_ANYWHERE) or unicodedata.category(char).startswith(("P", "Z"))


def line_texts(lines: Sequence[Any]) -> list[tuple[str, bool]]:
    """Each laid-out line's text, and whether it continues the line before it (a soft wrap)."""
    return [("".join(word.text for word in line.words), bool(line.line_wrap)) for line in lines]


def broken_words(text: str, lines: Sequence[Any]) -> list[str]:
    """The places where a wrap split a word of `text`, as "before|after" (none when every line
    ends where the text has a space, a newline, or a script that breaks anywhere)."""
    broken = []
    position = 0
    texts = [t for t, _ in line_texts(lines)]
    for number, shown in enumerate(texts):
        found = text.find(shown, position) if shown else -1
        if found < 0:
            continue  # not found as laid out (a shortened or shaped line): nothing to say about it
        position = found + len(shown)
        if number + 1 == len(texts) or position >= len(text):
            break
        before, after = text[position - 1], text[position]
        if not (before.isspace() or after.isspace() or _breaks_anywhere(before) or _breaks_anywhere(after)):
            head = text[:position].split()[-1]
            tail = text[position:].split()[0]
            broken.append(f"{head}|{tail}")
    return broken


def dropped_text(text: str, lines: Sequence[Any]) -> bool:
    """Whether some of `text` was not laid out at all (lines past a fixed height)."""
    shown = "".join(t for t, _ in line_texts(lines))
    return len("".join(shown.split())) < len("".join(text.split()))
