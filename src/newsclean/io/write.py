"""Write a run's outputs so that a failed run never leaves a complete-looking result.

Files are written into a hidden temporary folder inside the output folder and
moved into place only by :meth:`OutputDir.commit`, ``stats.json`` last, so a
``stats.json`` next to ``corpus.jsonl`` means the run finished.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
>>> with OutputDir(out) as staged:
...     with staged.open("corpus.jsonl") as f:
...         _ = f.write("{}\\n")
...     staged.commit()
>>> sorted(p.name for p in out.iterdir())
['corpus.jsonl']
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

COMPLETION_MARKER = "stats.json"


class OutputDir:
    """A staging folder for one run's outputs; see the module docstring."""

    def __init__(self, out: Path | str):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=".newsclean-", dir=self.out))
        self._names: list[str] = []

    def open(self, name: str) -> IO[str]:
        """A new UTF-8 text file in the staging folder, to be moved to ``out/name``."""
        self._names.append(name)
        return open(self._staging / name, "w", encoding="utf-8", newline="\n")

    def write_json(self, name: str, obj: Any) -> None:
        with self.open(name) as f:
            json.dump(obj, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")

    def path(self, name: str) -> Path:
        """Where ``name`` is staged (for writers that need a path, not a stream)."""
        self._names.append(name)
        return self._staging / name

    def commit(self) -> None:
        """Move every staged file into ``out``; the completion marker goes last."""
        names = sorted(set(self._names), key=lambda n: n == COMPLETION_MARKER)
        stale = self.out / COMPLETION_MARKER
        if stale.exists():
            stale.unlink()
        for name in names:
            os.replace(self._staging / name, self.out / name)
        self.abort()

    def abort(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)

    def __enter__(self) -> "OutputDir":
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()
