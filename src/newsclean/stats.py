"""Counts for ``stats.json``: what each stage did, and how often each rule and flag fired.

Each shard counts its own; the run's are the shards' merged:

>>> stats, shard = RunStats(), RunStats()
>>> stats.stage("repair").edits += 2
>>> shard.stage("repair").edits += 3
>>> shard.flags["empty"] += 1
>>> stats.merge(shard)
>>> stats.stages["repair"].to_json(), stats.flags
({'status': 'done', 'documents': 0, 'edits': 5}, Counter({'empty': 1}))
>>> RunStats.from_record(stats.to_record()) == stats
True
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .document import Document


#: Bad inputs listed in ``stats.json`` (all are counted): enough to act on, not a copy of a
#: broken file.
ERRORS_LISTED = 1000


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

    def merge(self, other: StageStats) -> None:
        """Add ``other``'s documents, edits, seconds and counts to these."""
        self.documents += other.documents
        self.edits += other.edits
        self.seconds += other.seconds
        for counter, count in other.counts.items():
            self.counts[counter] = self.counts.get(counter, 0) + count


@dataclass
class RunStats:
    """Counts for ``stats.json``: per stage, per rule and per flag."""

    stages: dict[str, StageStats] = field(default_factory=dict)
    rules: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)

    def stage(self, name: str) -> StageStats:
        return self.stages.setdefault(name, StageStats())

    def merge(self, other: RunStats) -> None:
        """Add ``other``'s counts (one shard's) to these."""
        for name, stage in other.stages.items():
            self.stage(name).merge(stage)
        self.rules.update(other.rules)
        self.flags.update(other.flags)

    def to_record(self) -> dict:
        """All the counts, seconds too, as JSON (how a shard's are kept until the run merges them)."""
        return {"stages": {name: asdict(s) for name, s in self.stages.items()},
                "rules": dict(self.rules), "flags": dict(self.flags)}

    @classmethod
    def from_record(cls, data: dict) -> RunStats:
        """The counts :meth:`to_record` kept."""
        return cls({name: StageStats(**s) for name, s in data["stages"].items()},
                   Counter(data["rules"]), Counter(data["flags"]))

    def summary(self, read: dict, written: dict, errors: list[str], process_seconds: float) -> dict:
        """The content of ``stats.json``: the counts ``read`` and ``written``, these counts, the
        bad inputs' lines (the first :data:`ERRORS_LISTED`) and the seconds each stage took
        (``process``: reading and the per-document stages as the clock saw them)."""
        return {
            "input": read,
            "output": written,
            "stages": {name: s.to_json() for name, s in self.stages.items()},
            "rules": dict(sorted(self.rules.items())),
            "flags": dict(sorted(self.flags.items())),
            "errors": errors[:ERRORS_LISTED],
            "timings": {**{name: round(s.seconds, 3) for name, s in self.stages.items() if s.seconds},
                        "process": round(process_seconds, 3)},
        }

    def count_document(self, doc: Document) -> None:
        self.rules.update(f"{e.stage}/{e.rule}" for e in doc.edits)
        self.flags.update(f.kind for f in doc.flags)
