"""The settings of a run, one field a CLI option, shared by the job, its steps and the CLI.

>>> RunOptions(convert="t2s").shard_docs == SHARD_DOCS
True
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .dedup import DedupOptions
from .repair.census import Census

#: Documents in a shard: large enough that sending one to a worker costs little against
#: processing it, small enough that a killed run loses little and workers stay busy.
SHARD_DOCS = 500


@dataclass
class RunOptions:
    """Every setting of a run; the CLI's options map one to one onto these fields."""

    id_field: str = "id"
    text_field: str = "text"
    convert: str | None = None
    rules_dir: str | None = None
    no_default_rules: bool = False
    orphans: str = "flag"
    dedup: DedupOptions = field(default_factory=DedupOptions)
    drop_duplicates: bool = False
    strict: bool = False
    index: str | None = None
    engine: str = "local"
    workers: int | None = None
    ray_address: str | None = None
    resume: bool = False
    shard_docs: int = SHARD_DOCS
    #: The furniture shapes the run's documents share, counted before any is repaired
    #: (:mod:`newsclean.repair.census`): set by :func:`~newsclean.job.run_job`, not an option of the CLI.
    census: Census | None = None

    def __post_init__(self):
        # dedup judges lost starts by the same repair rules as the repair stage
        self.dedup = replace(self.dedup, rules_dir=self.rules_dir, no_default_rules=self.no_default_rules)
