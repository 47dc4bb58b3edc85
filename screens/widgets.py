"""Widgets every screen uses: buttons, the header, fields and the on-screen keyboard."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.textinput import TextInput

from kiosk.text import MAX_FIELD_LENGTH
from screens.base import load_kv


class KLabel(Label):
    """Text in the font of its own script, aligned to the reading direction."""

    bold = BooleanProperty(False)


class KButton(ButtonBehavior, Label):
    bold = BooleanProperty(True)
    kind = OptionProperty("primary", options=["primary", "secondary", "quiet", "danger", "choice", "key"])
    selected = BooleanProperty(False)


class MirrorBox(BoxLayout):
    """A horizontal row that reverses its children for right-to-left languages."""

    rtl = BooleanProperty(False)

    def on_rtl(self, *_args: object) -> None:
        self.children.reverse()
        self._trigger_layout()


class Overlay(FloatLayout):
    """A modal layer: while shown it takes every touch; while hidden it lets every touch through.

    (A hidden widget that is merely disabled would still swallow touches on what lies below.)
    """

    shown = BooleanProperty(False)

    def on_touch_down(self, touch) -> bool:  # type: ignore[no-untyped-def]
        if not self.shown:
            return False
        super().on_touch_down(touch)
        return True

    def on_touch_up(self, touch) -> bool:  # type: ignore[no-untyped-def]
        return super().on_touch_up(touch) if self.shown else False


class Header(BoxLayout):
    title = StringProperty("")
    step = StringProperty("")
    show_back = BooleanProperty(True)
    back_action = ObjectProperty(None, allownone=True)


class LanguagePicker(ModalView):
    """All offered languages, each in its own name; a tap switches the whole screen."""


class NameField(TextInput):
    """One line of text, never longer than MAX_FIELD_LENGTH (a huge paste is cut, not rendered)."""

    def insert_text(self, substring: str, from_undo: bool = False) -> None:
        room = MAX_FIELD_LENGTH - len(self.text)
        if room <= 0:
            return
        super().insert_text(substring.replace("\n", " ")[:room], from_undo=from_undo)


KEY_ROWS = {
    "letters": ("qwertyuiop", "asdfghjkl", "zxcvbnm'-"),
    # Common accented letters, and the five Vietnamese tone marks as combining keys:
    # "e", "ê", then "◌̃" gives "ễ"; names are NFC-normalised when stored.
    "accents": ("áàâäãåæçđ", "éèêëíìîïñ", "óòôöõøœơư", "úùûüýÿßăı", "\u0300\u0301\u0303\u0309\u0323"),
    # Staff typing a server address and an enrollment code: no accents, no capitals needed.
    "address": ("1234567890", "qwertyuiop", "asdfghjkl:", "zxcvbnm-./"),
}
EXTRA_KEYS = {"es": "ñ"}  # a letter a language needs on its first layer
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


class Key(KButton):
    key = StringProperty("")


class OnScreenKeyboard(BoxLayout):
    """Keys that type into `target`; a hardware keyboard works alongside it."""

    target = ObjectProperty(None, allownone=True)
    layer = OptionProperty("letters", options=list(KEY_ROWS))
    shift = BooleanProperty(True)
    auto_capitalize = BooleanProperty(True)  # for names; off for searching

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        Clock.schedule_once(lambda _dt: self.rebuild())
        App.get_running_app().bind(tr=lambda *_a: self.rebuild())

    def on_layer(self, *_args: object) -> None:
        self.rebuild()

    def on_target(self, _instance: object, target: TextInput | None) -> None:
        if target is not None:
            target.bind(text=lambda *_a: self.update_shift())
        self.update_shift()

    def update_shift(self) -> None:
        """Capitalise the first letter of each part of a name; the visitor can still override."""
        text = self.target.text if self.target is not None else ""
        self.shift = self.auto_capitalize and (not text or text[-1] in " -'’")

    def on_shift(self, *_args: object) -> None:
        for row in self.children:
            for key in row.children:
                if len(key.key) == 1:
                    key.text = self.label_for(key.key)

    def label_for(self, key: str) -> str:
        if key in TONE_MARKS:
            return "\u25cc" + key  # shown on a dotted circle, as keyboards draw combining marks
        return key.upper() if self.shift else key

    def rebuild(self) -> None:
        rows = list(KEY_ROWS[self.layer])
        if self.layer == "letters":
            rows[1] += EXTRA_KEYS.get(App.get_running_app().language, "")
        self.clear_widgets()
        for keys in rows:
            row = BoxLayout(spacing=self.spacing)
            for key in keys:
                row.add_widget(Key(key=key, text=self.label_for(key), kind="key", on_release=self._tap))
            self.add_widget(row)
        last = BoxLayout(spacing=self.spacing)
        tr = App.get_running_app().tr
        last.add_widget(Key(key="shift", text="Aa", kind="key", size_hint_x=1.2, on_release=self._tap))
        if self.layer != "address":
            other = "accents" if self.layer == "letters" else "letters"
            last.add_widget(Key(key="layer", text="àé" if other == "accents" else "abc", kind="key", size_hint_x=1.5,
                                on_release=lambda *_a: setattr(self, "layer", other)))  # fmt: skip
        last.add_widget(Key(key="space", text=tr("space"), kind="key", size_hint_x=4.3, on_release=self._tap))
        last.add_widget(Key(key="backspace", text=tr("Delete"), kind="key", size_hint_x=2, on_release=self._tap))
        self.add_widget(last)

    def _tap(self, key: Key) -> None:
        self.press(key.key)

    def press(self, key: str) -> None:
        if self.target is None:
            return
        if key == "shift":
            self.shift = not self.shift
            return
        if key == "backspace":
            self.target.do_backspace()
        elif key == "space":
            self.target.insert_text(" ")
        else:
            self.target.insert_text(key.upper() if self.shift and key not in TONE_MARKS else key)


load_kv(__file__)
Builder.sync()
