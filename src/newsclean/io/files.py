"""Read byte ranges of many files without holding a descriptor for each.

A run's driver reads keys and records from thousands of shard files; holding one
descriptor per file would pass the usual limit of 1,024.  The most recently used
descriptors stay open, up to :data:`MAX_OPEN`; older ones are closed.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "keys.bin").write_bytes(b"abcdef")
>>> read_at(folder / "keys.bin", 2, 3)
b'cde'
>>> forget(folder)  # before the folder is removed or rewritten
"""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

MAX_OPEN = 64
_open: OrderedDict[str, int] = OrderedDict()


def read_at(path: Path | str, offset: int, size: int) -> bytes:
    """``size`` bytes of the file at ``path`` from ``offset``."""
    key = str(path)
    fd = _open.get(key)
    if fd is None:
        fd = _open[key] = os.open(key, os.O_RDONLY)
        if len(_open) > MAX_OPEN:
            os.close(_open.popitem(last=False)[1])
    else:
        _open.move_to_end(key)
    return os.pread(fd, size, offset)


def forget(folder: Path | str) -> None:
    """Close the descriptors of files under ``folder`` (it is about to be removed or rewritten,
    and a later file of the same name must not be read through an old descriptor)."""
    prefix = os.path.join(str(folder), "")
    for key in [k for k in _open if k.startswith(prefix)]:
        os.close(_open.pop(key))
