"""Fonts made from Debian's Noto fonts, once, into a cache folder: `kiosk fonts` builds them.

Two kinds, both drawn by Kivy's PIL text provider, which opens a font by its path alone
(``ImageFont.truetype(path, size)``, no face index):

- **Arabic or Hebrew with Latin**: Noto Sans Arabic and Noto Sans Hebrew have no Latin letters
  (and Hebrew no digits), so "Welcome, محمد." or "مرحبا John Smith 10:30" needs a font with both.
  fontTools' merger puts Noto Sans into a copy of the script's font. The script's font comes
  first, so its glyphs, hinting and line metrics are kept as they are: pure Arabic looks
  exactly as before; Noto Sans's glyphs lose their TrueType hinting (the merger cannot merge two
  hinting programs), which at kiosk sizes looks the same. Where both fonts draw a character
  (digits, punctuation) the merger keeps both, and HarfBuzz picks Noto Sans's in a Latin run.
- **One face of the CJK collection**: NotoSansCJK-Regular.ttc holds ten faces that share their
  outlines; only the character map and OpenType features differ, and they decide which form a
  character takes (直 and 骨 are drawn differently in Japan and China). Its first face, the one
  a path alone opens, is the Japanese one. The Simplified Chinese, Traditional Chinese and
  Korean faces are copied out of it with fontTools into standalone files (a byte-for-byte copy
  of their tables, about 16 MB each; the Japanese face needs no copy).

A built file's name carries a key made of the recipe's version and the size and modification
time of the fonts it was made from, so an upgraded font package gives new names and the fonts
are built again; `kiosk fonts --prune` removes the old ones (a running kiosk may still be
drawing with them, so building alone does not; the kiosk's own background build removes those
of the one font it built, see kiosk/fonts.py). Files are written to a temporary name and
renamed, so a reader never sees half a font.

Where they live: `$KIOSK_FONT_CACHE` if set (tests, unusual installs); otherwise the user's
cache (`$XDG_CACHE_HOME/welcome-kiosk/fonts`, else `~/.cache/welcome-kiosk/fonts`), then the
system's `/var/cache/welcome-kiosk/fonts`. `kiosk fonts` run as root (`sudo make venv` on the
Raspberry Pi) builds into the system folder, which the kiosk's service user can read; run as
anyone else, into that user's cache. The kiosk itself, finding a font missing, builds it into
the first folder it can write (see kiosk/fonts.py).

This module imports only the standard library until it builds something: the kiosk imports it
at start-up. fontTools is imported by the build functions.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

RECIPE_VERSION = 1  # raise it when a recipe changes: every font is built again
ENV_CACHE = "KIOSK_FONT_CACHE"
SYSTEM_CACHE = Path("/var/cache/welcome-kiosk/fonts")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)
STALE_TEMP_SECONDS = 3600  # a temporary file this old was left by a build that was killed


# Noto Sans Arabic UI (Debian's fonts-noto-ui-core) first: it has Noto Sans's line height, where
# plain Noto Sans Arabic's lines are 2.1 times its size, which clips header titles, overlaps the
# welcome screen's greeting and makes rows jump as the greeting cycles to Arabic.
SCRIPT_FONTS = {
    "ARABIC": ("NotoSansArabicUI", "NotoSansArabic"),
    # UI faces first: Noto Sans Myanmar's regular face has lines 1.6× Noto Sans's; its UI face fits a button.
    "DEVANAGARI": ("NotoSansDevanagariUI", "NotoSansDevanagari"),
    "MYANMAR": ("NotoSansMyanmarUI", "NotoSansMyanmar"),
}
# Scripts whose Noto font has no Latin letters, so that their text takes that font merged with Noto Sans.
MERGED_SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Myanmar")


def script_font_names(script: str, weight: str) -> tuple[str, ...]:
    """The file names that can draw `script` ("ARABIC"), best first, for "Regular" or "Bold"."""
    stems = SCRIPT_FONTS.get(script.upper(), ("NotoSans" + script.title().replace(" ", ""),))
    return tuple(f"{stem}-{weight}.ttf" for stem in stems)


@dataclass(frozen=True)
class Recipe:
    name: str  # "arabic-regular", "cjk-sc-bold"
    stem: str  # the built file's name before its key
    ext: str
    sources: tuple[tuple[str, ...], ...]  # each source's file names, best first, looked for in the font folders
    face: str = ""  # for a copy out of a collection: the face's family name (name ID 1)
    family: str = ""  # for a merge: the new font's family name

    @property
    def weight(self) -> str:
        return self.name.rsplit("-", 1)[1].title()


def _recipes() -> dict[str, Recipe]:
    found = []
    for weight in ("Regular", "Bold"):
        for script in MERGED_SCRIPTS:
            found.append(Recipe(
                name=f"{script.lower()}-{weight.lower()}",
                stem=f"NotoSans{script}Latin-{weight}",
                ext="ttf",
                sources=(script_font_names(script, weight), (f"NotoSans-{weight}.ttf",)),
                family=f"Noto Sans {script} Latin",
            ))  # fmt: skip
        for variant in ("sc", "tc", "kr"):
            found.append(Recipe(
                name=f"cjk-{variant}-{weight.lower()}",
                stem=f"NotoSansCJK{variant}-{weight}",
                ext="otf",
                sources=((f"NotoSansCJK-{weight}.ttc",),),
                face=f"Noto Sans CJK {variant.upper()}",
            ))  # fmt: skip
    return {recipe.name: recipe for recipe in found}


RECIPES = _recipes()


# -- where -------------------------------------------------------------------------------
def cache_dirs() -> list[Path]:
    """Where built fonts are looked for, first match wins."""
    override = os.environ.get(ENV_CACHE)
    if override:
        return [Path(override)]
    xdg = os.environ.get("XDG_CACHE_HOME")
    user = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return [user / "welcome-kiosk" / "fonts", SYSTEM_CACHE]


def default_build_dir() -> Path:
    """Where `kiosk fonts` builds: the system cache for root, else the user's."""
    dirs = cache_dirs()
    if len(dirs) > 1 and hasattr(os, "geteuid") and os.geteuid() == 0:
        return SYSTEM_CACHE
    return dirs[0]


