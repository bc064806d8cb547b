"""The run's work folder: finished shards on disk, so memory stays bounded and a killed run
can resume.

``OUT/.newsclean-work/`` holds ``manifest.json`` (what the run is: newsclean's
version, the options that shape the output, the inputs with their sizes and
modification times, the shard size), ``token`` (a name of its own, made with
the folder) and one folder a finished shard:
``records.jsonl``, ``prints.npz``, ``keys.bin``, ``bands.bin`` and
``summary.json``.  A shard is written into a temporary folder, synced to disk
and renamed into place, and its summary records the size of each of its files,
so a shard folder whose files have those sizes is complete.  Each shard is
written by the worker that processed it (:class:`ProcessShard`, the step the
engines map), so no result passes through the driver.  Clustering reads the
shards back through the spool, a :class:`~newsclean.dedup.prints.ShardReader`.
Once written, the run's outputs wait whole in ``outputs/`` until the archive
holds the batch (:attr:`Spool.outputs`).  The work folder is removed when the
outputs are in place.

>>> import tempfile, pathlib
>>> from newsclean.options import RunOptions
>>> from newsclean.shards import Shard
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> spool = Spool.open(out, {"run": 1}, resume=False)
>>> ProcessShard.of(RunOptions(), spool, run="")(Shard(0, [Document("a", "临颍县")]))
0
>>> spool.done(0), [r["id"] for _, r in spool.records(0)], spool.document(0, 0).text
(True, ['a'], '临颍县')
"""
from __future__ import annotations

import functools
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from .dedup.prints import Prints
from .document import Document
from .io import InputError
from .io.files import forget, read_at
from .io.write import put, remove, sync
from .stats import RunStats
from .shards import Shard, ShardResult, process_shard

if TYPE_CHECKING:
    from .options import RunOptions

WORK = ".newsclean-work"
#: Shards whose record offsets (8 bytes a document) are kept for reading single documents.
OFFSETS_KEPT = 64


class ResumeError(RuntimeError):
    """``--resume`` was asked for a run whose inputs or options changed."""


