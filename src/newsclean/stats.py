"""Counts for ``stats.json``: what each stage did, and how often each rule and flag fired.

>>> stats = RunStats()
>>> stats.stage("repair").edits += 2
>>> stats.stages["repair"].to_json()
{'status': 'done', 'documents': 0, 'edits': 2}
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .document import Document


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
