"""Read documents from files, directories, JSONL (optionally gzipped) and stdin.

Bad input never raises: each problem is yielded as an :class:`InputError`
naming the file (and the line, for JSONL), and reading goes on with the rest.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "a.txt").write_text("临颍县", encoding="utf-8")
>>> _ = (root / "b.jsonl").write_text('{"id": "x", "text": "舞阳县"}\\n{oops}\\n', encoding="utf-8")
>>> [str(item) if isinstance(item, InputError) else item.id for item in read_inputs([str(root)])]  # doctest: +ELLIPSIS
['a', 'x', '.../b.jsonl:2: malformed JSON: Expecting property name enclosed in double quotes at column 2']
"""
from __future__ import annotations

import contextlib
import errno
import gzip
import json
import os
import re
import stat
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Sequence

from ..document import Document
from .decode import DecodeError, decode
from .write import HIDDEN, LOCK

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
#: Bad lines of one JSONL file listed one by one; the rest are only counted, so that random
#: bytes named ``.jsonl`` give a few lines, not one a newline byte.
LISTED_BAD_LINES = 10
#: What a path given as an input is when it is neither a folder nor a regular file.
NOT_FILES = {
    stat.S_IFIFO: "a pipe, not a file: give - to read JSONL on standard input",
    stat.S_IFCHR: "a device, not a file",
    stat.S_IFBLK: "a device, not a file",
    stat.S_IFSOCK: "a socket, not a file",
}
#: A UTF-16 surrogate alone: JSON can escape one (``"\\ud800"``), but it is no character.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class InputError:
    """One bad input: where it is and what is wrong with it.

    >>> str(InputError("caf\\udce9.txt", "the path is not UTF-8"))  # the bytes of a Latin-1 name
    'caf\\\\xe9.txt: the path is not UTF-8'
    """

    source: str
    message: str
    #: The bad inputs this one stands for (the bad lines of a file past those listed).
    count: int = 1

    def __str__(self) -> str:
        text = f"{self.source}: {self.message}"
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_inputs(inputs: Sequence[str], *, id_field: str = "id", text_field: str = "text",
                stdin: BinaryIO | None = None) -> Iterator[Document | InputError]:
    """Yield a Document for every readable document and an InputError for every bad one.

    ``inputs`` are paths (``.txt``, ``.jsonl`` and ``.jsonl.gz`` files, in any case, or
    folders, walked in sorted order) or ``-`` for JSONL on ``stdin``.  Ids must be unique
    across inputs.
    """
    seen: set[str] = set()
    for item in _read_all(inputs, id_field, text_field, stdin):
        if isinstance(item, Document):
            if item.id in seen:
                yield InputError(item.source, f"duplicate id {item.id!r}: skipped")
                continue
            seen.add(item.id)
        yield item


@dataclass
class Survey:
    """What a run's inputs hold, looked at before they are read (:func:`survey`)."""

    #: the files that will be read (a path that cannot be looked at too: it is named when read)
    files: list[Path]
    #: the files in the input folders that are not read, for their suffix (hidden files aside)
    skipped: list[Path]
    #: the problems met walking the folders (named again when they are read)
    problems: int = 0

    def nothing_to_read(self, inputs: Sequence[str]) -> bool:
        """Whether the inputs hold nothing to read at all: no file, no problem to name, no stdin."""
        return not self.files and not self.problems and "-" not in inputs

    def skipped_names(self) -> str:
        """The skipped files, named as :func:`named` names them."""
        return named(self.skipped)


def named(paths: Sequence[Path], shown: int = 5) -> str:
    """``paths``, the first ``shown`` named and the rest counted.

    >>> named([Path(f"in/{n}.md") for n in range(7)], 2)
    'in/0.md, in/1.md and 5 more'
    """
    more = len(paths) - shown
    return ", ".join(str(p) for p in paths[:shown]) + (f" and {more} more" if more > 0 else "")


