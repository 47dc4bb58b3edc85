"""kiosk.intake.KeyBurst over any typing (Hypothesis): a person's keystrokes all reach the field, in order,
however they come; a scanner's burst ended by Enter is a code and never reaches it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk import intake

TEXT = st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=40)
PERSON_GAP = st.floats(intake.GAP_S * 1.2, 2.0)  # a person: a key every 60 ms or slower
SCANNER_GAP = st.floats(0, intake.GAP_S * 0.8)


def released_by(burst: intake.KeyBurst, now: float) -> str:
    return burst.due(now + intake.GAP_S * 1.5)


@given(TEXT, st.lists(PERSON_GAP, min_size=40, max_size=40), st.booleans())
def test_a_persons_typing_all_reaches_the_field_in_order(text: str, gaps: list[float], enter: bool) -> None:
    burst, now, field = intake.KeyBurst(), 100.0, ""
    for char, gap in zip(text, gaps):
        now += gap
        field += burst.typed(char, now)
    now += gaps[-1]
    if enter:
        assert burst.enter(now) is None  # a person's Enter is the field's ("Next")
    field += burst.take() if enter else released_by(burst, now)
    assert field == text


@given(st.text(st.characters(categories=("Lu", "N")), min_size=intake.MIN_LENGTH, max_size=60),
       st.lists(SCANNER_GAP, min_size=60, max_size=60))  # fmt: skip
def test_a_scanners_burst_ended_by_enter_is_a_code_and_reaches_no_field(code: str, gaps: list[float]) -> None:
    burst, now, field = intake.KeyBurst(), 100.0, ""
    for char, gap in zip(code, gaps):
        now += gap
        field += burst.typed(char, now)
    assert burst.enter(now + gaps[-1]) == code
    assert field == "" and burst.take() == ""


def test_a_short_fast_burst_is_fingers_not_a_scanner() -> None:
    burst = intake.KeyBurst()
    for i, char in enumerate("th"):
        burst.typed(char, 1.0 + i * 0.01)
    assert burst.enter(1.02) is None and burst.take() == "th"
