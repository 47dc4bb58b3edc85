"""kiosk/hangul.py: jamo typed on the Korean layer compose into syllables, as a Korean IME composes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.hangul import INITIALS, take_back, type_jamo


def typed(jamo: str, start: str = "") -> str:
    text = start
    for j in jamo:
        last = text[-1:]
        text = text[: len(text) - len(last)] + type_jamo(last, j)
    return text


@pytest.mark.parametrize(("keys", "text"), [
    ("ㅎㅏㄴ", "한"), ("ㅎㅏㄴㄱㅜㄱ", "한국"), ("ㄱㅣㅁㅁㅣㄴㅈㅣ", "김민지"), ("ㅂㅏㄱ", "박"),
    ("ㄷㅏㄹㄱ", "닭"), ("ㄷㅏㄹㄱㅏ", "달가"),  # a compound final splits before a vowel
    ("ㅇㅗㅏ", "와"), ("ㄱㅜㅣ", "귀"), ("ㅇㅡㅣ", "의"), ("ㅈㅓㅇㅎㅜㄴ", "정훈"),
    ("ㅎㅏㄴㅏ", "하나"), ("ㄸㅏㄸ", "따ㄸ"),  # ㄸ is never a final
    ("ㅏ", "ㅏ"), ("ㄱ", "ㄱ"), ("ㄱㄴ", "ㄱㄴ"),
])  # fmt: skip
def test_jamo_compose_into_syllables(keys: str, text: str) -> None:
    assert typed(keys) == text


def test_a_latin_name_before_is_left_alone() -> None:
    assert typed("ㅎㅏㄴ", "Kim ") == "Kim 한"


KEYS = INITIALS + "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅛㅜㅠㅡㅣ"  # the 2-set keyboard's keys (Shift gives ㄲㄸㅃㅆㅉㅒㅖ)
JAMO = st.text(st.sampled_from(KEYS), max_size=12)


@given(JAMO)
def test_delete_takes_back_one_jamo_at_a_time(keys: str) -> None:
    """However the jamo were composed, as many Deletes as jamo typed leave nothing; never a stray part."""
    text = typed(keys)
    for _ in keys:
        last = text[-1:]
        text = text[: len(text) - len(last)] + take_back(last)
    assert text == ""


@given(JAMO, JAMO)
def test_typing_on_after_a_name_never_changes_what_came_before(first: str, then: str) -> None:
    before = typed(first)
    after = typed(then, before + " ")
    assert after.startswith(before + " ")
