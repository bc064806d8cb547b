"""Write a run's outputs from its spooled records and its clusters: ``corpus.jsonl`` (each
record with what clustering found: ``duplicate_of``, the lost starts a copy gave away),
``duplicates.jsonl``, ``report.html`` and ``stats.json``, into a staging folder.

>>> import json, tempfile
>>> from newsclean.dedup.cluster import Clustering
>>> from newsclean.document import Document
>>> from newsclean.io.write import OutputDir
>>> from newsclean.stats import RunStats
>>> docs = [Document(id="a", text="正文。").to_json(), Document(id="b", text="正文。").to_json()]
>>> records = [(n, json.dumps(d, ensure_ascii=False) + "\\n", d) for n, d in enumerate(docs)]
>>> found = Clustering.of([], {1: "a"}, {})
>>> with OutputDir(tempfile.mkdtemp()) as staged:
...     summary = write_outputs(staged, records, found, RunStats(), lambda written, characters: {
...         "output": {"documents": written, "characters": characters}, "timings": {}},
...         drop_duplicates=True, flag_orphans=True)
...     corpus = staged.path("corpus.jsonl").read_text(encoding="utf-8")
>>> summary["output"], corpus.count("\\n")
({'documents': 1, 'characters': 3}, 1)
"""
from __future__ import annotations

import json
import time
from typing import Callable, Iterable, Iterator

from .dedup.cluster import Clustering
from .document import Document
from .report import ReportBuilder
from .stats import RunStats
from .io.write import COMPLETION_MARKER, OutputDir


def write_outputs(staged: OutputDir, records: Iterable[tuple[int, str, dict]], clustering: Clustering,
                  stats: RunStats, summarise: Callable[[int, int], dict], *, drop_duplicates: bool,
                  flag_orphans: bool, run_started: float | None = None,
                  on_record: Callable[[int], None] = lambda done: None) -> dict:
    """Write the four outputs into ``staged`` and return the content of ``stats.json``.

    ``records`` are ``(document number, spooled line, record)`` in document order;
    ``summarise(written, characters)`` gives ``stats.json``'s content, with a ``timings``
    entry this adds the writing's seconds to (and the run's, from ``run_started``).  The
    flags clustering adds are counted in ``stats``.  ``on_record`` is told how many of
    ``records`` have gone into ``corpus.jsonl`` (written, or dropped as duplicates), as they
    go, and last how many there were."""
    started = time.perf_counter()
    report = ReportBuilder()
    written = characters = 0
    counted = _Counted(records, on_record)
    with staged.open("corpus.jsonl") as f:
        for line, record in _final(counted, clustering, stats, drop_duplicates, flag_orphans):
            f.write(line)
            report.add(record)
            written += 1
            characters += len(record["text"])
    on_record(counted.done)
    with staged.open("duplicates.jsonl") as f:
        for record in clustering.records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            report.add_cluster(record)
    summary = summarise(written, characters)
    with staged.open("report.html") as f:
        f.write(report.build(summary))
    summary["timings"]["write"] = round(time.perf_counter() - started, 3)
    if run_started is not None:
        summary["timings"]["total"] = round(time.perf_counter() - run_started, 3)
    staged.write_json(COMPLETION_MARKER, summary)
    return summary


class _Counted:
    """``records``, telling ``on_record`` how many have gone through before each is taken."""

    def __init__(self, records: Iterable, on_record: Callable[[int], None]):
        self.records, self.on_record, self.done = records, on_record, 0

    def __iter__(self) -> Iterator:
        for record in self.records:
            self.on_record(self.done)
            self.done += 1
            yield record


def _final(records: Iterable[tuple[int, str, dict]], clustering: Clustering, stats: RunStats,
           drop_duplicates: bool, flag_orphans: bool) -> Iterator[tuple[str, dict]]:
    """Each record as written, with its line: the spooled line unless clustering changed it."""
    copies = iter(clustering.copies)  # in document order, as the records come
    copy = next(copies, None)
    flagged = iter(clustering.flags if flag_orphans else ())
    flags = next(flagged, None)
    for number, line, record in records:
        given_away = []
        if flags and flags[0] == number:
            given_away, flags = flags[1], next(flagged, None)
        kept = None
        if copy and copy[0] == number:
            kept, copy = copy[1], next(copies, None)
            if drop_duplicates:
                continue
        if kept or given_away:
            doc = Document.from_json(record)
            doc.duplicate_of = kept
            new = doc.add_flags(given_away)
            stats.flags.update(f.kind for f in new)
            if kept or new:
                record = doc.to_json()
                line = json.dumps(record, ensure_ascii=False) + "\n"
        yield line, record
