"""What every archive back-end shares: the :class:`Archive` interface the deduplicator and the
job use, the records it keeps, its error, and the checks and keys both back-ends compute alike.

>>> import numpy as np
>>> bucket_keys(np.array([[7, 7]], dtype=np.uint32)).tolist()  # band 0 and band 1 of one paragraph
[[7, 4294967303]]
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence, runtime_checkable

import numpy as np

#: The archive format this newsclean reads and writes; an archive of another is refused.
FORMAT = 1


class ArchiveError(RuntimeError):
    """The archive cannot be used: another run holds it, it was written by another version, or it
    is not an archive."""


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


@runtime_checkable
class Archive(Protocol):
    """An open archive, of either back-end: what the deduplicator and the job use.  Open one with
    :func:`~newsclean.dedup.archive.open_archive` (locked, for a run) or
    :func:`~newsclean.dedup.archive.read_archive` (for reading), and close it, or use it as a
    context manager.  A fault of the store behind it is :class:`ArchiveError`."""

    #: Where the archive is, as the user named it: a file or a Redis URL.
    location: str
    #: The settings its fingerprints were made with.
    settings: DedupSettings

    def candidates(self, bands: np.ndarray) -> list[tuple[int, int]]:
        """``(row, archived item)`` for every row of ``bands`` sharing a band with an archived
        paragraph, sorted."""

    def paragraphs(self, items: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        """``item -> (doc, paragraph, key)`` for archived paragraph items."""

    def documents(self, docs: Iterable[int]) -> dict[int, ArchivedDocument]:
        """``doc -> ArchivedDocument`` (without its paragraph keys) for archived documents."""

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of the document ids ``ids`` that the archive holds."""

    def by_id(self, ids: Sequence[str]) -> dict[str, ArchivedDocument]:
        """``id -> ArchivedDocument`` (without its paragraph keys) for those of the document ids
        ``ids`` that the archive holds."""

    def add(self, documents: Sequence[ArchivedDocument], bands: Sequence[np.ndarray], when: str) -> int:
        """Add the documents not archived yet, seen at ``when``, with the band hashes of their
        paragraphs (one array of rows per document, in paragraph order), all or none; how many
        were added."""

    def stats(self) -> dict:
        """What the archive holds, with the same keys in both back-ends:

        ``path``
            where it is (the file, or the Redis URL);
        ``format``, ``settings``
            its format and the :class:`DedupSettings` it was built with;
        ``documents``, ``paragraphs``
            how many are archived;
        ``buckets``
            the entries of its LSH index, one per archived paragraph and band (SQLite counts
            its bucket rows; Redis, which would have to scan its keys, computes paragraphs ×
            bands, which its :meth:`add` makes exact);
        ``first_seen``, ``last_seen``
            when the first and the last document was added (``None`` while empty);
        ``bytes``
            the storage it takes: the SQLite file's size, or the memory the Redis server uses
            (``used_memory`` of ``INFO``, which counts the server's other databases too: Redis
            cannot tell one database's share cheaply; ``None`` if the server refuses ``INFO``)."""

    def close(self) -> None:
        """Release the archive's lock, if held, and its connection."""

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bucket_keys(bands: np.ndarray) -> np.ndarray:
    """One signed 64-bit integer per (row, band): the band number and its hash together."""
    band_numbers = np.arange(bands.shape[1], dtype=np.int64)[None, :] << np.int64(32)
    return band_numbers | bands.astype(np.int64)


def store_errors(method):
    """Decorate an archive's method: an error of the store behind it (``self.failures``: a
    disk that failed or filled, a server gone) becomes :class:`ArchiveError` naming the archive."""
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self.failures as err:
            raise ArchiveError(f"cannot use the archive {self.location}: {err}") from None
    return guarded


def check_meta(meta: dict[str, str], location, settings: DedupSettings) -> dict[str, str] | None:
    """Check an archive's ``meta`` record against this newsclean and ``settings``; for a new
    archive (empty ``meta``), return the record to store.  Shared by both backends.

    >>> check_meta({}, "new.sqlite", DedupSettings(5, 128, 32, 4))
    {'format': '1', 'settings': '{"bands": 32, "ngram": 5, "num_perm": 128, "rows": 4}'}
    """
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
