"""The Ray engine: the same shards, on a Ray cluster (``pip install 'newsclean[ray]'``).

Without an address it starts a Ray on this machine with ``workers`` CPUs; with
one (``ray://HOST:10001`` or ``auto``) it joins that cluster.  Each shard is a
Ray task running :func:`~newsclean.engine.shards.process_shard`, the same
function the local engine runs; a worker process builds the stages once and
keeps them for the shards that follow.  A bounded number of tasks is in
flight, and results are taken in shard order, so the output is byte-identical
to the local engine's.  Clustering runs in the driver (see ``docs/scale.md``).
"""
from __future__ import annotations

import logging
import uuid
from collections import deque
from typing import TYPE_CHECKING, Iterable, Iterator

from .local import AHEAD, available_cpus
from .shards import Shard, ShardResult, process_shard

if TYPE_CHECKING:
    from ..job import RunOptions


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

    def map(self, options: "RunOptions", shards: Iterable[Shard]) -> Iterator[ShardResult]:
        """:func:`process_shard` on each shard as a Ray task, results in shard order."""
        ray = self._ray
        started = not ray.is_initialized()
        if started:
            try:
                quiet = dict(log_to_driver=False, logging_level=logging.ERROR)
                if self.address:
                    ray.init(address=self.address, **quiet)
                else:
                    ray.init(num_cpus=self.workers, include_dashboard=False, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise EngineError(f"cannot start or join Ray at {self.address or 'this machine'}: {err}") from None
        try:
            task = ray.remote(process_shard)
            options_ref, run = ray.put(options), uuid.uuid4().hex
            slots = AHEAD * int(ray.cluster_resources().get("CPU", self.workers))
            pending: deque = deque()
            for shard in shards:
                pending.append(task.remote(options_ref, shard, run))
                if len(pending) >= slots:
                    yield ray.get(pending.popleft())
            while pending:
                yield ray.get(pending.popleft())
        finally:
            if started:
                ray.shutdown()
