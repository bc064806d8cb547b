"""The ``cluster`` stage's pair search on Ray Data: no band hash reaches the driver.

On one machine, LSH reads every item's hash of one band at a time into the
driver (:meth:`~newsclean.dedup.Deduplicator.similar_pairs`).  On Ray the band
hashes stay in the shards' files, and a Ray Data pipeline finds the pairs:

1. *read*: one task a (shard, band) reads that band of the shard's ``bands.bin``
   and emits a row an item: its bucket (band and hash) and its number in the run;
2. *buckets*, shuffled by bucket: each group sorts its buckets and pairs every
   member with its bucket's first, as :func:`~newsclean.dedup.lsh.candidate_pairs`
   does;
3. *pairs*, shuffled by pair: each group drops the pairs found in more than one
   band and verifies the rest on their keys (:meth:`~newsclean.dedup.Deduplicator.verify`),
   read from the shards' ``keys.bin``.

The driver receives only the verified pairs: the same pairs, with the same
similarities, as on one machine.  Tasks read the work folder, so on a cluster of
several machines it must be on storage every node reads (a shared file system).

>>> from newsclean.document import Document
>>> import ray, tempfile, pathlib
>>> from newsclean.engine.shards import Shard, process_shard
>>> from newsclean.job import RunOptions
>>> spool = Spool.open(pathlib.Path(tempfile.mkdtemp()), {}, resume=False)
>>> story = "近年来，临颍县始终坚持围绕发展抓党建、抓好党建促发展的理念，全面提升了全县基层党建水平。"
>>> for n, text in enumerate([story, story + "又", "舞阳县强力实施基层党建助力脱贫攻坚工程。"]):
...     spool.save(process_shard(RunOptions(), Shard(n, [Document(f"d{n}", text)])))
>>> sizes = [spool.summary(n)[2] for n in range(3)]
>>> _ = ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
>>> similar_pairs(spool, PrintTable.gather(sizes, spool.prints), DedupOptions(), 1)  # doctest: +ELLIPSIS
{(0, 1): 0.97...}
>>> ray.shutdown()
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dedup import DedupOptions, Deduplicator
from ..dedup.lsh import bucket_pairs
from ..dedup.prints import BandFile, PrintTable
from .spool import Spool

#: Rows (one an item and band, 16 bytes) a shuffle group holds at most, on average.
GROUP_ROWS = 1 << 22


def similar_pairs(spool: Spool, table: PrintTable, options: DedupOptions,
                  cpus: int) -> dict[tuple[int, int], float]:
    """The verified pairs of the run in ``spool``, numbered as in ``table``, found on the
    Ray that is running, in at least ``cpus`` shuffle groups."""
    import ray
    from ray.data.context import DataContext, ShuffleStrategy

    bases, bands = table.shard_bases, table.band_count
    shards = len(bases) - 1
    if not bands or bases[-1, 2] < 2:
        return {}
    # a sort-based shuffle: Ray's hash shuffle took over 100 s for a toy on 2 CPUs
    DataContext.get_current().shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    groups = max(cpus, -(-int(bases[-1, 2]) * bands // GROUP_ROWS))
    folder = str(spool.folder)
    found = (ray.data.range(shards * bands)
             .map_batches(_read, batch_format="numpy", fn_kwargs=dict(folder=folder, bases=bases, bands=bands,
                                                                      groups=groups))
             .groupby("group", num_partitions=groups)
             .map_groups(_bucket_pairs, batch_format="numpy", fn_kwargs=dict(groups=groups))
             .groupby("group", num_partitions=groups)
             .map_groups(_verify, batch_format="numpy", fn_kwargs=dict(folder=folder, bases=bases, options=options)))
    pairs = {}
    for batch in found.iter_batches(batch_format="numpy"):
        pairs.update(zip(zip(batch["a"].tolist(), batch["b"].tolist()), batch["similarity"].tolist()))
    return dict(sorted(pairs.items()))


def _read(batch: dict, folder: str, bases: np.ndarray, bands: int, groups: int) -> dict:
    """Rows of (shard, band) tasks: each item's bucket, its fingerprinted-item number in the
    run, and the shuffle group of its bucket."""
    buckets, rows = [], []
    for task in batch["id"].tolist():
        shard, band = divmod(task, bands)
        first, end = int(bases[shard, 2]), int(bases[shard + 1, 2])
        hashes = BandFile(Path(folder) / Spool.shard_name(shard) / "bands.bin", end - first)[:, band]
        buckets.append((np.int64(band) << np.int64(32)) | hashes.astype(np.int64))
        rows.append(np.arange(first, end, dtype=np.int64))
    bucket = np.concatenate(buckets) if buckets else np.zeros(0, dtype=np.int64)
    return {"bucket": bucket, "row": np.concatenate(rows) if rows else bucket, "group": bucket % groups}


def _bucket_pairs(group: dict, groups: int) -> dict:
    """Each bucket's members paired with its first (lowest-numbered) member, as
    :func:`~newsclean.dedup.lsh.candidate_pairs` pairs them, with the shuffle group of the pair."""
    order = np.lexsort((group["row"], group["bucket"]))
    packed = bucket_pairs(group["bucket"][order], group["row"][order])
    return {"pair": packed, "group": packed % groups}


def _verify(group: dict, folder: str, bases: np.ndarray, options: DedupOptions) -> dict:
    """The distinct pairs of a group that pass verification, as item numbers."""
    packed = np.unique(group["pair"])
    first, second = packed >> np.int64(32), packed & np.int64(0xFFFFFFFF)
    item, doc, key = _resolve(Spool(Path(folder)), bases, np.unique(np.concatenate([first, second])))
    pairs = Deduplicator(options).verify(zip(first.tolist(), second.tolist()), doc.__getitem__, key.__getitem__)
    return {"a": np.array([item[a] for a, _ in pairs], dtype=np.int64),
            "b": np.array([item[b] for _, b in pairs], dtype=np.int64),
            "similarity": np.array(list(pairs.values()), dtype=np.float64)}


def _resolve(spool: Spool, bases: np.ndarray, rows: np.ndarray) -> tuple[dict, dict, dict]:
    """The item number, document number and key of each fingerprinted item of ``rows``
    (sorted), read shard by shard: each shard's files are opened once."""
    item, doc, key = {}, {}, {}
    shards = np.searchsorted(bases[:, 2], rows, side="right") - 1
    for shard in np.unique(shards).tolist():
        prints = spool.prints(shard)
        mine = rows[shards == shard]
        local = np.flatnonzero(prints.long)[mine - bases[shard, 2]]
        for row, i in zip(mine.tolist(), local.tolist()):
            offset, size = prints.item_keys[i]
            item[row] = int(bases[shard, 1]) + i
            doc[row] = int(bases[shard, 0] + prints.item_doc[i])
            key[row] = prints.blob[int(offset):int(offset + size)].decode("utf-8")
    return item, doc, key
