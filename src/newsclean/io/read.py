"""Read documents from files, directories, JSONL (optionally gzipped) and stdin.

Bad input never raises: each problem is yielded as an :class:`InputError`
naming the file (and the line, for JSONL), and reading goes on with the rest.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "a.txt").write_text("临颍县", encoding="utf-8")
>>> _ = (root / "b.jsonl").write_text('{"id": "x", "text": "舞阳县"}\\n{oops}\\n', encoding="utf-8")
>>> [str(item) if isinstance(item, InputError) else item.id for item in read_inputs([str(root)])]  # doctest: +ELLIPSIS
['a', 'x', '.../b.jsonl:2: malformed JSON: Expecting property name enclosed in double quotes']
"""
from __future__ import annotations

import gzip
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Sequence

from ..document import Document
from .decode import DecodeError, decode

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass(frozen=True)
class InputError:
    """One bad input: where it is and what is wrong with it."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def read_inputs(inputs: Sequence[str], *, id_field: str = "id", text_field: str = "text",
                stdin: BinaryIO | None = None) -> Iterator[Document | InputError]:
    """Yield a Document for every readable document and an InputError for every bad one.

    ``inputs`` are paths (files or directories, walked recursively in sorted
    order) or ``-`` for JSONL on ``stdin``.  Ids must be unique across inputs.
    """
    seen: set[str] = set()
    for item in _read_all(inputs, id_field, text_field, stdin):
        if isinstance(item, Document):
            if item.id in seen:
                yield InputError(item.source, f"duplicate id {item.id!r}: skipped")
                continue
            seen.add(item.id)
        yield item


def _read_all(inputs, id_field, text_field, stdin) -> Iterator[Document | InputError]:
    for name in inputs:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _read_jsonl_lines(stream, "<stdin>", id_field, text_field)
            continue
        path = Path(name)
        if path.is_dir():
            for file in _walk(path):
                yield from _read_file(file, file.relative_to(path), id_field, text_field)
        elif path.exists():
            yield from _read_file(path, Path(path.name), id_field, text_field)
        else:
            yield InputError(name, "no such file or directory")


def _walk(root: Path) -> list[Path]:
    """Files under ``root`` that we read, sorted by relative path (deterministic ids and output)."""
    return sorted(p for p in root.rglob("*") if p.name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES) and p.is_file())


def _read_file(path: Path, relative: Path, id_field: str, text_field: str) -> Iterator[Document | InputError]:
    source = str(path)
    if path.name.endswith(JSONL_SUFFIXES):
        try:
            opener = gzip.open if path.name.endswith(".gz") else open
            with opener(path, "rb") as stream:
                yield from _read_jsonl_lines(stream, source, id_field, text_field)
        except (OSError, EOFError, zlib.error) as err:
            yield InputError(source, f"cannot read: {_reason(err)}")
        return
    try:
        data = path.read_bytes()
    except OSError as err:
        yield InputError(source, f"cannot read: {_reason(err)}")
        return
    try:
        text, encoding = decode(data)
    except DecodeError as err:
        yield InputError(source, str(err))
        return
    doc_id = relative.with_suffix("").as_posix() if relative.suffix else relative.as_posix()
    yield Document(id=doc_id, text=text, source=source, encoding=encoding)


def _read_jsonl_lines(stream: Iterable[bytes], source: str, id_field: str,
                      text_field: str) -> Iterator[Document | InputError]:
    for number, raw in enumerate(stream, start=1):
        where = f"{source}:{number}"
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            yield InputError(where, f"undecodable bytes at byte {err.start}: JSONL must be UTF-8")
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield InputError(where, f"malformed JSON: {err.msg}")
            continue
        if not isinstance(record, dict):
            yield InputError(where, "a JSONL line must be a JSON object")
            continue
        doc_id, text = record.get(id_field), record.get(text_field)
        if doc_id is None:
            yield InputError(where, f"missing field {id_field!r}")
        elif not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
            yield InputError(where, f"field {id_field!r} must be a string or an integer")
        elif text is None:
            yield InputError(where, f"missing field {text_field!r}")
        elif not isinstance(text, str):
            yield InputError(where, f"field {text_field!r} must be a string")
        else:
            yield Document(id=str(doc_id), text=text, source=where, encoding="utf-8")


def _reason(err: BaseException) -> str:
    return err.strerror.lower() if isinstance(err, OSError) and err.strerror else str(err) or type(err).__name__
