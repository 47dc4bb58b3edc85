"""Hangul syllables composed as jamo are typed on the Korean keyboard layer (ㅎ+ㅏ+ㄴ → 한).

The kiosk has no input method (a kiosk has no desktop to run IBus in), so the on-screen keyboard
does what a Korean IME does with the 2-set (Dubeolsik) layout: each jamo typed either joins the
syllable before the cursor or starts a new one, and a final consonant moves to the next syllable
when a vowel follows it (달+ㄱ+ㅏ → 달가, 닭+ㅏ → 달가). Delete takes back one jamo at a time.
Pure functions of the character before the cursor, so that a tap on the text elsewhere, or a name
typed partly on another layer, never leaves a hidden composition state.
"""

from __future__ import annotations

INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0: no final
COMPOUND_VOWELS = {("ㅗ", "ㅏ"): "ㅘ", ("ㅗ", "ㅐ"): "ㅙ", ("ㅗ", "ㅣ"): "ㅚ", ("ㅜ", "ㅓ"): "ㅝ",
                   ("ㅜ", "ㅔ"): "ㅞ", ("ㅜ", "ㅣ"): "ㅟ", ("ㅡ", "ㅣ"): "ㅢ"}  # fmt: skip
COMPOUND_FINALS = {("ㄱ", "ㅅ"): "ㄳ", ("ㄴ", "ㅈ"): "ㄵ", ("ㄴ", "ㅎ"): "ㄶ", ("ㄹ", "ㄱ"): "ㄺ", ("ㄹ", "ㅁ"): "ㄻ",
                   ("ㄹ", "ㅂ"): "ㄼ", ("ㄹ", "ㅅ"): "ㄽ", ("ㄹ", "ㅌ"): "ㄾ", ("ㄹ", "ㅍ"): "ㄿ", ("ㄹ", "ㅎ"): "ㅀ",
                   ("ㅂ", "ㅅ"): "ㅄ"}  # fmt: skip
_SPLIT_VOWELS = {v: pair for pair, v in COMPOUND_VOWELS.items()}
_SPLIT_FINALS = {f: pair for pair, f in COMPOUND_FINALS.items()}
_FIRST, _COUNT = 0xAC00, 19 * 21 * 28


def is_jamo(ch: str) -> bool:
    return ch in INITIALS or ch in VOWELS or ch in FINALS.strip()


def _syllable(initial: str, vowel: str, final: str = " ") -> str:
    return chr(_FIRST + (INITIALS.index(initial) * 21 + VOWELS.index(vowel)) * 28 + FINALS.index(final))


def _parts(ch: str) -> tuple[str, str, str] | None:
    """(initial, vowel, final or " ") of a precomposed syllable, else None."""
    n = ord(ch) - _FIRST if len(ch) == 1 else -1
    if not 0 <= n < _COUNT:
        return None
    return INITIALS[n // (21 * 28)], VOWELS[n // 28 % 21], FINALS[n % 28]


def type_jamo(before: str, jamo: str) -> str:
    """What replaces `before` (the character before the cursor, or "") when `jamo` is typed."""
    parts = _parts(before)
    vowel = jamo in VOWELS
    if not before:
        return jamo
    if parts is None:
        if before in INITIALS and vowel:
            return _syllable(before, jamo)
        if before in VOWELS and (before, jamo) in COMPOUND_VOWELS:
            return COMPOUND_VOWELS[(before, jamo)]
        return before + jamo
    initial, middle, final = parts
    if final == " ":
        if vowel and (middle, jamo) in COMPOUND_VOWELS:
            return _syllable(initial, COMPOUND_VOWELS[(middle, jamo)])
        if not vowel and jamo in FINALS:
            return _syllable(initial, middle, jamo)
        return before + jamo
    if vowel:  # the final consonant starts the next syllable: 닭 + ㅏ → 달가
        kept, moved = _SPLIT_FINALS.get(final, (" ", final))
        return _syllable(initial, middle, kept) + _syllable(moved, jamo)
    if (final, jamo) in COMPOUND_FINALS:
        return _syllable(initial, middle, COMPOUND_FINALS[(final, jamo)])
    return before + jamo


def take_back(before: str) -> str:
    """What replaces `before` when Delete is tapped: the syllable without its last jamo."""
    parts = _parts(before)
    if parts is None:
        return _SPLIT_VOWELS.get(before, ("",))[0] if before else ""
    initial, middle, final = parts
    if final != " ":
        return _syllable(initial, middle, _SPLIT_FINALS.get(final, (" ",))[0])
    if middle in _SPLIT_VOWELS:
        return _syllable(initial, _SPLIT_VOWELS[middle][0])
    return initial
