"""The welcome screen: the school, a greeting in each offered language, two big actions."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from kiosk.language import N_, languages, translator, welcome_row
from screens import camera_view  # noqa: F401 (CameraPreview, used in welcome.kv)
from screens.base import KioskScreen, load_kv

GREETING = N_("Welcome!")
GREETING_SECONDS = 3.0
MORE = N_("More languages")
# Language buttons on the welcome screen, "More languages" included when there are more: five fit
# across an 800 px screen in any language's own name ("Português (Brasil)"); a portrait screen has
# three rows of three.
ROW_SLOTS = 5
ROW_SLOTS_PORTRAIT = 9


class WelcomeScreen(KioskScreen):
    greeting = StringProperty("")
    greeting_index = NumericProperty(0)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._cycle = None
        self._shown: list[str] | None = None  # the row's languages, once it is built

    def on_enter(self, *_args: object) -> None:
        offered = self.app.offered_languages  # the cycle starts at the language on screen
        self.greeting_index = offered.index(self.app.language) if self.app.language in offered else 0
        self.show_greeting()
        self._cycle = Clock.schedule_interval(self.next_greeting, GREETING_SECONDS)
        self.build_language_buttons()
        self.ids.preview.play(True)

    def on_leave(self, *_args: object) -> None:
        if self._cycle is not None:
            self._cycle.cancel()
        self.ids.preview.play(False)

    def next_greeting(self, _dt: float = 0) -> None:
        self.greeting_index = (self.greeting_index + 1) % max(1, len(self.app.offered_languages))
        self.show_greeting()

    def show_greeting(self) -> None:
        """The greeting cycles through every offered language, each in its own font."""
        code = self.app.offered_languages[int(self.greeting_index) % len(self.app.offered_languages)]
        self.greeting = translator(code)(GREETING)

    def build_language_buttons(self) -> None:
        """The campus's first languages, and "More languages" for the rest (language.welcome_row)."""
        from screens.widgets import KButton, MoreLanguagesButton

        row = self.ids.languages
        row.clear_widgets()
        slots = ROW_SLOTS if self.app.landscape else ROW_SLOTS_PORTRAIT
        shown, more = welcome_row(self.app.offered_languages, self.app.language, slots)
        for code in shown:
            # As tall as the row: a script with tall lines (Arabic) must not make its button stick out.
            button = KButton(text=languages()[code].name, kind="choice", size_hint_y=1)
            button.code = code
            button.bind(on_release=lambda b: self.app.set_language(b.code))
            row.add_widget(button)
        if more:
            button = MoreLanguagesButton(text=self.app.tr(MORE), size_hint_y=1)
            button.code = ""
            button.bind(on_release=lambda _b: self.app.open_language_picker())
            row.add_widget(button)
        self._shown = shown
        self.mark_language()

    def mark_language(self, *_args: object) -> None:
        for button in self.ids.languages.children:
            button.selected = button.code == self.app.language

    def on_kv_post(self, *_args: object) -> None:
        self.app.bind(language=self.on_language)

    def on_language(self, *_args: object) -> None:
        """The greeting answers a language tap at once, then cycles on from there. A language chosen
        under "More languages" takes a place in the row; "More languages" is said in it."""
        if self._shown is not None:
            self.build_language_buttons()
        offered = self.app.offered_languages
        if self.app.language in offered:
            self.greeting_index = offered.index(self.app.language)
            self.show_greeting()


SCREEN = WelcomeScreen
load_kv(__file__)
