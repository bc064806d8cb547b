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
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Protocol

from .document import Document


class Stage(Protocol):
    """One step of the pipeline with one job."""

    name: str

    def process(self, doc: Document) -> Document: ...


@dataclass
class StageStats:
    """What one stage did: documents seen, edits made, seconds spent, and whether it ran."""

    status: str = "done"
    documents: int = 0
    edits: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"status": self.status, "documents": self.documents, "edits": self.edits, **self.counts}


@dataclass
class RunStats:
    """Counts for ``stats.json``: per stage, per rule and per flag."""

    stages: dict[str, StageStats] = field(default_factory=dict)
    rules: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)

    def stage(self, name: str) -> StageStats:
        return self.stages.setdefault(name, StageStats())

    def count_document(self, doc: Document) -> None:
        self.rules.update(f"{e.stage}/{e.rule}" for e in doc.edits)
        self.flags.update(f.kind for f in doc.flags)


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
