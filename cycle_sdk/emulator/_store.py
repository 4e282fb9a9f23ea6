"""Document storage: in memory, optionally written through to SQLite so state survives a restart.

One table of JSON documents keyed by (scope, kind, id): scope is a hub ID, or "" for global
resources (hubs, accounts). Besides the API document, each record keeps its path parents (the
container of an instance) and emulator-private data (a job's plan). Reads are always served from
memory; SQLite is only read at start.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

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
            # Autocommit: every save is durable on its own, so a killed emulator loses nothing.
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._load()

    def _load(self) -> None:
        assert self._db is not None
        rows = self._db.execute("SELECT scope, kind, id, seq, parents, extra, doc FROM documents ORDER BY seq")
        for scope, kind, id_, seq, parents, extra, doc in rows:
            record = Record(scope, kind, id_, json.loads(doc), json.loads(parents), json.loads(extra), seq)
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


__all__ = ["Record", "Store"]
