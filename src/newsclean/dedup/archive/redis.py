"""The archive in Redis, for a team sharing one: ``--index redis://HOST:PORT/DB``.

The same records as the SQLite archive: a hash per document and per paragraph, a set of
paragraph items per (band, band hash) bucket, and the format and settings in a meta
hash.  A batch is added in one MULTI/EXEC transaction (ids are reserved first, so a
killed run leaves at most unused ids).  A lock key with the owner's token makes a
second run refuse while the first holds it.  The lock lives :data:`LOCK_SECONDS` unless
the run renews it, which a thread of the run does every :data:`RENEW_SECONDS`, so the
lock of a run that died is gone soon; :meth:`RedisArchive.unlock` breaks it at once.
A run adds its batch only if it still holds its lock (a transaction that watches the
lock key).  Reading (``index stats``) takes no lock.  Needs
``pip install 'newsclean[redis]'``.

>>> bucket_key(4294967303)  # band 1, hash 7
'newsclean:bucket:4294967303'
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from typing import Iterable, Sequence

import numpy as np

from .base import Archive, ArchivedDocument, ArchiveError, DedupSettings, bucket_keys, check_meta, store_errors

#: A run's lock expires this many seconds after it was last renewed: a run that dies without
#: releasing it holds the archive no longer than this.
LOCK_SECONDS = 30
#: A live run renews its lock this often, well within LOCK_SECONDS, so that a slow network or a
#: busy machine does not lose it.
RENEW_SECONDS = 5
#: While a batch's transaction is sent and run, the lock is not renewed (a renewal would touch
#: the key the transaction watches), so it is first extended to this long.
COMMIT_SECONDS = 600
PREFIX = "newsclean"
LOCK = f"{PREFIX}:lock"
#: Renew the lock KEYS[1] for ARGV[2] milliseconds if it is still the token ARGV[1]'s; 1 if it was.
RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0"""
#: Delete the lock KEYS[1] if it is still the token ARGV[1]'s.
RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""


