"""The local engine: a step mapped over items on every core of this machine.

With one worker, or fewer than two items, the step runs in this process.  With
more, it runs in a pool of worker processes (started by a fork server, so no
lock held by a thread of this process is copied into them), a bounded number
of items ahead of the result being used, so memory does not grow with the
input.  Results come back in the items' order whatever finishes first: what
the caller makes of them does not depend on the number of workers.

>>> list(LocalEngine(2).map(str.upper, iter(["a", "b", "c"])))
['A', 'B', 'C']
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

#: Items in flight for each worker: enough to keep every worker busy while results are
#: used, few enough to bound memory.
AHEAD = 2


def available_cpus() -> int:
    """CPUs this process may run on (a container's or a job's share, not the machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class LocalEngine:
    """Run a step on this machine with ``workers`` processes (default: every CPU)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or available_cpus()

    def __enter__(self) -> "LocalEngine":
        return self

    def __exit__(self, *exc) -> None:
        pass

    @property
    def cpus(self) -> int:
        return self.workers

    def map(self, step: Callable, items: Iterable) -> Iterator:
        """``step`` on each of ``items``, results in order.  A run of one item runs here:
        starting workers would cost more than it saves."""
        items = iter(items)
        head = list(itertools.islice(items, 2))
        if self.workers == 1 or len(head) < 2:
            for item in itertools.chain(head, items):
                yield step(item)
            return
        context = multiprocessing.get_context("forkserver")
        # workers start with the step's code imported
        context.set_forkserver_preload([getattr(step, "__module__", None) or type(step).__module__])
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_follow,
                                 initargs=(os.getpid(),)) as pool:
            pending: deque = deque()
            for item in itertools.chain(head, items):
                pending.append(pool.submit(step, item))
                if len(pending) >= AHEAD * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def _follow(driver: int) -> None:
    """In a worker: exit when the driver process is gone.  A driver killed outright (SIGKILL,
    the OOM killer) cannot shut its pool down, and its workers, each holding the queue they
    wait on, would otherwise wait for ever."""
    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(driver, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
