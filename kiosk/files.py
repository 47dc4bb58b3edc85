"""Reading a file someone named in a config or on a command line, without trusting what it is.

A device (/dev/zero), a FIFO or a file of gigabytes must give a clear reason, never hang the
kiosk at start or fill its memory: the file is opened without blocking, must be a regular file,
and is read up to a limit.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class FileRefused(ValueError):
    """The file exists but is not one to read: not a regular file, or over the limit.

    The message reads after the file's name: "/dev/zero is not a regular file ...".
    """


def check_regular(path: Path, mode: int | None = None) -> None:
    """FileRefused (IsADirectoryError for a folder) unless `path` is a regular file; OSError as os.stat raises it."""
    mode = os.stat(path).st_mode if mode is None else mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        raise FileRefused("is not a regular file (a device or a pipe cannot be read as one)")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FileRefused or OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO opens at once, unread
    try:
        info = os.fstat(fd)
        check_regular(path, info.st_mode)
        if info.st_size > limit:
            raise FileRefused(f"is {info.st_size // 1_000_000} MB; the limit is {limit // 1_000_000} MB")
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):  # it may grow while read
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileRefused(f"is over {limit // 1_000_000} MB, the limit")
        return b"".join(chunks)
    finally:
        os.close(fd)


def why_unusable(exc: OSError | FileRefused) -> str:
    """Why a file could not be read, to follow its name: "/etc/x.csv does not exist"."""
    if isinstance(exc, FileNotFoundError):
        return "does not exist"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, FileRefused):
        return str(exc)
    return f"cannot be read: {exc.strerror or exc}"  # a name over 255 bytes, a loop of links, no permission
