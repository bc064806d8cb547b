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
import importlib.metadata
import itertools
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from .dedup import Deduplicator
from .dedup.archive import Archive, open_archive
from .dedup.backends import ClusteringBackend, clustering_for
from .dedup.prints import FingerprintTable, PrintTable, locate
from .document import Document
from .engine import Executor, make_engine
from .io import InputError, OutputDir, OutputError, read_inputs
from .io.read import Survey, survey
from .outputs import write_outputs
from .io.write import COMPLETION_MARKER, held, publish, sweep, unmark
from .names import CLUSTER, READ
from .options import RunOptions
from .stats import RunStats
from .normalize.normaliser import Normalise
from .repair import RepairRules
from .repair.census import Census, CountLines, LineCensus
from .shards import Shard
from .spool import ProcessShard, ResumeError, Spool


@dataclass
class RunResult:
    """What a run did: documents read, bad inputs met, and the content of ``stats.json``."""

    documents: int
    errors: list[InputError]
    stats: dict
    #: Shards a killed run had finished, reused by ``--resume``.
    resumed: int = 0
    #: Files in the input folders that were not read, for their suffix.
    skipped: list[Path] = field(default_factory=list)

    @property
    def bad_inputs(self) -> int:
        """How many inputs were bad (one error may stand for many lines of a file)."""
        return _bad_inputs(self.errors)


def _bad_inputs(errors: list[InputError]) -> int:
    return sum(e.count for e in errors)


class StrictError(RuntimeError):
    """Raised under ``strict`` at the first bad input; nothing has been written."""


#: The stages a job reports to ``on_progress(stage, done, total)``, in the order they come:
#: the first reading of the inputs (documents counted; ``total`` is ``None``, not yet known),
#: the cleaning of the shards (documents in the shards finished, of those the reading counted),
#: the cluster stage (its steps done, of how many it has, or ``None`` where it cannot say),
#: the writing of the outputs (documents written out, of those cleaned).  ``index add``
#: reports the first two only.  ``done`` and ``total`` are counts so far, not increments;
#: each stage's last call has its final count.
READING, CLEANING, CLUSTERING, WRITING = "reading", "cleaning", "clustering", "writing"
Progress = Callable[[str, int, "int | None"], None]


def _no_progress(stage: str, done: int, total: int | None) -> None:
    pass


class NothingToRead(RuntimeError):
    """The inputs held no document and no bad input (an empty folder, or one whose files all
    have suffixes that are not read); nothing has been written."""

    def __init__(self, inputs: Sequence[str], found: Survey):
        where = ", ".join(inputs)
        why = (f": its files are not .txt, .jsonl or .jsonl.gz files ({found.skipped_names()})" if found.skipped
               else "")
        super().__init__(f"nothing to read in {where}{why}; nothing was written")
        self.skipped = found.skipped


def run_job(inputs: Sequence[str], out: Path | str, options: RunOptions, *,
            on_error: Callable[[InputError], None] = lambda e: None,
            on_document: Callable[[Document, int], None] = lambda d, n: None,
            on_progress: Progress = _no_progress,
            stdin: BinaryIO | None = None, engine: Executor | None = None) -> RunResult:
    """Clean ``inputs`` into the folder ``out``; see the module docstring.

    ``on_error`` is called with each bad input as it is met, ``on_document``
    with each document read and its size in bytes, ``on_progress`` with each
    stage's counts as they grow (for progress bars: see :data:`READING`).  The
    shards run on ``engine`` (entered here), by default the one ``options.engine``
    names; any :class:`~newsclean.engine.Executor` will do.  With
    ``options.index``, documents are also checked against the archive there, and
    added to it once the outputs are written, before they are moved into place.
    The run holds ``out`` (:func:`~newsclean.io.write.held`) and, once it has
    begun, removes the previous run's ``stats.json``.

    A run that fails at start (options it cannot use, an archive it cannot open, an engine
    that will not start, inputs that hold nothing to read: :class:`NothingToRead`) leaves
    nothing behind: no work folder, and no ``out`` folder if it made it.  Once a shard is
    finished, the work folder stays for ``--resume``.
    """
    started = time.perf_counter()
    _refuse_output_among_inputs(out, inputs)
    found, rules = _check(inputs, options)
    with held(out) as out, _started(out) as begun:
        with _archive(options) as archive, (engine or _engine(options)) as engine:
            backend = clustering_for(engine)
            spool = begun(Spool.open(out, _manifest(inputs, options, found), options.resume))
            if not spool.outputs.is_dir():  # else the killed run that wrote them had unmarked the folder
                unmark(out)
            sweep(out, keep=spool.folder.name)
            with _kept(stdin, inputs, spool.folder) as kept:
                census, read = _census(inputs, options, rules, kept, engine, on_progress)
                options = replace(options, census=census)
                batch = _process(inputs, options, spool, engine, backend, on_error, on_document, kept,
                                 on_progress, read)
            _refuse_nothing_read(batch, inputs, found)
            if not spool.outputs.is_dir():
                _write(batch, options, backend, archive, spool, started, on_progress)
            if archive:  # again after a kill: documents the archive holds are not added twice
                Deduplicator(options.dedup).remember(archive, batch.table, _now())
            publish(spool.outputs, out)
            spool.remove()
            summary = json.loads((out / COMPLETION_MARKER).read_text(encoding="utf-8"))
    return RunResult(batch.documents, batch.errors, summary, batch.resumed, found.skipped)


