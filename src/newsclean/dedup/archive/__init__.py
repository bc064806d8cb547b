"""The archive of every document and paragraph seen before, behind one interface
(:class:`Archive`) with two back-ends: an SQLite file (:mod:`~newsclean.dedup.archive.sqlite`)
or, for a team sharing one, a Redis database (:mod:`~newsclean.dedup.archive.redis`).  The
location picks the back-end: ``redis://``, ``rediss://`` and ``unix://`` URLs are Redis, anything
else a file.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "archive.sqlite"
>>> with open_archive(path, DedupSettings(5, 128, 32, 4)) as archive:
...     isinstance(archive, Archive), archive.stats()["documents"]
(True, 0)
>>> unlock_archive(path)  # doctest: +ELLIPSIS
'.../archive.sqlite is locked only while a process has it open (an OS lock): there is nothing to unlock'
"""
from __future__ import annotations

from pathlib import Path

from .base import Archive, ArchivedDocument, ArchiveError, DedupSettings
from .redis import RedisArchive
from .sqlite import SqliteArchive

__all__ = ["Archive", "ArchivedDocument", "ArchiveError", "DedupSettings", "open_archive", "read_archive",
           "unlock_archive"]

#: The URL schemes of a Redis archive (those redis-py's ``from_url`` reads).
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_archive(location: str | Path, settings: DedupSettings) -> Archive:
    """The archive at ``location``, an SQLite file or ``redis://HOST:PORT/DB``, locked for a run."""
    if _in_redis(location):
        return RedisArchive.open(str(location), settings)
    return SqliteArchive.open(location, settings)


def read_archive(location: str | Path) -> Archive:
    """The archive at ``location`` opened for reading only, without taking its lock: a run may
    be using it meanwhile."""
    if _in_redis(location):
        return RedisArchive.reader(str(location))
    return SqliteArchive.reader(location)


def unlock_archive(location: str | Path) -> str:
    """Break the lock that a run which died left on the archive at ``location``; what was done,
    in a sentence for the user."""
    if _in_redis(location):
        return RedisArchive.unlock(str(location))
    return f"{location} is locked only while a process has it open (an OS lock): there is nothing to unlock"


def _in_redis(location: str | Path) -> bool:
    return str(location).startswith(REDIS_SCHEMES)