def make_dir(folder: Path) -> None:
    """Makes `folder` and its missing parents, each 0755 whatever the umask: under `sudo make venv`
    with umask 027, /var/cache/welcome-kiosk would be 0750 and the kiosk's user could not enter it."""
    missing = []
    for path in (folder, *folder.parents):
        if path.is_dir():
            break
        missing.append(path)
    folder.mkdir(parents=True, exist_ok=True)
    for path in reversed(missing):
        os.chmod(path, 0o755)


def writable_dir(dirs: Iterable[Path]) -> Path | None:
    """The first of `dirs` that exists (made if need be, readable by everyone) and can be written."""
    for folder in dirs:
        try:
            make_dir(folder)
        except OSError:
            continue
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


def is_file(path: Path) -> bool:
    """Whether `path` is a file; False where its folder cannot be entered, where Python 3.11 and
    3.12 raise PermissionError (3.13 says False): a font lookup must never crash the kiosk."""
    try:
        return path.is_file()
    except OSError:
        return False


def find_font(names: str | Sequence[str], font_dirs: Sequence[Path] = FONT_DIRS) -> Path | None:
    """The first of `names` (best first) found in the font folders."""
    for name in [names] if isinstance(names, str) else names:
        for folder in font_dirs:
            candidate = Path(folder) / name
            if is_file(candidate):
                return candidate
    return None


def sources_of(recipe: Recipe, font_dirs: Sequence[Path] = FONT_DIRS) -> list[Path] | None:
    """The fonts a recipe is made from, or None if any is missing (nothing can be built)."""
    found = [find_font(names, font_dirs) for names in recipe.sources]
    return None if any(path is None for path in found) else found  # type: ignore[return-value]


