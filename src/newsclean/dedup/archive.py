"""The archive index: every document and paragraph seen before, in an SQLite file (or, for a
team sharing one, in Redis: :mod:`newsclean.dedup.archive_redis`).

Each run looks its paragraphs up in the archive by their LSH band hashes,
verifies the candidates on the stored comparison keys, and afterwards adds its
own documents in one transaction, so a run killed half way leaves the archive
as it was.  A lock file next to the archive makes a second run that wants the
same archive at the same time refuse with a clear message.

>>> import tempfile, pathlib, numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "archive.sqlite"
>>> with Archive.open(path, DedupSettings(5, 128, 32, 4)) as archive:
...     added = archive.add([ArchivedDocument("a", "a.txt", "临颍县近年来始终坚持", [(0, "临颍县近年来始终坚持")])],
...                         [np.arange(32, dtype=np.uint32)[None, :]], "2026-11-28T00:00:00")
...     added, archive.stats()["documents"]
(1, 1)
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

FORMAT = 1
#: Band-hash lookups are sent to SQLite this many at a time.
LOOKUP_CHUNK = 500
#: Bucket rows are inserted this many at a time (bounds the Python list built for them).
INSERT_CHUNK = 100_000


class ArchiveError(RuntimeError):
    """The archive cannot be used: another run holds it, or it was written by another version."""


@dataclass(frozen=True)
class DedupSettings:
    """What must match between an archive and a run for their fingerprints to be comparable."""

    ngram: int
    num_perm: int
    bands: int
    rows: int


@dataclass
class ArchivedDocument:
    """A document as the archive keeps it: id, source, comparison key, and its paragraphs'
    ``(index, key)``."""

    id: str
    source: str
    key: str
    paragraph_keys: list[tuple[int, str]]
    first_seen: str = ""


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


def open_archive(location: str | Path, settings: DedupSettings):
    """The archive at ``location``: an SQLite file, or ``redis://HOST:PORT/DB``."""
    if str(location).startswith(("redis://", "rediss://", "unix://")):
        from .archive_redis import RedisArchive
        return RedisArchive.open(str(location), settings)
    return Archive.open(location, settings)


def archive_settings(location: str | Path) -> DedupSettings:
    """The fingerprint settings the archive at ``location`` was built with."""
    if str(location).startswith(("redis://", "rediss://", "unix://")):
        from .archive_redis import RedisArchive
        return RedisArchive.settings_of(str(location))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{location}?mode=ro", uri=True)) as db:
            return DedupSettings(**json.loads(db.execute("SELECT value FROM meta WHERE name = 'settings'").fetchone()[0]))
    except (sqlite3.DatabaseError, TypeError, ValueError) as err:
        raise ArchiveError(f"{location} is not a newsclean archive: {err}") from None


class Archive:
    """An open SQLite archive; use :meth:`open` as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection, lock, settings: DedupSettings):
        self.path, self._db, self._lock, self.settings = path, connection, lock, settings

    @classmethod
    def open(cls, path: Path | str, settings: DedupSettings) -> "Archive":
        """Open (or create) the archive at ``path`` for runs with ``settings``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(f"{path}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise ArchiveError(f"the archive {path} is in use by another run; try again when it has finished") \
                from None
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL cannot corrupt the file: a killed run loses at most its open
            # transaction, which is all-or-nothing anyway.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA cache_size=-65536")
            db.executescript(SCHEMA)
            _check_meta(db, path, settings)
        except (sqlite3.DatabaseError, ArchiveError) as err:
            lock.close()
            if isinstance(err, ArchiveError):
                raise
            raise ArchiveError(f"{path} is not a newsclean archive: {err}") from None
        return cls(path, db, lock, settings)

    def close(self) -> None:
        self._db.close()
        self._lock.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------

    def candidates(self, bands: np.ndarray) -> list[tuple[int, int]]:
        """``(row, archived item)`` for every row of ``bands`` sharing a band with an archived
        paragraph."""
        buckets = _buckets(bands)
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

    def paragraphs(self, items: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        """``item -> (doc, paragraph, key)`` for archived paragraph items."""
        return self._rows("SELECT item, doc, paragraph, key FROM paragraphs WHERE item IN ({})", items,
                          lambda r: (r[0], (r[1], r[2], r[3])))

    def documents(self, docs: Iterable[int]) -> dict[int, ArchivedDocument]:
        return self._rows("SELECT doc, id, source, first_seen, key FROM documents WHERE doc IN ({})", docs,
                          lambda r: (r[0], ArchivedDocument(r[1], r[2], r[4], [], r[3])))

    def _rows(self, query: str, ids: Iterable[int], make) -> dict:
        ids, out = sorted(set(ids)), {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start:start + LOOKUP_CHUNK]
            out.update(make(r) for r in self._db.execute(query.format(",".join("?" * len(chunk))), chunk))
        return out

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        found = set()
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = list(ids[start:start + LOOKUP_CHUNK])
            found.update(r[0] for r in self._db.execute(
                f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def stats(self) -> dict:
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
                    bucket_rows.append(np.stack([_buckets(rows).ravel(), np.repeat(items, rows.shape[1])], axis=1))
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
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(doc_rows)


def _buckets(bands: np.ndarray) -> np.ndarray:
    """One signed 64-bit integer per (row, band): the band number and its hash together."""
    band_numbers = np.arange(bands.shape[1], dtype=np.int64)[None, :] << np.int64(32)
    return band_numbers | bands.astype(np.int64)


def _check_meta(db: sqlite3.Connection, path: Path, settings: DedupSettings) -> None:
    meta = dict(db.execute("SELECT name, value FROM meta"))
    fresh = check_meta(meta, path, settings)
    if fresh:
        db.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", fresh.items())


def check_meta(meta: dict[str, str], location, settings: DedupSettings) -> dict[str, str] | None:
    """Check an archive's ``meta`` record against this newsclean and ``settings``; for a new
    archive (empty ``meta``), return the record to store.  Shared by both backends."""
    wanted = json.dumps(settings.__dict__, sort_keys=True)
    if not meta:
        return {"format": str(FORMAT), "settings": wanted}
    if meta.get("format") != str(FORMAT):
        raise ArchiveError(f"{location} is an archive of format {meta.get('format')}; this newsclean reads "
                           f"format {FORMAT}: rebuild it with 'newsclean index add'")
    if meta.get("settings") != wanted:
        raise ArchiveError(f"{location} was built with {meta.get('settings')}, this run uses {wanted}: "
                           "fingerprints made with other settings cannot be compared")
    return None
