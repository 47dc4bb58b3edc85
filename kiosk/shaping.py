"""Whether this kiosk can draw the scripts whose letters change shape and order as they join.

Arabic-script, Hebrew, Devanagari (Nepali) and Myanmar (Burmese) text is drawn by Pillow with
libraqm (HarfBuzz and FriBiDi: README, Languages). Without raqm, Pillow falls back to its basic
layout without a word: Arabic letters unjoined and left to right, Devanagari's vowel signs on the
wrong side of their consonant, Burmese scrambled. A kiosk that cannot shape does not offer those
languages at all (a family would rather read English than a scrambled screen in their own
language): the log and the staff screen say which are left out, and why.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from kiosk.language import languages

NEEDS_SHAPING = frozenset({"arabic", "hebrew", "devanagari", "myanmar"})  # languages.toml's script names


@functools.cache
def available() -> bool:
    """Whether Pillow here has raqm, the layout that shapes and orders complex scripts."""
    from PIL import features

    return bool(features.check_feature("raqm"))


def drawable(codes: Iterable[str], shaping: bool) -> tuple[list[str], list[str]]:
    """The languages this kiosk can draw, and those it leaves out because it cannot shape them."""
    kept, left_out = [], []
    for code in codes:
        (kept if shaping or languages()[code].script not in NEEDS_SHAPING else left_out).append(code)
    return kept, left_out
