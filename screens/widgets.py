"""Widgets every screen uses: buttons, the header, fields and the on-screen keyboard."""

from __future__ import annotations

import unicodedata

from kivy.app import App
from kivy.clock import Clock, triggered
from kivy.lang import Builder
from kivy.properties import (
    AliasProperty,
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.textinput import TextInput

from kiosk import hangul, keyboards
from kiosk.text import MAX_FIELD_LENGTH
from screens.base import load_kv
from screens.bidi import direction_of
from screens.fit import broken_words, dropped_text

MIN_FIT_SCALE = 0.6  # text shrinks to fit down to this share of its size, no further


class FitLabel(Label):
    """A label whose text gets smaller when it cannot fit, instead of a word split in the middle
    ("Actuali/zar"), lines dropped past a fixed height, or text drawn past its box.

    The size a .kv rule gives (`font_size`) stays what it is; `fit_scale` multiplies it where Kivy
    hands the size to the text renderer, so a rule that sets font_size again (a change of screen
    size) does not undo the fit, and the fit starts again from full size whenever text or width change.
    """

    fit_scale = NumericProperty(1.0)
    # Whether the height a layout gives is a limit the text must fit in. Not for a button whose row
    # takes its height from the buttons' own text (EvenRow, EvenGrid): fitting it to that height would
    # change the height it is fitted to, and so on for ever.
    fit_height = BooleanProperty(True)

    def __init__(self, **kwargs: object) -> None:
        self._fit_trigger = Clock.create_trigger(self._fit, -1)
        super().__init__(**kwargs)
        self.fbind("texture_size", self._fit_trigger)
        for name in ("text", "width", "font_size", "font_name"):
            self.fbind(name, self._refit)
        self.fbind("height", self._refit_fixed_height)

    def _refit_fixed_height(self, *_args: object) -> None:
        """A box whose height the layout gives (not its text) fits again, from full size, at its new height."""
        if self.size_hint_y is not None and self.fit_height:
            self._refit()
        else:
            self._fit_trigger()

    def _trigger_texture_update(self, name=None, source=None, value=None):  # type: ignore[no-untyped-def]
        if name == "font_size" and source:
            value = value * self.fit_scale
        super()._trigger_texture_update(name, source, value)

    def on_fit_scale(self, *_args: object) -> None:
        self._trigger_texture_update("font_size", self, self.font_size)

    def _refit(self, *_args: object) -> None:
        self.fit_scale = 1.0
        self._fit_trigger()

    @property
    def overflows(self) -> bool:
        """Whether the text as laid out now breaks a word, drops text, or is taller than a fixed box."""
        if not self.text or self.text_size[0] is None:
            return False
        lines = self._label._cached_lines
        too_tall = self.size_hint_y is not None and self.fit_height and self.texture_size[1] > self.height + 1
        return bool(broken_words(self.text, lines)) or dropped_text(self.text, lines) or too_tall

    def _fit(self, *_args: object) -> None:
        if self.fit_scale <= MIN_FIT_SCALE or not self.overflows:
            return
        # Lay the text out again for the width of now before shrinking it: lines laid out for an earlier,
        # narrower width (before the layout gave this one) shrank text that fits. Only then: a render
        # for every label on every change made the staff search's keystrokes slow.
        self.texture_update()
        if not self.overflows:
            return
        step = 0.9
        if self.size_hint_y is not None and self.fit_height and self.texture_size[1] > self.height > 0:
            step = min(step, self.height / self.texture_size[1])  # too tall: most of the way in one step
        self.fit_scale = max(MIN_FIT_SCALE, round(self.fit_scale * step, 3))


class KLabel(FitLabel):
    """Text in the font of its own script, aligned to the reading direction (or centred)."""

    bold = BooleanProperty(False)
    centered = BooleanProperty(False)


class KButton(ButtonBehavior, FitLabel):
    bold = BooleanProperty(True)
    kind = OptionProperty("primary", options=["primary", "secondary", "quiet", "danger", "choice", "key"])
    selected = BooleanProperty(False)


class CheckButton(KButton):
    """A choice that is on or off, with a box drawn at the side where reading starts."""

    box = NumericProperty(0)  # the box's side, and its corner
    box_x = NumericProperty(0)
    box_y = NumericProperty(0)


class MirrorBox(BoxLayout):
    """A row that runs right to left for right-to-left languages: its children in the other order.

    Children are listed in .kv and added in reading order, as in any BoxLayout. The box remembers
    whether its children are reversed, so the order is right however `rtl` changes (on to off to on)
    and whenever children come (a box made while `rtl` is already on gets its children afterwards).
    A vertical box is never reversed: reading direction runs across, not down.
    """

    rtl = BooleanProperty(False)
    mirrored = BooleanProperty(False)  # read-only: whether the children are in right-to-left order now

    def on_rtl(self, *_args: object) -> None:
        self._mirror()

    def on_orientation(self, *_args: object) -> None:
        self._mirror()

    def _mirror(self) -> None:
        wanted = self.rtl and self.orientation == "horizontal"
        if wanted != self.mirrored:
            self.children.reverse()
            self.mirrored = wanted
            self._trigger_layout()

    def add_widget(self, widget, index: int = 0, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """`index` counts in reading order, as for any box; while mirrored it counts from the other end."""
        if self.mirrored:
            index = len(self.children) - index
        super().add_widget(widget, index, *args, **kwargs)


class _Even:
    """Buttons that share a height, as tall as the tallest one's text needs: a label that wraps
    makes its whole row taller instead of one button sticking out (tops aligned, bottoms aligned)."""

    min_height = NumericProperty(0)
    text_padding = NumericProperty(0)  # above and below the text, inside each button

    def __init__(self, **kwargs: object) -> None:
        self._even_trigger = Clock.create_trigger(lambda _dt: self.even(), -1)  # before kv adds children
        super().__init__(**kwargs)  # type: ignore[call-arg]

    def add_widget(self, widget, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        widget.size_hint_y = 1  # the row's height, not the button's own
        if hasattr(widget, "fit_height"):
            widget.fit_height = False  # the row is as tall as this text needs
        super().add_widget(widget, *args, **kwargs)  # type: ignore[misc]
        widget.fbind(self._size_source(widget), self._even_trigger)
        self._even_trigger()

    @staticmethod
    def _size_source(widget) -> str:  # type: ignore[no-untyped-def]
        """A button's text, or what a composite button says it needs (`natural_height`)."""
        return "natural_height" if hasattr(widget, "natural_height") else "texture_size"

    def remove_widget(self, widget, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        widget.funbind(self._size_source(widget), self._even_trigger)
        super().remove_widget(widget, *args, **kwargs)  # type: ignore[misc]
        self._even_trigger()

    def on_min_height(self, *_args: object) -> None:
        self._even_trigger()

    def on_text_padding(self, *_args: object) -> None:
        self._even_trigger()

    def row_height(self) -> float:
        for child in self.children:
            child.size_hint_y = 1  # again here: a child's own kv rule may set it after it was added
        heights = [child.natural_height if hasattr(child, "natural_height") else child.texture_size[1] + 2 * self.text_padding
                   for child in self.children]  # fmt: skip
        return max([self.min_height, *heights])

    def even(self) -> None:
        raise NotImplementedError


class EvenRow(_Even, MirrorBox):
    """A row of buttons of one height (its children fill it)."""

    def even(self) -> None:
        self.height = self.row_height() + self.padding[1] + self.padding[3]


class EvenGrid(_Even, GridLayout):
    """A grid of buttons of one height, its first cell where reading starts."""

    def even(self) -> None:
        self.row_force_default = True
        self.row_default_height = self.row_height()


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
    """All offered languages, each in its own name; a tap switches the whole screen. Laid out to show
    every one of them without scrolling: two columns for a few, up to four for twenty-two."""

    count = NumericProperty(0)


class MoreLanguagesButton(KButton):
    """"More languages" on the welcome screen, after a globe: the sign a visitor who cannot read the
    screen's language still reads as "language"."""

    icon = NumericProperty(0)  # the globe's size
    icon_x = NumericProperty(0)  # its centre


class IdleWarning(ModalView):
    """"Are you still there?" with a countdown: any touch keeps the visitor's screen, silence ends it."""

    seconds = NumericProperty(10)
    left = NumericProperty(10)

    __events__ = ("on_timeout",)

    def on_open(self) -> None:
        self.left = self.seconds
        self._tick = Clock.schedule_interval(self._count, 1)

    def on_dismiss(self) -> None:
        self._tick.cancel()

    def _count(self, _dt: float) -> None:
        self.left -= 1
        if self.left <= 0:
            self._tick.cancel()
            self.dispatch("on_timeout")

    def on_timeout(self) -> None:
        """Nobody answered: the app starts over for the next visitor."""


class NameField(TextInput):
    """One line of text, never longer than MAX_FIELD_LENGTH (a huge paste is cut, not rendered).

    Its base direction follows what it holds (the first letter with a direction, as HTML's
    dir="auto"), else the language on screen: "محمد" runs right to left from the right edge
    even on an English screen, and "José" left to right on an Arabic one.

    Right-to-left text: Pillow draws the line correctly, but Kivy's TextInput places the cursor,
    maps a tap to a position and scrolls a long line as if every line ran left to right, so the
    cursor of "محمد" stood on its right, at the start of the name, while typing went on at its
    left. Here those three are mirrored for a right-to-left field. That is exact for text in one
    direction, the usual name; inside a right-to-left line that mixes in Latin, the cursor is only
    near the right place (placing it exactly would need the bidi algorithm's visual order).
    """

    clear_size = NumericProperty(0)  # the clear (×) button's side, at the end where the text stops
    clear_shown = BooleanProperty(False)

    __events__ = ("on_refused",)

    @staticmethod
    def direction_for(text: str, rtl: bool) -> str:
        return direction_of(text) or ("rtl" if rtl else "ltr")

    def insert_text(self, substring: str, from_undo: bool = False) -> None:
        room = MAX_FIELD_LENGTH - len(self.text)
        if room <= 0:
            return
        drawable = "".join(c for c in substring if not undrawable(c))
        super().insert_text(drawable.replace("\n", " ")[:room], from_undo=from_undo)
        if drawable != substring:
            self.dispatch("on_refused")  # an emoji would show as an empty box before Next refused it

    def on_refused(self) -> None:
        """Something typed was not put in the field (a screen may say why)."""

    def on_text(self, *_args: object) -> None:
        self.clear_shown = bool(self.text)
        if not self.text or (not self._runs_rtl and self._get_row_width(0) <= self.width - self.padding[0] - self.padding[2]):
            self.scroll_x = 0  # text set from outside (a reset, a draft) never keeps an old long line's scroll

    def on_touch_down(self, touch) -> bool:  # type: ignore[no-untyped-def]
        if self.clear_shown and self.collide_point(*touch.pos) and self._in_clear_button(touch.x):
            self.text = ""
            self.focus = True
            return True
        return super().on_touch_down(touch)

    def _in_clear_button(self, x: float) -> bool:
        # The whole padding at the field's end, where no text runs: more than the drawn disc, easy to hit.
        if self.base_direction == "rtl":
            return x <= self.x + self.padding[0]
        return x >= self.right - self.padding[2]

    def forget(self) -> None:
        """The next visitor's field: empty, not focused, scrolled to its start."""
        self.focus = False
        self.text = ""
        self.cursor = (0, 0)
        self.scroll_x = 0

    @property
    def _runs_rtl(self) -> bool:
        return self.base_direction == "rtl" and not self.multiline

    def _line_geometry(self, row: int) -> tuple[float, float, float]:
        """Where row's text starts on screen (before scrolling), its width and the viewport's width."""
        padding_left, _top, padding_right, _bottom = self.padding
        viewport = self.width - padding_left - padding_right
        width = self._get_row_width(row)
        return self.x + padding_left + max(0, viewport - width), width, viewport

    def _get_cursor_pos(self):  # type: ignore[no-untyped-def]
        x, y = TextInput._get_cursor_pos(self)
        if self._runs_rtl:
            start, width, _viewport = self._line_geometry(self.cursor_row)
            x = start + width - self.cursor_offset() - self.scroll_x  # the offset counts from the right edge
        return x, y

    cursor_pos = AliasProperty(_get_cursor_pos, None, cache=False, bind=(
        "cursor", "padding", "pos", "size", "focus", "scroll_x", "scroll_y", "line_height", "line_spacing",
        "base_direction"))  # fmt: skip

    def get_cursor_from_xy(self, x: float, y: float) -> tuple[int, int]:
        col, row = super().get_cursor_from_xy(x, y)
        if not self._runs_rtl or row >= len(self._lines):
            return col, row
        line = self._lines[row]
        start, width, _viewport = self._line_geometry(row)
        from_right = start + width - self.scroll_x - x

        def text_width(text: str) -> float:
            return self._get_text_width(text, self.tab_width, self._label_cached)

        # The last position whose text (from the right edge) ends before the tap: a bisection, so a
        # 200-letter line costs eight measurements, not two hundred.
        low, high = 0, len(line)
        while low < high:
            middle = (low + high + 1) // 2
            if text_width(line[:middle]) <= from_right:
                low = middle
            else:
                high = middle - 1
        if low < len(line) and from_right - text_width(line[:low]) > text_width(line[low]) * 0.6:
            low += 1  # nearer the far side of the letter tapped
        return low, row

    def _adjust_viewport_rtl(self, col: int, row: int) -> None:
        if not self._runs_rtl:
            TextInput._adjust_viewport.__wrapped__(self, col, row)
            return
        _start, width, viewport = self._line_geometry(self.cursor_row)
        seen = width - self.cursor_offset()  # the cursor's distance from the line's left end, as drawn
        scroll = self.scroll_x
        if seen - scroll >= viewport:
            scroll = seen - viewport
        elif seen < scroll + 1:
            scroll = seen
        self.scroll_x = max(0, min(scroll, width - viewport))

    _adjust_viewport = triggered(timeout=-1)(_adjust_viewport_rtl)


ACCENTS_LABEL = "àé"


def undrawable(char: str) -> bool:
    """Emoji and other pictographs: no kiosk font draws them (an empty box), and no name has them."""
    return unicodedata.category(char) in ("So", "Cs", "Co") or "\U0001f000" <= char <= "\U0001faff"


class Key(KButton):
    key = StringProperty("")


class OnScreenKeyboard(BoxLayout):
    """Keys that type into `target`; a hardware keyboard works alongside it. Its layers are data
    (kiosk.keyboards): the screen language's own script first, Latin letters and accents a tap away."""

    target = ObjectProperty(None, allownone=True)
    layer = StringProperty("letters")  # a layout's name: "letters", "accents-vi", "ru", "ko", "address"...
    shift = BooleanProperty(True)
    auto_capitalize = BooleanProperty(True)  # for names; off for searching
    digits = BooleanProperty(False)  # a "123" key, for a field that takes digits
    fixed = BooleanProperty(False)  # one layer only (staff typing a server address)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        Clock.schedule_once(lambda _dt: self.forget() if not self.fixed else self.rebuild())
        # On `language`, not `tr`: the app sets `tr` first, so the layer a language opens on and the
        # labels of Space and Delete are both the new language's the moment `language` changes.
        App.get_running_app().bind(language=lambda *_a: self.forget() if not self.fixed else self.rebuild())

    @property
    def layout(self) -> keyboards.Layout:
        return keyboards.layout(self.layer)

    def forget(self) -> None:
        """The next visitor's keyboard: their language's first layer, capitals as a name starts."""
        if not self.fixed:
            self.layer = keyboards.first_layout(App.get_running_app().language)
        self.update_shift()
        self.rebuild()

    def on_digits(self, *_args: object) -> None:
        self.rebuild()

    def on_layer(self, *_args: object) -> None:
        self.update_shift()
        self.rebuild()

    def on_target(self, _instance: object, target: TextInput | None) -> None:
        if target is not None:
            target.bind(text=lambda *_a: self.update_shift(typing=True))
        self.update_shift()

    def update_shift(self, typing: bool = False) -> None:
        """Capitalise the first letter of each part of a name; the visitor can still override. A caseless
        script's second set of keys (Korean's tense consonants, katakana) is never shown unasked, and
        typing leaves it as the visitor set it."""
        if typing and self.layout.caseless:
            return
        text = self.target.text if self.target is not None else ""
        # After O'Brien's apostrophe, a capital; not after Мар’яна's (Ukrainian's ’ is inside a word).
        self.shift = (self.auto_capitalize and not self.layout.caseless
                      and (not text or text[-1] in " -'"))  # fmt: skip

    def on_shift(self, *_args: object) -> None:
        if self.layout.shifted:
            self.rebuild()  # other keys, not capitals
            return
        for row in self.children:
            for key in row.children:
                if key.key not in ("shift", "layer", "digits", "space", "backspace") and not key.key.startswith("to:"):
                    key.text = self.label_for(key.key)

    def label_for(self, key: str) -> str:
        if key and all(unicodedata.category(c) in ("Mn", "Mc") for c in key):
            return "\u25cc" + key  # shown on a dotted circle, as keyboards draw combining marks
        capital = key.upper()
        return capital if self.shift and not self.layout.caseless and len(capital) == len(key) else key  # ß: no "SS"

    def rebuild(self) -> None:
        layout = self.layout
        rows = layout.shifted if self.shift and layout.shifted else layout.rows
        self.clear_widgets()
        for keys in rows:
            row = BoxLayout(spacing=self.spacing)
            for key in keys:
                row.add_widget(Key(key=key, text=self.label_for(key), kind="key", on_release=self._tap))
            self.add_widget(row)
        last = BoxLayout(spacing=self.spacing)
        tr = App.get_running_app().tr
        if layout.has_shift:
            # A caseless script's Shift shows what it gives: "ㅃ" for Korean's tense consonants, "ア" for katakana.
            other = (layout.rows if self.shift else layout.shifted)[0][0] if layout.shifted else "Aa"
            last.add_widget(Key(key="shift", text=other, kind="key", size_hint_x=1.2, on_release=self._tap))
        if not self.fixed:
            language = App.get_running_app().language
            letters, accents = keyboards.letters_for(language), keyboards.accents_for(language)
            # "layer" toggles Latin letters and their accents; from any other layer it opens Latin letters.
            other = accents if self.layer == letters else letters
            last.add_widget(Key(key="layer", text=ACCENTS_LABEL if other == accents else "abc", kind="key",
                                size_hint_x=1.5, on_release=lambda *_a: setattr(self, "layer", other)))  # fmt: skip
            if self.digits and self.layer != "digits":
                last.add_widget(Key(key="digits", text="123", kind="key", size_hint_x=1.2,
                                    on_release=lambda *_a: setattr(self, "layer", "digits")))  # fmt: skip
            for name in keyboards.script_keys(language):
                if name != self.layer:
                    last.add_widget(Key(key=f"to:{name}", text=keyboards.layout(name).label, kind="key",
                                        size_hint_x=1.5, on_release=lambda _k, n=name: setattr(self, "layer", n)))
        last.add_widget(Key(key="space", text=tr("space"), kind="key", size_hint_x=4.3, on_release=self._tap))
        last.add_widget(Key(key="backspace", text=tr("Delete"), kind="key", size_hint_x=2, on_release=self._tap))
        self.add_widget(last)

    def _tap(self, key: Key) -> None:
        self.press(key.key)

    def press(self, key: str) -> None:
        if self.target is None:
            return
        target = self.target
        before = target.text[max(0, target.cursor_index() - 1) : target.cursor_index()]
        if key == "shift":
            self.shift = not self.shift
            return
        if key == "backspace":
            if self.layout.compose == "hangul" and before:
                self._replace_before(hangul.take_back(before))
            else:
                target.do_backspace()
        elif key == "space":
            target.insert_text(" ")
        elif key in (keyboards.DAKUTEN, keyboards.HANDAKUTEN):
            if before:
                self._replace_before(keyboards.with_mark(before, key))
        elif self.layout.compose == "hangul" and hangul.is_jamo(key):
            self._replace_before(hangul.type_jamo(before, key))
        else:
            target.insert_text(key if all(unicodedata.category(c) in ("Mn", "Mc") for c in key) else self.label_for(key))
        if self.layout.shifted and self.shift and not self.layout.sticky_shift:
            self.shift = False  # a second set is for one key, as Shift on a phone (katakana stays)

    def _replace_before(self, text: str) -> None:
        """Replace the character before the cursor (a syllable being composed, a kana being voiced)."""
        self.target.do_backspace()
        if text:
            self.target.insert_text(text)


load_kv(__file__)
Builder.sync()
