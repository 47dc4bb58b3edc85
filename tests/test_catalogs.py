"""i18n/: every language's catalog is complete, safe to format, and the template matches the source.

A missing or broken translation is not a crash on a developer's machine: it is a parent at the
front door looking at English they cannot read, or a screen that raises mid check-in because a
translator renamed {name}. These tests keep each catalog whole and in step with i18n/kiosk.pot,
and kiosk.pot in step with the text in the code.
"""

from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from kiosk.language import CATALOG_DIR, SOURCE_LANGUAGE, catalog_path, languages, translator

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = CATALOG_DIR / "kiosk.pot"
# The same keywords as `make i18n` (see the Makefile's EXTRACT).
EXTRACT_ARGS = ["-F", "babel.cfg", "-k", "tr", "-k", "N_", "-k", "ngettext:1,2", "--no-location", "--sort-output"]

TRANSLATED = [code for code in languages() if code != SOURCE_LANGUAGE]


def _read(path: Path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, abort_invalid=True)


def _messages(catalog: Catalog) -> list[Message]:
    """The real messages: not the header entry."""
    return [message for message in catalog if message.id]


def _forms(message: Message) -> list[str]:
    """Every translated form of a message: one, or one per plural form."""
    if isinstance(message.string, (tuple, list)):
        return list(message.string)
    return [message.string]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def _placeholders(text: str) -> set[str]:
    """The argument names of every {placeholder} in text (nested ones in format specs too)."""
    names = set()
    for _literal, field, spec, _conversion in string.Formatter().parse(text):
        if field is None:
            continue
        names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
        if spec:
            names |= _placeholders(spec)
    return names


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(TEMPLATE)


@pytest.fixture(scope="module", params=TRANSLATED)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    path = catalog_path(request.param)
    assert path.is_file(), f"{request.param}: no catalog at {path} (start it with `make i18n-init CODE={request.param}`)"
    return _read(path)


def test_the_source_language_is_listed_and_needs_no_catalog() -> None:
    assert SOURCE_LANGUAGE in languages()
    assert SOURCE_LANGUAGE not in TRANSLATED


def test_each_catalog_is_for_its_own_language(catalog: Catalog) -> None:
    # The header as written: Babel knows no Hmong locale, so catalog.locale is None for "hmn".
    assert catalog.locale_identifier, "the catalog has no Language header"
    code = catalog.locale_identifier.replace("_", "-")
    assert code in TRANSLATED
    assert not catalog.fuzzy, f"{code}: the catalog header is marked fuzzy"


def test_every_message_is_translated_and_none_is_fuzzy(template: Catalog, catalog: Catalog) -> None:
    problems = []
    for wanted in _messages(template):
        message = catalog.get(wanted.id)
        if message is None:
            problems.append(f"missing: {wanted.id!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {wanted.id!r}")
        forms = _forms(message)
        if wanted.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms, the language has {catalog.num_plurals}: {wanted.id!r}")
        if any(not form.strip() for form in forms):
            problems.append(f"untranslated: {wanted.id!r}")
    assert not problems, f"{catalog.locale}: (run `make i18n`, then translate)\n  " + "\n  ".join(problems)


def test_no_message_is_fuzzy_or_left_over(template: Catalog, catalog: Catalog) -> None:
    wanted = {message.id for message in _messages(template)}
    fuzzy = [message.id for message in _messages(catalog) if message.fuzzy]
    stale = [message.id for message in _messages(catalog) if message.id not in wanted]
    assert not fuzzy, f"{catalog.locale}: fuzzy entries (check them, then remove the flag): {fuzzy}"
    assert not stale, f"{catalog.locale}: entries no longer in the template (run `make i18n`): {stale}"


def test_translations_keep_the_placeholders(catalog: Catalog) -> None:
    problems = []
    for message in _messages(catalog):
        try:
            expected = set().union(*(_placeholders(source) for source in _ids(message)))
        except ValueError as exc:
            problems.append(f"{message.id!r}: the source text itself does not parse ({exc})")
            continue
        for form in _forms(message):
            try:
                found = _placeholders(form)
            except ValueError as exc:
                problems.append(f"{message.id!r} -> {form!r}: {exc}")
                continue
            if found != expected:
                problems.append(f"{message.id!r} -> {form!r}: has {sorted(found)}, needs {sorted(expected)}")
    assert not problems, f"{catalog.locale}:\n  " + "\n  ".join(problems)


def _values(source: str) -> dict[str, object]:
    """Dummy values the source text formats with: numbers where it takes them, else words."""
    names = _placeholders(source)
    for dummy in (2, "Ana"):
        values = dict.fromkeys(names, dummy)
        try:
            source.format(**values)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            continue
        return values
    raise AssertionError(f"cannot format the source text {source!r} with dummy values")


def test_translations_format_without_error(catalog: Catalog) -> None:
    problems = []
    for message in _messages(catalog):
        sources = _ids(message)
        values: dict[str, object] = {}
        for source in sources:
            values.update(_values(source))
        for form in _forms(message):
            try:
                form.format(**values)
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
                problems.append(f"{message.id!r} -> {form!r}: {type(exc).__name__}: {exc}")
    assert not problems, f"{catalog.locale}:\n  " + "\n  ".join(problems)


def test_quoted_button_names_match_the_buttons(catalog: Catalog) -> None:
    """“Skip” in a hint must be the word on the Skip button, or the visitor looks for a button that is not there."""
    problems = []
    for message in _messages(catalog):
        for source in _ids(message):
            for quoted in re.findall(r"“([^”]+)”", source):
                button = catalog.get(quoted)
                if button is None or not button.string:
                    continue
                for form in _forms(message):
                    if button.string not in form:
                        problems.append(f"{form!r} should name the button as {button.string!r}")
    assert not problems, f"{catalog.locale}:\n  " + "\n  ".join(problems)


def test_the_spanish_translator_reads_the_catalog() -> None:
    _ = translator("es")
    assert _("Check in") == "Registrar entrada"
    assert _("Sign out") == "Registrar salida"
    assert _.ngettext("{n} visit today", "{n} visits today", 2) == "{n} visitas hoy"
    assert _.ngettext("{n} visit today", "{n} visits today", 1) == "{n} visita hoy"
    assert _.ngettext("{n} visit today", "{n} visits today", 2).format(n=2) == "2 visitas hoy"
    assert _("Welcome, {name}.").format(name="José") == "Le damos la bienvenida, José."


def test_the_template_is_up_to_date_with_the_source(template: Catalog, tmp_path: Path) -> None:
    out = tmp_path / "kiosk.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT_ARGS, "-o", str(out), "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stderr}"
    in_source = {message.id for message in _messages(_read(out))}
    in_template = {message.id for message in _messages(template)}
    new = sorted(map(str, in_source - in_template))
    gone = sorted(map(str, in_template - in_source))
    assert not new and not gone, (
        "i18n/kiosk.pot is out of date with the source: run `make i18n`, then translate what is new.\n"
        f"  in the code, not in kiosk.pot: {new}\n"
        f"  in kiosk.pot, no longer in the code: {gone}"
    )