def file_name(recipe: Recipe, sources: Sequence[Path]) -> str:
    """The built font's file name, keyed by the recipe and by its sources' size and date."""
    digest = hashlib.sha256(f"{recipe.name} v{RECIPE_VERSION}".encode())
    for source in sources:
        stat = source.stat()
        digest.update(f"|{source.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{recipe.stem}-{digest.hexdigest()[:12]}.{recipe.ext}"


# -- is it whole? ------------------------------------------------------------------------
_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_HEAD_MAGIC = 0x5F0F3CF5
_HEAD_LENGTH = 54  # the head table's fixed size


def check_file(path: Path) -> str | None:
    """Why the font file at `path` cannot be used, or None if it looks whole.

    Reads only the table directory and the head table (microseconds): every table must lie
    inside the file, which is what a truncated or overwritten file gets wrong. Whatever the
    file holds, it answers and never raises: the kiosk calls it while drawing.
    """
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            header = f.read(12)
            if len(header) < 12 or header[:4] not in _SFNT_VERSIONS:
                return "not a font file"
            (count,) = struct.unpack(">H", header[4:6])
            directory = f.read(16 * count)
            if count == 0 or len(directory) < 16 * count:
                return "its table directory is cut short"
            tables = {}
            for i in range(count):
                tag, _checksum, offset, length = struct.unpack(">4sLLL", directory[16 * i : 16 * i + 16])
                if offset + length > size:
                    return f"table {tag.decode('latin-1')!r} runs past the end of the file"
                tables[tag] = (offset, length)
            for tag in (b"cmap", b"head", b"hhea", b"hmtx", b"maxp"):
                if tag not in tables:
                    return f"it has no {tag.decode()!r} table"
            if b"glyf" not in tables and b"CFF " not in tables:
                return "it has no glyphs"
            head_offset, head_length = tables[b"head"]
            if head_length < _HEAD_LENGTH:
                return "its head table is cut short"
            f.seek(head_offset + 12)
            (magic,) = struct.unpack(">L", f.read(4))
            if magic != _HEAD_MAGIC:
                return "its head table is damaged"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except struct.error:  # a read came short of what the directory promised
        return "it is cut short"
    return None


# -- building ----------------------------------------------------------------------------
def _quiet_fonttools() -> None:
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # the merger logs every table at INFO


def _merge(recipe: Recipe, sources: Sequence[Path], out: Path) -> None:
    from fontTools.merge import Merger

    _quiet_fonttools()
    font = Merger().merge([str(path) for path in sources])
    # A changed font should not go by the original's name (and this says what it is).
    postscript = recipe.family.replace(" ", "") + "-" + recipe.weight
    names = {1: recipe.family, 3: f"{postscript};welcome-kiosk;v{RECIPE_VERSION}",
             4: f"{recipe.family} {recipe.weight}", 6: postscript, 16: recipe.family}  # fmt: skip
    table = font["name"]
    for record in table.names:
        if record.nameID in names:
            record.string = names[record.nameID]
    font.save(str(out))


def _extract(recipe: Recipe, sources: Sequence[Path], out: Path) -> None:
    from fontTools.ttLib import TTCollection

    _quiet_fonttools()
    collection = TTCollection(str(sources[0]), lazy=True)
    for font in collection.fonts:
        if font["name"].getDebugName(1) == recipe.face:
            font.recalcTimestamp = False  # tables not read are copied byte for byte
            font.save(str(out))
            return
    raise ValueError(f"{sources[0]} has no face called {recipe.face!r}")


def build(recipe: Recipe, sources: Sequence[Path], out_dir: Path) -> Path:
    """Builds one font into out_dir, atomically; returns its path."""
    final = out_dir / file_name(recipe, sources)
    temp = out_dir / f".{final.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        (_extract if recipe.face else _merge)(recipe, sources, temp)
        problem = check_file(temp)
        if problem:
            raise ValueError(f"the font built for {recipe.name} is unusable: {problem}")
        os.chmod(temp, 0o644)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return final


@dataclass
class Outcome:
    recipe: Recipe
    state: str  # "built", "up to date", "no sources", "failed"
    path: Path | None = None
    seconds: float = 0.0
    problem: str = ""


def build_all(
    out_dir: Path,
    names: Iterable[str] | None = None,
    font_dirs: Sequence[Path] = FONT_DIRS,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Builds every font (or those named) that is missing or damaged in out_dir."""
    make_dir(out_dir)
    _remove_stale_temps(out_dir)
    outcomes = []
    for name in names or RECIPES:
        recipe = RECIPES[name]
        sources = sources_of(recipe, font_dirs)
        if sources is None:
            missing = ", ".join(" or ".join(names) for names in recipe.sources)
            outcome = Outcome(recipe, "no sources", problem=f"missing: {missing}")
        else:
            existing = out_dir / file_name(recipe, sources)
            if not force and check_file(existing) is None:
                outcome = Outcome(recipe, "up to date", existing)
            else:
                started = time.perf_counter()
                try:
                    path = build(recipe, sources, out_dir)
                    outcome = Outcome(recipe, "built", path, time.perf_counter() - started)
                except Exception as exc:  # noqa: BLE001 - a font that cannot be built is reported, not fatal
                    outcome = Outcome(
                        recipe, "failed", None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
                    )
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def prune(out_dir: Path, font_dirs: Sequence[Path] = FONT_DIRS, names: Iterable[str] | None = None) -> list[Path]:
    """Removes built fonts whose sources have changed (older keys) from out_dir, of every
    recipe or of those named; a file that cannot be removed is left."""
    recipes = [RECIPES[name] for name in names or RECIPES]
    current = set()
    for recipe in recipes:
        sources = sources_of(recipe, font_dirs)
        if sources is not None:
            current.add(file_name(recipe, sources))
    stems = {recipe.stem for recipe in recipes}
    removed = []
    for path in out_dir.glob("*-*.*"):
        stem, _, rest = path.name.rpartition("-")
        if stem in stems and path.name not in current and len(rest.split(".")[0]) == 12:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                continue
            removed.append(path)
    return removed


def _remove_stale_temps(out_dir: Path) -> None:
    now = time.time()
    for temp in out_dir.glob(".*.tmp"):
        try:
            if now - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                temp.unlink()
        except OSError:
            pass


def main(argv: list[str] | None = None) -> int:
    """`python -m kiosk.fontbuild --dir DIR NAME...`: what the kiosk runs to build a missing font."""
    parser = argparse.ArgumentParser(prog="python -m kiosk.fontbuild")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--font-dirs", help=f"font folders, separated by {os.pathsep!r}")
    parser.add_argument("--nice", action="store_true", help="at a lower priority than the kiosk")
    parser.add_argument("--prune", action="store_true", help="then remove the outdated builds of these fonts")
    parser.add_argument("names", nargs="+", choices=sorted(RECIPES))
    args = parser.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(10)
    font_dirs = [Path(p) for p in args.font_dirs.split(os.pathsep)] if args.font_dirs else FONT_DIRS
    outcomes = build_all(args.dir, args.names, font_dirs)
    failed = [outcome for outcome in outcomes if outcome.state == "failed"]
    for outcome in failed:
        print(f"{outcome.recipe.name}: {outcome.problem}", file=sys.stderr)
    if args.prune and not failed:
        prune(args.dir, font_dirs, args.names)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
