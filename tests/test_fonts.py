"""kiosk/fonts.py: typed names are drawn in a font that has their letters (no empty boxes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.fonts import font_for_script, font_for_text, script_of


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("王小明", "CJK"),
        ("さくら", "CJK"),
        ("サクラ", "CJK"),
        ("김민준", "CJK"),
        ("محمد", "ARABIC"),
        ("نازنین", "ARABIC"),
        ("José", "LATIN"),
        ("Nguyễn Thị Minh Khai", "LATIN"),
        ("Αλέξανδρος", "LATIN"),  # Noto Sans draws Greek
        ("Наталья", "LATIN"),  # and Cyrillic
        ("דוד", "HEBREW"),
        ("สมชาย", "THAI"),
        ("प्रिया", "DEVANAGARI"),
        ("José 王", "CJK"),  # the first letter that Noto Sans cannot draw decides
        ("", "LATIN"),
        ("123 - .", "LATIN"),
    ],
)
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script


def _file(path: str) -> str:
    assert Path(path).is_file(), path
    return Path(path).name


def test_chinese_gets_a_cjk_font() -> None:
    pair = font_for_text("王小明")
    assert pair is not None
    assert "CJK" in _file(pair.regular)
    assert "CJK" in _file(pair.bold)


def test_arabic_gets_an_arabic_font() -> None:
    pair = font_for_text("محمد الأحمد")
    assert pair is not None
    assert "Arabic" in _file(pair.regular)
    assert "Arabic" in _file(pair.bold)


def test_latin_gets_noto_sans() -> None:
    pair = font_for_text("José")
    assert pair is not None
    assert _file(pair.regular) == "NotoSans-Regular.ttf"
    assert _file(pair.bold) == "NotoSans-Bold.ttf"


def test_a_script_without_a_font_falls_back_to_latin() -> None:
    assert font_for_script("KLINGON") == font_for_script("LATIN")
