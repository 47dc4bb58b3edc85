"""kiosk/text.py: names are kept exactly as people type them; what is not a name is refused."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.text import MAX_NAME_LENGTH, NameProblem, clean_label, clean_name, fold, short_name, strip_invisible

# --- real names are accepted and stored exactly as typed ------------------------------------

REAL_NAMES = [
    "José Núñez-O'Brien",
    "Nguyễn Thị Minh Khai",
    "محمد الأحمد",
    "王小明",
    "Zoë D'Angelo",
    "Siobhán Ní Bhriain",
    "Björk Guðmundsdóttir",
    "Kuʻuipo Kamakaʻeha",  # Hawaiian ʻokina (a modifier letter)
    "Αλέξανδρος",
    "김민준",
    "ジョン・スミス",  # katakana middle dot between the parts of a foreign name
    "प्रिया शर्मा",  # Devanagari: viramas and vowel signs are combining marks
    "สมชาย ใจดี",
    "Mary-Kate St. John, Jr.",
    "Adébáyọ̀ Ọ̀ṣun",  # Yoruba: a grave accent on a letter with a dot below
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_are_stored_exactly_as_typed(name: str) -> None:
    assert clean_name(name) == name


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Jose\u0301", "Jos\u00e9"),  # e + combining acute -> é
        ("Nguye\u0302\u0303n", "Nguy\u1ec5n"),  # e + circumflex + tilde -> ễ
        ("Zoe\u0308", "Zo\u00eb"),
    ],
)
def test_decomposed_input_is_stored_nfc(typed: str, stored: str) -> None:
    result = clean_name(typed)
    assert result == stored
    assert unicodedata.is_normalized("NFC", result)


def test_white_space_is_folded_and_trimmed() -> None:
    assert clean_name("  Maria \t  José\n") == "Maria José"


def test_persian_name_keeps_its_zero_width_non_joiner() -> None:
    # Nazanin-Zahra: the ZWNJ stops the two parts joining; without it the name is misspelt.
    name = "نازنین\u200cزهرا"
    assert clean_name(name) == name


def test_zero_width_non_joiner_between_latin_letters_is_removed() -> None:
    assert clean_name("Ann\u200ca") == "Anna"


def test_strip_invisible_keeps_joiner_only_between_non_latin_letters() -> None:
    assert strip_invisible("نازنین\u200cزهرا") == "نازنین\u200cزهرا"
    assert strip_invisible("Ann\u200ca") == "Anna"
    assert strip_invisible("\u200cAnna\u200d") == "Anna"


# --- invisible characters are removed, the name is accepted ---------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ma\u200bria", "Maria"),  # zero-width space inside
        ("\ufeffMaria", "Maria"),  # byte-order mark
        ("\u202eMaria", "Maria"),  # right-to-left override
        ("\u2066Maria\u2069", "Maria"),  # left-to-right isolate ... pop isolate
        ("Ma\u00adria", "Maria"),  # soft hyphen
        ("Ann\x00a", "Anna"),  # NUL
        ("Ann\x07a", "Anna"),  # bell
        ("\x1bAnna", "Anna"),  # escape
        ("Maria\x0bJosé", "Maria José"),  # vertical tab separates words
        ("Mari\ufe0fa", "Maria"),  # variation selector
    ],
)
def test_invisible_characters_are_removed(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored


# --- hostile or accidental input is refused with a reason -----------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", NameProblem.EMPTY),
        ("   ", NameProblem.EMPTY),
        ("\t\n\u3000", NameProblem.EMPTY),
        ("\u200b\u202e", NameProblem.EMPTY),
        ("-", NameProblem.EMPTY),
        ("...", NameProblem.EMPTY),
        ("'-.,", NameProblem.EMPTY),
        ("A" * (MAX_NAME_LENGTH + 1), NameProblem.TOO_LONG),
        ("Lorem ipsum " * 834, NameProblem.TOO_LONG),  # a 10,000-character paste
        ("a" * 10_000, NameProblem.TOO_LONG),
        ("Anna 😀", NameProblem.CHARACTERS),
        ("😀Anna", NameProblem.CHARACTERS),
        ("Anna ❤️", NameProblem.CHARACTERS),
        ("Anna2", NameProblem.CHARACTERS),
        ("R2-D2", NameProblem.CHARACTERS),
        ("asdf;lkj[]", NameProblem.CHARACTERS),
        ("Anna <script>", NameProblem.CHARACTERS),
        ("Robert'); DROP TABLE visit;--", NameProblem.CHARACTERS),
        ("\x1b[31mAnna", NameProblem.CHARACTERS),
        ("Anna@example.com", NameProblem.CHARACTERS),
        ("".join(c + "\u0336\u0337\u0338\u0334\u0335\u0321\u0322" for c in "Zalgo"), NameProblem.CHARACTERS),
        ("Z" + "\u0300\u0301\u0302\u0303\u0304" + "oe", NameProblem.CHARACTERS),  # 5 marks on one letter
    ],
)
def test_hostile_input_is_refused_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(NameProblem) as caught:
        clean_name(typed)
    assert caught.value.code == code


@pytest.mark.parametrize("typed", ["😀", "👍🏽", "🇺🇸", "👨\u200d👩\u200d👧"])
def test_emoji_alone_is_refused_as_characters_not_as_empty(typed: str) -> None:
    # The visitor typed something: "please type your name" would be the wrong thing to say.
    with pytest.raises(NameProblem) as caught:
        clean_name(typed)
    assert caught.value.code == NameProblem.CHARACTERS


@pytest.mark.parametrize("typed", ["12345", "0"])
def test_digits_alone_are_refused_as_characters_not_as_empty(typed: str) -> None:
    with pytest.raises(NameProblem) as caught:
        clean_name(typed)
    assert caught.value.code == NameProblem.CHARACTERS


def test_a_name_of_exactly_the_limit_is_accepted() -> None:
    name = "A" * MAX_NAME_LENGTH
    assert clean_name(name) == name


def test_invisible_characters_do_not_count_towards_the_limit() -> None:
    name = "A" * MAX_NAME_LENGTH
    assert clean_name("\u200b".join(name)) == name


def test_problem_names_its_field() -> None:
    with pytest.raises(NameProblem) as caught:
        clean_name("", field="last_name")
    assert caught.value.field == "last_name"
    assert "last_name" in str(caught.value)


# --- fold: what search compares -------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("García", "garcia"),
        ("GARCÍA", "garcia"),
        ("STRASSE", "Straße"),
        ("Zoë", "zoe"),
        ("Núñez", "nunez"),
        ("Jose\u0301", "José"),
    ],
)
def test_fold_matches_case_and_accent_variants(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize(("a", "b"), [("García", "garza"), ("Ana", "Anna"), ("王", "玉")])
def test_fold_keeps_different_names_different(a: str, b: str) -> None:
    assert fold(a) != fold(b)


# --- short_name: what a shared screen shows -------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Maria", "García", "Maria G."),
        ("Zoë", "D'Angelo", "Zoë D."),
        ("José", "Núñez-O'Brien", "José N."),
        ("Maria", "  garcía", "Maria g."),
        ("Maria", "", "Maria"),
        ("Maria", "   ", "Maria"),
        ("小明", "王", "小明 王."),
    ],
)
def test_short_name_shows_first_name_and_last_initial(first: str, last: str, shown: str) -> None:
    assert short_name(first, last) == shown


# --- cleaning is idempotent: the server, cleaning again, gets what the kiosk stored ----------

# Every trigger the fuzzing found: an invisible, control, soft-hyphen, variation-selector
# or bidi character between a letter and a combining mark, and Hangul jamo split by a ZWSP.
SPLIT_BY_INVISIBLE = [
    ("Jose\u200b\u0301", "Jos\u00e9"),
    ("e\u200b\u0301", "\u00e9"),
    ("Jose\u2060\u0301", "Jos\u00e9"),
    ("Jose\u00ad\u0301", "Jos\u00e9"),
    ("Jose\x7f\u0301", "Jos\u00e9"),
    ("Jose\ufe0f\u0301", "Jos\u00e9"),
    ("Jose\u202e\u0301", "Jos\u00e9"),
    ("\u1100\u200b\u1161", "\uac00"),  # ᄀ ZWSP ᅡ: the syllable 가
]


@pytest.mark.parametrize(("typed", "stored"), SPLIT_BY_INVISIBLE)
def test_an_invisible_between_a_letter_and_its_mark_is_removed_before_composing(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored
    assert clean_name(clean_name(typed)) == stored


@pytest.mark.parametrize("filler", ["\u3164", "\u115f", "\u1160", "\uffa0"])
def test_hangul_fillers_are_invisible_not_letters(filler: str) -> None:
    assert clean_name(f"Maria{filler}") == "Maria"
    with pytest.raises(NameProblem) as caught:
        clean_name(filler * 3)
    assert caught.value.code == NameProblem.EMPTY


def test_a_joiner_after_an_indic_virama_is_kept() -> None:
    # Devanagari: KA, VIRAMA, ZWJ, SSA keeps the half form of KA; the joiner is part of the spelling.
    name = "\u0915\u094d\u200d\u0937"
    assert clean_name(name) == name


def test_clean_label_is_for_names_that_are_not_a_persons() -> None:
    assert clean_label("  P.S. 123\u200b  Annex ", 100) == "P.S. 123 Annex"
    for raw, code in (("\u200b\u3164", NameProblem.EMPTY), ("x" * 101, NameProblem.TOO_LONG)):
        with pytest.raises(NameProblem) as caught:
            clean_label(raw, 100, "campus")
        assert (caught.value.code, caught.value.field) == (code, "campus")
