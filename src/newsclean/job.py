"""The ``run`` job: read → normalise → repair (→ renormalise) → fingerprint → cluster → write.

Everything the ``newsclean run`` command does is here, callable from Python:

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> result = run_job(["seeds"], out, RunOptions())
>>> result.documents, result.errors
(1, [])
>>> sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
['corpus.jsonl', 'duplicates.jsonl', 'report.html', 'stats.json']
"""
from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from .dedup import DedupOptions, Deduplicator
from .dedup.archive import Archive, open_archive
from .document import Document
from .io import InputError, OutputDir, read_inputs
from .normalize import Normalise, Renormalise
from .pipeline import Pipeline
from .repair import Repair
from .report import write_report


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


@dataclass
class RunResult:
    """What a run did: documents read, bad inputs met, and the content of ``stats.json``."""

    documents: int
    errors: list[InputError]
    stats: dict


class StrictError(RuntimeError):
    """Raised under ``strict`` at the first bad input; nothing has been written."""


def build_pipeline(options: RunOptions) -> Pipeline:
    """The per-document stages of a run, configured from ``options``."""
    rules = dict(user_dir=options.rules_dir, replace_bundled=options.no_default_rules)
    normalise = Normalise.from_rules(convert=options.convert, **rules)
    return Pipeline([normalise, Repair.from_rules(orphans=options.orphans, **rules), Renormalise(normalise)])


def run_job(inputs: Sequence[str], out: Path | str, options: RunOptions, *,
            on_error: Callable[[InputError], None] = lambda e: None,
            on_document: Callable[[Document, int], None] = lambda d, n: None,
            stdin: BinaryIO | None = None) -> RunResult:
    """Clean ``inputs`` into the folder ``out``; see the module docstring.

    ``on_error`` is called with each bad input as it is met, ``on_document``
    with each document read and its size in bytes (for progress bars).  With
    ``options.index``, documents are also checked against the archive there, and
    added to it once the outputs are written.
    """
    started = time.perf_counter()
    pipeline = build_pipeline(options)
    stats = pipeline.stats
    with _archive(options) as archive:
        batch = _process(inputs, options, pipeline, on_error, on_document, stdin)
        dedup = Deduplicator(options.dedup)
        clusters = dedup.run(batch.documents, archive)
        stats.stages.update(dedup.stats)

        written = [d for d in batch.documents if not (options.drop_duplicates and d.duplicate_of)]
        for doc in batch.documents:
            stats.count_document(doc)
        summary = _summary(stats, batch, written, clusters)
        summary["timings"] = {
            **{name: round(s.seconds, 3) for name, s in stats.stages.items() if s.seconds},
            "read": round(batch.read_seconds, 3),
        }
        write_start = time.perf_counter()
        records = [doc.to_json() for doc in written]
        cluster_records = [cluster.to_json() for cluster in clusters]
        with OutputDir(out) as staged:
            with staged.open("corpus.jsonl") as f:
                for record in records:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            with staged.open("duplicates.jsonl") as f:
                for record in cluster_records:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            write_report(staged.path("report.html"), records, cluster_records, summary)
            summary["timings"]["write"] = round(time.perf_counter() - write_start, 3)
            summary["timings"]["total"] = round(time.perf_counter() - started, 3)
            staged.write_json("stats.json", summary)
            staged.commit()
        if archive:
            dedup.remember(archive, _now())
    return RunResult(len(batch.documents), batch.errors, summary)


def add_to_index(inputs: Sequence[str], options: RunOptions, *,
                 on_error: Callable[[InputError], None] = lambda e: None,
                 on_document: Callable[[Document, int], None] = lambda d, n: None,
                 stdin: BinaryIO | None = None) -> RunResult:
    """Clean ``inputs`` and add them to the archive ``options.index``, writing no corpus."""
    pipeline = build_pipeline(options)
    with _archive(options) as archive:
        batch = _process(inputs, options, pipeline, on_error, on_document, stdin)
        dedup = Deduplicator(options.dedup)
        dedup.fingerprint(batch.documents)
        added = dedup.remember(archive, _now())
        return RunResult(len(batch.documents), batch.errors, {"added": added, **archive.stats()})


@dataclass
class _Batch:
    documents: list[Document]
    errors: list[InputError]
    bytes_in: int
    chars_in: int
    read_seconds: float


def _process(inputs, options: RunOptions, pipeline: Pipeline, on_error, on_document, stdin) -> _Batch:
    """Read every input and run the per-document stages on each document."""
    batch = _Batch([], [], 0, 0, 0.0)
    read_start = time.perf_counter()
    for item in read_inputs(inputs, id_field=options.id_field, text_field=options.text_field, stdin=stdin):
        if isinstance(item, InputError):
            batch.errors.append(item)
            on_error(item)
            if options.strict:
                raise StrictError(str(item))
            continue
        size = len(item.text.encode("utf-8"))
        batch.bytes_in += size
        batch.chars_in += len(item.text)
        if not item.text.strip():
            item.flag("empty")
        try:
            batch.documents.append(pipeline.process(item))
        except Exception as err:  # a bug on one document must not lose the whole run
            error = InputError(item.source, f"internal error, document skipped (please report it): "
                                            f"{type(err).__name__}: {err}")
            batch.errors.append(error)
            on_error(error)
            if options.strict:
                raise StrictError(str(error)) from err
        on_document(item, size)
    batch.read_seconds = time.perf_counter() - read_start - sum(s.seconds for s in pipeline.stats.stages.values())
    pipeline.stats.stage("read").documents = len(batch.documents)
    return batch


@contextlib.contextmanager
def _archive(options: RunOptions) -> Iterator[Archive | None]:
    """The archive of ``options.index``, locked for this run, or ``None``."""
    if not options.index:
        yield None
        return
    with open_archive(options.index, options.dedup.settings) as archive:
        yield archive


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _summary(stats, batch: _Batch, written, clusters) -> dict:
    levels = {"document": 0, "paragraph": 0}
    for c in clusters:
        levels[c.level] += 1
    documents, errors = batch.documents, batch.errors
    return {
        "input": {"documents": len(documents), "errors": len(errors), "bytes": batch.bytes_in,
                  "characters": batch.chars_in},
        "output": {"documents": len(written), "characters": sum(len(d.text) for d in written),
                   "duplicates_marked": sum(1 for d in documents if d.duplicate_of),
                   "clusters": levels},
        "stages": {name: s.to_json() for name, s in stats.stages.items()},
        "rules": dict(sorted(stats.rules.items())),
        "flags": dict(sorted(stats.flags.items())),
        "errors": [str(e) for e in errors[:1000]],
    }