def survey(inputs: Sequence[str]) -> Survey:
    """The files the ``inputs`` (paths, or ``-``) stand for, and those their folders hold that
    are not read: what :func:`walk` finds in a folder, else the path itself.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for name in ("a.TXT", "b.md", "c.json", ".DS_Store"): _ = (root / name).write_text("x")
    >>> found = survey([str(root)])
    >>> [p.name for p in found.files], [p.name for p in found.skipped]
    (['a.TXT'], ['b.md', 'c.json'])
    """
    found = Survey([], [])
    for name in inputs:
        if name == "-":
            continue
        path = Path(name)
        try:
            folder = path.is_dir()
        except OSError:  # what cannot be looked at is named when it is read
            folder = False
        if not folder:
            found.files.append(path)
            continue
        for item in walk(path, skipped=found.skipped):
            if isinstance(item, Path):
                found.files.append(item)
            else:
                found.problems += 1
    return found


def walk(root: Path, skipped: list[Path] | None = None) -> Iterator[Path | InputError]:
    """The files under ``root`` that we read, sorted by relative path (deterministic ids and
    output), and an InputError for each folder that cannot be listed, each symlink that leads
    nowhere, back up the tree or to a folder already read, and each output folder of a run in
    progress (which holds its lock: a link to this run's ``--out``).  Symlinked folders are
    followed; newsclean's own hidden files (``.newsclean-*``: work folders, locks) are never
    read.  It keeps its own stack: a tree may be thousands of folders deep.  The files it does
    not read for their suffix are added to ``skipped``, if given (hidden ones aside).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "b").mkdir(); _ = (root / "b" / "c.TXT").write_text("x"); _ = (root / "a.md").write_text("x")
    >>> (root / "b" / "up").symlink_to(".."); (root / "c").symlink_to("b")
    >>> [str(p.relative_to(root)) if isinstance(p, Path) else p.message for p in walk(root)]  # doctest: +ELLIPSIS
    ['b/c.TXT', 'symlink loop (back to ...): not followed', 'folder already read (as .../b): not read again']
    """
    pending: list[tuple[Path, int]] = [(root, 0)]  # paths to visit, each with its depth
    chain: list[tuple[int, int]] = []  # the folders above the path visited: (device, inode)
    above: set[tuple[int, int]] = set()  # the same, to look up
    read: dict[tuple[int, int], Path] = {}  # every folder read so far, by (device, inode)
    while pending:
        path, depth = pending.pop()
        while len(chain) > depth:
            above.discard(chain.pop())
        try:
            found = path.stat()
        except OSError as err:
            yield InputError(str(path), _unreachable(path, err))
            continue
        if not stat.S_ISDIR(found.st_mode):
            if _known(path.name):
                yield path if stat.S_ISREG(found.st_mode) else InputError(str(path), _not_a_file(found))
            elif skipped is not None and not path.name.startswith("."):
                skipped.append(path)
            continue
        key = (found.st_dev, found.st_ino)
        if key in read:
            yield InputError(str(path), f"symlink loop (back to {read[key]}): not followed" if key in above
                             else f"folder already read (as {read[key]}): not read again")
            continue
        read[key] = path
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as err:
            yield InputError(str(path), f"cannot read folder: {_reason(err)}")
            continue
        if LOCK in names:
            yield InputError(str(path), "the output folder of a run in progress: not read")
            continue
        chain.append(key)
        above.add(key)
        pending.extend((path / name, depth + 1) for name in reversed(names) if not name.startswith(HIDDEN))


def _read_all(inputs, id_field, text_field, stdin) -> Iterator[Document | InputError]:
    for name in inputs:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _read_jsonl_lines(stream, "<stdin>", id_field, text_field)
            continue
        path = Path(name)
        try:
            found = path.stat()
        except OSError as err:
            yield InputError(name, _unreachable(path, err))
            continue
        if stat.S_ISDIR(found.st_mode):
            for file in walk(path):
                if isinstance(file, InputError):
                    yield file
                else:
                    yield from _read_file(file, file.relative_to(path), id_field, text_field)
        elif not stat.S_ISREG(found.st_mode):
            yield InputError(name, _not_a_file(found))
        elif not _known(path.name):
            yield InputError(name, "not a .txt, .jsonl or .jsonl.gz file: not read")
        else:
            yield from _read_file(path, Path(path.name), id_field, text_field)


