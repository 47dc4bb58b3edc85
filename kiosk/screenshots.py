"""`kiosk screenshots DIR`: a PNG of every screen, per language and per screen size, and the
layout check of each (screens/layout_check.py): text drawn outside its box, a word split in
the middle, lines dropped. Problems are listed in DIR/layout-problems.txt.

Each size runs in its own process (a Kivy window's first size is fixed at start), headless
when there is no display. The visits shown are made up on the spot in a throwaway store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

# The Raspberry Pi's 7" display, a 10" tablet-sized screen, a desk monitor, and a portrait mount.
DEFAULT_SIZES = ("800x480", "1280x800", "1920x1080", "720x1280")
DEFAULT_LANGUAGES = ("en", "es")
PROBLEMS_FILE = "layout-problems.txt"
SAMPLE_VISITORS = (
    ("María", "López", "pickup"),
    ("Nguyễn Thị Minh", "Khai", "volunteer"),
    ("王", "小明", "dropoff"),
    ("محمد", "الأحمد", "meeting"),
    ("Alexandria-Konstantina", "Papadopoulou-Fitzgerald", "event"),
)
# What the confirmation says once the district server has news of the visit (done.png: no news yet).
ARRIVAL_NEWS = (
    ("host_told", "Ms. García", "done-host-told"),
    ("on_the_way", "Ms. García", "done-on-the-way"),
    ("office_told", "front_office", "done-office-told"),
    ("office_seen", "front_office", "done-office-seen"),
)


def take_all(
    directory: Path, sizes: list[str] | None = None, languages: list[str] | None = None
) -> tuple[list[Path], list[str]]:
    """The screenshots written, and the layout problems found (also in DIR/layout-problems.txt).
    Sizes are taken side by side, as many at once as the machine has cores: 22 languages at one size
    are some 28 × 22 screens."""
    directory.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("SDL_VIDEODRIVER", "offscreen")
    waiting = list(sizes or DEFAULT_SIZES)
    running: list[tuple[subprocess.Popen[bytes], tempfile.TemporaryDirectory[str]]] = []
    failed = []
    while waiting or running:
        while waiting and len(running) < max(1, os.cpu_count() or 1):
            size = waiting.pop(0)
            scratch = tempfile.TemporaryDirectory(prefix="kiosk-shots-")
            command = [sys.executable, "-m", "kiosk.screenshots", str(directory), size, scratch.name,
                       *(languages or DEFAULT_LANGUAGES)]  # fmt: skip
            running.append((subprocess.Popen(command, env={**env, "KIVY_HOME": str(Path(scratch.name) / "kivy")}),
                            scratch))  # fmt: skip
        process, scratch = running.pop(0)
        if process.wait() != 0:
            failed.append(process.args)
        scratch.cleanup()
    if failed:
        raise subprocess.CalledProcessError(1, failed[0])
    written: list[Path] = []
    problems: list[str] = []
    for size in sizes or DEFAULT_SIZES:
        written += sorted(directory.glob(f"{size}-*.png"))
        found = directory / f"{size}-{PROBLEMS_FILE}"
        problems += found.read_text(encoding="utf-8").splitlines()
        found.unlink()
    (directory / PROBLEMS_FILE).write_text("".join(f"{line}\n" for line in problems), encoding="utf-8")
    return written, problems


def _camera_scene(path: Path) -> Path:
    """What the camera sees in the screenshots: an entrance with no code in view (a code would be read)."""
    import numpy as np
    from PIL import Image

    rows = np.linspace(170, 120, 480, dtype=np.uint8)[:, None, None]
    scene = np.broadcast_to(rows, (480, 640, 3)).copy()
    scene[300:, :, :] = (96, 84, 70)  # a floor
    scene[120:300, 420:560, :] = (150, 110, 80)  # a door
    Image.fromarray(scene).save(path)
    return path


def _one_size(directory: Path, size: str, scratch: Path, codes: list[str]) -> None:
    width, height = (int(x) for x in size.split("x"))
    from kiosk.arrival import Truth
    from kiosk.checkin import Draft, FrontDesk
    from kiosk.demo import demo_config
    from kiosk.launch import prepare_kivy
    from kiosk.config import CameraSettings
    from kiosk import keyboards
    from kiosk.language import languages as installed
    from kiosk.passes import PassCheck
    from kiosk.store import Store

    # A campus that offers every language the kiosk has: the longest row and the fullest language picker.
    config = replace(demo_config(scratch / "data", window_size=(width, height)), languages=tuple(installed()),
                     camera=CameraSettings(source="files", path=_camera_scene(scratch / "camera.png")))  # fmt: skip
    prepare_kivy(config, kivy_home=scratch / "kivy")
    from kiosk.app import KioskApp
    from kiosk.driver import frames, run, screenshot

    desk = FrontDesk(config, Store(config.database_path))
    for first, last, reason in SAMPLE_VISITORS:
        student = "Lucía López" if reason == "pickup" else ""
        desk.check_in(Draft(language="en", first_name=first, last_name=last, reason=reason, student_name=student))
    app = KioskApp(desk)

    from kivy.core.window import Window

    from screens.layout_check import problems

    found: list[str] = []

    def script(app: KioskApp):  # type: ignore[no-untyped-def]
        def shot(name: str):  # type: ignore[no-untyped-def]
            yield from frames(6)  # text that shrinks to fit takes a frame or two to settle
            screenshot(directory / f"{size}-{app.language}-{name}.png")
            for layer in Window.children:
                found.extend(f"{size}-{app.language}-{name}: {problem}" for problem in problems(layer, Window.size))

        def close_dialogs() -> None:
            for child in list(Window.children):
                if child is not app.root:
                    child.dismiss(animation=False)

        for _ in range(40):  # the camera's picture shows once it runs
            if app.camera_on:
                break
            yield 0.05
        for code in codes:
            app.home()
            app.set_language(code)
            yield from shot("welcome")
            app.start_check_in()
            yield from shot("name")
            app.screen("name").ids.first.text = "José"
            app.screen("name").ids.last.text = "Núñez-O'Brien"
            app.screen("name").next()
            yield from shot("reason")
            app.screen("reason").choose("meeting")
            app.screen("host").ids.query.text = "gar"
            yield from shot("host")
            app.screen("host").choose(desk.search_staff("garcía")[0])
            yield from shot("review")
            app.screen("review").open_interpreter_picker()
            yield from shot("interpreter-picker")
            close_dialogs()
            app.screen("review").choose_interpreter("ar")
            app.draft = app.draft.with_(reason="pickup")
            app.show("student")
            app.screen("student").ids.student.text = "Lucía Núñez"
            yield from shot("student")
            app.screen("student").next()
            yield from shot("review-pickup")
            app.show("name")  # first: showing the screen fills its fields from the draft
            app.screen("name").ids.first.text = "José"
            app.screen("name").ids.last.text = "1234"
            app.screen("name").next()
            yield from shot("name-problem")
            app._warn_idle()
            yield from shot("idle-warning")
            close_dialogs()
            keyboard = app.screen("name").ids.keyboard
            keyboard.layer = keyboards.accents_for(code)
            yield from shot("name-accents")
            keyboard.layer = keyboards.letters_for(code) if keyboards.own_layout(code) else keyboards.ALWAYS_OFFERED
            yield from shot("name-other-keys")  # Latin on a screen in another script; else Arabic
            keyboard.forget()
            app.draft = Draft(language=code, first_name="José", last_name="Núñez-O'Brien", reason="pickup",
                              student_name="Lucía Núñez")  # fmt: skip
            app.show("review")
            app.screen("review").confirm()
            yield from shot("done")
            for kind, name, shot_name in ARRIVAL_NEWS:
                app.screen("done").truth = Truth(kind, name)
                yield from shot(shot_name)
            app.show("signout")
            yield from shot("signout")
            on_site = desk.on_site()
            app.screen("signout").choose(on_site[0])
            yield from shot("signout-confirm")
            app.screen("signout").confirm()
            yield from shot("goodbye")
            app.show("passcheck")
            for outcome in ("unknown", "damaged"):
                app.screen("passcheck").show_check(PassCheck(outcome))
                yield from shot(f"pass-{outcome}")
            app.screen("passcheck").show_check(PassCheck("goodbye", on_site=desk.on_site()[0]))
            yield from shot("pass-leaving")
            app.show("pin")
            app.screen("pin").pin = "12"
            yield from shot("pin")
            app.show("admin")
            yield from shot("admin")
            app.open_language_picker()
            yield from shot("language-picker")
            close_dialogs()
            app.attention = "The configuration file /etc/welcome-kiosk/kiosk.toml has 1 problem(s):\n  - screen.idle_seconds: must be a whole number from 10 to 600, not 'abc'"
            app.show("attention")
            yield from shot("attention")
            app.attention = ""

    run(app, script)
    (directory / f"{size}-{PROBLEMS_FILE}").write_text("".join(f"{line}\n" for line in found), encoding="utf-8")


if __name__ == "__main__":
    _one_size(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4:])
