"""The languages a visitor can ask an interpreter for, each named in itself.

Names come from CLDR through Babel, not typed by hand: "دری" for Dari, "繁體中文" for Traditional
Chinese. The list holds the languages most often spoken by US school families (the federal count
of English learners' home languages, and the refugee languages of recent years); the languages a
campus offers on its kiosk come first on the screen. Codes are BCP 47 ("zh-Hant", "fa-AF"), as
stored with the visit and sent to the district server.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError

LANGUAGES: tuple[str, ...] = (
    "es", "ar", "zh-Hans", "zh-Hant", "yue", "vi", "pt-BR", "ru", "ht", "so", "hmn", "uk", "ko", "fil",
    "fa-AF", "ps", "ur", "fr", "sw", "ne", "my", "ja", "am", "ti", "fa", "hi", "pa", "bn", "km", "pl", "tr", "en",
)  # fmt: skip
# CLDR has no Hmong locale: the name White Hmong speakers use for their language.
_OWN_NAMES_NOT_IN_CLDR = {"hmn": "Hmoob"}
_ENGLISH = Locale("en")


def _locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError):
        return None


@functools.cache
def own_name(code: str) -> str:
    """The language's name in itself, as a visitor looks for it ("Español", "دری", "Hmoob")."""
    if code in _OWN_NAMES_NOT_IN_CLDR:
        return _OWN_NAMES_NOT_IN_CLDR[code]
    locale = _locale(code)
    if locale is None:
        return code
    name = locale.languages.get(str(locale)) or locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]  # "español" stands alone on a button: "Español"


@functools.cache
def english_name(code: str) -> str:
    """Its name in English, for the front office and the district ("Dari", "Hmong")."""
    locale = _locale(code)
    key = str(locale) if locale else code.replace("-", "_")
    return _ENGLISH.languages.get(key) or _ENGLISH.languages.get(code.split("-")[0]) or code


def is_known(code: str) -> bool:
    return code in LANGUAGES or code in _OWN_NAMES_NOT_IN_CLDR or _locale(code) is not None


def choices(offered: list[str], campus_language: str) -> tuple[list[str], list[str]]:
    """What the kiosk offers first (its own languages, but not the campus's: nobody needs an interpreter
    for the language the office speaks), and the longer list after "More languages"."""
    first = [code for code in offered if code != campus_language]
    more = [code for code in LANGUAGES if code not in first and code != campus_language]
    return first, more
