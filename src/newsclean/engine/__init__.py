"""Engines run a step over many items, in order: on this machine's cores
(:class:`LocalEngine`, the default) or on a Ray cluster (:class:`RayEngine`).

An engine is a pure executor, as datatrove's executors are: it knows no stage,
no job and no file of newsclean's.  It starts its workers when entered, stops
them on exit, and :meth:`Executor.map` applies a picklable step (any callable
of one argument) to each item, yielding the results in the items' order.

>>> with make_engine("local", workers=1) as engine:
...     list(engine.map(abs, [-2, 3]))
[2, 3]
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

from .local import LocalEngine, available_cpus
from .ray_engine import EngineError, RayEngine

ENGINES = ("local", "ray")

Item = TypeVar("Item")
Result = TypeVar("Result")


class Executor(Protocol):
    """What newsclean asks of an engine (see the module docstring)."""

    name: str

    def __enter__(self) -> "Executor": ...

    def __exit__(self, *exc) -> None: ...

    @property
    def cpus(self) -> int:
        """CPUs the engine's workers have, together."""

    def map(self, step: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``step(item)`` for each of ``items``, run by the workers, yielded in order."""


def make_engine(name: str, workers: int | None = None, address: str | None = None,
                preload: Sequence[str] = ()) -> Executor:
    """The engine called ``name``, with ``workers`` (default: every CPU).  The local engine's
    workers start with the modules ``preload`` names imported; Ray's import what a step needs
    when it first runs there."""
    if name == "ray":
        return RayEngine(address, workers)
    if address:
        raise EngineError("--ray-address needs --engine ray")
    return LocalEngine(workers, preload)


__all__ = ["ENGINES", "EngineError", "Executor", "LocalEngine", "RayEngine", "available_cpus", "make_engine"]
