"""The Ray engine: the same step, on a Ray cluster (``pip install 'newsclean[ray]'``).

Without an address it starts a Ray on this machine with ``workers`` CPUs; with
one (``ray://HOST:10001`` or ``auto``) it joins that cluster.  :meth:`RayEngine.map`
runs the step as one Ray task an item, a bounded number of items ahead of the
result being used, and yields the results in the items' order.  A Ray worker
process runs task after task, so what a step builds once in a process (the
stages of a run) is kept for the items that follow.  Code that runs on Ray
itself (dedup's clustering) finds it running while the engine is entered.
See ``docs/scale.md``.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Callable, Iterable, Iterator

from .local import AHEAD, available_cpus


class EngineError(RuntimeError):
    """The engine cannot start: Ray missing, or the cluster unreachable."""


class RayEngine:
    """Run a step on Ray; see the module docstring.  Use it as a context manager: Ray starts
    (or is joined) on entry and stops on exit."""

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

    def map(self, step: Callable, items: Iterable) -> Iterator:
        """``step`` on each of ``items`` as Ray tasks, results in order."""
        ray = self._ray
        task, shared = ray.remote(_apply), ray.put(step)  # the step travels once, not once a task
        window = AHEAD * self.cpus
        pending: deque = deque()
        for item in items:
            pending.append(task.remote(shared, item))
            if len(pending) >= window:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())


def _apply(step: Callable, item):
    """In a Ray task: the step on one item."""
    return step(item)
