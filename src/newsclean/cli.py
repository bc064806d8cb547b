"""The ``newsclean`` command line: thin wrappers that parse options and call the library.

Exit codes: 0 all inputs processed; 1 some inputs were bad (the good ones were still
written), or the inputs held nothing to read (nothing was written); 2 the command line was
wrong; 3 the run failed for its environment or setup (an OS error, bad rules, an archive
or --resume refused) and wrote no new output; 4 an internal error (a bug; its traceback is
saved to a file); 130 interrupted (SIGINT); 143 terminated (SIGTERM).
"""
from __future__ import annotations

import errno
import json
import os
import signal
import sys
import tempfile
import threading
import traceback
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import click
from tqdm import tqdm

from .dedup import KEEP_RULES, DedupOptions
from .io import InputError, OutputDir, OutputError
from .io.read import named
from .io.write import held
from .dedup.archive import ArchiveError, read_archive, unlock_archive
from .engine import ENGINES, EngineError
from .job import CLEANING, CLUSTERING, READING, WRITING, NothingToRead, StrictError, add_to_index, run_job
from .names import DOCUMENT_STAGES
from .options import SHARD_DOCS, RunOptions
from .spool import ResumeError
from .normalize import ConfigError
from .repair import ORPHAN_MODES
from .report import explain, printable, write_report
from .ruleset import RuleError

BAD_INPUT, SETUP_FAILED, BUG = 1, 3, 4
#: Stopped by a signal: 128 + its number, as a shell reports a process a signal ended.
INTERRUPTED, TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


class SetupError(click.ClickException):
    """The run could not be done in this environment or with this setup (exit code 3)."""

    exit_code = SETUP_FAILED