class Spool:
    """An open work folder; see the module docstring."""

    def __init__(self, folder: Path):
        self.folder = folder
        # where each record starts, for the shards whose documents were asked for lately
        self._offsets = functools.lru_cache(maxsize=OFFSETS_KEPT)(self._read_offsets)

    @classmethod
    def open(cls, out: Path | str, manifest: dict, resume: bool) -> "Spool":
        """The work folder of a run described by ``manifest``: the one a killed run left,
        with ``resume``; else a new, empty one."""
        folder = Path(out) / WORK
        found = folder / "manifest.json"
        if resume and found.exists() and not folder.is_symlink():
            if json.loads(found.read_text(encoding="utf-8")) != manifest:
                raise ResumeError(f"{folder} belongs to a run with other inputs or options; "
                                  "run again without --resume to start afresh")
            return cls(folder)
        forget(folder)
        remove(folder)  # whatever is there: a killed run's work, or a link or a file in its place
        folder.mkdir(parents=True)
        for name, text in (("token", uuid.uuid4().hex), ("manifest.json", json.dumps(manifest, sort_keys=True))):
            partial = folder / f"{name}.partial"
            partial.write_text(text, encoding="utf-8")
            put(partial, folder / name)
        return cls(folder)

    @property
    def token(self) -> str:
        """The folder's own name, made with it: a folder made afresh in its place has another."""
        return (self.folder / "token").read_text(encoding="utf-8")

    def __reduce__(self):
        """A spool travels to a worker as its folder (its cache of offsets stays behind)."""
        return Spool, (self.folder,)

    def __eq__(self, other) -> bool:
        """Spools of one folder, made by one run (the same :attr:`token`), are the same: what
        a process read of one it may reuse for the other."""
        return isinstance(other, Spool) and self._identity == other._identity

    def __hash__(self) -> int:
        return hash(self._identity)

    @functools.cached_property
    def _identity(self) -> tuple[str, str]:
        return str(self.folder), self.token

    def remove(self) -> None:
        forget(self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def outputs(self) -> Path:
        """The folder where the run's outputs wait, whole, until the archive holds the batch;
        if it exists, a killed run wrote them and ``--resume`` only finishes the run."""
        return self.folder / "outputs"

    @staticmethod
    def shard_name(number: int) -> str:
        """The name of shard ``number``'s folder."""
        return f"shard-{number:06d}"

    def _shard(self, number: int) -> Path:
        return self.folder / self.shard_name(number)

    def done(self, number: int) -> bool:
        """Whether shard ``number`` is finished: its folder is in place, with each file the size
        its summary records (a file whose data a power loss kept from the disk reads short)."""
        folder = self._shard(number)
        try:
            sizes = self._summary_data(number)["files"]
            return all((folder / name).stat().st_size == size for name, size in sizes.items())
        except (OSError, ValueError, KeyError):
            return False

    def save(self, result: ShardResult) -> None:
        """Write a finished shard, all or nothing."""
        final = self._shard(result.number)
        partial = final.with_name(final.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        try:
            self._write(result, partial)
        except BaseException:  # a full disk: what was written of the shard would keep it full
            shutil.rmtree(partial, ignore_errors=True)
            raise
        forget(final)
        remove(final)  # a shard a power loss left short (see :meth:`done`)
        put(partial, final)

    @staticmethod
    def _write(result: ShardResult, folder: Path) -> None:
        """A finished shard's files in ``folder``, synced."""
        (folder / "records.jsonl").write_bytes(result.records)
        result.prints.save(folder)
        lines = result.records.split(b"\n")[:-1]
        summary = {
            "stats": result.stats.to_record(),
            "errors": [[e.source, e.message] for e in result.errors],
            "offsets": np.cumsum([0] + [len(line) + 1 for line in lines]).tolist(),
            "sizes": list(result.prints.sizes),
            "files": {path.name: path.stat().st_size for path in folder.iterdir()},
        }
        (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        for path in folder.iterdir():
            sync(path)

    def summary(self, number: int) -> tuple[RunStats, list[InputError], tuple[int, int, int]]:
        """The stage counts, the failed documents and the fingerprints' sizes
        (:attr:`~newsclean.dedup.prints.Prints.sizes`) of a finished shard."""
        data = self._summary_data(number)
        return RunStats.from_record(data["stats"]), [InputError(source, message) for source, message in data["errors"]], tuple(data["sizes"])

    def prints(self, number: int) -> Prints:
        return Prints.load(self._shard(number))

    def _summary_data(self, number: int) -> dict:
        return json.loads((self._shard(number) / "summary.json").read_text(encoding="utf-8"))

    def _read_offsets(self, number: int) -> np.ndarray:
        return np.array(self._summary_data(number)["offsets"], dtype=np.int64)

    def records(self, number: int) -> Iterator[tuple[str, dict]]:
        """The shard's ``corpus.jsonl`` lines (``duplicate_of`` unset), each with its record,
        in order."""
        with open(self._shard(number) / "records.jsonl", encoding="utf-8") as f:
            for line in f:
                yield line, json.loads(line)

    def document(self, number: int, index: int) -> Document:
        """Document ``index`` of shard ``number``, read from disk."""
        offsets = self._offsets(number)
        start, end = int(offsets[index]), int(offsets[index + 1])
        record = json.loads(read_at(self._shard(number) / "records.jsonl", start, end - start))
        return Document.from_json(record)


@dataclass(frozen=True)
class ProcessShard:
    """The step the engines map over a run's shards: :func:`~newsclean.shards.process_shard`,
    its result saved into the work folder ``folder`` by the worker that made it.  Shards with
    the same ``run`` token share the stages a worker built for the first of them."""

    options: "RunOptions"
    folder: str
    run: str
    #: The work folder's :attr:`Spool.token`: a worker still busy when its run was killed must
    #: not save into the folder a later run made afresh in its place.
    token: str

    @classmethod
    def of(cls, options: "RunOptions", spool: Spool, run: str) -> "ProcessShard":
        return cls(options, str(spool.folder), run, spool.token)

    def __call__(self, shard: Shard) -> int | None:
        """Process and save ``shard``: its number (``None`` if its run is gone)."""
        result = process_shard(self.options, shard, self.run)
        spool = Spool(Path(self.folder))
        if spool.token != self.token:
            return None
        spool.save(result)
        return shard.number
