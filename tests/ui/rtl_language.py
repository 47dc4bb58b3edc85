"""A right-to-left language for tests, before any ships: Arabic, as a later issue would add it.

`use_test_arabic(folder)` writes a catalog folder holding languages.toml (en, es, ar) and an
Arabic catalog with a few dozen of the visitor's strings translated (the rest left empty, so
they show in English, as an incomplete catalog would), then points kiosk.language at it.
`restore()` points it back. Adding a language really is one line of languages.toml plus a
catalog: nothing else in the code is told about Arabic.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from kiosk import language

AR_LINE = 'ar = { name = "العربية", english = "Arabic", direction = "rtl", script = "arabic" }\n'

ARABIC = {
    "Back": "رجوع",
    "Next": "التالي",
    "Check in": "تسجيل الدخول",
    "Sign out": "تسجيل الخروج",
    "Welcome!": "أهلاً وسهلاً!",
    "Please check in here. It takes less than a minute.": "يُرجى تسجيل الدخول هنا. لا يستغرق ذلك أكثر من دقيقة.",
    "Hello, and thank you for visiting.": "مرحباً، وشكراً لزيارتك.",
    "Signing in helps the school know who is in the building, so everyone stays safe.":
        "يساعد تسجيل الدخول المدرسة على معرفة من في المبنى، ليبقى الجميع في أمان.",
    "Choose your language": "اختر لغتك",
    "What is your name?": "ما اسمك؟",
    "Step {n} of {total}": "الخطوة {n} من {total}",
    "First name": "الاسم الأول",
    "Last name": "اسم العائلة",
    "Please type your first name.": "يُرجى كتابة اسمك الأول.",
    "space": "مسافة",
    "Delete": "حذف",
    "Why are you here today?": "ما سبب زيارتك اليوم؟",
    "Meet a staff member": "مقابلة أحد الموظفين",
    "Pick up a student": "اصطحاب طالب",
    "Drop something off": "تسليم غرض",
    "Volunteer": "التطوع",
    "Whom are you here to see?": "من جئت لمقابلته؟",
    "Search by name, grade or room": "ابحث بالاسم أو الصف أو الغرفة",
    "Type a name, a grade or a room number.": "اكتب اسماً أو صفاً أو رقم غرفة.",
    "Skip": "تخطي",
    "Room {room}": "غرفة {room}",
    "Is this right?": "هل هذا صحيح؟",
    "Name": "الاسم",
    "Reason": "السبب",
    "Visiting": "لمقابلة",
    "I would like an interpreter": "أرغب في مترجم",
    "Change": "تعديل",
    "Welcome, {name}.": "أهلاً بك يا {name}.",
    "Please let the front desk know you are here.": "يُرجى إبلاغ مكتب الاستقبال بوصولك.",
    "Done": "تم",
    "Tap your name to sign out": "اضغط على اسمك لتسجيل الخروج",
    "since {time}": "منذ {time}",
    "Sign out {name}?": "تسجيل خروج {name}؟",
    "Yes, sign me out": "نعم، سجّل خروجي",
    "No, go back": "لا، رجوع",
    "Goodbye, {name}.": "مع السلامة يا {name}.",
    "Thank you for visiting. Have a good day!": "شكراً لزيارتك. طاب يومك!",
}  # fmt: skip


def _clear_caches() -> None:
    language.languages.cache_clear()
    language.translator.cache_clear()


def use_test_arabic(folder: Path) -> Path:
    """Write the catalog folder under `folder` and make kiosk.language read it. Returns the folder."""
    real = language.CATALOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    listed = (real / "languages.toml").read_text(encoding="utf-8")
    if not any(line.startswith("ar = ") for line in listed.splitlines()):  # Arabic ships now: its line is there
        listed += AR_LINE
    (folder / "languages.toml").write_text(listed, encoding="utf-8")
    for code in language.languages():
        if code != language.SOURCE_LANGUAGE:
            (folder / code / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
            shutil.copy(language.catalog_path(code), folder / code / "LC_MESSAGES" / f"{language.DOMAIN}.po")
    with open(real / f"{language.DOMAIN}.pot", "rb") as f:
        catalog = read_po(f, locale="ar")
    for message in catalog:
        if message.id and not message.pluralizable:
            message.string = ARABIC.get(message.id, "")
    (folder / "ar" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    with open(folder / "ar" / "LC_MESSAGES" / f"{language.DOMAIN}.po", "wb") as f:
        write_po(f, catalog)
    language.CATALOG_DIR = folder
    _clear_caches()
    return folder


def restore(real: Path) -> None:
    language.CATALOG_DIR = real
    _clear_caches()
