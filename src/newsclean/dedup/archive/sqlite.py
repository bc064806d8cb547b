"""The archive index: every document and paragraph seen before, in an SQLite file (or, for a
team sharing one, in Redis: :mod:`newsclean.dedup.archive.redis`).

Each run looks its paragraphs up in the archive by their LSH band hashes,
verifies the candidates on the stored comparison keys, and afterwards adds its
own documents in one transaction, so a run killed half way leaves the archive
as it was.  A run holds an OS lock on the archive file itself, whatever name or
symbolic link it is reached by, so a second run that wants the same archive at
the same time refuses with a clear message; the lock ends with the process.  A
file with several names (hard links) is refused: SQLite keeps its journal next
to the name it was opened by, so a run killed under one name and resumed under
another would corrupt it.  A file that is not a newsclean archive is refused,
and left as it was.  :meth:`SqliteArchive.reader` reads an archive without its
lock, while a run holds it.

>>> import tempfile, pathlib, numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "archive.sqlite"
>>> with SqliteArchive.open(path, DedupSettings(5, 128, 32, 4)) as archive:
...     added = archive.add([ArchivedDocument("a", "a.txt", "临颍县近年来始终坚持", [(0, "临颍县近年来始终坚持")])],
...                         [np.arange(32, dtype=np.uint32)[None, :]], "2026-11-28T00:00:00")
...     added, archive.stats()["documents"]
(1, 1)
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .base import Archive, ArchivedDocument, ArchiveError, DedupSettings, bucket_keys, check_meta, store_errors

#: Band-hash lookups are sent to SQLite this many at a time.
LOOKUP_CHUNK = 500
#: Bucket rows are inserted this many at a time (bounds the Python list built for them).
INSERT_CHUNK = 100_000
#: SQLite waits this long for a lock that another program reading the archive holds for a moment
#: (``index stats``, the sqlite3 shell); two newsclean runs exclude each other by the OS lock at once.
BUSY_SECONDS = 30
#: The tables of an archive; a database with other tables belongs to another program.
TABLES = {"meta", "documents", "paragraphs", "buckets"}


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    first_seen TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS paragraphs (
    item INTEGER PRIMARY KEY, doc INTEGER NOT NULL REFERENCES documents(doc),
    paragraph INTEGER NOT NULL, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (
    bucket INTEGER NOT NULL, item INTEGER NOT NULL, PRIMARY KEY (bucket, item)) WITHOUT ROWID;
"""