class RedisArchive(Archive):
    """An archive kept in one Redis database; see the module docstring."""

    def __init__(self, url: str, client, token: str | None, settings: DedupSettings):
        import redis
        self.url, self._r, self._token, self.settings = url, client, token, settings
        self.location, self.failures = url, (redis.RedisError,)
        self._renew = client.register_script(RENEW)
        self._held = threading.Lock()  # no renewal between the check of the lock and the batch's transaction
        self._closed = threading.Event()
        if token:
            threading.Thread(target=self._keep_lock, name="newsclean-archive-lock", daemon=True).start()

    @staticmethod
    def _client(url: str):
        try:
            import redis
        except ImportError:
            raise ArchiveError("a Redis archive needs the redis client: pip install 'newsclean[redis]'") from None
        # No timeout on replies: a large batch's transaction takes longer than any fixed one (a
        # ``socket_timeout`` in the URL still rules); a dead server is found by keep-alive.
        return redis, redis.Redis.from_url(url, decode_responses=True, socket_timeout=None,
                                           socket_connect_timeout=10, socket_keepalive=True)

    @classmethod
    def reader(cls, url: str) -> "RedisArchive":
        """The archive at ``url`` for reading only, without the lock, with the settings it was
        built with."""
        redis, client = cls._client(url)
        with _closed_on_failure(redis, client, url):
            meta = client.hgetall(f"{PREFIX}:meta")
            if not meta:
                raise ArchiveError(f"{url} holds no newsclean archive")
            settings = DedupSettings(**json.loads(meta["settings"]))
            check_meta(meta, url, settings)
        return cls(url, client, None, settings)

    @classmethod
    def unlock(cls, url: str) -> str:
        """Remove the lock on the archive at ``url``, whoever holds it; what was done, in a
        sentence.  Only for the lock of a run that died: a live run that loses its lock then
        refuses to add its batch."""
        redis, client = cls._client(url)
        try:
            token, seconds = client.get(LOCK), client.ttl(LOCK)
            if token is None:
                return f"{url} was not locked"
            client.delete(LOCK)
        except redis.RedisError as err:
            raise ArchiveError(f"cannot use the archive {url}: {err}") from None
        finally:
            client.close()
        return f"removed the lock on {url} (token {token}, {seconds} s left)"

    @classmethod
    def open(cls, url: str, settings: DedupSettings) -> "RedisArchive":
        redis, client = cls._client(url)
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        with _closed_on_failure(redis, client, url):
            if not client.set(LOCK, token, nx=True, ex=LOCK_SECONDS):
                raise ArchiveError(f"the archive {url} is in use by another run; try again when it has finished "
                                   f"(if that run died, its lock ends within {LOCK_SECONDS} s, or at once with "
                                   f"'newsclean index unlock {url}')")
            archive = cls(url, client, token, settings)
        try:
            archive._check_meta()
        except (redis.RedisError, ArchiveError) as err:
            archive.close()
            if isinstance(err, ArchiveError):
                raise
            raise ArchiveError(f"cannot use the archive {url}: {err}") from None
        return archive

    def _check_meta(self) -> None:
        fresh = check_meta(self._r.hgetall(f"{PREFIX}:meta"), self.url, self.settings)
        if fresh:
            self._r.hset(f"{PREFIX}:meta", mapping=fresh)

    def _keep_lock(self) -> None:
        """Renew the lock every RENEW_SECONDS until the archive is closed or the lock is lost (then
        :meth:`add` refuses)."""
        import redis
        while not self._closed.wait(RENEW_SECONDS):
            try:
                with self._held:
                    if not self._renew(keys=[LOCK], args=[self._token, LOCK_SECONDS * 1000]):
                        return
            except redis.RedisError:  # a connection that failed for a moment: the next round tries again
                continue

    def close(self) -> None:
        import redis
        self._closed.set()
        if self._token:
            # a connection lost by now cannot release the lock, but the lock then ends by itself soon
            with self._held, contextlib.suppress(redis.RedisError):
                self._r.eval(RELEASE, 1, LOCK, self._token)
        self._r.close()

    @store_errors
    def candidates(self, bands: np.ndarray) -> list[tuple[int, int]]:
        """``(row, archived item)`` for every row of ``bands`` sharing a band with an archived
        paragraph."""
        buckets = bucket_keys(bands)
        rows = np.repeat(np.arange(len(bands)), bands.shape[1]).tolist()
        keys = buckets.ravel().tolist()
        pipe = self._r.pipeline(transaction=False)
        for bucket in keys:
            pipe.smembers(bucket_key(bucket))
        found = set()
        for row, members in zip(rows, pipe.execute()):
            found.update((row, int(item)) for item in members)
        return sorted(found)

    @store_errors
    def paragraphs(self, items: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        """``item -> (doc, paragraph, key)`` for archived paragraph items."""
        items = sorted(set(items))
        pipe = self._r.pipeline(transaction=False)
        for item in items:
            pipe.hgetall(f"{PREFIX}:paragraph:{item}")
        return {item: (int(h["doc"]), int(h["paragraph"]), h["key"])
                for item, h in zip(items, pipe.execute()) if h}

    @store_errors
    def documents(self, docs: Iterable[int]) -> dict[int, ArchivedDocument]:
        """``doc -> ArchivedDocument`` (without its paragraph keys) for archived documents."""
        docs = sorted(set(docs))
        pipe = self._r.pipeline(transaction=False)
        for doc in docs:
            pipe.hgetall(f"{PREFIX}:document:{doc}")
        return {doc: ArchivedDocument(h["id"], h["source"], h["key"], [], h["first_seen"])
                for doc, h in zip(docs, pipe.execute()) if h}

    @store_errors
    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of the document ids ``ids`` that the archive holds."""
        ids = list(ids)
        archived = self._r.hmget(f"{PREFIX}:ids", ids) if ids else []
        return {i for i, doc in zip(ids, archived) if doc is not None}

    @store_errors
    def by_id(self, ids: Sequence[str]) -> dict[str, ArchivedDocument]:
        """``id -> ArchivedDocument`` (without its paragraph keys) for the archived ids of ``ids``."""
        ids = list(ids)
        archived = self._r.hmget(f"{PREFIX}:ids", ids) if ids else []
        numbers = {i: int(doc) for i, doc in zip(ids, archived) if doc is not None}
        documents = self.documents(numbers.values())
        return {i: documents[doc] for i, doc in numbers.items() if doc in documents}

    @store_errors
    def stats(self) -> dict:
        """What the archive holds (the keys are :meth:`~newsclean.dedup.archive.base.Archive.stats`'s):
        ``buckets`` is paragraphs × bands, exact since :meth:`add` puts each paragraph in one
        bucket per band, where counting would scan every key; ``bytes`` is the server's
        ``used_memory``, or ``None`` if it refuses ``INFO`` to this client."""
        meta = self._r.hgetall(f"{PREFIX}:meta")
        settings = json.loads(meta["settings"])
        paragraphs = int(self._r.get(f"{PREFIX}:items") or 0)
        return {"path": self.url, "format": int(meta["format"]), "settings": settings,
                "documents": self._r.hlen(f"{PREFIX}:ids"), "paragraphs": paragraphs,
                "buckets": paragraphs * settings["bands"],
                "first_seen": self._r.get(f"{PREFIX}:first_seen"), "last_seen": self._r.get(f"{PREFIX}:last_seen"),
                "bytes": self._used_memory()}

    def _used_memory(self) -> int | None:
        """The server's ``used_memory``, or ``None`` if it refuses ``INFO`` to this client (an ACL
        or a renamed command, as managed services have): a run's batch is added all the same."""
        import redis
        try:
            return self._r.info("memory")["used_memory"]
        except redis.ResponseError:
            return None

    @store_errors
    def add(self, documents: Sequence[ArchivedDocument], bands: Sequence[np.ndarray], when: str) -> int:
        """Add documents not archived yet, all in one MULTI/EXEC transaction."""
        known = self.known_ids([d.id for d in documents])
        new, seen = [], set()
        for d, rows in zip(documents, bands):
            if d.id not in known and d.id not in seen:
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
                for bucket in bucket_keys(row[None, :]).ravel().tolist():
                    pipe.sadd(bucket_key(bucket), item)
        pipe.incrby(f"{PREFIX}:items", paragraphs)
        pipe.setnx(f"{PREFIX}:first_seen", when)
        pipe.set(f"{PREFIX}:last_seen", when)
        self._commit(pipe)
        return len(new)

    def _commit(self, pipe) -> None:
        """Execute the transaction ``pipe`` if this run still holds its lock; :class:`ArchiveError`
        if another took it.  The lock is extended for the commit (:data:`COMMIT_SECONDS`), then
        watched, then checked to be this run's: a lock broken and taken before the watch is seen
        by the check, one taken after it fails the transaction."""
        import redis
        lost = ArchiveError(f"this run lost its lock on the archive {self.url} (it was broken, or not renewed "
                            f"for {LOCK_SECONDS} s), so its batch was not added: run again")
        with self._held:
            if not self._renew(keys=[LOCK], args=[self._token, COMMIT_SECONDS * 1000]):
                pipe.reset()
                raise lost
            pipe.watch(LOCK)
            if pipe.get(LOCK) != self._token:
                pipe.reset()
                raise lost
            try:
                pipe.execute()
            except redis.WatchError:
                raise lost from None


def bucket_key(bucket: int) -> str:
    """The key of the set of paragraph items in the LSH bucket ``bucket`` (see
    :func:`~newsclean.dedup.archive.base.bucket_keys`)."""
    return f"{PREFIX}:bucket:{bucket}"


@contextlib.contextmanager
def _closed_on_failure(redis, client, url: str):
    """Close ``client`` if the block fails; a Redis error becomes :class:`ArchiveError`."""
    try:
        yield
    except redis.RedisError as err:
        client.close()
        raise ArchiveError(f"cannot use the archive {url}: {err}") from None
    except BaseException:
        client.close()
        raise