class _Failure(click.ClickException):
    """A one-line message with its own exit code (a bug, a signal)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class _Terminated(BaseException):
    """SIGTERM arrived: raised where the main thread is, so that the run unwinds as on Ctrl-C
    (worker pools shut down, staging folders removed)."""


class _Commands(click.Group):
    """The command group, mapping every failure of a command to one line and its exit code."""

    def invoke(self, ctx: click.Context):
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Failure("interrupted", INTERRUPTED) from None
        except _Terminated:
            raise _Failure("terminated", TERMINATED) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as err:
            if err.errno == errno.EPIPE:  # stdout closed early (| head): click handles it
                raise
            raise SetupError(_os_problem(err)) from None
        except Exception as err:
            raise _Failure(_bug(err), BUG) from None
        finally:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame) -> None:
    raise _Terminated()


def _os_problem(err: OSError, where: str | None = None) -> str:
    """One line for an OS error: the path it names (else ``where``), and why.

    >>> _os_problem(OSError(errno.EROFS, "Read-only file system", "out/.newsclean-work"))
    'out/.newsclean-work: read-only file system'
    >>> _os_problem(OSError(errno.ENOSPC, "No space left on device"), where="out")  # met writing a file
    'out: no space left on device'
    """
    reason = err.strerror.lower() if err.strerror else str(err)
    path = err.filename if err.filename is not None else where
    return f"{path}: {reason}" if path is not None else reason


def _bug(err: Exception) -> str:
    """Save the traceback of ``err`` (being handled) to a file; the line that says where."""
    with tempfile.NamedTemporaryFile("w", prefix="newsclean-traceback-", suffix=".txt", delete=False,
                                     encoding="utf-8", errors="backslashreplace") as saved:
        traceback.print_exc(file=saved)
    return (f"internal error (a bug, please report it): {type(err).__name__}: {err}; "
            f"its traceback is in {saved.name}")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsclean")
def main() -> None:
    """Clean scraped newspaper text into a de-duplicated corpus, and show editors what changed."""


def _cleaning_options(command=None, *, corpus: bool = True):
    """The options of the commands that clean inputs: ``run``, and (``corpus=False``) ``index
    add``, which writes no corpus, so takes none of the options that shape only the clusters
    of a corpus."""
    if command is None:
        return lambda command: _cleaning_options(command, corpus=corpus)
    options = [
        click.argument("inputs", nargs=-1, required=True, metavar="INPUT..."),
        click.option("--id-field", default="id", show_default=True, help="JSONL field holding the document id."),
        click.option("--text-field", default="text", show_default=True, help="JSONL field holding the text."),
        click.option("--convert", default=None, metavar="CONFIG",
                     help="OpenCC configuration for script conversion (t2s, s2t, tw2sp, hk2s …).  [default: none]"),
        click.option("--rules", "rules_dir", default=None, type=click.Path(exists=True, file_okay=False),
                     help="Folder of rule files that add to (or, by id, replace) the bundled rules.  "
                          "[default: none]"),
        click.option("--no-default-rules", is_flag=True,
                     help="Use only the rules in --rules, not the bundled ones.  [default: off]"),
        click.option("--orphans", type=click.Choice(ORPHAN_MODES), default="flag", show_default=True,
                     help="Fragments that start or end mid-sentence: keep silently, keep and flag, or drop."),
        click.option("--threshold", type=click.FloatRange(0, 1), default=DedupOptions.threshold, show_default=True,
                     help="Jaccard similarity (of character n-grams) at which two paragraphs are near-duplicates; "
                          "the LSH bands follow from it (docs/dedup-recall.md)."),
        _corpus_only(click.option(
            "--document-threshold", type=click.FloatRange(0, 1), default=DedupOptions.document_threshold,
            show_default=True, help="Jaccard similarity at which two documents sharing a paragraph are copies.")),
        click.option("--ngram", type=click.IntRange(2, 20), default=DedupOptions.ngram, show_default=True,
                     help="Characters per shingle."),
        _corpus_only(click.option(
            "--keep", type=click.Choice(KEEP_RULES), default=DedupOptions.keep, show_default=True,
            help="Which copy a cluster keeps: the first (archived copies come first, oldest first, "
                 "then input order), or the longest (first on a tie).")),
        click.option("--strict", is_flag=True,
                     help="Stop at the first bad input and write nothing.  [default: off]"),
        click.option("--workers", type=click.IntRange(1), default=None,
                     help="Worker processes (or Ray CPUs) for the per-document stages.  [default: every CPU]"),
        click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
                     help="Where shards run: this machine's cores, or Ray (pip install 'newsclean[ray]')."),
        click.option("--ray-address", default=None, metavar="ADDRESS",
                     help="Join the Ray cluster at ADDRESS (ray://HOST:10001, or auto) instead of starting Ray "
                          "on this machine.  [default: none]"),
        click.option("--shard-size", "shard_docs", type=click.IntRange(1), default=SHARD_DOCS, show_default=True,
                     help="Documents per shard, the unit of work and of --resume.  The output does not depend "
                          "on it."),
        click.option("--quiet", "-q", is_flag=True,
                     help="No progress bar and no summary (errors are still printed).  [default: off]"),
    ]
    for option in reversed(options):
        if corpus or not getattr(option, "corpus_only", False):
            command = option(command)
    return command


def _corpus_only(option):
    """Mark ``option`` as one that only a command writing a corpus takes."""
    option.corpus_only = True
    return option


def _run_options(inputs, id_field, text_field, convert, rules_dir, no_default_rules, orphans, threshold,
                 ngram, strict, document_threshold=DedupOptions.document_threshold, keep=DedupOptions.keep,
                 **extra) -> RunOptions:
    if no_default_rules and not rules_dir:
        raise click.UsageError("--no-default-rules needs --rules DIR")
    dedup = DedupOptions(ngram=ngram, threshold=threshold, document_threshold=document_threshold, keep=keep)
    return RunOptions(id_field=id_field, text_field=text_field, convert=convert, rules_dir=rules_dir,
                      no_default_rules=no_default_rules, orphans=orphans, dedup=dedup, strict=strict, **extra)


@main.command(options_metavar="--out DIR [OPTIONS]", short_help="Clean INPUT files into a corpus in --out DIR.")
@_cleaning_options
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for corpus.jsonl, duplicates.jsonl, report.html and stats.json (created if missing).")
@click.option("--drop-duplicates", is_flag=True,
              help="Write only the kept copy of each duplicate document.  [default: off]")
@click.option("--index", "index_path", default=None,
              help="Archive of everything seen before (an SQLite file, or redis://HOST:PORT/DB): check against "
                   "it, then add this batch.  [default: none]")
@click.option("--resume", is_flag=True,
              help="Go on with the run a killed run left in --out (same inputs and options), reusing its "
                   "finished shards.  [default: off]")
def run(out, drop_duplicates, index_path, resume, quiet, **settings):
    """Clean INPUT... (.txt files, folders, .jsonl, .jsonl.gz, or - for JSONL on stdin) into a corpus
    in --out DIR.

    Every document is normalised and repaired, then near-duplicates are marked.
    Bad inputs are reported on stderr with their file and line; the others are
    still processed, and the exit code is 1.
    """
    options = _run_options(drop_duplicates=drop_duplicates, index=index_path, resume=resume, **settings)
    result = _execute(lambda **hooks: run_job(settings["inputs"], out, options, **hooks), quiet, writes=out)
    _warn_skipped(result, quiet)
    if not quiet:
        if result.resumed:
            click.echo(f"newsclean: resumed: {result.resumed} finished shard(s) reused", err=True)
        written = result.stats["output"]["documents"]
        click.echo(f"newsclean: {result.documents} documents read, {written} written to {out}", err=True)
    _finish(result)


@main.group(short_help="Fill and inspect the archive of past documents (SQLite or Redis).")
def index():
    """The archive of documents seen before (an SQLite file, or a Redis database at
    redis://HOST:PORT/DB): fill it and inspect it."""


@index.command("add", options_metavar="--index PATH [OPTIONS]",
               short_help="Clean INPUT files and add them to the archive, writing no corpus.")
@_cleaning_options(corpus=False)
@click.option("--index", "index_path", required=True, metavar="PATH",
              help="The archive to add to (an SQLite file, created if missing, or redis://HOST:PORT/DB).")
def index_add(index_path, quiet, **settings):
    """Clean INPUT... and add them to the archive --index PATH, writing no corpus.

    It takes the options of run that decide what is archived; those that shape only a
    corpus's clusters (--document-threshold, --keep) are run's alone."""
    options = _run_options(index=index_path, **settings)
    result = _execute(lambda **hooks: add_to_index(settings["inputs"], options, **hooks), quiet,
                      writes=tempfile.gettempdir())
    _warn_skipped(result, quiet)
    if not quiet:
        click.echo(f"newsclean: {result.documents} documents read, {result.stats['added']} new to {index_path} "
                   f"({result.stats['documents']} in all)", err=True)
    _finish(result)


@index.command("stats", short_help="Print what the archive at PATH holds, as JSON.")
@click.argument("index_path", metavar="PATH")
def index_stats(index_path):
    """Print what the archive at PATH (an SQLite file or redis://HOST:PORT/DB) holds, as JSON."""
    try:
        with read_archive(index_path) as archive:
            click.echo(json.dumps(archive.stats(), ensure_ascii=False, indent=1))
    except ArchiveError as err:
        raise SetupError(str(err)) from None


@index.command("unlock", short_help="Break the lock a dead run left on a Redis archive.")
@click.argument("index_path", metavar="PATH")
def index_unlock(index_path):
    """Break the lock a run that died left on the Redis archive PATH (redis://HOST:PORT/DB).
    Only when no run is using it: a live run that loses its lock does not add its batch."""
    try:
        click.echo(f"newsclean: {unlock_archive(index_path)}", err=True)
    except ArchiveError as err:
        raise SetupError(str(err)) from None


def _execute(job, quiet: bool, writes: str):
    """Run ``job`` with a progress bar and error printing; turn failures into clear messages.
    An OS error that names no path (a full disk, met writing) is put on ``writes``, the folder
    the job writes to."""
    bar = _Stages(enabled=not quiet and sys.stderr.isatty())

    def on_error(error: InputError) -> None:
        bar.write(f"newsclean: error: {printable(str(error))}")  # a file's name is input too

    try:
        return job(on_error=on_error, on_progress=bar)
    except StrictError:
        raise click.ClickException("stopped at the first bad input (--strict); nothing was written") from None
    except NothingToRead as err:  # exit code 1, as for bad input: the user named the wrong folder
        raise click.ClickException(printable(str(err))) from None
    except (RuleError, ConfigError, ArchiveError, EngineError, ResumeError, OutputError) as err:
        raise SetupError(str(err)) from None
    except OSError as err:
        raise SetupError(_os_problem(err, writes)) from None
    except BrokenProcessPool:
        raise SetupError("a worker process was killed (by the system, perhaps for want of memory): "
                         "run again, with fewer --workers") from None
    finally:
        bar.close()


def _warn_skipped(result, quiet: bool) -> None:
    """Name the files of the input folders that were not read for their suffix (unless ``quiet``)."""
    if result.skipped and not quiet:
        click.echo(printable(f"newsclean: warning: {len(result.skipped)} file(s) not read (not .txt, .jsonl or "
                             f".jsonl.gz): {named(result.skipped)}"), err=True)


def _finish(result) -> None:
    if result.errors:
        click.echo(f"newsclean: {result.bad_inputs} bad input(s); see the errors above", err=True)
        sys.exit(BAD_INPUT)


#: What a hand-edited or truncated run file raises when its records are read or shown: wrong
#: JSON, a missing field, a value of the wrong type, an edit that does not fit its text.
MALFORMED = (ValueError, KeyError, TypeError, AttributeError, IndexError)


@main.command(short_help="Rebuild a run's report.html from its outputs in DIR.")
@click.argument("run_dir", metavar="DIR", type=click.Path(exists=True, file_okay=False))
def report(run_dir):
    """Rebuild DIR/report.html from a run's corpus.jsonl, duplicates.jsonl and stats.json."""
    try:
        with held(run_dir) as folder:
            try:
                documents = _read_records(folder / "corpus.jsonl")
                clusters = _read_records(folder / "duplicates.jsonl")
                stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
            except FileNotFoundError as err:
                raise click.ClickException(f"{run_dir} does not hold a finished run: {err}") from None
            with OutputDir(folder / ".newsclean-report") as staged:
                write_report(staged.path("report.html"), documents, clusters, stats)
                staged.commit(folder)
    except OutputError as err:
        raise SetupError(str(err)) from None
    except MALFORMED as err:
        raise click.ClickException(f"{run_dir} does not hold a valid run: {_malformed(err)}") from None
    click.echo(f"newsclean: wrote {folder / 'report.html'}", err=True)


@main.command("explain", options_metavar="--run DIR [OPTIONS]",
              short_help="Print a document's edits in a run as a coloured diff.")
@click.argument("doc_id", metavar="ID")
@click.option("--run", "run_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of the run (holding corpus.jsonl).")
@click.option("--stage", type=click.Choice(["all", *DOCUMENT_STAGES]), default="all",
              show_default=True, help="Show the edits of one stage only.")
def explain_command(doc_id, run_dir, stage):
    """Print document ID's edits from a run as a coloured diff: rule, place, before and after."""
    path = Path(run_dir) / "corpus.jsonl"
    try:
        with path.open(encoding="utf-8") as f:
            record = next((r for r in map(json.loads, f) if str(r["id"]) == doc_id), None)
        if record is None:
            raise click.ClickException(f"no document {doc_id!r} in {path}")
        for line in explain(record, color=sys.stdout.isatty(), stage=None if stage == "all" else stage):
            click.echo(line)
    except MALFORMED as err:
        raise click.ClickException(f"{path}: document {doc_id!r}: {_malformed(err)}") from None


def _malformed(err: Exception) -> str:
    """What was wrong with a run file, in words (a KeyError alone shows only the key)."""
    return f"missing field {err}" if isinstance(err, KeyError) else str(err)


def _read_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _width() -> dict:
    """tqdm's size options: the terminal's, followed as it changes; 80 columns and 24 lines
    where the terminal says it has none (a pseudo-terminal never sized, as some CI runners
    and editors give), on which tqdm would draw nothing."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError):
        size = os.terminal_size((0, 0))
    if size.columns and size.lines:
        return {"dynamic_ncols": True}
    return {"ncols": size.columns or 80, "nrows": size.lines or 24}


class _Stages:
    """The progress bar: a job's ``on_progress(stage, done, total)`` drawn as one tqdm bar a
    stage, left on its line with its final count when the next stage begins.  A stage whose
    total is not known yet shows its count and rate; one that is not finished is redrawn
    every :attr:`TICK` seconds, so that its elapsed time runs on while its count waits for
    the work (a shard being cleaned, a step of the cluster stage).  Draws nothing unless
    ``enabled``."""

    #: each stage's words on the bar, and what it counts
    LABELS = {READING: ("reading", "docs"), CLEANING: ("cleaning", "docs"), CLUSTERING: ("clustering", "steps"),
              WRITING: ("writing", "docs")}
    #: the cluster stage's few steps take long and unevenly: its count and time, no rate
    FORMATS = {(CLUSTERING, True): "{l_bar}{bar}| {n_fmt}/{total_fmt} steps [{elapsed}]",
               (CLUSTERING, False): "{desc}: {n_fmt}/{total_fmt} steps [{elapsed}]"}
    TICK = 0.5

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.stage: str | None = None
        self.bar: tqdm | None = None
        self.lock = threading.RLock()
        self.stopped = threading.Event()
        self.ticker = threading.Thread(target=self._tick, daemon=True, name="newsclean-progress")
        if enabled:
            self.ticker.start()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        with self.lock:
            if stage != self.stage:
                self._leave()
                label, unit = self.LABELS.get(stage, (stage, "docs"))
                self.stage = stage
                self.bar = tqdm(desc=label, unit=f" {unit}", total=total, file=sys.stderr, leave=True,
                                bar_format=self.FORMATS.get((stage, total is not None)), **_width())
            if total != self.bar.total:
                self.bar.total = total
                self.bar.refresh()
            if done != self.bar.n:
                self.bar.update(done - self.bar.n)

    def write(self, line: str) -> None:
        """Print ``line`` on stderr above the bar."""
        with self.lock:
            if self.bar is not None:
                self.bar.clear()
            click.echo(line, err=True)
            if self.bar is not None:
                self.bar.refresh()

    def close(self) -> None:
        self.stopped.set()
        with self.lock:
            self._leave()

    def _leave(self) -> None:
        if self.bar is not None:
            self.bar.refresh()  # its final count, which tqdm may not have drawn yet
            self.bar.close()
            self.bar = None

    def _tick(self) -> None:
        while not self.stopped.wait(self.TICK):
            with self.lock:
                if self.bar is not None and self.bar.n != self.bar.total:
                    self.bar.refresh()


if __name__ == "__main__":  # pragma: no cover
    main()
