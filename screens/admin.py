"""Staff mode: today's visits, who is on site (with manual sign-out), the store's health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babel.dates import format_timedelta

from kivy.factory import Factory
from kivy.properties import OptionProperty, StringProperty

from kiosk import __version__
from kiosk.clock import ClockStatus
from kiosk.language import cldr, languages
from kiosk.reasons import BY_CODE
from kiosk.store import StoreUnavailable, Visit
from screens.base import KioskScreen, load_kv
from screens.messages import STORE_PROBLEM


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


class AdminScreen(KioskScreen):
    status_text = StringProperty("")
    here_title = StringProperty("")
    today_title = StringProperty("")
    message = StringProperty("")
    tab = OptionProperty("on_site", options=["on_site", "today", "kiosk"])

    def on_kv_post(self, *_args: object) -> None:
        self.panels = {"on_site": Factory.AdminOnSite(), "today": Factory.AdminToday(), "kiosk": Factory.AdminKiosk()}
        self.panels["kiosk"].screen = self  # (a kv class's own property cannot be given at its creation)
        self.on_tab()

    def on_tab(self, *_args: object) -> None:
        if not hasattr(self, "panels"):
            return
        self.ids.panel.clear_widgets()
        self.ids.panel.add_widget(self.panels[self.tab])

    def activate(self) -> None:
        self.tab = "on_site"
        self.refresh()

    def refresh(self) -> None:
        from screens.widgets import KButton, KLabel

        tr = self.app.tr
        on_site_box, today_box = self.panels["on_site"].ids.rows, self.panels["today"].ids.rows
        on_site_box.clear_widgets()
        today_box.clear_widgets()
        try:
            on_site, today = self.desk.on_site(), self.desk.visits_today()
            self.message = ""
        except StoreUnavailable as problem:
            self.app.note_store_problem(problem)
            on_site, today = [], []
            self.message = tr(STORE_PROBLEM)
        self.here_title = tr.ngettext("{n} visitor on site", "{n} visitors on site", len(on_site)).format(n=len(on_site))
        self.today_title = tr.ngettext("{n} visit today", "{n} visits today", len(today)).format(n=len(today))
        for visit in on_site:
            row = KButton(kind="choice", text=tr("Sign out {name}").format(name=self.full(visit)))
            row.visit = visit
            row.bind(on_release=lambda b: self.sign_out(b.visit))
            on_site_box.add_widget(row)
        for visit in reversed(today):
            today_box.add_widget(KLabel(text=self.describe(visit), font_size=17 * self.app.u))
        self.status_text = self.describe_status()
        self.panels["kiosk"].ids.status.text = self.status_text

    def full(self, visit: Visit) -> str:
        return f"{visit.first_name} {visit.last_name}"

    def describe(self, visit: Visit) -> str:
        tr = self.app.tr
        reason = BY_CODE.get(visit.reason)
        parts = [self.app.format_time(visit.checked_in), self.full(visit), tr(reason.label) if reason else visit.reason]
        if visit.host_name:
            parts.append(visit.host_name)
        if visit.interpreter:
            parts.append(tr("interpreter requested"))
        if visit.signed_out:
            parts.append(tr("left at {time}").format(time=self.app.format_time(visit.signed_out)))
        return " · ".join(parts)

    def describe_status(self) -> str:
        tr = self.app.tr
        status = self.desk.store_status()
        directory = self.desk.directory_state
        lines = [
            tr("Visits stored: {n}").format(n=status.visits_total if status.ok else "?"),
            tr("Database: {path} ({size})").format(path=status.path, size=_size(status.size_bytes)),
            tr("Free disk space: {size}").format(size=_size(status.free_bytes)),
            tr("Store problem: {problem}").format(problem=status.problem) if not status.ok else tr("Store: working"),
            tr("Staff directory: {n} staff").format(n=len(directory.directory)),
        ]
        if directory.error:
            lines.append(tr("Directory problem: {problem}").format(problem=directory.error))
        elif directory.directory.problems:
            lines.append(tr("Directory rows skipped: {n} (see the log)").format(n=len(directory.directory.problems)))
        lines += self.describe_sync()
        if languages()[self.app.language].status == "drafted":
            lines.append(tr("This language's words are a draft, not yet reviewed by a native speaker"))
        _offered, left_out = self.app.languages_drawn()
        if left_out:
            names = ", ".join(languages()[code].english for code in left_out)
            lines.append(tr("Not offered: {languages} (this kiosk cannot shape their script: libraqm is missing)")
                         .format(languages=names))  # fmt: skip
        lines.append(tr("Version {version}").format(version=__version__))
        return "\n".join(lines)

    def describe_sync(self) -> list[str]:
        tr = self.app.tr
        sync = self.desk.sync_status()
        try:
            waiting, refused = self.desk.store.outbox_counts()
        except StoreUnavailable:
            waiting = refused = "?"  # type: ignore[assignment]
        if not sync.enrolled:
            lines = [tr("District server: not connected; visits stay on this kiosk")]
        else:
            last = tr("not yet")
            if sync.last_ok_ms:
                last = self.app.format_time(datetime.fromtimestamp(sync.last_ok_ms / 1000, UTC))
            lines = [
                tr("District server: {server}").format(server=sync.server),
                tr("Last sync: {time}").format(time=last),
                tr("Waiting to be sent: {n}").format(n=waiting),
            ]
        if refused:
            lines.append(tr("Refused by the server: {n} (see the log)").format(n=refused))
        self.panels["kiosk"].refused = refused if isinstance(refused, int) else 0
        if sync.last_error:
            lines.append(tr("Sync problem: {problem}").format(problem=sync.last_error))
        lines.append(self.describe_clock(self.desk.clock_status))
        lines.append(self.app.camera_summary())  # in English, like the log IT reads it beside
        return lines

    def describe_clock(self, clock: ClockStatus) -> str:
        """Whether this kiosk's clock can be believed: a Pi has no battery clock."""
        tr = self.app.tr
        if clock.state == "off" and clock.offset_ms is not None:
            how_far = format_timedelta(timedelta(milliseconds=abs(clock.offset_ms)), locale=cldr(self.app.language))
            if clock.offset_ms < 0:
                return tr("Clock: {time} behind the district server").format(time=how_far)
            return tr("Clock: {time} ahead of the district server").format(time=how_far)
        if clock.state == "synced":
            return tr("Clock: set")
        if clock.state == "not_synced":
            return tr("Clock: not set yet (no time server reached); the district server dates the visits")
        return tr("Clock: not known yet")

    def send_refused_again(self) -> None:
        count = self.desk.send_refused_again()
        self.refresh()
        self.message = self.app.tr.ngettext("{n} refused visit or sign-out is being sent again.",
                                            "{n} refused visits or sign-outs are being sent again.", count).format(n=count)  # fmt: skip

    def sign_out(self, visit: Visit) -> None:
        try:
            self.desk.sign_out(visit.id, by="staff")
        except StoreUnavailable as problem:
            self.app.note_store_problem(problem)
        self.refresh()

    def quit(self) -> None:
        self.app.stop()


SCREEN = AdminScreen
load_kv(__file__)
