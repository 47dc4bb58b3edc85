"""kiosk/keyboards.py and i18n/keyboards/: every layout is valid data, and every language's screen has keys
for the letters its names are written with."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk import keyboards
from kiosk.hangul import INITIALS, VOWELS
from kiosk.language import languages

# Letters an alphabet adds to the one it grew from: a layer that lacks them cannot type its people's names.
OWN_LETTERS = {
    "ru": "ёыэъ", "uk": "іїєґ’", "fa-AF": "پچژگیک", "ps": "ټډړښځڅڼږګېۍ", "ur": "ٹڈڑںےہھپچژگیک",
    "ar": "ضصثقفغعهخحجدشسيبلاتنمكطذئءؤرىةوزظأإآ", "ne": "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहािीुूेैोौृ्ंँः",
    "my": "ကခဂဃငစဆဇဈညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအျြွှါာိီုူေဲ်ံ့း",
    "ja": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんゃゅょっ゛゜",
    "ko": "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎㄲㄸㅃㅆㅉㅏㅑㅓㅕㅗㅛㅜㅠㅡㅣㅐㅒㅔㅖ",
    "es": "ñáéíóúü", "vi": "ăâđêôơư\u0300\u0301\u0303\u0309\u0323", "pt-BR": "ãõçáâêéíóôú", "fr": "éèêëàâçîïôœùûüÿ",
    "ht": "èòà", "fil": "ñ",
}  # fmt: skip
# Typed through Latin letters: pinyin for Chinese (issue 13 asks for a candidate row; see docs/languages.md).
LATIN_TYPED = {"zh-Hans", "zh-Hant"}


def reachable(code: str) -> set[str]:
    """Every key a visitor on `code`'s screen can reach: its layers, their Shift, and the shared ones."""
    names = {keyboards.first_layout(code), keyboards.letters_for(code), keyboards.accents_for(code),
             *keyboards.script_keys(code)}  # fmt: skip
    found: set[str] = set()
    for name in names:
        layout = keyboards.layout(name)
        for row in layout.rows + layout.shifted:
            found.update(row)
            if not layout.caseless:
                found.update(k.upper() for k in row)
    return found


@pytest.mark.parametrize("name", keyboards.all_layouts())
def test_every_layout_is_valid(name: str) -> None:
    layout = keyboards.layout(name)
    assert 0 < len(layout.label) <= 4
    keys = [k for row in layout.rows for k in row]
    assert len(keys) == len(set(keys)), "a key twice"
    assert all(unicodedata.is_normalized("NFC", k) for k in keys)


@pytest.mark.parametrize("code", list(languages()))
def test_each_language_s_screen_has_the_letters_its_names_need(code: str) -> None:
    script = languages()[code].script
    if script not in ("latin", "cjk") or code in ("ko", "ja"):
        assert keyboards.own_layout(code), f"{code}: a {script} language needs a layout of its own"
    elif code in LATIN_TYPED:
        assert keyboards.first_layout(code) == "letters"
    missing = set(OWN_LETTERS.get(code, "")) - reachable(code)
    assert not missing, f"{code}: no key for {''.join(sorted(missing))}"
    assert set("abcdefghijklmnopqrstuvwxyz'-") <= reachable(code), "Latin letters are always one tap away"


@pytest.mark.parametrize("code", [c for c in languages() if c not in ("ja", "zh-Hans", "zh-Hant")])
def test_each_language_s_own_name_can_be_typed_on_its_screen(code: str) -> None:
    """"Español", "Українська", "नेपाली", "မြန်မာ", "한국어" (as jamo): letters and marks all on keys."""
    name = languages()[code].name
    if code == "ko":
        jamo = unicodedata.normalize("NFD", name)
        name = "".join(_compatibility(j) for j in jamo)
    keys = reachable(code)
    marks = [k for k in keys if len(k) == 1 and unicodedata.category(k) == "Mn"]
    # A letter is a key, or a key and a mark key after it (Vietnamese ệ: ê, then the dot below).
    typed = keys | {unicodedata.normalize("NFC", k + m) for k in keys for m in marks}
    missing = {ch for ch in name if not ch.isspace() and ch not in "()"} - typed
    assert not missing, f"{code}: {''.join(sorted(missing))}"


def _compatibility(jamo: str) -> str:
    """A conjoining jamo (U+1100...) as the compatibility jamo a keyboard shows (ㄱ, ㅏ)."""
    n = ord(jamo)
    if 0x1100 <= n <= 0x1112:
        return INITIALS[n - 0x1100]
    if 0x1161 <= n <= 0x1175:
        return VOWELS[n - 0x1161]
    finals = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
    return finals[n - 0x11A7]


def test_a_language_s_accents_come_first_and_every_other_after() -> None:
    layout = keyboards.layout("accents-vi")
    keys = [k for row in layout.rows for k in row]
    assert keys[:3] == ["ă", "â", "đ"] and "ß" in keys and "ë" in keys


@pytest.mark.parametrize(("before", "mark", "after"), [
    ("か", "゛", "が"), ("は", "゜", "ぱ"), ("ハ", "゛", "バ"), ("う", "゛", "ゔ"), ("あ", "゛", "あ"), ("a", "゜", "a"),
])  # fmt: skip
def test_dakuten_and_handakuten_voice_the_kana_before_them(before: str, mark: str, after: str) -> None:
    assert keyboards.with_mark(before, mark) == after
