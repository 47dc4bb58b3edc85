"""kiosk/fonts.py and kiosk/fontbuild.py: every name is drawn in a font that has its letters.

Real fonts throughout (Debian's fonts-noto-core and fonts-noto-cjk). The built fonts are made
once per session into a temporary folder (about 10 s for all ten); tests that break things
work on copies in their own folders.
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont, features

from kiosk import fontbuild, keyboards
from kiosk import fonts as fonts_module
from kiosk.cli import main as kiosk_main
from kiosk.fonts import Fonts, cjk_variant, is_mixed, script_of
from kiosk.language import CATALOG_DIR, SOURCE_LANGUAGE, catalog_path, languages

NOTO = Path("/usr/share/fonts/truetype/noto")
CJK_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU = "/path/of/DejaVuSans.ttf"  # the caller's fallback for mixed text: only its name is compared
PACKAGE_ROOT = Path(fontbuild.__file__).resolve().parents[1]  # the folder holding kiosk/
NOBODY = 65534
AS_ROOT = os.geteuid() == 0


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every font `kiosk fonts` builds, built once."""
    folder = tmp_path_factory.mktemp("font-cache")
    outcomes = fontbuild.build_all(folder)
    assert [(o.recipe.name, o.state) for o in outcomes if o.state != "built"] == []
    return folder


@pytest.fixture
def fonts(built: Path) -> Fonts:
    return Fonts(cache_dirs=[built], background=False)


@pytest.fixture
def unbuilt(tmp_path: Path) -> Fonts:
    """Debian's fonts, and nothing built yet (nor built here: no background builds)."""
    return Fonts(cache_dirs=[tmp_path / "empty"], background=False)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder the kiosk's user can enter (pytest's own are private to whoever runs the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-fonts-"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")) if AS_ROOT else [folder]:
        if path.is_dir():
            path.chmod(0o755)  # what a test made unreadable, so that it can be removed
    shutil.rmtree(folder)


def _for_kiosk_user(folder: Path) -> Path:
    """`folder`, made and owned by the unprivileged user of _as_kiosk_user."""
    folder.mkdir(parents=True, exist_ok=True)
    if AS_ROOT:
        os.chown(folder, NOBODY, NOBODY)
    return folder


def _as_kiosk_user(code: str, home: Path, spawns: bool = False) -> subprocess.CompletedProcess[str]:
    """Runs Python `code` as a user who owns nothing here, as the kiosk's service user owns nothing
    in the system's cache: as nobody when the tests run as root (as in CI), else as the user.
    `spawns`: the code starts Python again (a background build), which that user must be able to."""
    user: list[str] = []
    if AS_ROOT:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv (util-linux) to run the kiosk as an unprivileged user")
        user = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {key: value for key, value in os.environ.items() if key not in ("XDG_CACHE_HOME", fontbuild.ENV_CACHE)}

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*user, sys.executable, "-c", code], cwd=PACKAGE_ROOT, env={**env, "HOME": str(home)},
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    probe = run(
        "import kiosk.fonts"
        + ("; import subprocess, sys; subprocess.run([sys.executable, '-c', ''], check=True)" if spawns else "")
    )
    if probe.returncode:
        pytest.skip(f"the unprivileged user cannot run {sys.executable} with the kiosk from {PACKAGE_ROOT}: "
                    f"{probe.stderr.strip().splitlines()[-1:]}")  # fmt: skip
    return run("import logging; logging.basicConfig(); " + code)


def _name(path: str | None) -> str:
    assert path is not None
    assert Path(path).is_file(), path
    return Path(path).name


def _stem(path: str | None) -> str:
    """A built font's name without its key: NotoSansArabicLatin-Regular-0123456789ab.ttf -> ...-Regular."""
    return _name(path).rsplit("-", 1)[0]


def _font_dir_with(tmp_path: Path, *names: str) -> Path:
    """A font folder holding only these of Debian's fonts (symbolic links to the real files)."""
    folder = tmp_path / "fonts"
    folder.mkdir(exist_ok=True)
    for name in names:
        source = NOTO / name if (NOTO / name).exists() else CJK_TTC.parent / name
        (folder / name).symlink_to(source)
    return folder


# -- scripts -----------------------------------------------------------------------------
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
        ("Welcome, محمد.", "ARABIC"),
        ("", "LATIN"),
        ("123 - .", "LATIN"),
    ],
)
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script


@pytest.mark.parametrize(("text", "prefer", "script"), [
    ("王小明 ထွက်ခွာရန်", "MYANMAR", "MYANMAR"),  # a Burmese sentence that starts with a Chinese name
    ("محمد 님, 안녕히 가세요", "CJK", "CJK"),  # a Korean one that starts with an Arabic name
    ("王小明 ထွက်ခွာရန်", "CJK", "CJK"),
    ("王小明", "MYANMAR", "CJK"),  # a name alone keeps its own script's font
    ("Ms. García ကို", "LATIN", "MYANMAR"),
    ("\u25cc\u102d", "", "MYANMAR"),  # a vowel sign on its key, on a dotted circle
    ("e\u0301", "", "LATIN"),  # a combining accent is not a script
])  # fmt: skip
def test_the_screen_language_s_script_wins_in_text_of_two_scripts(text: str, prefer: str, script: str) -> None:
    assert script_of(text, prefer) == script


