"""The `district-server` command: serve, migrate, and the few tasks done before the web pages work.

The database comes from --database-url or $DISTRICT_DATABASE_URL (default: a SQLite file
in the current directory, for a pilot). Production: postgresql+psycopg://user@host/db.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from district import service
from district.app import ServerSettings, create_app
from district.db import make_engine, make_sessions, upgrade
from district.models import ROLES

DEFAULT_URL = "sqlite:///district.sqlite3"
log = logging.getLogger("district")


def _url(args: argparse.Namespace) -> str:
    return args.database_url or os.environ.get("DISTRICT_DATABASE_URL") or DEFAULT_URL


def _sessions(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    engine = make_engine(_url(args))
    upgrade(engine)
    return make_sessions(engine)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers > 1 and _url(args).startswith("sqlite"):
        print("Several workers need PostgreSQL: SQLite lets one process write at a time.", file=sys.stderr)
        return 2
    public_url = args.public_url or os.environ.get("DISTRICT_PUBLIC_URL") or f"http://{args.host}:{args.port}"
    if not public_url.startswith(("https://", "http://")) or any(c.isspace() for c in public_url):
        print(f"--public-url must be an http(s):// address, not {public_url!r}", file=sys.stderr)
        return 2
    if args.workers > 1:
        # Several processes: migrate once here, then each worker builds its app from the environment.
        upgrade(make_engine(_url(args)))
        os.environ["DISTRICT_DATABASE_URL"] = _url(args)
        os.environ["DISTRICT_INSECURE_COOKIES"] = "1" if args.insecure_cookies else ""
        os.environ["DISTRICT_PUBLIC_URL"] = public_url
        uvicorn.run("district.cli:app_from_environment", factory=True, host=args.host, port=args.port,
                    workers=args.workers, proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips)  # fmt: skip
        return 0
    app = create_app(
        ServerSettings(database_url=_url(args), secure_cookies=not args.insecure_cookies, public_url=public_url)
    )
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips)
    return 0


def app_from_environment():  # type: ignore[no-untyped-def]
    """For `uvicorn --factory` with several workers (the schema is already migrated)."""
    return create_app(ServerSettings(
        database_url=os.environ.get("DISTRICT_DATABASE_URL") or DEFAULT_URL,
        secure_cookies=not os.environ.get("DISTRICT_INSECURE_COOKIES"),
        public_url=os.environ.get("DISTRICT_PUBLIC_URL") or ServerSettings.public_url,
        migrate=False,
    ))  # fmt: skip


def cmd_migrate(args: argparse.Namespace) -> int:
    upgrade(make_engine(_url(args)))
    print("the database schema is up to date")
    return 0


def cmd_add_campus(args: argparse.Namespace) -> int:
    codes = [c.strip() for c in args.languages.split(",") if c.strip()]
    with _sessions(args).begin() as db:
        campus = service.add_campus(db, args.name.strip(), args.timezone, codes, codes[0] if codes else "")
        print(f"campus {campus.id}: {campus.name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    with _sessions(args)() as db:
        for campus in db.scalars(select(service.Campus).order_by(service.Campus.id)):
            print(f"campus {campus.id}: {campus.name} ({campus.timezone}; {campus.languages})")
            for kiosk in db.scalars(select(service.Kiosk).where(service.Kiosk.campus_id == campus.id)):
                state = "revoked" if kiosk.revoked_ms else "enrolled" if kiosk.token_hash else "waiting for its code"
                print(f"  kiosk {kiosk.id}: {kiosk.name} ({state})")
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    password = os.environ.get("DISTRICT_NEW_PASSWORD")
    if not password and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.email} (at least {service.MIN_PASSWORD} characters): ")
        if getpass.getpass("The same password again: ") != password:
            print("The two passwords differ; no user made.", file=sys.stderr)
            return 2
    elif not password:
        password = sys.stdin.readline().rstrip("\n")
    with _sessions(args).begin() as db:
        user = service.add_user(db, args.email, args.name or args.email, password, args.role, args.campus)
        print(f"user {user.id}: {user.email} ({user.role})")
    return 0


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    with _sessions(args).begin() as db:
        new = service.add_kiosk(db, args.campus, args.name)
        print(f"kiosk {new.kiosk.id} ({new.kiosk.name}); one-time enrollment code, valid "
              f"{service.ENROLLMENT_HOURS} h: {new.code}")  # fmt: skip
    return 0


def cmd_import_staff(args: argparse.Namespace) -> int:
    from district.roster import MAX_UPLOAD_BYTES, parse_upload
    from kiosk.directory import DirectoryError
    from kiosk.files import FileRefused, read_regular

    files: dict[str, bytes] = {}
    for name in args.files:  # a FIFO or /dev/zero named by mistake must not hang or fill the memory
        try:
            files[Path(name).name] = read_regular(Path(name), MAX_UPLOAD_BYTES)
        except FileRefused as exc:
            print(f"Nothing imported: {name} {exc}", file=sys.stderr)
            return 2
    try:
        roster = parse_upload(files, args.org)
    except DirectoryError as exc:
        hint = "" if args.org else " (for a OneRoster export, name the school with --org SOURCEDID)"
        print(f"Nothing imported: {exc}{hint}", file=sys.stderr)
        return 2
    for problem in roster.problems:
        print(f"  {problem} (skipped)")
    if not roster.members and not args.allow_empty:
        print("Nothing imported: the files have no usable staff for this campus, and importing them would remove "
              "everyone. Check --org, or pass --allow-empty to really empty the directory.", file=sys.stderr)  # fmt: skip
        return 2
    with _sessions(args).begin() as db:
        if db.get(service.Campus, args.campus) is None:
            raise service.NotFound(f"there is no campus {args.campus} (see `district-server list`)")
        result = service.replace_staff(db, args.campus, roster.members)
    print(f"{result.added} added, {result.changed} changed, {result.removed} removed, {result.unchanged} unchanged")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from district.demo import serve_demo

    return serve_demo(Path(args.data_dir), args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="district-server", description="Welcome Kiosk's district server.")
    parser.add_argument("--database-url", help=f"SQLAlchemy URL (default $DISTRICT_DATABASE_URL or {DEFAULT_URL})")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API and the web pages")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: behind a proxy)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL only; SQLite wants one)")
    serve.add_argument("--insecure-cookies", action="store_true", help="allow session cookies over plain http (a pilot)")
    serve.add_argument("--public-url", help="the https address staff's phones reach this server at, for the "
                       "'on my way' links in alerts (default $DISTRICT_PUBLIC_URL or http://HOST:PORT)")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted for X-Forwarded-*")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("list", help="list the campuses and their kiosks, with their ids").set_defaults(func=cmd_list)
    campus = sub.add_parser("add-campus", help="add a campus")
    campus.add_argument("name")
    campus.add_argument("--timezone", required=True, help="e.g. America/Chicago")
    campus.add_argument("--languages", default="en,es", help="comma-separated, default first (default en,es)")
    campus.set_defaults(func=cmd_add_campus)
    user = sub.add_parser("add-user", help="add a web user (password from $DISTRICT_NEW_PASSWORD, the terminal or stdin)")
    user.add_argument("email")
    user.add_argument("--name")
    user.add_argument("--role", choices=ROLES, required=True)
    user.add_argument("--campus", type=int, help="a secretary's campus id")
    user.set_defaults(func=cmd_add_user)
    kiosk = sub.add_parser("add-kiosk", help="add a kiosk to a campus and print its one-time enrollment code")
    kiosk.add_argument("--campus", type=int, required=True)
    kiosk.add_argument("name")
    kiosk.set_defaults(func=cmd_add_kiosk)
    imp = sub.add_parser("import-staff", help="replace a campus's staff from a CSV or a OneRoster export")
    imp.add_argument("--campus", type=int, required=True)
    imp.add_argument("--org", help="the school's sourcedId in a OneRoster export")
    imp.add_argument("--allow-empty", action="store_true", help="accept an import that removes every staff member")
    imp.add_argument("files", nargs="+", help="staff.csv, or OneRoster users.csv (and orgs.csv)")
    imp.set_defaults(func=cmd_import_staff)
    demo = sub.add_parser("demo", help="a demo server with a campus, staff and users (for `make demo`)")
    demo.add_argument("--data-dir", default=".demo")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.func(args)
    except (service.Refused, service.NotFound) as exc:
        print(f"Not done: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Not done: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # most often: the database cannot be reached, or refuses this user
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"Database problem: {reason}  (database {_url(args).split('@')[-1]}; -v for details)", file=sys.stderr)
        if args.verbose:
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