def _check(inputs: Sequence[str], options: RunOptions) -> tuple[Survey, RepairRules]:
    """Refuse, before anything is made, a run whose rules or ``--convert`` cannot be used, or
    whose inputs hold nothing to read; what the inputs hold, and the repair rules."""
    Normalise.from_rules(options.rules_dir, options.no_default_rules, options.convert)
    rules = RepairRules.load(options.rules_dir, options.no_default_rules)
    found = survey(inputs)
    if found.nothing_to_read(inputs):
        raise NothingToRead(inputs, found)
    return found, rules


def _refuse_nothing_read(batch: "_Batch", inputs: Sequence[str], found: Survey) -> None:
    """:class:`NothingToRead` if the inputs held neither a document nor a bad input (empty
    files, empty standard input): an empty corpus would look like a finished run."""
    if not batch.documents and not batch.errors:
        batch.spool.remove()
        raise NothingToRead(inputs, found)


@contextlib.contextmanager
def _started(out: Path) -> Iterator[Callable[[Spool], Spool]]:
    """Track the work folder of a run in ``out``: the block hands it over (``begun(spool)``)
    once made.  If the block fails before the folder holds a finished shard (or outputs), the
    folder is removed: a run that failed at start leaves nothing behind.  Otherwise it stays,
    for ``--resume``."""
    made: list[Spool] = []

    def begun(spool: Spool) -> Spool:
        made.append(spool)
        return spool

    try:
        yield begun
    except BaseException:
        for spool in made:
            if not spool.outputs.is_dir() and not any(spool.folder.glob("shard-" + "[0-9]" * 6)):
                spool.remove()
        raise


def _write(batch: _Batch, options: RunOptions, backend: ClusteringBackend, archive: Archive | None, spool: Spool,
           started: float, on_progress: Progress = _no_progress) -> None:
    """Cluster the batch and write the run's outputs into :attr:`Spool.outputs`, all or none."""
    dedup = Deduplicator(options.dedup)
    clustering = backend.cluster(dedup, batch.table, batch.document, archive, spool,
                                 on_step=lambda done, total: on_progress(CLUSTERING, done, total))
    batch.stats.stages[CLUSTER] = dedup.stats[CLUSTER]

    def summarise(written: int, characters: int) -> dict:
        return batch.stats.summary(
            read={"documents": batch.documents, "errors": _bad_inputs(batch.errors), "bytes": batch.bytes_in,
                  "characters": batch.chars_in},
            written={"documents": written, "characters": characters, "duplicates_marked": clustering.duplicates,
                     "clusters": clustering.levels},
            errors=[str(e) for e in batch.errors], process_seconds=batch.process_seconds)

    with OutputDir(spool.outputs.with_name("outputs.partial")) as staged:
        write_outputs(staged, batch.records(), clustering, batch.stats, summarise,
                      drop_duplicates=options.drop_duplicates, flag_orphans=options.orphans != "keep",
                      run_started=started,
                      on_record=lambda done: on_progress(WRITING, done, batch.table.documents))
        staged.seal(spool.outputs)


def add_to_index(inputs: Sequence[str], options: RunOptions, *,
                 on_error: Callable[[InputError], None] = lambda e: None,
                 on_document: Callable[[Document, int], None] = lambda d, n: None,
                 on_progress: Progress = _no_progress,
                 stdin: BinaryIO | None = None) -> RunResult:
    """Clean ``inputs`` and add them to the archive ``options.index``, writing no corpus; the
    callbacks are :func:`run_job`'s."""
    found, rules = _check(inputs, options)
    with _archive(options) as archive, _engine(options) as engine, _scratch() as work:
        spool = Spool.open(work, _manifest(inputs, options, found), resume=False)
        with _kept(stdin, inputs, spool.folder) as kept:
            census, read = _census(inputs, options, rules, kept, engine, on_progress)
            options = replace(options, census=census)
            batch = _process(inputs, options, spool, engine, clustering_for(engine),
                             on_error, on_document, kept, on_progress, read)
        _refuse_nothing_read(batch, inputs, found)
        added = Deduplicator(options.dedup).remember(archive, batch.table, _now())
        spool.remove()
        return RunResult(batch.documents, batch.errors, {"added": added, **archive.stats()}, skipped=found.skipped)


