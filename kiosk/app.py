"""Wires the core into Kivy: the one module of kiosk/ that imports Kivy.

The app is handed a FrontDesk (or the reason there is none yet) instead of building its own
core, so tests and `kiosk demo` give it whatever store and directory they like. App-level
properties (the translator, fonts, reading direction, size unit) are what every .kv rule
binds to: changing the language reassigns them, and every visible string and font follows
in the same frame, with no restart.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import kivy
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import fonts, intake
from kiosk.arrival import truth
from kiosk.checkin import Draft, FrontDesk
from kiosk.config import ConfigError
from kiosk.language import N_, cldr, languages, translator
from kiosk.shaping import available as shaping_available
from kiosk.shaping import drawable
from kiosk.camera.scanner import Scanner
from kiosk.passes import PassCheck
from kiosk.store import StoreUnavailable, Visit
from screens.bidi import isolated

log = logging.getLogger(__name__)
WELCOME_BACK = N_("Welcome back, {name}.")
STORE_PAUSED = N_("Check-in is paused. Please see the front desk.")

SCREENS = ("welcome", "name", "reason", "host", "student", "review", "done", "signout", "pin", "admin", "connect",
           "attention", "passcheck")  # fmt: skip
STAFF_SCREENS = ("pin", "admin", "connect", "attention")  # a code shown here is not a visitor's: ignored
CODE_REPEAT_SECONDS = 5.0  # the same code again within this (still in view, scanned twice) is not announced again
ENTER_KEYS = (13, 271)  # Enter, and the keypad's
EDITING_KEYS = (8, 9, 127, 273, 274, 275, 276, 278, 279)  # Backspace, Tab, Delete, arrows, Home, End (Kivy's codes)
CAMERA_SCREENS = ("welcome", "done", "passcheck", "signout")  # where no visitor is typing
STAFF_TAPS = 5  # taps on the campus name, each within STAFF_TAP_WINDOW of the first, open staff mode
STAFF_TAP_WINDOW = 3.0
HEALTH_SECONDS = 10  # how often a broken store or changed directory is looked at again
IDLE_WARNING_SECONDS = 10  # "Are you still there?" before what a visitor typed is wiped
FALLBACK_FONT = "Roboto"  # Kivy's own, when the Noto fonts are missing
# Arabic or Hebrew mixed with Latin ("Ms. García" in an Arabic sentence) takes Noto Sans Arabic or Hebrew
# merged with Noto Sans (kiosk/fontbuild.py); until that is built, Kivy's own DejaVu Sans, which has all three.
MIXED_FONT = str(Path(kivy.kivy_data_dir) / "fonts" / "DejaVuSans.ttf")


class KioskApp(App):
    title = "Welcome Kiosk"

    desk: FrontDesk | None
    tr = ObjectProperty(translator("en"))
    language = StringProperty("en")
    language_name = StringProperty("English")
    rtl = BooleanProperty(False)
    u = NumericProperty(1.0)  # one unit of size: dp(1) scaled up on large screens
    landscape = BooleanProperty(True)
    campus_name = StringProperty("")
    logo = StringProperty("")
    draft = ObjectProperty(None, allownone=True)
    store_problem = StringProperty("")  # "", or read_only / full / unavailable
    attention = StringProperty("")  # why the kiosk cannot serve visitors (for staff to read)
    camera_on = BooleanProperty(False)  # a camera reads passes: the welcome screen shows its picture

    def __init__(
        self,
        desk: FrontDesk | None,
        problem: ConfigError | None = None,
        reload: Callable[[], FrontDesk] | None = None,
        shaping: bool | None = None,
        **kwargs: object,
    ) -> None:
        """`shaping`: whether complex scripts can be drawn (kiosk.shaping; found out when None)."""
        super().__init__(**kwargs)
        self.desk = None
        self.shaping = shaping_available() if shaping is None else shaping
        self._said_left_out: tuple[str, ...] = ()
        self._reload = reload
        self._staff_taps: list[float] = []
        self._idle_trigger = None
        self._health_event = None
        self.manager: ScreenManager | None = None
        self.scanner: Scanner | None = None
        self._camera_event = None
        self.keys = intake.KeyBurst()
        self._passing_on = False  # re-dispatching held keystrokes: let them through
        self._last_code: tuple[str, float] = ("", 0.0)
        if desk is not None:
            self.use_desk(desk)
        else:
            self.attention = str(problem) if problem else "No configuration."

    # -- setup ---------------------------------------------------------------------------
    def use_desk(self, desk: FrontDesk) -> None:
        self.desk = desk
        self.attention = ""
        self.campus_name = desk.campus_name
        self.logo = str(desk.config.campus_logo or "")
        self.set_language(self.default_language)

    def build(self) -> ScreenManager:
        from screens import theme

        Window.clearcolor = theme.BACKGROUND
        Window.bind(size=self._on_window_size, on_touch_down=self._on_activity, on_key_down=self._on_activity)
        Window.bind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)  # before the fields: a scanner
        self._on_window_size(Window, Window.size)
        importlib.import_module("screens.widgets")
        self.manager = ScreenManager(transition=NoTransition())
        self._start_camera()  # before the welcome screen, which asks it for its picture
        self.show("welcome" if self.desk else "attention")
        self._health_event = Clock.schedule_interval(self._health_check, HEALTH_SECONDS)
        return self.manager

    def on_stop(self) -> None:
        """Cancel this app's timers and key handlers: Kivy's clock and window outlive the app (tests run
        several in turn, and a stale app's handler would hold every keystroke)."""
        Window.unbind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)
        for event in (self._idle_trigger, self._health_event, self._camera_event):
            if event is not None:
                event.cancel()
        if self.scanner is not None:
            self.scanner.stop(timeout=2)
        if self.manager is not None:
            self.manager.transition.stop()  # a change of screen still under way ends: the old screen's on_leave runs
            if self.manager.current_screen is not None:
                self.manager.current_screen.dispatch("on_leave")

    def _on_window_size(self, _window: object, size: tuple[int, int]) -> None:
        width, height = size
        long_side, short_side = max(width, height), min(width, height)
        # Laid out for the 800x480 Raspberry Pi display; larger screens scale everything up.
        self.u = dp(1) * max(1.0, min(long_side / 800, short_side / 480))
        self.landscape = width >= height

    # -- screens -------------------------------------------------------------------------
    def screen(self, name: str):  # type: ignore[no-untyped-def]
        """The screen called `name`, created the first time it is needed."""
        assert self.manager is not None
        if not self.manager.has_screen(name):
            module = importlib.import_module(f"screens.{name}")
            self.manager.add_widget(module.SCREEN(name=name))
        return self.manager.get_screen(name)

    def show(self, name: str) -> None:
        self.screen(name)
        assert self.manager is not None
        self.manager.current = name
        self._restart_idle()

    @property
    def current(self) -> str:
        return self.manager.current if self.manager else ""

    def home(self) -> None:
        """Back to the welcome screen in the campus's language, with everything typed wiped."""
        self.draft = None
        for view in [w for w in Window.children if isinstance(w, ModalView)]:
            view.dismiss(animation=False)  # the language picker, the idle warning
        if self.manager is not None:
            for screen in self.manager.screens:
                screen.reset()
        if self.desk is None:
            self.show("attention")
            return
        self.set_language(self.default_language)
        self.show("welcome")

    # -- language ------------------------------------------------------------------------
    def set_language(self, code: str) -> None:
        language = languages()[code]
        self.rtl = language.rtl
        self.language_name = language.name
        self.tr = translator(code)  # before `language`, so whoever watches either sees both
        self.language = code
        if self.draft is not None:
            self.draft = self.draft.with_(language=code)

    @property
    def offered_languages(self) -> list[str]:
        """The campus's languages in its order, less those this kiosk cannot draw (kiosk.shaping)."""
        kept, _left_out = self.languages_drawn()
        return kept

    def languages_drawn(self) -> tuple[list[str], list[str]]:
        kept, left_out = drawable(self.desk.languages if self.desk else ("en",), self.shaping)
        if tuple(left_out) != self._said_left_out:
            self._said_left_out = tuple(left_out)
            if left_out:
                log.warning("Pillow has no raqm (libraqm), so complex scripts cannot be shaped: not offering %s",
                            ", ".join(left_out))  # fmt: skip
        return kept or ["en"], left_out

    @property
    def default_language(self) -> str:
        """The campus's own language, or its first this kiosk can draw."""
        offered = self.offered_languages
        wanted = self.desk.default_language if self.desk else "en"
        return wanted if wanted in offered else offered[0]

    def font_for(self, text: str, bold: bool = False, language: str | None = None) -> str:
        """Every label takes the font of its own text's script (Kivy has no font fallback; see kiosk/fonts.py).

        Chinese characters take the face of the screen's language (Simplified or Traditional); pass
        `app.language` from a kv rule to have a label follow a change of language without a change of text.
        """
        chosen = fonts.font_for(text, bold, language or self.language, mixed_fallback=MIXED_FONT)
        return chosen or FALLBACK_FONT

    def open_language_picker(self) -> None:
        from screens.widgets import KButton, LanguagePicker

        offered = self.offered_languages
        picker = LanguagePicker(count=len(offered))
        many = len(offered) > 8  # shorter buttons, so that 22 fit at 800×480 without scrolling
        for code in offered:
            button = KButton(text=languages()[code].name, kind="choice", selected=code == self.language,
                             font_size=(19 if many else 22) * self.u, size_hint_y=1 if many else None)  # fmt: skip
            button.bind(on_release=lambda _b, c=code: (self.set_language(c), picker.dismiss()))
            picker.ids.grid.add_widget(button)
        picker.open()

    def format_time(self, moment: datetime) -> str:
        from babel.dates import format_time

        zone = self.desk.zone if self.desk else None
        return format_time(moment.astimezone(zone), format="short", locale=cldr(self.language))

    # -- the visit flow ------------------------------------------------------------------
    def start_check_in(self) -> None:
        self.draft = Draft(language=self.language)
        self.show("name")

    def show_done(self, title: str, body: str = "", kind: str = "success", visit: Visit | None = None) -> None:
        """A closing message; after a check-in (`visit`), the body says who knows the visitor is here."""
        done = self.screen("done")
        done.title, done.body, done.kind, done.visit = title, body, kind, visit
        done.truth = None
        if visit is not None:
            done.truth = truth(visit, None)  # until the district server says more
        self.show("done")

    # -- codes: the camera, a USB scanner ------------------------------------------------
    def _start_camera(self) -> None:
        """The camera is an optional part: off, missing or failing, the kiosk works by form and staff mode says why."""
        if self.desk is None or self.desk.config.camera.source == "none":
            return
        self.scanner = Scanner.from_settings(self.desk.config.camera, self._codes_seen)
        self.scanner.start()
        self._camera_event = Clock.schedule_interval(self._camera_check, 1.0)

    def _codes_seen(self, texts: list[str]) -> None:
        """The scanner's decode thread: over to Kivy's, then the one intake."""
        Clock.schedule_once(lambda _dt: [self.on_code(text, "camera") for text in texts])

    def _camera_check(self, _dt: float) -> None:
        self.camera_on = self.scanner is not None and self.scanner.status().on

    def camera_summary(self) -> str:
        """For staff mode: "Camera on: opencv /dev/video0, 15 frames/s", or why it is off."""
        return self.scanner.status().summary() if self.scanner is not None else "Camera: none configured"

    def on_code(self, text: str, source: str) -> None:
        """The one intake for codes, whatever read them: check a pass in, offer its sign-out, or say why not.

        A USB scanner is always someone at the kiosk showing a pass; the camera, also a pass seen in the
        background while another visitor types, so it is heard only where nobody is typing."""
        if self.desk is None or self.current in STAFF_SCREENS:
            return
        if source == "camera" and self.current not in CAMERA_SCREENS:
            return
        now = time.monotonic()
        if text == self._last_code[0] and now - self._last_code[1] < CODE_REPEAT_SECONDS:
            return
        self._last_code = (text, now)
        try:
            check = self.desk.check_pass(text)
        except StoreUnavailable as problem:
            self.note_store_problem(problem)
            self.show_done(self.tr(STORE_PAUSED), kind="error")
            return
        log.info("code from the %s: %s", source, check.outcome)  # never the code itself
        found = check.visitor_pass
        if found is not None and found.language in languages():
            self.set_language(found.language)
        if check.outcome == "welcome":
            assert found is not None
            try:
                visit = self.desk.check_in(self.desk.pass_draft(found))
            except StoreUnavailable as problem:
                self.note_store_problem(problem)
                self.show_done(self.tr(STORE_PAUSED), kind="error")
                return
            except ValueError:  # a reason or name this kiosk's version does not take (NameProblem too)
                log.warning("pass %s: this kiosk cannot check it in (a newer server?)", found.id)
                check = PassCheck("newer", found)
            else:
                self.show_done(self.tr(WELCOME_BACK).format(name=isolated(visit.first_name, self.rtl)), visit=visit)
                return
        screen = self.screen("passcheck")
        self.show("passcheck")
        screen.show_check(check)

    def sign_out_with_pass(self, check: PassCheck) -> None:
        """The one tap after a pass was shown again: its visitor leaves."""
        assert self.desk is not None and check.on_site is not None
        try:
            self.desk.sign_out(check.on_site.id)
        except StoreUnavailable as problem:
            self.note_store_problem(problem)
            self.show_done(self.tr(STORE_PAUSED), kind="error")
            return
        self.show_done(self.tr("Goodbye, {name}.").format(name=isolated(check.on_site.first_name, self.rtl)),
                       self.tr("Thank you for visiting. Have a good day!"))  # fmt: skip

    def _on_textinput(self, _window: object, text: str) -> bool:
        """Hold typed text for a moment: a scanner's burst goes to on_code, a person's typing to the field."""
        if self._passing_on:
            return False
        released = self.keys.typed(text, time.monotonic())
        if released:
            self._pass_on(released)
        Clock.schedule_once(self._release_due, intake.GAP_S * 1.5)
        return True

    def _on_key_down(self, _window: object, key: int, *_args: object) -> bool:
        if self._passing_on or not self.keys.held:
            return False
        if key in ENTER_KEYS:
            code = self.keys.enter(time.monotonic())
            if code is not None:
                self.on_code(code, "scanner")
                return True
        if key in EDITING_KEYS or key in ENTER_KEYS:  # after what was typed before them; Shift is part of a burst
            self._pass_on(self.keys.take())
        return False

    def _release_due(self, _dt: float) -> None:
        released = self.keys.due(time.monotonic())
        if released:
            self._pass_on(released)
        elif self.keys.held:  # called early: Kivy counts a timeout from its last frame, long ago on an idle screen
            Clock.schedule_once(self._release_due, intake.GAP_S)

    def _pass_on(self, text: str) -> None:
        self._passing_on = True
        try:
            Window.dispatch("on_textinput", text)
        finally:
            self._passing_on = False

    def note_store_problem(self, problem: StoreUnavailable) -> None:
        log.error("visit not stored: %s", problem)
        self.store_problem = problem.reason

    # -- idle reset ----------------------------------------------------------------------
    @property
    def idle_seconds(self) -> float:
        return float(self.desk.config.idle_seconds) if self.desk else 45.0

    idle_warning_seconds = NumericProperty(IDLE_WARNING_SECONDS)

    def _restart_idle(self) -> None:
        if self._idle_trigger is not None:
            self._idle_trigger.cancel()
        self._idle_trigger = Clock.schedule_once(self._on_idle, self.idle_seconds)

    def _on_activity(self, *_args: object) -> None:
        self._restart_idle()

    def _on_idle(self, _dt: float) -> None:
        if self.current in ("welcome", "attention") and self.language == self.default_language:
            return
        if self._holds_input():
            self._warn_idle()  # a visitor looking for an ID must not lose what they typed without a word
            return
        log.info("idle for %s s on %s: back to the welcome screen", self.idle_seconds, self.current)
        self.home()

    def _holds_input(self) -> bool:
        if self.current == "done":
            return False  # checked in and stored: nothing is lost, the visitor may well have gone
        draft = self.draft
        typed = draft is not None and bool(draft.first_name or draft.last_name)
        return typed or bool(self.manager and self.manager.current_screen.holds_input())

    def _warn_idle(self) -> None:
        from screens.widgets import IdleWarning

        if any(isinstance(w, IdleWarning) for w in Window.children):
            return
        warning = IdleWarning(seconds=self.idle_warning_seconds)
        warning.bind(on_timeout=lambda *_a: self._idle_timeout(), on_dismiss=lambda *_a: self._restart_idle())
        warning.open(animation=False)

    def _idle_timeout(self) -> None:
        log.info("no answer to the idle warning on %s: back to the welcome screen", self.current)
        self.home()

    # -- staff mode ----------------------------------------------------------------------
    def staff_tap(self) -> None:
        """Five quick taps on the campus name open the PIN pad (a discreet gesture)."""
        now = time.monotonic()
        self._staff_taps = [t for t in self._staff_taps if now - t < STAFF_TAP_WINDOW] + [now]
        if len(self._staff_taps) >= STAFF_TAPS:
            self._staff_taps.clear()
            if self.desk is not None and self.desk.pin_gate.enabled:
                self.show("pin")

    # -- recovery ------------------------------------------------------------------------
    def _health_check(self, _dt: float = 0) -> None:
        """Pick up a fixed config, a changed directory, a store that works again."""
        if self.desk is None:
            if self._reload is None:
                return
            try:
                desk = self._reload()
            except ConfigError as exc:
                self.attention = str(exc)
                return
            log.info("configuration is usable now: starting")
            self.use_desk(desk)
            self.home()
            return
        self.desk.reload_directory(force=False)
        self.campus_name = self.desk.campus_name  # the district server may have renamed the campus
        if self.store_problem:
            try:
                self.desk.store.check_writable()
            except StoreUnavailable:
                return
            log.info("the local store works again")
            self.store_problem = ""
