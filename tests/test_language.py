"""kiosk/language.py: the languages a kiosk can offer, and the translator screens read from."""

from __future__ import annotations

import pytest

from kiosk.language import cldr, languages, translator, welcome_row


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


@pytest.mark.parametrize("code", ["xx", "de", "EN", "", "en-US"])
def test_an_unknown_language_code_is_a_key_error(code: str) -> None:
    with pytest.raises(KeyError):
        translator(code)


@pytest.mark.parametrize("code", list(languages()))
def test_every_language_has_cldr_dates_and_times_and_names_languages(code: str) -> None:
    """A pass is printed with its date in the visitor's language and an alert with the time: Babel must
    understand the kiosk's BCP 47 code ("pt-BR" crashed it) and CLDR must have month names for it
    (Haitian Creole has none: "2026 M03 4"), or the language borrows another's (languages.toml)."""
    from datetime import date, datetime

    from babel.dates import format_date, format_time

    locale = cldr(code)
    day = format_date(date(2026, 3, 4), format="long", locale=locale)
    assert "M03" not in day and "2026" in day, day
    assert format_time(datetime(2026, 3, 4, 14, 5), format="short", locale=locale)


def test_a_code_babel_does_not_know_gets_english_formats() -> None:
    assert str(cldr("pt-BR")) == "pt_BR" and str(cldr("zh-Hant")) == "zh_Hant"
    assert str(cldr("xx-Nope")) == "en"


@pytest.mark.parametrize(("offered", "current", "slots", "shown", "more"), [
    (["en", "es"], "en", 5, ["en", "es"], False),
    (["en", "es", "ar", "vi", "zh-Hans"], "ar", 5, ["en", "es", "ar", "vi", "zh-Hans"], False),
    (["en", "es", "ar", "vi", "zh-Hans", "so"], "en", 5, ["en", "es", "ar", "vi"], True),
    (["en", "es", "ar", "vi", "zh-Hans", "so"], "so", 5, ["en", "es", "ar", "so"], True),  # chosen: always shown
    (["en", "es", "ar", "vi", "zh-Hans", "so"], "vi", 5, ["en", "es", "ar", "vi"], True),
])  # fmt: skip
def test_the_welcome_row_shows_the_campus_s_first_languages_and_the_one_on_screen(
    offered: list[str], current: str, slots: int, shown: list[str], more: bool
) -> None:
    assert welcome_row(offered, current, slots) == (shown, more)


ISSUE_13 = ("en es ar zh-Hans zh-Hant vi pt-BR ru ht so hmn uk ko fil fa-AF ps ur fr sw ne my ja").split()


def test_the_22_languages_of_us_school_families_are_there_named_by_cldr() -> None:
    """Names in their own script, English names and direction come from CLDR (kiosk.interpreting), not typed
    by hand; the one override (Tagalog, which CLDR calls Filipino) and Hmong (not in CLDR) say why."""
    from kiosk.interpreting import english_name, own_name

    known = languages()
    assert set(ISSUE_13) <= set(known)
    for code in ISSUE_13:
        language = known[code]
        if code != "fil":
            assert (language.name, language.english) == (own_name(code), english_name(code)), code
        assert language.rtl == (code in ("ar", "fa-AF", "ps", "ur")), code
    assert (known["fil"].name, known["hmn"].name, known["fa-AF"].name) == ("Tagalog", "Hmoob", "دری")
    assert known["en"].status == "source" and {known[c].status for c in ISSUE_13[1:]} <= {"drafted", "reviewed"}
