"""Files named on the command line (`--body @FILE`, `--body -`, `auth login --key-file FILE`):
regular files only, read up to a limit, never waited on.

A FIFO would block the open (and then the read) for as long as its writer likes, and a device
such as /dev/zero never ends; both are refused at once, as is a file over the limit, before
anything is read into memory.
"""

from __future__ import annotations

import os
import stat
import sys

# A request body is JSON of a few KiB; the bundled emulator takes at most 8 MiB.
MAX_BODY_BYTES = 8 * 1024 * 1024
# An API key is a few dozen characters (the SDK's token files are held to the same 64 KiB).
MAX_KEY_BYTES = 64 * 1024
# No wait on a FIFO at open; no following into a terminal's controlling session.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileRefused(Exception):
    """The file cannot be used; the message says why (never its contents)."""


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _decoded(data: bytes, limit: int) -> str:
    if len(data) > limit:
        raise FileRefused(f"it is larger than {_size(limit)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("it is not UTF-8 text") from None


def read_file(path: str, limit: int) -> str:
    """The text of the regular file at `path`, of at most `limit` bytes; FileRefused otherwise."""
    from cycle_sdk._tokens import _read_at_most

    try:
        fd = os.open(os.path.expanduser(path), _OPEN_FLAGS)
    except OSError as exc:
        raise FileRefused(exc.strerror or type(exc).__name__) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise FileRefused(f"it is {kind}, not a regular file" if kind.startswith("a ") else f"it is {kind}")
        if info.st_size > limit:
            raise FileRefused(f"it is larger than {_size(limit)}")
        data = _read_at_most(fd, limit + 1)  # a file may grow after fstat, or report no size (/proc)
    except OSError as exc:
        raise FileRefused(exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)
    return _decoded(data, limit)


def read_stdin(limit: int) -> str:
    """Standard input, of at most `limit` bytes (`< /dev/zero` is refused at the limit)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream put in place of stdin (an embedding program, a test)
        return _decoded(sys.stdin.read(limit + 1).encode("utf-8", "surrogateescape"), limit)
    return _decoded(stream.read(limit + 1), limit)


def read_stdin_line(limit: int) -> str:
    """The first line of standard input, of at most `limit` bytes."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return _decoded(sys.stdin.readline(limit + 1).encode("utf-8", "surrogateescape"), limit)
    return _decoded(stream.readline(limit + 1), limit)


__all__ = ["MAX_BODY_BYTES", "MAX_KEY_BYTES", "FileRefused", "read_file", "read_stdin", "read_stdin_line"]
