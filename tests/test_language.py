"""kiosk/language.py: the languages a kiosk can offer, and the translator screens read from."""

from __future__ import annotations

import pytest

from kiosk.language import languages, translator


def test_english_and_spanish_are_offered_with_their_own_names() -> None:
    known = languages()
    assert list(known)[:2] == ["en", "es"]
    assert known["en"].name == "English"
    assert known["es"].name == "Español"
    assert known["es"].english == "Spanish"
    assert not known["en"].rtl and not known["es"].rtl


def test_english_text_is_the_source_text() -> None:
    _ = translator("en")
    assert _("Check in") == "Check in"
    assert _("Welcome to {campus}").format(campus="Lincoln") == "Welcome to Lincoln"
    assert _.code == "en"


def test_english_plurals() -> None:
    _ = translator("en")
    assert _.ngettext("{n} visitor", "{n} visitors", 1) == "{n} visitor"
    assert _.ngettext("{n} visitor", "{n} visitors", 3) == "{n} visitors"


@pytest.mark.parametrize("code", ["xx", "fr", "EN", "", "en-US"])
def test_an_unknown_language_code_is_a_key_error(code: str) -> None:
    with pytest.raises(KeyError):
        translator(code)
