"""The archive in Redis, for a team sharing one: ``--index redis://HOST:PORT/DB``.

The same records as the SQLite archive: a hash per document and per paragraph, a set of
paragraph items per (band, band hash) bucket, and the format and settings in a meta
hash.  A batch is added in one MULTI/EXEC transaction (ids are reserved first, so a
killed run leaves at most unused ids), and a lock key with the owner's token makes a
second run refuse while the first holds it.  Needs ``pip install 'newsclean[redis]'``.
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Iterable, Sequence

import numpy as np

from .archive import ArchivedDocument, ArchiveError, DedupSettings, _buckets, check_meta

#: A run's lock expires after this many seconds if the run dies without releasing it.
LOCK_SECONDS = 6 * 3600
PREFIX = "newsclean"


class RedisArchive:
    """An archive kept in one Redis database; see the module docstring."""

    def __init__(self, url: str, client, token: str, settings: DedupSettings):
        self.url, self._r, self._token, self.settings = url, client, token, settings

    @staticmethod
    def _client(url: str):
        try:
            import redis
        except ImportError:
            raise ArchiveError("a Redis archive needs the redis client: pip install 'newsclean[redis]'") from None
        return redis, redis.Redis.from_url(url, decode_responses=True)

    @classmethod
    def settings_of(cls, url: str) -> DedupSettings:
        """The settings the archive at ``url`` was built with."""
        redis, client = cls._client(url)
        try:
            settings = client.hget(f"{PREFIX}:meta", "settings")
        except redis.RedisError as err:
            raise ArchiveError(f"cannot use the archive {url}: {err}") from None
        finally:
            client.close()
        if settings is None:
            raise ArchiveError(f"{url} holds no newsclean archive")
        return DedupSettings(**json.loads(settings))

    @classmethod
    def open(cls, url: str, settings: DedupSettings) -> "RedisArchive":
        redis, client = cls._client(url)
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        try:
            if not client.set(f"{PREFIX}:lock", token, nx=True, ex=LOCK_SECONDS):
                raise ArchiveError(f"the archive {url} is in use by another run; try again when it has finished")
            archive = cls(url, client, token, settings)
            archive._check_meta()
        except redis.RedisError as err:
            raise ArchiveError(f"cannot use the archive {url}: {err}") from None
        except ArchiveError:
            if client.get(f"{PREFIX}:lock") == token:
                client.delete(f"{PREFIX}:lock")
            raise
        return archive

    def _check_meta(self) -> None:
        fresh = check_meta(self._r.hgetall(f"{PREFIX}:meta"), self.url, self.settings)
        if fresh:
            self._r.hset(f"{PREFIX}:meta", mapping=fresh)

    def close(self) -> None:
        if self._r.get(f"{PREFIX}:lock") == self._token:
            self._r.delete(f"{PREFIX}:lock")
        self._r.close()

    def __enter__(self) -> "RedisArchive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def candidates(self, bands: np.ndarray) -> list[tuple[int, int]]:
        buckets = _buckets(bands)
        rows = np.repeat(np.arange(len(bands)), bands.shape[1]).tolist()
        keys = buckets.ravel().tolist()
        pipe = self._r.pipeline(transaction=False)
        for bucket in keys:
            pipe.smembers(f"{PREFIX}:bucket:{bucket}")
        found = set()
        for row, members in zip(rows, pipe.execute()):
            found.update((row, int(item)) for item in members)
        return sorted(found)

    def paragraphs(self, items: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        items = sorted(set(items))
        pipe = self._r.pipeline(transaction=False)
        for item in items:
            pipe.hgetall(f"{PREFIX}:paragraph:{item}")
        return {item: (int(h["doc"]), int(h["paragraph"]), h["key"])
                for item, h in zip(items, pipe.execute()) if h}

    def documents(self, docs: Iterable[int]) -> dict[int, ArchivedDocument]:
        docs = sorted(set(docs))
        pipe = self._r.pipeline(transaction=False)
        for doc in docs:
            pipe.hgetall(f"{PREFIX}:document:{doc}")
        return {doc: ArchivedDocument(h["id"], h["source"], h["key"], [], h["first_seen"])
                for doc, h in zip(docs, pipe.execute()) if h}

    def stats(self) -> dict:
        meta = self._r.hgetall(f"{PREFIX}:meta")
        return {"path": self.url, "format": int(meta["format"]), "settings": json.loads(meta["settings"]),
                "documents": self._r.hlen(f"{PREFIX}:ids"), "paragraphs": int(self._r.get(f"{PREFIX}:items") or 0),
                "first_seen": self._r.get(f"{PREFIX}:first_seen"), "last_seen": self._r.get(f"{PREFIX}:last_seen")}

    def add(self, documents: Sequence[ArchivedDocument], bands: Sequence[np.ndarray], when: str) -> int:
        """Add documents not archived yet, all in one MULTI/EXEC transaction."""
        archived = self._r.hmget(f"{PREFIX}:ids", [d.id for d in documents]) if documents else []
        new, seen = [], set()
        for d, rows, existing in zip(documents, bands, archived):
            if existing is None and d.id not in seen:
                new.append((d, rows))
                seen.add(d.id)
        if not new:
            return 0
        paragraphs = sum(len(d.paragraph_keys) for d, _ in new)
        last_doc = self._r.incrby(f"{PREFIX}:docs", len(new))
        last_item = self._r.incrby(f"{PREFIX}:item_ids", paragraphs) if paragraphs else 0
        doc_id, item = last_doc - len(new), last_item - paragraphs
        pipe = self._r.pipeline(transaction=True)
        for d, rows in new:
            doc_id += 1
            pipe.hset(f"{PREFIX}:document:{doc_id}", mapping={"id": d.id, "source": d.source,
                                                                "first_seen": when, "key": d.key})
            pipe.hset(f"{PREFIX}:ids", d.id, doc_id)
            for (paragraph, key), row in zip(d.paragraph_keys, rows):
                item += 1
                pipe.hset(f"{PREFIX}:paragraph:{item}", mapping={"doc": doc_id, "paragraph": paragraph, "key": key})
                for bucket in _buckets(row[None, :]).ravel().tolist():
                    pipe.sadd(f"{PREFIX}:bucket:{bucket}", item)
        pipe.incrby(f"{PREFIX}:items", paragraphs)
        pipe.setnx(f"{PREFIX}:first_seen", when)
        pipe.set(f"{PREFIX}:last_seen", when)
        pipe.execute()
        return len(new)
