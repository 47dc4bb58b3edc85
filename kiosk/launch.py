"""Starting Kivy the way a kiosk needs it. Everything here runs before Kivy is imported.

- Text is drawn by Pillow (KIVY_TEXT=pil), whose raqm layout shapes Arabic and orders mixed
  right-to-left text correctly; Kivy's default SDL2 text does not (see ../shared/DESIGN.md).
- Escape does not quit the app (a hardware keyboard at the door must not close the kiosk).
- Kivy logs through Python's logging, so the kiosk's log has one format and goes to the journal.
- No X11 cut buffer: Kivy would probe for the xclip and xsel programs, which a kiosk has no use
  for, and log their absence as a critical error with two tracebacks that would alarm IT.
- No "Older configuration version detected (0 instead of 27)" on a first start: Kivy calls a
  missing ~/.kivy/config.ini "version 0" while it writes its defaults there. A file that really is
  older is still reported (Kivy upgrades it; the Pi guide edits that file's [input] section).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kiosk.config import Config


def prepare_kivy(config: Config | None, kivy_home: Path | None = None) -> None:
    os.environ.setdefault("KIVY_TEXT", "pil")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    if kivy_home is not None:
        os.environ.setdefault("KIVY_HOME", str(kivy_home))
    kivy_log = logging.getLogger("kivy")
    if not _kivy_config_file().exists():
        kivy_log.addFilter(_no_first_start_upgrade)
    kivy_log.addFilter(_no_cut_buffer_complaint)
    import kivy
    from kivy.config import Config as KivyConfig

    kivy.kivy_options["cutbuffer"] = ()

    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("kivy", "keyboard_mode", "system")
    # On the Pi, SDL also reports each touch as a mouse click: the mouse provider must stand
    # aside while a touch is active, or every tap arrives twice (kivy/kivy#3801).
    KivyConfig.set("input", "mouse", "mouse,multitouch_on_demand,disable_on_activity")
    KivyConfig.set("graphics", "multisamples", "0")
    if config is None:
        return
    KivyConfig.set("graphics", "rotation", str(config.rotation))
    if config.window_size and not config.fullscreen:
        KivyConfig.set("graphics", "fullscreen", "0")
        KivyConfig.set("graphics", "width", str(config.window_size[0]))
        KivyConfig.set("graphics", "height", str(config.window_size[1]))
    elif config.fullscreen:
        KivyConfig.set("graphics", "fullscreen", "auto")
        KivyConfig.set("graphics", "show_cursor", "0")


def _no_cut_buffer_complaint(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Cutbuffer: Unable to find any valuable")


def _kivy_config_file() -> Path:
    """Where Kivy reads and writes its config.ini: $KIVY_HOME, else ~/.kivy (as kivy/__init__.py finds it)."""
    return Path(os.path.expanduser(os.environ.get("KIVY_HOME") or "~/.kivy")) / "config.ini"


def _no_first_start_upgrade(record: logging.LogRecord) -> bool:
    """Kivy's two "upgrading" lines, which on a first start only mean that it writes its defaults."""
    text = str(record.msg)
    return not text.startswith(("Config: Older configuration version detected (0 ", "Config: Upgrading configuration"))
