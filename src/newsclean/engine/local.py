"""The local engine: a step mapped over items on every core of this machine.

With one worker, or fewer than two items, the step runs in this process.  With
more, it runs in a pool of worker processes, a bounded number of items ahead of
the result being used, so memory does not grow with the input.  The pool,
started by the first such step, lives until the engine exits, so every step of
a run (processing the shards, then clustering) runs in the same workers.  They are forked by a fork
server (so no lock held by a thread of this process is copied into them) that
imports the modules the engine was asked to preload: each worker starts with
them, and they are loaded once, while this process goes on with its own work.
Results come back in the items' order whatever finishes first: what the caller
makes of them does not depend on the number of workers.

>>> with LocalEngine(2) as engine:
...     list(engine.map(str.upper, iter(["a", "b", "c"])))
['A', 'B', 'C']
"""
from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.forkserver
import os
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor, process
from typing import Callable, Iterable, Iterator, Sequence

if sys.version_info < (3, 11, 5):  # pragma: no cover - the Pythons of Debian 12 and Ubuntu 22.04
    def _terminate_broken(self, cause, _terminate=process._ExecutorManagerThread.terminate_broken):
        """CPython's fix of gh-94777 (3.11.5), backported: when a worker dies (the OOM killer),
        the pool's feeder thread may be blocked writing to the call queue, which nobody reads
        any more, and the driver then hangs for ever instead of raising BrokenProcessPool.
        Closing this process's end of the pipe lets that write fail once the workers are gone."""
        self.call_queue._reader.close()
        _terminate(self, cause)

    process._ExecutorManagerThread.terminate_broken = _terminate_broken

#: Items in flight for each worker: enough to keep every worker busy while results are
#: used, few enough to bound memory.
AHEAD = 2


def available_cpus() -> int:
    """CPUs this process may run on (a container's or a job's share, not the machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class LocalEngine:
    """Run steps on this machine with ``workers`` processes (default: every CPU), which import
    the modules ``preload`` names before their first step."""

    name = "local"

    def __init__(self, workers: int | None = None, preload: Sequence[str] = ()):
        self.workers = workers or available_cpus()
        self.preload = list(preload)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "LocalEngine":
        """Start the fork server, which imports ``preload`` now, while the caller goes on (a
        run reads its inputs once before its first step); the workers, forked from it when
        the first step of two items or more comes, start with what it loaded."""
        if self.workers > 1:
            multiprocessing.set_forkserver_preload(self.preload)
            multiprocessing.forkserver.ensure_running()
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    @property
    def cpus(self) -> int:
        return self.workers

    def map(self, step: Callable, items: Iterable) -> Iterator:
        """``step`` on each of ``items``, results in order.  A run of one item runs here: sending
        it to a worker would cost more than it saves."""
        items = iter(items)
        head = list(itertools.islice(items, 2))
        if self.workers == 1 or len(head) < 2:
            for item in itertools.chain(head, items):
                yield step(item)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                             initializer=_follow, initargs=(os.getpid(),))
        pending: deque = deque()
        for item in itertools.chain(head, items):
            pending.append(self._pool.submit(step, item))
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