@dataclass
class _Batch:
    """The documents of a run, processed: on disk in ``spool``, their fingerprints in ``table``."""

    spool: Spool
    shards: int = 0
    #: documents read, including those a stage failed on (which ``table`` does not hold)
    documents: int = 0
    resumed: int = 0
    errors: list[InputError] = field(default_factory=list)
    bytes_in: int = 0
    chars_in: int = 0
    process_seconds: float = 0.0
    stats: RunStats = field(default_factory=RunStats)
    #: the whole table, or a ShardTable that reads paragraphs on demand (Ray, no archive)
    table: FingerprintTable = field(default_factory=lambda: PrintTable([]))

    def document(self, number: int) -> Document:
        """The ``number``-th document of the run, as processed."""
        return self.spool.document(*locate(self.table.shard_bases, number))

    def records(self) -> Iterator[tuple[int, str, dict]]:
        """Every processed document's number, ``corpus.jsonl`` line (``duplicate_of`` unset) and
        record, in input order."""
        number = 0
        for shard in range(self.shards):
            for line, record in self.spool.records(shard):
                yield number, line, record
                number += 1


def _process(inputs, options: RunOptions, spool: Spool, engine: Executor, backend: ClusteringBackend,
             on_error, on_document, stdin, on_progress: Progress = _no_progress, expected: int | None = None) -> _Batch:
    """Read every input, cut the documents into shards, and run the per-document stages and
    fingerprinting on each shard not already in ``spool``, on ``engine``; the batch's
    fingerprints as ``backend`` will cluster them.  ``on_progress`` is told the documents
    of the shards finished (or reused), of the ``expected`` the census counted."""
    batch = _Batch(spool)
    start = time.perf_counter()
    cleaned = 0
    in_flight: deque[int] = deque()  # the documents of each shard sent to the engine, in order

    def shards() -> Iterator[Shard]:
        documents: list[Document] = []
        for item in read_inputs(inputs, id_field=options.id_field, text_field=options.text_field, stdin=stdin):
            if isinstance(item, InputError):
                batch.errors.append(item)
                on_error(item)
                if options.strict:
                    spool.remove()
                    raise StrictError(str(item))
                continue
            size = len(item.text.encode("utf-8"))
            batch.documents += 1
            batch.bytes_in += size
            batch.chars_in += len(item.text)
            documents.append(item)
            on_document(item, size)
            if len(documents) == options.shard_docs:
                yield Shard(batch.shards, documents)
                batch.shards += 1
                documents = []
        if documents:
            yield Shard(batch.shards, documents)
            batch.shards += 1

    def to_do(shard: Shard) -> bool:
        nonlocal cleaned
        done = spool.done(shard.number)
        batch.resumed += done
        if done:
            cleaned += len(shard.documents)
            on_progress(CLEANING, cleaned, expected)
        else:
            in_flight.append(len(shard.documents))
        return not done

    on_progress(CLEANING, 0, expected)
    step = ProcessShard.of(options, spool, run=uuid.uuid4().hex)
    for _ in engine.map(step, filter(to_do, shards())):  # each worker saves its shards into the spool
        cleaned += in_flight.popleft()
        on_progress(CLEANING, cleaned, expected)
    on_progress(CLEANING, batch.documents, batch.documents)  # the inputs may have changed since the census
    batch.process_seconds = time.perf_counter() - start
    sizes = []
    for number in range(batch.shards):
        stats, errors, shard_sizes = spool.summary(number)
        batch.stats.merge(stats)
        for error in errors:
            batch.errors.append(error)
            on_error(error)
        sizes.append(shard_sizes)
    if options.strict and len(batch.errors):
        spool.remove()
        raise StrictError(str(batch.errors[0]))
    batch.table = backend.table(spool, sizes, whole=bool(options.index))
    batch.stats.stage(READ).documents = batch.documents
    return batch


@contextlib.contextmanager
def _kept(stdin: BinaryIO | None, inputs: Sequence[str], folder: Path) -> Iterator[BinaryIO | None]:
    """Standard input, kept in ``folder`` so that it can be read twice (for the census, then
    for the run), when ``-`` is one of the ``inputs``; open while the run needs it."""
    if "-" not in inputs:
        yield stdin
        return
    kept = Path(folder) / "stdin.jsonl"
    with kept.open("wb") as copy:
        shutil.copyfileobj(stdin if stdin is not None else sys.stdin.buffer, copy)
    with kept.open("rb") as reread:
        yield reread


