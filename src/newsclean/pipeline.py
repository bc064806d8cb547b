"""Stages and the per-document pipeline that runs them, keeping counts and timings.

A stage is anything with a ``name`` and a ``process(doc) -> doc`` method.
``normalise`` and ``repair`` are pure functions of one document, so the same
stages run unchanged on any engine.

>>> from newsclean.document import Document
>>> class Upper:
...     name = "upper"
...     def process(self, doc):
...         doc.replace(0, len(doc.text), doc.text.upper(), stage=self.name, rule="upper")
...         return doc
>>> pipeline = Pipeline([Upper()])
>>> pipeline.process(Document(id="a", text="abc")).text
'ABC'
>>> pipeline.stats.stages["upper"].documents
1
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterable, Protocol

from .document import Document
from .normalize import Normalise, Renormalise
from .repair import Repair
from .stats import RunStats

if TYPE_CHECKING:
    from .options import RunOptions


class Stage(Protocol):
    """One step of the pipeline with one job."""

    name: str

    def process(self, doc: Document) -> Document: ...


class Pipeline:
    """Run per-document stages in order, timing each."""

    def __init__(self, stages: Iterable[Stage]):
        self.stages = list(stages)
        self.stats = RunStats()

    def process(self, doc: Document) -> Document:
        for stage in self.stages:
            stats = self.stats.stage(stage.name)
            edits_before = len(doc.edits)
            start = time.perf_counter()
            doc = stage.process(doc)
            stats.seconds += time.perf_counter() - start
            stats.documents += 1
            stats.edits += len(doc.edits) - edits_before
        return doc


def build_pipeline(options: "RunOptions") -> Pipeline:
    """The per-document stages of a run, configured from ``options``."""
    rules = dict(user_dir=options.rules_dir, replace_bundled=options.no_default_rules)
    normalise = Normalise.from_rules(convert=options.convert, **rules)
    repair = Repair.from_rules(orphans=options.orphans, census=options.census, **rules)
    return Pipeline([normalise, repair, Renormalise(normalise)])
