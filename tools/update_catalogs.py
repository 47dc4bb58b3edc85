"""Bring every catalog in i18n/ up to date with i18n/kiosk.pot (`make i18n`), or start a new one.

`pybabel update -d` reads each folder's name as a Babel locale, and the kiosk's folders are BCP 47
codes ("pt-BR", "zh-Hant") and include Hmong ("hmn"), which Babel has no locale for: so each
catalog is updated through Babel's own Catalog.update. New messages arrive untranslated; one
close to an old one arrives marked fuzzy, which the catalog tests refuse until a person checks it.

    python tools/update_catalogs.py             # update every catalog
    python tools/update_catalogs.py --init fr   # a new catalog for fr (then its line in languages.toml)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

I18N = Path(__file__).resolve().parent.parent / "i18n"
TEMPLATE = I18N / "kiosk.pot"


def _read(path: Path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, abort_invalid=True)


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, catalog, ignore_obsolete=True)


def update_all() -> int:
    template = _read(TEMPLATE)
    for path in sorted(I18N.glob("*/LC_MESSAGES/kiosk.po")):
        catalog = _read(path)
        catalog.update(template)
        _write(catalog, path)
        todo = sum(1 for m in catalog if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple)
                                                                     else [m.string])))  # fmt: skip
        print(f"{path.parent.parent.name}: {todo} to translate or check" if todo else f"{path.parent.parent.name}: ok")
    return 0


def init(code: str) -> int:
    path = I18N / code / "LC_MESSAGES" / "kiosk.po"
    if path.exists():
        print(f"{path} exists already", file=sys.stderr)
        return 1
    try:
        locale = Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError):
        print(f"Babel has no locale {code!r}: write the catalog's Language and Plural-Forms headers by hand",
              file=sys.stderr)  # fmt: skip
        return 1
    template = _read(TEMPLATE)
    catalog = Catalog(locale=locale, domain="kiosk", project="Welcome Kiosk",
                      copyright_holder="Welcome Kiosk developers")  # fmt: skip
    catalog.update(template)
    _write(catalog, path)
    print(f"{path}: started; add {code}'s line to i18n/languages.toml")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--init", metavar="CODE", help="start a new catalog for this BCP 47 code")
    args = parser.parse_args()
    return init(args.init) if args.init else update_all()


if __name__ == "__main__":
    raise SystemExit(main())
