"""Languages the kiosk speaks, and the translator each screen reads its words from.

Catalogs are the .po files themselves, compiled in memory with Babel when a language is
first used (a few milliseconds), so there is no build step to forget and no stale .mo file
to ship. Translatable text uses str.format placeholders, never concatenation, so a
translator can move the name to wherever their grammar puts it.
"""

from __future__ import annotations

import functools
import gettext
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

CATALOG_DIR = Path(__file__).resolve().parent.parent / "i18n"
DOMAIN = "kiosk"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks text for extraction where it is defined; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself: "Español"
    english: str
    direction: str  # "ltr" or "rtl"
    script: str
    formats: str = ""  # where CLDR has no dates for it: the locale whose dates, times and names it borrows
    status: str = "drafted"  # or "reviewed" (by a native speaker, the whole catalog), or "source" (English)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


@functools.cache
def languages() -> dict[str, Language]:
    """Every language with metadata, in the order languages.toml lists them."""
    with open(CATALOG_DIR / "languages.toml", "rb") as f:
        table = tomllib.load(f)
    from kiosk.interpreting import english_name, own_name

    found = {}
    for code, meta in table.items():
        written = cldr_of(code, meta).character_order
        direction = meta.get("direction") or ("rtl" if written == "right-to-left" else "ltr")
        if direction not in ("ltr", "rtl"):
            raise ValueError(f"languages.toml: {code}: direction must be 'ltr' or 'rtl'")
        status = "source" if code == SOURCE_LANGUAGE else meta.get("status", "drafted")
        if status not in ("source", "drafted", "reviewed"):
            raise ValueError(f"languages.toml: {code}: status must be 'drafted' or 'reviewed'")
        found[code] = Language(code, meta.get("name") or own_name(code), meta.get("english") or english_name(code),
                               direction, meta["script"], meta.get("formats", ""), status)  # fmt: skip
    return found


@functools.cache
def cldr(code: str) -> Locale:
    """The CLDR locale (through Babel) that writes a language's dates, times and language names.

    Codes are BCP 47 ("pt-BR", "zh-Hant"), as stored and sent; Babel wants "pt_BR". A language whose
    CLDR data has no dates (Haitian Creole: "2026 M03 4") or that CLDR does not have at all (Hmong)
    borrows another's, named in languages.toml (`formats`); any other unknown code gets English."""
    known = languages().get(code)
    return cldr_of(code, {"formats": known.formats} if known else {})


def cldr_of(code: str, meta: dict[str, str]) -> Locale:
    from babel import Locale, UnknownLocaleError

    for candidate in filter(None, (meta.get("formats", ""), code, code.split("-")[0], SOURCE_LANGUAGE)):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    raise AssertionError("English is always in CLDR")


def welcome_row(offered: list[str], current: str, slots: int) -> tuple[list[str], bool]:
    """The languages the welcome screen shows as buttons, in the campus's order, and whether a
    "More languages" button takes the last slot for the rest. The language on screen is always
    among the buttons (in place of the last one, when it came from "More languages"), so the
    visitor sees it chosen."""
    if len(offered) <= slots:
        return list(offered), False
    shown = list(offered[: max(1, slots - 1)])
    if current in offered and current not in shown:
        shown[-1] = current
    return shown, True


def catalog_path(code: str) -> Path:
    return CATALOG_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translator:
    """Callable like gettext's `_`: translator("Check in") gives the text in its language."""

    def __init__(self, language: Language, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._t = translations

    @property
    def code(self) -> str:
        return self.language.code

    def __call__(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def __repr__(self) -> str:
        return f"Translator({self.code!r})"


def _compile(po_path: Path) -> gettext.GNUTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.cache
def translator(code: str) -> Translator:
    """The translator for a language code from languages.toml (KeyError for any other)."""
    language = languages()[code]
    if code == SOURCE_LANGUAGE:
        return Translator(language, gettext.NullTranslations())
    return Translator(language, _compile(catalog_path(code)))