def _census(inputs: Sequence[str], options: RunOptions, rules: RepairRules, stdin: BinaryIO | None,
            engine: Executor, on_progress: Progress = _no_progress) -> tuple[Census, int]:
    """The furniture shapes the documents of ``inputs`` share (a first reading of them), counted
    a shard's worth of documents at a time on ``engine`` and merged in order (by ``rules``); and
    how many documents there are (``on_progress`` is told them as they are counted)."""
    census = LineCensus(rules)
    texts = (item.text for item in read_inputs(inputs, id_field=options.id_field, text_field=options.text_field,
                                               stdin=stdin) if isinstance(item, Document))
    in_flight: deque[int] = deque()  # the documents of each chunk sent to the engine, in order

    def chunks() -> Iterator[list[str]]:
        for chunk in iter(lambda: list(itertools.islice(texts, options.shard_docs)), []):
            in_flight.append(len(chunk))
            yield chunk

    counted = 0
    on_progress(READING, 0, None)
    for counts in engine.map(CountLines(options.rules_dir, options.no_default_rules), chunks()):
        census.merge(counts)
        counted += in_flight.popleft()
        on_progress(READING, counted, None)
    if stdin is not None and "-" in inputs:
        stdin.seek(0)
    return census.close(), counted


def _manifest(inputs: Sequence[str], options: RunOptions, found: Survey) -> dict:
    """What makes a run the same run for ``--resume``: newsclean's version, the options
    that shape the output, and each input's size and modification time.  Standard input
    cannot be told apart from another stream, so it cannot be resumed."""
    if options.resume and "-" in inputs:
        raise ResumeError("--resume needs files: standard input cannot be checked to be the same input")
    shaping = {k: v for k, v in asdict(options).items()
               if k not in ("workers", "engine", "ray_address", "resume", "census")}
    files = [_identity(file) for file in found.files]
    return {"version": _version(), "options": shaping, "inputs": files}


def _identity(file: Path) -> list:
    """``file``'s path, size and modification time; ``None`` for what cannot be looked at (the
    run names it as a bad input)."""
    try:
        found = file.stat()
    except OSError:
        return [str(file), None, None]
    return [str(file), found.st_size, found.st_mtime_ns]


def _version() -> str:
    try:
        return importlib.metadata.version("newsclean")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _engine(options: RunOptions) -> Executor:
    """The engine of ``options``, to be entered (Ray starts, or is joined, on entry; the local
    engine's workers begin loading :mod:`newsclean.warm`)."""
    return make_engine(options.engine, options.workers, options.ray_address, preload=["newsclean.warm"])


@contextlib.contextmanager
def _archive(options: RunOptions) -> Iterator[Archive | None]:
    """The archive of ``options.index``, locked for this run, or ``None``."""
    if not options.index:
        yield None
        return
    archive = open_archive(options.index, options.dedup.settings)
    try:
        yield archive
    except BaseException:  # one this run made, still empty, is removed: a failed start leaves nothing
        getattr(archive, "discard", archive.close)()
        raise
    archive.close()


def _refuse_output_among_inputs(out: Path | str, inputs: Sequence[str]) -> None:
    """Refuse an output folder inside an input folder: the run would read its own outputs, and
    its work folder, as input."""
    where = Path(out).resolve()
    for name in inputs:
        # os.path.isdir, not Path.is_dir: a path it cannot look at is a bad input, named when read
        if name != "-" and os.path.isdir(name) and where.is_relative_to(Path(name).resolve()):
            raise OutputError(f"--out {out} is inside the input folder {name}: the run would read its own "
                              "output; choose a folder outside it")


#: The prefix of the work folders of ``index add``, in the temporary folder.
SCRATCH = "newsclean-index-"
#: A work folder left this many seconds ago (unchanged since), and held by no one, is what a
#: killed ``index add`` left.  A live command locks its folder within moments of making it.
SCRATCH_LEFT_SECONDS = 60


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """A work folder for ``index add`` in the temporary folder, held while the command runs and
    removed after it.  The folders of this user's that killed commands left (held by no one, and
    older than :data:`SCRATCH_LEFT_SECONDS`) are removed first; one that vanishes meanwhile was
    another command's to remove."""
    temporary = Path(tempfile.gettempdir())
    for left in temporary.glob(SCRATCH + "*"):
        with contextlib.suppress(OutputError, FileNotFoundError):
            found = left.lstat()
            if stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() \
                    and time.time() - found.st_mtime > SCRATCH_LEFT_SECONDS:
                with held(left):
                    shutil.rmtree(left)
    with held(Path(tempfile.mkdtemp(prefix=SCRATCH))) as work:
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
