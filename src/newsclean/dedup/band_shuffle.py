"""The ``cluster`` stage's pair search on Ray Data: no band hash reaches the driver.

On one machine, LSH reads every item's hash of one band at a time into the
driver (:meth:`~newsclean.dedup.Deduplicator.similar_pairs`).  On Ray the band
hashes stay in the shards' files, and a Ray Data pipeline finds the pairs:

1. *read*: one task a shard reads its ``bands.bin`` and emits a row for each
   item and band: the bucket (band and hash) and the item's number in the run.
   An item too short to fingerprint gets one row, its bucket a 64-bit hash of
   its key, so that equal short keys meet as they do on one machine;
2. *buckets*, shuffled by bucket: each group sorts its buckets and pairs every
   member with its bucket's first, as :func:`~newsclean.dedup.lsh.candidate_pairs`
   does;
3. *pairs*, shuffled by pair: each group drops the pairs found in more than one
   band and verifies the rest on their keys (:func:`~newsclean.dedup.group_tasks.verified_pairs`),
   read through the run's :class:`~newsclean.dedup.prints.ShardReader` by a
   :class:`~newsclean.dedup.shard_table.ShardTable`.

The result is the same pairs, with the same similarities, as on one machine:
:func:`pair_dataset` leaves them on Ray for the clustering that follows
(:mod:`~newsclean.dedup.ray_cluster`), :func:`similar_pairs` collects them in the
driver (for an archive run, which clusters there).  Tasks read the work folder, so on a cluster of
several machines it must be on storage every node reads (a shared file system).

>>> from newsclean.document import Document
>>> import ray, tempfile, pathlib
>>> from newsclean.shards import Shard, process_shard
>>> from newsclean.options import RunOptions
>>> from newsclean.spool import Spool
>>> spool = Spool.open(pathlib.Path(tempfile.mkdtemp()), {}, resume=False)
>>> story = "近年来，临颍县始终坚持围绕发展抓党建、抓好党建促发展的理念，全面提升了全县基层党建水平。"
>>> for n, text in enumerate([story, story + "又", "舞阳县强力实施基层党建助力脱贫攻坚工程。"]):
...     spool.save(process_shard(RunOptions(), Shard(n, [Document(f"d{n}", text)])))
>>> bases = shard_bases([spool.summary(n)[2] for n in range(3)])
>>> _ = ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
>>> similar_pairs(spool, bases, DedupOptions(), 1)  # doctest: +ELLIPSIS
{(0, 1): 0.97...}
>>> ray.shutdown()
"""
from __future__ import annotations

import hashlib

import numpy as np

from . import shard_table
from .deduplicator import DedupOptions
from .group_tasks import verified_pairs
from .lsh import bucket_pairs
from .prints import ShardReader, shard_bases  # noqa: F401  (shard_bases: for the example)
from .ray_groups import group_count, shuffle


def similar_pairs(reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                  cpus: int) -> dict[tuple[int, int], float]:
    """The verified pairs of the run whose shards ``reader`` reads, its shards numbered by ``bases``
    (:func:`~newsclean.dedup.prints.shard_bases`), found on the Ray that is running, in at
    least ``cpus`` shuffle groups, collected here in order."""
    pairs = {}
    if bases[-1, 1] < 2:
        return pairs
    for batch in pair_dataset(reader, bases, options, cpus).iter_batches(batch_format="numpy"):
        pairs.update(zip(zip(batch["a"].tolist(), batch["b"].tolist()), batch["similarity"].tolist()))
    return dict(sorted(pairs.items()))


def pair_dataset(reader: ShardReader, bases: np.ndarray, options: DedupOptions, cpus: int):
    """The verified pairs of :func:`similar_pairs` as a lazy Ray Dataset (columns ``a``,
    ``b``, ``similarity``), in no particular order, for steps that stay on Ray."""
    import ray

    groups = group_count(int(bases[-1, 1]) * options.bands, cpus)
    buckets = ray.data.range(len(bases) - 1).map_batches(
        _read, batch_format="numpy", fn_kwargs=dict(reader=reader, bases=bases))
    pairs = shuffle(buckets, "bucket", groups, _bucket_pairs)
    return shuffle(pairs, "pair", groups, verified_pairs, reader=reader, bases=bases, options=options,
                   read_batch=shard_table.READ_BATCH)


def _read(batch: dict, reader: ShardReader, bases: np.ndarray) -> dict:
    """Rows of shard tasks: for each item and band its bucket and the item's number in the run."""
    buckets, items = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for shard in batch["id"].tolist():
        first = int(bases[shard, 1])
        prints = reader.prints(shard)
        long = np.flatnonzero(prints.long)
        hashes = np.asarray(prints.bands).astype(np.int64)
        for band in range(hashes.shape[1]):
            buckets.append((np.int64(band) << np.int64(32)) | hashes[:, band])
            items.append(long + first)
        short = np.flatnonzero(~prints.long)
        buckets.append(np.array([_short_bucket(prints.blob[int(o):int(o + n)]) for o, n in prints.item_keys[short]],
                                dtype=np.int64))
        items.append(short + first)
    return {"bucket": np.concatenate(buckets), "item": np.concatenate(items)}


def _short_bucket(key: bytes) -> int:
    """A negative 64-bit bucket for a short key: apart from every band's buckets, the same in
    every process (unlike ``hash``)."""
    return -1 - (int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") >> 1)


def _bucket_pairs(group: dict) -> dict:
    """Each bucket's members paired with its first (lowest-numbered) member, as
    :func:`~newsclean.dedup.lsh.candidate_pairs` pairs them."""
    order = np.lexsort((group["item"], group["bucket"]))
    return {"pair": bucket_pairs(group["bucket"][order], group["item"][order])}
