"""Write a run's outputs so that a failed run never leaves a complete-looking result.

A run holds its output folder (:func:`held`): another run, or a ``report``, on the same folder
refuses while it lasts.  Before it starts it removes the previous run's completion marker
(:func:`unmark`).  Its files are written into a staging folder (:class:`OutputDir`) and moved
into place by :func:`publish`, ``stats.json`` last, so a ``stats.json`` next to
``corpus.jsonl`` means the run finished.  Every file is synced to disk before it is renamed into
place, and its folder after, so a power loss cannot leave an empty file under a final name.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
>>> with held(out), OutputDir(out / ".newsclean-staged") as staged:
...     with staged.open("corpus.jsonl") as f:
...         _ = f.write("{}\\n")
...     staged.commit(out)
>>> sorted(p.name for p in out.iterdir())
['corpus.jsonl']
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import IO, Any, Iterator

COMPLETION_MARKER = "stats.json"
#: The file in an output folder that a run holds an OS lock on (a folder itself cannot be locked
#: for writing over NFS, where the runs of a Ray cluster write).  Named like the staging folders,
#: so that it is hidden and :func:`sweep` knows it.
LOCK = ".newsclean-lock"
#: What newsclean's own hidden files and folders in an output folder are named (the lock, the
#: work and staging folders): never read as input.
HIDDEN = ".newsclean-"


class OutputError(RuntimeError):
    """The output folder cannot be used: another run holds it, or the run would read it as input."""


@contextlib.contextmanager
def held(out: Path | str) -> Iterator[Path]:
    """The folder ``out`` (created if missing), held by this process while the block runs;
    :class:`OutputError` if another process holds it.  The hold is an OS lock, so it ends with
    the process, however that ends.  The folders it made are removed at the end if they are
    empty: a run that failed at start leaves nothing behind."""
    out = Path(out)
    while True:
        made = _make_folders(out)
        try:
            lock = lock_file(out / LOCK)
            break
        except FileNotFoundError:  # another process removed the empty folder it had made: make it again
            continue
    if lock is None:
        raise OutputError(f"{out} is in use by another run; try again when it has finished")
    try:
        yield out
    finally:
        (out / LOCK).unlink(missing_ok=True)  # while still locked: no one may lock a file being removed
        os.close(lock)
        for folder in made:  # innermost first; one another process has put something in stays
            try:
                folder.rmdir()
            except OSError:
                break


def _make_folders(out: Path) -> list[Path]:
    """Make the folder ``out`` and the folders above it that are missing; those made, innermost
    first."""
    missing = [folder for folder in (out, *out.parents) if not folder.exists()]
    out.mkdir(parents=True, exist_ok=True)
    return missing


def lock_file(path: Path) -> int | None:
    """A descriptor of ``path`` (created if missing) holding an exclusive OS lock on it, or
    ``None`` if another process holds that lock.  A lock won on a file its holder removed
    meanwhile locks nothing, so then the file is made and locked afresh."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    return fd
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def unmark(out: Path) -> None:
    """Remove ``out``'s completion marker: a run is starting there, so the folder no longer
    holds a finished run."""
    (out / COMPLETION_MARKER).unlink(missing_ok=True)
    sync(out)


def sweep(out: Path, keep: str) -> None:
    """Remove from ``out`` what killed runs and reports left there (hidden ``.newsclean-*``
    staging folders), except ``keep`` and the lock.  Only for the process holding ``out``."""
    for entry in out.glob(HIDDEN + "*"):
        if entry.name not in (keep, LOCK):
            remove(entry)


def remove(path: Path) -> None:
    """Remove whatever is at ``path``: a folder and all it holds, or a file, or a link (never
    what the link points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def sync(path: Path) -> None:
    """Flush ``path`` to disk: a file's data, or a folder's entries."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def put(partial: Path, final: Path) -> None:
    """Rename ``partial`` (a file or a folder, its data synced) to ``final``, durably: its
    entries, then the rename, reach the disk before anything written later."""
    sync(partial)
    os.replace(partial, final)
    sync(final.parent)


def publish(staged: Path, out: Path) -> None:
    """Move every file of the folder ``staged`` into ``out``, the completion marker last and
    only once the other moves are on disk.  A file missing from ``staged`` was moved by a run
    killed while publishing, so publishing again finishes the job."""
    names = sorted((p.name for p in staged.iterdir()), key=lambda name: (name == COMPLETION_MARKER, name))
    for name in names:
        if name == COMPLETION_MARKER:
            sync(out)
        os.replace(staged / name, out / name)
    sync(out)


class OutputDir:
    """Files staged in the folder ``staging`` (emptied first), then moved into an output folder
    (:meth:`commit`) or kept together under their final folder's name (:meth:`seal`)."""

    def __init__(self, staging: Path | str):
        self.staging = Path(staging)
        remove(self.staging)
        self.staging.mkdir(parents=True)

    def open(self, name: str) -> IO[str]:
        """A new UTF-8 text file in the staging folder, to be moved to ``out/name``."""
        return open(self.staging / name, "w", encoding="utf-8", newline="\n")

    def write_json(self, name: str, obj: Any) -> None:
        with self.open(name) as f:
            json.dump(obj, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")

    def path(self, name: str) -> Path:
        """Where ``name`` is staged (for writers that need a path, not a stream)."""
        return self.staging / name

    def seal(self, ready: Path) -> None:
        """Sync the staged files to disk and rename the staging folder ``ready``: a folder of that
        name holds every output, for :func:`publish`."""
        self._sync()
        put(self.staging, ready)

    def commit(self, out: Path) -> None:
        """Sync the staged files to disk and move them into ``out`` (:func:`publish`)."""
        self._sync()
        publish(self.staging, out)

    def _sync(self) -> None:
        for path in self.staging.iterdir():
            sync(path)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> "OutputDir":
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()
