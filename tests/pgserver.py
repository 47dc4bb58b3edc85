"""A throwaway PostgreSQL server for tests: a fresh cluster in a temp dir, on a free localhost port.

Why not a shared server: tests must not depend on (or damage) whatever PostgreSQL happens to run on the machine,
and a private cluster with ``trust`` auth needs no passwords or setup.  Start-up takes a second or two.

Usage::

    with PostgresServer() as server:
        engine = create_engine(server.create_database("kiosk"))

``require_postgres()`` skips a test when no PostgreSQL is installed, except on CI (``CI=true``), where it fails:
CI must really exercise PostgreSQL rather than silently skip it.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

SUPERUSER = "kiosk_test"
SYSTEM_USER = "postgres"  # initdb refuses to run as root, so as root we run the server as this user
PG_BIN_ENV = "PG_BIN"
_TOOLS = ("initdb", "pg_ctl")
_SOCKET_PATH_LIMIT = 100  # unix socket paths are limited to ~107 bytes; leave room for "/.s.PGSQL.NNNNN"


class PostgresError(RuntimeError):
    """The server could not be set up, started or used; the message includes the server log where useful."""


def _has_tools(directory: Path) -> bool:
    return all((directory / tool).is_file() and os.access(directory / tool, os.X_OK) for tool in _TOOLS)


def _version_key(directory: Path) -> tuple[int, ...]:
    """/usr/lib/postgresql/9.6/bin -> (9, 6): sort numerically so that 15 beats 9.6."""
    return tuple(int(part) for part in re.findall(r"\d+", directory.parent.name)) or (0,)


def find_pg_bin() -> Path | None:
    """The directory holding initdb and pg_ctl: $PG_BIN, else the newest /usr/lib/postgresql/*/bin, else $PATH.

    Debian keeps the server tools off $PATH (only wrappers are there), hence the explicit search.
    An explicit but wrong $PG_BIN gives None rather than silently falling back to another version.
    """
    explicit = os.environ.get(PG_BIN_ENV)
    if explicit:
        path = Path(explicit)
        return path if _has_tools(path) else None
    candidates = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if _has_tools(d)]
    if candidates:
        return max(candidates, key=_version_key)
    initdb = shutil.which("initdb")
    if initdb and _has_tools(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def missing_reason() -> str | None:
    """Why a PostgreSQL server can't be started here, or None if it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg (3) is not installed"
    if find_pg_bin() is None:
        explicit = os.environ.get(PG_BIN_ENV)
        if explicit:
            return f"${PG_BIN_ENV}={explicit} does not contain initdb and pg_ctl"
        return (
            "PostgreSQL server tools not found (no /usr/lib/postgresql/*/bin/initdb; set $PG_BIN or install postgresql)"
        )
    if _is_root():
        if shutil.which("runuser") is None:
            return "running as root, and runuser (needed to run PostgreSQL as a non-root user) is missing"
        try:
            import pwd

            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"running as root, and there is no {SYSTEM_USER!r} system user to run PostgreSQL as"
    return None


