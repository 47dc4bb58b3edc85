"""The `kiosk` command: run, demo, screenshots, hash-pin, enroll, send-refused, check-config, fonts, scan, camera."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from pathlib import Path

from kiosk.config import DEFAULT_CONFIG_PATH, ConfigError, load_config
from kiosk.pin import check_pin_format, hash_pin

log = logging.getLogger("kiosk")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("PIL", "kivy"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)


def _desk_for(config):  # type: ignore[no-untyped-def]
    """The kiosk's core; syncing with the district server starts if the kiosk is enrolled."""
    from kiosk.checkin import FrontDesk
    from kiosk.store import Store
    from kiosk.sync import SyncClient, load_enrollment

    desk = FrontDesk(config, Store(config.database_path))
    enrollment = load_enrollment(config.enrollment_path)
    if enrollment is None:
        log.info("not enrolled with a district server: visits stay on this kiosk (see `kiosk enroll`)")
    else:
        desk.start_sync(SyncClient(desk.store, enrollment, config.ca_bundle))
    return desk


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.launch import prepare_kivy

    path = Path(args.config or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        config = load_config(path)
        problem = None
    except ConfigError as exc:
        log.error("%s", exc)
        config, problem = None, exc
    prepare_kivy(config)
    from kiosk.app import KioskApp

    desk = _desk_for(config) if config else None
    app = KioskApp(desk, problem=problem, reload=lambda: _desk_for(load_config(path)))
    app.run()
    if app.desk is not None:
        app.desk.stop_sync()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.demo import DEMO_PIN, demo_config
    from kiosk.launch import prepare_kivy

    data_dir = Path(args.data_dir or Path.home() / ".local/share/welcome-kiosk-demo")
    config = demo_config(data_dir)
    prepare_kivy(config)
    from kiosk.app import KioskApp

    print(f"Welcome Kiosk demo: visits are stored in {config.database_path}")
    print(f"Staff mode: tap the school's name five times, then PIN {DEMO_PIN}.")
    KioskApp(_desk_for(config)).run()
    return 0


def cmd_screenshots(args: argparse.Namespace) -> int:
    from kiosk.screenshots import take_all

    written, problems = take_all(Path(args.directory), sizes=args.size or None, languages=args.language or None)
    print(f"{len(written)} screenshots in {args.directory}")
    if problems:
        print(f"{len(problems)} layout problem(s), listed in {Path(args.directory) / 'layout-problems.txt'}:")
        for line in problems:
            print(f"  {line}")
    return 1 if problems and args.check else 0


def cmd_hash_pin(_args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        pin = getpass.getpass("New staff PIN (4 to 12 digits): ")
        if getpass.getpass("The same PIN again: ") != pin:
            print("The two PINs differ; nothing was made.", file=sys.stderr)
            return 2
    else:
        pin = sys.stdin.readline().strip()
    try:
        check_pin_format(pin)
    except ValueError as exc:
        print(f"Not a usable PIN: {exc}.", file=sys.stderr)
        return 2
    print(hash_pin(pin))
    return 0


def _config_of(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The config --config names (else $KIOSK_CONFIG, else the default), or None after printing why not."""
    try:
        return load_config(Path(args.config or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG_PATH))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None


def cmd_send_refused(args: argparse.Namespace) -> int:
    """The events the server refused go again at the kiosk's next sync (run it after the fix)."""
    from kiosk.store import Store, StoreUnavailable

    config = _config_of(args)
    if config is None:
        return 1
    store = Store(config.database_path)
    try:
        for event, reason in store.refused_events():
            print(f"{event.get('type')} {event.get('id') or event.get('visit_id')}: {reason}")
        count = store.send_refused_again()
    except StoreUnavailable as exc:
        print(f"The kiosk's store cannot be used: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{count} refused event{'' if count == 1 else 's'} will be sent again at the next sync.")
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    from kiosk.sync import SyncError, enroll, load_enrollment

    config = _config_of(args)
    if config is None:
        return 1
    previous = load_enrollment(config.enrollment_path)
    if previous is not None:
        print(f"This kiosk was enrolled as {previous.kiosk_name!r} with {previous.server_url}; "
              "a new code replaces that enrollment.")  # fmt: skip
    try:
        enrollment = enroll(args.server, args.code, config.enrollment_path, config.ca_bundle)
    except ValueError as exc:
        print(f"Not enrolled: {exc}", file=sys.stderr)
        return 2
    except SyncError as exc:
        print(f"Not enrolled: the server said {exc.detail}" if exc.kind == "refused" else f"Not enrolled: {exc}",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"Enrolled as {enrollment.kiosk_name!r} with {enrollment.server_url}; token saved in {config.enrollment_path}")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """One verdict: "OK" only when the kiosk can use the file and the staff directory it names."""
    from kiosk.directory import DirectoryError, load_csv

    try:
        config = load_config(Path(args.config))
        directory = load_csv(config.directory_csv) if config.directory_csv else None
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except DirectoryError as exc:  # the config itself is fine: the problem is the file its directory.csv names
        print(ConfigError(args.config, [f"directory.csv: {exc}"]), file=sys.stderr)
        return 1
    print(f"{args.config}: OK ({config.campus_name}; languages {', '.join(config.languages)})")
    if directory is not None:
        print(f"staff directory: {len(directory)} staff")
        for problem in directory.problems:
            print(f"  {config.directory_csv}: {problem} (skipped)")
    return 0


def cmd_fonts(args: argparse.Namespace) -> int:
    from kiosk import fontbuild

    unknown = [name for name in args.name if name not in fontbuild.RECIPES]
    if unknown:
        print(f"No such font: {', '.join(unknown)} (there are {', '.join(fontbuild.RECIPES)})", file=sys.stderr)
        return 2
    out_dir = Path(args.dir) if args.dir else fontbuild.default_build_dir()

    def report(outcome: fontbuild.Outcome) -> None:
        name = outcome.recipe.name
        if outcome.state == "built":
            size = outcome.path.stat().st_size / 1e6 if outcome.path else 0
            print(f"{name}: built {outcome.path} ({size:.1f} MB) in {outcome.seconds:.1f} s")
        elif outcome.state == "failed":
            print(f"{name}: FAILED: {outcome.problem}", file=sys.stderr)
        elif not args.quiet:
            print(f"{name}: {outcome.state} ({outcome.path or outcome.problem})")

    if not args.quiet:
        print(f"Fonts for Arabic and Hebrew mixed with Latin, and the CJK faces, in {out_dir}")
    outcomes = fontbuild.build_all(out_dir, args.name or None, force=args.force, progress=report)
    if args.prune:
        for path in fontbuild.prune(out_dir):
            print(f"removed the outdated {path}")
    return 1 if any(outcome.state == "failed" for outcome in outcomes) else 0


def cmd_scan(args: argparse.Namespace) -> int:
    """One JSON object a line per file, for IT checking a camera's pictures and for benchmarks."""
    import json

    from kiosk.qrdecode import DECODERS, scan_files

    failed = False
    for answer in scan_files((Path(f) for f in args.file), DECODERS[args.decoder]):
        failed |= "error" in answer
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def cmd_camera(args: argparse.Namespace) -> int:
    """The configured camera, read as the kiosk reads it, for `--seconds`: a JSON line per code, then its status.
    With --save, the last frame as a PNG, for `kiosk scan` and for looking at (focus, glare, framing)."""
    import json
    import threading

    from kiosk.camera import FINISHED, RUNNING, Scanner

    config = _config_of(args)
    if config is None:
        return 1
    lock = threading.Lock()

    def report(codes: list[str]) -> None:
        with lock:
            line = {"codes": codes, "s": round(time.monotonic() - started, 2)}
            print(json.dumps(line, ensure_ascii=False), flush=True)

    scanner = Scanner.from_settings(config.camera, report, retry=(1.0, 5.0))
    scanner.want_preview(args.save is not None)
    started = time.monotonic()
    scanner.start()
    try:
        while time.monotonic() - started < args.seconds and scanner.status().state not in ("off", FINISHED):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    status = scanner.status()
    preview = scanner.preview()
    scanner.stop()
    answer = {"state": status.state, "source": status.source, "reason": status.reason, "fps": round(status.fps, 1),
              "size": status.size, "frames": status.frames, "dropped": status.dropped, "decode_ms": status.decode_ms}
    if args.save is not None and preview is not None:
        from PIL import Image

        Image.fromarray(preview.image).save(args.save)
        answer["saved"] = args.save
    with lock:
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0 if status.state in (RUNNING, FINISHED) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Welcome Kiosk: visitor sign-in for school front offices.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the kiosk with a config file")
    run.add_argument("--config", help=f"the TOML config file (default $KIOSK_CONFIG or {DEFAULT_CONFIG_PATH})")
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="run the kiosk on built-in demo settings, no config needed")
    demo.add_argument("--data-dir", help="where the demo stores visits (default ~/.local/share/welcome-kiosk-demo)")
    demo.set_defaults(func=cmd_demo)
    shots = sub.add_parser("screenshots", help="a PNG of every screen, in each language and size")
    shots.add_argument("directory")
    shots.add_argument("--size", action="append",
                       help="WIDTHxHEIGHT (repeatable; default 800x480, 1280x800, 1920x1080 and 720x1280)")  # fmt: skip
    shots.add_argument("--language", action="append", help="language code (repeatable; default en and es)")
    shots.add_argument("--check", action="store_true", help="exit 1 if any text does not fit on any screen")
    shots.set_defaults(func=cmd_screenshots)
    hp = sub.add_parser("hash-pin", help="make the staff.pin_hash value for a PIN (read from the terminal or stdin)")
    hp.set_defaults(func=cmd_hash_pin)
    en = sub.add_parser("enroll", help="connect this kiosk to the district server with a one-time code")
    en.add_argument("--server", required=True, help="the district server, e.g. https://kiosks.example.org")
    en.add_argument("--code", required=True, help="the enrollment code from the district page")
    en.add_argument("--config", help=f"the TOML config file (default $KIOSK_CONFIG or {DEFAULT_CONFIG_PATH})")
    en.set_defaults(func=cmd_enroll)
    sr = sub.add_parser("send-refused", help="send the events the district server refused again, after a fix")
    sr.add_argument("--config", help=f"the TOML config file (default $KIOSK_CONFIG or {DEFAULT_CONFIG_PATH})")
    sr.set_defaults(func=cmd_send_refused)
    cc = sub.add_parser("check-config", help="validate a config file and its staff directory, then exit")
    cc.add_argument("config")
    cc.set_defaults(func=cmd_check_config)
    fo = sub.add_parser("fonts", help="build the fonts made from Noto's: Arabic/Hebrew with Latin, CJK faces")
    fo.add_argument("--dir", help="build into DIR (default $KIOSK_FONT_CACHE, else /var/cache/welcome-kiosk/fonts "
                                  "as root, else ~/.cache/welcome-kiosk/fonts)")  # fmt: skip
    fo.add_argument("--force", action="store_true", help="build again even those already built")
    fo.add_argument("--prune", action="store_true", help="also remove fonts built from older font packages")
    fo.add_argument("--quiet", action="store_true", help="print only what is built or fails")
    fo.add_argument("name", nargs="*", help="only these (default all): " + ", ".join(_font_names()))
    fo.set_defaults(func=cmd_fonts)
    sc = sub.add_parser("scan", help="read the QR codes in still images (PNG, JPEG, WebP): a JSON line per file")
    sc.add_argument("file", nargs="+")
    sc.add_argument("--decoder", choices=_decoder_names(), default="kiosk",
                    help="default kiosk: zxing-cpp, then second passes where it reads nothing")  # fmt: skip
    sc.set_defaults(func=cmd_scan)
    ca = sub.add_parser("camera", help="read the configured camera for a while: a JSON line per code, then status")
    ca.add_argument("--config", help=f"the TOML config file (default $KIOSK_CONFIG or {DEFAULT_CONFIG_PATH})")
    ca.add_argument("--seconds", type=float, default=10.0, help="how long to read (default 10)")
    ca.add_argument("--save", metavar="FILE.png", help="save the last frame, to look at or to `kiosk scan`")
    ca.set_defaults(func=cmd_camera)
    return parser


def _decoder_names() -> list[str]:
    from kiosk.qrdecode import DECODERS

    return list(DECODERS)


def _font_names() -> list[str]:
    from kiosk.fontbuild import RECIPES

    return list(RECIPES)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