@pytest.mark.parametrize(
    ("text", "language", "variant"),
    [
        ("王小明", "en", "sc"),  # a Chinese name on an English screen: Simplified
        ("王小明", "es", "sc"),
        ("王小明", "", "sc"),
        ("王小明", "zh", "sc"),
        ("王小明", "zh-Hans", "sc"),
        ("王小明", "zh-CN", "sc"),
        ("王小明", "zh-Hant", "tc"),
        ("王小明", "zh-hant", "tc"),
        ("王小明", "zh-TW", "tc"),
        ("王小明", "zh_TW", "tc"),
        ("王小明", "zh-HK", "tc"),
        ("王小明", "zh-Hant-HK", "tc"),
        ("王小明", "zh-Hans-TW", "sc"),  # the script subtag wins over the region
        ("王小明", "ja", "jp"),
        ("王小明", "ko", "kr"),
        ("山田さくら", "en", "jp"),  # kana is Japanese on any screen
        ("ヤマダ", "zh-Hant", "jp"),
        ("ｻｸﾗ", "en", "jp"),  # half-width katakana
        ("김민준", "zh", "kr"),  # Hangul is Korean on any screen
        ("金민준", "en", "kr"),
        ("ㄅㄆㄇ", "en", "tc"),  # Bopomofo: Taiwan
    ],
)
def test_cjk_variant(text: str, language: str, variant: str) -> None:
    assert cjk_variant(text, language) == variant


@pytest.mark.parametrize(
    ("text", "script", "mixed"),
    [
        ("محمد الأحمد", "ARABIC", False),
        ("الساعة 10:30", "ARABIC", False),  # Noto Sans Arabic has European digits
        ("الساعة ١٠:٣٠", "ARABIC", False),
        ("Welcome, محمد.", "ARABIC", True),
        ("مرحبا John Smith", "ARABIC", True),
        ("السيدة García", "ARABIC", True),
        ("דוד", "HEBREW", False),
        ("חדר 12", "HEBREW", True),  # Noto Sans Hebrew has no digits
        ("שלום John", "HEBREW", True),
    ],
)
def test_is_mixed(text: str, script: str, mixed: bool) -> None:
    assert is_mixed(text, script) is mixed


# -- Debian's fonts ----------------------------------------------------------------------
def test_debian_fonts_by_script(unbuilt: Fonts) -> None:
    def pair(text: str) -> fonts_module.FontPair:
        found = unbuilt.for_script(script_of(text))
        assert found is not None
        return found

    assert _name(pair("José").regular) == "NotoSans-Regular.ttf"
    assert _name(pair("José").bold) == "NotoSans-Bold.ttf"
    assert _name(pair("محمد الأحمد").bold) == "NotoSansArabicUI-Bold.ttf"
    assert _name(pair("王小明").regular) == "NotoSansCJK-Regular.ttc"
    assert unbuilt.for_script("KLINGON") == unbuilt.for_script("LATIN")  # a script without a font: Noto Sans


# -- which file each text gets, with the fonts built ----------------------------------------
@pytest.mark.parametrize(
    ("text", "bold", "language", "expected"),
    [
        ("José", False, "en", "NotoSans-Regular.ttf"),
        ("José", True, "es", "NotoSans-Bold.ttf"),
        ("Nguyễn Thị", False, "en", "NotoSans-Regular.ttf"),
        ("محمد الأحمد", False, "en", "NotoSansArabicLatin-Regular"),
        ("محمد الأحمد", True, "ar", "NotoSansArabicLatin-Bold"),
        ("Welcome, محمد الأحمد. 10:30", False, "en", "NotoSansArabicLatin-Regular"),
        ("مرحبا John Smith 10:30", False, "ar", "NotoSansArabicLatin-Regular"),
        ("نازنین", False, "fa", "NotoSansArabicLatin-Regular"),  # Persian: Arabic script
        ("דוד לוי", False, "en", "NotoSansHebrewLatin-Regular"),
        ("שלום John, 10:30", True, "he", "NotoSansHebrewLatin-Bold"),
        ("王小明", False, "en", "NotoSansCJKsc-Regular"),
        ("王小明", True, "en", "NotoSansCJKsc-Bold"),
        ("王小明", False, "zh-Hans", "NotoSansCJKsc-Regular"),
        ("王小明", False, "zh-Hant", "NotoSansCJKtc-Regular"),
        ("王小明", True, "zh-TW", "NotoSansCJKtc-Bold"),
        ("山田さくら", False, "en", "NotoSansCJK-Regular.ttc"),  # the collection's first face is Japanese
        ("山田さくら", True, "zh-Hant", "NotoSansCJK-Bold.ttc"),
        ("王小明", False, "ja", "NotoSansCJK-Regular.ttc"),
        ("김민준", False, "en", "NotoSansCJKkr-Regular"),
        ("김민준", True, "es", "NotoSansCJKkr-Bold"),
        ("สมชาย", False, "en", "NotoSansThai-Regular.ttf"),
    ],
)
def test_each_text_gets_a_font_that_draws_it_whole(
    fonts: Fonts, built: Path, text: str, bold: bool, language: str, expected: str
) -> None:
    path = fonts.font_for(text, bold, language, mixed_fallback=DEJAVU)
    if expected.endswith((".ttf", ".ttc")):
        assert _name(path) == expected
    else:
        assert Path(path).parent == built  # type: ignore[arg-type]
        assert _stem(path) == expected


