"""Which font draws which text.

Kivy has no font fallback: a label in a font without the right glyphs shows empty boxes.
So the interface takes its font from the language on screen, and text that people typed
(a visitor's name, a staff member's name) takes the font of its own script: "王小明" on an
English screen still needs a CJK font. Fonts are Debian's Noto packages (fonts-noto-core,
fonts-noto-ui-core, fonts-noto-cjk), installed by `make` and by the Raspberry Pi image.

Two cases need fonts that Debian does not ship as such; kiosk/fontbuild.py makes them once
(`kiosk fonts`) and says where they are kept:

- Arabic, Hebrew, Devanagari (Nepali) and Myanmar (Burmese) text takes its Noto font (the UI face where
  there is one) merged with Noto Sans, so the
  Latin letters and digits in "Welcome, محمد." or "مرحبا John Smith 10:30" are there too.
- CJK text takes the face of the collection that fits it: kana is Japanese, Hangul Korean, and
  Chinese characters alone take the Simplified Chinese face, or the Traditional one when the
  screen's language is Traditional Chinese (zh-Hant, zh-TW, zh-HK, zh-MO), the Japanese one on
  a Japanese screen and the Korean one on a Korean screen.

If one of those is not built (`kiosk fonts` was not run, or a font package was upgraded since),
the text gets what it had before they existed (for Arabic or Hebrew mixed with Latin, the
fallback the caller passes, Kivy's DejaVu Sans; for CJK, the collection's first face), one
line is logged, and the font is built in the background, in its own process at a low priority
so that the screen does not stutter (merging is seconds of pure Python, which in a thread
would hold the interpreter's lock), one font at a time (each build is a Python process of
about 70 MB: all ten at once would get a 1 GB Raspberry Pi's kiosk killed); labels drawn
after that use it. A cache folder that cannot be read counts as holding nothing. Missing Noto
packages degrade as before: a script without its font falls back to Noto Sans, and without Noto Sans
the caller's own fallback is used.

This module does not import Kivy (the caller passes Kivy's DejaVu Sans in), nor fontTools.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk import fontbuild
from kiosk.fontbuild import FONT_DIRS
from kiosk.language import languages

log = logging.getLogger(__name__)

# Scripts whose letters Noto Sans itself draws.
_NOTO_SANS_SCRIPTS = {"LATIN", "GREEK", "CYRILLIC"}
# Scripts drawn by the CJK collection.
_CJK_SCRIPTS = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "KANGXI", "IDEOGRAPHIC"}
# Scripts whose Noto font has no Latin letters: their text takes the font merged with Noto Sans.
MIXED_SCRIPTS = frozenset(script.upper() for script in fontbuild.MERGED_SCRIPTS)
# Of those, the ones whose Noto font has no European digits either (Noto Sans Arabic and Devanagari have them).
_NO_DIGITS = frozenset({"HEBREW", "MYANMAR"})
_TRADITIONAL_REGIONS = {"TW", "HK", "MO"}
# The folder holding kiosk/ (a source checkout, or site-packages): the build's working directory,
# so that `python -m kiosk.fontbuild` runs this kiosk's code, not a kiosk/ that happens to be in
# the folder the kiosk was started from (which `-m` puts first on sys.path).
_PACKAGE_ROOT = Path(fontbuild.__file__).resolve().parents[1]
# One background build at a time in this process, whichever Fonts asks for it.
_ONE_BUILD = threading.Lock()


@dataclass(frozen=True)
class FontPair:
    regular: str
    bold: str


def script_of(text: str, prefer: str = "") -> str:
    """The script whose font draws `text`: the first letter's that is not Latin, else 'LATIN'.

    `prefer` is the screen language's script ("MYANMAR", "CJK"): when the text has letters of it,
    it wins, so that a Burmese sentence that starts with a Chinese name ("王小明 ...") is drawn in
    the Burmese font, the name alone left without glyphs, instead of the whole sentence."""
    first = ""
    for ch in text:
        # Letters, and a script's own marks (a Burmese vowel sign on its key, "◌ိ"); not COMBINING ACUTE...
        if unicodedata.category(ch)[0] in "LM" or "\u3000" <= ch <= "\u30ff":  # and kana's marks: ゛ ゜ ー
            word = unicodedata.name(ch, "LATIN").split(" ")[0].split("-")[0]  # KATAKANA-HIRAGANA ...
            if word not in _NOTO_SANS_SCRIPTS and word != "COMBINING":
                word = "CJK" if word in _CJK_SCRIPTS else word
                if word == prefer:
                    return word
                first = first or word
    return first or "LATIN"


def is_mixed(text: str, script: str) -> bool:
    """Whether `text` of `script` has characters that script's own Noto font cannot draw:
    letters of another script ("Ms. García" in Arabic), or digits where the font has none."""
    for ch in text:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            if unicodedata.name(ch, script).split(" ")[0] != script:
                return True
        elif category == "Nd" and script in _NO_DIGITS and ch.isascii():
            return True
    return False


def cjk_variant(text: str, language: str = "") -> str:
    """Which face of the CJK collection draws `text` on a screen in `language`: jp, kr, sc or tc.

    Kana can only be Japanese and Hangul only Korean. Chinese characters alone are read as the
    screen's language suggests, and as Simplified Chinese on any other screen (the most likely
    reading of a Chinese name typed on an English or Spanish screen).
    """
    for ch in text:
        word = unicodedata.name(ch, "").split(" ")[0]
        if word in ("HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA") or (
            word == "HALFWIDTH" and "KATAKANA" in unicodedata.name(ch)
        ):
            return "jp"
        if word == "HANGUL" or (word == "HALFWIDTH" and "HANGUL" in unicodedata.name(ch)):
            return "kr"
        if word == "BOPOMOFO":  # Taiwan's phonetic letters
            return "tc"
    parts = language.replace("_", "-").split("-")
    base = parts[0].lower()
    if base == "ja":
        return "jp"
    if base == "ko":
        return "kr"
    if base == "zh":
        subtags = [part.title() if len(part) == 4 else part.upper() for part in parts[1:]]
        if "Hant" in subtags:
            return "tc"
        if "Hans" not in subtags and _TRADITIONAL_REGIONS.intersection(subtags):
            return "tc"
    return "sc"


class Fonts:
    """Chooses font files; `font_dirs` holds Debian's fonts and `cache_dirs` the built ones."""

    def __init__(
        self,
        font_dirs: Sequence[Path] = FONT_DIRS,
        cache_dirs: Sequence[Path] | None = None,
        background: bool = True,
    ) -> None:
        self.font_dirs = tuple(Path(p) for p in font_dirs)
        self._cache_dirs = tuple(Path(p) for p in cache_dirs) if cache_dirs is not None else None
        self.background = background
        self._lock = threading.Lock()
        self._built: dict[str, str | None] = {}  # recipe name -> path, or None while missing
        self._building: dict[str, threading.Thread] = {}
        self._failed: set[str] = set()
        self._pairs: dict[str, FontPair | None] = {}

    @property
    def cache_dirs(self) -> tuple[Path, ...]:
        return self._cache_dirs if self._cache_dirs is not None else tuple(fontbuild.cache_dirs())

    # -- Debian's fonts ------------------------------------------------------------------
    def for_script(self, script: str) -> FontPair | None:
        """The Noto fonts for a script ('latin', 'arabic', 'cjk', 'thai', ...), or None if missing."""
        script = script.upper()
        if script not in self._pairs:
            self._pairs[script] = self._find_pair(script)
        return self._pairs[script]

    def _find_pair(self, script: str) -> FontPair | None:
        if script in _CJK_SCRIPTS:
            names = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
        elif script in _NOTO_SANS_SCRIPTS:
            names = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
        else:
            names = (fontbuild.script_font_names(script, "Regular"), fontbuild.script_font_names(script, "Bold"))
        regular = fontbuild.find_font(names[0], self.font_dirs)
        if regular is None:
            return None if script in _NOTO_SANS_SCRIPTS else self.for_script("LATIN")
        bold = fontbuild.find_font(names[1], self.font_dirs)
        return FontPair(str(regular), str(bold or regular))

    # -- the choice ----------------------------------------------------------------------
    def font_for(
        self, text: str, bold: bool = False, language: str = "", mixed_fallback: str | None = None
    ) -> str | None:
        """The font file that draws `text` whole, or None when no Noto font is installed.

        `language` is the screen's language code; `mixed_fallback` is a font with Latin, Arabic
        and Hebrew letters for mixed text when the merged fonts are missing.
        """
        known = languages().get(language)
        script = script_of(text, known.script.upper() if known else "")
        weight = "bold" if bold else "regular"
        pair = self.for_script(script)
        if script in MIXED_SCRIPTS:
            own = pair is not None and Path(pair.regular).name.startswith(f"NotoSans{script.title()}")
            fallback = f"Noto Sans {script.title()}"
            if mixed_fallback:
                fallback += f" ({Path(mixed_fallback).name} where Latin letters are mixed in)"
            merged = self.built(f"{script.lower()}-{weight}", fallback) if own else None
            if merged:
                return merged
            if mixed_fallback and (not own or is_mixed(text, script)):
                return mixed_fallback
        elif script == "CJK" and pair is not None and pair.regular.endswith(".ttc"):
            variant = cjk_variant(text, language)
            if variant != "jp":  # the collection's first face is the Japanese one
                face = self.built(f"cjk-{variant}-{weight}", fallback="the CJK collection's first face (Japanese)")
                if face:
                    return face
        if pair is None:
            return None
        return pair.bold if bold else pair.regular

    def built(self, name: str, fallback: str = "") -> str | None:
        """The path of a built font, or None (then it is being built, if it can be)."""
        with self._lock:
            if name in self._built:
                return self._built[name]
        recipe = fontbuild.RECIPES[name]
        try:
            sources = fontbuild.sources_of(recipe, self.font_dirs)
            file_name = fontbuild.file_name(recipe, sources) if sources is not None else None
        except OSError:  # a source gone between finding and reading it: a font package being upgraded
            file_name = None
        found = None
        if file_name is not None:
            found = self._find(file_name)
            if found is None:
                self._start_build(recipe, file_name, fallback)
        with self._lock:
            self._built[name] = found
        return found

    def _find(self, file_name: str) -> str | None:
        """The first whole copy of `file_name` in the cache folders (one that cannot be read is missing)."""
        for folder in self.cache_dirs:
            path = folder / file_name
            if not fontbuild.is_file(path):
                continue
            problem = fontbuild.check_file(path)
            if problem is None:
                return str(path)
            log.warning("font %s is damaged (%s): not using it; it will be built again", path, problem)
            try:
                path.unlink()
            except OSError:
                pass  # a folder this user cannot write (the system's): the new one goes in the user's
        return None

    def _start_build(self, recipe: fontbuild.Recipe, file_name: str, fallback: str) -> None:
        with self._lock:
            if recipe.name in self._building or recipe.name in self._failed:
                return
            out_dir = fontbuild.writable_dir(self.cache_dirs) if self.background else None
            how = f"building it in the background into {out_dir}" if out_dir else "not building it"
            log.warning(
                "font %s is not built yet; until it is, such text is drawn in %s; %s "
                "(`kiosk fonts` builds every font ahead of time)",
                file_name, fallback, how,
            )  # fmt: skip
            if out_dir is None:
                self._failed.add(recipe.name)
                return
            thread = threading.Thread(
                target=self._build, args=(recipe, out_dir), name=f"font-{recipe.name}", daemon=True
            )
            self._building[recipe.name] = thread
        thread.start()

    def _build(self, recipe: fontbuild.Recipe, out_dir: Path) -> None:
        # --prune then removes this font's outdated builds (older keys) from out_dir, which is safe:
        # this kiosk asked for the build because it found no current one, so it is drawing with
        # none of them. Other fonts' outdated builds stay: it may be drawing with those.
        command = [sys.executable, "-m", "kiosk.fontbuild", "--nice", "--prune", "--dir", str(out_dir),
                   "--font-dirs", os.pathsep.join(map(str, self.font_dirs)), recipe.name]  # fmt: skip
        try:
            with _ONE_BUILD:
                result = subprocess.run(
                    command, cwd=_PACKAGE_ROOT, capture_output=True, text=True, timeout=600, check=False
                )
            problem = ""
            if result.returncode:
                problem = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        except (OSError, subprocess.SubprocessError) as exc:
            problem = str(exc)
        with self._lock:
            del self._building[recipe.name]
            if problem:
                self._failed.add(recipe.name)
                log.error("font %s could not be built: %s", recipe.name, problem)
            else:
                self._built.pop(recipe.name, None)  # the next label finds it
                log.info("font %s is built: the next labels use it", recipe.name)

    def wait(self, timeout: float | None = None) -> None:
        """Waits for the builds under way (for tests)."""
        with self._lock:
            threads = list(self._building.values())
        for thread in threads:
            thread.join(timeout)


@functools.cache
def default() -> Fonts:
    """The process's font chooser: Debian's font folders, fontbuild's cache folders."""
    return Fonts()


def font_for(text: str, bold: bool = False, language: str = "", mixed_fallback: str | None = None) -> str | None:
    return default().font_for(text, bold, language, mixed_fallback)