def require_postgres() -> Path:
    """Return the PostgreSQL bin dir; skip the test if there is none, but fail when $CI is 'true'."""
    import pytest

    reason = missing_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required on CI: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    bin_dir = find_pg_bin()
    assert bin_dir is not None
    return bin_dir


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it); start() retries if someone takes it meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _utf8_locale() -> str:
    """C.UTF-8 where the system has it (so lower()/upper() and ILIKE handle non-ASCII names), else C."""
    try:
        out = subprocess.run(["locale", "-a"], check=False, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "C"
    names = {line.strip().lower().replace("-", "") for line in out.splitlines()}
    return "C.UTF-8" if "c.utf8" in names else "C"


def _quote_conf(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresServer:
    """A private PostgreSQL cluster: ``start()`` creates and starts it, ``stop()`` stops it and deletes its files."""

    def __init__(self, bin_dir: Path | None = None, *, timeout: float = 30.0, max_connections: int = 200) -> None:
        self.bin_dir = bin_dir
        self.timeout = timeout
        self.max_connections = max_connections
        self.user = SUPERUSER
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._as_root = _is_root()

    # --- paths -----------------------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "server.log"

    def log(self) -> str:
        """The server log (empty if there is none yet): the first thing to read when start-up fails."""
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except (OSError, AssertionError):
            return ""

    # --- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.port is not None

    def start(self) -> Self:
        """Create the cluster and start the server; raises PostgresError (with the log) if it won't come up."""
        if self.running:
            return self
        reason = missing_reason() if self.bin_dir is None else None
        if reason is not None:
            raise PostgresError(reason)
        if self.bin_dir is None:
            self.bin_dir = find_pg_bin()
        assert self.bin_dir is not None
        self.base_dir = self._make_base_dir()
        atexit.register(self.stop)  # a safety net if the caller never reaches stop()
        try:
            self._initdb()
            for _attempt in range(3):
                port = free_port()
                self._configure(port)
                log_before = len(self.log())
                started = self._pg_ctl_start()
                if started.returncode == 0:
                    self.port = port
                    break
                new_log = self.log()[log_before:]
                if "could not bind" not in new_log and "already in use" not in new_log:
                    raise PostgresError(
                        f"PostgreSQL did not start:\n{started.stdout}{started.stderr}\n--- server log ---\n{self.log()}"
                    )
                # Another process took the port between free_port() and the bind: try a new one.
            else:
                raise PostgresError(f"PostgreSQL found no free port.\n--- server log ---\n{self.log()}")
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: disconnects clients) and delete the cluster; safe to call twice."""
        atexit.unregister(self.stop)
        if self.base_dir is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                result = self._run(
                    [
                        self._tool("pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "stop",
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        str(int(self.timeout)),
                    ],
                    check=False,
                )
                if result.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
                    self._run(
                        [
                            self._tool("pg_ctl"),
                            "-D",
                            str(self.data_dir),
                            "stop",
                            "-m",
                            "immediate",
                            "-w",
                            "-t",
                            str(int(self.timeout)),
                        ],
                        check=False,
                    )
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
            self.port = None

    # --- databases -------------------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL for a database on this server (trust auth: no password)."""
        if self.port is None:
            raise PostgresError("server not started")
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres"):  # -> psycopg.Connection; untyped to keep psycopg import lazy
        """A psycopg autocommit connection, e.g. for CREATE DATABASE (which can't run in a transaction)."""
        import psycopg

        if self.port is None:
            raise PostgresError("server not started")
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=dbname,
            autocommit=True,
            connect_timeout=max(2, int(self.timeout)),
        )

    def create_database(self, name: str) -> str:
        """Create an empty database (dropping any old one of that name, kicking out its clients); return its URL."""
        from psycopg import sql

        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        with self.connect() as conn:
            force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self.connect() as conn:
            force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)

    # --- internals -------------------------------------------------------------------------------------------

    def _tool(self, name: str) -> str:
        assert self.bin_dir is not None
        return str(self.bin_dir / name)

    def _make_base_dir(self) -> Path:
        """A private temp dir; as root it lives in /tmp (traversable by all) and is handed to the postgres user."""
        parent = None if not self._as_root else "/tmp"
        if parent is None and len(tempfile.gettempdir()) > _SOCKET_PATH_LIMIT - 30:
            parent = "/tmp"  # e.g. a long $TMPDIR: the unix socket path would be too long
        base = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir=parent))
        if self._as_root:
            import pwd

            entry = pwd.getpwnam(SYSTEM_USER)
            base.chmod(0o755)
            os.chown(base, entry.pw_uid, entry.pw_gid)
        return base

    def _env(self) -> dict[str, str]:
        """The caller's environment minus PG* variables, which would redirect the tools (PGDATA, PGPORT, ...)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"  # tool messages in English, so we can recognise "could not bind"
        env["LC_MESSAGES"] = "C"
        return env

    def _run(
        self, args: list[str], *, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool, as the postgres user when we are root (initdb and postgres refuse root)."""
        assert self.base_dir is not None
        if self._as_root:
            args = ["runuser", "-u", SYSTEM_USER, "--", *args]
        try:
            result = subprocess.run(
                args,
                check=False,
                cwd=self.base_dir,
                env=self._env(),
                capture_output=True,
                text=True,
                timeout=timeout or self.timeout + 30,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresError(f"{args} timed out.\n--- server log ---\n{self.log()}") from exc
        if check and result.returncode != 0:
            raise PostgresError(
                f"{args} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                f"\n--- server log ---\n{self.log()}"
            )
        return result

    def _initdb(self) -> None:
        self._run(
            [
                self._tool("initdb"),
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                self.user,
                "--encoding",
                "UTF8",
                "--locale",
                _utf8_locale(),
                "--no-sync",
            ],
            timeout=120,
        )

    def _configure(self, port: int) -> None:
        """Append our settings to postgresql.conf (later lines win, so a retry with a new port just appends)."""
        assert self.base_dir is not None
        settings = {
            "listen_addresses": _quote_conf(self.host),
            "port": str(port),
            "unix_socket_directories": _quote_conf(str(self.base_dir)),
            "max_connections": str(self.max_connections),
            # Speed over durability: a crash only loses a throwaway test cluster. NEVER use these in production.
            "fsync": "off",
            "full_page_writes": "off",
            "synchronous_commit": "off",
        }
        text = "".join(f"{key} = {value}\n" for key, value in settings.items())
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:  # written as root: fine
            conf.write("\n# --- tests/pgserver.py ---\n" + text)

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        """Start and wait (-w) until the server reports ready; a non-zero returncode if it didn't come up."""
        return self._run(
            [
                self._tool("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(int(self.timeout)),
                "start",
            ],
            check=False,
        )

    def _wait_until_ready(self) -> None:
        """pg_ctl -w already waited; also make sure TCP connections as our superuser work, within the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                with self.connect() as conn:
                    conn.execute("SELECT 1")
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"PostgreSQL does not accept connections on port {self.port}: {exc}"
                        f"\n--- server log ---\n{self.log()}"
                    ) from exc
                time.sleep(0.1)