def test_the_merged_fonts_have_latin_letters_digits_and_their_script(fonts: Fonts) -> None:
    latin = [chr(c) for c in (*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0x30, 0x3A))] + list("áéíóúñüçÀÉ.,:()")
    arabic = [chr(c) for c in range(0x0621, 0x064B) if c not in (0x063B, 0x063C, 0x063D, 0x063E, 0x063F, 0x0640)]
    arabic += list("٠١٢٣٤٥٦٧٨٩،؟پچژگکی")  # Arabic-Indic digits, comma, question mark; Persian letters
    hebrew = [chr(c) for c in range(0x05D0, 0x05EB)]
    for text, script_letters in (("محمد", arabic), ("דוד", hebrew)):
        for bold in (False, True):
            path = fonts.font_for(text, bold)
            cmap = TTFont(path, lazy=True).getBestCmap()
            missing = [ch for ch in latin + script_letters if ord(ch) not in cmap]
            assert missing == [], (path, missing)


def _drawn(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    image = Image.new("L", (1200, 100))
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=255)
    return image.tobytes()


def needs_raqm() -> None:
    """Shaping is what these tests are about: without raqm they fail under CI (the kiosk would not offer
    Arabic, Nepali or Burmese), and are skipped on a developer's machine without it."""
    if not features.check("raqm"):
        if os.environ.get("CI") == "true":
            pytest.fail("Pillow has no raqm (libraqm0): complex scripts cannot be shaped")
        pytest.skip("Pillow without raqm")


def test_raqm_shapes_the_merged_font_with_each_fonts_own_glyphs(fonts: Fonts) -> None:
    """Through Pillow and raqm, as Kivy draws (the screenshots in the report show the same)."""
    needs_raqm()
    merged = ImageFont.truetype(fonts.font_for("محمد"), 40)
    noto_sans = ImageFont.truetype(str(NOTO / "NotoSans-Regular.ttf"), 40)
    noto_arabic = ImageFont.truetype(str(NOTO / "NotoSansArabicUI-Regular.ttf"), 40)
    # Arabic is drawn exactly as by Noto Sans Arabic UI alone (its glyphs and hinting come first) ...
    assert _drawn(merged, "محمد الأحمد") == _drawn(noto_arabic, "محمد الأحمد")
    # ... joined: not as its letters kept apart by zero-width non-joiners.
    assert _drawn(merged, "محمد") != _drawn(merged, "\u200c".join("محمد"))
    # Latin words take Noto Sans's glyphs and advances (unhinted, so allow a pixel).
    for word in ("John Smith", "García", "10:30"):
        assert merged.getlength(word) == pytest.approx(noto_sans.getlength(word), abs=1), word
    # A whole mixed line is as wide as its parts: nothing dropped, nothing drawn twice.
    line = "مرحبا John Smith 10:30"
    parts = merged.getlength("مرحبا") + merged.getlength(" John Smith 10:30")
    assert merged.getlength(line) == pytest.approx(parts, abs=2)


@pytest.mark.parametrize(("text", "own"), [
    ("नेपाली क्षत्रिय स्वागत", "NotoSansDevanagariUI-Regular.ttf"),  # conjuncts, a vowel sign drawn before its consonant
    ("မြန်မာ ကြိုဆိုပါသည်", "NotoSansMyanmarUI-Regular.ttf"),  # medials and vowel signs reordered around the consonant
])  # fmt: skip
def test_devanagari_and_myanmar_are_shaped_in_their_merged_fonts(fonts: Fonts, text: str, own: str) -> None:
    """Nepali and Burmese are drawn by raqm as by their own Noto UI font, and unlike Pillow's basic layout,
    which scrambles them: this fails if shaping is off."""
    needs_raqm()
    path = fonts.font_for(text, language="ne" if "न" in text else "my")
    assert Path(path).name.startswith(("NotoSansDevanagariLatin-Regular", "NotoSansMyanmarLatin-Regular")), path
    merged = ImageFont.truetype(path, 40)
    basic = ImageFont.truetype(path, 40, layout_engine=ImageFont.Layout.BASIC)
    assert _drawn(merged, text) == _drawn(ImageFont.truetype(str(NOTO / own), 40), text)
    assert _drawn(merged, text) != _drawn(basic, text)
    noto_sans = ImageFont.truetype(str(NOTO / "NotoSans-Regular.ttf"), 40)  # and a name in it, in Noto Sans's letters
    assert merged.getlength("Ms. García 10:30") == pytest.approx(noto_sans.getlength("Ms. García 10:30"), abs=1)


