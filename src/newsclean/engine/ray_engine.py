"""The Ray engine: the same shards, on a Ray cluster (``pip install 'newsclean[ray]'``).

Without an address it starts a Ray on this machine with ``workers`` CPUs; with
one (``ray://HOST:10001`` or ``auto``) it joins that cluster.  Each shard is a
Ray task running :func:`~newsclean.engine.shards.process_shard`, the same
function the local engine runs; a worker process builds the stages once and
keeps them for the shards that follow.  A bounded number of tasks is in
flight, and results are taken in shard order, so the output is byte-identical
to the local engine's.  The ``cluster`` stage's pair search runs on Ray Data
(:mod:`~newsclean.engine.band_shuffle`); the clusters are built from the
verified pairs in the driver (see ``docs/scale.md``).
"""
from __future__ import annotations

import logging
import uuid
from collections import deque
from typing import TYPE_CHECKING, Iterable, Iterator

from . import band_shuffle
from .local import AHEAD, available_cpus
from .shards import Shard, ShardResult, process_shard

if TYPE_CHECKING:
    from ..dedup import Deduplicator
    from ..dedup.prints import PrintTable
    from ..job import RunOptions
    from .spool import Spool


class EngineError(RuntimeError):
    """The engine cannot start: Ray missing, or the cluster unreachable."""


class RayEngine:
    """Run shards as Ray tasks; see the module docstring."""

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
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            self._ray.shutdown()

    @property
    def cpus(self) -> int:
        return int(self._ray.cluster_resources().get("CPU", self.workers))

    def map(self, options: "RunOptions", shards: Iterable[Shard]) -> Iterator[ShardResult]:
        """:func:`process_shard` on each shard as a Ray task, results in shard order."""
        ray = self._ray
        task = ray.remote(process_shard)
        options_ref, run = ray.put(options), uuid.uuid4().hex
        slots = AHEAD * self.cpus
        pending: deque = deque()
        for shard in shards:
            pending.append(task.remote(options_ref, shard, run))
            if len(pending) >= slots:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())

    def similar_pairs(self, dedup: "Deduplicator", table: "PrintTable", spool: "Spool") -> dict:
        """The ``cluster`` stage's verified pairs, found by a Ray Data shuffle of the band
        hashes in the work folder (:mod:`~newsclean.engine.band_shuffle`)."""
        return band_shuffle.similar_pairs(spool, table, dedup.options, self.cpus)