class SqliteArchive(Archive):
    """An open SQLite archive; use :meth:`open` as a context manager."""

    failures = (sqlite3.DatabaseError,)

    def __init__(self, path: Path, connection: sqlite3.Connection, lock: int | None, settings: DedupSettings,
                 made: bool = False):
        self.path, self._db, self._lock, self.settings = path, connection, lock, settings
        self.location = str(path)
        #: whether this run made the archive's file (it did not exist when opened)
        self.made = made

    @classmethod
    def open(cls, path: Path | str, settings: DedupSettings) -> "SqliteArchive":
        """Open (or create) the archive at ``path`` for runs with ``settings``, locked."""
        path = Path(path)
        made = not os.path.lexists(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = _lock(path)
        except OSError as err:  # a folder, a file without permission, a read-only disk
            raise ArchiveError(f"cannot use the archive {path}: {err.strerror}") from None
        db = None
        try:
            db = sqlite3.connect(os.path.realpath(path), isolation_level=None, timeout=BUSY_SECONDS)
            fresh = check_meta(_meta(db, path), path, settings)
            db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL cannot corrupt the file: a killed run loses at most its open
            # transaction, which is all-or-nothing anyway.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA cache_size=-65536")
            if fresh:
                _create(db, fresh)
        except BaseException as err:
            if db is not None:
                db.close()
            os.close(lock)  # after the connection: closing any descriptor of a file drops SQLite's locks on it
            if isinstance(err, sqlite3.DatabaseError):
                raise ArchiveError(_failure(path, err)) from None
            raise
        return cls(path, db, lock, settings, made)

    @classmethod
    def reader(cls, path: Path | str) -> "SqliteArchive":
        """The archive at ``path`` for reading only, without the lock, with the settings it was
        built with."""
        path = Path(path)
        db = None
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                 timeout=BUSY_SECONDS)
            meta = _meta(db, path)
            if not meta:
                raise ArchiveError(f"{path} is not a newsclean archive: it is empty")
            settings = DedupSettings(**json.loads(meta["settings"]))
            check_meta(meta, path, settings)
        except BaseException as err:
            if db is not None:
                db.close()
            if isinstance(err, sqlite3.DatabaseError):
                raise ArchiveError(_failure(path, err)) from None
            raise
        return cls(path, db, None, settings)

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            os.close(self._lock)

    def discard(self) -> None:
        """Close the archive, and remove its file if this run made it and it holds no document
        (a run that failed at start leaves nothing behind).  The file is removed while still
        locked; a run that opens it meanwhile finds, once it holds the lock, that the file it
        locked is no longer at the path, and opens it afresh (:func:`_lock`)."""
        empty = self.made and self._lock is not None and \
            self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
        self._db.close()  # SQLite removes its -wal and -shm files as its last connection closes
        if empty:
            self.path.unlink(missing_ok=True)
        if self._lock is not None:
            os.close(self._lock)

    # -- reading ------------------------------------------------------------------------

    @store_errors
    def candidates(self, bands: np.ndarray) -> list[tuple[int, int]]:
        """``(row, archived item)`` for every row of ``bands`` sharing a band with an archived
        paragraph."""
        buckets = bucket_keys(bands)
        wanted: dict[int, list[int]] = {}
        for row, bucket in zip(np.repeat(np.arange(len(bands)), bands.shape[1]).tolist(), buckets.ravel().tolist()):
            wanted.setdefault(bucket, []).append(row)
        found = set()
        keys = list(wanted)
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start:start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for bucket, item in self._db.execute(
                    f"SELECT bucket, item FROM buckets WHERE bucket IN ({marks})", chunk):
                found.update((row, item) for row in wanted[bucket])
        return sorted(found)

    @store_errors
    def paragraphs(self, items: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        """``item -> (doc, paragraph, key)`` for archived paragraph items."""
        return self._rows("SELECT item, doc, paragraph, key FROM paragraphs WHERE item IN ({})", items,
                          lambda r: (r[0], (r[1], r[2], r[3])))

    @store_errors
    def documents(self, docs: Iterable[int]) -> dict[int, ArchivedDocument]:
        """``doc -> ArchivedDocument`` (without its paragraph keys) for archived documents."""
        return self._rows("SELECT doc, id, source, first_seen, key FROM documents WHERE doc IN ({})", docs,
                          lambda r: (r[0], ArchivedDocument(r[1], r[2], r[4], [], r[3])))

    def _rows(self, query: str, ids: Iterable[int], make) -> dict:
        ids, out = sorted(set(ids)), {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start:start + LOOKUP_CHUNK]
            out.update(make(r) for r in self._db.execute(query.format(",".join("?" * len(chunk))), chunk))
        return out

    @store_errors
    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of the document ids ``ids`` that the archive holds."""
        found = set()
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = list(ids[start:start + LOOKUP_CHUNK])
            found.update(r[0] for r in self._db.execute(
                f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    @store_errors
    def by_id(self, ids: Sequence[str]) -> dict[str, ArchivedDocument]:
        """``id -> ArchivedDocument`` (without its paragraph keys) for the archived ids of ``ids``."""
        found = {}
        ids = list(ids)
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start:start + LOOKUP_CHUNK]
            found.update((r[0], ArchivedDocument(r[0], r[1], r[3], [], r[2])) for r in self._db.execute(
                f"SELECT id, source, first_seen, key FROM documents WHERE id IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    @store_errors
    def stats(self) -> dict:
        """What the archive holds (the keys are :meth:`~newsclean.dedup.archive.base.Archive.stats`'s)."""
        count = lambda table: self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: E731
        meta = dict(self._db.execute("SELECT name, value FROM meta"))
        span = self._db.execute("SELECT MIN(first_seen), MAX(first_seen) FROM documents").fetchone()
        return {"path": str(self.path), "format": int(meta["format"]), "settings": json.loads(meta["settings"]),
                "documents": count("documents"), "paragraphs": count("paragraphs"), "buckets": count("buckets"),
                "first_seen": span[0], "last_seen": span[1], "bytes": self.path.stat().st_size}

    # -- writing ------------------------------------------------------------------------

    def add(self, documents: Sequence[ArchivedDocument], bands: Sequence[np.ndarray], when: str) -> int:
        """Add documents not archived yet, with the band hashes of their paragraphs (one array
        of rows per document, in paragraph order), all in one transaction.  Ids are assigned
        inside the transaction; bucket rows go in sorted by bucket, which keeps B-tree
        inserts local."""
        known = self.known_ids([d.id for d in documents])
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            doc_row = db.execute("SELECT COALESCE(MAX(doc), 0) FROM documents").fetchone()[0]
            item = db.execute("SELECT COALESCE(MAX(item), 0) FROM paragraphs").fetchone()[0]
            doc_rows, paragraph_rows, bucket_rows = [], [], []
            for doc, rows in zip(documents, bands):
                if doc.id in known:
                    continue
                known.add(doc.id)
                doc_row += 1
                doc_rows.append((doc_row, doc.id, doc.source, when, doc.key))
                if len(rows):
                    items = np.arange(item + 1, item + 1 + len(rows), dtype=np.int64)
                    paragraph_rows.extend((int(i), doc_row, p, key) for i, (p, key) in zip(items, doc.paragraph_keys))
                    bucket_rows.append(np.stack([bucket_keys(rows).ravel(), np.repeat(items, rows.shape[1])], axis=1))
                    item += len(rows)
            db.executemany("INSERT INTO documents (doc, id, source, first_seen, key) VALUES (?, ?, ?, ?, ?)", doc_rows)
            db.executemany("INSERT INTO paragraphs (item, doc, paragraph, key) VALUES (?, ?, ?, ?)", paragraph_rows)
            if bucket_rows:
                rows = np.concatenate(bucket_rows)
                rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
                for start in range(0, len(rows), INSERT_CHUNK):
                    db.executemany("INSERT OR IGNORE INTO buckets (bucket, item) VALUES (?, ?)",
                                   rows[start:start + INSERT_CHUNK].tolist())
            db.execute("COMMIT")
        except BaseException as err:
            if db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                db.execute("ROLLBACK")
            if isinstance(err, sqlite3.DatabaseError):
                raise ArchiveError(f"cannot add the batch to the archive {self.path}: {err}; "
                                   "the archive was left as it was") from None
            raise
        return len(doc_rows)


def _lock(path: Path) -> int:
    """A descriptor of the archive file ``path`` (created empty if missing, which SQLite takes for
    a new database) holding an exclusive OS lock on the file itself, whatever name reaches it.
    A lock won on a file that its holder removed meanwhile (:meth:`SqliteArchive.discard`)
    locks nothing, so then the file is made and locked afresh."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            names = os.fstat(fd).st_nlink
            if names > 1:
                raise ArchiveError(f"{path} has {names} names (hard links): SQLite keeps an archive's journal "
                                   "by name, so a run under another name could corrupt it; give it one name "
                                   "(copy it rather than link it)")
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_nlink:  # else removed while we waited for it: open it again
                return fd
        except BaseException as err:
            os.close(fd)
            if isinstance(err, BlockingIOError):
                raise ArchiveError(f"the archive {path} is in use by another run; try again when it has "
                                   "finished") from None
            raise
        os.close(fd)


def _meta(db: sqlite3.Connection, location) -> dict[str, str]:
    """The ``meta`` record of the database ``db``: empty if the database is empty (a new archive);
    :class:`ArchiveError` if it belongs to another program, whose file is then left untouched.

    >>> import sqlite3
    >>> _meta(sqlite3.connect(":memory:"), "new.sqlite")
    {}
    >>> other = sqlite3.connect(":memory:")
    >>> _ = other.execute("CREATE TABLE users (name TEXT)")
    >>> _meta(other, "app.db")
    Traceback (most recent call last):
    newsclean.dedup.archive.base.ArchiveError: app.db is not a newsclean archive (it holds the tables users); it was left as it was
    """
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite!_%' ESCAPE '!'")}  # ANALYZE's
    if not tables:
        return {}
    meta = dict(db.execute("SELECT name, value FROM meta")) if TABLES <= tables else {}
    if "format" not in meta or "settings" not in meta:
        raise ArchiveError(f"{location} is not a newsclean archive (it holds the tables {', '.join(sorted(tables))}); "
                           "it was left as it was")
    return meta


def _create(db: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Create an archive's tables and its ``meta`` record in the empty database ``db``, at once."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", meta.items())
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _failure(location, err: sqlite3.DatabaseError) -> str:
    """The message for an error SQLite raised while opening the archive at ``location``: a file
    that is no database, or one SQLite cannot use now (locked, unreadable)."""
    if isinstance(err, sqlite3.OperationalError):
        return f"cannot use the archive {location}: {err}"
    return f"{location} is not a newsclean archive: {err}"