def _covered(path: str) -> set[int]:
    font = TTCollection(path, lazy=True).fonts[0] if path.endswith(".ttc") else TTFont(path, lazy=True)
    return set(font.getBestCmap())


def _shown_text(text: str) -> str:
    """What a visitor reads of a message: its placeholders are names and numbers, checked elsewhere."""
    return re.sub(r"\{[^{}]*\}", " ", text)


@pytest.mark.parametrize("code", list(languages()))
def test_every_character_of_every_message_is_in_its_language_s_font(fonts: Fonts, code: str) -> None:
    """No empty boxes: every letter, digit and sign each language's catalog shows (and its own name on its
    button) is in the font the kiosk picks for that text on that language's screen, by the font's cmap."""
    texts = [languages()[code].name]
    if code == SOURCE_LANGUAGE:
        texts += [m.id for m in _template() if m.id and isinstance(m.id, str)]
    else:
        with open(catalog_path(code), "rb") as f:
            for message in read_po(f):
                if message.id:
                    texts += list(message.string) if isinstance(message.string, tuple) else [message.string]
    missing: dict[str, set[str]] = {}
    for text in map(_shown_text, texts):
        for bold in (False, True):
            path = fonts.font_for(text, bold, language=code)
            assert path is not None, text
            cmap = _covered(path)
            lost = {ch for ch in text if ord(ch) not in cmap and not ch.isspace() and unicodedata.category(ch) != "Cf"}
            if lost:
                missing.setdefault(Path(path).name, set()).update(lost)
    assert missing == {}, {font: "".join(sorted(chars)) for font, chars in missing.items()}


@pytest.mark.parametrize("name", keyboards.all_layouts())
def test_every_key_of_every_keyboard_is_drawn_by_its_font(fonts: Fonts, name: str) -> None:
    """A key shows its letter, a combining mark on a dotted circle (◌ိ), and the layer's label: none in boxes."""
    layout = keyboards.layout(name)
    labels = [layout.label] + [("\u25cc" + k if all(unicodedata.category(c)[0] == "M" for c in k) else k)
                               for row in layout.rows + layout.shifted for k in row]  # fmt: skip
    language = name if name in languages() else "en"
    lost = {}
    for label in labels:
        for bold in (False, True):
            path = fonts.font_for(label, bold, language=language)
            missing = [ch for ch in label if ord(ch) not in _covered(path)]
            if missing:
                lost[label] = Path(path).name
    assert lost == {}, lost


def _template():  # type: ignore[no-untyped-def]
    with open(CATALOG_DIR / "kiosk.pot", "rb") as f:
        return list(read_po(f))


def test_the_extracted_faces_are_the_right_faces(fonts: Fonts) -> None:
    japanese = TTCollection(str(CJK_TTC), lazy=True).fonts[0]
    assert japanese["name"].getDebugName(1) == "Noto Sans CJK JP"  # why the first face is not enough
    for language, family, postscript in (
        ("en", "Noto Sans CJK SC", "NotoSansCJKsc-Regular"),
        ("zh-Hant", "Noto Sans CJK TC", "NotoSansCJKtc-Regular"),
    ):
        face = TTFont(fonts.font_for("王直", False, language), lazy=True)
        assert (face["name"].getDebugName(1), face["name"].getDebugName(6)) == (family, postscript)
    sc = TTFont(fonts.font_for("王直", False, "en"), lazy=True).getBestCmap()
    jp = japanese.getBestCmap()
    for ch in "直骨写角":  # drawn differently in China and Japan
        assert sc[ord(ch)] != jp[ord(ch)], ch
    korean = TTFont(fonts.font_for("김민준"), lazy=True)
    assert korean["name"].getDebugName(1) == "Noto Sans CJK KR"


