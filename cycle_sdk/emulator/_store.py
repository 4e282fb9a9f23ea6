"""Document storage: in memory, optionally written through to SQLite so state survives a restart.

One table of JSON documents keyed by (scope, kind, id): scope is a hub ID, or "" for global
resources (hubs, accounts). Besides the API document, each record keeps its path parents (the
container of an instance) and emulator-private data (a job's plan). Reads are always served from
memory; SQLite is only read at start.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ._schema import JSON

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    scope   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    parents TEXT NOT NULL,
    extra   TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (scope, kind, id)
)
"""


class StoreError(Exception):
    """A database path that cannot hold the emulator's state (the message says why, in one line)."""


@dataclass
class Record:
    """A stored resource. Mutate `doc`/`extra` freely, then `Store.save` it."""

    scope: str
    kind: str
    id: str
    doc: dict[str, JSON]
    parents: dict[str, str] = field(default_factory=dict)
    extra: dict[str, JSON] = field(default_factory=dict)
    seq: int = 0


class Store:
    """Records by (scope, kind, id), in insertion order; thread safe."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._lock = threading.RLock()
        self._data: dict[tuple[str, str], dict[str, Record]] = {}
        self._seq = 0
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._open(os.fspath(path))

    def _open(self, path: str) -> None:
        """Open (or create) the SQLite file at `path` and load it; StoreError if it cannot hold state."""
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            folder = os.path.dirname(path) or "."
            if not os.path.isdir(folder):
                raise StoreError(f"{path}: the folder {folder} does not exist") from None
            mode = None
        except OSError as error:
            raise StoreError(f"{path}: {error.strerror or error}") from None
        if mode is not None and not stat.S_ISREG(mode):
            # A FIFO would block the open; a directory or device is no database either.
            raise StoreError(f"{path} is not a regular file (a directory, FIFO or device); give a SQLite file's path")
        if mode is not None and os.path.getsize(path) > 0:
            _check_existing(path)  # read only: another program's file is refused untouched
        try:
            # Autocommit: every save is durable on its own, so a killed emulator loses nothing.
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._load()
        except (sqlite3.Error, ValueError, TypeError) as error:
            self.close()
            self._data.clear()
            raise StoreError(f"{path} is not an emulator database ({error}); give a new path or one it wrote") from None

    def _load(self) -> None:
        assert self._db is not None
        rows = self._db.execute("SELECT scope, kind, id, seq, parents, extra, doc FROM documents ORDER BY seq")
        for scope, kind, id_, seq, parents, extra, doc in rows:
            record = Record(scope, kind, id_, _object(doc), _object(parents), _object(extra), int(seq))
            self._data.setdefault((scope, kind), {})[id_] = record
            self._seq = max(self._seq, seq)

    def get(self, scope: str, kind: str, id_: str) -> Record | None:
        with self._lock:
            return self._data.get((scope, kind), {}).get(id_)

    def records(self, scope: str, kind: str) -> list[Record]:
        with self._lock:
            return list(self._data.get((scope, kind), {}).values())

    def save(self, record: Record) -> Record:
        with self._lock:
            bucket = self._data.setdefault((record.scope, record.kind), {})
            if record.id not in bucket:
                self._seq += 1
                record.seq = self._seq
            bucket[record.id] = record
            if self._db is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.scope,
                        record.kind,
                        record.id,
                        record.seq,
                        json.dumps(record.parents),
                        json.dumps(record.extra),
                        json.dumps(record.doc),
                    ),
                )
            return record

    def delete(self, scope: str, kind: str, id_: str) -> Record | None:
        with self._lock:
            record = self._data.get((scope, kind), {}).pop(id_, None)
            if record is not None and self._db is not None:
                self._db.execute("DELETE FROM documents WHERE scope = ? AND kind = ? AND id = ?", (scope, kind, id_))
            return record

    def delete_scope(self, scope: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k[0] == scope]:
                del self._data[key]
            if self._db is not None:
                self._db.execute("DELETE FROM documents WHERE scope = ?", (scope,))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM documents")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


_COLUMNS: Final = ("scope", "kind", "id", "seq", "parents", "extra", "doc")


def _check_existing(path: str) -> None:
    """StoreError unless `path` is a SQLite database holding the emulator's table and nothing else."""
    uri = Path(path).absolute().as_uri() + "?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            columns = tuple(row[1] for row in db.execute("PRAGMA table_info(documents)"))
    except sqlite3.Error as error:
        raise StoreError(f"{path} is not an emulator database ({error}); give a new path or one it wrote") from None
    if tables != ["documents"] or columns != _COLUMNS:
        raise StoreError(
            f"{path} is a SQLite database of another program (tables: {', '.join(tables) or 'none'}); "
            "give a new path or one the emulator wrote"
        )


def _object(text: object) -> dict[str, JSON]:
    """A stored JSON object (ValueError for anything else: the file was not written by the emulator)."""
    value = json.loads(text) if isinstance(text, str | bytes) else None
    if not isinstance(value, dict):
        raise ValueError("a row holds no JSON object")
    return value


__all__ = ["Record", "Store", "StoreError"]
