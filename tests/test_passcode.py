"""Pass codes (kiosk.passcode), over arbitrary text with Hypothesis: a code as issued always reads as
itself, an altered one never reads as a pass, and nothing else is ever taken for one."""

from __future__ import annotations

import qrcode
from hypothesis import given
from hypothesis import strategies as st

from kiosk import passcode

CODES = st.builds(lambda _: passcode.new_code(), st.integers())


@given(CODES, st.sampled_from(["", " ", "\n", "\r\n", "\t"]), st.booleans())
def test_a_code_reads_as_itself_whatever_its_case_and_the_whitespace_around_it(
    code: str, around: str, lower: bool
) -> None:
    typed = around + (code.lower() if lower else code) + around
    assert passcode.read(typed) == passcode.Reading("pass", code)


@given(CODES, st.data())
def test_a_code_with_any_one_letter_changed_reads_as_damaged(code: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(len(passcode.PREFIX) + 1, len(code) - 1))
    other = data.draw(st.sampled_from(passcode.ALPHABET).filter(lambda c: c != code[at]))
    assert passcode.read(code[:at] + other + code[at + 1 :]).kind == "damaged"


@given(CODES, st.data())
def test_a_code_cut_short_or_with_a_letter_added_is_damaged(code: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(len(passcode.PREFIX) + 1, len(code) - 1))
    assert passcode.read(code[:cut] + code[cut + 1 :]).kind == "damaged"
    at = data.draw(st.integers(len(passcode.PREFIX) + 1, len(code)))
    assert passcode.read(code[:at] + data.draw(st.sampled_from(passcode.ALPHABET)) + code[at:]).kind == "damaged"


@given(st.text(max_size=200))
def test_no_other_text_is_taken_for_a_pass(text: str) -> None:
    reading = passcode.read(text)
    if reading.kind == "pass":
        assert reading.code == text.strip().upper() and len(reading.code) == passcode.LENGTH


def test_what_is_not_ours_says_so() -> None:
    for text in ["https://school.example/visit", "4006381333931", "WIFI:S:School;T:WPA;P:secret;;", "", "WK",
                 "WKRP in Cincinnati", "BEGIN:VCARD"]:  # fmt: skip
        assert passcode.read(text).kind == "not_ours", text
    assert passcode.read("WK2" + passcode.new_code()[3:]).kind == "newer"


def test_codes_are_a_version_2_qr_code_at_error_correction_q_and_never_repeat() -> None:
    codes = {passcode.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
        qr.add_data(code)
        qr.make(fit=True)
        assert qr.version == 2, code


def test_only_the_digest_is_kept_and_it_names_one_code() -> None:
    a, b = passcode.new_code(), passcode.new_code()
    assert passcode.digest(a) != passcode.digest(b)
    assert len(passcode.digest(a)) == 64 and a not in passcode.digest(a)