# -- before the fonts are built ------------------------------------------------------------
def test_unbuilt_fonts_fall_back_to_what_the_kiosk_had(unbuilt: Fonts, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.fonts")
    assert _name(unbuilt.font_for("محمد الأحمد", mixed_fallback=DEJAVU)) == "NotoSansArabicUI-Regular.ttf"
    assert unbuilt.font_for("Welcome, محمد.", mixed_fallback=DEJAVU) == DEJAVU
    assert unbuilt.font_for("مرحبا John Smith 10:30", mixed_fallback=DEJAVU) == DEJAVU
    assert _name(unbuilt.font_for("الساعة 10:30", mixed_fallback=DEJAVU)) == "NotoSansArabicUI-Regular.ttf"
    assert unbuilt.font_for("חדר 12", mixed_fallback=DEJAVU) == DEJAVU
    assert _name(unbuilt.font_for("Welcome, محمد.")) == "NotoSansArabicUI-Regular.ttf"  # no fallback given
    assert _name(unbuilt.font_for("王小明", language="zh-Hant")) == "NotoSansCJK-Regular.ttc"
    assert _name(unbuilt.font_for("김민준", bold=True)) == "NotoSansCJK-Bold.ttc"
    assert _name(unbuilt.font_for("José")) == "NotoSans-Regular.ttf"
    # One line for each missing font, however many labels ask.
    for _ in range(3):
        unbuilt.font_for("محمد", mixed_fallback=DEJAVU)
        unbuilt.font_for("王小明")
    lines = [r.getMessage() for r in caplog.records]
    assert len([line for line in lines if "NotoSansArabicLatin-Regular-" in line]) == 1, lines
    assert len([line for line in lines if "NotoSansCJKsc-Regular-" in line]) == 1, lines
    assert all("kiosk fonts" in line for line in lines)


def test_a_missing_font_is_built_in_the_background_and_then_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kiosk runs from some folder; a `kiosk` package there must not be what builds its fonts.
    decoy = tmp_path / "elsewhere" / "kiosk"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("")
    (decoy / "fontbuild.py").write_text("raise SystemExit('the kiosk package of the working directory ran')\n")
    monkeypatch.chdir(decoy.parent)
    cache = tmp_path / "cache"
    cache.mkdir()
    outdated_kr = cache / "NotoSansCJKkr-Regular-000000000000.otf"
    outdated_sc = cache / "NotoSansCJKsc-Regular-000000000000.otf"
    for path in (outdated_kr, outdated_sc, cache / "unrelated-file.txt"):
        path.write_bytes(b"an older build")
    fonts = Fonts(cache_dirs=[cache], background=True)
    first = fonts.font_for("김민준")
    assert _name(first) == "NotoSansCJK-Regular.ttc"  # at once, while it is built
    fonts.wait(timeout=120)
    assert _stem(fonts.font_for("김민준")) == "NotoSansCJKkr-Regular"
    assert fontbuild.check_file(Path(fonts.font_for("김민준"))) is None  # type: ignore[arg-type]
    assert not list(cache.glob(".*.tmp"))  # the temporary file was renamed, not left behind
    # The outdated build of that font goes (the kiosk was not using it: it asked for the new one);
    # other fonts' outdated builds stay, as this kiosk may still be drawing with them.
    assert not outdated_kr.exists()
    assert outdated_sc.exists() and (cache / "unrelated-file.txt").exists()


def test_the_kiosk_builds_one_font_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Each build is a Python process of about 70 MB: ten at once would get a 1 GB Pi's kiosk killed."""
    lock, running, peak, commands = threading.Lock(), [0], [0], []

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            commands.append((command, kwargs))
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(fonts_module.subprocess, "run", run)
    caplog.set_level(logging.WARNING, logger="kiosk.fonts")
    fonts = Fonts(cache_dirs=[tmp_path / "cache"], background=True)
    texts = [("محمد", False, "ar"), ("محمد", True, "ar"), ("דוד", False, "he"), ("王小明", False, "en"),
             ("王小明", True, "zh-Hant"), ("김민준", False, "en")]  # fmt: skip
    for text, bold, language in texts * 2:
        fonts.font_for(text, bold, language, mixed_fallback=DEJAVU)
    fonts.wait(timeout=30)
    assert peak[0] == 1
    assert len(commands) == len(texts)
    assert len([r for r in caplog.records if "is not built yet" in r.getMessage()]) == len(texts)
    for command, kwargs in commands:
        assert command[1:3] == ["-m", "kiosk.fontbuild"] and "--prune" in command
        assert Path(kwargs["cwd"]) == PACKAGE_ROOT  # type: ignore[arg-type]  # the kiosk's own package, wherever it runs


def test_the_user_cache_is_looked_at_before_the_system_one(tmp_path: Path, built: Path) -> None:
    user, system = tmp_path / "user", tmp_path / "system"
    user.mkdir()
    shutil.copytree(built, system)
    fonts = Fonts(cache_dirs=[user, system], background=False)
    assert Path(fonts.font_for("محمد")).parent == system  # type: ignore[arg-type]
    name = Path(fonts.font_for("王小明")).name  # type: ignore[arg-type]
    shutil.copy(built / name, user / name)
    assert Path(Fonts(cache_dirs=[user, system], background=False).font_for("王小明")).parent == user  # type: ignore[arg-type]


# -- damaged files -------------------------------------------------------------------------
def test_check_file_finds_damage(tmp_path: Path, built: Path) -> None:
    good = next(built.glob("NotoSansArabicLatin-Regular-*.ttf"))
    assert fontbuild.check_file(good) is None
    assert fontbuild.check_file(next(built.glob("NotoSansCJKsc-Bold-*.otf"))) is None
    garbage = tmp_path / "garbage.ttf"
    garbage.write_bytes(b"<html>not a font</html>" * 10)
    assert "not a font" in fontbuild.check_file(garbage)  # type: ignore[operator]
    truncated = tmp_path / "truncated.ttf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "past the end" in fontbuild.check_file(truncated)  # type: ignore[operator]
    empty = tmp_path / "empty.ttf"
    empty.write_bytes(b"")
    assert fontbuild.check_file(empty) is not None
    assert fontbuild.check_file(tmp_path / "absent.ttf") is not None
    assert fontbuild.check_file(tmp_path) is not None  # a folder


def _sfnt(tables: dict[bytes, tuple[int, int]], count: int | None = None, pad: int = 0) -> bytes:
    """A font file's header and table directory (tag: offset, length), then `pad` zero bytes."""
    header = b"\0\1\0\0" + struct.pack(">HHHH", len(tables) if count is None else count, 0, 0, 0)
    entries = b"".join(struct.pack(">4sLLL", tag, 0, offset, length) for tag, (offset, length) in tables.items())
    return header + entries + b"\0" * pad


_TAGS = (b"cmap", b"glyf", b"head", b"hhea", b"hmtx", b"maxp")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (_sfnt({tag: (108, 0) for tag in _TAGS}), "head table"),  # every table empty, at the end of the file
        (_sfnt({**{tag: (108, 0) for tag in _TAGS}, b"head": (108, 20)}, pad=20), "head table"),  # too short
        (_sfnt({tag: (108, 54) for tag in _TAGS}, pad=54), "head table"),  # long enough, but not a head table
        (_sfnt({}, count=0xFFFF, pad=100), "cut short"),
        (_sfnt({**{tag: (108, 60) for tag in _TAGS}, b"head": (0xFFFFFFFF, 0xFFFFFFFF)}, pad=60), "past the end"),
        (_sfnt({**{tag: (108, 60) for tag in _TAGS}, b"head": (0xFFFFFFF0, 0x20)}, pad=60), "past the end"),
        (_sfnt({tag: (92, 60) for tag in _TAGS if tag != b"glyf"}, pad=60), "no glyphs"),
    ],
)
def test_check_file_rejects_hostile_files(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "hostile.ttf"
    path.write_bytes(content)
    assert problem in fontbuild.check_file(path)  # type: ignore[operator]


def test_check_file_never_raises_on_random_damage(tmp_path: Path, built: Path) -> None:
    path = tmp_path / "random.ttf"
    rng = random.Random(20240611)
    for _ in range(300):  # random bytes after a valid sfnt tag
        path.write_bytes(rng.choice((b"\0\1\0\0", b"OTTO", b"true")) + rng.randbytes(rng.randrange(0, 600)))
        assert fontbuild.check_file(path) is not None
    good = next(built.glob("NotoSansHebrewLatin-Regular-*.ttf")).read_bytes()
    (count,) = struct.unpack(">H", good[4:6])
    for _ in range(300):  # a real font whose table directory has random bytes changed
        damaged = bytearray(good)
        for _ in range(rng.randrange(1, 8)):
            damaged[rng.randrange(4, 12 + 16 * count)] = rng.randrange(256)
        path.write_bytes(damaged)
        fontbuild.check_file(path)  # whatever it says, it says it


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cached_font_is_not_used_and_is_built_again(
    tmp_path: Path, built: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built, cache)
    sc = next(cache.glob("NotoSansCJKsc-Regular-*.otf"))
    if damage == "garbage":
        sc.write_bytes(b"\0" * 1000)
    else:
        with open(sc, "r+b") as f:
            f.truncate(sc.stat().st_size // 3)
    caplog.set_level(logging.WARNING, logger="kiosk.fonts")
    fonts = Fonts(cache_dirs=[cache], background=True)
    assert _name(fonts.font_for("王小明")) == "NotoSansCJK-Regular.ttc"  # not the damaged file, and no crash
    assert "damaged" in caplog.text
    fonts.wait(timeout=120)
    assert fonts.font_for("王小明") == str(sc)
    assert fontbuild.check_file(sc) is None
    # `kiosk fonts` mends damage too.
    sc.write_bytes(b"junk")
    outcomes = {o.recipe.name: o.state for o in fontbuild.build_all(cache, ["cjk-sc-regular", "cjk-kr-regular"])}
    assert outcomes == {"cjk-sc-regular": "built", "cjk-kr-regular": "up to date"}
    assert fontbuild.check_file(sc) is None


def test_a_damaged_font_in_a_folder_it_cannot_write_is_ignored(shared: Path, built: Path) -> None:
    system = shared / "system"
    system.mkdir()
    kr = system / next(built.glob("NotoSansCJKkr-Regular-*.otf")).name
    kr.write_bytes(b"junk")
    system.chmod(0o755 if AS_ROOT else 0o555)  # root's: the kiosk's user cannot write it
    done = _as_kiosk_user(
        "from pathlib import Path; from kiosk.fonts import Fonts; "
        f"fonts = Fonts(cache_dirs=[Path({str(shared / 'user')!r}), Path({str(system)!r})], background=False); "
        "print(Path(fonts.font_for('김민준')).name)",
        home=shared,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "NotoSansCJK-Regular.ttc"
    assert "damaged" in done.stderr
    assert kr.read_bytes() == b"junk"  # still there: it could not be removed, and that was no crash


@pytest.fixture
def unreadable_system_cache(shared: Path, built: Path) -> Path:
    """Every font built, in a folder the kiosk's user cannot enter."""
    system = shared / "system"
    shutil.copytree(built, system)
    system.chmod(0o700 if AS_ROOT else 0o000)
    return system


def test_a_cache_folder_the_kiosk_cannot_enter_is_as_good_as_missing(
    shared: Path, unreadable_system_cache: Path
) -> None:
    """Python 3.11 and 3.12 raise PermissionError from Path.is_file() there (3.13 says False)."""
    done = _as_kiosk_user(
        "from pathlib import Path; from kiosk.fonts import Fonts; "
        f"system = Path({str(unreadable_system_cache)!r}); "
        f"fonts = Fonts(cache_dirs=[Path({str(shared / 'user')!r}), system], background=False); "
        "print(Path(fonts.font_for('김민준')).name, Path(fonts.font_for('محمد')).name); "
        "alone = Fonts(cache_dirs=[system], background=True); "  # and nowhere to build them
        "print(Path(alone.font_for('王小明')).name); alone.wait(5)",
        home=shared,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["NotoSansCJK-Regular.ttc", "NotoSansArabicUI-Regular.ttf", "NotoSansCJK-Regular.ttc"]
    assert [line for line in done.stderr.splitlines() if "NotoSansCJKsc-Regular-" in line and "not building it" in line]


def test_a_font_in_a_cache_folder_the_kiosk_cannot_enter_is_built_in_its_own(
    shared: Path, unreadable_system_cache: Path
) -> None:
    user = _for_kiosk_user(shared / "user")
    done = _as_kiosk_user(
        "from pathlib import Path; from kiosk.fonts import Fonts; "
        f"user, system = Path({str(user)!r}), Path({str(unreadable_system_cache)!r}); "
        "fonts = Fonts(cache_dirs=[user, system], background=True); "
        "print(Path(fonts.font_for('김민준')).name); fonts.wait(120); "
        "print(Path(fonts.font_for('김민준')).parent == user)",
        home=shared,
        spawns=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["NotoSansCJK-Regular.ttc", "True"], done.stderr


def test_fonts_built_by_root_under_a_strict_umask_can_be_read_by_the_kiosk(shared: Path) -> None:
    """`sudo make venv` under umask 027 must not leave folders the kiosk's user cannot enter."""
    out_dir = shared / "welcome-kiosk" / "fonts"
    build = f"import os, sys; os.umask(0o027); from kiosk import fontbuild; sys.exit(fontbuild.main(['--dir', {str(out_dir)!r}, 'cjk-kr-regular']))"
    done = subprocess.run(
        [sys.executable, "-c", build], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    (font,) = out_dir.glob("NotoSansCJKkr-Regular-*.otf")
    modes = {path.name: oct(path.stat().st_mode & 0o777) for path in (out_dir.parent, out_dir, font)}
    assert modes == {"welcome-kiosk": "0o755", "fonts": "0o755", font.name: "0o644"}
    done = _as_kiosk_user(
        "from pathlib import Path; from kiosk.fonts import Fonts; "
        f"print(Fonts(cache_dirs=[Path({str(out_dir)!r})], background=False).font_for('김민준'))",
        home=shared,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(font)


# -- missing font packages -----------------------------------------------------------------
def test_without_any_noto_font_the_caller_decides(tmp_path: Path) -> None:
    fonts = Fonts(font_dirs=[tmp_path / "nothing"], cache_dirs=[tmp_path / "cache"], background=True)
    assert fonts.font_for("José") is None  # the app then uses Kivy's Roboto
    assert fonts.font_for("王小明", language="zh-Hant") is None
    assert fonts.font_for("Welcome, محمد.", mixed_fallback=DEJAVU) == DEJAVU
    assert fonts.font_for("محمد", mixed_fallback=DEJAVU) == DEJAVU  # DejaVu has Arabic: better than boxes
    assert fonts.font_for("محمد") is None
    fonts.wait(timeout=5)
    assert not (tmp_path / "cache").exists()  # nothing to build from: nothing tried


def test_with_noto_sans_alone(tmp_path: Path) -> None:
    folder = _font_dir_with(tmp_path, "NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
    fonts = Fonts(font_dirs=[folder], cache_dirs=[tmp_path / "cache"], background=True)
    assert _name(fonts.font_for("José", True)) == "NotoSans-Bold.ttf"
    assert _name(fonts.font_for("王小明")) == "NotoSans-Regular.ttf"  # boxes, as before: no CJK package
    assert fonts.font_for("مرحبا John", mixed_fallback=DEJAVU) == DEJAVU
    fonts.wait(timeout=5)
    assert not (tmp_path / "cache").exists()


def test_with_the_arabic_font_but_not_its_bold(tmp_path: Path, built: Path) -> None:
    folder = _font_dir_with(tmp_path, "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansArabicUI-Regular.ttf")
    cache = tmp_path / "cache"
    cache.mkdir()
    merged = next(built.glob("NotoSansArabicLatin-Regular-*.ttf"))  # the same sources, so the same name
    shutil.copy(merged, cache / merged.name)
    assert [o.state for o in fontbuild.build_all(cache, ["arabic-regular", "arabic-bold"], font_dirs=[folder])] == [
        "up to date",
        "no sources",
    ]
    fonts = Fonts(font_dirs=[folder], cache_dirs=[cache], background=False)
    assert _stem(fonts.font_for("مرحبا John")) == "NotoSansArabicLatin-Regular"
    # No bold to merge: the regular font of the script, or the fallback for mixed text.
    assert _name(fonts.font_for("محمد", bold=True, mixed_fallback=DEJAVU)) == "NotoSansArabicUI-Regular.ttf"
    assert fonts.font_for("مرحبا John", bold=True, mixed_fallback=DEJAVU) == DEJAVU


def test_arabic_prefers_the_ui_font_whose_lines_are_as_tall_as_noto_sans(tmp_path: Path) -> None:
    both = Fonts(font_dirs=[NOTO], cache_dirs=[tmp_path], background=False)
    assert _name(both.for_script("arabic").regular) == "NotoSansArabicUI-Regular.ttf"  # type: ignore[union-attr]
    line_height = {name: TTFont(NOTO / name, lazy=True)["hhea"] for name in
                   ("NotoSans-Regular.ttf", "NotoSansArabicUI-Regular.ttf", "NotoSansArabic-Regular.ttf")}  # fmt: skip
    heights = {name: hhea.ascent - hhea.descent for name, hhea in line_height.items()}
    assert heights["NotoSansArabicUI-Regular.ttf"] == heights["NotoSans-Regular.ttf"]
    assert heights["NotoSansArabic-Regular.ttf"] > 1.5 * heights["NotoSans-Regular.ttf"]  # why it is second choice
    # Without fonts-noto-ui-core, plain Noto Sans Arabic still draws Arabic.
    folder = _font_dir_with(tmp_path, "NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf")
    only_plain = Fonts(font_dirs=[folder], cache_dirs=[tmp_path], background=False)
    assert _name(only_plain.for_script("arabic").regular) == "NotoSansArabic-Regular.ttf"  # type: ignore[union-attr]


# -- keys, the command, the boundary --------------------------------------------------------
def test_a_changed_font_package_gives_new_names(tmp_path: Path) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    for name in ("NotoSansHebrew-Regular.ttf", "NotoSans-Regular.ttf"):
        shutil.copy2(NOTO / name, folder / name)
    recipe = fontbuild.RECIPES["hebrew-regular"]
    before = fontbuild.file_name(recipe, fontbuild.sources_of(recipe, [folder]))  # type: ignore[arg-type]
    assert before == fontbuild.file_name(recipe, fontbuild.sources_of(recipe, [folder]))  # type: ignore[arg-type]
    os.utime(folder / "NotoSans-Regular.ttf", ns=(0, 1_000_000_000))  # as an upgrade would
    after = fontbuild.file_name(recipe, fontbuild.sources_of(recipe, [folder]))  # type: ignore[arg-type]
    assert after != before
    assert after.startswith("NotoSansHebrewLatin-Regular-") and after.endswith(".ttf")


def test_kiosk_fonts_command(tmp_path: Path, built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built, cache)
    outdated = cache / "NotoSansCJKsc-Regular-000000000000.otf"
    outdated.write_bytes(b"an older build")
    (cache / "unrelated-file.txt").write_text("kept")
    assert kiosk_main(["fonts", "--dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert out.count("up to date") == len(fontbuild.RECIPES)
    assert outdated.exists()  # a running kiosk may still use an outdated font: only --prune removes it
    assert kiosk_main(["fonts", "--dir", str(cache), "--quiet", "--prune"]) == 0
    assert "removed the outdated" in capsys.readouterr().out
    assert not outdated.exists()
    assert (cache / "unrelated-file.txt").exists()
    assert len(list(cache.glob("NotoSans*"))) == len(fontbuild.RECIPES)


def test_where_fonts_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(fontbuild.ENV_CACHE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fontbuild.cache_dirs() == [tmp_path / "xdg/welcome-kiosk/fonts", fontbuild.SYSTEM_CACHE]
    expected = fontbuild.SYSTEM_CACHE if os.geteuid() == 0 else tmp_path / "xdg/welcome-kiosk/fonts"
    assert fontbuild.default_build_dir() == expected
    monkeypatch.setenv(fontbuild.ENV_CACHE, str(tmp_path / "mine"))
    assert fontbuild.cache_dirs() == [tmp_path / "mine"]
    assert fontbuild.default_build_dir() == tmp_path / "mine"


def test_choosing_fonts_imports_neither_kivy_nor_fonttools(tmp_path: Path) -> None:
    probe = (
        "import sys; from kiosk.fonts import Fonts, font_for; font_for('José'); "
        f"Fonts(cache_dirs=[{str(tmp_path)!r}], background=False).font_for('محمد 王'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'fontTools')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
