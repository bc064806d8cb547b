"""Shards: the unit of work every engine runs, and what a finished one leaves on disk.

The documents of a run are cut, in input order, into shards of a fixed number
of documents (never depending on the number of workers, so the output does
not either).  :func:`process_shard` runs the per-document stages and the
``fingerprint`` stage on one shard; it is pure, so any engine may run it
anywhere.  Its :class:`ShardResult` (the processed records as JSONL bytes,
the fingerprints as arrays, the stage counts) goes into the run's
:class:`~newsclean.spool.Spool`.

>>> from newsclean.options import RunOptions
>>> result = process_shard(RunOptions(), Shard(0, [Document("a", "临颍县\\n\\n实行管理联动，带\\n\\n带动600余户。")]))
>>> result.records.decode("utf-8").count("\\n"), result.prints.ids, result.stats.rules["repair/page_break_repeated_char"]
(1, ['a'], 1)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .dedup import Deduplicator
from .dedup.prints import Prints
from .document import Document
from .io import InputError
from .names import FINGERPRINT
from .pipeline import build_pipeline
from .stats import RunStats, StageStats

if TYPE_CHECKING:
    from .options import RunOptions


@dataclass
class Shard:
    """Documents ``number * size`` onwards of a run, in input order."""

    number: int
    documents: list[Document]


@dataclass
class ShardResult:
    """What :func:`process_shard` made of a shard.  ``records`` holds one ``corpus.jsonl``
    record a line (``duplicate_of`` still unset); ``errors`` the documents that failed."""

    number: int
    records: bytes
    prints: Prints
    stats: RunStats
    errors: list[InputError] = field(default_factory=list)


def process_shard(options: "RunOptions", shard: Shard, run: str = "") -> ShardResult:
    """Run the per-document stages and the ``fingerprint`` stage on ``shard``.  Shards with
    the same ``run`` token share the stages built for the first of them in this process."""
    pipeline, dedup = _stages(options, run)
    pipeline.stats = RunStats()
    dedup.stats[FINGERPRINT] = StageStats()
    done, errors = [], []
    for doc in shard.documents:
        try:
            doc = pipeline.process(doc)
        except Exception as err:  # a bug on one document must not lose the whole run
            errors.append(InputError(doc.source, f"internal error, document skipped (please report it): "
                                                 f"{type(err).__name__}: {err}"))
            continue
        if not doc.text.strip():  # what normalising left: "\u3000\u200b" is nothing
            doc.flag("empty")
        done.append(doc)
    stats = pipeline.stats
    for doc in done:
        stats.count_document(doc)
    prints = dedup.fingerprint(done)
    stats.stages[FINGERPRINT] = dedup.stats[FINGERPRINT]
    records = "".join(json.dumps(doc.to_json(), ensure_ascii=False) + "\n" for doc in done)
    return ShardResult(shard.number, records.encode("utf-8"), prints, stats, errors)


_BUILT: dict[tuple[str, str], tuple] = {}


def _stages(options: "RunOptions", run: str):
    """The stages of one run, built once per process: loading rules and the dictionary takes
    a second, and a worker runs many shards.  Only the latest run's are kept, so a later run
    reads rule files afresh."""
    key = (run, repr(options))
    if key not in _BUILT:
        _BUILT.clear()
        _BUILT[key] = build_pipeline(options), Deduplicator(options.dedup)
    return _BUILT[key]
