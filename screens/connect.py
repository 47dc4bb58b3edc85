"""Staff mode: connect this kiosk to the district server with a one-time enrollment code.

Enrolling talks to the network, so it runs in a thread; the screen shows "Connecting…"
and the answer arrives on Kivy's main thread.
"""

from __future__ import annotations

import logging
import threading

from kivy.clock import mainthread
from kivy.properties import BooleanProperty, StringProperty

from kiosk.sync import SyncError
from screens.base import KioskScreen, load_kv

log = logging.getLogger(__name__)


class ConnectScreen(KioskScreen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    ok = BooleanProperty(False)

    def activate(self) -> None:
        status = self.desk.sync_status()
        if not self.ids.server.text:
            self.ids.server.text = status.server or "https://"
        self.choose(self.ids.server)

    def choose(self, field) -> None:  # type: ignore[no-untyped-def]
        self.ids.keyboard.target = field
        field.focus = True

    def connect(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.ok = False
        self.message = self.app.tr("Connecting…")
        server, code = self.ids.server.text.strip(), self.ids.code.text.strip()
        threading.Thread(target=self._enroll, args=(server, code), daemon=True).start()

    def _enroll(self, server: str, code: str) -> None:
        tr = self.app.tr
        ok = False
        try:
            name = self.desk.enroll(server, code)
            message = tr("Connected: this kiosk is “{name}” on the district server.").format(name=name)
            ok = True
        except ValueError:
            message = tr("That is not a server address like https://kiosks.example.org.")
        except SyncError as exc:
            if exc.kind == "refused":
                message = tr("The server did not accept the code: {reason}").format(reason=exc.detail)
            else:
                message = tr("The server could not be reached. Check the address and the network.")
        except Exception:  # the token could not be saved (a full or read-only disk), or a bug: never hang here
            log.exception("enrollment failed")
            message = tr("Something went wrong while connecting. The log has the details.")
        self._done(message, ok)

    @mainthread
    def _done(self, message: str, ok: bool) -> None:
        self.busy = False
        self.ok = ok
        self.message = message
        self.ids.code.text = ""

    def reset(self) -> None:
        super().reset()  # the address too: activate() fills it in again from the last enrollment


SCREEN = ConnectScreen
load_kv(__file__)
