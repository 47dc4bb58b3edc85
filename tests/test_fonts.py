"""kiosk/fonts.py and kiosk/fontbuild.py: every name is drawn in a font that has its letters.

Real fonts throughout (Debian's fonts-noto-core and fonts-noto-cjk). The built fonts are made
once per session into a temporary folder (about 10 s for all ten); tests that break things
work on copies in their own folders.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont, features

from kiosk import fontbuild
from kiosk.cli import main as kiosk_main
from kiosk.fonts import Fonts, cjk_variant, font_for_script, font_for_text, is_mixed, script_of

NOTO = Path("/usr/share/fonts/truetype/noto")
CJK_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU = "/path/of/DejaVuSans.ttf"  # the caller's fallback for mixed text: only its name is compared


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
def test_debian_fonts_by_script() -> None:
    assert _name(font_for_text("José").regular) == "NotoSans-Regular.ttf"  # type: ignore[union-attr]
    assert _name(font_for_text("José").bold) == "NotoSans-Bold.ttf"  # type: ignore[union-attr]
    assert _name(font_for_text("محمد الأحمد").bold) == "NotoSansArabicUI-Bold.ttf"  # type: ignore[union-attr]
    assert _name(font_for_text("王小明").regular) == "NotoSansCJK-Regular.ttc"  # type: ignore[union-attr]
    assert font_for_script("KLINGON") == font_for_script("LATIN")  # a script without a font: Noto Sans


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


@pytest.mark.skipif(not features.check("raqm"), reason="Pillow without raqm")
def test_raqm_shapes_the_merged_font_with_each_fonts_own_glyphs(fonts: Fonts) -> None:
    """Through Pillow and raqm, as Kivy draws (the screenshots in the report show the same)."""
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


def test_a_missing_font_is_built_in_the_background_and_then_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fonts = Fonts(cache_dirs=[cache], background=True)
    first = fonts.font_for("김민준")
    assert _name(first) == "NotoSansCJK-Regular.ttc"  # at once, while it is built
    fonts.wait(timeout=120)
    assert _stem(fonts.font_for("김민준")) == "NotoSansCJKkr-Regular"
    assert fontbuild.check_file(Path(fonts.font_for("김민준"))) is None  # type: ignore[arg-type]
    assert not list(cache.glob(".*.tmp"))  # the temporary file was renamed, not left behind


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


def test_a_damaged_font_in_a_folder_it_cannot_write_is_ignored(tmp_path: Path, built: Path) -> None:
    system = tmp_path / "system"
    shutil.copytree(built, system)
    kr = next(system.glob("NotoSansCJKkr-Regular-*.otf"))
    kr.write_bytes(b"junk")
    system.chmod(0o555)
    try:
        fonts = Fonts(cache_dirs=[tmp_path / "user", system], background=False)
        assert _name(fonts.font_for("김민준")) == "NotoSansCJK-Regular.ttc"
        assert kr.exists() or os.geteuid() == 0  # root may write there, and removes it
    finally:
        system.chmod(0o755)


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
