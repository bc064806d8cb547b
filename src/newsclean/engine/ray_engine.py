"""The Ray engine: the same shards, on a Ray cluster (``pip install 'newsclean[ray]'``).

Without an address it starts a Ray on this machine with ``workers`` CPUs; with
one (``ray://HOST:10001`` or ``auto``) it joins that cluster.  Both steps that
work per shard, and clustering, run on Ray Data:

- the per-document stages and fingerprinting: the driver reads the inputs and
  stages each shard in the work folder; a Ray Data task runs
  :func:`~newsclean.engine.shards.process_shard` on it, the same function the
  local engine runs, and writes the finished shard back there itself, so
  results never pass through the driver (a worker process builds the stages
  once and keeps them for the shards that follow);
- the ``cluster`` stage: a shuffle of the band hashes finds the verified pairs
  (:mod:`~newsclean.engine.band_shuffle`), and further shuffles build the
  clusters from them (:mod:`~newsclean.engine.ray_cluster`), so no pair and no
  cluster passes through the driver.

The driver writes the outputs, streaming the processed shards from the work
folder in shard order and the clusters in order from Ray, so the output is
byte-identical to the local engine's.  A run with an archive (``--index``)
builds its clusters in the driver, from the pairs the shuffle found: it
matches against, and adds to, one store the driver opens (SQLite or Redis).
On a cluster of several machines the output folder (which holds the work
folder) must be on storage every node reads and writes.  See ``docs/scale.md``.
"""
from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..dedup.cluster import Clustering
from ..dedup.prints import PrintTable, shard_bases
from . import band_shuffle, ray_cluster
from .local import available_cpus
from .shard_table import ShardTable
from .shards import Shard, process_shard
from .spool import Spool

if TYPE_CHECKING:
    from ..dedup import Deduplicator
    from ..dedup.archive import Archive
    from ..document import Document
    from ..job import RunOptions


class EngineError(RuntimeError):
    """The engine cannot start: Ray missing, or the cluster unreachable."""


class RayEngine:
    """Run shards and the pair search on Ray Data; see the module docstring.  Use it as a
    context manager: Ray starts (or is joined) on entry and stops on exit."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None):
        try:
            import ray
        except ImportError:
            raise EngineError("the Ray engine needs Ray: pip install 'newsclean[ray]'") from None
        self._ray = ray
        self.address = address
        self.workers = workers or available_cpus()

    def __enter__(self) -> "RayEngine":
        """Start Ray here, or join the cluster at the address (unless Ray is running already)."""
        ray = self._ray
        self._started = not ray.is_initialized()
        if self._started:
            try:
                quiet = dict(log_to_driver=False, logging_level=logging.ERROR)
                if self.address:
                    ray.init(address=self.address, **quiet)
                else:
                    ray.init(num_cpus=self.workers, include_dashboard=False, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise EngineError(f"cannot start or join Ray at {self.address or 'this machine'}: {err}") from None
        from ray.data import DataContext
        DataContext.get_current().enable_progress_bars = False  # newsclean shows its own
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            self._ray.shutdown()

    @property
    def cpus(self) -> int:
        return int(self._ray.cluster_resources().get("CPU", self.workers))

    def process(self, options: "RunOptions", shards: Iterable[Shard], spool: Spool) -> None:
        """:func:`process_shard` on each shard, on Ray Data: the shards are staged in ``spool``,
        and the task that processes a shard saves it there."""
        import ray.data

        numbers = []
        for shard in shards:
            spool.stage(shard)
            numbers.append(shard.number)
        if not numbers:
            return
        done = ray.data.from_items([{"shard": n} for n in numbers]).map_batches(
            _process_staged, batch_size=1, batch_format="numpy",
            fn_kwargs=dict(folder=str(spool.folder), options=options, run=uuid.uuid4().hex))
        for _ in done.iter_batches(batch_format="numpy"):
            pass

    def table(self, spool: Spool, sizes: list, whole: bool) -> "PrintTable | ShardTable":
        """The fingerprints of the shards in ``spool`` (their sizes are ``sizes``): a
        :class:`ShardTable`, which holds nothing a paragraph and reads what it is asked for,
        unless ``whole`` asks for every paragraph in memory (an archive run matches and
        stores them all)."""
        return PrintTable.gather(sizes, spool.prints) if whole else ShardTable(spool, shard_bases(sizes))

    def cluster(self, dedup: "Deduplicator", table: "PrintTable | ShardTable", document: Callable[[int], "Document"],
                archive: "Archive | None", spool: Spool) -> Clustering:
        """The ``cluster`` stage on Ray Data (:mod:`~newsclean.engine.ray_cluster`).  An archive
        run builds its clusters here, from the pairs the band shuffle found
        (:mod:`~newsclean.engine.band_shuffle`): its matches are read from the archive."""
        if archive is None:
            return ray_cluster.cluster(dedup, spool, table.shard_bases, self.cpus)
        return Clustering.of(*dedup.cluster(
            table, document, archive,
            lambda whole: band_shuffle.similar_pairs(spool, whole.shard_bases, dedup.options, self.cpus)))


def _process_staged(batch: dict, folder: str, options: "RunOptions", run: str) -> dict:
    """In a Ray Data task: process the staged shards of ``batch`` and save them."""
    spool = Spool(Path(folder))
    for number in batch["shard"].tolist():
        spool.save(process_shard(options, spool.staged(number), run))
    return batch