def _known(name: str) -> bool:
    return name.lower().endswith(TEXT_SUFFIXES + JSONL_SUFFIXES)


def _not_a_file(found: os.stat_result) -> str:
    return NOT_FILES.get(stat.S_IFMT(found.st_mode), "not a file")


def _unreachable(path: Path, err: OSError) -> str:
    """Why ``path`` could not be looked at (``err`` came from following it)."""
    if err.errno == errno.ELOOP:
        return "symlink loop"
    if err.errno == errno.ENOENT:
        return f"broken symlink (to {os.readlink(path)})" if path.is_symlink() else "no such file or directory"
    return f"cannot read: {_reason(err)}"


def _read_file(path: Path, relative: Path, id_field: str, text_field: str) -> Iterator[Document | InputError]:
    source = str(path)
    if LONE_SURROGATE.search(source):  # bytes of a name that is not UTF-8, kept by os.fsdecode
        yield InputError(source, "the path is not UTF-8: rename it to read it")
        return
    if path.name.lower().endswith(JSONL_SUFFIXES):
        try:
            opener = gzip.open if path.name.lower().endswith(".gz") else open
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
    listed = unlisted = 0
    for number, raw in enumerate(stream, start=1):
        item = _read_record(raw, number, f"{source}:{number}", id_field, text_field)
        if isinstance(item, InputError):
            if listed == LISTED_BAD_LINES:
                unlisted += 1
                continue
            listed += 1
        if item is not None:
            yield item
    if unlisted:
        yield InputError(source, f"{unlisted} more bad line(s), not listed", unlisted)


def _read_record(raw: bytes, number: int, where: str, id_field: str,
                 text_field: str) -> Document | InputError | None:
    """The document on JSONL line ``number`` (``raw``), what is wrong with it, or ``None`` for a
    blank line."""
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as err:
        return InputError(where, f"undecodable bytes at byte {err.start}: JSONL must be UTF-8")
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return InputError(where, f"malformed JSON: {_json_problem(err)}")
    except ValueError:  # the only other: an integer too long to convert
        return InputError(where, f"malformed JSON: a number of more than {sys.get_int_max_str_digits()} digits")
    except RecursionError:
        return InputError(where, "malformed JSON: JSON nested too deeply")
    if not isinstance(record, dict):
        return InputError(where, "a JSONL line must be a JSON object")
    doc_id, text = record.get(id_field), record.get(text_field)
    if doc_id is None:
        return InputError(where, f"missing field {id_field!r}")
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
        return InputError(where, f"field {id_field!r} must be a string or an integer")
    if text is None:
        return InputError(where, f"missing field {text_field!r}")
    if not isinstance(text, str):
        return InputError(where, f"field {text_field!r} must be a string")
    doc_id = str(doc_id)
    if not doc_id.strip():
        return InputError(where, f"field {id_field!r} is empty: an id must name the document")
    for name, value in ((id_field, doc_id), (text_field, text)):
        if found := LONE_SURROGATE.search(value):
            return InputError(where, f"field {name!r} holds a lone surrogate ({found.group()!r} at character "
                                     f"{found.start()}): not text")
    return Document(id=doc_id, text=text, source=where, encoding="utf-8")


def _json_problem(err: json.JSONDecodeError) -> str:
    """``err``'s message with its column, and the character for a raw control character.

    >>> try: json.loads('"a\\x00"')
    ... except json.JSONDecodeError as err: print(_json_problem(err))
    Invalid control character U+0000 at column 3
    """
    message = err.msg.removesuffix(" at")
    if message == "Invalid control character":
        message += f" U+{ord(err.doc[err.pos]):04X}"
    return f"{message} at column {err.colno}"


def _reason(err: BaseException) -> str:
    return err.strerror.lower() if isinstance(err, OSError) and err.strerror else str(err) or type(err).__name__
